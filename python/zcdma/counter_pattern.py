#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The counter pattern (DESIGN §5): little-endian uint64 word k at byte 8k."""

import numpy

WORD = numpy.dtype("<u8")


def counter_words(first_word, count):
    """The expected words first_word .. first_word + count - 1."""
    return numpy.arange(first_word, first_word + count, dtype=WORD)


def check_counter(data, first_byte):
    """Count the words of `data` that differ from the pattern.

    `data` is any buffer-like object (numpy array, bytes, memoryview) that
    starts at stream byte offset `first_byte`; both must be word aligned.
    """
    raw = numpy.frombuffer(data, dtype=numpy.uint8)
    if first_byte % 8 or raw.size % 8:
        raise ValueError(f"counter check needs whole words: offset {first_byte}, {raw.size} bytes")
    words = raw.view(WORD)
    return int(numpy.count_nonzero(words != counter_words(first_byte // 8, words.size)))
