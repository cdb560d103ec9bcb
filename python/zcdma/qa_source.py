#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma.source with GNU Radio's own blocks downstream."""

import time
import unittest

import numpy
import pmt
from test_support import IS_SIM, proc_counts, settled_counts, spec

from gnuradio import blocks, gr, gr_unittest, zcdma


class counter_check(gr.sync_block):
    """A Python block that checks the counter pattern in place, records where
    its input lives and every tag; stops the flowgraph after `limit` bytes.

    After a zcdma_overrun tag of g slots the counter must have jumped by
    exactly g slots; after a restart it resumes at the first slot delivered.
    """

    def __init__(self, limit, slot_words, slow_every=0):
        gr.sync_block.__init__(self, "counter_check", [numpy.uint64], [])
        self.limit = limit
        self.slot_words = slot_words
        self.slow_every = slow_every
        self.words = 0
        self.mismatches = 0
        self.addresses = []
        self.tags = []
        self.calls = 0
        self.gaps = 0
        self.next = None

    def start(self):
        self.next = None  # a restart resumes at the next slot the device fills
        self.run_words = 0
        return True

    def work(self, input_items, output_items):
        x = input_items[0]
        first = self.nitems_read(0)
        self.calls += 1
        self.addresses.append((x.ctypes.data, x.nbytes))
        tags = self.get_tags_in_window(0, 0, len(x))
        self.tags += [(t.offset, pmt.symbol_to_string(t.key), t.value) for t in tags]
        jumps = {
            t.offset - first: pmt.to_uint64(t.value)
            for t in tags
            if pmt.symbol_to_string(t.key) == "zcdma_overrun"
        }
        edges = sorted(set(jumps) | {0, len(x)})
        for lo, hi in zip(edges, edges[1:], strict=False):
            if self.next is None:
                self.next = int(x[0])
            gap = jumps.get(lo, 0)
            self.gaps += gap
            self.next += gap * self.slot_words
            expect = numpy.arange(self.next, self.next + hi - lo, dtype=numpy.uint64)
            self.mismatches += int(numpy.count_nonzero(x[lo:hi] != expect))
            self.next += hi - lo
        self.words += len(x)
        self.run_words += len(x)
        if self.slow_every and self.calls % self.slow_every == 0:
            time.sleep(0.02)
        if self.run_words * 8 >= self.limit:
            return -1
        return len(x)

    def tag_offsets(self, key):
        return [o for o, k, _ in self.tags if k == key]


