#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma.ko under concurrency and at its limits, inside the QEMU guest
(run with init_on_free=1 slub_debug=FZP so that a use after free faults):
threaded RELEASE/ACQUIRE/sysfs against CONFIG/START/STOP, ioctls against
unbind and rmmod, close with a live mapping, an ACQUIRE whose copy-out
faults, the ring size cap, read-only files and the module parameters.

Each race runs for ZCDMA_RACE_SECONDS (default 5) of wall time: long enough
to hit the races this file was written for in every run; what is asserted is
behaviour (errnos, counters, data), never a timing."""

import ctypes
import errno
import fcntl
import gc
import mmap
import os
import random
import struct
import subprocess
import sys
import threading
import time
import traceback
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qa_kernel_abi import (  # noqa: E402
    ACQUIRE,
    DEV,
    INFO,
    IOC_ACQUIRE,
    IOC_INFO,
    IOC_START,
    IOC_STATS,
    IOC_STOP,
    PAGE,
    STATS,
    acquire,
    config,
    info,
    release,
)

KMOD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../kmod")
SECONDS = float(os.environ.get("ZCDMA_RACE_SECONDS", "5"))
SYSFS = "/sys/class/misc/zcdma0"
CAP = "/sys/module/zcdma/parameters/max_ring_mib"
DRV = "/sys/bus/platform/drivers/zcdma"
libc = ctypes.CDLL(None, use_errno=True)


def stats(fd):
    return STATS.unpack(fcntl.ioctl(fd, IOC_STATS, bytes(STATS.size)))


def read(path):
    with open(path) as f:
        return f.read().strip()


def sysfs(name):
    return read(f"{SYSFS}/{name}")


def wait_for_device():
    deadline = time.monotonic() + 10
    while not os.path.exists(DEV) and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.path.exists(DEV)


class Worker(threading.Thread):
    """Calls fn() until stop is set or fn returns False; the first
    exception is kept for the test to re-raise."""

    def __init__(self, stop, fn):
        super().__init__(daemon=True)
        self.stop, self.fn, self.error, self.calls = stop, fn, None, 0

    def run(self):
        try:
            while not self.stop.is_set():
                self.calls += 1
                if self.fn() is False:
                    return
        except BaseException as e:  # noqa: BLE001 - re-raised by the test
            self.error = e
            self.stop.set()


def run_workers(fns, main=None, seconds=SECONDS):
    """Run every fn in its own thread for `seconds` (or until main() returns);
    re-raise the first error."""
    stop = threading.Event()
    workers = [Worker(stop, fn) for fn in fns]
    for w in workers:
        w.start()
    try:
        if main:
            main(stop)
        else:
            stop.wait(seconds)
    finally:
        stop.set()
        for w in workers:
            w.join(60)
            if w.is_alive():
                raise AssertionError("a worker is stuck in the driver")
    for w in workers:
        if w.error:
            raise w.error
    return [w.calls for w in workers]


def in_child(fn, seconds=SECONDS):
    """Fork (before any thread starts) a process that calls fn() for
    `seconds`; it exits 1 on the first exception."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                fn()
        except BaseException:  # noqa: BLE001 - reported through the exit code
            traceback.print_exc()
            code = 1
        os._exit(code)
    return pid


def expect(errnos, fn, *args):
    """fn(*args), or one of the errnos; anything else fails the test."""
    try:
        return fn(*args)
    except OSError as e:
        if e.errno not in errnos:
            name = errno.errorcode[e.errno]
            raise AssertionError(f"{fn.__name__}{args}: unexpected {name}") from e
    return None


def call(errnos, fn, *args):
    """fn(*args) -> 0, or its errno if that is one of errnos."""
    try:
        fn(*args)
        return 0
    except OSError as e:
        if e.errno not in errnos:
            name = errno.errorcode[e.errno]
            raise AssertionError(f"{fn.__name__}{args}: unexpected {name}") from e
        return e.errno


