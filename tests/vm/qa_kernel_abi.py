#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The zcdma.ko user ABI, driven raw (ioctl/mmap), inside the QEMU guest:
every documented errno, ownership, fork, random ioctls, zero copy."""

import contextlib
import errno
import fcntl
import mmap
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

DEV = os.environ.get("ZCDMA_TEST_DEVICE", "/dev/zcdma0")
PAGE = os.sysconf("SC_PAGE_SIZE")

INFO = struct.Struct("=IIII QQ 4Q")  # abi, page, nbufs, flags, bufsize, mmap_size
CONFIG = struct.Struct("=II Q 2Q")  # nbufs, flags, bufsize, reserved
ACQUIRE = struct.Struct("=iI QQQQ II 2Q")  # timeout, index, seq, bytes, ts, dropped, flags, pad
RELEASE = struct.Struct("=II Q 2Q")  # index, flags, seq, reserved
STATS = struct.Struct("=7Q 4I 4Q")


def _ioc(d, nr, size):
    return (d << 30) | (size << 16) | (ord("Z") << 8) | nr


IOC_INFO = _ioc(2, 0, INFO.size)
IOC_CONFIG = _ioc(1, 1, CONFIG.size)
IOC_START = _ioc(0, 2, 0)
IOC_STOP = _ioc(0, 3, 0)
IOC_ACQUIRE = _ioc(3, 4, ACQUIRE.size)
IOC_RELEASE = _ioc(1, 5, RELEASE.size)
IOC_STATS = _ioc(2, 6, STATS.size)


def info(fd):
    return INFO.unpack(fcntl.ioctl(fd, IOC_INFO, bytes(INFO.size)))


def config(fd, nbufs, bufsize, flags=0, reserved=(0, 0)):
    fcntl.ioctl(fd, IOC_CONFIG, CONFIG.pack(nbufs, flags, bufsize, *reserved))


def acquire(fd, timeout_ms=2000, pad=0, reserved=(0, 0)):
    buf = bytearray(ACQUIRE.pack(timeout_ms, 0, 0, 0, 0, 0, 0, pad, *reserved))
    fcntl.ioctl(fd, IOC_ACQUIRE, buf)
    t, index, seq, nbytes, ts, dropped, flags, _, _, _ = ACQUIRE.unpack(buf)
    return index, seq, nbytes, flags


def release(fd, index, seq, flags=0, reserved=(0, 0)):
    fcntl.ioctl(fd, IOC_RELEASE, RELEASE.pack(index, flags, seq, *reserved))


class qa_kernel_abi(unittest.TestCase):
    def setUp(self):
        self.fd = os.open(DEV, os.O_RDWR)

    def tearDown(self):
        os.close(self.fd)

    def err(self, code, fn, *args, **kwargs):
        with self.assertRaises(OSError) as cm:
            fn(*args, **kwargs)
        self.assertEqual(cm.exception.errno, code, f"{fn.__name__}{args}")

    def test_info_and_unknown_ioctl(self):
        abi, page, nbufs, _, bufsize, size, *_ = info(self.fd)
        self.assertEqual((abi, page), (2, PAGE))
        self.assertEqual(size, nbufs * bufsize)
        self.err(errno.ENOTTY, fcntl.ioctl, self.fd, _ioc(0, 0x7F, 0))
        self.err(errno.ENOTTY, fcntl.ioctl, self.fd, _ioc(2, 0, 8))  # INFO, wrong size

    def test_config_table(self):
        self.err(errno.EINVAL, config, self.fd, 8, PAGE, 1)  # flags
        self.err(errno.EINVAL, config, self.fd, 8, PAGE, 0, (1, 0))  # reserved
        self.err(errno.EINVAL, config, self.fd, 1, PAGE)  # too few slots
        self.err(errno.EINVAL, config, self.fd, 5000, PAGE)  # too many
        self.err(errno.EINVAL, config, self.fd, 8, PAGE + 1)  # not a page multiple
        self.err(errno.EINVAL, config, self.fd, 8, 0)
        config(self.fd, 3, 3 * PAGE)  # any page multiple, no power of two needed
        self.assertEqual(info(self.fd)[2:5:2], (3, 3 * PAGE))
        m = mmap.mmap(self.fd, 9 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        self.err(errno.EBUSY, config, self.fd, 4, PAGE)  # mapped: geometry fixed
        m.close()
        config(self.fd, 4, PAGE)

    def test_acquire_release_table(self):
        config(self.fd, 2, PAGE)
        self.err(errno.ENODATA, acquire, self.fd, 0)  # not started
        fcntl.ioctl(self.fd, IOC_START)
        self.err(errno.EBUSY, fcntl.ioctl, self.fd, IOC_START)  # twice
        self.err(errno.EINVAL, acquire, self.fd, 100, 1)  # pad
        self.err(errno.EINVAL, acquire, self.fd, 100, 0, (0, 1))  # reserved
        self.err(errno.EINVAL, acquire, self.fd, -2)
        a = acquire(self.fd)
        b = acquire(self.fd)
        self.assertEqual((a[0], b[0]), (0, 1))
        self.assertEqual(b[1], a[1] + 1)
        self.err(errno.EAGAIN, acquire, self.fd, 0)  # both held: nothing can fill
        self.err(errno.ETIMEDOUT, acquire, self.fd, 50)
        self.err(errno.EINVAL, release, self.fd, 2, a[1])  # index out of range
        self.err(errno.EINVAL, release, self.fd, a[0], a[1] + 7)  # wrong seq
        self.err(errno.EINVAL, release, self.fd, a[0], a[1], 1)  # flags
        self.err(errno.EINVAL, release, self.fd, a[0], a[1], 0, (1, 0))  # reserved
        release(self.fd, a[0], a[1])
        self.err(errno.EINVAL, release, self.fd, a[0], a[1])  # double release
        release(self.fd, b[0], b[1])
        fcntl.ioctl(self.fd, IOC_STOP)
        self.err(errno.ENODATA, acquire, self.fd, 100)

    def test_mmap_table(self):
        config(self.fd, 4, 2 * PAGE)
        size = 8 * PAGE
        self.err(errno.EINVAL, mmap.mmap, self.fd, size, mmap.MAP_PRIVATE, mmap.PROT_READ)
        self.err(
            errno.EPERM, mmap.mmap, self.fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE
        )
        self.err(errno.EINVAL, mmap.mmap, self.fd, size + PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        self.err(
            errno.EINVAL, mmap.mmap, self.fd, PAGE, mmap.MAP_SHARED, mmap.PROT_READ, offset=size
        )
        m = mmap.mmap(self.fd, size, mmap.MAP_SHARED, mmap.PROT_READ)
        m2 = mmap.mmap(self.fd, size, mmap.MAP_SHARED, mmap.PROT_READ)  # twice is fine
        part = mmap.mmap(self.fd, PAGE, mmap.MAP_SHARED, mmap.PROT_READ, offset=3 * PAGE)
        fcntl.ioctl(self.fd, IOC_START)
        idx, seq, nbytes, _ = acquire(self.fd)
        words = struct.unpack_from(f"<{nbytes // 8}Q", m, idx * 2 * PAGE)
        self.assertEqual(words, tuple(range(seq * nbytes // 8, (seq + 1) * nbytes // 8)))
        self.assertEqual(m[idx * 2 * PAGE :][:64], m2[idx * 2 * PAGE :][:64])
        release(self.fd, idx, seq)
        fcntl.ioctl(self.fd, IOC_STOP)
        part.close()
        m2.close()
        m.close()

    def test_second_opener(self):
        config(self.fd, 4, PAGE)  # we own the device now
        other = os.open(DEV, os.O_RDWR)
        try:
            info(other)  # anyone may look
            fcntl.ioctl(other, IOC_STATS, bytes(STATS.size))
            self.err(errno.EBUSY, config, other, 4, PAGE)
            self.err(errno.EBUSY, fcntl.ioctl, other, IOC_START)
            self.err(errno.EBUSY, mmap.mmap, other, 4 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
            self.err(errno.EBUSY, acquire, other, 0)
        finally:
            os.close(other)

    def test_fork_with_mapping(self):
        config(self.fd, 4, PAGE)
        m = mmap.mmap(self.fd, 4 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        fcntl.ioctl(self.fd, IOC_START)
        idx, seq, nbytes, _ = acquire(self.fd)
        pid = os.fork()
        if pid == 0:  # the child reads the same pages, then goes away
            w = struct.unpack_from("<Q", m, idx * PAGE)[0]
            os._exit(0 if w == seq * PAGE // 8 else 1)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        release(self.fd, idx, seq)  # the parent still owns the device
        self.assertEqual(len(acquire(self.fd)), 4)
        fcntl.ioctl(self.fd, IOC_STOP)
        m.close()

    def test_poll(self):
        config(self.fd, 2, PAGE)
        p = __import__("select").poll()
        p.register(self.fd, __import__("select").POLLIN)
        self.assertEqual(p.poll(0), [])
        fcntl.ioctl(self.fd, IOC_START)
        self.assertTrue(p.poll(5000))
        fcntl.ioctl(self.fd, IOC_STOP)

    def test_random_ioctls(self):
        """Random ioctls from several threads on one file. Most carry valid
        fields (so CONFIG, START, ACQUIRE and RELEASE really run, with slots
        acquired earlier), the rest random bytes and commands; geometries
        include the limits (4096 slots, 256 MiB, the ring size cap)."""
        cap_mib = "/sys/module/zcdma/parameters/max_ring_mib"
        cap = 0  # unknown (a module without the cap): no valid size is avoided
        if os.path.exists(cap_mib):
            with open(cap_mib) as f:
                cap = int(f.read()) << 20
        config(self.fd, 4, PAGE)
        fcntl.ioctl(self.fd, IOC_START)
        allowed = {errno.EINVAL, errno.ENOTTY, errno.EBUSY, errno.EFAULT, errno.EAGAIN,
                   errno.ETIMEDOUT, errno.ENODATA}  # fmt: skip
        cmds = [IOC_INFO, IOC_CONFIG, IOC_START, IOC_STOP, IOC_ACQUIRE, IOC_RELEASE, IOC_STATS]
        nbufs_choice = [1, 2, 3, 4, 8, 4096, 4097, 0xFFFFFFFF]
        bufsize_choice = [0, PAGE, 2 * PAGE, PAGE + 1, 256 << 20, (256 << 20) + PAGE, 1 << 63]
        held = []
        counts = {}

        def valid(rng, cmd, force_config, popped):
            """A well-formed payload for a known command (reserved zero)."""
            if cmd == IOC_CONFIG and rng.random() < force_config:
                # Give CONFIG a chance: stop, and hand back what we hold.
                with contextlib.suppress(OSError):
                    fcntl.ioctl(self.fd, IOC_STOP)
                while held:
                    with contextlib.suppress(OSError, IndexError):
                        release(self.fd, *held.pop())
            if cmd == IOC_CONFIG:
                n, b = rng.choice(nbufs_choice), rng.choice(bufsize_choice)
                if 1 << 20 < n * b <= cap and rng.random() < 0.95:
                    n, b = min(n, 16), PAGE  # valid but slow to allocate under TCG
                return bytearray(CONFIG.pack(n, 0, b, 0, 0))
            if cmd == IOC_ACQUIRE:
                return bytearray(ACQUIRE.pack(rng.choice([0, 1]), 0, 0, 0, 0, 0, 0, 0, 0, 0))
            if cmd == IOC_RELEASE:
                if held and rng.random() < 0.8:
                    popped.append(held.pop())  # put back if this RELEASE fails
                    idx, seq = popped[-1]
                else:
                    idx, seq = rng.randrange(5), rng.randrange(8)
                return bytearray(RELEASE.pack(idx, 0, seq, 0, 0))
            return bytearray((cmd >> 16) & 0x3FFF)

        def fuzz(seed, n, force_config):
            rng = random.Random(seed)
            popped = []
            for _ in range(n):
                popped.clear()
                r = rng.random()
                if r < 0.75:
                    cmd = rng.choice(cmds)
                    payload = valid(rng, cmd, force_config, popped)
                    if rng.random() < 0.1 and payload:  # one random byte
                        payload[rng.randrange(len(payload))] = rng.getrandbits(8)
                elif r < 0.9:
                    cmd = _ioc(rng.randrange(4), rng.randrange(16), rng.randrange(256))
                else:
                    cmd = rng.getrandbits(32)
                size = (cmd >> 16) & 0x3FFF
                if r >= 0.75:
                    payload = bytearray(rng.getrandbits(8) for _ in range(min(size, 128)))
                    if cmd == IOC_ACQUIRE:
                        struct.pack_into("=i", payload, 0, rng.choice([0, 1]))  # never block long
                try:
                    if size:
                        fcntl.ioctl(self.fd, cmd, payload)
                    else:
                        fcntl.ioctl(self.fd, cmd, 0)
                    counts[cmd] = counts.get(cmd, 0) + 1
                    if cmd == IOC_ACQUIRE:
                        held.append(ACQUIRE.unpack(payload)[1:3])
                except OSError as e:
                    self.assertIn(e.errno, allowed, hex(cmd))
                    held.extend(popped)  # a corrupted RELEASE left it held
                except (ValueError, OverflowError):
                    pass

        errors = []

        def thread(seed):
            try:
                # Thread 0 often makes room for CONFIG (others START again).
                fuzz(seed, 6000, 0.5 if seed == 1234 else 0.0)
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=thread, args=(1234 + i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        # Whether CONFIG got between the other threads' STARTs and ACQUIREs
        # depends on timing (a KASAN guest once had none), and a RELEASE
        # whose random byte hit the sequence but matched another held slot
        # leaves one held that nobody knows: one more pass alone, on a
        # fresh open (the last close hands everything back), clearing the
        # way before each CONFIG, reaches every success.
        os.close(self.fd)
        self.fd = os.open(DEV, os.O_RDWR)
        held.clear()
        fuzz(99, 600, 1.0)
        for cmd in (IOC_CONFIG, IOC_START, IOC_STOP, IOC_ACQUIRE, IOC_RELEASE):
            self.assertGreater(counts.get(cmd, 0), 0, hex(cmd))  # each really succeeded
        fcntl.ioctl(self.fd, IOC_STOP)
        # Still sane afterwards.
        self.assertEqual(info(self.fd)[0], 2)

    def test_unbind_while_mapped(self):
        config(self.fd, 4, PAGE)
        m = mmap.mmap(self.fd, 4 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
        fcntl.ioctl(self.fd, IOC_START)
        idx, seq, nbytes, _ = acquire(self.fd)
        drv = "/sys/bus/platform/drivers/zcdma"
        with open(f"{drv}/unbind", "w") as f:
            f.write("zcdma.0")
        try:
            # The pages outlive the device: still mapped, still the data.
            w = struct.unpack_from("<Q", m, idx * PAGE)[0]
            self.assertEqual(w, seq * PAGE // 8)
            self.err(errno.ENODEV, info, self.fd)
            self.assertFalse(os.path.exists(DEV))
        finally:
            m.close()
            os.close(self.fd)  # the last reference: the old device goes away
            with open(f"{drv}/bind", "w") as f:
                f.write("zcdma.0")
        deadline = time.monotonic() + 5
        while not os.path.exists(DEV) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.fd = os.open(DEV, os.O_RDWR)  # bound again: a working device
        self.assertEqual(info(self.fd)[0], 2)

    def test_killed_with_sends_in_flight(self):
        os.close(self.fd)  # the child must own the device
        child = subprocess.Popen([sys.executable, __file__, "--sender"], stdout=subprocess.PIPE)
        line = child.stdout.readline().split()
        self.assertEqual(line[:1], [b"in-flight"])
        self.assertGreater(int(line[1]), 0)  # unsent/unacked ring bytes (SIOCOUTQ)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        self.fd = os.open(DEV, os.O_RDWR)  # the device is usable again
        config(self.fd, 4, PAGE)
        fcntl.ioctl(self.fd, IOC_START)
        idx, seq, *_ = acquire(self.fd)
        release(self.fd, idx, seq)
        fcntl.ioctl(self.fd, IOC_STOP)


def sender():
    """Stream ring slots with MSG_ZEROCOPY to a TCP peer that never reads,
    so sends stay in flight, until killed."""
    fd = os.open(DEV, os.O_RDWR)
    config(fd, 16, 16 * PAGE)
    m = mmap.mmap(fd, 256 * PAGE, mmap.MAP_SHARED, mmap.PROT_READ)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    s = socket.create_connection(srv.getsockname())
    peer, _ = srv.accept()  # never reads
    s.setsockopt(socket.SOL_SOCKET, 60, 1)  # SO_ZEROCOPY
    s.setblocking(False)
    fcntl.ioctl(fd, IOC_START)
    view = memoryview(m)
    told = False
    while True:
        idx, seq, nbytes, _ = acquire(fd)
        try:
            s.sendmsg([view[idx * nbytes : (idx + 1) * nbytes]], [], 0x4000000)
        except BlockingIOError:
            time.sleep(0.01)
        # Released at once on purpose: the kernel still holds the pages.
        release(fd, idx, seq)
        outq = struct.unpack("i", fcntl.ioctl(s, 0x5411, b"\0" * 4))[0]  # SIOCOUTQ
        if outq and not told:  # the parent kills us now: sends are in flight
            print("in-flight", outq, flush=True)
            told = True


if __name__ == "__main__":
    if sys.argv[1:] == ["--sender"]:
        sender()
    else:
        unittest.main()
