#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma.ko as a plain dmaengine client, inside the guest (issue 11): a
provider that completes transfers out of order and runs callbacks from two
contexts at once (zcdma_sim reorder=1, as pl330 does) must not reorder the
ring: every slot is delivered in ring order, with its own sequence number
and the counter data of its place in the stream, also across STOP/START.

The peripheral side (gr-zcdma,fifo-address, bus-width, burst) reaches the
engine; sg entries longer than the engine's maximum segment are split;
a channel that cannot do what is needed, or a bad value, is refused at
probe with the reason.

Overruns on an engine that knows nothing of zcdma (zcdma_sim generic=1, at
a real-time rate): the driver sees the engine run dry, flags the next slot,
and estimates the lost slots from gr-zcdma,bytes-per-second (a software-node
property the sim gives the zcdma device), or says it cannot."""

import fcntl
import mmap
import os
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qa_kernel_abi import (  # noqa: E402
    ACQUIRE,
    DEV,
    IOC_ACQUIRE,
    IOC_START,
    IOC_STOP,
    PAGE,
    config,
    info,
    release,
)
from qa_kernel_dmafault import stats  # noqa: E402
from sim_module import param, reload, sim_rate_restored  # noqa: E402

BUF_OVERRUN = 1
BUF_ERROR = 2
BUF_DROPS_ESTIMATED = 4
BUF_DROPS_UNKNOWN = 8
INFO_DROPS_EXACT = 4
INFO_DROPS_ESTIMATED = 8
RATE_PROP = "gr-zcdma,bytes-per-second"


def dmesg_tail(n=5):
    out = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    return out.splitlines()[-n:]


def acquire(fd, timeout_ms=5000):
    """(index, seq, bytes, dropped, flags) of the next slot."""
    buf = bytearray(ACQUIRE.pack(timeout_ms, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    fcntl.ioctl(fd, IOC_ACQUIRE, buf)
    _, index, seq, nbytes, _, dropped, flags, *_ = ACQUIRE.unpack(buf)
    return index, seq, nbytes, dropped, flags


def first_word(m, offset, nbytes, what):
    """The slot's first counter word; every word after it must follow."""
    w = struct.unpack_from(f"<{nbytes // 8}Q", m, offset)
    for k in range(1, len(w)):
        if w[k] != w[0] + k:
            raise AssertionError(f"{what}: word {k} is {w[k]}, expected {w[0] + k}")
    return w[0]


