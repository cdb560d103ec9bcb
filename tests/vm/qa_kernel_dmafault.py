#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""DMA faults, inside the guest: zcdma_sim's fault injection (module
parameters) makes transfers fail or end early; the driver delivers them in
ring order with ZCDMA_BUF_ERROR or the residue, never a slot that is not
filled, and the stream goes on. Also: descriptors are acked, the engine runs
(and counts drops) from START with every slot held, the sim cannot be
unbound, and (under swiotlb=force) a slot's pages change only when the slot
is acquired, not when its transfer completes or the device is unbound."""

import fcntl
import mmap
import os
import struct
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qa_kernel_abi import (  # noqa: E402
    ACQUIRE,
    DEV,
    IOC_ACQUIRE,
    IOC_START,
    IOC_STATS,
    IOC_STOP,
    PAGE,
    STATS,
    config,
    release,
)
from sim_module import param  # noqa: E402

BUF_OVERRUN = 1
BUF_ERROR = 2


def acquire(fd, timeout_ms=5000):
    """(index, seq, bytes, flags) of the next slot."""
    buf = bytearray(ACQUIRE.pack(timeout_ms, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    fcntl.ioctl(fd, IOC_ACQUIRE, buf)
    _, index, seq, nbytes, _, _, flags, *_ = ACQUIRE.unpack(buf)
    return index, seq, nbytes, flags


def stats(fd):
    v = STATS.unpack(fcntl.ioctl(fd, IOC_STATS, bytes(STATS.size)))
    names = ("filled acquired released dropped discarded overruns bytes_filled "
             "held queued running next_index failed short").split()  # fmt: skip
    return dict(zip(names, v, strict=False))  # reserved words last


def words(m, offset, nbytes):
    return struct.unpack_from(f"<{nbytes // 8}Q", m, offset)


class qa_kernel_dmafault(unittest.TestCase):
    def setUp(self):
        for p in ("fail_nth", "fail_permille", "short_nth", "short_bytes"):
            param(p, 0)
        self.fd = os.open(DEV, os.O_RDWR)

    def tearDown(self):
        for p in ("fail_nth", "fail_permille", "short_nth", "short_bytes"):
            param(p, 0)
        os.close(self.fd)

    def check_counter(self, got, first, what):
        """got must be the counter from word `first` on (no difflib: slow)."""
        for k, w in enumerate(got):
            if w != first + k:
                self.fail(f"{what}: word {k} is {w}, expected {first + k}")

    def stream(self, nbufs, bufsize, count, before=None):
        """Acquire and release `count` slots; check ring order, one sequence
        step per slot and the counter in every good slot. Calls before()
        after the first slot. Returns [(seq, bytes, flags)]."""
        config(self.fd, nbufs, bufsize)
        m = mmap.mmap(self.fd, nbufs * bufsize, mmap.MAP_SHARED, mmap.PROT_READ)
        fcntl.ioctl(self.fd, IOC_START)
        out = []
        pos = None  # stream byte of the next slot's first byte
        try:
            for i in range(count):
                idx, seq, nbytes, flags = acquire(self.fd)
                if out:
                    self.assertEqual(seq, out[-1][0] + 1, f"slot {i}: sequence must step by 1")
                else:
                    pos = seq * bufsize  # a new stream: no short transfer yet
                self.assertEqual(idx, seq % nbufs, f"slot {i}: ring order")
                if flags & BUF_ERROR:
                    self.assertEqual(nbytes, 0, f"slot {i} (seq {seq}): failed, yet bytes")
                    pos += bufsize  # the slot's share of the stream is lost
                else:
                    self.assertTrue(0 < nbytes <= bufsize and nbytes % 8 == 0, nbytes)
                    self.check_counter(words(m, idx * bufsize, nbytes), pos // 8, f"seq {seq}")
                    pos += nbytes
                release(self.fd, idx, seq)
                out.append((seq, nbytes, flags))
                if i == 0 and before:
                    before()
        finally:
            fcntl.ioctl(self.fd, IOC_STOP)
            m.close()
        return out

    def test_failed_transfer_delivered_in_order(self):
        out = self.stream(4, PAGE, 16, lambda: param("fail_nth", 2))
        bad = [o for o in out if o[2] & BUF_ERROR]
        self.assertEqual(len(bad), 1, out)
        self.assertEqual(stats(self.fd)["failed"], 1)
        print(f"dmafault: failed transfer delivered as seq {bad[0][0]} with ZCDMA_BUF_ERROR")

    def test_random_failures_reproducible(self):
        runs = []
        for _ in range(2):
            os.close(self.fd)  # a new owner: a new ring and stream from seq 0
            self.fd = os.open(DEV, os.O_RDWR)
            param("seed", 12345)  # restarts the generator
            param("fail_permille", 200)
            out = self.stream(4, PAGE, 200)
            param("fail_permille", 0)
            bad = [o[0] for o in out if o[2] & BUF_ERROR]
            self.assertGreater(len(bad), 0)
            self.assertGreaterEqual(stats(self.fd)["failed"], len(bad))
            runs.append(bad)
        self.assertEqual(runs[0], runs[1], "same seed, same failed slots")
        print(f"dmafault: seed 12345: {len(runs[0])}/200 slots failed, in order, reproducible")

    def test_short_transfer_reports_residue(self):
        param("short_bytes", PAGE + 512)  # ends inside the second page
        out = self.stream(4, 2 * PAGE, 16, lambda: param("short_nth", 2))
        short = [o for o in out if o[1] != 2 * PAGE]
        self.assertEqual([o[1] for o in short], [PAGE + 512], out)
        self.assertEqual(stats(self.fd)["short"], 1)
        print(f"dmafault: short transfer: seq {short[0][0]} reports {short[0][1]} bytes")

    def test_fill_off_writes_nothing_and_keeps_the_position(self):
        """fill=0 (benchmarks: DMA that costs no CPU): transfers complete
        and leave the fresh, zeroed ring pages as they are; fill=1 resumes
        the counter at the stream position, not where writing stopped."""
        nbufs = 4
        config(self.fd, nbufs, PAGE)
        m = mmap.mmap(self.fd, nbufs * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        param("fill", 0)
        try:
            fcntl.ioctl(self.fd, IOC_START)
            for _ in range(nbufs):  # the first lap: every page still zero
                idx, seq, nbytes, flags = acquire(self.fd)
                self.assertEqual((nbytes, flags), (PAGE, 0))
                self.assertEqual(set(words(m, idx * PAGE, nbytes)), {0}, f"seq {seq} written")
                release(self.fd, idx, seq)
            param("fill", 1)
            # Slots queued before the switch may still come back unwritten.
            for _ in range(2 * nbufs):
                idx, seq, nbytes, flags = acquire(self.fd)
                got = words(m, idx * PAGE, nbytes)
                release(self.fd, idx, seq)
                if got[0]:
                    break
            self.check_counter(got, seq * PAGE // 8, f"seq {seq} after fill=1")
            fcntl.ioctl(self.fd, IOC_STOP)
        finally:
            param("fill", 1)
            m.close()
        print(f"dmafault: fill=0 wrote nothing; fill=1 resumed the counter at seq {seq}")

    def test_descriptors_acked(self):
        self.stream(4, PAGE, 64)
        self.assertEqual(param("descs_unacked"), "0")

    def test_sim_cannot_be_unbound(self):
        self.assertFalse(os.path.exists("/sys/bus/platform/drivers/zcdma-sim-dma/unbind"))

    def test_engine_runs_from_start_with_every_slot_held(self):
        old = param("rate")
        param("rate", 200000000)
        try:
            config(self.fd, 2, 4 * PAGE)
            fcntl.ioctl(self.fd, IOC_START)
            a = acquire(self.fd)
            b = acquire(self.fd)
            fcntl.ioctl(self.fd, IOC_STOP)
            fcntl.ioctl(self.fd, IOC_START)  # nothing to queue: both held
            d0 = stats(self.fd)["dropped"]
            deadline = time.monotonic() + 20
            while stats(self.fd)["dropped"] == d0 and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertGreater(stats(self.fd)["dropped"], d0, "the engine must run after START")
            release(self.fd, a[0], a[1])
            release(self.fd, b[0], b[1])
            c = acquire(self.fd)
            self.assertTrue(c[3] & BUF_OVERRUN, c)
            self.assertGreater(c[1], b[1] + 1)
            fcntl.ioctl(self.fd, IOC_STOP)
        finally:
            param("rate", old)

    def test_python_buffer_error(self):
        os.close(self.fd)
        self.fd = os.open("/dev/null", os.O_RDONLY)
        from gnuradio import zcdma

        dev = zcdma.device(f"{DEV}:nbufs=4,bufsize={PAGE}")
        dev.start()
        param("fail_nth", 1)
        seen = []
        for _ in range(10):
            with dev.acquire(timeout=5.0) as buf:
                seen.append((buf.seq, buf.nbytes, buf.error))
        dev.stop()
        self.assertEqual([s[1:] for s in seen if s[2]], [(0, True)], seen)

    def test_source_tags_failed_and_short_slots(self):
        """zcdma.source flags a failed and a short transfer with
        zcdma_dma_error on the slot's first item and counts them."""
        os.close(self.fd)
        self.fd = os.open("/dev/null", os.O_RDONLY)
        import pmt

        from gnuradio import blocks, gr, zcdma

        slot_items = PAGE // 8
        param("short_bytes", PAGE // 2)
        param("fail_nth", 3)  # seq 2: transfers start at START, in ring order
        param("short_nth", 5)  # seq 4
        tb = gr.top_block()
        src = zcdma.source(f"{DEV}:nbufs=4,bufsize={PAGE}", 8)
        sink = blocks.vector_sink_c()
        tb.connect(src, blocks.head(8, 16 * slot_items), sink)
        tb.run()
        tags = [
            (t.offset, pmt.to_uint64(t.value))
            for t in sink.tags()
            if pmt.symbol_to_string(t.key) == "zcdma_dma_error"
        ]
        self.assertEqual(tags, [(2 * slot_items, 0), (4 * slot_items, PAGE // 2)])
        self.assertEqual((src.slots_failed(), src.slots_short()), (1, 1))
        st = src.get_device().stats
        self.assertEqual((st.slots_failed, st.slots_short), (1, 1))
        print(f"dmafault: source tagged zcdma_dma_error at {tags}")

    @unittest.skipUnless("swiotlb=force" in open("/proc/cmdline").read(), "needs swiotlb=force")
    def test_pages_change_only_on_acquire(self):
        """Under swiotlb the engine writes a bounce buffer; the ring page is
        updated by ACQUIRE's sync, not by the completion, and unbind does not
        copy bounce buffers over pages user space (or an skb) still holds."""
        config(self.fd, 2, PAGE)
        m = mmap.mmap(self.fd, 2 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        fcntl.ioctl(self.fd, IOC_START)
        idx, seq, nbytes, _ = acquire(self.fd)
        seen = words(m, idx * PAGE, PAGE)
        self.check_counter(seen, seq * PAGE // 8, "acquired")
        release(self.fd, idx, seq)  # refilled at once (rate 0) with seq + 2
        deadline = time.monotonic() + 20
        while stats(self.fd)["filled"] < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertGreaterEqual(stats(self.fd)["filled"], 3)
        self.check_counter(words(m, idx * PAGE, PAGE), seen[0], "before ACQUIRE")
        drv = "/sys/bus/platform/drivers/zcdma"
        with open(f"{drv}/unbind", "w") as f:
            f.write("zcdma.0")
        try:
            self.check_counter(words(m, idx * PAGE, PAGE), seen[0], "after unbind")
        finally:
            m.close()
            os.close(self.fd)
            with open(f"{drv}/bind", "w") as f:
                f.write("zcdma.0")
        deadline = time.monotonic() + 5
        while not os.path.exists(DEV) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.fd = os.open(DEV, os.O_RDWR)  # bound again


if __name__ == "__main__":
    unittest.main()
