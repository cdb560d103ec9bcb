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
and the counter data of its place in the stream, also across STOP/START."""

import fcntl
import mmap
import os
import struct
import sys
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
    release,
)

PARAMS = "/sys/module/zcdma_sim/parameters"
BUF_OVERRUN = 1
BUF_ERROR = 2


def param(name, value=None):
    path = os.path.join(PARAMS, name)
    if value is None:
        with open(path) as f:
            return f.read().strip()
    with open(path, "w") as f:
        f.write(str(value))
    return None


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


if __name__ == "__main__":
    unittest.main()
