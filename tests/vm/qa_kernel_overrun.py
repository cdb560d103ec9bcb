#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Inside the guest with zcdma_sim rate > 0: a slow consumer makes the DMA
drop slots; the overrun flag, the dropped total and the counter gap agree."""

import os
import sys
import unittest

from gnuradio import zcdma

# The shared checks live beside the qa tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../python/zcdma"))
from test_support import check_overrun_stream  # noqa: E402


class qa_kernel_overrun(unittest.TestCase):
    def test_drops_are_visible(self):
        dev = zcdma.device("/dev/zcdma0:nbufs=4,bufsize=16384")
        dev.start()
        gaps = check_overrun_stream(self, dev, 300, 0.05)
        dev.stop()
        self.assertGreater(gaps, 0)
        self.assertGreater(dev.stats.slots_dropped, 0)
        print(f"overrun: {gaps} gaps, {dev.stats.slots_dropped} slots dropped, counter intact")


if __name__ == "__main__":
    unittest.main()
