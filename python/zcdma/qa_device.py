#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The Python ring API on a device: sim by default, the kernel driver when
ZCDMA_TEST_DEVICE=/dev/zcdma0 (the VM tests set it)."""

import gc
import os
import select
import tempfile
import time
import unittest
import weakref

import numpy
from test_support import IS_SIM, check_overrun_stream, proc_counts, settled_counts, spec

from gnuradio import gr_unittest, zcdma


class qa_device(gr_unittest.TestCase):
    def test_counter_exact_and_in_place(self):
        dev = zcdma.device(spec(nbufs=7, bufsize=8192))
        info = dev.info
        self.assertEqual((info.nbufs, info.bufsize, info.mmap_size), (7, 8192, 7 * 8192))
        ring = dev.mapping()
        self.assertEqual(ring.size, 2 * info.mmap_size)
        self.assertFalse(ring.flags.writeable)
        lo = ring.ctypes.data
        addresses = {}
        dev.start()
        bad = 0
        for n in range(1500):  # > 200 laps of the ring
            with dev.acquire(timeout=5.0) as buf:
                self.assertEqual(buf.seq, n)
                self.assertEqual(buf.index, n % 7)
                self.assertFalse(buf.overrun)
                a = buf.array(numpy.uint64)
                self.assertFalse(a.flags.writeable)
                self.assertTrue(numpy.shares_memory(a, ring))
                addr = a.ctypes.data
                self.assertTrue(lo <= addr and addr + a.nbytes <= lo + ring.size)
                # Same slot index, same pages, every lap: nothing was copied.
                self.assertEqual(addresses.setdefault(buf.index, addr), addr)
                self.assertEqual(addr, buf.address)
                bad += zcdma.check_counter(a, buf.seq * info.bufsize)
        dev.stop()
        self.assertEqual(bad, 0)
        self.assertEqual(dev.stats.slots_dropped, 0)

    def test_read_only(self):
        dev = zcdma.device(spec(nbufs=2, bufsize=4096))
        dev.start()
        with dev.acquire(timeout=5.0) as buf:
            a = buf.array(numpy.complex64)
            self.assertEqual(a.size, 4096 // 8)
            with self.assertRaises(ValueError):
                a[0] = 1
            with self.assertRaises(ValueError):
                a.flags.writeable = True
        dev.stop()

    def test_view_outlives_device(self):
        fds0, maps0, _ = proc_counts()
        dev = zcdma.device(spec(nbufs=2, bufsize=4096))
        dev.start()
        buf = dev.acquire(timeout=5.0)
        a = buf.array(numpy.uint64)
        first = buf.seq * 4096 // 8
        dev.stop()  # first, so that nothing refills the slot after release
        buf.release()
        del buf, dev
        gc.collect()
        # The device is gone (its fds closed) but the pages are still mapped.
        self.assertEqual(int(a[0]), first)
        self.assertEqual(int(a.sum()), sum(range(first, first + 512)))
        del a
        gc.collect()
        self.assertEqual(settled_counts((fds0, maps0, 1 << 20))[:2], (fds0, maps0))

    # DESIGN §3 "Views and slots": a view keeps its slot. A small lossless
    # ring: once the producer comes round to a held slot it must wait.
    def held_ring(self, nbufs=4):
        dev = zcdma.device(spec(nbufs=nbufs, bufsize=4096, rate=0))
        dev.start()
        return dev

    def assert_slot_kept(self, dev, view, seq):
        """The ring went round (every other slot taken and given back); the
        slot under `view` stayed held, so nothing could rewrite it."""
        for _ in range(dev.info.nbufs - 1):
            with dev.acquire(timeout=5.0) as buf:
                self.assertNotEqual(buf.seq, seq)
        self.assertEqual(dev.stats.slots_held, 1)
        with self.assertRaises(TimeoutError):
            dev.acquire(timeout=0.2)  # the producer waits for the held slot
        words = numpy.frombuffer(view, numpy.uint64)
        self.assertEqual(zcdma.check_counter(words, seq * 4096), 0)

    def assert_slot_back(self, dev, index):
        self.assertEqual(dev.stats.slots_held, 0)
        with dev.acquire(timeout=5.0) as buf:  # the producer went on
            self.assertEqual(buf.index, index)
            self.assertEqual(zcdma.check_counter(buf.array(numpy.uint64), buf.seq * 4096), 0)

    def test_view_of_temporary_buffer_keeps_slot(self):
        dev = self.held_ring()
        a = dev.acquire(timeout=5.0).array(numpy.uint64)  # the buffer dies here
        self.assertEqual(dev.stats.slots_held, 1)
        self.assert_slot_kept(dev, a, 0)
        self.assertEqual(int(a[0]), 0)
        del a
        self.assert_slot_back(dev, 0)
        dev.stop()

    def test_views_outlive_with_block(self):
        dev = self.held_ring()
        with dev.acquire(timeout=5.0) as buf:
            a = buf.array(numpy.uint64)
            seq, index = buf.seq, buf.index
        self.assertTrue(buf.released)
        del buf
        # Views of the view, in every form numpy and Python offer.
        views = [a[::2], a.view(numpy.uint32), a[1:].view(numpy.uint8)[:8], memoryview(a)]
        del a
        self.assert_slot_kept(dev, views[3], seq)
        for _ in range(len(views)):
            self.assertEqual(dev.stats.slots_held, 1)
            views.pop(0)
        self.assert_slot_back(dev, index)
        dev.stop()

    def test_buffer_protocol_keeps_slot(self):
        dev = self.held_ring()
        with dev.acquire(timeout=5.0) as buf:
            m = memoryview(buf)
            self.assertTrue(m.readonly)
            self.assertEqual((m.nbytes, m.format), (4096, "B"))
            self.assertEqual(bytes(buf), buf.array().tobytes())
            self.assertEqual(
                buf.array().ctypes.data, numpy.frombuffer(buf, numpy.uint8).ctypes.data
            )
            seq = buf.seq
        self.assert_slot_kept(dev, m, seq)
        m.release()
        self.assert_slot_back(dev, 0)
        dev.stop()

    def test_release_with_live_views_defers(self):
        # Decision (docs/devices.md): release() does not raise BufferError as
        # memoryview.release() does; the buffer is released at once and the
        # last view hands the slot back.
        dev = self.held_ring()
        buf = dev.acquire(timeout=5.0)
        a = buf.array(numpy.uint64)
        buf.release()
        self.assertTrue(buf.released)
        self.assertEqual(dev.stats.slots_held, 1)
        with self.assertRaisesRegex(ValueError, "was released"):
            buf.array()
        with self.assertRaisesRegex(ValueError, "was released"):
            memoryview(buf)
        with self.assertRaisesRegex(RuntimeError, "already released"):
            buf.release()
        self.assert_slot_kept(dev, a, 0)
        del a
        self.assert_slot_back(dev, 0)
        dev.stop()

    def test_views_leak_nothing(self):
        dev = zcdma.device(spec(nbufs=4, bufsize=4096, rate=0))
        dev.start()
        for _ in range(5):  # warm up
            dev.acquire(timeout=5.0).array()
        before = proc_counts()
        gc.collect()
        gc.disable()  # reference counting alone must free views and slots
        try:
            for _ in range(2000):
                buf = dev.acquire(timeout=5.0)
                a = buf.array(numpy.uint64)
                m = memoryview(buf)
                refs = weakref.ref(buf), weakref.ref(a)
                del buf, a, m
                self.assertEqual([r() for r in refs], [None, None])
                self.assertEqual(dev.stats.slots_held, 0)
        finally:
            gc.enable()
        st = dev.stats
        self.assertEqual(st.slots_released, st.slots_acquired)
        self.assertEqual(settled_counts(before), before)
        dev.stop()

    def test_object_dtypes_refused(self):
        dev = zcdma.device(spec(nbufs=2, bufsize=4096))
        dev.start()
        with dev.acquire(timeout=5.0) as buf:
            for dt in (
                object,
                numpy.dtype("O"),
                numpy.dtype([("p", "O"), ("n", "<u8")]),
                numpy.dtype((object, (2,))),
            ):
                with self.assertRaisesRegex(TypeError, "not plain data", msg=repr(dt)):
                    buf.array(dt)
            # Plain data of every other kind is fine.
            for dt in (
                "u8",
                "c8",
                "S8",
                "U2",
                "M8[ns]",
                numpy.dtype([("a", "<u4"), ("b", "<u4")], align=True),
            ):
                self.assertEqual(buf.array(dt).nbytes, 4096, msg=repr(dt))
        dev.stop()

    @unittest.skipUnless(IS_SIM, "the sim rate is a device-string key")
    def test_realtime_overrun(self):
        dev = zcdma.device(spec(nbufs=8, bufsize=4096, rate=100e6))
        dev.start()
        gaps = check_overrun_stream(self, dev, 400, 0.01)
        dev.stop()
        self.assertGreater(gaps, 0)
        self.assertGreater(dev.stats.slots_dropped, 0)
        # Drops go on after the last slot we took, until stop().
        self.assertGreaterEqual(dev.stats.overruns, gaps)

    def test_lossless_one_gib(self):
        bufsize = 1 << 20
        dev = zcdma.device(spec(nbufs=16, bufsize=bufsize, rate=0))
        dev.start()
        bad = 0
        for n in range(1024):
            with dev.acquire(timeout=5.0) as buf:
                self.assertEqual(buf.seq, n)
                bad += zcdma.check_counter(buf.array(numpy.uint64), n * bufsize)
                if n % 256 == 0:
                    time.sleep(0.05)  # slow now and then: lossless must wait
        dev.stop()
        self.assertEqual(bad, 0)
        self.assertEqual(dev.stats.slots_dropped, 0)

    def test_poll_fileno(self):
        dev = zcdma.device(spec(nbufs=2, bufsize=4096))
        p = select.poll()
        p.register(dev.fileno(), select.POLLIN)
        self.assertEqual(p.poll(0), [])
        dev.start()
        self.assertEqual(p.poll(5000), [(dev.fileno(), select.POLLIN)])
        a = dev.acquire(timeout=5.0)
        b = dev.acquire(timeout=5.0)
        self.assertEqual(p.poll(50), [])  # both slots held: nothing can fill
        with self.assertRaises(TimeoutError):
            dev.acquire(timeout=0.05)
        a.release()
        self.assertEqual(p.poll(5000), [(dev.fileno(), select.POLLIN)])
        b.release()
        dev.stop()

    def test_iteration(self):
        dev = zcdma.device(spec(nbufs=4, bufsize=4096))
        dev.start()
        seqs = []
        for buf in dev:
            with buf:
                seqs.append(buf.seq)
            if len(seqs) == 10:
                break
        dev.stop()
        self.assertEqual(seqs, list(range(10)))
        self.assertEqual(list(dev), [])  # stopped and drained: iteration ends

    def test_start_stop_leaks_nothing(self):
        dev = zcdma.device(spec(nbufs=4, bufsize=4096))
        dev.start()
        dev.stop()
        before = proc_counts()
        last = -1
        for _ in range(100):
            dev.start()
            with dev.acquire(timeout=5.0) as buf:
                self.assertGreater(buf.seq, last)
                last = buf.seq
                self.assertEqual(zcdma.check_counter(buf.array(), buf.seq * 4096), 0)
            dev.stop()
        self.assertEqual(settled_counts(before), before)
        del dev, buf  # one owner at a time (the kernel driver enforces it)
        gc.collect()
        before = proc_counts()
        for _ in range(20):
            d = zcdma.device(spec(nbufs=4, bufsize=4096))
            d.start()
            d.acquire(timeout=5.0).release()
            d.stop()
            del d
        gc.collect()
        self.assertEqual(settled_counts(before), before)

    def assert_refused(self, cases):
        """Each (device string, text): zcdma.device() raises ValueError naming it."""
        for text, needle in cases:
            with self.assertRaises(ValueError, msg=text) as cm:
                zcdma.device(text)
            self.assertIn(needle, str(cm.exception))

    def test_bad_input(self):
        self.assert_refused(
            [
                ("radio", "unknown device 'radio'"),
                ("sim:colour=red", "unknown key 'colour'"),
                ("sim:bufsize=1000", "not a multiple of the page size"),
                ("sim:nbufs=0", "'nbufs': '0'"),
                ("sim:rate=-5", "'rate': '-5'"),
                ("sim:pattern=triangle", "'pattern': 'triangle'"),
                ("sim:pattern=counter,freq=0.1", "'freq' applies only to pattern=tone"),
                ("sim:pattern=tone,format=u4", "'format': 'u4'"),
                ("sim:pattern=file", "pattern=file needs file=PATH"),
            ]
        )
        with self.assertRaises(FileNotFoundError):
            zcdma.device("sim:pattern=file,file=/nonexistent/recording.bin")
        with self.assertRaises(FileNotFoundError):
            zcdma.device("/dev/zcdma-does-not-exist")
        with tempfile.NamedTemporaryFile() as empty:
            with self.assertRaises(ValueError):
                zcdma.device(f"sim:pattern=file,file={empty.name}")

        dev = zcdma.device(spec(nbufs=2, bufsize=4096))
        with self.assertRaisesRegex(RuntimeError, "not started"):
            dev.acquire(timeout=0)
        dev.start()
        with self.assertRaisesRegex(RuntimeError, "already started"):
            dev.start()
        with self.assertRaises(ValueError):
            dev.acquire(timeout=-1)
        buf = dev.acquire(timeout=5.0)
        with self.assertRaisesRegex(ValueError, "itemsize 3"):
            buf.array(numpy.dtype("V3"))
        buf.release()
        with self.assertRaisesRegex(RuntimeError, "already released"):
            buf.release()
        with dev.acquire(timeout=5.0) as b2:
            b2.release()  # explicit release inside the block is fine
        dev.stop()

    def test_sim_numbers_are_decimal(self):
        self.assertEqual(zcdma.device("sim:nbufs=010,bufsize=4096").info.nbufs, 10)
        self.assertEqual(zcdma.device("sim:nbufs=2,bufsize=008k").info.bufsize, 8192)
        self.assertEqual(zcdma.device("sim:rate=0100").info.rate, 100)
        for text in ("sim:nbufs=0x10", "sim:rate=0x10", "sim:rate=0x1p4", "sim:rate=inf"):
            with self.assertRaisesRegex(ValueError, "bad value", msg=text):
                zcdma.device(text)

    def test_sim_ring_limit(self):
        # Half of the physical memory (docs/devices.md), named in the error.
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        allowed = min(ram // 2, 64 << 30)
        nbufs = allowed // (1 << 30) + 1
        text = f"sim:nbufs={nbufs},bufsize=1G"
        with self.assertRaises(ValueError) as cm:
            zcdma.device(text)
        msg = str(cm.exception)
        self.assertIn(text, msg)
        self.assertIn(f"{nbufs} x {1 << 30} = {nbufs << 30} bytes", msg)
        self.assertIn(f"allows: {allowed} bytes", msg)
        if ram >= 128 << 30:
            return
        with self.assertRaisesRegex(ValueError, "allows"):
            zcdma.device("sim:nbufs=64,bufsize=1G")  # issue 9's example

    def test_sim_samp_rate(self):
        for text, rate in [
            ("sim:pattern=tone,samp_rate=1e6", 8e6),  # fc32 by default
            ("sim:pattern=tone,format=sc16,samp_rate=1e6", 4e6),
            ("sim:pattern=noise,format=f32,samp_rate=2.5e6", 10e6),
            ("sim:samp_rate=1e6,itemsize=2", 2e6),
            ("sim:pattern=tone,format=sc16,itemsize=4,samp_rate=1e3", 4e3),
            ("sim:samp_rate=0,itemsize=8", 0),  # lossless, like rate=0
        ]:
            self.assertEqual(zcdma.device(text).info.rate, rate, msg=text)
        self.assert_refused(
            [
                ("sim:samp_rate=1e6", "samp_rate needs the sample size: add itemsize"),
                (
                    "sim:rate=8e6,samp_rate=1e6",
                    "give rate (bytes/s) or samp_rate (samples/s), not both",
                ),
                (
                    "sim:pattern=tone,itemsize=4,samp_rate=1",
                    "itemsize 4 does not match format fc32",
                ),
                ("sim:samp_rate=-1,itemsize=8", "'samp_rate': '-1'"),
                ("sim:samp_rate=1e12,itemsize=8", "more than 1e12 bytes/s"),
                ("sim:itemsize=3", "not a multiple of itemsize 3"),
            ]
        )

    def test_with_samp_rate(self):
        # What GRC's ZCDMA Source opens: the flowgraph's samp_rate for a sim
        # device that names no rate; a rate in the device string wins.
        for text, expect in [
            ("sim", "sim:samp_rate=32000000,itemsize=8"),
            ("sim:", "sim:samp_rate=32000000,itemsize=8"),
            ("sim:pattern=counter", "sim:pattern=counter,samp_rate=32000000,itemsize=8"),
            ("sim:pattern=tone,format=sc16", "sim:pattern=tone,format=sc16,samp_rate=32000000"),
            ("sim:itemsize=4", "sim:itemsize=4,samp_rate=32000000"),
            ("sim:rate=0", "sim:rate=0"),
            ("sim:samp_rate=1e6,itemsize=8", "sim:samp_rate=1e6,itemsize=8"),
            ("/dev/zcdma0", "/dev/zcdma0"),
            ("/dev/zcdma0:nbufs=4", "/dev/zcdma0:nbufs=4"),
            ("sim:nbufs", "sim:nbufs"),  # malformed: device() says why
        ]:
            self.assertEqual(zcdma.with_samp_rate(text, 32e6, 8), expect)
        self.assertEqual(
            zcdma.with_samp_rate("sim", 1e6 / 3, 4), "sim:samp_rate=333333.33333333331,itemsize=4"
        )
        self.assertEqual(zcdma.device(zcdma.with_samp_rate("sim", 1e6 / 3, 4)).info.rate, 1333333)
        self.assertEqual(
            zcdma.device(zcdma.with_samp_rate("sim:pattern=tone", 2e6, 8)).info.rate, 16e6
        )
        for bad in (-1.0, float("nan"), float("inf")):
            with self.assertRaisesRegex(ValueError, "samp_rate"):
                zcdma.with_samp_rate("sim", bad, 8)
        with self.assertRaisesRegex(ValueError, "itemsize"):
            zcdma.with_samp_rate("sim", 1e6, 0)

    @unittest.skipUnless(IS_SIM, "sim patterns")
    def test_sim_sc16be_counter(self):
        # The counter with every 16-bit component big-endian: read as
        # big-endian int16 it is the little-endian counter's int16 view.
        dev = zcdma.device("sim:pattern=counter,format=sc16be,nbufs=4,bufsize=4096")
        dev.start()
        bad = 0
        for _ in range(9):
            with dev.acquire(timeout=5.0) as buf:
                first = buf.seq * 4096
                raw = buf.array()
                expect = zcdma.counter_words(first // 8, 512).view("<i2")
                self.assertTrue(numpy.array_equal(raw.view(">i2"), expect))
                bad += zcdma.check_counter(raw, first, sc16be=True)
                self.assertGreater(zcdma.check_counter(raw, first), 0)
                c = raw.view(">i2").astype(numpy.float32) / 32768
                c = (c[0::2] + 1j * c[1::2]).astype(numpy.complex64)
                bad += zcdma.check_counter_complex(c, first // 4)
        dev.stop()
        self.assertEqual(bad, 0)
        self.assertEqual(
            zcdma.device("sim:pattern=counter,format=sc16be,samp_rate=1e6").info.rate, 4e6
        )
        for text in ("sim:pattern=counter,format=fc32", "sim:pattern=zeros,format=sc16be"):
            with self.assertRaisesRegex(ValueError, "format"):
                zcdma.device(text)

    @unittest.skipUnless(IS_SIM, "sim patterns")
    def test_patterns(self):
        dev = zcdma.device("sim:pattern=tone,format=fc32,freq=0.125,ampl=0.5,bufsize=4096")
        dev.start()
        with dev.acquire(timeout=5.0) as buf:
            x = buf.array(numpy.complex64)
            n = numpy.arange(x.size)
            expect = 0.5 * numpy.exp(2j * numpy.pi * 0.125 * (n + buf.seq * x.size))
            self.assertTrue(numpy.allclose(x, expect, atol=1e-4))
        dev.stop()
        for fmt, dtype in (("sc16", numpy.int16), ("f32", numpy.float32)):
            dev = zcdma.device(f"sim:pattern=tone,format={fmt},freq=0.25,bufsize=4096")
            dev.start()
            with dev.acquire(timeout=5.0) as buf:
                x = buf.array(dtype)
                self.assertGreater(numpy.abs(x.astype(float)).max(), 0)
            dev.stop()
        dev = zcdma.device("sim:pattern=noise,format=fc32,ampl=1,bufsize=65536")
        dev.start()
        with dev.acquire(timeout=5.0) as buf:
            x = buf.array(numpy.complex64)
            self.assertAlmostEqual(float(numpy.mean(numpy.abs(x) ** 2)), 1.0, delta=0.1)
        dev.stop()
        dev = zcdma.device("sim:pattern=none,bufsize=4096")  # writes nothing
        dev.start()
        with dev.acquire(timeout=5.0) as buf:
            self.assertFalse(buf.array().any())  # fresh pages are zero
        dev.stop()
        self.assertEqual(dev.info.pattern, "none")
        dev = zcdma.device("sim:pattern=zeros,bufsize=4096")
        dev.start()
        with dev.acquire(timeout=5.0) as buf:
            self.assertFalse(buf.array().any())
        dev.stop()
        with tempfile.NamedTemporaryFile() as rec:
            rec.write(bytes(range(256)) * 3 + b"xyz")  # 771 bytes: not a divisor
            rec.flush()
            dev = zcdma.device(f"sim:pattern=file,file={rec.name},bufsize=4096")
            dev.start()
            data = b"".join(dev.acquire(timeout=5.0).array().tobytes() for _ in range(2))
            dev.stop()
            whole = (bytes(range(256)) * 3 + b"xyz") * 20
            self.assertEqual(data, whole[: len(data)])


if __name__ == "__main__":
    gr_unittest.run(qa_device)
