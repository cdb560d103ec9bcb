#!/usr/bin/python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Boot a Debian kernel in QEMU with zcdma_sim.ko + zcdma.ko loaded and
the host's root shared read-only over 9p, run one command in a chroot of it,
and report its exit status and the guest's kernel log.

    tests/vm/vm.py [--kernel K] [--append "swiotlb=force"] [--rate 0] -- CMD...

--kernel picks the guest kernel: a release in /boot (Debian's stock one), a
release unpacked by tests/vm/debian-kernel (6.12) or a kernel build directory
(tests/vm/debug-kernel). Without it, the release kmod/zcdma.ko was built for.
The modules come from kmod/ when they match that release, else from
tests/vm/work/kmod/<release>/ (make -C kmod KDIR=... OUT=...), which the guest
then sees at kmod/'s path. The guest sees the host's files (build tree
included) at the same paths, with fresh tmpfs on /tmp, /run and /dev/shm.
Exit status: the command's, or 1 when the kernel log shows a WARNING, BUG,
Oops, a lockdep, KASAN or UBSAN report (printed either way).
"""

import argparse
import glob
import gzip
import lzma
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KMOD = os.path.join(ROOT, "kmod")
CACHE = os.environ.get("ZCDMA_VM_CACHE", os.path.join(ROOT, "tests/vm/work"))
# What the guest needs; modules.dep adds their dependencies (virtio_ring,
# netfs, failover...), and built-in ones are skipped.
BASE_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "virtio_net", "dummy"]
# The host root, read-only, as the guest's view of everything (DESIGN §6).
VIRTFS = "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
# WARN and lockdep splats start with "WARNING:", KASAN/KFENCE reports and
# sleeping-in-atomic with "BUG:"; DMA-API debugging reports through WARN.
BAD_LOG = re.compile(
    r"WARNING:|BUG[: ]|Oops|general protection|Call Trace|UBSAN|KASAN|KFENCE"
    r"|turning off the locking correctness validator|INFO: task .* blocked"
)


def kernel_log_problems(dmesg):
    """The lines of a guest kernel log that fail the run."""
    return [ln for ln in dmesg.splitlines() if BAD_LOG.search(ln)]


def vermagic_release(ko):
    out = subprocess.run(["modinfo", "-F", "vermagic", ko], capture_output=True, text=True)
    return out.stdout.split(" ", 1)[0].strip()


def kernel_version():
    """The release vm.py boots without --kernel: the one kmod/zcdma.ko is for."""
    return vermagic_release(os.path.join(KMOD, "zcdma.ko"))


def find_kernel(spec):
    """(release, kernel image, module tree) for --kernel SPEC."""
    if os.path.isfile(os.path.join(spec, "arch/x86/boot/bzImage")):  # a build tree
        with open(os.path.join(spec, "include/config/kernel.release")) as f:
            release = f.read().strip()
        return release, os.path.join(spec, "arch/x86/boot/bzImage"), spec
    for root in ("/", os.path.join(CACHE, "kernels", spec)):
        image = os.path.join(root, "boot", "vmlinuz-" + spec)
        if os.path.isfile(image):
            return spec, image, os.path.join(root, "lib/modules", spec)
    have = sorted(glob.glob("/boot/vmlinuz-*") + glob.glob(f"{CACHE}/kernels/*/boot/vmlinuz-*"))
    sys.exit(f"vm.py: no kernel {spec!r}; have: {' '.join(have) or 'none'}")


def guest_modules(modtree, wanted):
    """[(name, path)] to insmod in order: the dependencies from modules.dep
    first; built-in modules (modules.builtin) left out."""

    def name(path):
        return os.path.basename(path).split(".ko", 1)[0].replace("-", "_")

    def lines(fname):
        try:
            with open(os.path.join(modtree, fname)) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    builtin = {name(ln) for ln in lines("modules.builtin")}
    deps = {}
    for ln in lines("modules.dep"):
        mod, _, rest = ln.partition(":")
        deps[name(mod)] = (os.path.join(modtree, mod), rest.split())
    order = []
    for m in wanted:
        if m in builtin:
            continue
        if m not in deps:  # a build tree: no modules.dep, modules beside their sources
            found = glob.glob(f"{modtree}/**/{m}.ko", recursive=True)
            if not found:
                sys.exit(f"vm.py: module {m} neither built in nor found in {modtree}")
            deps[m] = (found[0], [])
        for d in reversed(deps[m][1]):
            if name(d) not in [n for n, _ in order]:
                order.append((name(d), os.path.join(modtree, d)))
        if m not in [n for n, _ in order]:
            order.append((m, deps[m][0]))
    return order


INIT = """#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in {modules}; do insmod /modules/$m.ko || echo "insmod $m failed"; done
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro hostroot /host || reboot -f
# Fresh tmpfs on /tmp and /run; the project tree stays visible even when
# it lives under one of them (a CI clone in /tmp).
mkdir -p /keep && mount -o bind /host{root} /keep
for d in tmp run dev/shm; do mount -t tmpfs tmpfs /host/$d; done
mkdir -p /host{root} 2>/dev/null; mount -o bind /keep /host{root}
{kmod_bind}
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
# devtmpfs has no shm directory: without it there was no /dev/shm at all.
mkdir -p /host/dev/shm
mount -t tmpfs tmpfs /host/dev/shm
ip link set lo up
{scratch}
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
reboot -f  # QEMU runs with -no-reboot: exits (no ACPI needed for poweroff)
"""


# The scratch disk: the only virtio-blk device, so /dev/vda; on the guest's
# fresh /tmp. Its probe can finish after insmod returns: wait for the node.
SCRATCH_DIR = "/tmp/zcdma-disk"
SCRATCH_MOUNT = f"""i=0; while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
mkdir -p /host{SCRATCH_DIR}
mount -t ext4 /dev/vda /host{SCRATCH_DIR} || echo 'zcdma-vm: scratch disk mount failed'"""


def make_scratch_disk(path, mib):
    """A sparse raw image with an empty ext4 (mkfs.ext4 from e2fsprogs)."""
    with open(path, "wb") as f:
        f.truncate(mib << 20)
    subprocess.run(
        ["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", path],
        check=True,
    )


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


def build_initramfs(work, modules, init_text):
    tree = os.path.join(work, "initramfs")
    shutil.rmtree(tree, ignore_errors=True)
    for d in ("bin", "proc", "sys", "dev", "modules", "host"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy("/usr/bin/busybox", os.path.join(tree, "bin/busybox"))
    for m, path in modules:
        opener = {".xz": lzma.open, ".gz": gzip.open}.get(os.path.splitext(path)[1], open)
        with opener(path, "rb") as src, open(os.path.join(tree, "modules", m + ".ko"), "wb") as dst:
            shutil.copyfileobj(src, dst)
    with open(os.path.join(tree, "init"), "w") as f:
        f.write(init_text)
    os.chmod(os.path.join(tree, "init"), 0o755)
    image = os.path.join(work, "initramfs.cpio.gz")
    pack = "find . | cpio -o -H newc --quiet | gzip -1"
    subprocess.run(f"{pack} > {shlex.quote(image)}", shell=True, check=True, cwd=tree)
    return image


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--kernel", help="release, unpacked release or build directory (see above)")
    p.add_argument("--kmod", help="directory with zcdma.ko, zcdma_sim.ko (default: see above)")
    p.add_argument("--append", default="", help="extra kernel command line")
    p.add_argument("--rate", default="0", help="zcdma_sim rate (bytes/s, 0 = lossless)")
    p.add_argument("--no-modules", action="store_true", help="do not load zcdma")
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for the command")
    p.add_argument("--netns", help="run QEMU inside this network namespace")
    p.add_argument("--tap", help="tap device for a virtio-net NIC")
    p.add_argument(
        "--scratch-disk",
        type=int,
        metavar="MIB",
        help="a fresh ext4 disk of MIB MiB on virtio-blk, mounted at /tmp/zcdma-disk "
        "(ZCDMA_TEST_DISK in the command's environment)",
    )
    p.add_argument("--memory", default="2048")
    p.add_argument("--timeout", type=int, default=900)
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    args = p.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        p.error("no command")

    in_tree = os.path.join(KMOD, "zcdma.ko")
    if not args.kernel and not os.path.exists(in_tree):
        sys.exit(f"vm.py: {in_tree} missing: run make -C kmod")
    release, image, modtree = find_kernel(args.kernel or kernel_version())
    kmod = args.kmod
    if not kmod:
        same = os.path.exists(in_tree) and vermagic_release(in_tree) == release
        kmod = KMOD if same else os.path.join(CACHE, "kmod", release)
    kmod = os.path.abspath(kmod)
    for ko in ("zcdma.ko", "zcdma_sim.ko"):
        path = os.path.join(kmod, ko)
        if not os.path.exists(path) or vermagic_release(path) != release:
            sys.exit(f"vm.py: no {ko} for {release} in {kmod}: "
                     f"make -C kmod KDIR=<its headers or build dir> OUT={kmod}")  # fmt: skip
    # Tests find the modules at kmod/'s path (load-cycles, the pfnmap module).
    kmod_bind = f"mount -o bind /host{kmod} /host{KMOD}" if kmod != KMOD else ""
    insmod = ""
    if not args.no_modules:
        insmod = (
            f"insmod /host{KMOD}/zcdma_sim.ko rate={shlex.quote(args.rate)} && "
            f"insmod /host{KMOD}/zcdma.ko || echo 'zcdma: insmod failed'"
        )
    wanted = BASE_MODULES
    scratch = ""
    if args.scratch_disk:
        # ext4 checksums its metadata with crc32c: loaded, not requested.
        wanted = BASE_MODULES + ["virtio_blk", "crc32c_generic", "ext4"]
        scratch = SCRATCH_MOUNT
        args.env.append(f"ZCDMA_TEST_DISK={SCRATCH_DIR}")
    modules = guest_modules(modtree, wanted)
    env = " ".join(shlex.quote(e) for e in args.env)
    init = INIT.format(
        root=ROOT,
        modules=" ".join(m for m, _ in modules),
        kmod_bind=kmod_bind,
        scratch=scratch,
        insmod=insmod,
        env=env,
        cmd=shlex.quote(" ".join(shlex.quote(c) for c in cmd)),
        timeout=max(args.timeout - 180, 60),
    )
    work = os.path.join(ROOT, "tests/vm/work")
    os.makedirs(work, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        initrd = build_initramfs(tmp, modules, init)
        qemu = [
            "qemu-system-x86_64",
            "-accel", "kvm" if kvm_usable() else "tcg",
            "-m", args.memory,
            "-smp", "2",
            "-cpu", os.environ.get("ZCDMA_VM_CPU", "host" if kvm_usable() else "max"),
            "-nographic",
            "-no-reboot",
            "-kernel", image,
            "-initrd", initrd,
            "-append", f"console=ttyS0 panic=-1 quiet loglevel=4 {args.append}",
            "-virtfs", VIRTFS,
        ]  # fmt: skip
        if args.scratch_disk:
            disk = os.path.join(tmp, "scratch.img")
            make_scratch_disk(disk, args.scratch_disk)
            qemu += ["-drive", f"file={disk},format=raw,if=virtio,cache=none"]
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
    bad = kernel_log_problems(dmesg)
    if not m:
        print(log[-4000:])
        print("vm.py: the guest did not finish", file=sys.stderr)
        return 1
    zc = [ln for ln in dmesg.splitlines() if "zcdma" in ln]
    print(f"--- guest kernel {release} log (zcdma):\n" + "\n".join(zc[-20:]))
    if bad:
        print("--- guest kernel log problems:\n" + "\n".join(bad), file=sys.stderr)
        print(dmesg[-6000:], file=sys.stderr)
        return 1
    return int(m.group(1))


if __name__ == "__main__":
    sys.exit(main())
