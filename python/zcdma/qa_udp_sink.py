#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma.udp_sink: counter integrity, zero copy from the ring, GNU Radio's
own network.udp_source as seqnum receiver (with and without loss), VITA-49
decoded by tshark, MTU refusal, bad input, lock/unlock."""

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import unittest

import numpy
import pmt
from test_support import assert_inside, spec, wait_for

from gnuradio import blocks, gr, gr_unittest, zcdma

try:
    import netns_support
except ImportError:  # run from elsewhere
    netns_support = None

WORD = numpy.dtype("<u8")


class DatagramReceiver:
    """Receives datagrams on a UDP socket of its own (port 0) into a list:
    the first stop_after (then .done is set; later ones are read and
    dropped), or all until close(). forward_to: relay each datagram
    to that address except the indices in `drop` (a lossy link)."""

    def __init__(self, host="127.0.0.1", stop_after=None, forward_to=None, drop=()):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        # Far more than a test sends: the kernel never drops for want of room.
        self.sock.setsockopt(socket.SOL_SOCKET, 33, 256 << 20)  # SO_RCVBUFFORCE
        self.sock.bind((host, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams = []
        self.stop_after = stop_after
        self.forward_to = forward_to
        self.drop = set(drop)
        self.done = threading.Event()
        self._closing = threading.Event()
        self._out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM) if forward_to else None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._closing.is_set():
            try:
                d = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if self.stop_after and len(self.datagrams) >= self.stop_after:
                continue  # keep draining, keep the first stop_after
            i = len(self.datagrams)
            self.datagrams.append(d)
            if self._out and i not in self.drop:
                self._out.sendto(d, self.forward_to)
            if self.stop_after and len(self.datagrams) >= self.stop_after:
                self.done.set()

    def close(self):
        self._closing.set()
        self._thread.join(10)
        self.sock.close()
        if self._out:
            self._out.close()


def write_pcap(path, datagrams, port):
    """A pcap (LINKTYPE_RAW) of the datagrams as 127.0.0.1:40000 -> :port."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for d in datagrams:
            udp = struct.pack("!HHHH", 40000, port, 8 + len(d), 0) + d
            ip = struct.pack(
                "!BBHHHBBH4s4s",
                0x45,
                0,
                20 + len(udp),
                0,
                0x4000,
                64,
                17,
                0,
                bytes([127, 0, 0, 1]),
                bytes([127, 0, 0, 1]),
            )
            f.write(struct.pack("<IIII", 0, 0, 20 + len(udp), 20 + len(udp)) + ip + udp)


