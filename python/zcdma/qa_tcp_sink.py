#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma.tcp_sink: integrity, interoperation with GNU Radio's own
network.tcp_source, peer faults, counters."""

import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
import textwrap
import threading
import time
import unittest

import numpy
import pmt
from test_support import IS_SIM, assert_inside, proc_counts, settled_counts, spec, wait_for

from gnuradio import blocks, gr, gr_unittest, zcdma

GIB = 1 << 30
SIOCINQ = 0x541B  # FIONREAD: bytes queued in a socket, not read


def accept(lsock):
    """The next peer, its reads limited to 60 s (a hung sink fails, not hangs)."""
    conn, _ = lsock.accept()
    conn.settimeout(60)
    return conn


def recv_exactly(conn, n):
    """n bytes, or fewer at EOF, reset or timeout."""
    got = bytearray()
    while len(got) < n:
        try:
            chunk = conn.recv(min(n - len(got), 1 << 20))
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        got += chunk
    return bytes(got)


def hang_up(conn):
    """Leave mid-stream like a peer that dies: shutdown(SHUT_RDWR) sends a FIN
    that acknowledges everything the kernel queued and makes it reset the
    connection on any later data; then close with the queued bytes unread
    (RST). Returns the bytes the kernel had acknowledged but the application
    never read: the sink counts them as delivered."""
    conn.shutdown(socket.SHUT_RDWR)
    unread = struct.unpack("i", fcntl.ioctl(conn, SIOCINQ, b"\0" * 4))[0]
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    return unread


def whole_words(data, first_byte=0):
    """The counter check of `data` (starting at stream byte first_byte, word
    aligned), ignoring a trailing partial word."""
    return zcdma.check_counter(data[: len(data) // 8 * 8], first_byte)


def result_line(out):
    """The fields of the "RESULT ..." line a subprocess printed (GNU Radio's
    log goes to the same streams)."""
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
    assert len(lines) == 1, out.stdout + out.stderr
    return lines[0].split()[1:]


def in_root_netns_tests():
    return os.geteuid() == 0 and shutil.which("ip") is not None


def refused_port():
    """A bound, not listening socket: connecting to its port is refused until
    .listen() is called on it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s


