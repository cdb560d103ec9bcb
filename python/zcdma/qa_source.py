#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma.source with GNU Radio's own blocks downstream."""

import threading
import time
import unittest

import numpy
import pmt
from test_support import IS_SIM, proc_counts, settled_counts, spec

from gnuradio import blocks, filter, gr, gr_unittest, zcdma


class counter_check(gr.sync_block):
    """A Python block that checks the counter pattern in place, records where
    its input lives and every tag; stops the flowgraph after `limit` bytes.

    After a zcdma_overrun tag of g slots the counter must have jumped by
    exactly g slots. Across a restart (stop/start, lock/unlock) the items
    the flowgraph held but had not read yet are lost too (GNU Radio drops
    them), untagged: there the jump must be the tagged slots plus those,
    recorded in `unread` (so never backwards). `runs` lists the first word
    and the tags on the first item of every run.
    """

    def __init__(self, limit, slot_words, slow_every=0):
        gr.sync_block.__init__(self, "counter_check", [numpy.uint64], [])
        self.limit = limit
        self.slot_words = slot_words
        self.slow_every = slow_every
        self.words = 0
        self.run_words = 0
        self.mismatches = 0
        self.addresses = []
        self.tags = []
        self.runs = []
        self.unread = []
        self.calls = 0
        self.gaps = 0
        self.next = None
        self.finish = False  # end the flowgraph at the next call
        self.progress = threading.Condition()

    def start(self):
        with self.progress:
            self.run_words = 0
        self.new_run = True
        return True

    def wait_run_words(self, n, timeout=30):
        """Wait until this run has checked n words; False on timeout."""
        with self.progress:
            return self.progress.wait_for(lambda: self.run_words >= n, timeout)

    def work(self, input_items, output_items):
        x = input_items[0]
        first = self.nitems_read(0)
        self.calls += 1
        if self.new_run and len(x):
            at0 = self.get_tags_in_window(0, 0, 1)
            self.runs.append((int(x[0]), {pmt.symbol_to_string(t.key) for t in at0}))
            self.new_run = False
            if self.next is not None:
                tagged = sum(
                    pmt.to_uint64(t.value)
                    for t in at0
                    if pmt.symbol_to_string(t.key) == "zcdma_overrun"
                )
                resume = int(x[0]) - tagged * self.slot_words
                self.unread.append(resume - self.next)
                self.next = resume
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
        with self.progress:
            self.run_words += len(x)
            self.progress.notify_all()
        if self.slow_every and self.calls % self.slow_every == 0:
            time.sleep(0.02)
        if self.run_words * 8 >= self.limit or self.finish:
            return -1
        return len(x)

    def tag_offsets(self, key):
        return [o for o, k, _ in self.tags if k == key]


class history_check(gr.sync_block):
    """A Python block with history straight on the ring: checks the counter
    over its whole window, the history-1 look-back items included (except
    the preload before the stream's first item, which is not data)."""

    def __init__(self, history, limit_words):
        gr.sync_block.__init__(self, "history_check", [numpy.uint64], [])
        self.set_history(history)
        self.limit_words = limit_words
        self.base = None  # counter value of stream item 0
        self.checked = 0
        self.lookback_checked = 0
        self.mismatches = 0

    def work(self, input_items, output_items):
        x = input_items[0]
        back = self.history() - 1
        first_item = self.nitems_read(0) - back  # stream item of x[0]
        skip = max(0, -first_item)  # preload before item 0
        if self.base is None:
            self.base = int(x[skip])
        expect = numpy.arange(
            self.base + first_item + skip, self.base + first_item + len(x), dtype=numpy.uint64
        )
        self.mismatches += int(numpy.count_nonzero(x[skip:] != expect))
        self.checked += len(x) - skip
        self.lookback_checked += max(0, back - skip)
        if self.nitems_read(0) + len(x) - back >= self.limit_words:
            return -1
        return len(x) - back