def tshark_vrt(datagrams, port):
    """tshark's own VRT dissector on the datagrams: one dict per packet."""
    fields = [
        "vrt.type",
        "vrt.sid",
        "vrt.seq",
        "vrt.ts_int",
        "vrt.ts_frac_picosecond",
        "vrt.oui",
        "vrt.icc",
        "vrt.pcc",
        "vrt.len",
        "vrt.tsi",
        "vrt.tsf",
    ]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "vrt.pcap")
        write_pcap(path, datagrams, port)
        out = subprocess.run(
            [
                "tshark",
                "-r",
                path,
                "-d",
                f"udp.port=={port},vrt",
                "-T",
                "fields",
                "-E",
                "separator=,",
            ]
            + [a for f in fields for a in ("-e", f)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    rows = []
    for line in out.splitlines():
        vals = line.split(",")
        rows.append(
            {f.split(".")[1]: (int(v, 0) if v else None) for f, v in zip(fields, vals, strict=True)}
        )
    return rows


def be_words(d, offset, n):
    return struct.unpack(f"!{n}I", d[offset : offset + 4 * n])


def free_udp_port():
    """A port nobody uses now (for network.udp_source, which has no port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def words_of(d, header=0):
    return numpy.frombuffer(d, dtype=WORD, offset=header)


class captured_output:
    """fds 1 and 2 to a file while inside (GNU Radio's logger writes there)."""

    def __enter__(self):
        self.file = tempfile.TemporaryFile(mode="w+b")
        self.saved = [os.dup(1), os.dup(2)]
        os.dup2(self.file.fileno(), 1)
        os.dup2(self.file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        for fd, saved in zip((1, 2), self.saved, strict=True):
            os.dup2(saved, fd)
            os.close(saved)
        self.file.seek(0)
        self.text = self.file.read().decode(errors="replace")
        self.file.close()


class qa_udp_sink(gr_unittest.TestCase):
    def setUp(self):
        self.tb = gr.top_block()

    def tearDown(self):
        self.tb = None

    def assert_sent_from(self, snk, region):
        """Every payload iovec handed to sendmsg() lay inside `region`."""
        assert_inside(self, snk.sent_address_ranges(), region, "sendmsg iov")

    def assert_counter_datagrams(self, datagrams, header=0, first_word=None):
        """Each datagram continues the counter where the previous ended."""
        self.assertGreater(len(datagrams), 0)
        nxt = first_word
        for i, d in enumerate(datagrams):
            w = words_of(d, header)
            if nxt is None:
                nxt = int(w[0])
            self.assertEqual(int(w[0]), nxt, f"datagram {i} starts at word {w[0]}, not {nxt}")
            self.assertEqual(zcdma.check_counter(w, nxt * 8), 0, f"datagram {i}")
            nxt += w.size
        return nxt

    def ring_stream(self, zerocopy, nbytes, **kw):
        """sim ring -> udp_sink(framing none) -> receiver; returns (stats, datagrams)."""
        rx = DatagramReceiver(stop_after=nbytes // 1472)
        # rate=0: the producer waits for free slots, so the counter has no
        # gaps (a real-time rate drops slots when the machine is busy, and a
        # datagram across such a gap jumps inside, by design).
        dev = spec(pattern="counter", rate=0, nbufs=32, bufsize=65536)
        src = zcdma.source(dev, 8)
        snk = zcdma.udp_sink(8, "127.0.0.1", rx.port, zerocopy=zerocopy, **kw)
        self.tb.connect(src, snk)
        self.tb.start()
        finished = rx.done.wait(120)
        self.tb.stop()
        self.tb.wait()
        rx.close()
        self.assertTrue(finished, "receiver did not get everything")
        ring = src.get_device().mapping()
        self.assert_sent_from(snk, ring)
        s = snk.stats()
        if not src.get_device().stats.slots_dropped:  # the kernel ring's rate is its own
            self.assert_counter_datagrams(rx.datagrams)
        # Every payload byte was completed and accounted for.
        self.assertEqual(s["inflight_bytes"], 0)
        self.assertEqual(
            s["zerocopy_bytes"] + s["copied_bytes"] + s["plain_bytes"], s["payload_bytes"]
        )
        self.assertEqual(s["unknown_completions"], 0)
        self.assertEqual(s["send_errors"], 0)
        return s, rx.datagrams

    def test_none_counter_from_ring_zerocopy_on(self):
        s, dgs = self.ring_stream("on", 8 << 20)
        self.assertEqual(s["plain_bytes"], 0)
        self.assertGreater(s["zerocopy_bytes"] + s["copied_bytes"], 0)
        self.assertTrue(all(len(d) == 1472 for d in dgs[:-1]))  # the last: stop()'s tail
        self.assertTrue(s["gso_active"])
        self.assertLess(s["sends"], s["datagrams"])  # GSO: many per sendmsg()

    def test_none_counter_without_gso_zerocopy_off(self):
        s, _ = self.ring_stream("off", 4 << 20, gso=False)
        self.assertEqual(s["zerocopy_bytes"] + s["copied_bytes"], 0)
        self.assertEqual(s["sends"], s["datagrams"])

    def test_auto_falls_back_on_loopback(self):
        s, _ = self.ring_stream("auto", 8 << 20)
        self.assertGreaterEqual(s["auto_fallbacks"], 1)
        self.assertGreater(s["copied_bytes"], 0)

    def test_short_last_datagram_at_end(self):
        # 1000 words: 5 full datagrams of 184 words and a short one of 80.
        rx = DatagramReceiver(stop_after=6)
        src = blocks.vector_source_s(
            numpy.arange(1000, dtype=WORD).view(numpy.int16).tolist(), False, 4
        )
        snk = zcdma.udp_sink(8, "127.0.0.1", rx.port, zerocopy="off")
        self.tb.connect(src, snk)
        self.tb.run()
        self.assertTrue(rx.done.wait(30))
        rx.close()
        self.assertEqual([len(d) for d in rx.datagrams], [1472] * 5 + [640])
        self.assertEqual(self.assert_counter_datagrams(rx.datagrams, first_word=0), 1000)
        self.assertEqual(snk.stats()["tail_bytes"], 640)

    def stock_udp_source_run(self, drop):
        """counter -> udp_sink(seqnum) -> [relay dropping `drop`] -> network.udp_source."""
        from gnuradio import network

        port = free_udp_port()
        ndgrams, words_per = 300, (1472 - 8) // 8
        relay = DatagramReceiver(forward_to=("127.0.0.1", port), drop=drop, stop_after=ndgrams)
        nwords = ndgrams * words_per
        src = blocks.vector_source_s(
            numpy.arange(nwords, dtype=WORD).view(numpy.int16).tolist(), False, 4
        )
        # udp_source reads one datagram per work() into a default-sized
        # socket buffer: keep the rate modest (100 datagrams/s: 140 KB/s against its 208 KiB).
        thr = blocks.throttle(8, 100 * words_per)
        snk = zcdma.udp_sink(8, "127.0.0.1", relay.port, framing="seqnum", payload_size=1472)
        rx = network.udp_source(8, 1, port, 1, 1472, True, False, False)
        head = blocks.head(8, (ndgrams - len(drop)) * words_per)
        out = blocks.vector_sink_s(4)
        self.tb.connect(src, thr, snk)
        self.tb.connect(rx, head, out)
        expected = (ndgrams - len(drop)) * words_per * 4
        with captured_output() as err:
            self.tb.start()
            wait_for(lambda: len(out.data()) >= expected, 60)
            self.tb.stop()
            self.tb.wait()
        relay.close()
        got = numpy.array(out.data(), dtype=numpy.int16).view(WORD)
        seqs = [struct.unpack("=Q", d[:8])[0] for d in relay.datagrams]
        self.assertEqual(seqs, list(range(1, ndgrams + 1)))
        return got.reshape(-1, words_per), err.text

    def test_seqnum_stock_udp_source_no_loss(self):
        blocks_, log = self.stock_udp_source_run(drop=())
        self.assertEqual(zcdma.check_counter(blocks_.ravel(), 0), 0)
        self.assertNotIn("missed", log)

    def test_seqnum_stock_udp_source_reports_gap(self):
        drop = (10, 100, 101)
        blocks_, log = self.stock_udp_source_run(drop=drop)
        kept = [i for i in range(blocks_.shape[0] + len(drop)) if i not in drop]
        starts = [int(b[0]) // blocks_.shape[1] for b in blocks_]
        self.assertEqual(starts, kept[: len(starts)])
        missed = [int(ln.rsplit(":", 1)[1]) for ln in log.splitlines() if "missed" in ln]
        self.assertEqual(sum(missed), len(drop), log)

    def test_bad_parameters(self):
        cases = [
            (dict(framing="rtp"), "rtp"),
            (dict(zerocopy="maybe"), "maybe"),
            (dict(swap="flip"), "flip"),
            (dict(payload_size=-1), "-1"),
            (dict(payload_size=70000), "70000"),
            (dict(framing="seqnum", payload_size=1470), "1470"),
            (dict(framing="vita49"), "sample_rate"),
            (dict(framing="vita49", sample_rate=1e6, itemsize=3), "itemsize 3"),
            (dict(stream_id=5), "vita49"),
            # DIFI: complex signed fixed point (sc16) only, never fc32
            (dict(framing="vita49", sample_rate=1e6, difi=True), "itemsize 8"),
            (dict(multicast_ttl=300), "300"),
            (dict(port=0), "port 0"),
            (dict(port=70000), "70000"),
            (dict(host="no.such.host.invalid"), "no.such.host.invalid"),
            (dict(interface="nosuchif0"), "nosuchif0"),
            (dict(payload_size=4), "payload_size 4"),
            (dict(send_buffer=-1), "send_buffer must be >= 0"),
        ]
        for kw, needle in cases:
            args = dict(itemsize=8, host="127.0.0.1", port=9)
            args.update(kw)
            with self.assertRaises(ValueError, msg=str(kw)) as cm:
                zcdma.udp_sink(**args)
            self.assertIn(needle, str(cm.exception))

    def test_send_buffer_is_what_the_kernel_granted(self):
        # SO_SNDBUF as asked (the kernel doubles it and caps it at wmem_max);
        # 0 leaves the socket at wmem_default.
        wmem_max = int(open("/proc/sys/net/core/wmem_max").read())
        wmem_default = int(open("/proc/sys/net/core/wmem_default").read())
        ask = min(100_000, wmem_max)
        for send_buffer, want in [
            (ask, 2 * ask),
            (0, wmem_default),
            (None, 2 * min(4 << 20, wmem_max)),  # the default asks for 4 MiB
        ]:
            kw = {} if send_buffer is None else dict(send_buffer=send_buffer)
            snk = zcdma.udp_sink(8, "127.0.0.1", 9, **kw)
            self.assertEqual(snk.stats()["send_buffer_bytes"], want, msg=str(kw))

    def test_lock_unlock_survives(self):
        rx = DatagramReceiver()
        dev = spec(pattern="counter", rate=20000000, nbufs=32, bufsize=65536)
        src = zcdma.source(dev, 8)
        snk = zcdma.udp_sink(8, "127.0.0.1", rx.port, zerocopy="on")
        self.tb.connect(src, snk)
        self.tb.start()
        for n in (200, 400, 600):
            self.assertTrue(wait_for(lambda n=n: len(rx.datagrams) >= n, 60))
            self.tb.lock()
            self.tb.unlock()
        self.assertTrue(wait_for(lambda: len(rx.datagrams) >= 800, 60))
        self.tb.stop()
        self.tb.wait()
        rx.close()
        # Resynchronising after unlock skips slots: the counter may jump
        # forward, inside a datagram too, but never goes back.
        for d in rx.datagrams:
            self.assertTrue(numpy.all(numpy.diff(words_of(d).astype(numpy.int64)) >= 1))
        firsts = [int(words_of(d)[0]) for d in rx.datagrams]
        self.assertEqual(firsts, sorted(firsts))  # forward only
        self.assertEqual(snk.stats()["send_errors"], 0)

    def vita49_run(self, difi):
        """Counter words (fc32 items; sc16, two per word, for DIFI) with
        rx_time at 0 and an overrun + rx_time jump at word 2000 ->
        udp_sink(vita49) -> receiver. Returns rx, sink, items per word."""
        n, jump, rate = 5000, 2000, 1e6
        itemsize = 4 if difi else 8  # DIFI: complex signed fixed point only
        per_word = 8 // itemsize

        def tag(offset, key, value):
            t = gr.tag_t()
            t.offset, t.key, t.value = offset, pmt.intern(key), value
            return t

        def rx_time(s, f):
            return pmt.make_tuple(pmt.from_uint64(s), pmt.from_double(f))

        tags = [
            tag(0, "rx_time", rx_time(1700000000, 0.25)),
            tag(jump * per_word, "zcdma_overrun", pmt.from_uint64(3)),
            tag(jump * per_word, "rx_time", rx_time(1700000005, 0.5)),
        ]
        rx = DatagramReceiver()
        src = blocks.vector_source_s(
            numpy.arange(n, dtype=WORD).view(numpy.int16).tolist(), False, itemsize // 2, tags
        )
        snk = zcdma.udp_sink(
            itemsize,
            "127.0.0.1",
            rx.port,
            framing="vita49",
            payload_size=1468,
            stream_id=0x1234,
            class_id=(0xABCDEF << 32) | (1 << 16) | 2,
            difi=difi,
            sample_rate=rate,
            rf_freq=2.4e9,
            context_interval=0,
            zerocopy="off",
        )
        self.tb.connect(src, snk)
        self.tb.run()
        self.assertTrue(wait_for(lambda: len(rx.datagrams) >= 31, 30))
        rx.close()
        return rx, snk, per_word

    def check_vita49(self, difi):
        rx, snk, per_word = self.vita49_run(difi)
        dgs = rx.datagrams
        rows = tshark_vrt(dgs, rx.port)
        self.assertEqual(len(rows), len(dgs))
        ctx = [i for i, r in enumerate(rows) if r["type"] == 4]
        data = [i for i, r in enumerate(rows) if r["type"] == 1]
        self.assertEqual(len(ctx) + len(data), len(rows))
        # Context first, then again right before the data at the overrun.
        self.assertEqual(ctx[0], 0)
        self.assertEqual(len(ctx), 2)
        oui = 0x6A621E if difi else 0xABCDEF
        # DIFI: information class 0; packet class 0 for data, 1 for context.
        icc, pcc, ctx_pcc = (0, 0, 1) if difi else (1, 2, 2)
        for i in ctx:
            self.assertEqual((rows[i]["oui"], rows[i]["icc"], rows[i]["pcc"]), (oui, icc, ctx_pcc))
        word = 0
        for k, i in enumerate(data):
            r, d = rows[i], dgs[i]
            self.assertEqual((r["sid"], r["oui"], r["icc"], r["pcc"]), (0x1234, oui, icc, pcc))
            self.assertEqual((r["tsi"], r["tsf"]), (1, 2))  # UTC, real-time ps
            self.assertEqual(r["seq"], k % 16)
            self.assertEqual(r["len"] * 4, len(d))
            words = words_of(d, 28)
            self.assertEqual(int(words[0]), word)  # payload: the counter, in order
            self.assertEqual(zcdma.check_counter(words, word * 8), 0)
            item = word * per_word
            if word < 2000:
                self.assertEqual(r["ts_int"], 1700000000)
                self.assertEqual(r["ts_frac_picosecond"], 250000000000 + item * 1000000)
            else:
                self.assertEqual(r["ts_int"], 1700000005)
                self.assertEqual(
                    r["ts_frac_picosecond"], 500000000000 + (item - 2000 * per_word) * 1000000
                )
            word += words.size
            if word == 2000:
                self.assertEqual(i + 1, ctx[1])  # the context packet before the jump
        self.assertEqual(word, 5000)
        # Context packets: own count, change indicator, sample loss after the overrun.
        self.assertEqual([rows[i]["seq"] for i in ctx], [0, 1])
        self.assertEqual(rows[ctx[1]]["ts_int"], 1700000005)
        for j, i in enumerate(ctx):
            d = dgs[i]
            (cif0,) = be_words(d, 28, 1)
            if difi:
                self.assertEqual(len(d), 108)
                self.assertEqual(cif0 & 0x7FFFFFFF, 0x7BB98000)
                sei, fmt_hi, fmt_lo = be_words(d, 96, 3)
                # sc16: link efficient, complex cartesian, signed fixed
                # point, 16-bit items in 16-bit packing fields
                self.assertEqual((fmt_hi, fmt_lo), (0xA00003CF, 0))
                # timestamp calibration time: the second of the last rx_time
                self.assertEqual(be_words(d, 92, 1)[0], (1700000000, 1700000005)[j])
                rf = struct.unpack("!q", d[52:60])[0]
            else:
                # change, RF ref freq, sample rate, state/event, payload format
                self.assertEqual(cif0 & 0x7FFFFFFF, (1 << 27) | (1 << 21) | (1 << 16) | (1 << 15))
                rf = struct.unpack("!q", d[32:40])[0]
                self.assertEqual(struct.unpack("!q", d[40:48])[0], int(1e6 * (1 << 20)))
                (sei, fmt_hi) = be_words(d, 48, 2)
                self.assertEqual(fmt_hi, 0xAE0007DF)  # fc32
            self.assertEqual(rf, int(2.4e9 * (1 << 20)))
            self.assertEqual(bool(cif0 >> 31), j == 0)  # changed: only the first
            self.assertTrue(sei & (1 << 24))  # sample-loss enable
            self.assertEqual(bool(sei & (1 << 12)), j == 1)  # lost samples before this one
        s = snk.stats()
        self.assertEqual((s["context_packets"], s["overruns"]), (2, 1))

    def test_difi_calibration_time_is_the_last_rx_time(self):
        """DIFI's timestamp calibration time is when the time was last set
        (the rx_time tag), not the context packet's own second: an overrun
        without a new rx_time, 1 ms after a second boundary, shows both."""
        t = [gr.tag_t(), gr.tag_t()]
        t[0].offset, t[0].key = 0, pmt.intern("rx_time")
        t[0].value = pmt.make_tuple(pmt.from_uint64(1700000000), pmt.from_double(0.9995))
        t[1].offset, t[1].key, t[1].value = 1500, pmt.intern("zcdma_overrun"), pmt.from_uint64(1)
        rx = DatagramReceiver()
        src = blocks.vector_source_s([0] * 2 * 3000, False, 2, t)
        snk = zcdma.udp_sink(
            4,
            "127.0.0.1",
            rx.port,
            framing="vita49",
            payload_size=1468,
            difi=True,
            sample_rate=1e6,
            context_interval=0,
            zerocopy="off",
        )
        self.tb.connect(src, snk)
        self.tb.run()
        self.assertTrue(wait_for(lambda: sum(d[0] >> 4 == 4 for d in rx.datagrams) >= 2, 30))
        rx.close()
        ctx = [d for d in rx.datagrams if d[0] >> 4 == 4]
        # (integer-seconds timestamp, timestamp calibration time)
        got = [(be_words(d, 16, 1)[0], be_words(d, 92, 1)[0]) for d in ctx[:2]]
        self.assertEqual(got, [(1700000000, 1700000000), (1700000001, 1700000000)])

    @unittest.skipUnless(shutil.which("tshark"), "needs tshark (Debian package)")
    def test_vita49_decoded_by_tshark(self):
        self.check_vita49(difi=False)

    @unittest.skipUnless(shutil.which("tshark"), "needs tshark (Debian package)")
    def test_difi_decoded_by_tshark(self):
        self.check_vita49(difi=True)

    def in_netns(self, tag, mtu, addrs, kind="veth"):
        """A namespace whose d0 (a veth end, or a dummy device) has `addrs`."""
        if not netns_support or os.geteuid() != 0 or not shutil.which("ip"):
            self.skipTest("needs root and iproute2 (ip netns)")
        why = netns_support.why_not() if kind == "veth" else None  # (it probes veth)
        if why:
            self.skipTest(why)
        ns = netns_support.Netns(tag)
        self.addCleanup(ns.close)
        peer = ["peer", "name", "d1"] if kind == "veth" else []
        r = subprocess.run(
            ["ip", "-n", ns.name, "link", "add", "d0", "type", kind, *peer],
            capture_output=True,
            text=True,
        )
        if r.returncode:
            self.skipTest(f"no {kind} device here: {r.stderr.strip()}")
        for dev in ("d0", "d1") if kind == "veth" else ("d0",):
            ns.ip("link", "set", dev, "mtu", str(mtu))
            ns.ip("link", "set", dev, "up")
        for a in addrs:
            ns.ip("addr", "add", a, "dev", "d0", *(["nodad"] if ":" in a else []))
        return ns

    def test_mtu_checked_and_fragmenting_datagram_refused(self):
        ns = self.in_netns("udpmtu", 1500, ["10.77.0.1/24", "2001:db8::1/64"])
        ok = ns.run(lambda: zcdma.udp_sink(4, "10.77.0.2", 9, payload_size=1472))
        self.assertEqual((ok.route_mtu(), ok.datagram_size()), (1500, 1472))
        auto = ns.run(lambda: zcdma.udp_sink(8, "2001:db8::2", 9, payload_size=0))
        self.assertEqual(auto.datagram_size(), 1448)  # 1500 - 48, whole items
        for host, size in (("10.77.0.2", 8972), ("10.77.0.2", 1476), ("2001:db8::2", 1456)):
            with self.assertRaises(ValueError) as cm:
                ns.run(lambda h=host, s=size: zcdma.udp_sink(4, h, 9, payload_size=s))
            self.assertIn(f"payload_size {size}", str(cm.exception))
            self.assertIn("MTU 1500", str(cm.exception))
            self.assertIn("fragment", str(cm.exception))

    def test_true_zero_copy_to_a_dummy_device(self):
        # A dummy device (SG, checksum and UDP GSO offload) frees what it
        # is given: the kernel never copies, every completion has code 0.
        # Not on a host that cannot load the dummy module: the VM suite runs it.
        ns = self.in_netns("udpzc", 9000, ["10.78.0.1/24"], kind="dummy")
        # One ring read by both framings at once (fan-out to two sinks).
        src = zcdma.source(spec(pattern="counter", rate=0, nbufs=32, bufsize=65536), 4)
        sinks = {
            f: ns.run(
                lambda f=f, kw=kw: zcdma.udp_sink(
                    4, "10.78.0.2", 9, framing=f, payload_size=8972, zerocopy="on", **kw
                )
            )
            for f, kw in (("none", {}), ("vita49", dict(sample_rate=1e6)))
        }
        for snk in sinks.values():
            self.tb.connect(src, snk)
        self.tb.start()
        for snk in sinks.values():
            self.assertTrue(wait_for(lambda s=snk: s.stats()["payload_bytes"] >= 32 << 20, 120))
        self.tb.stop()
        self.tb.wait()
        ring = src.get_device().mapping()
        for framing, snk in sinks.items():
            s = snk.stats()
            self.assertEqual(s["inflight_bytes"], 0, framing)
            self.assertEqual(s["copied_bytes"], 0, framing)
            self.assertEqual(s["plain_bytes"], 0, framing)
            self.assertEqual(s["zerocopy_bytes"], s["payload_bytes"], framing)
            self.assertEqual((s["send_errors"], s["unknown_completions"]), (0, 0), framing)
            self.assert_sent_from(snk, ring)

    @unittest.skipUnless(shutil.which("grcc"), "needs grcc")
    def test_grc_block_compiles_and_makes_the_sink(self):
        grc_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "grc")
        on = "states: {state: enabled}"
        sinks = {
            "plain": "{type: fc32, framing: none, payload_size: '0'}",
            "seq": "{type: fc32, framing: seqnum, payload_size: '1472'}",
            "vrt": "{type: sc16, framing: vita49, difi: 'True', stream_id: '7', "
            "rf_freq: '1e9', payload_size: '8972'}",
        }
        lines = ["options:", "  parameters: {id: udp_fg, generate_options: no_gui}", "  " + on]
        lines += [
            "blocks:",
            f"- {{name: samp_rate, id: variable, parameters: {{value: '1e6'}}, {on}}}",
        ]
        conns = []
        for name, params in sinks.items():
            vlen, t = ("2", "short") if "sc16" in params else ("1", "complex")
            lines.append(f"- {{name: {name}, id: zcdma_udp_sink, parameters: {params}, {on}}}")
            lines.append(
                f"- {{name: {name}_src, id: blocks_null_source, "
                f"parameters: {{type: {t}, vlen: '{vlen}'}}, {on}}}"
            )
            conns.append(f"- [{name}_src, '0', {name}, '0']")
        lines += ["connections:", *conns, "metadata: {file_format: 1}"]
        env = dict(os.environ, GRC_BLOCKS_PATH=os.path.abspath(grc_dir))
        paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths if p)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "udp_fg.grc")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            r = subprocess.run(["grcc", "-o", d, path], capture_output=True, text=True, env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            probe = (
                "import udp_fg\ntb = udp_fg.udp_fg()\n"
                "print(tb.plain.datagram_size(), tb.seq.header_size(), tb.vrt.header_size(),"
                " tb.vrt.datagram_size())\n"
            )
            r = subprocess.run(
                ["/usr/bin/python3", "-c", probe],
                capture_output=True,
                text=True,
                env=env,
                cwd=d,
                timeout=120,
            )
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # loopback's route MTU: 65535 - 28, whole fc32 items; 8 (seqnum); 28 (DIFI).
        self.assertEqual(r.stdout.split()[-4:], ["65504", "8", "28", "8972"])

    def counter_to(self, host, port, nwords=20000, **kw):
        """nwords counter words (fc32 items) -> udp_sink(host, port) -> the end."""
        src = blocks.vector_source_s(
            numpy.arange(nwords, dtype=WORD).view(numpy.int16).tolist(), False, 4
        )
        snk = zcdma.udp_sink(8, host, port, **kw)
        tb = gr.top_block()
        tb.connect(src, snk)
        return tb, snk

    def test_ipv6_unicast(self):
        try:
            rx = DatagramReceiver(host="::1", stop_after=109)
        except OSError as e:
            self.skipTest(f"no IPv6 loopback: {e}")
        tb, snk = self.counter_to("::1", rx.port, zerocopy="off")
        tb.run()
        self.assertTrue(rx.done.wait(30))
        rx.close()
        self.assertEqual(self.assert_counter_datagrams(rx.datagrams, first_word=0), 20000)

    def test_multicast_group_with_loopback_on_an_interface(self):
        ns = self.in_netns("udpmc", 1500, ["10.77.0.1/24"])
        group = "239.7.7.7"

        def setup():
            r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            r.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)
            r.bind((group, 0))
            mreq = socket.inet_aton(group) + socket.inet_aton("10.77.0.1")
            r.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            r.settimeout(10)
            tb, snk = self.counter_to(
                group, r.getsockname()[1], interface="d0", multicast_ttl=3, zerocopy="on"
            )
            return r, tb, snk

        r, tb, snk = ns.run(setup)
        tb.run()
        got = [r.recv(65536) for _ in range(109)]  # 20000 words: 108 full + 1 short
        r.close()
        self.assertEqual(self.assert_counter_datagrams(got, first_word=0), 20000)
        s = snk.stats()
        self.assertEqual(s["datagrams"], 109)
        self.assertEqual(s["zerocopy_bytes"] + s["copied_bytes"], 160000)

    def test_swap_mode_copies_and_counts(self):
        rx = DatagramReceiver(stop_after=3)
        shorts = numpy.arange(1000, dtype="<i2")
        src = blocks.vector_source_s(shorts.tolist(), False, 2)
        snk = zcdma.udp_sink(
            4,
            "127.0.0.1",
            rx.port,
            framing="vita49",
            sample_rate=1e6,
            swap="swap",
            zerocopy="on",
            context_interval=0,
        )
        self.tb.connect(src, snk)
        self.tb.run()
        self.assertTrue(rx.done.wait(30))
        rx.close()
        payload = b"".join(d[20:] for d in rx.datagrams if d[0] >> 4 == 1)
        self.assertEqual(numpy.frombuffer(payload, dtype=">i2").tolist(), shorts.tolist())
        s = snk.stats()
        self.assertEqual(s["swapped_bytes"], 2000)
        self.assertEqual(s["plain_bytes"], 2000)  # never silently zero copy
        self.assertEqual(s["zerocopy_bytes"] + s["copied_bytes"], 0)

    def optmem_zero_netns(self):
        """A namespace (lo only) whose sockets have no option memory: no
        room for one zero-copy notification (per-netns since Linux 6.9)."""
        ns = self.in_netns("udpenobufs", 1500, [])
        r = subprocess.run(
            ["ip", "netns", "exec", ns.name, "sysctl", "-qw", "net.core.optmem_max=0"],
            capture_output=True,
            text=True,
        )
        probe = subprocess.run(
            ["ip", "netns", "exec", ns.name, "sysctl", "-n", "net.core.optmem_max"],
            capture_output=True,
            text=True,
        )
        if r.returncode or probe.stdout.strip() != "0":
            self.skipTest("net.core.optmem_max is not per network namespace here")
        return ns

    def test_enobufs_with_nothing_in_flight_auto_falls_back(self):
        ns = self.optmem_zero_netns()
        rx = ns.run(lambda: DatagramReceiver(stop_after=109))
        tb, snk = ns.run(lambda: self.counter_to("127.0.0.1", rx.port, zerocopy="auto"))
        tb.run()
        self.assertTrue(rx.done.wait(30))
        rx.close()
        self.assertEqual(self.assert_counter_datagrams(rx.datagrams, first_word=0), 20000)
        s = snk.stats()
        self.assertEqual((s["enobufs"], s["auto_fallbacks"], s["plain_bytes"]), (1, 1, 160000))

    def test_enobufs_with_nothing_in_flight_on_backs_off(self):
        ns = self.optmem_zero_netns()
        rx = ns.run(lambda: DatagramReceiver())
        tb, snk = ns.run(lambda: self.counter_to("127.0.0.1", rx.port, zerocopy="on"))
        tb.start()
        self.assertTrue(wait_for(lambda: snk.stats()["enobufs"] >= 6, 60))
        tb.stop()
        tb.wait()
        rx.close()
        s = snk.stats()
        self.assertEqual(s["enobufs_backoffs"], s["enobufs"])  # every attempt waited
        self.assertEqual((s["datagrams"], s["payload_bytes"]), (0, 0))  # nothing sent, none lost
        self.assertEqual(rx.datagrams, [])

    def test_port_unreachable_is_counted_not_fatal(self):
        # Nobody listens: loopback answers each datagram with ICMP port
        # unreachable, and the next send on the connected socket fails with
        # ECONNREFUSED. Counted; the datagrams are sent again; the stream ends.
        port = free_udp_port()
        tb, snk = self.counter_to("127.0.0.1", port, zerocopy="off", gso=False)
        tb.run()
        s = snk.stats()
        self.assertGreater(s["refused"], 0)
        self.assertEqual(s["send_errors"], s["refused"])
        self.assertEqual((s["payload_bytes"], s["datagrams"]), (160000, 109))

    def test_context_packet_on_change(self):
        rx = DatagramReceiver()
        words = numpy.arange(400000, dtype=WORD)
        src = blocks.vector_source_s(words.view(numpy.int16).tolist(), False, 4)
        thr = blocks.throttle(8, 100000)
        snk = zcdma.udp_sink(
            8,
            "127.0.0.1",
            rx.port,
            framing="vita49",
            sample_rate=1e5,
            context_interval=0,
            zerocopy="off",
        )
        self.tb.connect(src, thr, snk)
        self.tb.start()
        self.assertTrue(wait_for(lambda: len(rx.datagrams) >= 10, 30))
        snk.set_rf_freq(915e6)
        snk.set_bandwidth(2e5)
        n = len(rx.datagrams)
        self.assertTrue(wait_for(lambda: len(rx.datagrams) >= n + 10, 30))
        self.tb.stop()
        self.tb.wait()
        rx.close()
        ctx = [d for d in rx.datagrams if d[0] >> 4 == 4]
        self.assertEqual(len(ctx), 2)  # at start, and after the change
        (cif0,) = be_words(ctx[1], 20, 1)
        self.assertEqual(
            cif0, (1 << 31) | (1 << 29) | (1 << 27) | (1 << 21) | (1 << 16) | (1 << 15)
        )
        bw, rf = struct.unpack("!qq", ctx[1][24:40])
        self.assertEqual((bw, rf), (int(2e5 * (1 << 20)), int(915e6 * (1 << 20))))
        # The packet counts of data and context packets are separate.
        self.assertEqual([d[1] & 0xF for d in ctx], [0, 1])

    def test_stats_port(self):
        rx = DatagramReceiver(stop_after=109)
        tb, snk = self.counter_to("127.0.0.1", rx.port, zerocopy="off")
        dbg = blocks.message_debug()
        tb.msg_connect(snk, "stats", dbg, "store")
        tb.run()
        rx.close()
        # The first work() posts at once (a message posted in stop() may
        # come after message_debug stopped: not asserted).
        self.assertGreaterEqual(dbg.num_messages(), 1)
        final = snk.stats()
        for i in range(dbg.num_messages()):
            msg = pmt.to_python(dbg.get_message(i))
            self.assertEqual(set(msg), set(final))
            self.assertLessEqual(msg["payload_bytes"], final["payload_bytes"])
        self.assertEqual((final["datagrams"], final["payload_bytes"]), (109, 160000))

    def test_zero_copy_stream_never_exceeds_max_skb_frags(self):
        # Each send's fragments are counted as the kernel counts them, so a
        # normal stream never has a send refused for MAX_SKB_FRAGS.
        for framing in ("none", "vita49"):
            for payload in (1500, 9000):
                with self.subTest(framing=framing, payload=payload):
                    s = self.ring_zero_copy_stats(framing, payload)
                    self.assertTrue(s["gso_active"] and s["zerocopy_active"])
                    self.assertLess(s["sends"], s["datagrams"])
                    self.assertEqual(s["frag_limit_hits"], 0)
                    self.assertEqual(s["emsgsize"], 0)
                    self.assertEqual((s["send_errors"], s["plain_bytes"]), (0, 0))
                    self.assertEqual(s["inflight_bytes"], 0)
                    self.assertEqual(s["zerocopy_bytes"] + s["copied_bytes"], s["payload_bytes"])

    def ring_zero_copy_stats(self, framing, payload):
        """8 MiB from the ring through udp_sink(zerocopy="on"); its stats.
        The ring (/dev/zcdma0 in the guest) is released on return."""
        tb = gr.top_block()
        rx = DatagramReceiver()
        src = zcdma.source(spec(pattern="counter", rate=0, nbufs=32, bufsize=65536), 4)
        kw = dict(sample_rate=1e6) if framing == "vita49" else {}
        snk = zcdma.udp_sink(
            4, "127.0.0.1", rx.port, framing=framing, payload_size=payload,
            zerocopy="on", **kw,
        )  # fmt: skip
        tb.connect(src, snk)
        tb.start()
        ok = wait_for(lambda: snk.stats()["payload_bytes"] >= 8 << 20, 120)
        tb.stop()
        tb.wait()
        rx.close()
        self.assertTrue(ok)
        return snk.stats()

    def test_emsgsize_for_fragments_adapts_without_loss(self):
        # ZCDMA_UDP_MAX_FRAGS=64 makes the sink plan more fragments than the
        # kernel takes, so the kernel refuses: GSO batches shrink (kept), a
        # single datagram beyond 17 fragments goes plain, nothing is lost.
        os.environ["ZCDMA_UDP_MAX_FRAGS"] = "64"
        self.addCleanup(os.environ.pop, "ZCDMA_UDP_MAX_FRAGS", None)
        for payload, n in ((8968, 300), (65504, 40)):
            with self.subTest(payload=payload):
                words = (payload - 8) // 8
                rx = DatagramReceiver(stop_after=n)
                tb, snk = self.counter_to(
                    "127.0.0.1", rx.port, nwords=words * n, framing="seqnum",
                    payload_size=payload, zerocopy="on",
                )  # fmt: skip
                tb.run()
                self.assertTrue(rx.done.wait(30))
                rx.close()
                end = self.assert_counter_datagrams(rx.datagrams, 8, first_word=0)
                self.assertEqual(end, words * n)
                s = snk.stats()
                self.assertGreaterEqual(s["emsgsize"], 1)
                self.assertEqual(s["frag_limit_hits"], s["emsgsize"])
                if payload == 8968:  # 7 datagrams (about 30 fragments) planned
                    self.assertGreaterEqual(s["emsgsize_segment_cuts"], 1)
                    self.assertLess(s["sends"], s["datagrams"])
                else:  # 1 + 17 fragments: never zero copy
                    self.assertGreaterEqual(s["emsgsize_plain_sends"], 1)
                    self.assertGreater(s["plain_bytes"], 0)
                self.assertEqual((s["send_errors"], s["unsendable_datagrams"]), (0, 0))
                self.assertEqual((s["payload_bytes"], s["inflight_bytes"]), (8 * words * n, 0))

    def test_datagram_beyond_max_skb_frags_is_sent_plain(self):
        rx = DatagramReceiver(stop_after=40)
        tb, snk = self.counter_to(
            "127.0.0.1", rx.port, nwords=8187 * 40, framing="seqnum",
            payload_size=65504, zerocopy="on",
        )  # fmt: skip
        tb.run()
        self.assertTrue(rx.done.wait(30))
        rx.close()
        self.assertEqual(self.assert_counter_datagrams(rx.datagrams, 8, first_word=0), 8187 * 40)
        s = snk.stats()
        self.assertEqual((s["emsgsize"], s["frag_limit_hits"], s["send_errors"]), (0, 0, 0))
        self.assertGreater(s["frag_plain_sends"], 0)
        self.assertGreater(s["plain_bytes"], 0)

    def wait_or_stop(self, tb, seconds):
        """True if tb ends on its own within `seconds`; else stops it."""
        t = threading.Thread(target=tb.wait, daemon=True)
        t.start()
        t.join(seconds)
        if t.is_alive():
            tb.stop()
            t.join(30)
            return False
        return True

    def test_route_mtu_shrinking_under_the_stream_is_a_clear_error(self):
        # lo's MTU drops from 9000 to 1500 while 8972-byte datagrams flow:
        # every retry is smaller (GSO batch, one datagram, plain) until the
        # datagram itself is refused; then the stream ends with an error
        # and the counts, never a silent drop or an endless "retrying".
        for zerocopy in ("on", "off"):
            with self.subTest(zerocopy=zerocopy):
                self.mtu_shrinks_under_the_stream(zerocopy)

    def mtu_shrinks_under_the_stream(self, zerocopy):
        if not netns_support or os.geteuid() != 0 or not shutil.which("ip"):
            self.skipTest("needs root and iproute2 (ip netns)")
        ns = netns_support.Netns(f"udpmtu{zerocopy}")
        self.addCleanup(ns.close)
        ns.ip("link", "set", "lo", "mtu", "9000")
        rx = ns.run(lambda: DatagramReceiver())
        dev = spec(pattern="counter", rate=0, nbufs=32, bufsize=65536)
        src = zcdma.source(dev, 4)
        snk = ns.run(
            lambda: zcdma.udp_sink(4, "127.0.0.1", rx.port, payload_size=8972, zerocopy=zerocopy)
        )
        self.assertEqual(snk.route_mtu(), 9000)
        tb = gr.top_block()
        tb.connect(src, snk)
        with captured_output() as log:
            tb.start()
            self.assertTrue(wait_for(lambda: len(rx.datagrams) >= 100, 60))
            ns.ip("link", "set", "lo", "mtu", "1500")
            ended = self.wait_or_stop(tb, 60)
        self.assertTrue(ended, "the sink kept retrying a datagram above the MTU")
        s = snk.stats()
        wait_for(lambda: len(rx.datagrams) >= s["datagrams"], 10)
        rx.close()
        self.assertEqual((s["unsendable_datagrams"], s["send_errors"]), (1, 1))
        self.assertGreaterEqual(s["emsgsize"], 1)
        self.assertEqual((s["inflight_bytes"], s["unknown_completions"]), (0, 0))
        self.assertEqual(s["payload_bytes"], 8972 * len(rx.datagrams))
        self.assertGreater(s["unsent_at_stop_bytes"], 0)
        self.assertIn("8972-byte datagram", log.text)
        self.assertIn("route MTU now 1500", log.text)

    def held_sends_with_4_header_slots(self, name):
        # A token bucket on lo holds the sends, so their completions come
        # late, and the sink gets a 4-entry header ring.
        if not netns_support or os.geteuid() != 0 or not shutil.which("tc"):
            self.skipTest("needs root, iproute2 and tc")
        ns = netns_support.Netns(name)
        self.addCleanup(ns.close)
        r = subprocess.run(
            ["tc", "-n", ns.name, "qdisc", "add", "dev", "lo", "root", "tbf",
             "rate", "40mbit", "burst", "32kb", "limit", "8mb"],
            capture_output=True, text=True,
        )  # fmt: skip
        if r.returncode:
            self.skipTest(f"no tbf qdisc here: {r.stderr.strip()}")
        os.environ["ZCDMA_UDP_HEADER_SLOTS"] = "4"
        self.addCleanup(os.environ.pop, "ZCDMA_UDP_HEADER_SLOTS", None)
        return ns

    def stream_held(self, name, n, words_per_datagram, **kw):
        """n datagrams of 1472-byte payloads, zerocopy=on, through
        held_sends_with_4_header_slots(): (the datagrams, the sink's stats)."""
        ns = self.held_sends_with_4_header_slots(name)
        rx = ns.run(lambda: DatagramReceiver(stop_after=n))
        tb, snk = ns.run(
            lambda: self.counter_to(
                "127.0.0.1", rx.port, nwords=words_per_datagram * n,
                payload_size=1472, zerocopy="on", **kw,
            )
        )  # fmt: skip
        tb.run()
        self.assertTrue(rx.done.wait(60))
        rx.close()
        return rx.datagrams, snk.stats()

    def test_header_entry_reused_only_after_its_send_completed(self):
        # With 4 header slots the ring is full most of the time. A slot
        # rewritten before its send completed would put a later sequence
        # number on an earlier datagram on the wire.
        datagrams, s = self.stream_held("udphdr", 1500, 183, framing="seqnum")
        for i, d in enumerate(datagrams):
            (seq,) = struct.unpack("<Q", d[:8])
            self.assertEqual(seq, i + 1, f"datagram {i}: header of another datagram")
            self.assertEqual(int(words_of(d, 8)[0]), 183 * i, f"datagram {i}")
        self.assertGreater(s["header_waits"], 0)  # sends waited for completions
        self.assertEqual((s["header_slots"], s["header_used_peak"]), (4, 4))
        self.assertEqual(s["copied_bytes"] + s["zerocopy_bytes"], s["payload_bytes"])

    def test_header_ring_sized_for_the_input_buffer(self):
        # Every datagram in flight holds a header slot, and what is in flight
        # is never more than the input buffer: start() sizes the ring for
        # it (it was 2048 slots whatever the buffer: 3 MiB of 1472-byte
        # datagrams in flight at most, from a 16 MiB ring).
        rx = DatagramReceiver()
        src = zcdma.source(spec(pattern="counter", rate=0, nbufs=64, bufsize=262144), 8)
        snk = zcdma.udp_sink(8, "127.0.0.1", rx.port, framing="seqnum", zerocopy="off")
        tb = gr.top_block()
        tb.connect(src, snk)
        self.assertEqual(snk.stats()["header_slots"], 2048)  # before start()
        tb.start()
        slots = snk.stats()["header_slots"]
        tb.stop()
        tb.wait()
        rx.close()
        datagrams = 64 * -(-262144 // 1464)  # 1464 sample bytes after the 8-byte header
        self.assertGreaterEqual(slots, datagrams)
        self.assertLessEqual(slots, datagrams + 2 * 64)  # and a GSO send's worth or two

    def test_header_ring_holds_a_datagram_cut_at_every_slot(self):
        # vita49 ends a datagram at every tagged item, and with slot_tags
        # the source tags every slot: 1024 slots of 16 KiB hold 12 datagrams
        # each, 12288, more than their bytes fill (11586). Sized for that, no
        # send ever waits for a header slot (sized by bytes, they did).
        rx = DatagramReceiver(stop_after=30000)
        dev = spec(pattern="counter", rate=0, nbufs=1024, bufsize=16384)
        src = zcdma.source(dev, 8, slot_tags=True)
        snk = zcdma.udp_sink(
            8, "127.0.0.1", rx.port, framing="vita49", sample_rate=1e6, zerocopy="on"
        )
        tb = gr.top_block()
        tb.connect(src, snk)
        tb.start()
        done = rx.done.wait(60)
        tb.stop()
        tb.wait()
        rx.close()
        self.assertTrue(done)
        s = snk.stats()
        self.assertGreaterEqual(s["header_slots"], 1024 * 12)
        self.assertGreater(s["header_used_peak"], 0)  # zero-copy sends held slots
        self.assertEqual(s["header_waits"], 0)

    def test_no_header_ring_limit_without_headers(self):
        # framing none has no headers: the header ring must not cap the
        # sends in flight (it capped them at its size, 2048 datagrams).
        datagrams, s = self.stream_held("udpnohdr", 1500, 184)
        for i, d in enumerate(datagrams):
            self.assertEqual(int(words_of(d, 0)[0]), 184 * i, f"datagram {i}")
        self.assertEqual((s["header_waits"], s["header_used_peak"]), (0, 0))
        self.assertGreater(s["inflight_peak"], 4 * 1472)  # more than 4 datagrams held
        self.assertEqual(s["copied_bytes"] + s["zerocopy_bytes"], s["payload_bytes"])


if __name__ == "__main__":
    gr_unittest.run(qa_udp_sink)
