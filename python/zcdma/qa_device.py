#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The Python ring API on a device: sim by default, the kernel driver when
ZCDMA_TEST_DEVICE=/dev/zcdma0 (the VM tests set it)."""

import gc
import select
import tempfile
import time
import unittest

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

    def test_bad_input(self):
        for text, needle in [
            ("radio", "unknown device 'radio'"),
            ("sim:colour=red", "unknown key 'colour'"),
            ("sim:bufsize=1000", "not a multiple of the page size"),
            ("sim:nbufs=0", "'nbufs': '0'"),
            ("sim:rate=-5", "'rate': '-5'"),
            ("sim:pattern=triangle", "'pattern': 'triangle'"),
            ("sim:pattern=counter,freq=0.1", "'freq' applies only to pattern=tone"),
            ("sim:pattern=tone,format=u4", "'format': 'u4'"),
            ("sim:pattern=file", "pattern=file needs file=PATH"),
        ]:
            with self.assertRaises(ValueError, msg=text) as cm:
                zcdma.device(text)
            self.assertIn(needle, str(cm.exception))
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
