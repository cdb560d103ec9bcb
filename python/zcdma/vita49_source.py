#
# Copyright 2026 gr-zcdma authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""zcdma.vita49_source: VITA-49.2 (VRT) IF data packets from UDP back into a
GNU Radio stream, with rx_time / rx_rate / rx_freq / zcdma_overrun tags taken
from the wire (see docs/blocks.md).

The packet layout is read from each header's bits (packet type, class id,
trailer, TSI/TSF, size), not assumed from a profile, so plain VITA-49.2 and
DIFI streams both work. A reader thread drains the socket into a bounded
queue of datagram buffers so that the scheduler's idle sleeps do not overflow
the socket's receive buffer; work() converts the payloads.
"""

import collections
import ipaddress
import queue
import socket
import struct
import threading
import time

import numpy
import pmt

from gnuradio import gr

# Packets before the first one received that still count as late (reordered),
# not as a time jump: a sender's neighbour queue at start holds about 24 jumbo
# or 145 standard datagrams (unres_qlen_bytes, 212992 bytes).
START_WINDOW = 256
# Gaps (or pieces of gaps) remembered for late packets to fill.
GAPS = 256

# Packet types (header bits 31..28).
IF_DATA = 0
IF_DATA_SID = 1
EXT_DATA = 2
EXT_DATA_SID = 3
IF_CONTEXT = 4
EXT_CONTEXT = 5

# CIF0 field sizes in 32-bit words, bit 30 down to 10 (bit 31, the change
# indicator, has no field). None: variable or unknown; handled below.
CIF0_WORDS = {
    30: 1,  # reference point identifier
    29: 2,  # bandwidth
    28: 2,  # IF reference frequency
    27: 2,  # RF reference frequency
    26: 2,  # RF reference frequency offset
    25: 2,  # IF band offset
    24: 1,  # reference level
    23: 1,  # gain
    22: 1,  # over-range count
    21: 2,  # sample rate
    20: 2,  # timestamp adjustment
    19: 1,  # timestamp calibration time
    18: 1,  # temperature
    17: 2,  # device identifier
    16: 1,  # state and event indicators
    15: 2,  # data packet payload format
    14: 11,  # formatted GPS geolocation
    13: 11,  # formatted INS geolocation
    12: 13,  # ECEF ephemeris
    11: 13,  # relative ephemeris
    10: 1,  # ephemeris reference id
}
CIF0_GPS_ASCII = 9
# Bits 8 (context association lists), 7 (CIF7), 6..4, 3..1 (CIF3..CIF1
# enables) and 0: association lists need parsing of their own, the CIFn words
# add fields this block does not size; reserved bits are unknown by definition.
CIF0_ENABLES = {1, 2, 3, 7}

STATE_BITS = (
    ("calibrated_time", 19),
    ("valid_data", 18),
    ("reference_lock", 17),
    ("agc", 16),
    ("detected_signal", 15),
    ("spectral_inversion", 14),
    ("over_range", 13),
    ("sample_loss", 12),
)

PS = 10**12
RADIX20 = 1 << 20

OUTPUT_TYPES = {
    # name: (numpy dtype, vlen, bytes of payload per item)
    "fc32": (numpy.complex64, 1, 4),
    "sc16": (numpy.int16, 2, 4),
    "u8": (numpy.uint8, 1, 1),
}


def _fixed20(hi, lo):
    """64-bit two's complement with a 20-bit radix (Hz) from two words."""
    v = (hi << 32) | lo
    if v >= 1 << 63:
        v -= 1 << 64
    return v


def _radix7(v16):
    """16-bit two's complement with a 7-bit radix (dB, dBm)."""
    if v16 >= 0x8000:
        v16 -= 0x10000
    return v16 / 128.0


