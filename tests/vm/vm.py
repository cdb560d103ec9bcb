#!/usr/bin/python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Boot Debian's stock kernel in QEMU with zcdma_sim.ko + zcdma.ko loaded and
the host's root shared read-only over 9p, run one command in a chroot of it,
and report its exit status and the guest's kernel log.

    tests/vm/vm.py [--append "swiotlb=force"] [--rate 0] -- CMD...

The guest sees the host's files (build tree included) at the same paths, with
fresh tmpfs on /tmp, /run and /dev/shm. Exit status: the command's, or 1 when
the kernel log shows a WARNING, BUG or Oops (printed either way).
"""

import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KMOD = os.path.join(ROOT, "kmod")
BASE_MODULES = [
    "virtio_ring",
    "virtio",
    "virtio_pci_modern_dev",
    "virtio_pci_legacy_dev",
    "virtio_pci",
    "netfs",
    "fscache",
    "9pnet",
    "9pnet_virtio",
    "9p",
    "failover",
    "net_failover",
    "virtio_net",
    "dummy",
]
# The host root, read-only, as the guest's view of everything (DESIGN §6).
VIRTFS = "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
BAD_LOG = re.compile(r"WARNING:|BUG[: ]|Oops|general protection|Call Trace|UBSAN|KASAN")


def kernel_version():
    kernels = sorted(glob.glob("/boot/vmlinuz-*-amd64"))
    if not kernels:
        sys.exit("vm.py: no /boot/vmlinuz-*-amd64 (apt-get install linux-image-amd64)")
    return kernels[-1].split("vmlinuz-", 1)[1]


INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in {modules}; do insmod /modules/$m.ko || echo "insmod $m failed"; done
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro hostroot /host || poweroff -f
# Fresh tmpfs on /tmp and /run; the project tree stays visible even when
# it lives under one of them (a CI clone in /tmp).
mkdir -p /keep && mount -o bind /host{root} /keep
for d in tmp run dev/shm; do mount -t tmpfs tmpfs /host/$d; done
mkdir -p /host{root} 2>/dev/null; mount -o bind /keep /host{root}
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mount -t tmpfs tmpfs /host/dev/shm
ip link set lo up
{insmod}
echo "=== zcdma-vm: running"
chroot /host /usr/bin/env -i HOME=/tmp PATH=/usr/sbin:/usr/bin:/sbin:/bin \\
    {env} /bin/sh -c {cmd} </dev/null &
# A command stuck in the kernel (D state after an oops) cannot be killed:
# give up on it after {timeout} s and still report the kernel log.
pid=$! end=$(($(date +%s) + {timeout}))
while kill -0 $pid 2>/dev/null && [ "$(date +%s)" -lt $end ]; do sleep 1; done
if kill -0 $pid 2>/dev/null; then
    echo "=== zcdma-vm: command still running after {timeout} s"
    echo w >/proc/sysrq-trigger
    rc=124
else
    wait $pid
    rc=$?
fi
echo "=== zcdma-vm: dmesg"
dmesg
echo "=== zcdma-vm: rc=$rc"
poweroff -f
"""


def kvm_usable():
    """TCG unless ZCDMA_VM_ACCEL=kvm and /dev/kvm opens (nested KVM on these
    machines rejects QEMU's CPU models; TCG boots in seconds anyway)."""
    if os.environ.get("ZCDMA_VM_ACCEL") != "kvm":
        return False
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return True
    except OSError:
        return False