class qa_tcp_sink(gr_unittest.TestCase):
    def setUp(self):
        self.tb = gr.top_block()

    def tearDown(self):
        self.tb = None

    def assert_sent_from(self, snk, region):
        """Every byte handed to sendmsg() (the iovecs themselves, not work()'s
        input pointer) lay inside `region` (a numpy array): nothing copied
        the stream to another buffer before sending it."""
        assert_inside(self, snk.sent_address_ranges(), region, "sendmsg iov")

    def stream(self, zerocopy, nbytes, slow_bytes=64 << 20, rate=0, slot_tags=False, **kw):
        """sim/device ring -> zcdma.tcp_sink -> counter-checking receiver.
        Returns the sink's stats; the source stays in self.src."""
        rx = zcdma.CounterReceiver(slow_bytes=slow_bytes, stop_after=nbytes).start()
        dev = spec(pattern="counter", rate=rate, nbufs=32, bufsize=262144)
        src = self.src = zcdma.source(dev, 8, slot_tags=slot_tags)
        snk = zcdma.tcp_sink(8, "127.0.0.1", rx.port, zerocopy=zerocopy, **kw)
        self.tb.connect(src, snk)
        self.tb.start()
        finished = rx.wait(300)
        self.tb.stop()
        self.tb.wait()
        rx.close()
        self.assertTrue(finished, "receiver did not get everything")
        self.assertIsNone(rx.error)
        self.assertGreaterEqual(rx.bytes, nbytes)
        # A real-time source on a loaded machine may drop slots (the counter
        # jumps, by design); only then may the receiver see mismatches.
        if not (rate and src.get_device().stats.slots_dropped):
            self.assertEqual(rx.mismatches, 0)
        # The sink only ever read the device ring: nothing was copied before it.
        ring = src.get_device().mapping()
        lo, hi = snk.input_address_range()
        self.assertTrue(ring.ctypes.data <= lo and hi <= ring.ctypes.data + ring.size)
        self.assert_sent_from(snk, ring)
        self.assertGreater(src.in_ring_outputs(), 0)
        return snk.stats()

    def test_integrity_zerocopy_on(self):
        s = self.stream("on", GIB)
        self.assertGreaterEqual(s["zerocopy_bytes"] + s["copied_bytes"], GIB - (8 << 20))
        self.assertEqual(s["plain_bytes"], 0)
        self.assertEqual(s["unknown_completions"], 0)
        # The receiver hangs up once it has enough: what was in flight then is
        # counted, not silently dropped.
        self.assertTrue(s["bytes_lost"] == 0 or s["disconnects"] >= 1)

    def test_integrity_zerocopy_off(self):
        s = self.stream("off", GIB)
        self.assertEqual(s["zerocopy_bytes"] + s["copied_bytes"], 0)
        self.assertGreaterEqual(s["plain_bytes"], GIB)

    def test_auto_falls_back_on_loopback(self):
        # Loopback delivery copies every MSG_ZEROCOPY page: auto notices.
        s = self.stream("auto", 256 << 20, slow_bytes=0)
        self.assertGreaterEqual(s["auto_fallbacks"], 1)
        self.assertGreater(s["copied_bytes"], 0)
        self.assertGreater(s["plain_bytes"], 0)

    def test_latency_from_slot_timestamps(self):
        # rx_time on every slot: the sink ages each slot when the kernel lets go.
        bufsize, rate = 262144, 100e6  # stream()'s slots
        s = self.stream("off", 64 << 20, slow_bytes=0, rate=rate, slot_tags=True)
        slots = (64 << 20) // bufsize
        self.assertGreaterEqual(s["latency_count"], slots - 2)
        self.assertLessEqual(s["latency_count"], self.src.slots_out())
        self.assertTrue(0 < s["latency_p50_us"] <= s["latency_p99_us"] <= s["latency_max_us"], s)
        self.assertLess(s["latency_max_us"], 30e6)
        if IS_SIM:  # stamped at the first byte: a slot is a period old when it is ready
            self.assertGreaterEqual(s["latency_p50_us"], bufsize / rate * 1e6)

    def test_malformed_rx_time_is_counted_not_used(self):
        # Other sources' rx_time may be anything: only the UHD format is aged.
        rx = zcdma.CounterReceiver(stop_after=8 << 20).start()
        words = numpy.arange(1 << 20, dtype=numpy.uint64)

        def tag(offset, value):
            t = gr.tag_t()
            t.offset, t.key, t.value = offset, pmt.intern("rx_time"), value
            return t

        good = pmt.make_tuple(pmt.from_uint64(int(time.time()) - 1), pmt.from_double(0.5))
        tags = [
            tag(0, pmt.intern("noon")),
            tag(10, pmt.make_tuple(pmt.from_uint64(1), pmt.from_double(2.0))),
            tag(20, pmt.make_tuple(pmt.from_long(-5), pmt.from_double(0.1))),
            tag(30, good),
            tag(40, pmt.make_tuple(pmt.from_long(int(time.time())), pmt.from_double(0.0))),
        ]
        src = blocks.vector_source_s(words.view(numpy.int16).tolist(), False, 4, tags)
        snk = zcdma.tcp_sink(8, "127.0.0.1", rx.port, zerocopy="off")
        self.tb.connect(src, snk)
        self.tb.run()
        rx.wait(30)
        rx.close()
        self.assertEqual(rx.mismatches, 0)
        s = snk.stats()
        self.assertEqual(s["latency_bad_stamps"], 3)
        self.assertEqual(s["latency_count"], 2)
        self.assertLess(s["latency_max_us"], 60e6)

    def test_default_buffers_work_too(self):
        # GNU Radio's own (page-backed) buffers feed the sink just as well.
        rx = zcdma.CounterReceiver(stop_after=64 << 20).start()
        words = numpy.arange(1 << 20, dtype=numpy.uint64)
        src = blocks.vector_source_s(words.view(numpy.int16).tolist(), False, 4)
        snk = zcdma.tcp_sink(8, "127.0.0.1", rx.port, zerocopy="on")
        self.tb.connect(src, snk)
        self.tb.run()
        rx.wait(30)
        rx.close()
        self.assertEqual(rx.bytes, 8 << 20)
        self.assertEqual(rx.mismatches, 0)

    def test_interop_with_network_tcp_source(self):
        # The receiver is GNU Radio's own tcp_source, in another process.
        nbytes = 64 << 20
        src = zcdma.source(spec(pattern="counter", rate=0, nbufs=16, bufsize=65536), 8)
        snk = zcdma.tcp_sink(8, "127.0.0.1", 0, server=True, zerocopy="on")
        self.tb.connect(src, snk)
        self.tb.start()
        peer = textwrap.dedent(
            f"""
            import numpy
            from gnuradio import blocks, gr, network
            tb = gr.top_block()
            rx = network.tcp_source.tcp_source(8, "127.0.0.1", {snk.port()}, False)
            head = blocks.head(8, {nbytes // 8})
            sink = blocks.vector_sink_s(4)
            tb.connect(rx, head, sink)
            tb.run()
            w = numpy.array(sink.data(), dtype=numpy.int16).view(numpy.uint64)
            bad = int(numpy.count_nonzero(w != numpy.arange(len(w), dtype=numpy.uint64)))
            print(len(w), bad)
            """
        )
        out = subprocess.run(
            [sys.executable, "-c", peer], capture_output=True, text=True, timeout=120
        )
        self.tb.stop()
        self.tb.wait()
        self.assertEqual(out.returncode, 0, out.stderr)
        count, bad = map(int, out.stdout.split())
        self.assertEqual(count, nbytes // 8)
        self.assertEqual(bad, 0)

    def test_peer_never_connects(self):
        blocker = refused_port()
        src = zcdma.source(spec(nbufs=8, bufsize=65536), 8)
        snk = zcdma.tcp_sink(8, "127.0.0.1", blocker.getsockname()[1])
        self.tb.connect(src, snk)
        self.tb.start()
        self.assertTrue(wait_for(lambda: snk.stats()["connect_failures"] >= 2))
        t0 = time.monotonic()
        self.tb.stop()
        self.tb.wait()
        self.assertLess(time.monotonic() - t0, 5)  # stop() is prompt
        self.assertFalse(snk.connected())
        self.assertEqual(snk.bytes_sent(), 0)
        blocker.close()

    def test_peer_connects_late(self):
        late = refused_port()
        port = late.getsockname()[1]
        src = zcdma.source(spec(pattern="counter", rate=0, nbufs=8, bufsize=65536), 8)
        snk = zcdma.tcp_sink(8, "127.0.0.1", port, zerocopy="on")
        self.tb.connect(src, snk)
        self.tb.start()
        self.assertTrue(wait_for(lambda: snk.stats()["connect_failures"] >= 1))
        late.listen(1)  # now the peer shows up
        conn, _ = late.accept()
        got = b""
        while len(got) < 32 << 20:
            chunk = conn.recv(1 << 20)
            self.assertTrue(chunk)
            got += chunk
        self.tb.stop()
        self.tb.wait()
        conn.close()
        late.close()
        whole = len(got) // 8 * 8
        self.assertEqual(zcdma.check_counter(got[:whole], 0), 0)  # from the first byte
        self.assertGreaterEqual(snk.stats()["connect_failures"], 1)
        self.assertEqual(snk.reconnects(), 0)  # the first connection is not a reconnect

    def test_peer_killed_mid_stream_then_back(self):
        # Server-mode receiver that drops the first connection after 16 MiB and
        # serves the reconnect; the sink (client) must retry and carry on.
        rx = zcdma.CounterReceiver(resync=True, drop_first_after=16 << 20, max_connections=2)
        rx.start()
        src = zcdma.source(spec(pattern="counter", rate=0, nbufs=16, bufsize=65536), 8)
        snk = zcdma.tcp_sink(8, "127.0.0.1", rx.port, zerocopy="on", stats_interval=0.05)
        dbg = blocks.message_debug()
        self.tb.connect(src, snk)
        self.tb.msg_connect(snk, "stats", dbg, "store")
        self.tb.start()
        self.assertTrue(wait_for(lambda: rx.connections == 2 and rx.bytes > 32 << 20, 60))
        self.tb.stop()
        self.tb.wait()
        rx.close()
        s = snk.stats()
        self.assertEqual(rx.mismatches, 0)  # each connection's stream is intact
        self.assertGreaterEqual(s["disconnects"], 1)
        self.assertGreaterEqual(s["reconnects"], 1)
        # The stats port published dicts with the same counters.
        self.assertGreater(dbg.num_messages(), 0)
        last = dbg.get_message(dbg.num_messages() - 1)
        for key in ("bytes_sent", "zerocopy_bytes", "copied_bytes", "inflight_bytes", "reconnects"):
            self.assertTrue(pmt.dict_has_key(last, pmt.intern(key)), key)
        sent = pmt.to_uint64(pmt.dict_ref(last, pmt.intern("bytes_sent"), pmt.PMT_NIL))
        self.assertLessEqual(sent, s["bytes_sent"])

    def test_server_serves_next_peer(self):
        src = zcdma.source(spec(pattern="counter", rate=0, nbufs=16, bufsize=65536), 8)
        snk = zcdma.tcp_sink(8, "127.0.0.1", 0, server=True, zerocopy="on")
        self.tb.connect(src, snk)
        self.tb.start()
        self.assertTrue(wait_for(lambda: snk.port() != 0))
        for _ in range(2):
            c = socket.create_connection(("127.0.0.1", snk.port()))
            got = 0
            while got < 4 << 20:
                got += len(c.recv(1 << 20))
            c.close()
            self.assertTrue(wait_for(lambda: not snk.connected()))
        self.tb.stop()
        self.tb.wait()
        self.assertEqual(snk.reconnects(), 1)
        self.assertGreaterEqual(snk.stats()["disconnects"], 2)

    def test_restart_cycles_leak_nothing(self):
        rx = zcdma.CounterReceiver(resync=True, max_connections=100).start()
        src = zcdma.source(spec(pattern="counter", rate=0, nbufs=16, bufsize=65536), 8)
        snk = zcdma.tcp_sink(8, "127.0.0.1", rx.port, zerocopy="on")
        self.tb.connect(src, snk)

        def cycle():
            sent = snk.bytes_sent()
            self.tb.start()
            self.assertTrue(wait_for(lambda: snk.bytes_sent() > sent + (1 << 20)))
            self.tb.stop()
            self.tb.wait()

        for _ in range(10):  # malloc arenas and thread stacks settle first
            cycle()
        before = proc_counts()
        for _ in range(20):
            cycle()
        after = settled_counts(before)
        rx.close()
        self.assertLessEqual(after, before)  # fds, mappings, threads
        self.assertEqual(rx.mismatches, 0)
        self.assertGreaterEqual(rx.connections, 30)

    def test_max_inflight_caps_every_send(self):
        # 1 MiB sends, 192 KiB cap: each send is cut to what the cap leaves.
        cap = 192 << 10
        s = self.stream("on", 64 << 20, slow_bytes=0, max_inflight=cap)
        self.assertGreater(s["inflight_peak"], 0)
        self.assertLessEqual(s["inflight_peak"], cap)
        self.assertGreaterEqual(s["zerocopy_bytes"] + s["copied_bytes"], 32 << 20)

    def test_planned_end_after_exact_bytes(self):
        # The stream ends where asked, mid-slot: every byte completes, the
        # connection closes cleanly (the receiver reads to EOF), the flowgraph
        # finishes by itself, and nothing counts as lost.
        budget = (8 << 20) + 8 * 12345
        rx = zcdma.CounterReceiver().start()  # reads to EOF
        src = zcdma.source("sim:pattern=counter,rate=0,nbufs=16,bufsize=65536", 8)
        snk = zcdma.tcp_sink(8, "127.0.0.1", rx.port, zerocopy="on")
        snk.set_end_after(budget)
        self.assertEqual(snk.end_after(), budget)
        self.tb.connect(src, snk)
        self.tb.start()
        waiter = threading.Thread(target=self.tb.wait, daemon=True)
        waiter.start()
        waiter.join(60)
        ended = not waiter.is_alive()
        if not ended:
            self.tb.stop()
            self.tb.wait()
        finished = rx.wait(30)
        rx.close()
        self.assertTrue(ended, "the flowgraph did not finish")
        self.assertTrue(finished)
        self.assertIsNone(rx.error)
        self.assertEqual((rx.bytes, rx.mismatches), (budget, 0))
        s = snk.stats()
        self.assertEqual((s["bytes_sent"], s["bytes_lost"], s["disconnects"]), (budget, 0, 0))
        self.assertEqual(s["inflight_bytes"], 0)
        with self.assertRaisesRegex(ValueError, "end_after 7 is not a multiple of itemsize 8"):
            snk.set_end_after(7)

    def reconnect_mid_stream(self, zerocopy):
        """The receiver hangs up after an odd number of bytes, unread data in
        its queue, and a new peer connects. The new peer's first word must
        start a slot, the counter must run on from there, and the gap it sees
        must be exactly bytes_lost: no duplicated, misaligned or uncounted
        bytes."""
        bufsize = 65536
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(2)
        lsock.settimeout(60)
        # The sim, lossless: on a real-time device dropped slots would widen the gap.
        src = zcdma.source(f"sim:pattern=counter,rate=0,nbufs=16,bufsize={bufsize}", 8)
        # Sends of 100000 bytes end mid-word and mid-slot, partial sends anywhere.
        snk = zcdma.tcp_sink(
            8, "127.0.0.1", lsock.getsockname()[1], zerocopy=zerocopy, send_size=100000
        )
        self.tb.connect(src, snk)
        self.tb.start()
        try:
            conn = accept(lsock)
            first = recv_exactly(conn, (6 << 20) + 12345)  # mid-word, mid-slot
            unread = hang_up(conn)
            conn = accept(lsock)
            second = recv_exactly(conn, 4 << 20)
            s = snk.stats()  # nothing is lost between here and the next hang-up
            conn.close()
        finally:
            self.tb.stop()
            self.tb.wait()
            lsock.close()
        self.assertEqual(len(first), (6 << 20) + 12345)
        self.assertEqual(whole_words(first, 0), 0)
        self.assertEqual(len(second), 4 << 20)
        resumed = int(numpy.frombuffer(second[:8], dtype="<u8")[0]) * 8
        self.assertEqual(resumed % bufsize, 0, f"new peer starts at byte {resumed}, mid-slot")
        self.assertEqual(zcdma.check_counter(second, resumed), 0)
        gap = resumed - (len(first) + unread)
        self.assertEqual(gap, s["bytes_lost"], s)
        self.assertEqual(s["disconnects"], 1)
        self.assertEqual(s["reconnects"], 1)
        return s

    def test_reconnect_resumes_on_slot_boundary_zerocopy(self):
        self.reconnect_mid_stream("on")

    def test_reconnect_resumes_on_slot_boundary_plain(self):
        # Plain sends are done for the tracker at once: what the peer never
        # acknowledged must be counted all the same.
        self.reconnect_mid_stream("off")

    def test_finite_flowgraph_ends_after_disconnect_with_plain_sends_queued(self):
        # auto switches to plain send() with zero-copy sends still in flight;
        # the peer leaves then: the plain sends queued behind those must be
        # consumed too, or the last bytes are never consumed and run() hangs.
        #
        # The reader makes that state, whatever the scheduling. It never lets
        # the kernel acknowledge every zero-copy send: it reads only while the
        # sink has handed the kernel at least `ahead` zero-copy bytes more than
        # were read. It cannot hold more than `held` bytes it has not read
        # (SO_RCVBUF, and its window, is small), so at least ahead - held of
        # those stay unacknowledged: their completion cannot come, and
        # inflight_bytes > 0 at every reap. Loopback copies every page, so
        # the 8th COPIED notification switches auto to plain sends, which
        # queue behind them. Nothing is acknowledged while the reader waits,
        # so the state stays until it hangs up.
        nbytes = 16 << 20
        words = numpy.arange(nbytes // 8, dtype=numpy.uint64)
        src = blocks.vector_source_s(words.view(numpy.int16).tolist(), False, 4)
        src.set_min_output_buffer(1 << 20)  # 8 MiB: room for MiBs in flight
        lsock = socket.socket()
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 10)  # inherited
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(2)
        lsock.settimeout(60)
        # A zero-copy notification covers sends of up to 512 KiB (the kernel
        # coalesces them): the oldest one in flight, partly acknowledged, may
        # hold that much; the rest of the cap is what the reader can wait for.
        cap, chunk = 1 << 20, 16 << 10
        snk = zcdma.tcp_sink(
            8,
            "127.0.0.1",
            lsock.getsockname()[1],
            send_size=64 << 10,
            max_inflight=cap,
            # Zero-window probing counts against TCP_USER_TIMEOUT: a slow
            # reader (TCG) must not look like a dead one.
            peer_timeout=600,
        )
        self.tb.connect(src, snk)
        self.tb.start()
        waiter = threading.Thread(target=self.tb.wait, daemon=True)
        try:
            conn = accept(lsock)
            held = 4 * conn.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)  # generous
            ahead = held + (64 << 10)
            self.assertLessEqual(ahead + chunk, cap - (512 << 10))
            first = bytearray()

            def zerocopy_sent(s):  # handed to the kernel with MSG_ZEROCOPY
                return s["zerocopy_bytes"] + s["copied_bytes"] + s["inflight_bytes"]

            def next_step():  # the first stats snapshot to act on
                found = []

                def ready():
                    s = snk.stats()
                    there = s["auto_fallbacks"] and s["plain_bytes"]
                    if there or zerocopy_sent(s) - len(first) >= ahead + chunk:
                        found.append(s)
                    return found

                self.assertTrue(wait_for(ready, 60), snk.stats())
                return found[0]

            # Read while that leaves `ahead` zero-copy bytes sent but not read,
            # else wait for the sink to refill once a completion frees the cap,
            # until plain sends queue behind zero-copy sends in flight. After
            # the switch, reading frees room in the sink's SO_SNDBUF for plain
            # sends, should zero-copy ones have filled it.
            while not next_step()["plain_bytes"]:
                piece = conn.recv(chunk)
                self.assertTrue(piece, "the sink closed the connection")
                first += piece
            s = snk.stats()
            self.assertGreater(s["inflight_bytes"], 0, s)
            self.assertEqual(s["auto_fallbacks"], 1, s)
            self.assertGreaterEqual(s["notifications"], 8, s)
            unread = hang_up(conn)
            conn = accept(lsock)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            second = recv_exactly(conn, nbytes)  # to EOF: the flowgraph ends
            conn.close()
            waiter.start()
            waiter.join(60)
            ended = not waiter.is_alive()
        finally:
            self.tb.stop()
            if waiter.is_alive() or not waiter.ident:
                self.tb.wait()
            lsock.close()
        self.assertTrue(ended, "the flowgraph did not finish")
        s = snk.stats()
        self.assertEqual(whole_words(first, 0), 0)
        resumed = int(numpy.frombuffer(second[:8], dtype="<u8")[0]) * 8
        self.assertEqual(zcdma.check_counter(second, resumed), 0)
        self.assertEqual(resumed + len(second), nbytes)
        self.assertEqual(resumed - (len(first) + unread), s["bytes_lost"], s)
        self.assertEqual(s["disconnects"], 1, s)

    def run_in_netns(self, script, optmem_max):
        """Run a Python script in a fresh network namespace whose
        net.core.optmem_max (per namespace since Linux 6.9) is set."""
        ns = f"zcdma-qa-{os.getpid()}-{threading.get_ident() % 100000}"
        with open("/proc/sys/net/core/optmem_max") as f:
            ours = f.read()
        made = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True)
        if made.returncode:  # e.g. a read-only /run in the VM guest
            self.skipTest(f"cannot make a network namespace: {made.stderr.strip()}")
        try:
            subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
            knob = "/proc/sys/net/core/optmem_max"
            own = subprocess.run(["ip", "netns", "exec", ns, "test", "-e", knob])
            if own.returncode:  # only the initial namespace has it
                self.skipTest("net.core.optmem_max is not per namespace (Linux < 6.9)")
            subprocess.run(
                ["ip", "netns", "exec", ns, "sysctl", "-qw", f"net.core.optmem_max={optmem_max}"],
                check=True,
            )
            with open("/proc/sys/net/core/optmem_max") as f:
                if f.read() != ours:  # one global value: put it back
                    with open("/proc/sys/net/core/optmem_max", "w") as w:
                        w.write(ours)
                    self.skipTest("net.core.optmem_max is not per namespace (Linux < 6.9)")
            return subprocess.run(
                ["ip", "netns", "exec", ns, sys.executable, "-c", textwrap.dedent(script)],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            subprocess.run(["ip", "netns", "del", ns], check=False)

    @unittest.skipUnless(in_root_netns_tests(), "needs root and ip(8) for a network namespace")
    def test_enobufs_with_nothing_in_flight_auto_falls_back(self):
        # optmem_max=0: no room for even one zero-copy notification.
        out = self.run_in_netns(
            f"""
            from gnuradio import blocks, gr, zcdma
            import numpy
            rx = zcdma.CounterReceiver(stop_after={8 << 20}).start()
            words = numpy.arange({1 << 20}, dtype=numpy.uint64)
            src = blocks.vector_source_s(words.view(numpy.int16).tolist(), False, 4)
            snk = zcdma.tcp_sink(8, "127.0.0.1", rx.port, zerocopy="auto")
            tb = gr.top_block()
            tb.connect(src, snk)
            tb.run()
            rx.wait(30)
            rx.close()
            s = snk.stats()
            print("RESULT", rx.bytes, rx.mismatches, s["enobufs"], s["auto_fallbacks"],
                  s["plain_bytes"])
            """,
            optmem_max=0,
        )
        self.assertEqual(out.returncode, 0, out.stderr)
        got, bad, enobufs, fallbacks, plain = map(int, result_line(out))
        self.assertEqual((got, bad), (8 << 20, 0))
        self.assertEqual((enobufs, fallbacks, plain), (1, 1, 8 << 20))

    @unittest.skipUnless(in_root_netns_tests(), "needs root and ip(8) for a network namespace")
    def test_enobufs_with_nothing_in_flight_on_backs_off(self):
        # zerocopy=on cannot send at all: it must wait, not spin. The number
        # of sendmsg() attempts is bounded by the back-off (1 ms doubling to
        # 1 s) over however long the run took, instead of millions a second.
        out = self.run_in_netns(
            """
            import time
            from gnuradio import blocks, gr, zcdma
            rx = zcdma.CounterReceiver().start()
            src = zcdma.source("sim:pattern=counter,rate=0,nbufs=8,bufsize=65536", 8)
            snk = zcdma.tcp_sink(8, "127.0.0.1", rx.port, zerocopy="on")
            tb = gr.top_block()
            tb.connect(src, snk)
            t0 = time.monotonic()
            tb.start()
            while snk.stats()["enobufs"] < 8 and time.monotonic() < t0 + 60:
                time.sleep(0.01)
            tb.stop()
            tb.wait()
            elapsed = time.monotonic() - t0
            rx.close()
            s = snk.stats()
            print("RESULT", s["enobufs"], s.get("enobufs_backoffs", -1), s["bytes_sent"],
                  s["sends"], elapsed)
            """,
            optmem_max=0,
        )
        self.assertEqual(out.returncode, 0, out.stderr)
        enobufs, backoffs, sent, sends, elapsed = result_line(out)
        enobufs, backoffs, elapsed = int(enobufs), int(backoffs), float(elapsed)
        self.assertGreaterEqual(enobufs, 8)
        # 11 attempts in the first 1.023 s, then one a second.
        self.assertLessEqual(enobufs, 12 + elapsed)
        self.assertEqual(backoffs, enobufs)  # every failed attempt waited
        self.assertEqual((int(sent), int(sends)), (0, 0))
        log = out.stdout + out.stderr
        self.assertEqual(log.count("too small for one notification"), 1, log)

    def test_bad_parameters(self):
        with self.assertRaisesRegex(ValueError, "port 70000 out of range"):
            zcdma.tcp_sink(8, "127.0.0.1", 70000)
        with self.assertRaisesRegex(ValueError, "port 0 out of range"):
            zcdma.tcp_sink(8, "127.0.0.1", 0)  # a client needs a real port
        with self.assertRaisesRegex(ValueError, "cannot resolve host 'no-such-host.invalid'"):
            zcdma.tcp_sink(8, "no-such-host.invalid", 1234)
        with self.assertRaisesRegex(ValueError, "'maybe'"):
            zcdma.tcp_sink(8, "127.0.0.1", 1234, zerocopy="maybe")
        with self.assertRaisesRegex(ValueError, "stats_interval"):
            zcdma.tcp_sink(8, "127.0.0.1", 1234, stats_interval=-1)

    def test_address_in_use(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        with self.assertRaises(OSError) as cm:
            zcdma.tcp_sink(8, "127.0.0.1", busy.getsockname()[1], server=True)
        self.assertIn("Address already in use", str(cm.exception))
        busy.close()


if __name__ == "__main__":
    gr_unittest.run(qa_tcp_sink)
