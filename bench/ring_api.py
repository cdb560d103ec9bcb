#!/usr/bin/python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Throughput of the Python ring API: acquire -> array -> release.

Run from a build tree:  scripts/bench-ring   (or PYTHONPATH=build/test_modules)
"""

import argparse
import time

import numpy

from gnuradio import zcdma


def run(bufsize, nbufs, seconds, touch):
    dev = zcdma.device(f"sim:pattern=counter,rate=0,nbufs={nbufs},bufsize={bufsize}")
    dev.start()
    n = 0
    checksum = 0
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        with dev.acquire(timeout=5.0) as buf:
            a = buf.array(numpy.uint64)
            if touch:
                checksum += int(a[-1])
        n += 1
        if n % 1024 == 0 and time.perf_counter() >= deadline:
            break
    elapsed = time.perf_counter() - t0
    dev.stop()
    return n / elapsed, n * bufsize / elapsed / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--nbufs", type=int, default=64)
    args = p.parse_args()
    rows = []
    for bufsize in (4096, 1 << 20):
        slots, gbs = run(bufsize, args.nbufs, args.seconds, touch=True)
        rows.append((bufsize, slots, gbs))
        print(f"slot {bufsize:>8} B: {slots:>10.0f} slots/s  {gbs:6.2f} GB/s")
    print(
        "summary: "
        + ", ".join(f"{b // 1024} KiB {s / 1e3:.0f}k slots/s {g:.2f} GB/s" for b, s, g in rows)
    )


if __name__ == "__main__":
    main()
