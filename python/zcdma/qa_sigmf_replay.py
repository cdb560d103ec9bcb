#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Replay of SigMF recordings: sim:pattern=file,file=X.sigmf-data takes the
sample format and rate from X.sigmf-meta. The recordings are written with
the `sigmf` package's writer."""

import json
import os
import tempfile
import time
import unittest

import numpy
import sigmf_support

from gnuradio import blocks, gr, gr_unittest, zcdma


class qa_sigmf_replay(gr_unittest.TestCase):
    def setUp(self):
        sigmf_support.require()
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def record(self, name, samples, datatype, **kw):
        base = os.path.join(self.tmp.name, name)
        data = sigmf_support.write_recording(base, samples, datatype, **kw)
        sigmf_support.validate(base)
        return data

    def replay(self, spec, itemsize, sink, nitems):
        tb = gr.top_block()
        src = zcdma.source(spec, itemsize)
        head = blocks.head(itemsize, nitems)
        tb.connect(src, head, sink)
        tb.run()

    def test_cf32_replays_through_the_source(self):
        rng = numpy.random.default_rng(5)
        x = (rng.standard_normal(3000) + 1j * rng.standard_normal(3000)).astype(numpy.complex64)
        data = self.record("cf32", x, "cf32_le", sample_rate=2e6)
        # No format=, no itemsize=: the meta gives both, and the rate.
        spec = f"sim:pattern=file,file={data},bufsize=4096"
        self.assertEqual(zcdma.device(spec).info.rate, 2e6 * 8)
        sink = blocks.vector_sink_c()
        self.replay(spec + ",rate=0", gr.sizeof_gr_complex, sink, 2 * len(x) + 100)
        got = numpy.array(sink.data(), dtype=numpy.complex64)
        numpy.testing.assert_array_equal(got, numpy.tile(x, 3)[: len(got)])
        # And what the sigmf reader reads is what was replayed.
        numpy.testing.assert_array_equal(sigmf_support.read_samples(data), got[: len(x)])

    def test_ci16_at_its_recorded_rate(self):
        iq = numpy.arange(2 * 1024, dtype=numpy.int16) - 1000
        data = self.record("ci16", iq, "ci16_le", sample_rate=1e6)
        spec = f"sim:pattern=file,file={data},bufsize=4096"
        dev = zcdma.device(spec)
        self.assertEqual(dev.info.rate, 4e6)  # 1e6 samples/s x 4 bytes
        # format=sc16 agrees with the meta; samp_rate in the string wins.
        dev = zcdma.device(spec + ",format=sc16,samp_rate=10")
        self.assertEqual(dev.info.rate, 40)
        sink = blocks.vector_sink_i()  # 4-byte items: one ci16 sample each
        self.replay(spec + ",rate=0", 4, sink, 1024)
        got = numpy.array(sink.data(), dtype=numpy.int32).view(numpy.int16)
        numpy.testing.assert_array_equal(got, iq)

    def test_sigmf_sink_recording_replays(self):
        # Record the counter with zcdma.sigmf_sink, replay the pair: the same
        # words, at the recorded rate, without naming a format.
        base = os.path.join(self.tmp.name, "counter")
        tb = gr.top_block()
        src = zcdma.source("sim:pattern=counter,rate=0,nbufs=8,bufsize=65536", 8)
        snk = zcdma.sigmf_sink(8, base, "cf32_le", sample_rate=250e3)
        tb.connect(src, snk)
        tb.start()
        deadline = time.monotonic() + 60
        while snk.stats()["bytes_written"] < (1 << 20) and time.monotonic() < deadline:
            time.sleep(0.01)
        tb.stop()
        tb.wait()
        sigmf_support.validate(base)
        words = numpy.fromfile(base + ".sigmf-data", dtype="<u8")
        self.assertGreaterEqual(words.size * 8, 1 << 20)
        spec = f"sim:pattern=file,file={base}.sigmf-data,bufsize=65536"
        self.assertEqual(zcdma.device(spec).info.rate, 250e3 * 8)
        sink = blocks.vector_sink_c()
        self.replay(spec + ",rate=0", gr.sizeof_gr_complex, sink, words.size)
        got = numpy.array(sink.data(), dtype=numpy.complex64).view("<u8")
        numpy.testing.assert_array_equal(got, words)

    def test_conflicts_and_malformed_meta(self):
        x = numpy.zeros(512, dtype=numpy.complex64)
        data = self.record("c", x, "cf32_le")
        with self.assertRaisesRegex(
            ValueError, r"format=sc16 conflicts with core:datatype 'cf32_le'.*c\.sigmf-meta"
        ):
            zcdma.device(f"sim:pattern=file,file={data},format=sc16")
        with self.assertRaisesRegex(ValueError, r"itemsize 4 does not match format fc32.*cf32_le"):
            zcdma.source(f"sim:pattern=file,file={data},itemsize=4", 4)
        meta_path = data.replace(".sigmf-data", ".sigmf-meta")
        with open(meta_path) as f:
            meta = json.load(f)
        meta["global"]["core:datatype"] = "cf32_be"
        with open(meta_path, "w") as f:
            json.dump(meta, f)
        with self.assertRaisesRegex(ValueError, r"c\.sigmf-meta.*'cf32_be' is big-endian"):
            zcdma.device(f"sim:pattern=file,file={data}")
        with open(meta_path, "w") as f:
            f.write('{"global": {"core:datatype": "cf32_le"}, "captures": [')
        with self.assertRaisesRegex(ValueError, r"c\.sigmf-meta.*not valid JSON"):
            zcdma.device(f"sim:pattern=file,file={data}")
        # Without the meta file, a .sigmf-data replays as raw bytes.
        os.unlink(meta_path)
        self.assertEqual(zcdma.device(f"sim:pattern=file,file={data}").info.rate, 0)


if __name__ == "__main__":
    unittest.main()
