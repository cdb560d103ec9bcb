#!/usr/bin/python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""UDP senders side by side on loopback, in one run, rotating order.

    scripts/bench            (after bench/run.py: adds its section to docs/benchmarks.md)

Every sender streams datagrams of --payload bytes (no header) as fast as it
goes into one C receiver (bench/udp_receiver.c, recvmmsg) until --gib GiB
arrived: GB/s as the receiver saw it, and the sender's CPU seconds (user +
sys, all threads) per GB delivered. UDP drops what the receiver cannot take;
a datagram dropped still cost its sender CPU, so CPU per GB *delivered* is
the fair figure. Contenders: network.udp_sink fed by null_source and by the
zcdma ring, zcdma.udp_sink with GSO on/off and zerocopy on/off/auto (fed by
the lossless sim ring that writes nothing, as for the TCP tables), and the C
ceiling bench/udp_sender.c: sendmsg + UDP_SEGMENT (+ MSG_ZEROCOPY).
"""

import argparse
import os
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import BenchError, GrSender, machine, med, replace_section, rotation  # noqa: E402

ROOT = os.path.dirname(HERE)
CEILING = "C sendmsg + UDP_SEGMENT + MSG_ZEROCOPY (ceiling)"
NETWORK = "GNU Radio network.udp_sink"
# name: (kind, argv): kind "c": udp_sender argv PORT PAYLOAD; "gr": senders.py kind.
CONTENDERS = {
    CEILING: ("c", ["--gso", "--zerocopy"]),
    "C sendmsg + UDP_SEGMENT": ("c", ["--gso"]),
    "C sendmsg, one datagram per call": ("c", []),
    NETWORK: ("gr", "udp-network"),
    "network.udp_sink fed by the zcdma ring": ("gr", "udp-network-ring"),
}
for gso in ("gso", "nogso"):
    for mode in ("on", "off", "auto"):
        name = f"zcdma.udp_sink gso={'on' if gso == 'gso' else 'off'} zerocopy={mode}"
        CONTENDERS[name] = ("gr", f"udp-zcdma-{gso}-{mode}")

BEGIN = "<!-- bench/udp.py: begin -->"
END = "<!-- bench/udp.py: end -->"


def run_one(name, contender, nbytes, payload, bin_dir, env, timeout=300):
    kind, argv = contender
    rx = subprocess.Popen(
        [f"{bin_dir}/udp_receiver", str(nbytes)], stdout=subprocess.PIPE, text=True
    )
    port = int(rx.stdout.readline().split()[1])
    errors = subprocess.DEVNULL
    if kind == "c":
        tx = subprocess.Popen(
            [f"{bin_dir}/udp_sender", *argv, str(port), str(payload)],
            stdout=subprocess.PIPE,
            text=True,
        )
    else:
        sender = GrSender(
            argv, port, {**env, "ZCDMA_BENCH_UDP_PAYLOAD": str(payload)}, stderr=errors
        )
        tx = sender.proc
    timer = threading.Timer(timeout, lambda: (rx.kill(), tx.kill()))
    timer.start()
    try:
        if kind != "c":
            sender.wait_started()
        summary = rx.stdout.readline().split()
        rx.wait()
        if kind == "c":
            tx.terminate()
            fields = tx.stdout.read().split()
            ok = tx.wait() == 0 and fields[:1] == ["cpu"]
            cpu = float(fields[1]) if ok else 0
        else:
            figures = sender.stop()
            ok = figures is not None
            cpu = figures["cpu"] if ok else 0
    finally:
        timer.cancel()
    if not ok or len(summary) < 4 or int(summary[1]) < nbytes:
        raise BenchError(
            f"{name}: sender or receiver failed "
            f"(receiver said {summary}, sender exit {tx.returncode})"
        )
    got, seconds = int(summary[1]), float(summary[3])
    return {
        "gbs": got / seconds / 1e9,
        "cpu_per_gb": cpu / (got / 1e9),
    }


def args_rounds(res, n):
    return "some rounds" if res[n] else "every round"


def table(res, failures):
    def m(n, k):
        vals = sorted(x[k] for x in res[n])
        return vals[len(vals) // 2] if vals else float("nan")

    ceiling, net = m(CEILING, "gbs"), m(NETWORK, "gbs")
    rows = [
        "| sender | GB/s median (min–max) | sender CPU s/GB delivered | × ceiling "
        "| × network.udp_sink |",
        "| --- | --- | --- | --- | --- |",
    ]
    for n, r in res.items():
        g = m(n, "gbs")
        if n in failures:
            rows.append(f"| {n} | failed in {args_rounds(res, n)}: {failures[n]} | | | |")
            continue
        rows.append(
            f"| {n} | {med([x['gbs'] for x in r])} | {med([x['cpu_per_gb'] for x in r])} "
            f"| {g / ceiling:.2f} | {g / net:.2f} |"
        )
    best = max((n for n in res if n.startswith("zcdma") and res[n]), key=lambda n: m(n, "gbs"))
    g = m(best, "gbs")
    ring = m("network.udp_sink fed by the zcdma ring", "gbs")
    summary = (
        f"{best}: {g:.2f} GB/s = {g / ceiling:.2f} × the C GSO + MSG_ZEROCOPY loop, "
        f"{g / net:.2f} × null_source → network.udp_sink, "
        f"{g / ring:.2f} × network.udp_sink on the same ring"
    )
    return "\n".join(rows), summary


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--bin", default=os.path.join(ROOT, "build/bench"))
    p.add_argument("--gib", type=float, default=1.0, help="GiB delivered per run")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--payload", type=int, default=8968, help="UDP payload bytes per datagram")
    p.add_argument("--markdown", help="replace (or append) the UDP section of this file")
    args = p.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "build/test_modules")
    env["GR_CONF_LOG_LOG_LEVEL"] = "error"
    nbytes = int(args.gib * (1 << 30))
    res = {n: [] for n in CONTENDERS}
    failures = {}
    for r, n in rotation(list(CONTENDERS), args.rounds):
        # One contender failing (a sink that cannot send) must not hide the rest.
        try:
            res[n].append(run_one(n, CONTENDERS[n], nbytes, args.payload, args.bin, env))
        except BenchError as e:
            failures[n] = str(e).splitlines()[0][:160].replace("|", "/")
        print(f"round {r + 1} {n}: {res[n][-1] if res[n] else failures[n]}", file=sys.stderr)
    rows, summary = table(res, failures)
    print(rows, "summary: " + summary, sep="\n\n")
    if args.markdown:
        section = MARKDOWN.format(
            begin=BEGIN,
            end=END,
            machine=machine(),
            command=f"bench/udp.py --gib {args.gib:g} --rounds {args.rounds} "
            f"--payload {args.payload}",
            rounds=args.rounds,
            gib=args.gib,
            payload=args.payload,
            table=rows,
            summary=summary,
        )
        replace_section(args.markdown, BEGIN, END, section)


MARKDOWN = """{begin}
## UDP: {gib:g} GiB delivered per sender, {payload}-byte datagrams, loopback

Generated by `{command}` (run by scripts/bench after bench/run.py); do not
edit by hand. Machine: {machine}. {rounds} rounds in rotating order; median
(min–max).

{table}

**{summary}**

- The receiver (bench/udp_receiver.c, recvmmsg, 16 MiB SO_RCVBUF) counts
  what arrives; UDP drops what it cannot take, so GB/s is what was
  delivered and CPU is per GB delivered (lost datagrams cost their sender
  CPU too). On loopback the receiver is often the limit, which flattens the
  differences between fast senders.
- zcdma.udp_sink and "network.udp_sink fed by the zcdma ring" read
  `sim:pattern=none` (a lossless ring whose producer writes nothing, as a
  DMA engine costs the CPU nothing); network.udp_sink is otherwise fed by
  null_source (its memset counts). The C senders send a pre-filled memfd
  buffer.
- On loopback every MSG_ZEROCOPY page is copied on local delivery
  (SO_EE_CODE_ZEROCOPY_COPIED), so zero copy only adds the completion
  round trip here; `zerocopy=auto` sees the copies and switches to plain
  sends. What zero copy saves shows only where a NIC takes the pages
  (virtio-net in the QEMU guest).
{end}
"""


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        sys.exit(f"bench: {e}")
