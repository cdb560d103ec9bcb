/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_UDP_SINK_H
#define INCLUDED_ZCDMA_UDP_SINK_H

#include <gnuradio/sync_block.h>
#include <gnuradio/zcdma/api.h>
#include <gnuradio/zcdma/tcp_sink.h> // zerocopy_mode
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gr {
namespace zcdma {

/*!
 * \brief Streams its input as UDP datagrams with sendmsg(MSG_ZEROCOPY) and GSO.
 * \ingroup zcdma
 *
 * \details
 * Each datagram is a header from a small header ring the block owns (none,
 * GNU Radio's seqnum header, or a VITA-49.2 data packet prologue) followed by
 * its payload straight from the input buffer (the DMA ring when fed by
 * zcdma.source). With UDP GSO (UDP_SEGMENT) one sendmsg() carries up to 64
 * datagrams as alternating header/payload iovecs. Input items are consumed
 * only when the kernel reported their send complete; header ring entries are
 * reused only then as well. COPIED completions are counted (auto mode falls
 * back to plain sends after a run of them), ENOBUFS backs off, send errors
 * are counted (an ICMP "port unreachable", ECONNREFUSED, is not fatal: the
 * datagrams are sent again), and nothing is dropped silently.
 *
 * Framings:
 * - "none": payload only.
 * - "seqnum": the 8-byte host-order sequence number (1, 2, ...) that GNU
 *   Radio's network.udp_source with header type "Sequence Number" reads;
 *   \p payload_size means its payloadsize: the whole datagram, header
 *   included, and must leave a multiple of itemsize for samples.
 * - "vita49": VITA-49.2 IF data packets (stream id, 4-bit packet count,
 *   optional class id, TSI UTC seconds, TSF real-time picoseconds from
 *   rx_time tags and \p sample_rate) and IF context packets (own packet
 *   count; bandwidth, RF reference frequency, reference level when given;
 *   sample rate, state/event indicators with sample loss, data payload
 *   format) at start, on every change, every \p context_interval seconds and
 *   after a zcdma_overrun tag (whose data packet starts at the tagged item,
 *   with the sample-loss indicator set in the context packet before it).
 *   \p difi: DIFI (IEEE-ISTO 4900) class id and context layout.
 *   Items are sc16 (itemsize 4) or fc32 (itemsize 8), sent as they lie in
 *   the ring: VITA-49 is big-endian, so a zero-copy ring must already be in
 *   wire order (sim format=sc16be); \p swap = "swap" byte-swaps each sample
 *   component through a staging buffer (plain sends, counted in
 *   swapped_bytes).
 *
 * \p payload_size is the UDP payload of a datagram (header included, 1472
 * fits an Ethernet MTU of 1500 over IPv4, 8972 a jumbo MTU of 9000; 0: the
 * route MTU). It is checked against the route MTU when the block is made
 * (IP_MTU on the connected socket) and a datagram that would fragment is
 * refused with std::invalid_argument; the socket sets don't-fragment. Input
 * short of a full datagram waits for more, except at the end of the stream
 * or at stop(), when it goes out as a short last datagram (counted in
 * tail_bytes).
 */
class ZCDMA_API udp_sink : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<udp_sink> sptr;

    //! make()'s send_buffer: 4 MiB asked for (capped by net.core.wmem_max)
    static constexpr int default_send_buffer = 4 << 20;

    /*!
     * \param itemsize bytes per input item
     * \param host destination: IPv4/IPv6 address or name, or a multicast group
     * \param port UDP port, 1..65535
     * \param framing "none", "seqnum" or "vita49"
     * \param payload_size UDP payload bytes per datagram (header included); 0: route MTU
     * \param zerocopy "auto", "on" or "off"
     * \param gso send many datagrams per sendmsg() (UDP_SEGMENT)
     * \param stream_id VITA-49 stream identifier
     * \param class_id VITA-49 class id: OUI << 32 | information class << 16 |
     *        packet class (0: none; difi sets DIFI's)
     * \param difi DIFI class id and context packet layout
     * \param sample_rate samples (items) per second (vita49 needs it)
     * \param bandwidth Hz for the context packet (NaN: not sent)
     * \param rf_freq RF reference frequency, Hz (NaN: not sent)
     * \param ref_level reference level, dBm (NaN: not sent)
     * \param context_interval seconds between periodic context packets (0: only
     *        at start, on changes and after overruns)
     * \param multicast_ttl hop limit for multicast groups
     * \param multicast_loop deliver multicast to local listeners too
     * \param interface outgoing interface for multicast ("": the route's)
     * \param swap "none" or "swap" (byte-swap sample components, copied)
     * \param stats_interval seconds between "stats" messages (0: never)
     * \param send_buffer SO_SNDBUF bytes asked for (0: the kernel's default); the
     *        kernel caps it at net.core.wmem_max
     */
    static sptr make(size_t itemsize,
                     const std::string& host,
                     int port,
                     const std::string& framing = "none",
                     int payload_size = 1472,
                     const std::string& zerocopy = "auto",
                     bool gso = true,
                     uint32_t stream_id = 0,
                     uint64_t class_id = 0,
                     bool difi = false,
                     double sample_rate = 0,
                     double bandwidth = NAN,
                     double rf_freq = NAN,
                     double ref_level = NAN,
                     double context_interval = 1.0,
                     int multicast_ttl = 1,
                     bool multicast_loop = true,
                     const std::string& interface = "",
                     const std::string& swap = "none",
                     double stats_interval = 1.0,
                     int send_buffer = default_send_buffer);

    virtual zerocopy_mode mode() const = 0;
    //! Whether sends currently use MSG_ZEROCOPY (auto may have switched off).
    virtual bool zerocopy_active() const = 0;
    //! Whether sends currently use GSO (a device without checksum offload: off).
    virtual bool gso_active() const = 0;
    //! Bytes of each full datagram (header + payload).
    virtual int datagram_size() const = 0;
    //! Header bytes of a data datagram (0, 8, 20 or 28).
    virtual int header_size() const = 0;
    //! The route MTU seen when the block was made.
    virtual int route_mtu() const = 0;

    virtual void set_sample_rate(double rate) = 0;
    virtual void set_bandwidth(double hz) = 0;
    virtual void set_rf_freq(double hz) = 0;
    virtual void set_ref_level(double dbm) = 0;

    //! Every counter by name.
    virtual std::map<std::string, uint64_t> stats() const = 0;
    /*! Address ranges (base, length) of every payload iovec handed to
     *  sendmsg() (test hook: proves the samples went out from the input
     *  buffer itself). Merged as tcp_sink's. */
    virtual std::vector<std::pair<uint64_t, uint64_t>> sent_address_ranges() const = 0;
};

} // namespace zcdma
} // namespace gr

#endif /* INCLUDED_ZCDMA_UDP_SINK_H */
