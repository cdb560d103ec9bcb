#!/usr/bin/python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The kernel device in the QEMU guest: senders inside the guest stream over
virtio-net (a tap device in a network namespace this script makes) to C
discard receivers on the host side; writes docs/benchmarks-guest.md.

    bench/guest.py [--mib 128] [--rounds 1] [--markdown docs/benchmarks-guest.md]

Needs root (netns, tap), kmod/ built and build/ built (scripts/bench does
both). The guest is the tests/vm one: Debian's kernel under TCG, so its
timings only compare senders with each other, never with the host table.
zcdma senders read /dev/zcdma0 (zcdma_sim.ko: a software DMA engine that
writes the counter pattern on a guest CPU, lossless).

Inside the guest this same file runs with --guest: every contender once per
round, in rotating order; each connects to its own receiver port, and is
stopped when the host has marked that receiver done (it got its bytes) in a
status directory the guest sees over 9p.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time

from run import GrSender, med, median_of, rotation

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests/vm"))
import vm  # noqa: E402  (tests/vm/vm.py: the kernel the guest boots)
from tap_netns import tap_namespace  # noqa: E402

BIN = os.path.join(ROOT, "build/bench")
PY = "/usr/bin/python3"  # GNU Radio's
HOST_IP, GUEST_IP, BASE_PORT = "169.254.78.1", "169.254.78.2", 5600
DEVICE = "/dev/zcdma0:nbufs=64,bufsize=262144"

# name: ("c", plain_sender flags) or ("gr", senders.py kind)
CONTENDERS = {
    "send() 1 MiB": ("c", []),
    "send() 1 MiB MSG_ZEROCOPY": ("c", ["--zerocopy"]),
    "io_uring SEND_ZC 1 MiB (fixed buffer)": ("c", ["--uring-zc"]),
    "io_uring SEND_ZC 1 MiB (unregistered)": ("c", ["--uring-zc-unregistered"]),
    "GNU Radio network.tcp_sink (null_source)": ("gr", "network"),
    "network.tcp_sink fed by /dev/zcdma0": ("gr", "network-ring"),
    "zcdma.tcp_sink zerocopy=on (/dev/zcdma0)": ("gr", "zcdma-on"),
    "zcdma.tcp_sink zerocopy=off (/dev/zcdma0)": ("gr", "zcdma-off"),
    "zcdma.tcp_sink zerocopy=auto (/dev/zcdma0)": ("gr", "zcdma-auto"),
}


def schedule(rounds, only=""):
    """(round, name, port) in run order; every run has its own port."""
    names = [n for n in CONTENDERS if only in n]
    return [(r, n, BASE_PORT + i) for i, (r, n) in enumerate(rotation(names, rounds))]


# ---------------------------------------------------------------- guest side


def guest_main(nbytes, rounds, only, status):
    env = dict(os.environ, ZCDMA_BENCH_HOST=HOST_IP, ZCDMA_BENCH_DEVICE=DEVICE)
    env["GR_CONF_LOG_LOG_LEVEL"] = "error"
    for r, name, port in schedule(rounds, only):
        kind, arg = CONTENDERS[name]
        figures = {"name": name, "round": r, "port": port}
        if kind == "c":
            out = subprocess.run(
                [f"{BIN}/plain_sender", *arg, str(port), str(nbytes), HOST_IP],
                capture_output=True,
                text=True,
            )
            fields = out.stdout.split()
            figures["cpu"] = float(fields[1]) if out.returncode == 0 and fields else None
            figures["error"] = out.stderr.strip()[-300:] if out.returncode else None
        else:
            sender = GrSender(arg, port, env)
            sender.wait_started()
            # The host marks a receiver done in the status directory (the
            # guest sees the host's files live over 9p). Watching this side's
            # socket instead races: a short run can connect and finish
            # between two looks.
            done = os.path.join(status, f"done-{port}")
            deadline = time.monotonic() + 900
            while not os.path.exists(done) and time.monotonic() < deadline:
                time.sleep(0.05)
            data = sender.stop()
            figures["cpu"] = data["cpu"] if data else None
            figures["stats"] = data["stats"] if data else {}
            figures["error"] = None if data else f"senders.py exit {sender.proc.returncode}"
            if not os.path.exists(done):
                figures["error"] = "the receiver did not finish within 900 s"
        print("result " + json.dumps(figures), flush=True)
    return 0


