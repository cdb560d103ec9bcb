#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Guest side of the virtio-net UDP test: one zcdma.source("/dev/zcdma0")
ring read by four zcdma.udp_sink(zerocopy="on") blocks at once -- unicast
and multicast, framings none and vita49 -- to receivers outside the guest.
Fails unless every payload byte completed with code 0 (no kernel copy) with
the NIC's scatter-gather and checksum offload on."""

import subprocess
import sys
import time

from gnuradio import gr, zcdma


def main(host, group, port, nbytes):
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
    sinks = {}
    for i, (dest, framing) in enumerate(
        ((host, "none"), (host, "vita49"), (group, "none"), (group, "vita49"))
    ):
        kw = dict(sample_rate=1e6) if framing == "vita49" else {}
        sinks[(dest, framing)] = snk = zcdma.udp_sink(
            8, dest, port + i, framing=framing, zerocopy="on", interface="eth0",
            multicast_loop=False, stats_interval=0, **kw,
        )  # fmt: skip
        tb.connect(src, snk)
    tb.start()
    deadline = time.monotonic() + 600
    while (
        min(s.stats()["payload_bytes"] for s in sinks.values()) < nbytes
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    tb.stop()
    tb.wait()
    ok = True
    for (dest, framing), snk in sinks.items():
        s = snk.stats()
        good = (
            s["payload_bytes"] >= nbytes
            and s["copied_bytes"] == 0
            and s["plain_bytes"] == 0
            and s["zerocopy_bytes"] == s["payload_bytes"]
            and s["inflight_bytes"] == 0
            and s["send_errors"] == 0
        )
        ok &= good
        print(
            f"guest udp_sink {dest} {framing}: {s['datagrams']} datagrams in {s['sends']} sends, "
            f"payload {s['payload_bytes']} B, zero-copy completed {s['zerocopy_bytes']} B, "
            f"kernel-copied {s['copied_bytes']} B, plain {s['plain_bytes']} B, "
            f"gso {s['gso_active']}: {'ok' if good else 'FAIL'}"
        )
    print("PASS: every payload byte completed with code 0" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
