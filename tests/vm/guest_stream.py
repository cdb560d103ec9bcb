#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Guest side of the virtio-net tests (tests/vm/virtio-zerocopy and
virtio-zerocopy-udp): zcdma.source("/dev/zcdma0") to receivers outside the
guest, through

  tcp HOST PORT NBYTES        one zcdma.tcp_sink(zerocopy="on")
  udp HOST GROUP PORT NBYTES  four zcdma.udp_sink(zerocopy="on") reading the
                              same ring at once: unicast and multicast,
                              framings none and vita49, ports PORT..PORT+3

Prints the NIC offloads and each sink's completion counters; fails if the
NIC's scatter-gather or checksum offload is off (the kernel would copy while
reporting code 0) or any byte was a kernel copy."""

import socket
import subprocess
import sys
import time

from gnuradio import gr, zcdma

DEADLINE_S = 600


def offloads_on():
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
            return False
    return True


def wait_until(done, deadline):
    while not done() and time.monotonic() < deadline:
        time.sleep(0.2)


def resolve_neighbour(ip, dev, deadline):
    """Has the guest's kernel resolve IP's link address on DEV (ARP, IPv4)
    before a UDP stream starts. Datagrams sent while it is unresolved wait in
    the neighbour's queue, which Linux flushes only after marking the
    neighbour valid: a send in between overtakes them (seen: the first 44
    datagrams arrived after the next 43). That reordering is the network's,
    not the sink's; TCP's handshake resolves the address before any data."""
    try:
        socket.inet_aton(ip)
    except OSError:
        print(f"FAIL: resolve_neighbour: {ip!r} is not an IPv4 address")
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
        next_probe = 0.0
        while time.monotonic() < deadline:
            if time.monotonic() >= next_probe:  # again if an ARP round failed
                s.sendto(b"", (ip, 9))  # discard: unanswered, or an ICMP error
                next_probe = time.monotonic() + 1.0
            with open("/proc/net/arp") as f:
                for fields in (line.split() for line in f.readlines()[1:]):
                    # IP, HW type, flags (0x2: ATF_COM, resolved), HW address, mask, device
                    if fields[0] == ip and fields[5] == dev and int(fields[2], 16) & 0x2:
                        return True
            time.sleep(0.05)
    print(f"FAIL: the guest did not resolve {ip}'s link address on {dev}")
    return False


def stream_tcp(tb, src, host, port, nbytes):
    snk = zcdma.tcp_sink(8, host, port, zerocopy="on", stats_interval=0)
    tb.connect(src, snk)
    tb.start()
    deadline = time.monotonic() + DEADLINE_S
    wait_until(lambda: snk.bytes_sent() >= nbytes, deadline)
    # Let the last sends complete (acknowledged) before stopping.
    wait_until(lambda: not snk.inflight_bytes(), deadline)
    tb.stop()
    tb.wait()
    s = snk.stats()
    print(
        f"guest sink: sent {s['bytes_sent']} B, zero-copy completed {s['zerocopy_bytes']} B, "
        f"kernel-copied {s['copied_bytes']} B, notifications {s['notifications']}"
    )
    ok = s["bytes_sent"] >= nbytes and s["copied_bytes"] == 0 and s["zerocopy_bytes"] > 0
    print("PASS: every completion had code 0" if ok else "FAIL")
    return ok


def stream_udp(tb, src, host, group, port, nbytes):
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
    if not resolve_neighbour(host, "eth0", time.monotonic() + 30):
        return False
    tb.start()
    wait_until(
        lambda: min(s.stats()["payload_bytes"] for s in sinks.values()) >= nbytes,
        time.monotonic() + DEADLINE_S,
    )
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
            # The header ring is sized for the input buffer: no send waits.
            and s["header_waits"] == 0
        )
        ok &= good
        print(
            f"guest udp_sink {dest} {framing}: {s['datagrams']} datagrams in {s['sends']} sends, "
            f"payload {s['payload_bytes']} B, zero-copy completed {s['zerocopy_bytes']} B, "
            f"kernel-copied {s['copied_bytes']} B, plain {s['plain_bytes']} B, "
            f"gso {s['gso_active']}, in flight at most {s['inflight_peak']} B, "
            f"header ring {s['header_used_peak']} of {s['header_slots']} "
            f"({s['header_waits']} waits): {'ok' if good else 'FAIL'}"
        )
    print("PASS: every payload byte completed with code 0" if ok else "FAIL")
    return ok


def main(argv):
    protocols = {"tcp": (stream_tcp, 3), "udp": (stream_udp, 4)}
    if len(argv) < 1 or argv[0] not in protocols or len(argv) - 1 != protocols[argv[0]][1]:
        sys.exit(f"usage: {sys.argv[0]} tcp HOST PORT NBYTES | udp HOST GROUP PORT NBYTES")
    stream, _ = protocols[argv[0]]
    *addrs, port, nbytes = argv[1:]
    if not offloads_on():
        return 1
    tb = gr.top_block()
    src = zcdma.source("/dev/zcdma0:nbufs=64,bufsize=262144", 8)
    return 0 if stream(tb, src, *addrs, int(port), int(nbytes)) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