class qa_source(gr_unittest.TestCase):
    def setUp(self):
        self.tb = gr.top_block()

    def tearDown(self):
        self.tb = None

    def test_python_block_reads_the_ring_in_place(self):
        src = zcdma.source(spec(nbufs=16, bufsize=65536), 8)
        chk = counter_check(64 << 20, 65536 // 8)
        self.tb.connect(src, chk)
        self.tb.run()
        self.assertEqual(chk.mismatches, 0)
        self.assertGreaterEqual(chk.words * 8, 64 << 20)
        ring = src.get_device().mapping()
        lo, hi = ring.ctypes.data, ring.ctypes.data + ring.size
        for addr, n in chk.addresses:
            self.assertTrue(lo <= addr and addr + n <= hi, "input not in the ring")
        self.assertGreaterEqual(src.slots_out(), (64 << 20) >> 16)
        self.assertGreater(src.in_ring_outputs(), 0)
        self.assertEqual(chk.tag_offsets("rx_time")[0], 0)

    def test_cpp_blocks_and_fan_out(self):
        src = zcdma.source(spec(nbufs=8, bufsize=16384), 8)
        head = blocks.head(8, 100000)
        vsink = blocks.vector_sink_s(4)  # 8-byte items as 4 shorts
        chk = counter_check(4 << 20, 16384 // 8)
        nsink = blocks.null_sink(8)
        self.tb.connect(src, head, vsink)
        self.tb.connect(src, chk)  # fan-out: three readers on the ring
        self.tb.connect(src, nsink)
        self.tb.run()
        words = numpy.array(vsink.data(), dtype=numpy.int16).view(numpy.uint64)
        self.assertEqual(len(words), 100000)
        self.assertEqual(zcdma.check_counter(words, 0), 0)
        self.assertEqual(chk.mismatches, 0)
        rx_time = [(o, v) for o, k, v in chk.tags if k == "rx_time"]
        self.assertEqual(rx_time[0][0], 0)
        secs = pmt.to_uint64(pmt.tuple_ref(rx_time[0][1], 0))
        frac = pmt.to_double(pmt.tuple_ref(rx_time[0][1], 1))
        self.assertLess(abs(secs + frac - time.time()), 60)
        self.assertTrue(0 <= frac < 1)

    @unittest.skipUnless(IS_SIM, "sim rate key")
    def test_overrun_tags(self):
        # 50 MB/s into a consumer that naps: the ring overflows now and then.
        src = zcdma.source(spec(nbufs=4, bufsize=4096, rate=50e6), 8)
        chk = counter_check(16 << 20, 4096 // 8, slow_every=20)
        self.tb.connect(src, chk)
        self.tb.run()
        overruns = chk.tag_offsets("zcdma_overrun")
        self.assertGreater(len(overruns), 0)
        self.assertGreater(chk.gaps, 0)
        rx_times = set(chk.tag_offsets("rx_time"))
        for offset in overruns:
            self.assertIn(offset, rx_times)  # a new rx_time after every gap
            self.assertEqual(offset % (4096 // 8), 0)  # on a slot boundary
        # The counter jumped by exactly the tagged number of slots each time.
        self.assertEqual(chk.mismatches, 0)

    def test_slot_tags(self):
        # slot_tags=True: rx_time on every slot's first item, in time order.
        slot_items = 4096 // 8

        def rx_times(slot_tags):
            tb = gr.top_block()
            src = zcdma.source(spec(rate=0, nbufs=8, bufsize=4096), 8, slot_tags=slot_tags)
            sink = blocks.vector_sink_c()
            tb.connect(src, blocks.head(8, 64 * slot_items), sink)
            tb.run()
            return [t for t in sink.tags() if pmt.symbol_to_string(t.key) == "rx_time"]

        before = time.time()
        tags = rx_times(True)
        self.assertEqual([t.offset for t in tags], [n * slot_items for n in range(64)])
        stamps = [
            pmt.to_uint64(pmt.tuple_ref(t.value, 0)) + pmt.to_double(pmt.tuple_ref(t.value, 1))
            for t in tags
        ]
        self.assertEqual(stamps, sorted(stamps))
        self.assertTrue(before - 5 < stamps[0] and stamps[-1] < time.time() + 1, stamps[:3])
        # The default stays UHD-like: rx_time only at the start.
        self.assertEqual([t.offset for t in rx_times(False)], [0])

    def test_bad_parameters(self):
        with self.assertRaisesRegex(ValueError, "not a multiple of itemsize 3"):
            zcdma.source(spec(bufsize=4096), 3)
        with self.assertRaises(ValueError):
            zcdma.source(spec(), 0)
        with self.assertRaisesRegex(ValueError, "nbufs"):
            zcdma.source(spec(nbufs=1, bufsize=4096), 8)
        with self.assertRaisesRegex(ValueError, "unknown key"):
            zcdma.source("sim:bogus=1", 8)

    def test_restart_cycles_leak_nothing(self):
        src = zcdma.source(spec(nbufs=8, bufsize=16384), 8)
        chk = counter_check(1 << 20, 16384 // 8)
        self.tb.connect(src, chk)
        for _ in range(3):  # warm up allocator arenas and thread stacks
            self.tb.run()
        before = proc_counts()
        for _ in range(20):
            self.tb.run()
        self.assertEqual(chk.mismatches, 0)
        after = settled_counts(before)
        self.assertLessEqual(after[0], before[0])  # fds
        self.assertLessEqual(after[1], before[1])  # mappings
        self.assertLessEqual(after[2], before[2])  # threads


if __name__ == "__main__":
    gr_unittest.run(qa_source)
