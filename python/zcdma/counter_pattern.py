#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The counter pattern (DESIGN §5): little-endian uint64 word k at byte 8k.

The sim's `format=sc16be` writes the same words read as sc16 samples (four
16-bit components per word) with each component big-endian, the VITA-49 byte
order: `check_counter(data, offset, sc16be=True)` checks that form, and
`check_counter_complex()` the complex64 samples a receiver made of it.
"""

import socket
import struct

import numpy

WORD = numpy.dtype("<u8")


def counter_words(first_word, count):
    """The expected words first_word .. first_word + count - 1."""
    return numpy.arange(first_word, first_word + count, dtype=WORD)


def check_counter(data, first_byte, sc16be=False):
    """Count the words of `data` that differ from the pattern.

    `data` is any buffer-like object (numpy array, bytes, memoryview) that
    starts at stream byte offset `first_byte`; both must be word aligned.
    sc16be=True: `data` has each 16-bit component big-endian (sim format=sc16be).
    """
    raw = numpy.frombuffer(data, dtype=numpy.uint8)
    if first_byte % 8 or raw.size % 8:
        raise ValueError(f"counter check needs whole words: offset {first_byte}, {raw.size} bytes")
    if sc16be:
        raw = raw.view(">u2").astype("<u2").view(numpy.uint8)
    words = raw.view(WORD)
    return int(numpy.count_nonzero(words != counter_words(first_byte // 8, words.size)))


def counter_complex(first_sample, count, scale=1.0 / 32768):
    """The counter as complex64 sc16 samples times `scale` (what a receiver
    that converts sc16 to complex64 gives): sample n is the n-th pair of
    16-bit components of the little-endian words."""
    if first_sample % 2 or count % 2:
        raise ValueError(f"counter samples come in pairs: first {first_sample}, count {count}")
    comps = counter_words(first_sample // 2, count // 2).view("<i2").astype(numpy.float32)
    return (comps[0::2] + 1j * comps[1::2]).astype(numpy.complex64) * numpy.float32(scale)


def check_counter_complex(samples, first_sample, scale=1.0 / 32768):
    """Count the complex64 samples that differ from counter_complex(); a
    sample is one sc16 sample, stream byte offset 4 * first_sample."""
    samples = numpy.asarray(samples, dtype=numpy.complex64)
    if first_sample % 2 or samples.size % 2:
        raise ValueError(
            f"counter check needs whole words: sample {first_sample}, {samples.size} samples"
        )
    expect = counter_complex(first_sample, samples.size, scale)
    return int(numpy.count_nonzero(samples != expect))


class CounterReceiver:
    """A TCP peer that checks the counter pattern of everything it receives.

    server=True listens on host:port (port 0: any; see .port) and serves one
    connection after another; otherwise it connects to host:port once.
    slow_bytes: for that many bytes, sleep a little after every read so the
    sender's socket queue stays full. resync: on every new connection take
    the first word as the stream position (bytes lost at a disconnect leave a
    gap). stop_after: close once that many bytes arrived. drop_first_after:
    reset the first connection after that many bytes (a peer that dies) and
    go on serving the next one.
    """

    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        server=True,
        slow_bytes=0,
        resync=False,
        stop_after=None,
        max_connections=1,
        drop_first_after=None,
    ):
        import threading

        self.bytes = 0
        self.mismatches = 0
        self.connections = 0
        self.error = None
        self._slow = slow_bytes
        self._resync = resync
        self._stop_after = stop_after
        self._max_conn = max_connections
        self._drop_after = drop_first_after
        self._closing = threading.Event()
        self._done = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if server:
            self._sock.bind((host, port))
            self._sock.listen(4)
            self.port = self._sock.getsockname()[1]
            self._target = None
        else:
            self.port = port
            self._target = (host, port)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def wait(self, timeout=None):
        """Wait until done; True if it finished."""
        return self._done.wait(timeout)

    def close(self):
        self._closing.set()
        self._sock.close()
        self._thread.join(10)

    def _run(self):
        try:
            while not self._closing.is_set() and self.connections < self._max_conn:
                if self._target:
                    conn = self._sock
                    conn.connect(self._target)
                else:
                    self._sock.settimeout(0.2)
                    try:
                        conn, _ = self._sock.accept()
                    except TimeoutError:
                        continue
                    conn.settimeout(None)
                self.connections += 1
                finished = self._serve(conn)
                if self._drop_after is not None and self.connections == 1:
                    # Die abruptly: RST, whatever the sender had in flight.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    finished = False
                conn.close()
                if finished:
                    break
        except OSError as e:
            if not self._closing.is_set():
                self.error = e
        finally:
            self._done.set()

    def _serve(self, conn):
        import time

        buf = numpy.empty(4 << 20, dtype=numpy.uint8)
        view = memoryview(buf)
        carry = 0  # bytes of a partial word kept at the front of buf
        offset = None if self._resync else self.bytes
        while not self._closing.is_set():
            n = conn.recv_into(view[carry:])
            if n == 0:
                return False
            self.bytes += n
            have = carry + n
            whole = have - have % 8
            words = buf[:whole].view(WORD)
            if offset is None and whole:
                offset = int(words[0]) * 8
            if whole:
                expect = counter_words(offset // 8, words.size)
                self.mismatches += int(numpy.count_nonzero(words != expect))
                offset += whole
            carry = have - whole
            buf[:carry] = buf[whole:have]
            if self._slow and self.bytes < self._slow:
                time.sleep(0.002)
            if self._stop_after is not None and self.bytes >= self._stop_after:
                return True
            if self._drop_after is not None and self.connections == 1:
                if self.bytes >= self._drop_after:
                    return True
        return True
