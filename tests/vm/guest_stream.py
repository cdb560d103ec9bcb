#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Guest side of the virtio-net test: zcdma.source("/dev/zcdma0") ->
zcdma.tcp_sink(zerocopy="on") to a receiver outside the guest. Prints the
NIC offloads and the sink's completion counters; fails if any completion was
a kernel copy or the NIC segments in software."""

import subprocess
import sys
import time

from gnuradio import gr, zcdma


def main(host, port, nbytes):
    k = subprocess.run(["ethtool", "-k", "eth0"], capture_output=True, text=True).stdout
    offloads = {
        line.split(":")[0].strip(): line.split(":")[1].split()[0]
        for line in k.splitlines()
        if ":" in line and line.split(":")[1].strip()
    }
    for feature in ("tx-scatter-gather", "tx-checksum-ip-generic"):
        print(f"guest eth0 {feature}: {offloads.get(feature)}")
        if offloads.get(feature) != "on":
            print(f"FAIL: {feature} is off: the kernel would copy while reporting code 0")
            return 1

    tb = gr.top_block()
    src = zcdma.source("/dev/zcdma0:nbufs=64,bufsize=262144", 8)
    snk = zcdma.tcp_sink(8, host, port, zerocopy="on", stats_interval=0)
    tb.connect(src, snk)
    tb.start()
    deadline = time.monotonic() + 600
    while snk.bytes_sent() < nbytes and time.monotonic() < deadline:
        time.sleep(0.2)
    # Let the last sends complete (acknowledged) before stopping.
    while snk.inflight_bytes() and time.monotonic() < deadline:
        time.sleep(0.1)
    tb.stop()
    tb.wait()
    s = snk.stats()
    print(
        f"guest sink: sent {s['bytes_sent']} B, zero-copy completed {s['zerocopy_bytes']} B, "
        f"kernel-copied {s['copied_bytes']} B, notifications {s['notifications']}"
    )
    ok = s["bytes_sent"] >= nbytes and s["copied_bytes"] == 0 and s["zerocopy_bytes"] > 0
    print("PASS: every completion had code 0" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