class qa_kernel_races(unittest.TestCase):
    def err(self, code, fn, *args, **kwargs):
        with self.assertRaises(OSError) as cm:
            fn(*args, **kwargs)
        self.assertEqual(cm.exception.errno, code, f"{fn.__name__}{args}")

    def test_release_acquire_sysfs_vs_config(self):
        """Item 1: CONFIG swapped the ring under the mutex while RELEASE,
        ACQUIRE and sysfs read it under the spinlock: a freed ring. RELEASE
        and sysfs run in forked processes (the same open file, no GIL), so
        they really run in parallel with CONFIG."""
        fd = os.open(DEV, os.O_RDWR)
        held = []  # (index, seq) some thread acquired; anybody may release it
        lock = threading.Lock()
        busy = {errno.EBUSY}

        def reconfigure():
            # CONFIG frees the ring START allocated: the window is here.
            n = random.choice((2, 3, 4, 8))
            expect(busy, config, fd, n, random.choice((1, 2)) * PAGE)
            expect(busy, fcntl.ioctl, fd, IOC_START)
            got = expect({errno.EAGAIN, errno.ENODATA}, acquire, fd, 0)
            if got:
                with lock:
                    held.append(got[:2])
            fcntl.ioctl(fd, IOC_STOP)

        def give_back():
            with lock:
                slot = held.pop() if held else (random.randrange(8), random.randrange(4))
            expect({errno.EINVAL}, release, fd, *slot)

        def take():
            got = expect({errno.EAGAIN, errno.ENODATA}, acquire, fd, 0)
            if got:
                with lock:
                    held.append(got[:2])

        def release_any():
            expect({errno.EINVAL}, release, fd, random.randrange(8), random.randrange(64))

        def look():
            n, size = int(sysfs("nbufs")), int(sysfs("bufsize"))
            self.assertIn(n, (2, 3, 4, 8))  # not read from a freed ring
            self.assertIn(size, (PAGE, 2 * PAGE))
            info(fd)
            stats(fd)

        try:
            config(fd, 4, PAGE)  # own the device before anything starts
            children = [in_child(fn) for fn in (release_any, release_any, look)]
            calls = run_workers([reconfigure, give_back, take, look])
            self.assertTrue(all(calls), calls)
            for pid in children:
                _, status = os.waitpid(pid, 0)
                self.assertEqual(os.waitstatus_to_exitcode(status), 0, "a child failed")
            # Everything still consistent: release what is held, then a
            # fresh geometry works.
            for slot in held:
                expect({errno.EINVAL}, release, fd, *slot)
            self.assertEqual(stats(fd)[7], 0)  # slots_held
            config(fd, 4, PAGE)
            fcntl.ioctl(fd, IOC_START)
            idx, seq, *_ = acquire(fd)
            release(fd, idx, seq)
            fcntl.ioctl(fd, IOC_STOP)
        finally:
            os.close(fd)

    def test_config_with_held_slots_is_busy(self):
        """Item 1: CONFIG must not free a ring whose slots user space holds."""
        fd = os.open(DEV, os.O_RDWR)
        try:
            config(fd, 2, PAGE)
            fcntl.ioctl(fd, IOC_START)
            idx, seq, *_ = acquire(fd)
            fcntl.ioctl(fd, IOC_STOP)
            self.err(errno.EBUSY, config, fd, 4, PAGE)
            release(fd, idx, seq)
            config(fd, 4, PAGE)
        finally:
            os.close(fd)

    def test_ring_size_cap(self):
        """Item 2: the documented maximum CONFIG used to pass, and START then
        oopsed on the failed page-array allocation. The total is capped."""
        fd = os.open(DEV, os.O_RDWR)
        try:
            with self.assertRaises(OSError) as cm:
                config(fd, 4096, 256 << 20)
                fcntl.ioctl(fd, IOC_START)  # what used to oops
            self.assertEqual(cm.exception.errno, errno.EINVAL)
            cap = int(read(CAP)) << 20
            bufsize = 1 << 20
            self.err(errno.EINVAL, config, fd, cap // bufsize + 1, bufsize)
            nbufs = min(cap // bufsize, 4096)
            config(fd, nbufs, bufsize)  # the cap itself is allowed
            self.assertEqual(info(fd)[5], nbufs * bufsize)
            if 2 * (256 << 20) <= cap:  # the largest slot (not allocated: slow under TCG)
                config(fd, 2, 256 << 20)
                self.assertEqual(info(fd)[4], 256 << 20)
        finally:
            os.close(fd)

    def test_killed_while_allocating(self):
        """Item 2: a huge ring is allocated interruptibly: SIGKILL during the
        allocation ends the process and leaves the device usable."""
        nbufs = 128  # MiB: long enough to be interrupted, quick enough for TCG
        code = (
            "import fcntl, os, sys; sys.path.insert(0, sys.argv[1]);"
            "from qa_kernel_abi import DEV, IOC_START, config;"
            "fd = os.open(DEV, os.O_RDWR); config(fd, int(sys.argv[2]), 1 << 20);"
            "print('starting', flush=True); fcntl.ioctl(fd, IOC_START)"
        )
        for _ in range(3):
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    code,
                    os.path.dirname(os.path.abspath(__file__)),
                    str(nbufs),
                ],
                stdout=subprocess.PIPE,
            )
            self.assertEqual(child.stdout.readline().strip(), b"starting")
            child.kill()
            child.wait(60)
            child.stdout.close()
            fd = os.open(DEV, os.O_RDWR)
            try:
                config(fd, 2, PAGE)  # not owned by the dead child any more
                fcntl.ioctl(fd, IOC_START)
                idx, seq, *_ = acquire(fd)
                release(fd, idx, seq)
            finally:
                os.close(fd)

    def test_acquire_efault_loses_nothing(self):
        """Item 5: an ACQUIRE whose result cannot be written back (EFAULT)
        must leave the slot where it was, not held forever."""
        fd = os.open(DEV, os.O_RDWR)
        ro = mmap.mmap(-1, PAGE)
        ro[: ACQUIRE.size] = ACQUIRE.pack(2000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(ro))
        self.assertEqual(libc.mprotect(ctypes.c_void_p(addr), PAGE, 1), 0)  # PROT_READ
        try:
            config(fd, 2, PAGE)
            fcntl.ioctl(fd, IOC_START)
            for _ in range(4):  # more than the ring has slots
                r = libc.ioctl(fd, ctypes.c_ulong(IOC_ACQUIRE), ctypes.c_void_p(addr))
                self.assertEqual((r, ctypes.get_errno()), (-1, errno.EFAULT))
            self.assertEqual(stats(fd)[7], 0)  # nothing held
            for want in range(6):  # the same slots, in order, nothing lost
                idx, seq, *_ = acquire(fd)
                self.assertEqual((idx, seq), (want % 2, want))
                release(fd, idx, seq)
            fcntl.ioctl(fd, IOC_STOP)
        finally:
            os.close(fd)

    def test_ioctls_vs_unbind_and_rmmod(self):
        """Item 3: START racing an unbind ran after remove() released the
        channel; closing that file after rmmod zcdma_sim faulted. The window:
        unbind waits for the lock behind a START that allocates a big ring,
        and the ioctls that arrive meanwhile queue behind unbind."""
        rounds = 0
        deadline = time.monotonic() + SECONDS
        while rounds < 3 or time.monotonic() < deadline:
            rounds += 1
            self.unbind_round()

    def unbind_round(self):
        gone = {errno.ENODEV, errno.EBUSY, errno.ENODATA, errno.EAGAIN}
        fd = os.open(DEV, os.O_RDWR)
        try:
            config(fd, 2, PAGE)
            started = threading.Event()

            def cycle():
                started.set()
                # CONFIG frees the ring, START allocates 32 MiB again.
                errs = (
                    call(gone, config, fd, 32, 1 << 20),
                    call(gone, fcntl.ioctl, fd, IOC_START),
                    call(gone, acquire, fd, 0),
                    call(gone, fcntl.ioctl, fd, IOC_STOP),
                )
                return errno.ENODEV not in errs

            def unbind(stop):
                started.wait(10)
                with open(f"{DRV}/unbind", "w") as f:
                    f.write("zcdma.0")

            run_workers([cycle, cycle, cycle], main=unbind)
            self.err(errno.ENODEV, info, fd)
            # The channel is released: the engine's module can go, and the
            # last close must not touch it.
            subprocess.run(["rmmod", "zcdma_sim"], check=True)
        finally:
            os.close(fd)
            if not os.path.exists("/sys/module/zcdma_sim"):
                subprocess.run(["insmod", f"{KMOD}/zcdma_sim.ko"], check=True)
        self.assertTrue(wait_for_device(), "zcdma0 did not come back")

    def test_close_with_live_mapping(self):
        """Item 6: close() of the owner with a mapping alive does not stop
        the stream (the mapping holds the file); the last munmap does, and
        frees the device for the next owner. Raced against sysfs/INFO and a
        second opener trying to take the device over."""
        deadline = time.monotonic() + SECONDS
        rounds = 0
        while rounds < 3 or time.monotonic() < deadline:
            rounds += 1
            self.close_round()

    def close_round(self):
        fd = os.open(DEV, os.O_RDWR)
        config(fd, 4, PAGE)
        m = mmap.mmap(fd, 4 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        fcntl.ioctl(fd, IOC_START)
        idx, seq, *_ = acquire(fd)
        os.close(fd)
        self.assertEqual(sysfs("running"), "1")  # the mapping keeps the stream
        self.assertEqual(struct.unpack_from("<Q", m, idx * PAGE)[0], seq * PAGE // 8)
        other = os.open(DEV, os.O_RDWR)
        try:
            self.err(errno.EBUSY, config, other, 2, PAGE)

            def look():
                sysfs("running")
                sysfs("nbufs")
                info(other)
                stats(other)

            def take_over():
                return call({errno.EBUSY}, config, other, 2, PAGE) == errno.EBUSY

            def unmap(stop):
                m.close()  # the last reference: release() runs here

            run_workers([look, take_over], main=unmap)
            config(other, 2, PAGE)  # ours now
            self.assertEqual(sysfs("running"), "0")
            fcntl.ioctl(other, IOC_START)
            a = acquire(other)
            self.assertEqual(a[:2], (0, 0))  # a new stream
            release(other, *a[:2])
        finally:
            os.close(other)

    def test_device_object_stops_the_stream(self):
        """Item 6: zcdma.device (lib/kernel_device.cc) stops the DMA when it
        goes, even while a view of its mapping (which holds the driver's
        file) lives on."""
        from gnuradio import zcdma

        dev = zcdma.device(f"{DEV}:nbufs=4,bufsize={PAGE}")
        dev.start()
        view = dev.mapping()
        self.assertEqual(sysfs("running"), "1")
        del dev
        gc.collect()
        self.assertEqual(sysfs("running"), "0")
        self.assertEqual(len(view), 2 * 4 * PAGE)  # still mapped and readable
        int(view[0])
        del view
        gc.collect()
        fd = os.open(DEV, os.O_RDWR)
        try:
            config(fd, 2, PAGE)  # the device is free again
        finally:
            os.close(fd)

    def test_read_only_file(self):
        """Item 9: a file opened read-only may look (INFO, STATS, poll) but
        not change anything."""
        ro = os.open(DEV, os.O_RDONLY)
        try:
            info(ro)
            stats(ro)
            self.err(errno.EBADF, config, ro, 2, PAGE)
            self.err(errno.EBADF, fcntl.ioctl, ro, IOC_START)
            self.err(errno.EBADF, fcntl.ioctl, ro, IOC_STOP)
            self.err(errno.EBADF, acquire, ro, 0)
            self.err(errno.EBADF, release, ro, 0, 0)
            self.err(errno.EACCES, mmap.mmap, ro, PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        finally:
            os.close(ro)
        rw = os.open(DEV, os.O_RDWR)
        try:
            config(rw, 2, PAGE)  # nobody took the device
        finally:
            os.close(rw)

    def test_stop_does_not_claim(self):
        """Item 9: STOP from a file that owns nothing is a no-op, not a claim."""
        a = os.open(DEV, os.O_RDWR)
        b = os.open(DEV, os.O_RDWR)
        try:
            fcntl.ioctl(a, IOC_STOP)
            config(b, 2, PAGE)  # b may still become the owner
            self.err(errno.EBUSY, fcntl.ioctl, a, IOC_STOP)  # now a is not
        finally:
            os.close(a)
            os.close(b)

    def test_zz_module_parameters(self):
        """Item 9: bad module parameters fail the load; defaults fit the cap."""
        subprocess.run(["rmmod", "zcdma"], check=True)
        try:
            for bad in (
                ["nbufs=1"],
                ["nbufs=4097"],
                ["bufsize=0"],
                ["bufsize=4097"],
                [f"bufsize={(256 << 20) + PAGE}"],
                ["max_ring_mib=1"],  # smaller than the default ring
                ["nbufs=4096", "bufsize=268435456"],
            ):
                r = subprocess.run(["insmod", f"{KMOD}/zcdma.ko", *bad], capture_output=True)
                if r.returncode == 0:
                    subprocess.run(["rmmod", "zcdma"], check=True)
                self.assertNotEqual(r.returncode, 0, f"insmod zcdma.ko {' '.join(bad)} loaded")
        finally:
            subprocess.run(["insmod", f"{KMOD}/zcdma.ko"], check=True)
        self.assertTrue(wait_for_device())
        fd = os.open(DEV, os.O_RDWR)
        try:
            abi, page, nbufs, _, bufsize, size, *_ = INFO.unpack(
                fcntl.ioctl(fd, IOC_INFO, bytes(INFO.size))
            )
            cap = int(read(CAP)) << 20
            self.assertLessEqual(size, cap)
        finally:
            os.close(fd)


if __name__ == "__main__":
    unittest.main()