# ----------------------------------------------------------------- host side


def host_main(args):
    nbytes = args.mib << 20
    ns = f"zcdma-bench-{os.getpid()}"
    runs = schedule(args.rounds, args.only)
    work = os.path.join(ROOT, "tests/vm/work")  # .gitignored, inside the tree the guest sees
    os.makedirs(work, exist_ok=True)
    status = tempfile.TemporaryDirectory(prefix="bench-", dir=work)
    summaries = {}

    def watch(rx, port):  # the summary line, then "done" for the guest
        summaries[port] = rx.stdout.readline().split()
        open(os.path.join(status.name, f"done-{port}"), "w").close()

    receivers = []
    with tap_namespace(ns, HOST_IP):
        try:
            for _, _, port in runs:
                rx = subprocess.Popen(
                    ["ip", "netns", "exec", ns, f"{BIN}/discard_receiver", "--check",
                     str(nbytes), HOST_IP, str(port)],
                    stdout=subprocess.PIPE, text=True,
                )  # fmt: skip
                rx.stdout.readline()  # "port N": listening
                receivers.append(rx)
                threading.Thread(target=watch, args=(rx, port), daemon=True).start()
            guest = (
                f"ip link set eth0 up && ip addr add {GUEST_IP}/24 dev eth0 && "
                f"{PY} -B {HERE}/guest.py --guest --mib {args.mib} --rounds {args.rounds} "
                f"--only {shlex.quote(args.only)} --status {status.name}"
            )
            qemu = subprocess.run(
                [f"{ROOT}/tests/vm/vm.py", "--netns", ns, "--tap", "tap0",
                 "--env", f"PYTHONPATH={ROOT}/build/test_modules", "--timeout", "3000",
                 "--", "sh", "-c", guest],
                capture_output=True, text=True,
            )  # fmt: skip
            print(qemu.stdout[-3000:], qemu.stderr[-2000:], sep="\n", file=sys.stderr)
            lines = qemu.stdout.splitlines()
            results = [json.loads(ln[7:]) for ln in lines if ln.startswith("result ")]
            for rx in receivers:
                try:
                    rx.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    rx.kill()
        finally:
            for rx in receivers:
                if rx.poll() is None:
                    rx.kill()
            status.cleanup()
    if qemu.returncode != 0 or len(results) != len(runs):
        sys.exit(f"bench/guest.py: the guest failed (rc {qemu.returncode})")
    return report(results, summaries, nbytes, args)


