#!/usr/bin/env python3
#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma.vita49_source against a VITA-49.2 encoder written here from the
standard (independent of zcdma.udp_sink): counter round trip, tags from the
timestamps, loss accounting, context fields, malformed packets."""

import random
import socket
import struct
import threading

import numpy
import pmt
from test_support import wait_for

from gnuradio import blocks, gr, gr_unittest, zcdma

PS = 10**12
SPP = 256  # samples per packet in these tests
OUI = 0x7C386C  # DIFI 1.0's legacy OUI (1.1 uses 0x6A621E): any class id is accepted


def header(ptype, count, nwords, class_id=False, trailer=False, tsi=0, tsf=0):
    return struct.pack(
        ">I",
        ptype << 28
        | class_id << 27
        | trailer << 26
        | tsi << 22
        | tsf << 20
        | (count & 0xF) << 16
        | nwords,
    )


def data_packet(count, payload, sid=0x1234, secs=None, ps=None, class_id=False, trailer=False):
    """An IF data packet (type 1 with a stream id, 0 without)."""
    body = b""
    if sid is not None:
        body += struct.pack(">I", sid)
    if class_id:
        body += struct.pack(">II", OUI, 0x00000000)
    if secs is not None:
        body += struct.pack(">I", secs)
    if ps is not None:
        body += struct.pack(">Q", ps)
    body += bytes(payload)
    if trailer:
        body += struct.pack(">I", 0)
    tsi = 1 if secs is not None else 0
    tsf = 2 if ps is not None else 0
    ptype = 1 if sid is not None else 0
    return header(ptype, count, 1 + len(body) // 4, class_id, trailer, tsi, tsf) + body


def fixed20(hz):
    return struct.pack(">q", int(round(hz * (1 << 20))))


def context_packet(count, sid=0x1234, secs=0, ps=0, fields=(), cif0_extra=0):
    """fields: (bit, bytes) in any order; written in descending bit order."""
    cif0 = cif0_extra
    body = b""
    for bit, value in sorted(fields, reverse=True):
        cif0 |= 1 << bit
        body += value
    body = struct.pack(">IIQ", sid, secs, ps) + struct.pack(">I", cif0) + body
    return header(4, count, 1 + len(body) // 4, tsi=1, tsf=2) + body


def sc16_format():
    # cartesian complex, signed fixed point, 16-bit items in 16-bit fields.
    return struct.pack(">II", 1 << 29 | 15 << 6 | 15, 0)


def counter_payload(first_sample, nsamp):
    """sc16be counter samples first_sample .. + nsamp (sim format=sc16be)."""
    words = zcdma.counter_words(first_sample // 2, nsamp // 2)
    return words.view("<u2").astype(">u2").tobytes()


class Stream:
    """Counter stream of SPP-sample packets at `rate` starting at `t0` ps."""

    def __init__(
        self, rate=1e6, t0=1_700_000_000 * PS + 123_456_789_000, sid=0x1234, timestamps=True
    ):
        self.rate, self.t0, self.sid, self.ts = rate, t0, sid, timestamps

    def time_of(self, sample):
        return self.t0 + sample * PS // int(self.rate)

    def packet(self, k):
        t = self.time_of(k * SPP)
        secs, ps = (t // PS, t % PS) if self.ts else (None, None)
        return data_packet(k, counter_payload(k * SPP, SPP), self.sid, secs, ps)

    def context(self, k=0):
        return context_packet(k, self.sid, fields=[(21, fixed20(self.rate)), (15, sc16_format())])


class Relay:
    """Forwards datagrams from its port to `dest`, skipping the datagrams
    whose index (0, 1, ...) is in `skip`: losses the test knows exactly."""

    def __init__(self, dest, skip=()):
        self.dest, self.skip = dest, set(skip)
        self.forwarded = self.skipped = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        buf = bytearray(65536)
        n = 0
        while not self._stop.is_set():
            try:
                k = self.sock.recv_into(buf)
            except TimeoutError:
                continue
            if n in self.skip:
                self.skipped += 1
            else:
                out.sendto(buf[:k], self.dest)
                self.forwarded += 1
            n += 1
        out.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


def stream_positions(raw):
    """Stream sample position of every 8-byte word of sc16be counter bytes."""
    words = numpy.frombuffer(raw, dtype=">u2").astype("<u2").view("<u8")
    return words.astype(numpy.int64) * 2


class qa_vita49_source(gr_unittest.TestCase):
    def setUp(self):
        self.tb = gr.top_block()
        self.tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def tearDown(self):
        self.tx.close()
        self.tb = None

    def source(self, **kw):
        kw.setdefault("host", "127.0.0.1")
        src = zcdma.vita49_source(**kw)
        self.addCleanup(src.close)
        return src

    def send(self, src, packets, host="127.0.0.1"):
        for p in packets:
            self.tx.sendto(p, (host, src.port()))

    def run_until(self, src, nitems, sink=None, dtype=gr.sizeof_gr_complex):
        """Runs src into a vector sink until nitems arrived (or 30 s)."""
        if sink is None:
            sink = (
                blocks.vector_sink_c() if dtype == gr.sizeof_gr_complex else blocks.vector_sink_b()
            )
        self.tb.connect(src, sink)
        self.tb.start()
        ok = wait_for(lambda: len(sink.data()) >= nitems, 30)
        self.tb.stop()
        self.tb.wait()
        self.assertTrue(ok, f"{len(sink.data())} of {nitems} items arrived; stats {src.stats()}")
        return sink

    def assert_packets_out(self, sink, order):
        """The sink got Stream packets `order` (numbers), in that order."""
        data = numpy.array(sink.data(), dtype=numpy.complex64)
        bad = sum(
            zcdma.check_counter_complex(data[i * SPP : (i + 1) * SPP], k * SPP)
            for i, k in enumerate(order)
        )
        self.assertEqual(bad, 0)

    @staticmethod
    def tags(sink, key):
        return [
            (t.offset, pmt.to_python(t.value))
            for t in sink.tags()
            if pmt.symbol_to_string(t.key) == key
        ]

    def test_counter_round_trip_and_rx_time(self):
        s = Stream()
        src = self.source()
        self.send(src, [s.context()] + [s.packet(k) for k in range(40)])
        sink = self.run_until(src, 40 * SPP)
        data = numpy.array(sink.data(), dtype=numpy.complex64)
        self.assertEqual(zcdma.check_counter_complex(data, 0), 0)
        t0 = s.t0
        self.assertEqual(self.tags(sink, "rx_time"), [(0, (t0 // PS, (t0 % PS) / PS))])
        self.assertEqual(self.tags(sink, "rx_rate"), [(0, 1e6)])
        self.assertEqual(self.tags(sink, "zcdma_overrun"), [])
        st = src.stats()
        self.assertEqual(
            (st["packets"], st["context_packets"], st["lost_packets"], st["lost_samples"]),
            (40, 1, 0, 0),
        )
        self.assertEqual(st["payload_bytes"], 40 * SPP * 4)
        self.assertEqual(src.context()["payload_format"]["item_bits"], 16)

    def test_drops_give_exact_overrun_tags(self):
        s = Stream()
        src = self.source()
        dropped = {3, 7, 8, 9} | set(range(20, 41))  # 21 in a row: more than the count shows
        sent = [k for k in range(60) if k not in dropped]
        self.send(src, [s.context()] + [s.packet(k) for k in sent])
        sink = self.run_until(src, len(sent) * SPP)
        self.assert_packets_out(sink, sent)
        out_of = {k: i * SPP for i, k in enumerate(sent)}
        expect_over = [(out_of[4], 1 * SPP), (out_of[10], 3 * SPP), (out_of[41], 21 * SPP)]
        self.assertEqual(self.tags(sink, "zcdma_overrun"), expect_over)
        expect_time = [(0, 0)] + [
            (off, k) for k, off in ((4, out_of[4]), (10, out_of[10]), (41, out_of[41]))
        ]
        got = self.tags(sink, "rx_time")
        self.assertEqual(len(got), len(expect_time))
        for (off, val), (eoff, k) in zip(got, expect_time, strict=True):
            t = s.time_of(k * SPP)
            self.assertEqual((off, val), (eoff, (t // PS, (t % PS) / PS)))
        st = src.stats()
        self.assertEqual(
            (st["lost_packets"], st["lost_samples"], st["overruns"]), (25, 25 * SPP, 3)
        )

    def test_drops_without_timestamps_use_the_count(self):
        s = Stream(timestamps=False)
        src = self.source()
        sent = [k for k in range(30) if k not in (2, 11, 12)]
        self.send(src, [s.packet(k) for k in sent])
        sink = self.run_until(src, len(sent) * SPP)
        self.assertEqual(self.tags(sink, "zcdma_overrun"), [(2 * SPP, SPP), (10 * SPP, 2 * SPP)])
        self.assertEqual(self.tags(sink, "rx_time"), [])
        self.assertEqual(src.stats()["lost_packets"], 3)

    def late_stats(self, sent, nitems):
        """Sends `sent` (packets, context included); (sink, the loss stats)."""
        src = self.source()
        self.send(src, sent)
        sink = self.run_until(src, nitems)
        st = src.stats()
        keys = ("late_packets", "lost_packets", "lost_samples", "time_jumps")
        return sink, {k: st[k] for k in keys}

    def test_reordered_packets_are_late_not_lost(self):
        """A packet overtaken on the way (3 after 4; 12 after 13 and 14)
        first shows as a gap, then arrives: it is output where it arrived
        with its own rx_time, taken back out of the loss counts, and the
        packet after it is no gap. A packet really lost (20) still is."""
        s = Stream()
        order = [0, 1, 2, 4, 3, 5, 6, 7, 8, 9, 10, 11, 13, 14, 12] + list(range(15, 30))
        order.remove(20)
        sink, st = self.late_stats([s.context()] + [s.packet(k) for k in order], len(order) * SPP)
        self.assert_packets_out(sink, order)
        at = {k: i * SPP for i, k in enumerate(order)}
        self.assertEqual(
            self.tags(sink, "zcdma_overrun"), [(at[4], SPP), (at[13], SPP), (at[21], SPP)]
        )

        def stamp(k):
            t = s.time_of(k * SPP)
            return (at[k], (t // PS, (t % PS) / PS))

        self.assertEqual(
            self.tags(sink, "rx_time"), [stamp(k) for k in (0, 4, 3, 5, 13, 12, 15, 21)]
        )
        self.assertEqual(
            st, {"late_packets": 2, "lost_packets": 1, "lost_samples": SPP, "time_jumps": 0}
        )

    def test_packets_overtaken_at_the_start_are_late(self):
        """The first packets arrive after the next ones (a sender's neighbour
        queue at start, docs/blocks.md "Destinations"): late, each with its
        rx_time, no loss and no spurious gap after them."""
        s = Stream()
        order = [5, 6, 7, 0, 1, 2, 3, 4, 8, 9]
        sink, st = self.late_stats([s.context()] + [s.packet(k) for k in order], len(order) * SPP)
        at = {k: i * SPP for i, k in enumerate(order)}
        self.assertEqual(self.tags(sink, "zcdma_overrun"), [])
        self.assertEqual(
            [off for off, _ in self.tags(sink, "rx_time")], [at[k] for k in (5, 0, 1, 2, 3, 4, 8)]
        )
        self.assertEqual(
            st, {"late_packets": 5, "lost_packets": 0, "lost_samples": 0, "time_jumps": 0}
        )

    def test_sixteen_overtaken_packets_leave_real_losses_counted(self):
        # 16 packets overtaken wrap the 4-bit count: the gap is counted as
        # no packet (a sender gap), so the late ones must not take back the
        # real losses (#2, #5) counted elsewhere.
        s = Stream()
        order = [0, 1, 3, 4, 6, 23] + list(range(7, 23)) + [24, 25]
        _, st = self.late_stats([s.context()] + [s.packet(k) for k in order], len(order) * SPP)
        self.assertEqual(
            st, {"late_packets": 16, "lost_packets": 2, "lost_samples": 2 * SPP, "time_jumps": 0}
        )

    def test_start_window_opens_when_the_rate_comes_after_the_first_packet(self):
        # samp_rate unknown: the context packet comes after the first data
        # packet (it was overtaken too), and the late ones are still late.
        s = Stream()
        order = [5, 6, 7, 0, 1, 2, 3, 4, 8, 9]
        sent = [s.packet(5), s.context()] + [s.packet(k) for k in order[1:]]
        sink, st = self.late_stats(sent, len(order) * SPP)
        self.assertEqual(self.tags(sink, "zcdma_overrun"), [])
        self.assertEqual(
            st, {"late_packets": 5, "lost_packets": 0, "lost_samples": 0, "time_jumps": 0}
        )

    def test_duplicates_are_time_jumps_not_losses(self):
        # #3 late, then again (a duplicate); #1 again after #5: each is
        # output with its own rx_time and counted as a time jump; no loss
        # and no false gap after them.
        s = Stream()
        order = [0, 1, 2, 4, 3, 3, 5, 1, 6, 7]
        sink, st = self.late_stats([s.context()] + [s.packet(k) for k in order], len(order) * SPP)
        self.assertEqual(self.tags(sink, "zcdma_overrun"), [(3 * SPP, SPP)])  # #3's gap, at #4
        self.assertEqual(
            st, {"late_packets": 1, "lost_packets": 0, "lost_samples": 0, "time_jumps": 2}
        )
        self.assertEqual(
            [off // SPP for off, _ in self.tags(sink, "rx_time")], [0, 3, 4, 5, 6, 7, 8]
        )

    def test_duplicated_burst_and_old_stragglers_are_not_a_restart(self):
        # Three packets again after #20 (a duplicated burst), and #0, #1
        # arriving 300 packets late, outside the start window: time jumps,
        # each with its own rx_time; the stream is not re-anchored in the
        # past, so nothing after them counts as lost.
        s = Stream()
        order = list(range(2, 21)) + [10, 11, 12] + list(range(21, 302)) + [0, 1, 302, 303]
        sink, st = self.late_stats([s.context()] + [s.packet(k) for k in order], len(order) * SPP)
        self.assertEqual(self.tags(sink, "zcdma_overrun"), [])
        self.assertEqual(
            st, {"late_packets": 0, "lost_packets": 0, "lost_samples": 0, "time_jumps": 5}
        )

    def test_late_packets_after_a_rate_change(self):
        # The rate doubles at #3 (a context packet); #5 overtakes #3 and #4,
        # sent at the new rate: the gap is recorded from the stream's head
        # (no time reference yet at the new rate), and they are late.
        s = Stream()
        s2 = Stream(rate=2e6, t0=s.time_of(3 * SPP))

        def fast(k):  # packet 3 + k, at 2 Msps
            t = s2.time_of(k * SPP)
            return data_packet(3 + k, counter_payload(0, SPP), s.sid, t // PS, t % PS)

        ctx2 = context_packet(1, s.sid, fields=[(21, fixed20(2e6))])
        sent = [s.context(), s.packet(0), s.packet(1), s.packet(2), ctx2]
        sent += [fast(2), fast(0), fast(1), fast(3), fast(4)]
        _, st = self.late_stats(sent, 8 * SPP)
        self.assertEqual(
            st, {"late_packets": 2, "lost_packets": 0, "lost_samples": 0, "time_jumps": 0}
        )

    def test_sender_that_goes_back_in_time_is_followed(self):
        # A sender restarts with earlier timestamps (count from 0 again):
        # its first packet is far behind with a count the old stream did not
        # have there, a time jump the stream follows; a loss after the
        # restart is still measured.
        s = Stream()
        t = Stream(t0=s.t0 - 10**12)  # one second earlier
        sent = [s.context()] + [s.packet(k) for k in range(300, 310)]
        sent += [t.packet(k) for k in (0, 1, 2, 4, 5)]  # #3 lost after the restart
        sink, st = self.late_stats(sent, 15 * SPP)
        self.assertEqual(self.tags(sink, "zcdma_overrun"), [(13 * SPP, SPP)])
        self.assertEqual(
            st, {"late_packets": 0, "lost_packets": 1, "lost_samples": SPP, "time_jumps": 1}
        )

    def test_sender_gap_in_time_only(self):
        # Count continuous, timestamps jump 1000 samples: the sender's own
        # overrun (zcdma.udp_sink shows one this way); no packet lost.
        s = Stream()
        src = self.source()
        pk = [s.context(), s.packet(0), s.packet(1)]
        t = s.time_of(2 * SPP + 1000)
        pk.append(data_packet(2, counter_payload(2 * SPP + 1000, SPP), s.sid, t // PS, t % PS))
        self.send(src, pk)
        sink = self.run_until(src, 3 * SPP)
        self.assertEqual(self.tags(sink, "zcdma_overrun"), [(2 * SPP, 1000)])
        self.assertEqual(self.tags(sink, "rx_time")[1], (2 * SPP, (t // PS, (t % PS) / PS)))
        st = src.stats()
        self.assertEqual((st["lost_packets"], st["lost_samples"]), (0, 1000))

    def test_context_fields(self):
        s = Stream(rate=30.72e6)
        src = self.source()
        ctx = context_packet(
            0,
            s.sid,
            fields=[
                (29, fixed20(20e6)),
                (27, fixed20(2.4e9)),
                (24, struct.pack(">hh", 0, -10 * 128)),
                (21, fixed20(30.72e6)),
                (16, struct.pack(">I", (1 << 24 | 1 << 30) | (1 << 12 | 1 << 18))),
                (15, sc16_format()),
                (9, struct.pack(">II", OUI, 2) + b"$GPGG\0\0\0"),  # GPS ASCII, 2 words
            ],
        )
        unknown = context_packet(1, s.sid, fields=[(21, fixed20(1e6))], cif0_extra=1 << 5)
        self.send(src, [ctx, unknown, s.packet(0)])
        sink = self.run_until(src, SPP)
        c = src.context()
        self.assertEqual(c["sample_rate"], 30.72e6)
        self.assertEqual(c["bandwidth"], 20e6)
        self.assertEqual(c["rf_freq"], 2.4e9)
        self.assertEqual(c["reference_level"], -10.0)
        self.assertEqual(c["state"], {"valid_data": True, "sample_loss": True})
        self.assertEqual(c["payload_format"]["complex"], "cartesian")
        self.assertEqual(self.tags(sink, "rx_rate"), [(0, 30.72e6)])
        self.assertEqual(self.tags(sink, "rx_freq"), [(0, 2.4e9)])
        st = src.stats()
        self.assertEqual(
            (st["context_packets"], st["context_skipped"], st["sample_loss_indicated"]), (1, 1, 1)
        )

    def test_malformed_packets_are_counted(self):
        s = Stream()
        src = self.source(stream_id=s.sid)
        good = s.packet(0)
        bad = [
            b"",
            b"\x10",
            good[:-4],  # shorter than the header says
            good + b"\0\0\0\0",
            header(1, 0, 2) + b"\0\0\0\0",  # type 1 with its stream id only: fine, empty
            header(1, 0, 3, tsi=1, tsf=2) + b"\0" * 8,  # prologue longer than the packet
            header(6, 0, 2) + b"\0" * 4,  # command packet
        ]
        rng = random.Random(7)
        junk = [bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 80))) for _ in range(300)]
        self.send(src, bad + junk + [s.context(), good, s.packet(1)])
        sink = self.run_until(src, 2 * SPP)
        data = numpy.array(sink.data(), dtype=numpy.complex64)
        st = src.stats()
        self.assertEqual(st["datagrams"], len(bad) + len(junk) + 3)
        self.assertGreaterEqual(st["malformed"], 6)
        self.assertEqual(st["unsupported"] >= 1, True)
        # Whatever the junk did, the good packets came out last and intact.
        self.assertEqual(zcdma.check_counter_complex(data[-2 * SPP :], 0), 0)

    def test_stream_id_filter_and_types(self):
        s = Stream()
        other = Stream(sid=0x99)
        src = self.source(stream_id=0x1234, output_type="sc16")
        self.send(src, [other.packet(0), s.packet(0), other.packet(1), s.packet(1)])
        sink = blocks.vector_sink_s(2)
        self.run_until(src, 2 * SPP * 2, sink=sink)
        got = numpy.array(sink.data(), dtype=numpy.int16)
        expect = zcdma.counter_words(0, SPP).view("<i2")
        self.assertTrue(numpy.array_equal(got, expect))
        self.assertEqual(src.stats()["other_stream"], 2)
        src = self.source(output_type="u8")
        self.tb = gr.top_block()
        self.send(src, [s.packet(0)])
        sink = self.run_until(src, SPP * 4, dtype=1)
        self.assertEqual(bytes(sink.data()), counter_payload(0, SPP))
        self.assertEqual(zcdma.check_counter(bytes(sink.data()), 0, sc16be=True), 0)

    def test_ipv6(self):
        if not socket.has_ipv6:
            self.skipTest("no IPv6")
        s = Stream()
        try:
            src = self.source(host="::1")
        except OSError as e:
            self.skipTest(f"no IPv6 loopback: {e}")
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as tx:
            tx.sendto(s.packet(0), ("::1", src.port()))
        sink = self.run_until(src, SPP)
        self.assertEqual(
            zcdma.check_counter_complex(numpy.array(sink.data(), dtype=numpy.complex64), 0), 0
        )

    def test_multicast_two_receivers(self):
        # Two receivers joined to one group on loopback both get the stream.
        group = "239.255.49.2"
        s = Stream()
        try:
            a = self.source(host=group, multicast_group=group, interface="127.0.0.1")
            b = self.source(host=group, port=a.port(), multicast_group=group, interface="lo")
        except OSError as e:
            self.skipTest(f"no IPv4 multicast on loopback: {e}")
        self.tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
        self.send(a, [s.packet(k) for k in range(4)], host=group)
        for src in (a, b):
            self.tb = gr.top_block()
            sink = self.run_until(src, 4 * SPP)
            data = numpy.array(sink.data(), dtype=numpy.complex64)
            self.assertEqual(zcdma.check_counter_complex(data, 0), 0)

    def udp_round_trip(self, skip=(), nsamples=1 << 20, difi=False):
        """zcdma.source (sim, counter, sc16be) -> zcdma.udp_sink (vita49) ->
        [Relay skipping `skip`] -> zcdma.vita49_source (bytes out). Returns
        the received bytes, tags by key, rx stats, tx source's tags, relay."""
        rx = self.source(output_type="u8")
        relay = Relay(("127.0.0.1", rx.port()), skip)
        self.addCleanup(relay.close)
        tx = gr.top_block()
        dev = "sim:pattern=counter,format=sc16be,samp_rate=2e6,nbufs=64,bufsize=64k"
        src = zcdma.source(dev, 4)
        # 1460 = 20-byte prologue (28 with DIFI's class id) + 1440 bytes:
        # 360 samples, whole counter words.
        udp = zcdma.udp_sink(
            4,
            "127.0.0.1",
            relay.port,
            framing="vita49",
            payload_size=1468 if difi else 1460,
            stream_id=0x1234,
            difi=difi,
            sample_rate=2e6,
        )
        txtags = blocks.vector_sink_i()  # keeps the sender side's tags
        tx.connect(src, udp)
        tx.connect(src, txtags)
        sink = blocks.vector_sink_b()
        self.tb.connect(rx, sink)
        self.tb.start()
        tx.start()
        ok = wait_for(lambda: rx.stats()["items"] >= nsamples * 4, 30)
        tx.stop()
        tx.wait()
        self.tb.stop()
        self.tb.wait()
        self.assertTrue(ok, f"rx stats {rx.stats()}, udp_sink stats {udp.stats()}")
        tags = {}
        for t in sink.tags():
            tags.setdefault(pmt.symbol_to_string(t.key), []).append(
                (t.offset, pmt.to_python(t.value))
            )
        txt = {}
        for t in txtags.tags():
            txt.setdefault(pmt.symbol_to_string(t.key), []).append(
                (t.offset, pmt.to_python(t.value))
            )
        return bytes(sink.data()), tags, rx.stats(), txt, relay

    def check_gaps(self, raw, tags):
        """Every jump of the counter is a zcdma_overrun tag (offsets count
        bytes: output_type u8) of exactly the samples skipped, and nothing
        else jumps. Returns the (offset, samples) of the jumps."""
        pos = stream_positions(raw[: len(raw) // 8 * 8])
        self.assertEqual(pos[0], 0)
        jumps = numpy.nonzero(numpy.diff(pos) != 2)[0] + 1
        found = [(int(j) * 8, int(pos[j] - pos[j - 1] - 2)) for j in jumps]
        overruns = [(o, v) for o, v in tags.get("zcdma_overrun", []) if o < len(pos) * 8]
        self.assertEqual(overruns, found)
        return found

    def test_udp_sink_round_trip(self):
        raw, tags, st, txt, relay = self.udp_round_trip()
        gaps = self.check_gaps(raw, tags)
        self.assertEqual(st["lost_packets"], 0)
        self.assertEqual(st["lost_samples"], sum(v for _, v in gaps))
        self.assertEqual(tags["rx_rate"][0], (0, 2e6))
        # The sender's first rx_time, carried in picoseconds, comes back.
        (o, (secs, frac)), (to, (tsecs, tfrac)) = tags["rx_time"][0], txt["rx_time"][0]
        self.assertEqual((o, to, secs), (0, 0, tsecs))
        self.assertAlmostEqual(frac, tfrac, delta=1e-11)
        if not txt.get("zcdma_overrun"):  # the sim kept up: nothing lost at all
            self.assertEqual(gaps, [])

    def test_udp_sink_difi_round_trip(self):
        """What udp_sink(difi=True) sends (class ids, 27-word context, sc16
        payload format) is what vita49_source reads."""
        raw, tags, st, txt, relay = self.udp_round_trip(difi=True)
        gaps = self.check_gaps(raw, tags)
        self.assertEqual(st["lost_packets"], 0)
        self.assertEqual(st["lost_samples"], sum(v for _, v in gaps))
        self.assertEqual(tags["rx_rate"][0], (0, 2e6))

    def test_udp_sink_drops_are_tagged_exactly(self):
        skip = {10, 11, 50} | set(range(100, 120)) | {200}
        raw, tags, st, txt, relay = self.udp_round_trip(skip)
        self.assertEqual(relay.skipped, len(skip))
        gaps = self.check_gaps(raw, tags)
        sender_gaps = sum(v for _, v in gaps) - len(skip) * 360
        self.assertEqual(st["lost_packets"], len(skip))
        self.assertEqual(st["lost_samples"], len(skip) * 360 + sender_gaps)
        # Four runs of skipped datagrams, and any overrun the sim had.
        self.assertGreaterEqual(len(gaps), 4)

    def test_bad_arguments(self):
        for kw, word in (
            ({"output_type": "cf64"}, "cf64"),
            ({"stream_id": -2}, "-2"),
            ({"port": 70000}, "70000"),
            ({"samp_rate": -1.0}, "-1"),
            ({"multicast_group": "127.0.0.1"}, "multicast"),
            ({"multicast_group": "ff02::1"}, "famil"),
        ):
            with self.assertRaisesRegex(ValueError, word):
                zcdma.vita49_source(host="127.0.0.1", **kw)


if __name__ == "__main__":
    gr_unittest.run(qa_vita49_source)
