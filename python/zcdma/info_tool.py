#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma-info: print a device's ring geometry and counters."""

import argparse
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="zcdma-info",
        description="Print the ring geometry and counters of a zcdma device.",
    )
    parser.add_argument("device", help="'/dev/zcdma0', 'sim' or 'sim:key=value,...'")
    parser.add_argument(
        "--run",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="start the device, consume slots for this long, then print counters",
    )
    args = parser.parse_args(argv)
    if args.run < 0:
        parser.error(f"--run must be >= 0, not {args.run}")

    from gnuradio import zcdma

    try:
        dev = zcdma.device(args.device)
    except (ValueError, OSError, RuntimeError) as e:
        print(f"zcdma-info: {e}", file=sys.stderr)
        return 2

    info = dev.info
    print(f"device       {info.name}")
    print(f"backend      {info.backend} (pattern {info.pattern}, ABI {info.abi_version})")
    print(f"ring         {info.nbufs} slots x {info.bufsize} B = {info.mmap_size} B")
    print(f"page size    {info.page_size} B")
    print(f"rate         {'lossless' if info.rate == 0 else f'{info.rate} B/s'}")

    if args.run > 0:
        dev.start()
        t0 = time.monotonic()
        nbytes = 0
        while time.monotonic() - t0 < args.run:
            with dev.acquire(timeout=1.0) as buf:
                nbytes += buf.nbytes
        elapsed = time.monotonic() - t0
        dev.stop()
        print(f"consumed     {nbytes} B in {elapsed:.2f} s ({nbytes / elapsed / 1e9:.3f} GB/s)")

    for key, value in dev.stats._asdict().items():
        print(f"{key:<12} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
