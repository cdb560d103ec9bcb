#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Inside the guest with zcdma_sim rate > 0: a slow consumer makes the DMA
drop slots; the overrun flag, the dropped total and the counter gap agree."""

import time
import unittest

import numpy

from gnuradio import zcdma


class qa_kernel_overrun(unittest.TestCase):
    def test_drops_are_visible(self):
        bufsize = 16384
        dev = zcdma.device(f"/dev/zcdma0:nbufs=4,bufsize={bufsize}")
        dev.start()
        prev = None
        gaps = 0
        for n in range(300):
            with dev.acquire(timeout=5.0) as buf:
                a = buf.array(numpy.uint64)
                self.assertEqual(zcdma.check_counter(a, buf.seq * bufsize), 0)
                if prev is not None:
                    gap = buf.seq - prev[0] - 1
                    self.assertEqual(buf.overrun, gap > 0)
                    self.assertEqual(gap, buf.dropped - prev[1])
                    self.assertEqual(int(a[0]) - prev[2], (gap + 1) * bufsize // 8)
                    gaps += gap > 0
                prev = (buf.seq, buf.dropped, int(a[0]))
                if n % 50 == 10:
                    time.sleep(0.05)
        dev.stop()
        self.assertGreater(gaps, 0)
        self.assertGreater(dev.stats.slots_dropped, 0)
        print(f"overrun: {gaps} gaps, {dev.stats.slots_dropped} slots dropped, counter intact")


if __name__ == "__main__":
    unittest.main()
