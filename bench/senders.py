#!/usr/bin/python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""One GNU Radio sender for bench/run.py: streams to 127.0.0.1:PORT until
SIGTERM, then prints the CPU seconds (user + sys, all threads) it used while
streaming.

    senders.py network|zcdma-on|zcdma-off|zcdma-auto PORT
"""

import os
import resource
import signal
import sys
import threading

from gnuradio import blocks, gr, network, zcdma

# "none": the sim producer writes nothing, like a DMA engine (costs no CPU).
PATTERN = os.environ.get("ZCDMA_BENCH_PATTERN", "none")


def build(kind, port):
    tb = gr.top_block()
    if kind == "network":
        src = blocks.null_source(8)
        snk = network.tcp_sink(8, 1, "127.0.0.1", port, 1)  # client mode
    else:
        mode = kind.split("-", 1)[1]
        src = zcdma.source(f"sim:pattern={PATTERN},rate=0,nbufs=64,bufsize=256k", 8)
        snk = zcdma.tcp_sink(8, "127.0.0.1", port, zerocopy=mode, stats_interval=0)
    tb.connect(src, snk)
    return tb


def main():
    kind, port = sys.argv[1], int(sys.argv[2])
    tb = build(kind, port)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    tb.start()
    print("started", flush=True)
    done.wait()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    print(f"cpu {cpu:.6f}", flush=True)
    tb.stop()
    tb.wait()


if __name__ == "__main__":
    main()
