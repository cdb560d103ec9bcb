#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Inside the guest: ring pages really go out without a copy.

UDP through a `dummy` device (MTU 65000) is not delivered locally, so the
kernel has no reason to copy: every MSG_ZEROCOPY completion must carry code 0.
The same send from a remap_pfn_range() mapping fails with EFAULT, and
loopback TCP reports SO_EE_CODE_ZEROCOPY_COPIED (local delivery copies)."""

import errno
import os
import select
import socket
import struct
import subprocess
import unittest

import numpy

from gnuradio import zcdma

SO_ZEROCOPY = 60
MSG_ZEROCOPY = 0x4000000
SO_EE_ORIGIN_ZEROCOPY = 5
SO_EE_CODE_ZEROCOPY_COPIED = 1
IP_RECVERR = 11
KMOD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../kmod")


def drain(sock, until_id, timeout=5.0):
    """Read zerocopy notifications until one covers id `until_id`:
    returns [(lo, hi, code)], or what arrived before the timeout."""
    out = []
    while not any(lo <= until_id <= hi for lo, hi, _ in out):
        try:
            _, anc, _, _ = sock.recvmsg(0, 256, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except BlockingIOError:
            if not select.select([], [], [sock], timeout)[2]:
                return out
            continue
        for level, typ, data in anc:
            if level == socket.SOL_IP and typ == IP_RECVERR:
                _, origin, _, code, _, info, data_ = struct.unpack("=IBBBBII", data[:16])
                if origin == SO_EE_ORIGIN_ZEROCOPY:
                    out.append((info, data_, code))
    return out


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


class qa_zerocopy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sh("ip link add zc0 type dummy && ip link set zc0 mtu 65000 up && "
           "ip addr add 10.99.0.1/24 dev zc0")  # fmt: skip

    @classmethod
    def tearDownClass(cls):
        sh("ip link del zc0")

    def udp(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, SO_ZEROCOPY, 1)
        s.connect(("10.99.0.2", 9))  # routed out of zc0, dropped by it
        return s

    def test_ring_pages_go_out_uncopied(self):
        dev = zcdma.device("/dev/zcdma0:nbufs=8,bufsize=65536")
        dev.start()
        s = self.udp()
        sends = 0
        for _ in range(1024):
            with dev.acquire(timeout=5.0) as buf:
                view = memoryview(buf.array(numpy.uint8))[:60000]
                s.sendmsg([view], [], MSG_ZEROCOPY)
                # Completion-gated reuse: the slot goes back after the kernel
                # let go of its pages.
                done = drain(s, sends)
                sends += 1
                self.assertTrue(done, "no completion")
                self.assertTrue(all(code == 0 for _, _, code in done), done)
        dev.stop()
        s.close()
        print(f"dummy/UDP: {sends}/{sends} sends from ring pages completed with code 0")

    def test_pfnmap_mapping_gets_efault(self):
        sh(f"insmod {KMOD}/test/zcdma_pfnmap.ko")
        try:
            import mmap

            fd = os.open("/dev/zcdma_pfnmap", os.O_RDWR)
            m = mmap.mmap(fd, 65536, mmap.MAP_SHARED, mmap.PROT_READ)
            s = self.udp()
            with self.assertRaises(OSError) as cm:
                s.sendmsg([memoryview(m)[:60000]], [], MSG_ZEROCOPY)
            self.assertEqual(cm.exception.errno, errno.EFAULT)
            s.close()
            m.close()
            os.close(fd)
            print("remap_pfn_range mapping: sendmsg(MSG_ZEROCOPY) -> EFAULT")
        finally:
            sh("rmmod zcdma_pfnmap")

    def test_loopback_tcp_reports_copied(self):
        dev = zcdma.device("/dev/zcdma0:nbufs=8,bufsize=65536")
        dev.start()
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        c = socket.create_connection(srv.getsockname())
        peer, _ = srv.accept()
        c.setsockopt(socket.SOL_SOCKET, SO_ZEROCOPY, 1)
        with dev.acquire(timeout=5.0) as buf:
            c.sendmsg([memoryview(buf.array(numpy.uint8))], [], MSG_ZEROCOPY)
            got = 0
            while got < buf.nbytes:
                got += len(peer.recv(1 << 20))
            done = drain(c, 0)
        dev.stop()
        self.assertTrue(done)
        self.assertTrue(all(code & SO_EE_CODE_ZEROCOPY_COPIED for _, _, code in done))
        for x in (c, peer, srv):
            x.close()


if __name__ == "__main__":
    unittest.main()
