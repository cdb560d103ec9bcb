#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Network namespaces for the tcp_sink connection tests (not installed):
veth pairs, a user-space delay line between two tap devices, and peers
that live in a namespace. Needs root and iproute2."""

import ctypes
import heapq
import os
import select
import shutil
import socket
import struct
import subprocess
import threading
import time

import numpy

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

_libc = ctypes.CDLL(None, use_errno=True)


def why_not(need_tun=False):
    """None if namespaces (with a veth pair, and tap devices if need_tun)
    can be made here, else the reason to skip."""
    if os.geteuid() != 0:
        return "needs root (ip netns add)"
    if not shutil.which("ip"):
        return "needs iproute2"
    if need_tun and not os.path.exists("/dev/net/tun"):
        return "needs /dev/net/tun (tap devices)"
    name = f"zcdma-probe-{os.getpid()}"
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if r.returncode:
        return "ip netns add failed: " + r.stderr.strip()
    try:
        r = subprocess.run(
            ["ip", "-n", name, "link", "add", "va", "type", "veth", "peer", "name", "vb"],
            capture_output=True,
            text=True,
        )
        if r.returncode:
            return "cannot make a veth pair: " + r.stderr.strip()
    finally:
        subprocess.run(["ip", "netns", "del", name])
    return None


class Netns:
    """A named network namespace with lo up; .run(fn) calls fn in it."""

    def __init__(self, tag):
        self.name = f"zcdma-{tag}-{os.getpid()}"
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self.ip("link", "set", "lo", "up")

    def ip(self, *args):
        subprocess.run(["ip", "-n", self.name, *args], check=True)

    def run(self, fn, *args):
        """fn(*args) on a thread that entered this namespace. Sockets and
        threads it creates (GNU Radio's block threads when it calls
        top_block.start()) stay in the namespace."""
        out = {}

        def body():
            try:
                fd = os.open(f"/run/netns/{self.name}", os.O_RDONLY)
                try:
                    if _libc.setns(fd, CLONE_NEWNET):
                        raise OSError(ctypes.get_errno(), "setns")
                finally:
                    os.close(fd)
                out["value"] = fn(*args)
            except BaseException as e:  # handed to the caller
                out["error"] = e

        t = threading.Thread(target=body)
        t.start()
        t.join()
        if "error" in out:
            raise out["error"]
        return out["value"]

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name])


def veth(a, b, addr_a, addr_b, prefix=24):
    """A veth pair va (in a, addr_a) <-> vb (in b, addr_b), both up."""
    subprocess.run(
        ["ip", "link", "add", "va", "netns", a.name, "type", "veth", "peer", "name", "vb"]
        + ["netns", b.name],
        check=True,
    )
    for ns, dev, addr in ((a, "va", addr_a), (b, "vb", addr_b)):
        ns.ip("addr", "add", f"{addr}/{prefix}", "dev", dev)
        ns.ip("link", "set", dev, "up")


def _open_tap(name):
    import fcntl

    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


class DelayLine:
    """Two tap devices, ta in namespace a and tb in b, joined by this process:
    every Ethernet frame is handed over `delay` seconds after it was read, so
    a round trip (ARP, SYN/SYN-ACK, data/ACK) takes at least 2 * delay."""

    def __init__(self, a, b, addr_a, addr_b, delay, prefix=24):
        self.delay = delay
        self._fds = [a.run(_open_tap, "ta"), b.run(_open_tap, "tb")]
        for ns, dev, addr in ((a, "ta", addr_a), (b, "tb", addr_b)):
            ns.ip("addr", "add", f"{addr}/{prefix}", "dev", dev)
            ns.ip("link", "set", dev, "up")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        queue = []  # (due, seq, out fd, frame)
        seq = 0
        a, b = self._fds
        while not self._stop.is_set():
            timeout = 0.05
            if queue:
                timeout = max(0.0, min(timeout, queue[0][0] - time.monotonic()))
            ready, _, _ = select.select(self._fds, [], [], timeout)
            now = time.monotonic()
            for fd in ready:
                while True:
                    try:
                        frame = os.read(fd, 65536)
                    except BlockingIOError:
                        break
                    seq += 1
                    heapq.heappush(queue, (now + self.delay, seq, b if fd == a else a, frame))
            while queue and queue[0][0] <= time.monotonic():
                _, _, fd, frame = heapq.heappop(queue)
                try:
                    os.write(fd, frame)
                except OSError:
                    pass  # the other side is down: the frame is lost

    def close(self):
        self._stop.set()
        self._thread.join(5)
        for fd in self._fds:
            os.close(fd)


def tcp_rtt_us(sock):
    """The kernel's smoothed round-trip estimate of a TCP socket (tcpi_rtt)."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    return struct.unpack_from("I", info, 68)[0]


class Receiver:
    """Listens on (host, port 0) and serves every connection on its own
    thread, checking the counter pattern from each connection's first word.
    half_close: shutdown(SHUT_WR) right after accept (a receive-only peer).
    reset_at_once: reset each connection right after accept, reading nothing.
    """

    def __init__(
        self, host="127.0.0.1", family=socket.AF_INET, half_close=False, reset_at_once=False
    ):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.half_close = half_close
        self.reset_at_once = reset_at_once
        self.conns = []  # per connection: dict(bytes, mismatches, rtt_us, sock)
        self.errors = []
        self._closing = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def connections(self):
        return len(self.conns)

    @property
    def mismatches(self):
        return sum(c["mismatches"] for c in self.conns)

    def _accept(self):
        self.sock.settimeout(0.1)
        while not self._closing.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(None)
            c = {"bytes": 0, "mismatches": 0, "rtt_us": tcp_rtt_us(conn), "sock": conn}
            self.conns.append(c)
            if self.reset_at_once:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                continue
            if self.half_close:
                conn.shutdown(socket.SHUT_WR)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        buf = numpy.empty(1 << 20, dtype=numpy.uint8)
        view = memoryview(buf)
        carry, offset = 0, None
        try:
            while not self._closing.is_set():
                n = c["sock"].recv_into(view[carry:])
                if n == 0:
                    return
                c["bytes"] += n
                have = carry + n
                whole = have - have % 8
                words = buf[:whole].view("<u8")
                if whole:
                    if offset is None:
                        offset = int(words[0])
                    expect = numpy.arange(offset, offset + words.size, dtype="<u8")
                    c["mismatches"] += int(numpy.count_nonzero(words != expect))
                    offset += words.size
                carry = have - whole
                buf[:carry] = buf[whole:have]
        except OSError as e:
            if not self._closing.is_set():
                self.errors.append(e)

    def close(self):
        self._closing.set()
        self.sock.close()
        for c in self.conns:
            try:
                c["sock"].close()
            except OSError:
                pass
