#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Shared by the qa_*.py tests (not installed): the device under test and
process resource counts for leak checks."""

import os
import time

# sim by default; the VM tests set ZCDMA_TEST_DEVICE=/dev/zcdma0.
BASE = os.environ.get("ZCDMA_TEST_DEVICE", "sim")
IS_SIM = BASE.startswith("sim")


def spec(**keys):
    """A device string for BASE with geometry/sim keys added (the kernel
    device takes only nbufs and bufsize; its rate is a module parameter)."""
    if not IS_SIM:
        keys = {k: v for k, v in keys.items() if k in ("nbufs", "bufsize")}
    opts = ",".join(f"{k}={v}" for k, v in keys.items())
    if not opts:
        return BASE
    return BASE + ("," if ":" in BASE else ":") + opts


def proc_counts():
    """(open fds, mappings, threads) of this process."""
    with open("/proc/self/maps") as f:
        maps = sum(1 for _ in f)
    return len(os.listdir("/proc/self/fd")), maps, len(os.listdir("/proc/self/task"))


def settled_counts(limit):
    """proc_counts() once no count exceeds `limit` (threads of a finished
    flowgraph take a moment to exit), or after 5 s whatever they are."""
    deadline = time.monotonic() + 5
    while True:
        counts = proc_counts()
        if all(c <= m for c, m in zip(counts, limit, strict=True)) or time.monotonic() > deadline:
            return counts
        time.sleep(0.01)


def check_overrun_stream(tc, dev, slots, nap):
    """Take `slots` slots from a started real-time device, napping `nap`
    seconds now and then so that the ring overflows, and assert on every slot
    that the overrun flag, the dropped total and the counter gap agree.
    Returns the number of gaps seen."""
    import numpy

    from gnuradio import zcdma

    bufsize = dev.info.bufsize
    prev = None
    gaps = 0
    for n in range(slots):
        with dev.acquire(timeout=5.0) as buf:
            a = buf.array(numpy.uint64)
            tc.assertEqual(zcdma.check_counter(a, buf.seq * bufsize), 0)
            if prev is not None:
                gap = buf.seq - prev[0] - 1
                # Overrun flag exactly on the first slot after a gap, and
                # the gap is exactly the drops counted in between.
                tc.assertEqual(buf.overrun, gap > 0)
                tc.assertEqual(gap, buf.dropped - prev[1])
                # Counter gap == dropped slots x words per slot.
                tc.assertEqual(int(a[0]) - prev[2], (gap + 1) * bufsize // 8)
                gaps += gap > 0
            prev = (buf.seq, buf.dropped, int(a[0]))
            if n % 50 == 10:
                time.sleep(nap)  # a slow consumer: the ring overflows
    return gaps


def assert_inside(tc, ranges, region, what):
    """Every (address, length) in `ranges` (a sink's record of the buffers it
    handed to the kernel) lay inside `region` (a numpy array over the ring):
    nothing copied the stream to another buffer first."""
    tc.assertGreater(len(ranges), 0)
    lo, hi = region.ctypes.data, region.ctypes.data + region.nbytes
    for base, length in ranges:
        tc.assertTrue(
            lo <= base and base + length <= hi,
            f"{what} [{base:#x}, +{length}) outside [{lo:#x}, {hi:#x})",
        )


def wait_for(cond, timeout=30.0):
    """Poll cond() every 10 ms until it is true (True) or timeout s pass (False)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
