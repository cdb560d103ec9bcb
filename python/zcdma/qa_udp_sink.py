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
import socket
import struct
import tempfile
import threading

import numpy
from test_support import IS_SIM, spec, wait_for

from gnuradio import blocks, gr, gr_unittest, zcdma

WORD = numpy.dtype("<u8")


class DatagramReceiver:
    """Receives datagrams on a UDP socket of its own (port 0) into a list
    until stop_after datagrams or close(). forward_to: relay each datagram
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
        ranges = snk.sent_address_ranges()
        self.assertGreater(len(ranges), 0)
        lo, hi = region.ctypes.data, region.ctypes.data + region.nbytes
        for base, length in ranges:
            self.assertTrue(
                lo <= base and base + length <= hi,
                f"sendmsg iov [{base:#x}, +{length}) outside [{lo:#x}, {hi:#x})",
            )

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
        dev = spec(pattern="counter", rate=40000000, nbufs=32, bufsize=65536)
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
        if not (IS_SIM is False and src.get_device().stats.slots_dropped):
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
        # socket buffer: keep the rate modest (200 datagrams/s).
        thr = blocks.throttle(8, 200 * words_per)
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
            (dict(multicast_ttl=300), "300"),
            (dict(port=0), "port 0"),
            (dict(port=70000), "70000"),
            (dict(host="no.such.host.invalid"), "no.such.host.invalid"),
            (dict(interface="nosuchif0"), "nosuchif0"),
            (dict(payload_size=4), "payload_size 4"),
        ]
        for kw, needle in cases:
            args = dict(itemsize=8, host="127.0.0.1", port=9)
            args.update(kw)
            with self.assertRaises(ValueError, msg=str(kw)) as cm:
                zcdma.udp_sink(**args)
            self.assertIn(needle, str(cm.exception))

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
        for d in rx.datagrams:  # each one whole and in order inside
            w = words_of(d)
            self.assertEqual(zcdma.check_counter(w, int(w[0]) * 8), 0)
        firsts = [int(words_of(d)[0]) for d in rx.datagrams]
        self.assertEqual(firsts, sorted(firsts))  # forward only
        self.assertEqual(snk.stats()["send_errors"], 0)


if __name__ == "__main__":
    gr_unittest.run(qa_udp_sink)
