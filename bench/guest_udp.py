#!/usr/bin/python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""UDP senders in the QEMU guest over virtio-net, side by side in one boot:
every sender runs in the guest and streams datagrams to a C receiver
(bench/udp_receiver.c) on the host side of a tap device in a network
namespace this script makes; adds the UDP section of
docs/benchmarks-guest.md (after bench/guest.py wrote the file).

    bench/guest_udp.py [--mib 64] [--rounds 1] [--pin] [--markdown docs/benchmarks-guest.md]

Needs root (netns, tap), kmod/ built and build/ built (scripts/bench does
both). The tap and the guest's eth0 get MTU 9000, so 8968-byte payloads
(the issue's jumbo size) go out unfragmented; a smaller path MTU shrinks
the payload to the largest that fits.

The 9p root the guest sees is read-only, so the guest asks for each receiver
over a TCP control connection to a coordinator in the namespace (this file
with --serve): "hold PORT" (the coordinator binds the port, so the sender's
first datagrams meet a socket, not an ICMP port unreachable), then, once the
sender streams, "go PORT" (the coordinator hands the port to udp_receiver
and answers with its summary line when --mib MiB arrived).

--pin moves the guest's virtio-net interrupts to CPU 0 and runs every sender
on the last CPU: the C loops under taskset, every block of a flowgraph with
set_processor_affinity (zcdma_sim.ko's engine thread stays the scheduler's).
Unpinned, a sender that lands on the interrupt CPU runs at half speed, and
the table's medians swing with it (docs/performance.md). Its table is a
section of its own.
"""

import argparse
import json
import os
import re
import shlex
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, os.path.join(ROOT, "tests/vm")]
import vm  # noqa: E402  (tests/vm/vm.py: the kernel the guest boots)
from run import GrSender, med, replace_section, rotation  # noqa: E402
from tap_netns import tap_namespace  # noqa: E402

BIN = os.path.join(ROOT, "build/bench")
PY = "/usr/bin/python3"  # GNU Radio's
HOST_IP, GUEST_IP, CTRL_PORT, BASE_PORT = "169.254.78.1", "169.254.78.2", 5599, 5700
MTU = 9000
DEVICE = "/dev/zcdma0:nbufs=64,bufsize=262144"  # udp_sender --ring configures the same

CEILING = "C sendmsg + UDP_SEGMENT + MSG_ZEROCOPY (ceiling)"
RING_CEILING = "C sendmsg + UDP_SEGMENT + MSG_ZEROCOPY fed by /dev/zcdma0"
NETWORK = "GNU Radio network.udp_sink (null_source)"
RING = "network.udp_sink fed by /dev/zcdma0"
# name: ("c", udp_sender flags) or ("gr", senders.py kind)
CONTENDERS = {
    CEILING: ("c", ["--gso", "--zerocopy"]),
    RING_CEILING: ("c", ["--gso", "--zerocopy", "--ring", "/dev/zcdma0"]),
    "C sendmsg + UDP_SEGMENT": ("c", ["--gso"]),
    NETWORK: ("gr", "udp-network"),
    RING: ("gr", "udp-network-ring"),
}
for _gso in ("gso", "nogso"):
    for _mode in ("on", "off", "auto"):
        _name = f"zcdma.udp_sink gso={'on' if _gso == 'gso' else 'off'} zerocopy={_mode}"
        CONTENDERS[_name + " (/dev/zcdma0)"] = ("gr", f"udp-zcdma-{_gso}-{_mode}")
# What the block's 4 MiB SO_SNDBUF request is worth (the C senders ask for it too).
CONTENDERS["zcdma.udp_sink gso=on zerocopy=auto send_buffer=0 (kernel default, /dev/zcdma0)"] = (
    "gr",
    "udp-zcdma-gso-auto-sndbuf0",
)

# The block and the ring-fed C loop with zcdma_sim.ko writing nothing
# (fill=0): the same driver, ring, ACQUIRE/RELEASE and pages, but DMA that
# costs the guest's CPUs nothing, as on hardware. Their receivers cannot
# check the counter (the pages keep whatever the last lap wrote).
NOFILL = " (/dev/zcdma0, sim fill=0)"
RING_CEILING_NOFILL = CEILING.replace(" (ceiling)", NOFILL)
CONTENDERS[RING_CEILING_NOFILL] = CONTENDERS[RING_CEILING]
BLOCK_NOFILL = "zcdma.udp_sink gso=on zerocopy=auto" + NOFILL
CONTENDERS[BLOCK_NOFILL] = ("gr", "udp-zcdma-gso-auto")

BEGIN = "<!-- bench/guest_udp.py: begin -->"
END = "<!-- bench/guest_udp.py: end -->"
BEGIN_PIN = "<!-- bench/guest_udp.py --pin: begin -->"
END_PIN = "<!-- bench/guest_udp.py --pin: end -->"


def schedule(rounds, only=""):
    """(round, name, port) in run order; every run has its own port."""
    names = [n for n in CONTENDERS if re.search(only, n)]
    return [(r, n, BASE_PORT + i) for i, (r, n) in enumerate(rotation(names, rounds))]


# ------------------------------------------------- coordinator (in the netns)


def serve(nbytes):
    ctrl = socket.create_server((HOST_IP, CTRL_PORT))
    print("listening", flush=True)
    conn, _ = ctrl.accept()
    held = {}
    with conn, conn.makefile("rw") as f:
        for line in f:
            cmd, port, *check = line.split()
            port = int(port)
            if cmd == "hold":
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind((HOST_IP, port))
                held[port] = s
                f.write("held\n")
            elif cmd == "go":
                held.pop(port).close()
                rx = subprocess.Popen(
                    [
                        f"{BIN}/udp_receiver",
                        *(["--counter"] if check else []),
                        str(nbytes),
                        HOST_IP,
                        str(port),
                    ],  # fmt: skip
                    stdout=subprocess.PIPE,
                    text=True,
                )
                rx.stdout.readline()  # "port N": bound
                summary = rx.stdout.readline().strip()
                rx.wait()
                f.write(f"done {summary}\n")
            f.flush()
    return 0


# ---------------------------------------------------------------- guest side


def pin_interrupts():
    """--pin: eth0's virtio interrupts to CPU 0; the CPU for the senders."""
    cpu = max(os.sched_getaffinity(0))
    if cpu < 1:
        sys.exit("bench/guest_udp.py: --pin needs 2 guest CPUs")
    # /sys/class/net/eth0/device is the virtio device (virtioN): its queues'
    # interrupts are named virtioN-input.0, virtioN-output.0, virtioN-config.
    dev = os.path.basename(os.path.realpath("/sys/class/net/eth0/device"))
    irqs = [
        ln.split(":")[0].strip()
        for ln in open("/proc/interrupts")
        if re.search(rf"\b{re.escape(dev)}-", ln)
    ]
    if not irqs:
        sys.exit(f"bench/guest_udp.py: --pin: no interrupts of {dev} (eth0) in /proc/interrupts")
    for irq in irqs:
        path = f"/proc/irq/{irq}/smp_affinity_list"
        try:
            with open(path, "w") as f:
                f.write("0")
            got = open(path).read().strip()
        except OSError as e:
            sys.exit(f"bench/guest_udp.py: --pin: {path}: {e}")
        if got != "0":
            sys.exit(f"bench/guest_udp.py: --pin: interrupt {irq} stays on CPUs {got}")
    print(f"pinned: {dev}'s interrupts {irqs} on CPU 0, senders on CPU {cpu}", flush=True)
    return cpu


def guest_main(nbytes, rounds, only, pin):
    mtu = int(open("/sys/class/net/eth0/mtu").read())
    payload = min(8968, (mtu - 28) // 8 * 8)  # IPv4 + UDP headers; whole items
    print(f"payload {payload} mtu {mtu}", flush=True)
    env = dict(os.environ, ZCDMA_BENCH_HOST=HOST_IP, ZCDMA_BENCH_DEVICE=DEVICE)
    taskset = []
    if pin:
        cpu = pin_interrupts()
        env["ZCDMA_BENCH_CPU"] = str(cpu)
        taskset = ["taskset", "-c", str(cpu)]
    env["ZCDMA_BENCH_UDP_PAYLOAD"] = str(payload)
    env["GR_CONF_LOG_LOG_LEVEL"] = "error"
    for _ in range(100):  # the coordinator is up before the guest boots; the link may lag
        try:
            ctrl = socket.create_connection((HOST_IP, CTRL_PORT), timeout=900)
            break
        except OSError:
            time.sleep(0.1)
    f = ctrl.makefile("rw")

    def ask(cmd, port, check=False):
        f.write(f"{cmd} {port}{' check' if check else ''}\n")
        f.flush()
        return f.readline().split()

    for r, name, port in schedule(rounds, only):
        kind, arg = CONTENDERS[name]
        figures = {"name": name, "round": r, "port": port, "payload": payload, "error": None}
        ask("hold", port)
        # The receiver checks the ring's counter pattern, if the sim writes it.
        ring, fill = "/dev/zcdma0" in name, NOFILL not in name
        check = ring and fill
        if ring:
            sim_fill(fill)
        if kind == "c":
            tx = subprocess.Popen(
                [*taskset, f"{BIN}/udp_sender", *arg, str(port), str(payload), "0", HOST_IP],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            figures["summary"] = ask("go", port, check)[1:]
            tx.terminate()
            out, err = tx.communicate()
            fields = out.split()
            ok = tx.returncode == 0 and fields[:1] == ["cpu"]
            figures["cpu"] = float(fields[1]) if ok else None
            figures["error"] = None if ok else f"udp_sender: {err.strip()[-200:]}"
        else:
            sender = GrSender(arg, port, env, stderr=subprocess.DEVNULL)
            sender.wait_started()
            figures["summary"] = ask("go", port, check)[1:]
            data = sender.stop()
            figures["cpu"] = data["cpu"] if data else None
            figures["stats"] = data["stats"] if data else {}
            figures["threads"] = data.get("threads") if data else None
            figures["error"] = None if data else f"senders.py exit {sender.proc.returncode}"
        print("result " + json.dumps(figures), flush=True)
    return 0


def sim_fill(on):
    try:
        with open("/sys/module/zcdma_sim/parameters/fill", "w") as f:
            f.write("1" if on else "0")
    except FileNotFoundError:
        sys.exit("bench/guest_udp.py: zcdma_sim.ko has no fill parameter: rebuild kmod/")


# ----------------------------------------------------------------- host side


def host_main(args):
    nbytes = args.mib << 20
    ns = f"zcdma-udpbench-{os.getpid()}"
    coordinator = None
    with tap_namespace(ns, HOST_IP, mtu=MTU):
        try:
            coordinator = subprocess.Popen(
                ["ip", "netns", "exec", ns, PY, "-B", os.path.abspath(__file__), "--serve",
                 "--mib", str(args.mib)],
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            if coordinator.stdout.readline().strip() != "listening":
                sys.exit("bench/guest_udp.py: the coordinator did not start")
            guest = (
                f"ip link set eth0 mtu {MTU} && ip link set eth0 up && "
                f"ip addr add {GUEST_IP}/24 dev eth0 && "
                f"{PY} -B {HERE}/guest_udp.py --guest --mib {args.mib} --rounds {args.rounds} "
                f"--only {shlex.quote(args.only)}{' --pin' if args.pin else ''}"
            )
            qemu = subprocess.Popen(
                [f"{ROOT}/tests/vm/vm.py", "--netns", ns, "--tap", "tap0",
                 "--env", f"PYTHONPATH={ROOT}/build/test_modules", "--timeout", str(args.timeout),
                 "--", "sh", "-c", guest],
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            lines = []
            for line in qemu.stdout:  # progress as it comes
                lines.append(line)
                print(line, end="", file=sys.stderr, flush=True)
            qemu.wait()
        finally:
            if coordinator is not None:
                coordinator.kill()
                coordinator.wait()
    results = [json.loads(ln[7:]) for ln in lines if ln.startswith("result ")]
    if qemu.returncode != 0 or len(results) != len(schedule(args.rounds, args.only)):
        sys.exit(f"bench/guest_udp.py: the guest failed (rc {qemu.returncode})")
    return report(results, nbytes, args)


def report(results, nbytes, args):
    rows = {n: [] for n in CONTENDERS if re.search(args.only, n)}
    failures = {}
    for res in results:
        s = res.get("summary") or []
        bad = s[7] if len(s) > 7 and s[6] == "bad" else "0"
        # Stock network.udp_sink is a contender, not ours to fail: its broken
        # counter is reported (see the notes under the table).
        if res["error"] or len(s) < 4 or int(s[1]) < nbytes or (bad != "0" and res["name"] != RING):
            failures[res["name"]] = f"{res['error'] or ''} receiver {' '.join(s)}".strip()
            continue
        got, seconds = int(s[1]), float(s[3])
        st = res.get("stats") or {}
        rows[res["name"]].append(
            {
                "gbs": got / seconds / 1e9,
                "cpu_per_gb": res["cpu"] / (got / 1e9),
                "payload": st.get("payload_bytes"),
                "zc": st.get("zerocopy_bytes"),
                "copied": st.get("copied_bytes"),
                "bad": f"{int(bad):,} of {int(s[5]):,}" if bad != "0" else None,
                # CPU s/GB of each GNU Radio thread (bench/senders.py names them)
                "threads": {t: c / (got / 1e9) for t, c in (res.get("threads") or {}).items()},
            }
        )

    def m(n):  # the median the table shows
        vals = [x["gbs"] for x in rows.get(n, [])]
        return statistics.median(vals) if vals else float("nan")

    ceiling, ring_ceiling, net, ring = m(CEILING), m(RING_CEILING), m(NETWORK), m(RING)
    lines = [
        "| sender (in the guest) | GB/s delivered median (min–max) | guest CPU s/GB delivered "
        "| × C GSO + MSG_ZEROCOPY | × the same C loop fed by /dev/zcdma0 | × network.udp_sink "
        "| zero-copy bytes completed without COPIED |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for n, r in rows.items():
        if n in failures:
            lines.append(f"| {n} | failed: {failures[n][:160].replace('|', '/')} | | | | | |")
            continue
        zc = "n/a"
        last = r[-1]
        bad_runs = [x["bad"] for x in r if x["bad"]]
        if bad_runs:
            zc = f"n/a; counter broken in {' / '.join(sorted(set(bad_runs)))} datagrams per run"
        if last["zc"] is not None:
            sent_zc = last["zc"] + last["copied"]
            zc = (
                f"{last['zc'] / sent_zc:.3f} ({last['zc']:,} of {sent_zc:,} B)"
                if sent_zc
                else "0 (no zero-copy sends)"
            )
        lines.append(
            f"| {n} | {med([x['gbs'] for x in r], '{:.3f}')} "
            f"| {med([x['cpu_per_gb'] for x in r], spread=False)} "
            f"| {m(n) / ceiling:.2f} | {m(n) / ring_ceiling:.2f} | {m(n) / net:.2f} | {zc} |"
        )
    table = "\n".join(lines)
    zcdma = [
        n
        for n in rows
        if n.startswith("zcdma") and "/dev/zcdma0" in n and NOFILL not in n and rows[n]
    ]
    summary = "no zcdma.udp_sink row finished"
    if zcdma:
        best = max(zcdma, key=m)
        g = m(best)
        summary = (
            f"{best}: {g:.3f} GB/s = {g / ceiling:.2f} × the C GSO + MSG_ZEROCOPY loop "
            f"(target ≥ 0.9), {g / ring_ceiling:.2f} × that loop fed by the same ring, "
            f"{g / net:.2f} × null_source → network.udp_sink (target ≥ 5), "
            f"{g / ring:.2f} × network.udp_sink on the same ring"
        )
        if rows.get(BLOCK_NOFILL):
            summary += (
                f"; with DMA that costs no CPU (sim fill=0) {m(BLOCK_NOFILL):.3f} GB/s = "
                f"{m(BLOCK_NOFILL) / ceiling:.2f} × the memfd loop, "
                f"{m(BLOCK_NOFILL) / m(RING_CEILING_NOFILL):.2f} × the ring-fed loop with fill=0"
            )
        threads = {}
        for x in rows[best]:
            for t, c in x["threads"].items():
                threads.setdefault(t, []).append(c)
        if threads:
            summary += "; its CPU s/GB by thread (median): " + ", ".join(
                f"{t} {statistics.median(c):.2f}" for t, c in sorted(threads.items())
            )
    print(table, "summary: " + summary, sep="\n\n")
    if args.markdown and not args.only:
        payload = results[0]["payload"]
        begin, end = (BEGIN_PIN, END_PIN) if args.pin else (BEGIN, END)
        section = (MARKDOWN_PIN if args.pin else MARKDOWN).format(
            begin=begin,
            end=end,
            mib=args.mib,
            rounds=args.rounds,
            payload=payload,
            mtu=MTU,
            table=table,
            summary=summary,
            kernel=vm.kernel_version(),
            gso_segs=65000 // payload,
            sndbuf=sndbuf_granted(results),
        )
        replace_section(args.markdown, begin, end, section)
    return 1 if failures else 0


def sndbuf_granted(results):
    rs = [r for r in results if r.get("stats") and "send_buffer=0" not in r["name"]]
    got = {r["stats"].get("send_buffer_bytes") for r in rs} - {None}
    return ", ".join(f"{g:,}" for g in sorted(got)) or "n/a"


MARKDOWN = """{begin}
## UDP: {mib} MiB delivered per sender, {payload}-byte datagrams, virtio-net

Generated by `bench/guest_udp.py --mib {mib} --rounds {rounds}` (run by
scripts/bench after bench/guest.py, same GUEST switch); do not edit by hand.

The same guest (Debian's {kernel} kernel under QEMU TCG, 2 vCPUs): every
sender runs in the guest and streams {payload}-byte datagrams (no header;
MTU {mtu} on the tap and on the guest's eth0, so nothing is fragmented)
over virtio-net to bench/udp_receiver.c on the host side of the tap, which
counts what arrives until {mib} MiB did and, for the rows fed by
/dev/zcdma0, checks the counter pattern (every datagram consecutive words
past the previous one: a slot reused before its send completed would show;
a row with a bad datagram fails). {rounds} round(s), rotating order.
GB/s is what the receiver got, timed from its first datagram; CPU is the
sending process's user + sys in the guest per GB delivered (datagrams lost
on the way cost it too).

{table}

**{summary}**

- The zcdma rows and "network.udp_sink fed by /dev/zcdma0" read the kernel
  device (zcdma.ko over zcdma_sim.ko, lossless, not real time); the software
  DMA engine writes every byte on a guest CPU outside the sending process,
  so that cost is in neither CPU column but does share the 2 vCPUs.
  network.udp_sink is otherwise fed by null_source; the C senders send a
  pre-filled 64 MiB memfd buffer, as many datagrams per UDP_SEGMENT
  sendmsg() as fit in one 64 KiB GSO packet ({gso_segs} of {payload} bytes), as
  zcdma.udp_sink does. zcdma.udp_sink's window is its input, the 16 MiB ring.
- Socket buffer: the C senders and zcdma.udp_sink ask for a 4 MiB SO_SNDBUF
  (the guest's net.core.wmem_max grants {sndbuf} bytes); the
  `send_buffer=0` row keeps the kernel's default (net.core.wmem_default).
- Two ceilings. The C loop sending a pre-filled memfd buffer has no
  producer at all. The same loop fed by /dev/zcdma0 (`udp_sender --ring`)
  does exactly the block's job: it pays what every zcdma row pays for its
  source (the software DMA engine writing every byte on a guest CPU,
  ACQUIRE/RELEASE, and the 16 MiB ring as its window where the memfd loop
  has 64 MiB), so it isolates what the GNU Radio block costs.
- The two "sim fill=0" rows run the same driver, ring, ioctls and pages
  with zcdma_sim.ko writing nothing (its `fill` parameter), as a hardware
  DMA engine costs the CPUs nothing; their receivers cannot check the
  counter. Writing the pattern is much of the block's gap to the memfd loop:
  in one 6-round side-by-side run the block went from 0.32 to 0.46 GB/s
  without it (the ring-fed C loop from 0.39 to 0.40). Against the memfd
  loop, four runs of 6–8 rounds of 512 MiB
  (`--mib 512 --rounds 8 --only 'zerocopy=auto \\(/dev/zcdma0, sim
  fill=0|\\(ceiling\\)'`) gave ratios of the medians of 0.96, 0.60, 0.79
  and 0.99; over those 30 rounds and this table's 5 the block's ratio to
  the memfd loop within a round ranged 0.42–2.0, median 0.82.
  The rest is the summary's per-thread figures: the sink's own thread
  costs about what the whole C loop does; the source's thread and GNU
  Radio's scheduler come on top, on 2 vCPUs that share 2 host cores with
  QEMU's I/O thread and the receiver, so every guest CPU second slows the
  virtio-net path the bytes leave by. On the host's loopback, where CPUs
  are not that scarce, zcdma.udp_sink matches the memfd loop
  (docs/benchmarks.md, UDP section).
- How far apart the two ceilings are moves from run to run: the memfd loop
  was bimodal in our runs (about 0.35 or about 0.65–0.75 GB/s per run; its
  max/min 3.4× in one table against about 2× for the ring-fed loop and the
  block): it runs either on CPU 0, which takes the virtio-net interrupts
  (pinned there: 0.32 GB/s), or on CPU 1 (pinned there: 0.66–0.68 in four
  runs); docs/performance.md has the pinned runs of every sender, and the
  pinned table below (`--pin`) runs them all placed. Its 64 MiB
  window is not why it is faster: the same loop with a
  16 MiB window (the ring's size; an experiment, not a row) gave a median of
  0.64 against 0.38 for 64 MiB in the same 8 rounds. Judge the block against
  the ring-fed loop side by side, not from one table: 8 rounds of 512 MiB
  (`--mib 512 --rounds 8 --only '^C sendmsg .*fed by /dev/zcdma0$|gso=on
  zerocopy=auto \\(/dev'`) gave ratios of the medians of 0.85–1.07 in eight
  runs, 0.91 their median; within a round the ratio was 0.66–1.13 and its
  median 1.00 over the last three runs' 24 rounds (0.85 and 0.87 in two
  runs before the sink sent one iovec per GSO send).
- "network.udp_sink fed by /dev/zcdma0" delivers a broken counter in the
  guest (last column). GNU Radio's network.udp_sink (gr-network
  udp_sink_impl.cc, work()) queues every input item it is given but reports
  only whole datagrams' worth as consumed. Input beyond its local queue
  (1500 datagrams, 13.4 MB here) is discarded first. Either way some items
  are presented again and queued twice. In the guest the 16 MiB ring is full
  before the sink's first call, and the counter stays broken from then on.
  On the host the same flowgraph delivered it intact (64 MiB checked by
  hand). Its GB/s counts bytes, not correct data.
- Last column: of the bytes a zcdma.udp_sink sent with MSG_ZEROCOPY, the
  fraction whose completion came back without SO_EE_CODE_ZEROCOPY_COPIED
  (the NIC took the pages); `zerocopy=off` sends none. The C ceiling does
  not count its completion codes.
- The Linux 6.1 virtio-net driver has no UDP segmentation offload, so with
  GSO the guest kernel segments in software (no copy: the segments share
  the pages) before the frames reach the virtqueue.
{end}
"""


MARKDOWN_PIN = """{begin}
## UDP, pinned: {mib} MiB delivered per sender, {payload}-byte datagrams, virtio-net

Generated by `bench/guest_udp.py --pin --mib {mib} --rounds {rounds}` (run by
scripts/bench after the unpinned table); do not edit by hand.

The same senders, receiver and checks as the unpinned table above, but
placed: the guest's virtio-net interrupts on CPU 0, every sender on CPU 1
(the C loops with taskset; both threads of a GNU Radio flowgraph with
set_processor_affinity). zcdma_sim.ko's engine thread stays the
scheduler's. A GNU Radio sender thus has its source and its sink on one
CPU, where the C loop is one thread. The notes under the unpinned table
hold here too. {rounds} round(s), rotating order. The guest kernel is
Debian's {kernel}, with net.core.wmem_max granting {sndbuf} bytes.

{table}

**{summary}**
{end}
"""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--mib", type=int, default=64, help="MiB delivered per sender")
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--markdown", help="replace (or append) the UDP section of this file")
    p.add_argument("--timeout", type=int, default=3000, help="seconds for the whole guest")
    p.add_argument("--only", default="", help="contenders matching this regex (no doc)")
    p.add_argument("--pin", action="store_true", help="senders on CPU 1, interrupts on CPU 0")
    p.add_argument("--guest", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        return serve(args.mib << 20)
    if args.guest:
        return guest_main(args.mib << 20, args.rounds, args.only, args.pin)
    return host_main(args)


if __name__ == "__main__":
    sys.exit(main())