class vita49_source(gr.sync_block):
    """Receives VITA-49.2 IF data over UDP and outputs the sc16 big-endian
    payload as `output_type` items: "fc32" (complex64, sample / 32768, as
    UHD), "sc16" (two native int16 per item) or "u8" (payload bytes as sent).

    host, port: where to bind (port 0: any free port, see port()); IPv4 or
    IPv6. multicast_group: join this group (on `interface`, a name or an
    address; "" lets the kernel choose). stream_id: accept only this stream
    id (-1: any, including packets without one). samp_rate: the sample rate
    until a context packet gives one (0: unknown). rcvbuf: SO_RCVBUF bytes
    asked for (the kernel caps it at net.core.rmem_max).
    """

    def __init__(
        self,
        host="0.0.0.0",
        port=0,
        output_type="fc32",
        stream_id=-1,
        multicast_group="",
        interface="",
        samp_rate=0.0,
        rcvbuf=4 << 20,
        max_datagram=65536,
        queue_datagrams=256,
    ):
        if output_type not in OUTPUT_TYPES:
            raise ValueError(
                f"vita49_source: output_type {output_type!r} is not one of {sorted(OUTPUT_TYPES)}"
            )
        if not -1 <= stream_id <= 0xFFFFFFFF:
            raise ValueError(f"vita49_source: stream_id {stream_id} is not -1 or a 32-bit id")
        if not 0 <= port <= 65535:
            raise ValueError(f"vita49_source: port {port} is not 0..65535")
        if not samp_rate >= 0:
            raise ValueError(f"vita49_source: samp_rate {samp_rate} is not >= 0")
        if not 32 <= max_datagram <= 65536 or max_datagram % 4:
            raise ValueError(
                f"vita49_source: max_datagram {max_datagram} is not a multiple of 4 in 32..65536"
            )
        if queue_datagrams < 2:
            raise ValueError(f"vita49_source: queue_datagrams {queue_datagrams} is less than 2")
        dtype, vlen, self._bytes_per_item = OUTPUT_TYPES[output_type]
        gr.sync_block.__init__(
            self,
            name="zcdma_vita49_source",
            in_sig=None,
            out_sig=[(dtype, vlen) if vlen > 1 else dtype],
        )
        self._type = output_type
        self._stream_id = stream_id
        self._rate_raw = int(round(samp_rate * RADIX20)) if samp_rate else 0
        self._sock = self._open(host, port, multicast_group, interface, rcvbuf)
        self._max = max_datagram
        self._bufs = numpy.zeros((queue_datagrams, max_datagram), dtype=numpy.uint8)
        self._free = queue.SimpleQueue()
        for i in range(queue_datagrams):
            self._free.put(i)
        self._filled = queue.SimpleQueue()
        self._thread = None
        self._stopping = threading.Event()
        self._pending = None  # (slot, payload offset, payload end) being output
        self._stats = dict.fromkeys(
            (
                "datagrams",
                "packets",
                "context_packets",
                "lost_context_packets",
                "payload_bytes",
                "items",
                "lost_packets",
                "lost_samples",
                "overruns",
                "time_jumps",
                "late_packets",
                "sample_loss_indicated",
                "malformed",
                "truncated",
                "other_stream",
                "unsupported",
                "context_skipped",
                "socket_errors",
                "rcvbuf",
            ),
            0,
        )
        self._stats["rcvbuf"] = self._sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
        self._context = {}
        self._warned = set()
        self._reset_stream()
        self._rx_time_key = pmt.intern("rx_time")
        self._rx_rate_key = pmt.intern("rx_rate")
        self._rx_freq_key = pmt.intern("rx_freq")
        self._overrun_key = pmt.intern("zcdma_overrun")
        self._srcid = pmt.intern(self.alias() if hasattr(self, "alias") else "vita49_source")

    # ---- socket -----------------------------------------------------------

    @staticmethod
    def _family(addr):
        try:
            return socket.AF_INET6 if ipaddress.ip_address(addr).version == 6 else socket.AF_INET
        except ValueError:
            infos = socket.getaddrinfo(addr, None, type=socket.SOCK_DGRAM)
            return infos[0][0]

    def _open(self, host, port, group, interface, rcvbuf):
        host = host or ("::" if group and ":" in group else "0.0.0.0")
        family = self._family(host)
        if group and self._family(group) != family:
            raise ValueError(
                f"vita49_source: multicast group {group!r} and host {host!r} "
                "are different address families"
            )
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if rcvbuf:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(rcvbuf))
            sock.bind((host, port))
            if group:
                self._join(sock, family, group, interface)
        except BaseException:
            sock.close()
            raise
        return sock

    @staticmethod
    def _join(sock, family, group, interface):
        if not ipaddress.ip_address(group).is_multicast:
            raise ValueError(f"vita49_source: {group!r} is not a multicast address")
        if family == socket.AF_INET:
            ifaddr = "0.0.0.0"
            ifindex = 0
            if interface:
                try:
                    ipaddress.ip_address(interface)
                    ifaddr = interface
                except ValueError:
                    ifindex = socket.if_nametoindex(interface)
            mreqn = socket.inet_aton(group) + socket.inet_aton(ifaddr) + struct.pack("i", ifindex)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
        else:
            ifindex = socket.if_nametoindex(interface) if interface else 0
            mreq = socket.inet_pton(socket.AF_INET6, group) + struct.pack("I", ifindex)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)

    def port(self):
        """The UDP port bound (useful with port=0)."""
        return self._sock.getsockname()[1]

    # ---- reader thread ----------------------------------------------------

    def start(self):
        self._stopping.clear()
        self._thread = threading.Thread(target=self._reader, name="vita49_source", daemon=True)
        self._thread.start()
        return True

    def stop(self):
        self._stopping.set()
        if self._thread:
            self._thread.join()
            self._thread = None
        return True

    def _reader(self):
        sock = self._sock
        sock.settimeout(0.05)
        views = [memoryview(b) for b in self._bufs]
        while not self._stopping.is_set():
            try:
                slot = self._free.get(timeout=0.05)
            except queue.Empty:
                continue
            while not self._stopping.is_set():
                try:
                    n = sock.recv_into(views[slot], 0, socket.MSG_TRUNC)
                except TimeoutError:
                    continue
                except OSError as e:
                    if self._stopping.is_set() or sock.fileno() < 0:
                        break
                    # Not fatal: count, say so once, and keep receiving.
                    self._warn("socket_errors", f"vita49_source: recv: {e}")
                    self._stopping.wait(0.01)
                    continue
                self._filled.put((slot, n))
                slot = None
                break
            if slot is not None:
                self._free.put(slot)

    # ---- parsing ----------------------------------------------------------

    def _reset_stream(self):
        self._data_count = None  # last data packet count
        self._ctx_count = None
        self._anchor_ps = None  # timestamp (ps) of sample _anchor_index
        self._anchor_index = 0
        self._index = 0  # samples since the anchor
        self._last_spp = 0
        # Recent gaps in time that a late packet may fill: [start ps, end ps,
        # record]; the record, shared by the pieces a gap splits into, says
        # how many packets it counted lost and which count a packet at a
        # given time must carry (see _gap_record).
        self._gaps = collections.deque(maxlen=GAPS)
        self._window = None  # the start window's record while it is open
        self._first_at = None  # packet number of the first timestamped packet
        self._head_ps = None  # end of the newest packet in stream order
        self._span = (0, 0, 0, 0)  # cache: nsamp, rate, their ps, half a sample
        self._behind_run_end = 0  # end (ps) of the last of them
        self._behind_run_len = 0  # behind packets in a row, continuing each other
        self._need_time_tag = True
        self._tag_rate = bool(self._rate_raw)
        self._tag_freq = False

    def _warn(self, what, detail):
        self._stats[what] += 1
        if what not in self._warned:
            self._warned.add(what)
            self.logger.warn(f"{detail} (counted in stats()['{what}'], warned once)")

    def _parse(self, buf, n):
        """Checks one datagram; returns (header fields, payload start, payload
        end) for data packets it should output, None otherwise."""
        self._stats["datagrams"] += 1
        if n > self._max:
            self._warn(
                "truncated",
                f"vita49_source: a {n}-byte datagram is larger than max_datagram {self._max}",
            )
            return None
        if n < 4 or n % 4:
            self._warn(
                "malformed",
                f"vita49_source: a {n}-byte datagram is not a whole number of 32-bit words",
            )
            return None
        hdr = int.from_bytes(buf[0:4], "big")
        ptype = hdr >> 28
        size = (hdr & 0xFFFF) * 4
        if size != n:
            self._warn("malformed", f"vita49_source: header says {size} bytes, datagram has {n}")
            return None
        if ptype > EXT_CONTEXT:
            self._warn(
                "unsupported", f"vita49_source: packet type {ptype} (command packets) ignored"
            )
            return None
        has_sid = ptype != IF_DATA and ptype != EXT_DATA
        is_data = ptype <= EXT_DATA_SID
        has_class = bool(hdr & (1 << 27))
        trailer = is_data and bool(hdr & (1 << 26))
        tsi = (hdr >> 22) & 3
        tsf = (hdr >> 20) & 3
        count = (hdr >> 16) & 0xF
        pos = 4
        sid = None
        need = 4 * (1 + has_sid + 2 * has_class + (tsi != 0) + 2 * (tsf != 0) + trailer)
        if n < need:
            self._warn(
                "malformed",
                f"vita49_source: a {n}-byte packet is shorter than its {need}-byte prologue",
            )
            return None
        if has_sid:
            sid = int.from_bytes(buf[4:8], "big")
            pos = 8
        if self._stream_id >= 0 and sid != self._stream_id:
            self._stats["other_stream"] += 1
            return None
        if has_class:
            pos += 8
        secs = None
        if tsi:
            secs = int.from_bytes(buf[pos : pos + 4], "big")
            pos += 4
        frac = None
        if tsf:
            frac = int.from_bytes(buf[pos : pos + 8], "big")
            pos += 8
        end = n - 4 * trailer
        if not is_data:
            self._context_packet(buf, pos, end, count)
            return None
        if ptype in (EXT_DATA, EXT_DATA_SID):
            self._warn("unsupported", "vita49_source: extension data packets ignored")
            return None
        if (end - pos) % 4:
            self._warn("malformed", "vita49_source: payload is not whole sc16 samples")
            return None
        return (count, tsi, tsf, secs, frac, pos, end)

    def _context_packet(self, buf, pos, end, count):
        words = numpy.frombuffer(buf[pos:end], dtype=">u4").astype(numpy.uint64).tolist()
        if not words:
            self._warn("malformed", "vita49_source: context packet without CIF0")
            return
        cif0 = words[0]
        i = 1 + sum(1 for b in CIF0_ENABLES if cif0 >> b & 1)
        fields = {}
        for bit in range(30, -1, -1):
            if not cif0 >> bit & 1:
                continue
            if bit in CIF0_ENABLES:
                continue
            if bit == CIF0_GPS_ASCII:
                size = 2 + words[i + 1] if i + 1 < len(words) else 2
            elif bit in CIF0_WORDS:
                size = CIF0_WORDS[bit]
            else:
                self._warn(
                    "context_skipped",
                    f"vita49_source: context packet with CIF0 bit {bit}, "
                    "which this block cannot size, skipped",
                )
                return
            if i + size > len(words):
                self._warn(
                    "malformed", f"vita49_source: context packet too short for CIF0 bit {bit}"
                )
                return
            fields[bit] = words[i : i + size]
            i += size
        self._stats["context_packets"] += 1
        if self._ctx_count is not None and count != (self._ctx_count + 1) & 0xF:
            self._stats["lost_context_packets"] += (count - self._ctx_count - 1) & 0xF
        self._ctx_count = count
        ctx = self._context
        ctx["change"] = bool(cif0 >> 31 & 1)
        if 29 in fields:
            ctx["bandwidth"] = _fixed20(*fields[29]) / RADIX20
        if 28 in fields:
            ctx["if_freq"] = _fixed20(*fields[28]) / RADIX20
        if 27 in fields:
            freq = _fixed20(*fields[27]) / RADIX20
            if ctx.get("rf_freq") != freq:
                self._tag_freq = True
            ctx["rf_freq"] = freq
        if 26 in fields:
            ctx["rf_freq_offset"] = _fixed20(*fields[26]) / RADIX20
        if 24 in fields:
            ctx["reference_level"] = _radix7(fields[24][0] & 0xFFFF)
        if 23 in fields:
            ctx["gain"] = (_radix7(fields[23][0] & 0xFFFF), _radix7(fields[23][0] >> 16))
        if 21 in fields:
            raw = _fixed20(*fields[21])
            if raw <= 0:
                self._warn(
                    "malformed", f"vita49_source: context sample rate {raw / RADIX20} Hz ignored"
                )
            else:
                if raw != self._rate_raw:
                    self._tag_rate = True
                    # Samples before the change were counted at the old rate.
                    self._anchor_ps = None
                self._rate_raw = raw
                ctx["sample_rate"] = raw / RADIX20
        if 16 in fields:
            w = fields[16][0]
            state = {name: bool(w >> bit & 1) for name, bit in STATE_BITS if w >> (bit + 12) & 1}
            ctx["state"] = state
            if state.get("sample_loss"):
                self._stats["sample_loss_indicated"] += 1
        if 15 in fields:
            a, b = fields[15]
            ctx["payload_format"] = {
                "packing": a >> 31 & 1,
                "complex": ("real", "cartesian", "polar", "reserved")[a >> 29 & 3],
                "item_format": a >> 24 & 0x1F,
                "fraction_bits": a >> 12 & 0xF,
                "packing_bits": (a >> 6 & 0x3F) + 1,
                "item_bits": (a & 0x3F) + 1,
                "vector_size": (b & 0xFFFF) + 1,
            }
            fmt = ctx["payload_format"]
            if self._type != "u8" and (
                fmt["complex"] != "cartesian" or fmt["item_bits"] != 16 or fmt["item_format"]
            ):
                self.logger.warn(
                    f"vita49_source: payload format {fmt} is not sc16; "
                    f"output_type {self._type} assumes sc16"
                )

    # ---- output -----------------------------------------------------------

    def _tag(self, offset, key, value):
        self.add_item_tag(0, offset, key, value, self._srcid)

    def _begin_packet(self, fields, out_offset):
        """Loss and time bookkeeping for the data packet about to be output
        at absolute item `out_offset`; emits its tags."""
        count, tsi, tsf, secs, frac, start, end = fields
        nsamp = (end - start) // 4
        st = self._stats
        st["packets"] += 1
        t_ps = None
        rate = self._rate_raw
        if tsi and tsf == 2:
            t_ps = secs * PS + frac
        elif tsi and tsf == 1 and rate:
            t_ps = secs * PS + frac * PS * RADIX20 // rate
        timed = t_ps is not None and rate
        if timed:
            n_, r_, dur, half = self._span
            if n_ != nsamp or r_ != rate:
                dur, half = self._ps_of(nsamp, rate), self._span[3]
            end_ps = t_ps + dur
            if self._first_at is None or self._window is not None:
                self._start_window(t_ps, nsamp, count)
            # Behind: it starts more than half a sample before the head.
            if self._head_ps is not None and t_ps < self._head_ps - half:
                if self._behind(t_ps, nsamp, count, out_offset):
                    return
            elif self._behind_run_len:
                self._behind_run_len = 0  # a run of behind packets ends here
        lost_pkts = 0
        if self._data_count is not None:
            lost_pkts = (count - self._data_count - 1) & 0xF
        self._data_count = count
        lost_samples = None
        time_tag = self._need_time_tag
        gap_from = None  # where the time gap before this packet began (ps)
        if timed and self._anchor_ps is not None:
            gap = self._expected_index(t_ps) - (self._index - self._anchor_index)
            if gap > 0:
                lost_samples = gap
                # The count is modulo 16: the time says how many were lost
                # when it agrees (a gap with no count jump is the sender's
                # own overrun, not a loss on the wire).
                spp = self._last_spp
                if lost_pkts and spp and gap % spp == 0 and (gap // spp - lost_pkts) % 16 == 0:
                    lost_pkts = gap // spp
                gap_from = t_ps - gap * PS * RADIX20 // rate
            elif gap < 0:
                st["time_jumps"] += 1
                time_tag = True
                lost_pkts = 0
            elif lost_pkts:
                # Count says lost, time says continuous: a count error.
                st["time_jumps"] += 1
                lost_pkts = 0
        elif lost_pkts:
            lost_samples = lost_pkts * (self._last_spp or nsamp)
            if timed and self._head_ps is not None and self._head_ps < t_ps:
                gap_from = self._head_ps  # no time reference (a new rate): from the head
        if gap_from is not None:
            self._gaps.append([gap_from, t_ps, self._gap_record(t_ps, nsamp, count, lost_pkts)])
        if lost_pkts or lost_samples:
            st["lost_packets"] += lost_pkts
            st["lost_samples"] += lost_samples or 0
            st["overruns"] += 1
            self._tag(out_offset, self._overrun_key, pmt.from_uint64(lost_samples or 0))
            time_tag = True
        if t_ps is not None and (time_tag or self._anchor_ps is None or self._tag_rate):
            self._anchor_ps = t_ps
            self._anchor_index = self._index
        if timed:
            self._head_ps = end_ps
        if time_tag and t_ps is not None:
            self._tag_time(out_offset, t_ps)
        elif time_tag and secs is not None:
            self._tag(
                out_offset,
                self._rx_time_key,
                pmt.make_tuple(pmt.from_uint64(secs), pmt.from_double(0.0)),
            )
        self._need_time_tag = False
        if self._tag_rate and rate:
            self._tag(out_offset, self._rx_rate_key, pmt.from_double(rate / RADIX20))
            self._tag_rate = False
        if self._tag_freq:
            self._tag(out_offset, self._rx_freq_key, pmt.from_double(self._context["rf_freq"]))
            self._tag_freq = False
        self._index += nsamp
        self._last_spp = nsamp
        st["payload_bytes"] += end - start

    def _tag_time(self, offset, t_ps):
        self._tag(
            offset,
            self._rx_time_key,
            pmt.make_tuple(pmt.from_uint64(t_ps // PS), pmt.from_double((t_ps % PS) / PS)),
        )

    def _ps_of(self, nsamp, rate):
        """Picoseconds that nsamp samples last at rate (cached: per packet)."""
        n, r, ps, _ = self._span
        if n != nsamp or r != rate:
            ps = nsamp * PS * RADIX20 // rate
            self._span = (nsamp, rate, ps, PS * RADIX20 // (2 * rate))
        return ps

    def _expected_index(self, t_ps):
        """Nearest sample index of timestamp t_ps since the anchor."""
        return ((t_ps - self._anchor_ps) * self._rate_raw + PS * RADIX20 // 2) // (PS * RADIX20)

    def _gap_record(self, t_ps, nsamp, count, lost_pkts):
        """What a gap ending at this packet (time t_ps, its count) knows: a
        packet of the same size at time t belongs in it only if it carries
        count + (t - t_ps) / its duration (mod 16), at this rate."""
        rate = self._rate_raw
        return {
            "packets": lost_pkts,
            "ref_ps": t_ps,
            "ref_count": count,
            "dur": self._ps_of(nsamp, rate),
            "rate": rate,
            "half": PS * RADIX20 // (2 * rate),  # half a sample at this rate
        }

    def _start_window(self, t_ps, nsamp, count):
        """Packets sent before the first one received may still come
        (overtaken at the sender's start, e.g. while it resolved our
        address): the START_WINDOW packets' worth before the first
        timestamped packet received with a known rate (a context packet
        may come after the first data packets) is a gap they fill, closed
        START_WINDOW packets later."""
        n = self._stats["packets"]
        if self._first_at is None:
            self._first_at = n
            self._window = rec = self._gap_record(t_ps, nsamp, count, 0)
            self._gaps.append([t_ps - START_WINDOW * rec["dur"], t_ps, rec])
            if self._head_ps is None:
                self._head_ps = t_ps  # packets before it are behind
        elif n - self._first_at > START_WINDOW:
            self._close_window()

    def _close_window(self):
        w, self._window = self._window, None
        self._gaps = collections.deque((g for g in self._gaps if g[2] is not w), maxlen=GAPS)

    def _in_gap(self, t_ps, nsamp, count):
        """(the remembered gap this packet fills, in time and count, and the
        packet's end at that gap's rate), or None; the newest gap first (a
        late packet most often fills a recent one)."""
        for g in reversed(self._gaps):
            lo, hi, rec = g
            end_ps = t_ps + nsamp * PS * RADIX20 // rec["rate"]
            if t_ps < lo - rec["half"] or end_ps > hi + rec["half"]:
                continue
            k = (t_ps - rec["ref_ps"] + rec["dur"] // 2) // rec["dur"]
            if (rec["ref_count"] + k) & 0xF == count:
                return g, end_ps
        return None

    def _went_back(self, t_ps, nsamp, count):
        """True if this packet (behind, in no gap) shows that the sender
        went back in time (a restart) rather than being a duplicate or a
        straggler: it is more than START_WINDOW packets behind and its
        count is not the one the stream had there, or it continues a run of
        more than START_WINDOW such packets."""
        dur = self._ps_of(nsamp, self._rate_raw)
        run = self._behind_run_len + 1 if abs(t_ps - self._behind_run_end) * 2 * nsamp < dur else 1
        self._behind_run_end, self._behind_run_len = t_ps + dur, run
        if run > START_WINDOW:
            return True
        if self._head_ps - t_ps <= START_WINDOW * dur or self._data_count is None:
            return False
        k = (t_ps - (self._head_ps - dur) + dur // 2) // dur  # packets after the head's
        return (self._data_count + k) & 0xF != count

    def _behind(self, t_ps, nsamp, count, out_offset):
        """A packet that starts before the newest one's end. True if it is
        output on the side, off the stream's time line:
        - late (reordered on the way): it fills part of a remembered gap or
          the start window, at the time its count says; its samples and
          packet come back out of the loss counts, counted in late_packets;
        - a duplicate, a straggler whose gap is forgotten, or a sender that
          stepped back less than START_WINDOW packets: counted in
          time_jumps.
        Either way it gets its own rx_time, the stream's count and time
        reference stay, and the packet after it gets an rx_time too. False
        when the sender went back in time (a restart, _went_back): the
        stream follows it."""
        st = self._stats
        fills = self._in_gap(t_ps, nsamp, count)
        if fills is not None:
            gap, end_ps = fills
            lo, hi, rec = gap
            self._gaps.remove(gap)
            self._gaps.extend(
                [a, b, rec] for a, b in ((lo, t_ps), (end_ps, hi)) if b - a > rec["half"]
            )
            st["late_packets"] += 1
            if rec is not self._window:
                st["lost_samples"] = max(0, st["lost_samples"] - nsamp)
                if rec["packets"] > 0:
                    rec["packets"] -= 1
                    st["lost_packets"] -= 1
        elif self._went_back(t_ps, nsamp, count):
            st["time_jumps"] += 1
            self._gaps.clear()
            self._window = None
            self._first_at = -START_WINDOW  # no new start window
            self._head_ps = None
            self._anchor_ps = None
            self._data_count = None
            self._need_time_tag = True
            return False
        else:
            st["time_jumps"] += 1
        self._tag_time(out_offset, t_ps)
        self._index += nsamp
        self._anchor_index += nsamp  # the stream's time line skips them
        self._need_time_tag = True
        st["payload_bytes"] += nsamp * 4
        return True

    def _emit(self, out, pos, buf, start, end):
        """Writes payload bytes [start, end) as items at out[pos:]; returns
        the number of items written."""
        if self._type == "u8":
            k = end - start
            out[pos : pos + k] = buf[start:end]
            return k
        comps = buf[start:end].view(">i2")
        k = comps.size // 2
        if self._type == "sc16":
            out[pos : pos + k] = comps.reshape(k, 2)
        else:
            v = out[pos : pos + k].view(numpy.float32)
            v[:] = comps
            v *= numpy.float32(1.0 / 32768)
        return k

    def work(self, input_items, output_items):
        out = output_items[0]
        room = len(out)
        done = 0
        base = self.nitems_written(0)
        per = self._bytes_per_item
        # Wait up to 0.1 s for the first item, then take only what is queued:
        # work() must return now and then so that the flowgraph can stop.
        deadline = time.monotonic() + 0.1
        while done < room:
            if self._pending is None:
                wait = deadline - time.monotonic() if not done else 0
                try:
                    slot, n = (
                        self._filled.get(timeout=wait) if wait > 0 else self._filled.get_nowait()
                    )
                except queue.Empty:
                    break
                buf = self._bufs[slot]
                fields = self._parse(buf, n)
                if fields is None:
                    self._free.put(slot)
                    continue
                self._begin_packet(fields, base + done)
                self._pending = (slot, fields[5], fields[6])
            slot, start, end = self._pending
            take = min(end - start, (room - done) * per)
            done += self._emit(out, done, self._bufs[slot], start, start + take)
            start += take
            if start == end:
                self._free.put(slot)
                self._pending = None
            else:
                self._pending = (slot, start, end)
        self._stats["items"] += done
        return done

    # ---- accessors --------------------------------------------------------

    def stats(self):
        """Counters: datagrams, packets (data packets output), context_packets,
        payload_bytes, items, lost_packets, lost_samples, overruns (zcdma_overrun
        tags), time_jumps, late_packets (reordered: output after a later one,
        not lost), sample_loss_indicated, malformed, truncated,
        other_stream, unsupported, context_skipped, socket_errors, rcvbuf
        (bytes granted)."""
        return dict(self._stats)

    def context(self):
        """The latest context packet fields: sample_rate, bandwidth, rf_freq,
        if_freq, reference_level, gain, state (indicators), payload_format."""
        return dict(self._context)

    def close(self):
        self.stop()
        self._sock.close()