def build_initramfs(work, kver, init_text):
    tree = os.path.join(work, "initramfs")
    shutil.rmtree(tree, ignore_errors=True)
    for d in ("bin", "proc", "sys", "dev", "modules", "host"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy("/usr/bin/busybox", os.path.join(tree, "bin/busybox"))
    for m in BASE_MODULES:
        found = glob.glob(f"/lib/modules/{kver}/kernel/**/{m}.ko", recursive=True)
        if not found:
            sys.exit(f"vm.py: module {m} not found for {kver}")
        shutil.copy(found[0], os.path.join(tree, "modules", m + ".ko"))
    with open(os.path.join(tree, "init"), "w") as f:
        f.write(init_text)
    os.chmod(os.path.join(tree, "init"), 0o755)
    image = os.path.join(work, "initramfs.cpio.gz")
    pack = "find . | cpio -o -H newc --quiet | gzip -1"
    subprocess.run(f"{pack} > {shlex.quote(image)}", shell=True, check=True, cwd=tree)
    return image


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--append", default="", help="extra kernel command line")
    p.add_argument("--rate", default="0", help="zcdma_sim rate (bytes/s, 0 = lossless)")
    p.add_argument("--no-modules", action="store_true", help="do not load zcdma")
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for the command")
    p.add_argument("--netns", help="run QEMU inside this network namespace")
    p.add_argument("--tap", help="tap device for a virtio-net NIC")
    p.add_argument("--memory", default="2048")
    p.add_argument("--timeout", type=int, default=900)
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    args = p.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        p.error("no command")

    kver = kernel_version()
    for ko in ("zcdma.ko", "zcdma_sim.ko"):
        if not os.path.exists(os.path.join(KMOD, ko)):
            sys.exit(f"vm.py: {KMOD}/{ko} missing: run make -C kmod")
    insmod = ""
    if not args.no_modules:
        insmod = (
            f"insmod /host{KMOD}/zcdma_sim.ko rate={shlex.quote(args.rate)} && "
            f"insmod /host{KMOD}/zcdma.ko || echo 'zcdma: insmod failed'"
        )
    env = " ".join(shlex.quote(e) for e in args.env)
    init = INIT.format(
        root=ROOT,
        modules=" ".join(BASE_MODULES),
        insmod=insmod,
        env=env,
        cmd=shlex.quote(" ".join(shlex.quote(c) for c in cmd)),
        timeout=max(args.timeout - 180, 60),
    )
    work = os.path.join(ROOT, "tests/vm/work")
    os.makedirs(work, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        image = build_initramfs(tmp, kver, init)
        qemu = [
            "qemu-system-x86_64",
            "-accel", "kvm" if kvm_usable() else "tcg",
            "-m", args.memory,
            "-smp", "2",
            "-cpu", os.environ.get("ZCDMA_VM_CPU", "host" if kvm_usable() else "max"),
            "-nographic",
            "-no-reboot",
            "-kernel", f"/boot/vmlinuz-{kver}",
            "-initrd", image,
            "-append", f"console=ttyS0 panic=-1 quiet loglevel=4 {args.append}",
            "-virtfs", VIRTFS,
        ]  # fmt: skip
        if args.tap:
            qemu += [
                "-netdev", f"tap,id=n0,ifname={args.tap},script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=n0",
            ]  # fmt: skip
        if args.netns:
            qemu = ["ip", "netns", "exec", args.netns] + qemu
        try:
            out = subprocess.run(
                qemu, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                errors="replace", timeout=args.timeout,
            )  # fmt: skip
            log = out.stdout + out.stderr
        except subprocess.TimeoutExpired as e:
            log = "".join(x.decode(errors="replace") if isinstance(x, bytes) else x or ""
                          for x in (e.stdout, e.stderr))  # fmt: skip
            print(log[-8000:])
            print(f"vm.py: QEMU killed after {args.timeout} s", file=sys.stderr)
            return 1
    m = re.search(r"=== zcdma-vm: rc=(\d+)", log)
    running = log.split("=== zcdma-vm: running", 1)[-1]
    body, _, dmesg = running.partition("=== zcdma-vm: dmesg")
    print(body.strip())
    bad = [ln for ln in dmesg.splitlines() if BAD_LOG.search(ln)]
    if not m:
        print(log[-4000:])
        print("vm.py: the guest did not finish", file=sys.stderr)
        return 1
    zc = [ln for ln in dmesg.splitlines() if "zcdma" in ln]
    print("--- guest kernel log (zcdma):\n" + "\n".join(zc[-20:]))
    if bad:
        print("--- guest kernel log problems:\n" + "\n".join(bad), file=sys.stderr)
        print(dmesg[-6000:], file=sys.stderr)
        return 1
    return int(m.group(1))


if __name__ == "__main__":
    sys.exit(main())