def report(results, summaries, nbytes, args):
    rows = {n: [] for n in CONTENDERS if args.only in n}
    for res in results:
        s = summaries.get(res["port"], [])
        if res["error"] or len(s) < 6 or int(s[1]) < nbytes:
            sys.exit(f"bench/guest.py: {res['name']} failed: {res['error']} receiver {s}")
        got, seconds, mismatches = int(s[1]), float(s[3]), int(s[5])
        st = res.get("stats") or {}
        rows[res["name"]].append(
            {
                "gbs": got / seconds / 1e9,
                "cpu_per_gb": res["cpu"] / (got / 1e9) if res["cpu"] is not None else None,
                "mismatches": mismatches,
                "zc": st.get("zerocopy_bytes"),
                "copied": st.get("copied_bytes"),
            }
        )
    if args.only:  # a partial run: figures only
        for n, r in rows.items():
            print(n, [f"{x['gbs'] * 1e3:.0f} MB/s {x['cpu_per_gb']:.2f} s/GB" for x in r])
        return 0
    base = median_of(rows, "send() 1 MiB", "gbs")
    net = median_of(rows, "GNU Radio network.tcp_sink (null_source)", "gbs")
    lines = [
        "| sender (in the guest) | MB/s median (min–max) | guest CPU s/GB | × send() "
        "| × network.tcp_sink | zero-copy / kernel-copied bytes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for n, r in rows.items():
        gbs = median_of(rows, n, "gbs")
        zc = "n/a"
        if r[0]["zc"] is not None:
            zc = f"{r[-1]['zc']:,} / {r[-1]['copied']:,}"
        lines.append(
            f"| {n} | {med([x['gbs'] * 1e3 for x in r], '{:.0f}')} "
            f"| {med([x['cpu_per_gb'] for x in r], spread=False)} | {gbs / base:.2f} "
            f"| {gbs / net:.2f} | {zc} |"
        )
    table = "\n".join(lines)
    print(table)
    # The ring rows carry the device's counter from word 0 (a new owner starts it).
    bad = {n: x["mismatches"] for n, r in rows.items() if "zcdma0" in n for x in r}
    if any(bad.values()):
        sys.exit(f"bench/guest.py: counter mismatches at the receiver: {bad}")
    # What the reading notes say: over virtio-net the pages go out uncopied.
    for n in (
        "zcdma.tcp_sink zerocopy=on (/dev/zcdma0)",
        "zcdma.tcp_sink zerocopy=auto (/dev/zcdma0)",
    ):
        if any(not x["zc"] or x["copied"] for x in rows[n]):
            sys.exit(f"bench/guest.py: {n}: the kernel copied ({rows[n]})")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(
                MARKDOWN.format(
                    table=table,
                    mib=args.mib,
                    rounds=args.rounds,
                    kernel=vm.kernel_version(),
                    mismatch_note=MISMATCH_NOTE,
                )
            )
    return 0


MISMATCH_NOTE = (
    "Every receiver checks the counter pattern; the run fails if a row fed by "
    "/dev/zcdma0 saw a wrong word (the C senders repeat a 64 MiB buffer and "
    "null_source sends zeros, so theirs mismatch by design)."
)

MARKDOWN = """# Benchmarks in the QEMU guest

Generated by `MIB={mib} GUEST_ROUNDS={rounds} scripts/bench` (bench/guest.py);
do not edit by hand.

The kernel device /dev/zcdma0 (zcdma.ko over zcdma_sim.ko, lossless) inside
the tests/vm guest: Debian's {kernel} kernel under QEMU TCG (software
emulation, 2 vCPUs), a virtio-net NIC on a tap device; every sender streams
{mib} MiB to its own C discard receiver on the host side of the tap. {rounds}
round(s), rotating order. TCG makes every guest instruction expensive, copies
most of all, so compare the rows with each other, never with
docs/benchmarks.md.

{table}

Reading it:

- Here the NIC takes the pages: zcdma.tcp_sink's zero-copy completions come
  back with code 0 (the last column: bytes completed without a copy /
  bytes the kernel copied), unlike loopback. `auto` keeps zero copy on.
- The zcdma rows also pay for the software DMA engine (zcdma_sim.ko writes
  every byte of the counter pattern on a guest CPU, outside the sending
  process, so not in its CPU column); the send() rows send a pre-filled
  buffer and network.tcp_sink's null_source writes zeros.
- {mismatch_note}
"""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--mib", type=int, default=128, help="MiB per sender")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--markdown", help="write the table here")
    p.add_argument("--only", default="", help="contenders whose name contains this (no doc)")
    p.add_argument("--guest", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--status", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.guest:
        return guest_main(args.mib << 20, args.rounds, args.only, args.status)
    return host_main(args)


if __name__ == "__main__":
    sys.exit(main())
