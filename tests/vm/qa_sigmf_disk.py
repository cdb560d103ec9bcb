#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Inside the guest (vm.py --scratch-disk): zcdma.sigmf_sink records
/dev/zcdma0 onto an ext4 file system on virtio-blk with O_DIRECT, every
write straight from the ring mapping; the recording is the counter pattern
byte for byte and its meta is valid SigMF (the sigmf package).

Runs with the sigmf venv's interpreter (tests/vm/run-all)."""

import os
import sys
import time
import unittest

import numpy

from gnuradio import gr, zcdma

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../../python/zcdma"))
from sigmf_support import read_samples, validate  # noqa: E402

DISK = os.environ.get("ZCDMA_TEST_DISK", "")
DEVICE = os.environ.get("ZCDMA_TEST_DEVICE", "/dev/zcdma0")
MIB = 1 << 20


def mount_of(path):
    """(device, fs type) of the mount holding `path` (longest prefix)."""
    best = ("", "", "")
    with open("/proc/mounts") as f:
        for line in f:
            dev, mnt, fstype = line.split()[:3]
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best[1]):
                best = (dev, mnt, fstype)
    return best[0], best[2]


class qa_sigmf_disk(unittest.TestCase):
    def setUp(self):
        if not DISK:
            self.fail("ZCDMA_TEST_DISK unset: run with tests/vm/vm.py --scratch-disk")

    def test_o_direct_from_dev_zcdma0_to_virtio_blk(self):
        dev, fstype = mount_of(DISK)
        self.assertEqual((dev, fstype), ("/dev/vda", "ext4"), "the scratch disk is virtio-blk ext4")
        base = os.path.join(DISK, "rec")
        nbytes = 48 * MIB
        tb = gr.top_block()
        src = zcdma.source(f"{DEVICE}:nbufs=16,bufsize=262144", 8)
        snk = zcdma.sigmf_sink(
            8, base, "cf32_le", sample_rate=1e6, hw="zcdma0 (QEMU)", direct="on", write_size=MIB
        )
        tb.connect(src, snk)  # nothing between: the sink reads the ring itself
        tb.start()
        deadline = time.monotonic() + 600
        while snk.stats()["bytes_written"] < nbytes and time.monotonic() < deadline:
            time.sleep(0.05)
        tb.stop()
        tb.wait()
        s = snk.stats()
        self.assertGreaterEqual(s["bytes_written"], nbytes)

        # O_DIRECT, all of it, from the ring mapping of /dev/zcdma0.
        self.assertTrue(snk.direct_active())
        self.assertEqual(s["buffered_bytes"], 0)
        self.assertEqual(s["direct_bytes"], s["bytes_written"])
        self.assertEqual(s["write_errors"] + s["bytes_dropped"], 0)
        ring = src.get_device().mapping()
        lo, hi = ring.ctypes.data, ring.ctypes.data + ring.nbytes
        ranges = snk.write_address_ranges()
        self.assertGreater(len(ranges), 0)
        outside = [(b, n) for b, n in ranges if not (lo <= b and b + n <= hi)]
        self.assertEqual(outside, [], f"write buffers outside the ring [{lo:#x}, {hi:#x})")

        # Byte for byte: the counter, continuous (a lossless ring, rate=0).
        data = base + ".sigmf-data"
        self.assertEqual(os.path.getsize(data), s["bytes_written"])
        words = numpy.fromfile(data, dtype="<u8")
        first = int(words[0])
        self.assertEqual(first % (262144 // 8), 0, "the recording starts on a slot")
        self.assertEqual(zcdma.check_counter(words, first * 8), 0)

        # Valid SigMF, and the package's reader reads the same bytes.
        meta = validate(base)
        self.assertEqual(meta["global"]["core:datatype"], "cf32_le")
        self.assertEqual(meta["global"]["core:sample_rate"], 1e6)
        self.assertEqual(meta["captures"][0]["core:sample_start"], 0)
        back = read_samples(base)
        self.assertTrue(numpy.array_equal(back.view("<u8"), words))
        print(
            f"sigmf_sink: {s['bytes_written'] >> 20} MiB from {DEVICE} to {dev} (ext4) "
            f"with O_DIRECT, write buffers in {len(ranges)} range(s) all in the ring, "
            "counter intact, meta valid"
        )


if __name__ == "__main__":
    unittest.main()
