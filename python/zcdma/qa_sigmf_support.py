#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The SigMF test environment itself: the pinned `sigmf` package validates
and reads back, and sigmf_support reports invalid files with their name."""

import json
import os
import tempfile
import unittest

import numpy
import sigmf_support

from gnuradio import gr_unittest


class qa_sigmf_support(gr_unittest.TestCase):
    def setUp(self):
        sigmf_support.require()
        self.tmp = tempfile.TemporaryDirectory()
        self.base = os.path.join(self.tmp.name, "rec")

    def tearDown(self):
        self.tmp.cleanup()

    def read_meta(self):
        with open(self.base + ".sigmf-meta") as f:
            return json.load(f)

    def write_meta(self, meta):
        with open(self.base + ".sigmf-meta", "w") as f:
            json.dump(meta, f)

    def test_pinned_version(self):
        # scripts/common.sh SIGMF_VERSION; a 1.x release.
        self.assertTrue(sigmf_support.sigmf.__version__.startswith("1."))

    def test_round_trip(self):
        x = (numpy.arange(1000) * (1 + 2j)).astype(numpy.complex64)
        sigmf_support.write_recording(self.base, x, "cf32_le", sample_rate=1e6)
        meta = sigmf_support.validate(self.base + ".sigmf-meta")
        self.assertEqual(meta["global"]["core:datatype"], "cf32_le")
        numpy.testing.assert_array_equal(sigmf_support.read_samples(self.base), x)

    def test_empty_recording(self):
        # Valid SigMF; the package's reader cannot map an empty file.
        open(self.base + ".sigmf-data", "wb").close()
        meta = {
            "global": {"core:datatype": "cf32_le", "core:version": "1.2.0"},
            "captures": [{"core:sample_start": 0}],
            "annotations": [],
        }
        self.write_meta(meta)
        self.assertEqual(sigmf_support.validate(self.base)["captures"][0]["core:sample_start"], 0)

    def test_invalid_meta_named(self):
        x = numpy.arange(10, dtype=numpy.float32)
        sigmf_support.write_recording(self.base, x, "rf32_le")
        meta = self.read_meta()
        meta["global"]["core:datatype"] = "complex float"
        self.write_meta(meta)
        with self.assertRaisesRegex(ValueError, r"rec\.sigmf-meta.*complex float"):
            sigmf_support.validate(self.base)

    def test_captures_out_of_order(self):
        x = numpy.arange(10, dtype=numpy.float32)
        sigmf_support.write_recording(self.base, x, "rf32_le")
        meta = self.read_meta()
        meta["captures"] = [{"core:sample_start": 5}, {"core:sample_start": 0}]
        self.write_meta(meta)
        with self.assertRaisesRegex(ValueError, "captures"):
            sigmf_support.validate(self.base)

    def test_partial_sample(self):
        # A data file that is not a whole number of samples is invalid.
        x = numpy.arange(10, dtype=numpy.float32)
        sigmf_support.write_recording(self.base, x, "cf32_le")
        meta = self.read_meta()
        del meta["global"]["core:sha512"]  # the size, not the hash, fails
        self.write_meta(meta)
        sigmf_support.validate(self.base)
        with open(self.base + ".sigmf-data", "ab") as f:
            f.write(b"\0\0\0\0")
        with self.assertRaisesRegex(ValueError, r"rec\.sigmf-meta.*integer number of samples"):
            sigmf_support.validate(self.base)


if __name__ == "__main__":
    unittest.main()