class start_configured(gr.basic_block):
    """A pass-through whose forecast() uses state its start() sets up, as
    many blocks' do: GNU Radio calls forecast() only after start()."""

    def __init__(self):
        gr.basic_block.__init__(self, "start_configured", [numpy.float32], [numpy.float32])
        self.per_output = None  # set in start()

    def start(self):
        self.per_output = 1
        return True

    def forecast(self, noutput_items, ninputs):
        return [noutput_items * self.per_output] * ninputs

    def general_work(self, input_items, output_items):
        n = min(len(input_items[0]), len(output_items[0]))
        output_items[0][:n] = input_items[0][:n]
        self.consume(0, n)
        return n


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

    @unittest.skipUnless(IS_SIM, "sim fault injection keys")
    def test_dma_error_tags(self):
        # Every 5th transfer fails, every 3rd (not failed) ends after half a
        # slot: the slots still go out whole, flagged on their first item.
        slot_items = 4096 // 8
        nslots = 64
        src = zcdma.source(spec(rate=0, nbufs=8, bufsize=4096, fail_every=5, short_every=3), 8)
        sink = blocks.vector_sink_c()
        self.tb.connect(src, blocks.head(8, nslots * slot_items), sink)
        self.tb.run()

        def failed(seq):
            return (seq + 1) % 5 == 0

        def short(seq):
            return (seq + 1) % 3 == 0 and not failed(seq)

        tags = [
            (t.offset, pmt.to_uint64(t.value))
            for t in sink.tags()
            if pmt.symbol_to_string(t.key) == "zcdma_dma_error"
        ]
        expect = [
            (seq * slot_items, 0 if failed(seq) else 2048)
            for seq in range(nslots)
            if failed(seq) or short(seq)
        ]
        self.assertEqual(tags, expect)
        # The valid bytes hold the counter pattern, untouched and aligned.
        words = numpy.array(sink.data(), dtype=numpy.complex64).view(numpy.uint64)
        self.assertEqual(len(words), nslots * slot_items)
        for seq in range(nslots):
            valid = 0 if failed(seq) else slot_items // 2 if short(seq) else slot_items
            got = words[seq * slot_items : seq * slot_items + valid]
            want = numpy.arange(seq * slot_items, seq * slot_items + valid, dtype=numpy.uint64)
            self.assertTrue(numpy.array_equal(got, want), f"slot {seq}")
        # The counters cover every slot the source delivered (it may have
        # run ahead of head), in step with the device's.
        out = src.slots_out()
        self.assertGreaterEqual(out, nslots)
        self.assertEqual(src.slots_failed(), sum(failed(s) for s in range(out)))
        self.assertEqual(src.slots_short(), sum(short(s) for s in range(out)))
        self.assertEqual(src.slots_dropped(), 0)
        st = src.get_device().stats
        self.assertGreaterEqual(st.slots_failed, src.slots_failed())
        self.assertGreaterEqual(st.slots_short, src.slots_short())
        self.assertEqual(st.slots_failed, sum(failed(s) for s in range(st.slots_filled)))

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
        self.assertTrue(all(0 <= n < 8 * 16384 // 8 for n in chk.unread), chk.unread)
        after = settled_counts(before)
        self.assertLessEqual(after[0], before[0])  # fds
        self.assertLessEqual(after[1], before[1])  # mappings
        self.assertLessEqual(after[2], before[2])  # threads

    def test_fir_moving_average_and_decimator_read_their_history_intact(self):
        # 4-byte items: the counter's words are pairs (k, 0) of float bits;
        # k < 2**16 keeps every sum below exact float32 integers of 2**-149.
        slot_items = 4096 // 4
        n = 110000
        src = zcdma.source(spec(nbufs=3, bufsize=4096), 4)
        fir = filter.fir_filter_fff(1, [0.0] * 300 + [1.0])  # y[n] = x[n - 300]
        avg = blocks.moving_average_ff(301, 1.0, 4000)  # sum of x[n-300 .. n]
        dec = filter.fir_filter_fff(4, [0.0] * 300 + [1.0])  # y[n] = x[4n - 300]
        fir_out, avg_out = blocks.vector_sink_f(), blocks.vector_sink_f()
        dec_out = blocks.vector_sink_f()
        self.tb.connect(src, fir, blocks.head(4, n), fir_out)
        self.tb.connect(src, avg, blocks.head(4, n), avg_out)
        self.tb.connect(src, dec, blocks.head(4, n // 4), dec_out)
        self.tb.run()
        y = numpy.array(fir_out.data(), dtype=numpy.float32).view(numpy.uint32)
        m = numpy.array(avg_out.data(), dtype=numpy.float32)
        self.assertEqual((len(y), len(m)), (n, n))
        # Outputs 0..299 include the preload before the first item: not data.
        base = int(y[300])  # the first item's counter word
        self.assertEqual(base % (slot_items // 2), 0)
        self.assertLess(base + n, 1 << 17)
        x = numpy.arange(base, base + n // 2, dtype=numpy.uint64).view(numpy.uint32)
        self.assertEqual(int(numpy.count_nonzero(y[300:] != x[: n - 300])), 0)
        units = numpy.convolve(x.astype(numpy.int64), numpy.ones(301, dtype=numpy.int64))
        expect = (units[:n].astype(numpy.float64) * 2.0**-149).astype(numpy.float32)
        self.assertEqual(int(numpy.count_nonzero(m[300:] != expect[300:])), 0)
        d = numpy.array(dec_out.data(), dtype=numpy.float32).view(numpy.uint32)
        self.assertEqual(len(d), n // 4)
        self.assertEqual(int(numpy.count_nonzero(d[75:] != x[0 : n - 300 : 4])), 0)

    def test_python_history_block_reads_its_look_back_intact(self):
        chk = history_check(300, 400000)
        src = zcdma.source(spec(nbufs=3, bufsize=4096), 8)
        self.tb.connect(src, chk)
        self.tb.run()
        self.assertGreaterEqual(chk.checked, 400000)
        self.assertGreater(chk.lookback_checked, 100000)
        self.assertEqual(chk.mismatches, 0)

    def test_ring_too_small_for_history_raises_on_start(self):
        # 2 slots of 1024 floats cannot serve 1500 taps: 1500 + 1024 > 2048.
        src = zcdma.source(spec(nbufs=2, bufsize=4096), 4)
        self.tb.connect(src, filter.fir_filter_fff(1, [1.0] * 1500), blocks.null_sink(4))
        try:
            self.tb.start()
        except RuntimeError as e:
            msg = str(e)
        else:
            self.tb.stop()
            self.tb.wait()
            self.fail("tb.start() accepted a ring smaller than the history")
        for part in ("history of 1500", "holds only 2048", "2 slots of 1024", "2524"):
            self.assertIn(part, msg)
        self.assertFalse(src.get_device().stats.running)

    def test_ring_too_small_after_lock_unlock_ends_the_stream(self):
        # A reader connected during lock()/unlock() attaches after start():
        # the block cannot raise to the caller there (3.10.5 only logs
        # start() exceptions), so it logs and ends the stream, no deadlock.
        src = zcdma.source(spec(nbufs=2, bufsize=4096), 4)
        sink = blocks.null_sink(4)
        self.tb.connect(src, sink)
        self.tb.start()
        self.tb.lock()
        self.tb.disconnect(src, sink)
        self.tb.connect(src, filter.fir_filter_fff(1, [1.0] * 1500), blocks.null_sink(4))
        self.tb.unlock()
        waiter = threading.Thread(target=self.tb.wait, daemon=True)
        waiter.start()
        waiter.join(30)
        if waiter.is_alive():
            self.tb.stop()
            self.fail("the flowgraph hangs on a ring too small for its reader")

    def test_lock_unlock_and_restart_keep_the_stream_going(self):
        # GNU Radio 3.10.5 resets the output buffer's write index on
        # lock()/unlock(); the source resynchronises with the device,
        # counts what it skipped and tags the first item after it.
        slot_words = 16384 // 8
        src = zcdma.source(spec(nbufs=8, bufsize=16384), 8)
        chk = counter_check(1 << 62, slot_words)
        self.tb.connect(src, chk)
        self.tb.start()
        try:
            self.assertTrue(chk.wait_run_words(8 * slot_words), "no data after start")
            cycles = 0
            # Three cycles, more until one needed a resync (the device's
            # position at the lock is up to the scheduler).
            while cycles < 3 or (src.slots_skipped() == 0 and cycles < 30):
                self.tb.lock()
                self.tb.unlock()
                cycles += 1
                self.assertTrue(
                    chk.wait_run_words(8 * slot_words), f"no data after unlock {cycles}"
                )
            self.tb.stop()
            self.tb.wait()
            self.tb.start()
            self.assertTrue(chk.wait_run_words(8 * slot_words), "no data after restart")
        finally:
            chk.finish = True
            waiter = threading.Thread(target=self.tb.wait, daemon=True)
            waiter.start()
            waiter.join(30)
        self.assertFalse(waiter.is_alive(), "the flowgraph did not finish")
        self.assertGreater(src.slots_skipped(), 0)
        self.assertEqual(len(chk.runs), cycles + 2)
        # Each run starts with rx_time, and further on in the stream than the
        # run before; a jump is tagged zcdma_overrun and the counter moved by
        # exactly the tagged slots (checked word by word: chk.mismatches).
        self.assertTrue(all("rx_time" in tags for _, tags in chk.runs))
        firsts = [first_word for first_word, _ in chk.runs]
        self.assertEqual(firsts, sorted(set(firsts)))
        # What the checker had not read when the flowgraph stopped (at most
        # the ring) is the only untagged loss.
        self.assertEqual(len(chk.unread), cycles + 1)
        self.assertTrue(all(0 <= n < 8 * slot_words for n in chk.unread), chk.unread)
        self.assertEqual(chk.mismatches, 0)
        overruns = [pmt.to_uint64(v) for _, k, v in chk.tags if k == "zcdma_overrun"]
        self.assertEqual(sum(overruns), chk.gaps)
        self.assertEqual(src.slots_dropped(), chk.gaps)
        self.assertGreaterEqual(src.slots_dropped(), src.slots_skipped())

    def test_reader_forecast_is_not_called_before_its_start(self):
        # With GNU Radio's own source this flowgraph runs; the ring check
        # must not call a reader's forecast() before that reader's start()
        # (nor let its exception escape source.start(): 3.10.5 then never
        # releases tb.start()).
        src = zcdma.source(spec(nbufs=4, bufsize=4096), 4)
        blk = start_configured()
        sink = blocks.vector_sink_f()
        self.tb.connect(src, blk, blocks.head(4, 10000), sink)
        starter = threading.Thread(target=self.tb.start, daemon=True)
        starter.start()
        starter.join(30)
        self.assertFalse(starter.is_alive(), "tb.start() hangs")
        self.tb.wait()
        self.assertEqual(len(sink.data()), 10000)


if __name__ == "__main__":
    gr_unittest.run(qa_source)
