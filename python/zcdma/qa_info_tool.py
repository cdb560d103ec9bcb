#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma-info, run as the installed script would run."""

import os
import subprocess
import sys

from gnuradio import gr_unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../apps/zcdma-info")


def run(*args):
    return subprocess.run(
        [sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=60
    )


class qa_info_tool(gr_unittest.TestCase):
    def test_geometry(self):
        r = run("sim:nbufs=3,bufsize=8192")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("3 slots x 8192 B = 24576 B", r.stdout)
        self.assertIn("backend      sim (pattern counter, ABI 1)", r.stdout)
        self.assertIn("slots_filled 0", r.stdout)

    def test_run_counts(self):
        r = run("sim:nbufs=4,bufsize=4096", "--run", "0.2")
        self.assertEqual(r.returncode, 0, r.stderr)
        filled = [ln for ln in r.stdout.splitlines() if ln.startswith("slots_released")]
        self.assertGreater(int(filled[0].split()[1]), 0)

    def test_bad_device(self):
        r = run("sim:nbufs=zero")
        self.assertEqual(r.returncode, 2)
        self.assertIn("'nbufs': 'zero'", r.stderr)
        self.assertEqual(run("sim", "--run", "-1").returncode, 2)


if __name__ == "__main__":
    gr_unittest.run(qa_info_tool)