class qa_kernel_generic(unittest.TestCase):
    def setUp(self):
        self.fd = os.open(DEV, os.O_RDWR)

    def tearDown(self):
        param("reorder", 0)
        os.close(self.fd)

    def test_out_of_order_completions_keep_ring_order(self):
        nbufs, count = 8, 1500
        config(self.fd, nbufs, PAGE)
        m = mmap.mmap(self.fd, nbufs * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        param("reorder", 1)
        pairs = int(param("reordered"))
        fcntl.ioctl(self.fd, IOC_START)
        try:
            for i in range(count):
                idx, seq, nbytes, _, flags = acquire(self.fd)
                self.assertEqual(seq, i, f"slot {i}: sequence out of order")
                self.assertEqual(idx, i % nbufs, f"slot {i}: ring order")
                self.assertEqual((nbytes, flags), (PAGE, 0), f"slot {i}")
                w = first_word(m, idx * PAGE, nbytes, f"seq {seq}")
                self.assertEqual(w, seq * PAGE // 8, f"seq {seq}: data of another slot")
                release(self.fd, idx, seq)
        finally:
            fcntl.ioctl(self.fd, IOC_STOP)
            m.close()
        pairs = int(param("reordered")) - pairs
        self.assertGreater(pairs, 0, "the sim completed nothing out of order")
        print(f"generic: {count} slots, {pairs} pairs completed out of order, delivered in order")

    def test_stop_start_while_callbacks_race(self):
        """STOP/START with callbacks running on the other CPU: ring order,
        a growing sequence and consistent slot data in every run."""
        nbufs = 4
        config(self.fd, nbufs, PAGE)
        m = mmap.mmap(self.fd, nbufs * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        param("reorder", 1)
        last, nxt = -1, 0
        try:
            for run in range(60):
                fcntl.ioctl(self.fd, IOC_START)
                for _ in range(run % 5 + 1):
                    idx, seq, nbytes, _, flags = acquire(self.fd)
                    self.assertEqual(idx, nxt, f"run {run}: ring order")
                    self.assertGreater(seq, last, f"run {run}: sequence went back")
                    first_word(m, idx * PAGE, nbytes, f"run {run} seq {seq}")
                    release(self.fd, idx, seq)
                    last, nxt = seq, (idx + 1) % nbufs
                fcntl.ioctl(self.fd, IOC_STOP)
        finally:
            fcntl.ioctl(self.fd, IOC_STOP)
            m.close()
        print("generic: 60 STOP/START cycles with racing callbacks")


class qa_kernel_generic_overrun(sim_rate_restored, unittest.TestCase):
    """zcdma_sim at RATE bytes/s with slots of BUFSIZE: a slot per 10 ms."""

    BUFSIZE = 8 * PAGE
    RATE = BUFSIZE * 100
    NBUFS = 4
    STALL = 0.5  # the reader stops for about 50 slots
    # The rule asserted: every slot queued after the engine ran dry carries
    # ZCDMA_BUF_OVERRUN | DROPS_ESTIMATED, however short the dry time, with
    # round(dry time x rate / bufsize) lost slots (0 allowed: data inside a
    # slot was lost). An estimate is within max(TOL_SLOTS, TOL_PERCENT %) of
    # the sim's truth: the client sees the engine run dry at the callback
    # and the sim's thread, late under TCG, catches up on its slots in a
    # burst. A slot the sim lost while the client had a descriptor submitted
    # but not yet issued is not seen as dry: up to TOL_SLOTS unflagged.
    TOL_SLOTS = 2
    TOL_PERCENT = 10

    def stall_and_read(self, count=30):
        """START, read a few slots, stop reading STALL s, read on.
        Returns [(seq, first_word, dropped, flags)] and the sim's true
        count of slots lost meanwhile."""
        fd = os.open(DEV, os.O_RDWR)
        try:
            config(fd, self.NBUFS, self.BUFSIZE)
            m = mmap.mmap(fd, self.NBUFS * self.BUFSIZE, mmap.MAP_SHARED, mmap.PROT_READ)
            self.info_flags = info(fd)[3]
            lost0 = int(param("dropped"))
            fcntl.ioctl(fd, IOC_START)
            out = []
            try:
                for i in range(count):
                    if i == 4:
                        time.sleep(self.STALL)  # the stall under test, not a wait
                    idx, seq, nbytes, dropped, flags = acquire(fd)
                    self.assertEqual(nbytes, self.BUFSIZE)
                    w = first_word(m, idx * self.BUFSIZE, nbytes, f"seq {seq}")
                    out.append((seq, w, dropped, flags))
                    release(fd, idx, seq)
                self.stats = stats(fd)
            finally:
                fcntl.ioctl(fd, IOC_STOP)
                m.close()
            return out, int(param("dropped")) - lost0
        finally:
            os.close(fd)

    def true_gaps(self, out):
        """Slots lost before each delivered slot, from the counter data."""
        per_slot = self.BUFSIZE // 8
        return [0] + [(b[1] - a[1]) // per_slot - 1 for a, b in zip(out, out[1:], strict=False)]

    def test_estimated_from_rate(self):
        reload(f"rate={self.RATE}", "generic=1", f"props={RATE_PROP}=u64:{self.RATE}")
        out, sim_lost = self.stall_and_read()
        self.assertTrue(self.info_flags & INFO_DROPS_ESTIMATED, hex(self.info_flags))
        self.assertFalse(self.info_flags & INFO_DROPS_EXACT, hex(self.info_flags))
        gaps = self.true_gaps(out)
        stall = max(range(len(gaps)), key=gaps.__getitem__)
        self.assertGreater(gaps[stall], 20, f"the {self.STALL} s stall lost too little: {gaps}")
        self.assertGreaterEqual(sim_lost, sum(gaps), "the sim counts every lost slot")
        unflagged = 0
        for i in range(1, len(out)):
            seq, _, dropped, flags = out[i]
            step, gap = seq - out[i - 1][0] - 1, gaps[i]
            tol = max(self.TOL_SLOTS, gap * self.TOL_PERCENT // 100)
            if flags & BUF_OVERRUN:
                self.assertTrue(flags & BUF_DROPS_ESTIMATED, f"seq {seq}: flags {flags:#x}")
                self.assertLessEqual(
                    abs(step - gap), tol, f"seq {seq}: estimated {step}, lost {gap}"
                )
            else:
                self.assertEqual(step, 0, f"seq {seq}: a gap without an overrun flag")
                self.assertLessEqual(gap, self.TOL_SLOTS, f"seq {seq}: {gap} lost, no overrun flag")
                unflagged += gap != 0
            self.assertEqual(dropped, out[i - 1][2] + step, f"seq {seq}: dropped total")
        est = out[stall][0] - out[stall - 1][0] - 1
        self.assertTrue(out[stall][3] & BUF_OVERRUN, "the stall is flagged")
        print(f"generic: stall: estimated {est} lost slots, the data says {gaps[stall]}; "
              f"in all {out[-1][2]} estimated, {sum(gaps)} lost (sim: {sim_lost}), "
              f"{unflagged} short runs unflagged")  # fmt: skip

    def test_short_dry_period_is_flagged(self):
        """The engine runs dry for far less than a slot (half a slot rounds
        to 0 lost): the next slot is flagged anyway, OVERRUN | ESTIMATED
        with round(dry x rate / bufsize) lost slots. Two slots of a page at
        5 pages/s (200 ms each); the reader holds one slot while the other
        fills, so the engine is dry from that completion until the reader
        releases the held one, a few ms later. With rate 0 (flow-controlled)
        nothing is flagged."""
        rate = 5 * PAGE
        for prop, want in ((rate, BUF_OVERRUN | BUF_DROPS_ESTIMATED), (0, 0)):
            reload(f"rate={rate}", "generic=1", f"props={RATE_PROP}=u64:{prop}")
            fd = os.open(DEV, os.O_RDWR)
            out = []
            try:
                config(fd, 2, PAGE)
                m = mmap.mmap(fd, 2 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
                fcntl.ioctl(fd, IOC_START)
                try:
                    held = None
                    for _ in range(8):
                        idx, seq, nbytes, dropped, flags = acquire(fd)
                        w = first_word(m, idx * PAGE, nbytes, f"seq {seq}")
                        out.append((seq, w, dropped, flags))
                        if held:
                            release(fd, *held)
                        held = (idx, seq)
                finally:
                    fcntl.ioctl(fd, IOC_STOP)
                    m.close()
            finally:
                os.close(fd)
            per_slot = PAGE // 8
            # The first two slots were queued at START; every later one
            # after the engine ran dry.
            for i in range(2, len(out)):
                seq, w, dropped, flags = out[i]
                step = seq - out[i - 1][0] - 1
                gap = (w - out[i - 1][1]) // per_slot - 1
                self.assertEqual(flags & (BUF_OVERRUN | BUF_DROPS_ESTIMATED | BUF_DROPS_UNKNOWN),
                                 want, f"rate {prop}: seq {seq} after a dry period")  # fmt: skip
                self.assertEqual(dropped, out[i - 1][2] + step, f"seq {seq}: dropped total")
                if want:
                    self.assertLessEqual(
                        abs(step - gap), 1, f"seq {seq}: estimated {step}, lost {gap}"
                    )
                else:
                    self.assertEqual(step, 0, f"seq {seq}: rate 0 loses nothing")
            steps = [b[0] - a[0] - 1 for a, b in zip(out[1:], out[2:], strict=False)]
            print(f"generic: short dry periods, rate {prop}: {len(out) - 2} slots flagged "
                  f"{want:#x}, estimated lost {steps}")  # fmt: skip

    def test_source_tags_overruns_of_no_slots(self):
        """zcdma.source tags every overrun slot, also one estimated at 0
        lost slots: a zcdma_overrun tag of 0 with zcdma_overrun_count
        "estimated". The source puts an rx_time tag on every overrun slot
        (and the first): each one after the first has its zcdma_overrun."""
        try:
            import pmt

            from gnuradio import blocks, gr, zcdma
        except ImportError as e:
            self.skipTest(f"gnuradio.zcdma not importable: {e}")
        rate = 5 * PAGE
        reload(f"rate={rate}", "generic=1", f"props={RATE_PROP}=u64:{rate}")
        items = PAGE // 8  # complex items per slot
        tb = gr.top_block()
        src = zcdma.source(f"{DEV}:nbufs=2,bufsize={PAGE}", gr.sizeof_gr_complex)
        # Slower than the stream: the source holds slots, the engine runs dry.
        slow = blocks.throttle(gr.sizeof_gr_complex, items * 4)
        head = blocks.head(gr.sizeof_gr_complex, 10 * items)
        sink = blocks.vector_sink_c()
        tb.connect(src, slow, head, sink)
        tb.run()
        del tb, src, slow, head
        tags = {}
        for t in sink.tags():
            tags.setdefault(pmt.symbol_to_string(t.key), {})[t.offset] = t.value
        times = sorted(tags.get("rx_time", {}))
        over = tags.get("zcdma_overrun", {})
        counts = tags.get("zcdma_overrun_count", {})
        self.assertGreater(len(times), 1, "no overrun slot")
        self.assertEqual(sorted(over), times[1:], "an overrun slot without a zcdma_overrun tag")
        self.assertEqual(sorted(counts), times[1:])
        self.assertEqual({pmt.symbol_to_string(v) for v in counts.values()}, {"estimated"})
        values = [pmt.to_uint64(over[o]) for o in sorted(over)]
        print(f"generic: source: {len(values)} overrun tags, slots lost {values}")

    def test_user_space_sees_how_drops_were_counted(self):
        """gr::zcdma's device and source map the flags: info.drops,
        buffer.drops, the zcdma_overrun_count tag."""
        try:
            import pmt

            from gnuradio import blocks, gr, zcdma
        except ImportError as e:
            self.skipTest(f"gnuradio.zcdma not importable: {e}")
        spec = f"{DEV}:nbufs={self.NBUFS},bufsize={self.BUFSIZE}"
        for sim_args, kind in (((f"props={RATE_PROP}={self.RATE}",), "estimated"),
                               ((), "unknown")):  # fmt: skip
            reload(f"rate={self.RATE}", "generic=1", *sim_args)
            dev = zcdma.device(spec)
            self.assertEqual(dev.info.drops, kind)
            dev.start()
            seen = None
            for i in range(20):
                if i == 2:
                    time.sleep(self.STALL)  # the stall under test
                with dev.acquire(timeout=5.0) as buf:
                    if buf.overrun and seen is None:
                        seen = (buf.drops, repr(buf))
            dev.stop()
            del dev
            self.assertIsNotNone(seen, "no overrun after the stall")
            self.assertEqual(seen[0], kind)
            self.assertIn(f"({kind})", seen[1])
            # The source block tags the overrun with how it was counted.
            # A throttle at a quarter of the stream rate makes the reader
            # too slow: the ring fills and the engine runs dry.
            tb = gr.top_block()
            src = zcdma.source(spec, gr.sizeof_gr_complex)
            slow = blocks.throttle(gr.sizeof_gr_complex, self.RATE / 8 / 4)
            head = blocks.head(gr.sizeof_gr_complex, 20 * self.BUFSIZE // 8)
            sink = blocks.vector_sink_c()
            tb.connect(src, slow, head, sink)
            tb.run()
            del tb, src, slow, head
            tags = {(t.offset, pmt.symbol_to_string(t.key)): t.value for t in sink.tags()}
            counts = [pmt.symbol_to_string(v) for (o, k), v in tags.items()
                      if k == "zcdma_overrun_count"]  # fmt: skip
            overruns = [o for (o, k) in tags if k == "zcdma_overrun"]
            self.assertGreater(len(overruns), 0, "the slow reader saw no overrun")
            self.assertEqual(len(counts), len(overruns), tags)
            self.assertEqual(set(counts), {kind}, counts)
            print(f"generic: user space: {kind}: {seen[1]}; source tags {counts}")

    def test_unknown_without_rate(self):
        reload(f"rate={self.RATE}", "generic=1")
        out, sim_lost = self.stall_and_read()
        self.assertFalse(self.info_flags & (INFO_DROPS_EXACT | INFO_DROPS_ESTIMATED))
        gaps = self.true_gaps(out)
        self.assertGreater(sum(gaps), 20, gaps)
        flagged = [o for o in out if o[3] & BUF_OVERRUN]
        for (seq, _, dropped, flags), gap in zip(out, gaps, strict=True):
            if gap or flags & BUF_OVERRUN:
                # Every run dry is flagged (unknown: it may have lost data).
                want = BUF_OVERRUN | BUF_DROPS_UNKNOWN
                self.assertEqual(flags & want, want, f"seq {seq}: {gap} lost")
            self.assertEqual(dropped, 0, "no rate: nothing is counted")
        self.assertEqual([o[0] for o in out], list(range(len(out))), "seq steps by 1")
        print(f"generic: no rate: {len(flagged)} overruns flagged unknown, "
              f"{sum(gaps)} slots lost (sim: {sim_lost})")  # fmt: skip

    def test_exact_from_sim(self):
        reload(f"rate={self.RATE}")
        out, sim_lost = self.stall_and_read()
        self.assertTrue(self.info_flags & INFO_DROPS_EXACT, hex(self.info_flags))
        gaps = self.true_gaps(out)
        self.assertGreater(sum(gaps), 20, gaps)
        for (seq, _, _, flags), prev, gap in zip(out[1:], out[:-1], gaps[1:], strict=True):
            self.assertEqual(seq - prev[0] - 1, gap, f"seq {seq}: exact count")
            self.assertEqual(bool(flags & BUF_OVERRUN), gap != 0, f"seq {seq}")
            self.assertFalse(flags & (BUF_DROPS_ESTIMATED | BUF_DROPS_UNKNOWN), f"seq {seq}")
        print(f"generic: exact: {sum(gaps)} lost slots counted by the sim")


def sysfs(name):
    with open(f"/sys/class/misc/{os.path.basename(DEV)}/{name}") as f:
        return f.read().strip()


class qa_kernel_generic_caps(sim_rate_restored, unittest.TestCase):
    """The peripheral side from device properties, checked against the
    channel's capabilities (zcdma_sim advertises restricted ones)."""

    def stream(self, nbufs, bufsize, count):
        fd = os.open(DEV, os.O_RDWR)
        try:
            config(fd, nbufs, bufsize)
            m = mmap.mmap(fd, nbufs * bufsize, mmap.MAP_SHARED, mmap.PROT_READ)
            fcntl.ioctl(fd, IOC_START)
            try:
                for i in range(count):
                    idx, seq, nbytes, _, flags = acquire(fd)
                    self.assertEqual((idx, seq, nbytes, flags), (i % nbufs, i, bufsize, 0))
                    w = first_word(m, idx * bufsize, nbytes, f"seq {seq}")
                    self.assertEqual(w, seq * bufsize // 8, f"seq {seq}: data of another slot")
                    release(fd, idx, seq)
                entries = int(sysfs("sg_entries"))
            finally:
                fcntl.ioctl(fd, IOC_STOP)
                m.close()
        finally:
            os.close(fd)
        return entries

    def test_segments_split_to_the_engines_maximum(self):
        for seg in (1024, 2 * PAGE):
            reload(f"max_seg={seg}")
            entries = self.stream(4, 4 * PAGE, 40)
            # Below a page every page is split; above, contiguous pages
            # may merge up to the maximum.
            most = 4 * PAGE // min(seg, PAGE)
            self.assertTrue(-(-4 * PAGE // seg) <= entries <= most, f"max_seg {seg}: {entries}")
            self.assertLessEqual(int(param("seg_max_seen")), seg)
            last = int(param("last_nents"))  # another slot: its own merges
            self.assertTrue(-(-4 * PAGE // seg) <= last <= most, f"max_seg {seg}: {last}")
            print(f"generic: max_seg {seg}: {entries} sg entries per 4-page slot, data intact")

    def test_properties_reach_the_engine(self):
        props = "gr-zcdma,fifo-address=u64:0x12345678;gr-zcdma,bus-width=4;gr-zcdma,burst=8"
        reload(f"widths={0x116}", f"props={props}")
        self.stream(2, PAGE, 4)
        got = [param(p) for p in ("cfg_src_addr", "cfg_width", "cfg_burst")]
        self.assertEqual(got, [str(0x12345678), "4", "8"])
        # Without properties: no FIFO address, the widest width, burst 1.
        reload(f"widths={0x16}")
        self.stream(2, PAGE, 4)
        got = [param(p) for p in ("cfg_src_addr", "cfg_width", "cfg_burst")]
        self.assertEqual(got, ["0", "4", "1"])
        print("generic: fifo-address, bus-width and burst reach the engine; defaults 0, 4, 1")

    def test_provider_without_device_config(self):
        """ADI AXI DMAC (6.1) has no device_config: dmaengine_slave_config()
        fails with -ENOSYS. Without FIFO properties there is nothing to
        configure and it streams; with one, probe refuses it."""
        reload("device_config=0")
        self.stream(2, PAGE, 8)
        self.assertEqual(param("cfg_width"), "0", "the sim was configured")
        self.assertIn("no slave configuration", "\n".join(dmesg_tail(8)))
        for prop in ("gr-zcdma,fifo-address=0x1000", "gr-zcdma,bus-width=4", "gr-zcdma,burst=4"):
            reload("device_config=0", f"widths={0x16}", f"props={prop}", probe=False)
            name = prop.split("=")[0]
            self.assertRegex(
                "\n".join(dmesg_tail(8)), f"{name}: DMA channel \\S+ takes no slave configuration"
            )
        print("generic: no device_config: streams without FIFO properties, refuses them at probe")

    def test_provider_without_capabilities(self):
        """AMD XDMA sets no directions: dma_get_slave_caps() fails with
        -ENXIO. zcdma warns and trusts the properties: the bus width from
        gr-zcdma,bus-width, else 4 bytes; the burst unchecked."""
        reload("directions=0", f"widths={0x16}")
        self.stream(2, PAGE, 8)
        self.assertEqual([param("cfg_width"), param("cfg_burst")], ["4", "1"])
        self.assertIn("reports no slave capabilities (no directions)", "\n".join(dmesg_tail(8)))
        props = "gr-zcdma,bus-width=8;gr-zcdma,burst=8"
        reload("directions=0", f"widths={0x116}", f"props={props}")
        self.stream(2, PAGE, 8)
        self.assertEqual([param("cfg_width"), param("cfg_burst")], ["8", "8"])
        print("generic: no slave capabilities: warned, bus width 4 by default or as given")

    def test_refused_at_probe(self):
        cases = [
            (["dev_to_mem=0"], "cannot do DEV_TO_MEM"),
            (["props=gr-zcdma,bus-width=3"], "gr-zcdma,bus-width = <3>: want 1, 2, 4 or 8"),
            ([f"widths={0x16}", "props=gr-zcdma,bus-width=8"], "cannot read 8-byte words"),
            (["widths=0"], "reads no 1, 2, 4 or 8-byte words"),
            (["props=gr-zcdma,burst=0"], "gr-zcdma,burst = <0>"),
            (["max_burst=16", "props=gr-zcdma,burst=32"], "gr-zcdma,burst = <32>"),
            (["props=gr-zcdma,burst=3"], "must divide the page size"),
            (["props=gr-zcdma,bytes-per-second=u64:0x1000000000000"], None),
        ]
        for args, msg in cases:
            if msg is None:  # a good value: probes
                reload(*args)
                continue
            reload(*args, probe=False)
            log = "\n".join(dmesg_tail(8))
            self.assertIn(msg, log, f"sim {args}")
        print(f"generic: {len(cases) - 1} channels/properties refused at probe with the reason")


if __name__ == "__main__":
    unittest.main()
