#!/usr/bin/python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""One GNU Radio sender for bench/run.py: streams to 127.0.0.1:PORT until
SIGTERM, then writes to RESULT (JSON) the CPU seconds (user + sys, all
threads) and wall seconds it spent streaming, and the sink's and source's
counters. A file, not stdout: GNU Radio logs there from its own threads.

    senders.py network|network-ring|zeromq|zcdma-on|zcdma-off|zcdma-auto RESULT PORT [RATE]
    senders.py udp-network|udp-network-ring RESULT PORT
    senders.py udp-zcdma-{gso,nogso}-{on,off,auto}[-sndbuf0] RESULT PORT

The udp-* senders (bench/udp.py) send datagrams of ZCDMA_BENCH_UDP_PAYLOAD
bytes (default 8968) with no header: network.udp_sink, and zcdma.udp_sink
with GSO on or off and the given zero-copy mode (-sndbuf0: send_buffer=0, the
kernel's default socket buffer instead of the block's 4 MiB request).

Without RATE (throughput): network and zeromq are fed by null_source,
network-ring and zcdma by a lossless sim ring (sim:pattern=none: the producer writes nothing, as a
DMA engine costs the CPU nothing). With RATE (bytes/s): every sender is fed
by the same real-time sim ring, which drops slots the sender is too slow for,
and stamps every slot for zcdma.tcp_sink's latency figures.

ZCDMA_BENCH_CPU=N (bench/guest_udp.py --pin) runs every block on CPU N.
"""

import json
import os
import resource
import signal
import sys
import threading
import time

from gnuradio import blocks, gr, network, zcdma, zeromq

PATTERN = os.environ.get("ZCDMA_BENCH_PATTERN", "none")
RING = "nbufs=64,bufsize=256k"
# bench/guest.py: the receiver is outside the QEMU guest, the ring is /dev/zcdma0.
HOST = os.environ.get("ZCDMA_BENCH_HOST", "127.0.0.1")
DEVICE = os.environ.get("ZCDMA_BENCH_DEVICE")
UDP_PAYLOAD = int(os.environ.get("ZCDMA_BENCH_UDP_PAYLOAD", "8968"))


def build(kind, port, rate):
    tb = gr.top_block()
    src = None
    if rate or kind.startswith(("zcdma", "udp-zcdma")) or kind.endswith("network-ring"):
        dev = DEVICE or f"sim:pattern={PATTERN},rate={rate:g},{RING}"
        src = zcdma.source(dev, 8, slot_tags=rate > 0)
    if kind in ("network", "network-ring"):
        snk = network.tcp_sink(8, 1, HOST, port, 1)  # client mode
    elif kind == "zeromq":
        # 3.10.5's PUSH binds; the receiver's PULL connects. hwm -1: zmq's default.
        snk = zeromq.push_sink(8, 1, f"tcp://{HOST}:{port}", 100, False, -1)
    elif kind in ("udp-network", "udp-network-ring"):
        snk = network.udp_sink(8, 1, HOST, port, 0, UDP_PAYLOAD, False)
    elif kind.startswith("udp-zcdma-"):
        _, _, gso, mode, *extra = kind.split("-")
        # extra "sndbuf0": the kernel's default
        snk = zcdma.udp_sink(
            8,
            HOST,
            port,
            payload_size=UDP_PAYLOAD,
            zerocopy=mode,
            gso=gso == "gso",
            stats_interval=0,
            **(dict(send_buffer=0) if extra == ["sndbuf0"] else {}),
        )
    elif kind.startswith("zcdma-"):
        mode = kind.split("-", 1)[1]
        snk = zcdma.tcp_sink(8, HOST, port, zerocopy=mode, stats_interval=0)
    else:
        raise SystemExit(f"senders.py: unknown sender '{kind}'")
    feed = src if src is not None else blocks.null_source(8)
    tb.connect(feed, snk)
    return tb, src, feed, snk


def thread_cpu():
    """CPU seconds (user + sys) of each thread of this process, by name."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                st = f.read()
        except OSError:
            continue  # gone
        name = st[st.index("(") + 1 : st.rindex(")")]
        fields = st[st.rindex(")") + 2 :].split()
        cpu[name] = cpu.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return cpu


def main():
    kind, result, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rate = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    tb, src, feed, snk = build(kind, port, rate)
    if os.environ.get("ZCDMA_BENCH_CPU"):  # bench/guest_udp.py --pin
        for b in (feed, snk):
            b.set_processor_affinity([int(os.environ["ZCDMA_BENCH_CPU"])])
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    t0 = thread_cpu()
    r0, w0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    tb.start()
    print("started", flush=True)
    done.wait()
    r1, w1 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    t1 = thread_cpu()
    stats = dict(snk.stats()) if kind.startswith(("zcdma", "udp-zcdma")) else {}
    threads = {n: round(c - t0.get(n, 0.0), 3) for n, c in t1.items() if c - t0.get(n, 0.0) > 0.01}
    if src is not None:
        stats["slots_dropped"] = src.get_device().stats.slots_dropped
    with open(result, "w") as f:
        json.dump({"cpu": cpu, "wall": w1 - w0, "stats": stats, "threads": threads}, f)
    if kind == "zeromq":
        # The receiver has gone, and GNU Radio 3.10.12's push_sink can then be
        # stuck for good in a blocking zmq send (it polls, then sends) that
        # tb.wait() would wait for. The figures are written: leave.
        os._exit(0)
    tb.stop()
    tb.wait()


if __name__ == "__main__":
    main()
