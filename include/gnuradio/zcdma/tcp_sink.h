/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_TCP_SINK_H
#define INCLUDED_ZCDMA_TCP_SINK_H

#include <gnuradio/sync_block.h>
#include <gnuradio/zcdma/api.h>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gr {
namespace zcdma {

//! How tcp_sink hands bytes to the kernel.
enum class zerocopy_mode {
    off,      //!< plain send(): the kernel copies
    on,       //!< always sendmsg(MSG_ZEROCOPY)
    automatic //!< MSG_ZEROCOPY until the kernel keeps copying anyway (local delivery)
};

/*!
 * \brief Streams its input to a TCP peer with sendmsg(MSG_ZEROCOPY).
 * \ingroup zcdma
 *
 * \details
 * Sends straight from the input buffer (the DMA ring when fed by
 * zcdma.source, or any GNU Radio buffer) and consumes only the bytes the
 * kernel has reported complete, so the upstream buffer is never rewritten
 * under pages still in flight. While nothing completes it blocks in poll().
 *
 * Peers: in client mode it connects to host:port, trying every address the
 * name resolves to in order (resolved again for each reconnect; IPv6 and
 * "localhost" -> ::1 work) and keeping a connect pending up to
 * \p connect_timeout seconds however long the round trip, with back-off
 * (100 ms doubling to 2 s) between rounds while the flowgraph waits. In server
 * mode it listens on host:port ("::" or "" listens dual-stack; port 0: any free
 * port, see port()) from the moment it is made and serves one peer at a time,
 * accepting the next one when a peer leaves; a failed accept() (EMFILE, ...)
 * waits the back-off. A peer that hung up before acknowledging any data is
 * next tried (or accepted) after the back-off; after one that took data, at once.
 * A peer is dropped on an error, reset or hang-up, never for half-closing
 * (FIN: a receive-only client) -- sending goes on. A peer that vanishes
 * silently (power loss, cable, NAT timeout) is dropped after \p peer_timeout
 * seconds (TCP_USER_TIMEOUT and keepalive). Input waits while no peer is
 * connected (back-pressure). Bytes in flight when a peer goes away are counted
 * in "bytes_lost" and not sent again.
 *
 * Counters: stats() and, every \p stats_interval seconds, a PMT dict on the
 * "stats" message port.
 */
class ZCDMA_API tcp_sink : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<tcp_sink> sptr;

    /*!
     * \param itemsize bytes per input item
     * \param host peer address (client) or address to listen on (server)
     * \param port TCP port, 1..65535 (0 only in server mode)
     * \param server listen and accept instead of connecting
     * \param zerocopy "auto", "on" or "off"
     * \param max_inflight cap on bytes sent but not yet completed (0: none);
     *        keep it below the upstream buffer size
     * \param send_size bytes per sendmsg() call
     * \param stats_interval seconds between "stats" messages (0: never)
     * \param connect_timeout seconds a connect attempt may take (client mode)
     * \param peer_timeout seconds of silence from a peer that has data
     *        unacknowledged, or of unanswered keepalives when idle, before
     *        the peer counts as gone (0: the kernel's default, ~15 min)
     */
    static sptr make(size_t itemsize,
                     const std::string& host,
                     int port,
                     bool server = false,
                     const std::string& zerocopy = "auto",
                     uint64_t max_inflight = 0,
                     uint64_t send_size = 1 << 20,
                     double stats_interval = 1.0,
                     double connect_timeout = 10.0,
                     double peer_timeout = 10.0);

    //! The bound port in server mode (bound when the block is made), else the peer's.
    virtual int port() const = 0;
    virtual zerocopy_mode mode() const = 0;
    //! Whether sends currently use MSG_ZEROCOPY (auto may have switched off).
    virtual bool zerocopy_active() const = 0;
    virtual bool connected() const = 0;

    virtual uint64_t bytes_sent() const = 0;
    virtual uint64_t zerocopy_bytes() const = 0;
    virtual uint64_t copied_bytes() const = 0;
    virtual uint64_t inflight_bytes() const = 0;
    virtual uint64_t reconnects() const = 0;
    //! Every counter by name.
    virtual std::map<std::string, uint64_t> stats() const = 0;

    /*! A planned end of stream: after \p nbytes input bytes (counted from
     *  start(); a multiple of itemsize; 0: never) have been sent and completed,
     *  close the connection cleanly (the peer reads to EOF) and return
     *  WORK_DONE so that the flowgraph finishes. Nothing is lost or resent. */
    virtual void set_end_after(uint64_t nbytes) = 0;
    virtual uint64_t end_after() const = 0;
    //! Lowest and highest input byte address work() was given (test hook).
    virtual std::pair<uint64_t, uint64_t> input_address_range() const = 0;
    /*! Address ranges (base, length) of every iovec handed to sendmsg()
     *  (test hook: proves the bytes went out from the input buffer itself).
     *  Touching ranges are merged; past 64 ranges a new one is merged into
     *  its nearest neighbour, so a range outside a region stays visible. */
    virtual std::vector<std::pair<uint64_t, uint64_t>> sent_address_ranges() const = 0;
};

} // namespace zcdma
} // namespace gr

#endif /* INCLUDED_ZCDMA_TCP_SINK_H */
