#!/usr/bin/python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""How fast zcdma.vita49_source (a Python block) turns VITA-49 into items.

    PYTHONPATH=build/test_modules LD_LIBRARY_PATH=build/lib bench/vita49_rx.py

A burst of counter packets small enough for the socket's receive buffer is
queued on loopback first, then the flowgraph drains it: the rate is the
block's own (parsing, tags, conversion), not a sender's. One line per case.
"""

import os
import socket
import sys
import time

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python", "zcdma")
)
from qa_vita49_source import counter_payload, data_packet  # noqa: E402

from gnuradio import blocks, gr, zcdma  # noqa: E402

BURST = 3_500_000  # payload bytes per burst: fits an 8 MiB rcvbuf with overhead
ITEM = {"fc32": (8, 1), "sc16": (4, 1), "u8": (1, 4)}


def run(spp, otype):
    npk = max(1, BURST // (4 * spp))
    src = zcdma.vita49_source(host="127.0.0.1", output_type=otype)
    if src.stats()["rcvbuf"] < 2 * BURST:
        sys.exit(f"rcvbuf {src.stats()['rcvbuf']} too small: raise net.core.rmem_max")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
        for k in range(npk):
            tx.sendto(
                data_packet(k, counter_payload(k * spp, spp), 1, 5, k), ("127.0.0.1", src.port())
            )
    size, per = ITEM[otype]
    tb = gr.top_block()
    tb.connect(src, blocks.null_sink(size))
    t0, c0 = time.perf_counter(), time.process_time()
    tb.start()
    while src.stats()["items"] < npk * spp * per and time.perf_counter() - t0 < 30:
        time.sleep(0.001)
    t, c = time.perf_counter() - t0, time.process_time() - c0
    tb.stop()
    tb.wait()
    st = src.stats()
    src.close()
    mb = st["payload_bytes"] / 1e6
    print(
        f"{otype:4} {spp * 4:6}-byte payloads: {st['packets']}/{npk} packets, "
        f"{mb / t:6.1f} MB/s, {st['packets'] / t / 1e3:5.1f} kpackets/s, "
        f"CPU {c / mb * 1e3:.2f} s/GB"
    )


if __name__ == "__main__":
    for spp, otype in ((350, "fc32"), (2048, "fc32"), (2048, "sc16"), (2048, "u8"), (8192, "fc32")):
        run(spp, otype)
