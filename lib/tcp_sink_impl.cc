/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "realtime_clock.h"
#include "stats_message.h"
#include "tcp_sink_impl.h"
#include "zerocopy_mode.h"
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <system_error>
#include <boost/thread/thread.hpp>
#include <algorithm>
#include <cerrno>
#include <fstream>
#include <limits>
#include <stdexcept>

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY 60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY 0x4000000
#endif

namespace gr {
namespace zcdma {

namespace {
constexpr int poll_slice_ms = 100; // how soon top_block.stop() is noticed
constexpr int drain_timeout_ms = 2000;
// A dropped peer's zero-copy sends: how long to wait for their completions
// before the bytes are handed back anyway. Covers an unresolved neighbour
// (3 ARP probes, 1 s apart, then the queue is purged) and a stalled TX ring
// (the TX watchdog, typically 5 s).
constexpr int dropped_drain_timeout_ms = 5000;

int timeout_ms(const char* name, double seconds, bool zero_ok)
{
    if (!(seconds >= (zero_ok ? 0.0 : 0.001) && seconds <= 86400.0))
        throw std::invalid_argument(std::string("zcdma.tcp_sink: ") + name + " must be " +
                                    (zero_ok ? "0 or " : "") + "0.001..86400 s, not " +
                                    std::to_string(seconds));
    return static_cast<int>(seconds * 1000.0 + 0.5);
}
} // namespace

tcp_sink::sptr tcp_sink::make(size_t itemsize,
                              const std::string& host,
                              int port,
                              bool server,
                              const std::string& zerocopy,
                              uint64_t max_inflight,
                              uint64_t send_size,
                              double stats_interval,
                              double connect_timeout,
                              double peer_timeout)
{
    return gnuradio::make_block_sptr<tcp_sink_impl>(itemsize,
                                                    host,
                                                    port,
                                                    server,
                                                    zerocopy,
                                                    max_inflight,
                                                    send_size,
                                                    stats_interval,
                                                    connect_timeout,
                                                    peer_timeout);
}

tcp_sink_impl::tcp_sink_impl(size_t itemsize,
                             const std::string& host,
                             int port,
                             bool server,
                             const std::string& zerocopy,
                             uint64_t max_inflight,
                             uint64_t send_size,
                             double stats_interval,
                             double connect_timeout,
                             double peer_timeout)
    : gr::sync_block("zcdma_tcp_sink",
                     gr::io_signature::make(1, 1, itemsize),
                     gr::io_signature::make(0, 0, 0)),
      d_itemsize(itemsize),
      d_host(host),
      d_port(port),
      d_server(server),
      d_mode(parse_zerocopy_mode(zerocopy, "zcdma.tcp_sink")),
      d_max_inflight(max_inflight),
      d_send_size(send_size),
      d_stats_pacer(stats_interval),
      d_stats_port(pmt::intern("stats")),
      d_rx_time_key(pmt::intern("rx_time"))
{
    if (itemsize == 0)
        throw std::invalid_argument("zcdma.tcp_sink: itemsize must be > 0");
    if (port < (server ? 0 : 1) || port > 65535)
        throw std::invalid_argument("zcdma.tcp_sink: port " + std::to_string(port) +
                                    " out of range (" + (server ? "0" : "1") +
                                    "..65535)");
    if (send_size < 1)
        throw std::invalid_argument("zcdma.tcp_sink: send_size must be > 0");
    if (!(stats_interval >= 0))
        throw std::invalid_argument("zcdma.tcp_sink: stats_interval must be >= 0, not " +
                                    std::to_string(stats_interval));
    if (!server && host.empty())
        throw std::invalid_argument("zcdma.tcp_sink: client mode needs a host");
    const int connect_ms = timeout_ms("connect_timeout", connect_timeout, false);
    const int peer_ms = timeout_ms("peer_timeout", peer_timeout, true);
    // Resolves (throws for an unresolvable host); server mode binds here, so
    // EADDRINUSE & co. surface at once.
    d_link = std::make_unique<tcp_link>(host, port, server, connect_ms, peer_ms);
    d_link->on_warning([this](const std::string& m) { d_logger->warn("{}", m); });
    if (server)
        d_port = d_link->port();
    // Checked here, not in start(): in 3.10.5 start() runs on the block's own
    // thread, where an exception would only end that thread. The probe uses
    // the peer's family: an IPv6-only host has no AF_INET.
    if (d_mode == zerocopy_mode::on) {
        unique_fd probe(socket(d_link->family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
        int one = 1;
        if (!probe ||
            setsockopt(probe.get(), SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) < 0)
            throw std::system_error(errno,
                                    std::generic_category(),
                                    "zcdma.tcp_sink: zerocopy=on but SO_ZEROCOPY is "
                                    "unavailable (needs Linux >= 4.14)");
    }
    message_port_register_out(d_stats_port);
}

tcp_sink_impl::~tcp_sink_impl() = default;

bool tcp_sink_impl::start()
{
    d_pending = d_done = 0;
    d_resume_at = 0;
    d_zc_backoff.reset();
    // A peer that joins mid-stream starts on an upstream output_multiple
    // boundary (a zcdma.source slot), else on an item. The run starts on one:
    // 3.10.5 builds new buffers at every start().
    d_align = d_itemsize;
    try {
        const auto writer = detail()->input(0)->buffer()->link();
        if (writer && writer->output_multiple_set() && writer->output_multiple() > 0)
            d_align *= static_cast<uint64_t>(writer->output_multiple());
    } catch (const std::bad_weak_ptr&) {
    }
    d_stamps.clear();
    d_stamps_seen_to = nitems_read(0);
    d_ever_connected = false;
    d_link->restart();
    d_stats_pacer.restart();
    return true;
}

bool tcp_sink_impl::stop()
{
    // Let what is in flight complete before the buffers can be reused.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_timeout_ms);
    while (d_sock && d_tracker.inflight_bytes() &&
           std::chrono::steady_clock::now() < deadline) {
        pollfd p = { d_sock.get(), 0, 0 };
        poll(&p, 1, 50);
        reap_completions();
    }
    if (d_sock) {
        if (d_tracker.inflight_bytes())
            drop_peer("stopped with sends in flight");
        else
            d_sock.reset();
    }
    while (d_dropped && !drain_dropped(poll_slice_ms)) {
    }
    {
        std::lock_guard<std::mutex> lk(d_stats_mutex);
        d_tracker.abandon(); // the next start() begins with fresh buffers
    }
    d_connected = false;
    d_link->restart();      // closes a pending connect
    maybe_post_stats(true); // the listening socket stays for the next start()
    return true;
}

void tcp_sink_impl::setup_peer()
{
    bool zc = d_mode != zerocopy_mode::off;
    if (zc) {
        int one = 1;
        if (setsockopt(d_sock.get(), SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one) < 0) {
            if (d_mode == zerocopy_mode::on)
                throw std::system_error(
                    errno,
                    std::generic_category(),
                    "zcdma.tcp_sink: SO_ZEROCOPY (needs Linux >= 4.14)");
            d_logger->warn("SO_ZEROCOPY unavailable ({}); using plain send()",
                           strerror(errno));
            zc = false;
        }
    }
    d_zc_active = zc;
    d_reaper.reset_streak();
    d_zc_backoff.reset();
    if (d_ever_connected)
        d_reconnects++;
    d_ever_connected = true;
    d_connected = true;
    d_peer_eof = false;
    d_logger->info(
        "connected to {} (zerocopy {})", d_link->peer_text(), zc ? "on" : "off");
}

// Returns true with d_sock connected; false if still waiting after timeout_ms.
bool tcp_sink_impl::ensure_peer(int timeout_ms)
{
    if (d_sock)
        return true;
    d_sock = d_link->poll_peer(timeout_ms);
    if (!d_sock)
        return false;
    setup_peer();
    return true;
}

void tcp_sink_impl::drop_peer(const char* why)
{
    if (!d_sock) // already gone: one peer is one disconnect
        return;
    reap_completions(); // what the kernel finished still counts as delivered
    // What the peer never acknowledged is lost. The kernel's count
    // (write_seq - snd_una, still valid after a reset) is the truth: plain
    // sends are done for the tracker at once, and a reset purges the send
    // queue, which reports its zero-copy sends complete.
    int unacked = -1;
    if (ioctl(d_sock.get(), SIOCOUTQ, &unacked) < 0)
        unacked = -1;
    {
        std::lock_guard<std::mutex> lk(d_stats_mutex);
        d_done += d_tracker.take_done();
    }
    const uint64_t lost =
        unacked >= 0 ? static_cast<uint64_t>(unacked) : d_tracker.inflight_bytes();
    measure_latency(true); // what completed before the drop was delivered
    d_bytes_lost += lost;
    // The next peer must not start mid-item: it starts on the next boundary.
    const uint64_t pos = nitems_read(0) * d_itemsize + d_pending;
    d_resume_at = (pos + d_align - 1) / d_align * d_align;
    d_disconnects++;
    d_connected = false;
    d_link->dropped(d_sock.get()); // when to try again
    // Reset the connection but keep the socket: connect(AF_UNSPEC) sends the
    // RST and purges the send queue (as close() with SO_LINGER 0 would), and
    // the error queue stays readable. Packets cloned from that queue may still
    // be held elsewhere in the stack; their completions come when the last is
    // freed. Until then their bytes are not consumed: drain_dropped().
    sockaddr unspec{};
    unspec.sa_family = AF_UNSPEC;
    connect(d_sock.get(), &unspec, sizeof unspec);
    d_dropped = std::move(d_sock);
    d_dropped_deadline = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(dropped_drain_timeout_ms);
    if (!d_tracker.inflight_sends())
        release_dropped(false);
    d_logger->warn(
        "peer {} gone ({}); {} bytes in flight lost", d_link->peer_text(), why, lost);
}

// Waits up to timeout_ms for the dropped socket's completions; true once its
// bytes are handed back (all completed, or the bound passed).
bool tcp_sink_impl::drain_dropped(int timeout_ms)
{
    if (!d_dropped)
        return true;
    reap_from(d_dropped.get(), false);
    measure_latency(false); // purged with the peer, not delivered
    if (d_tracker.inflight_sends()) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            d_dropped_deadline - std::chrono::steady_clock::now());
        if (left.count() > 0) {
            pollfd p = { d_dropped.get(), 0, 0 };
            poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), timeout_ms)));
            reap_from(d_dropped.get(), false);
            measure_latency(false);
            if (d_tracker.inflight_sends())
                return false;
        }
    }
    release_dropped(d_tracker.inflight_sends() != 0);
    return true;
}

// Every byte handed to the dropped socket is consumed: all of it was counted
// in bytes_lost or delivered at the drop. gave_up: some zero-copy sends never
// completed, and the kernel may still read their pages after this.
void tcp_sink_impl::release_dropped(bool gave_up)
{
    completion_tracker::abandoned gone;
    {
        std::lock_guard<std::mutex> lk(d_stats_mutex);
        gone = d_tracker.abandon();
    }
    d_done += gone.bytes;
    measure_latency(false); // lost with the peer: no latency sample
    if (!gave_up) {
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() +
            std::chrono::milliseconds(dropped_drain_timeout_ms) - d_dropped_deadline);
        if (waited.count() > 0)
            d_logger->info("the dropped peer's zero-copy sends completed {} ms after "
                           "the drop; their bytes are handed back now",
                           waited.count());
    } else {
        d_inflight_abandoned += gone.inflight;
        d_logger->warn("{} bytes of zero-copy sends to the dropped peer {} still not "
                       "completed after {} ms; handing them back anyway (the kernel "
                       "may still read those pages)",
                       gone.inflight,
                       d_link->peer_text(),
                       dropped_drain_timeout_ms);
    }
    abort_close(d_dropped);
}

// Input between the point a peer left and the next boundary is consumed
// unsent (counted in bytes_lost): the next peer's first byte starts an item,
// or a slot.
void tcp_sink_impl::skip_to_boundary(size_t avail)
{
    const uint64_t pos = nitems_read(0) * d_itemsize + d_pending;
    if (pos >= d_resume_at || d_pending >= avail)
        return;
    const size_t skip =
        static_cast<size_t>(std::min<uint64_t>(d_resume_at - pos, avail - d_pending));
    measure_latency(true); // what completed before is delivered
    d_pending += skip;
    d_done += skip;
    d_bytes_lost += skip;
    d_bytes_skipped += skip;
    measure_latency(false); // the skipped bytes are not
}

// Remember the rx_time tags of input not looked at before. The UHD format:
// (integer seconds, double fraction) of CLOCK_REALTIME; anything else is
// counted in latency_bad_stamps and skipped.
void tcp_sink_impl::collect_timestamps(int ninput_items)
{
    const uint64_t end = nitems_read(0) + static_cast<uint64_t>(ninput_items);
    if (end <= d_stamps_seen_to)
        return;
    std::vector<gr::tag_t> tags;
    get_tags_in_range(
        tags, 0, std::max(d_stamps_seen_to, nitems_read(0)), end, d_rx_time_key);
    d_stamps_seen_to = end;
    for (const auto& t : tags) {
        pmt::pmt_t secs, frac;
        if (pmt::is_tuple(t.value) && pmt::length(t.value) == 2) {
            secs = pmt::tuple_ref(t.value, 0);
            frac = pmt::tuple_ref(t.value, 1);
        }
        const bool whole = secs && (pmt::is_uint64(secs) ||
                                    (pmt::is_integer(secs) && pmt::to_long(secs) >= 0));
        const double f = frac && pmt::is_real(frac) ? pmt::to_double(frac) : -1.0;
        if (!whole || !(f >= 0.0 && f < 1.0)) {
            d_bad_stamps++;
            continue;
        }
        const uint64_t s = pmt::is_uint64(secs)
                               ? pmt::to_uint64(secs)
                               : static_cast<uint64_t>(pmt::to_long(secs));
        d_stamps.emplace_back(t.offset * d_itemsize,
                              s * 1000000000ull + static_cast<uint64_t>(f * 1e9 + 0.5));
    }
}

// Every stamped byte the kernel let go of: its age now is one latency sample
// (record) or, for bytes lost with a peer, none.
void tcp_sink_impl::measure_latency(bool record)
{
    const uint64_t completed = nitems_read(0) * d_itemsize + d_done;
    if (d_stamps.empty() || d_stamps.front().first >= completed)
        return;
    const uint64_t now_ns = realtime_ns();
    std::lock_guard<std::mutex> lk(d_stats_mutex);
    while (!d_stamps.empty() && d_stamps.front().first < completed) {
        if (record) // a stamp from the future (another clock) counts as 0
            d_latency.add(
                now_ns > d_stamps.front().second ? now_ns - d_stamps.front().second : 0);
        d_stamps.pop_front();
    }
}

void tcp_sink_impl::reap_completions()
{
    if (d_sock)
        reap_from(d_sock.get(), true);
}

// live: the connected peer's socket (auto mode may switch to plain send()).
void tcp_sink_impl::reap_from(int fd, bool live)
{
    const auto r = d_reaper.reap(fd, d_tracker, d_stats_mutex, live);
    d_notifications += r.notifications;
    if (live && r.copying && d_mode == zerocopy_mode::automatic && d_zc_active) {
        d_zc_active = false;
        d_auto_fallbacks++;
        d_logger->info("the kernel copies MSG_ZEROCOPY sends to {} (local delivery?); "
                       "auto mode switches to plain send()",
                       d_link->peer_text());
    }
    std::lock_guard<std::mutex> lk(d_stats_mutex);
    d_done += d_tracker.take_done();
}

// ENOBUFS: the socket's option memory (net.core.optmem_max) has no room
// for another zero-copy notification.
tcp_sink_impl::send_result tcp_sink_impl::on_enobufs()
{
    d_enobufs++;
    if (d_tracker.inflight_sends())
        return send_result::blocked_completions; // their notifications free it
    // Nothing in flight: no completion will ever make room. Retrying at once
    // would spin.
    if (d_mode == zerocopy_mode::automatic) {
        d_zc_active = false;
        d_auto_fallbacks++;
        d_logger->info("MSG_ZEROCOPY fails with ENOBUFS with nothing in flight "
                       "(net.core.optmem_max too small?); auto mode switches to "
                       "plain send()");
        return send_result::progress;
    }
    if (!d_enobufs_logged) {
        std::string optmem = "?";
        std::ifstream("/proc/sys/net/core/optmem_max") >> optmem;
        d_logger->warn("MSG_ZEROCOPY fails with ENOBUFS with nothing in flight: "
                       "net.core.optmem_max ({}) is too small for one notification; "
                       "zerocopy=on retries with back-off (raise it, or use auto)",
                       optmem);
        d_enobufs_logged = true;
    }
    d_enobufs_backoffs++;
    d_zc_backoff.refused();
    return send_result::backing_off;
}

tcp_sink_impl::send_result tcp_sink_impl::send_more(const uint8_t* in, size_t avail)
{
    skip_to_boundary(avail);
    while (d_pending < avail) {
        const bool zc = d_zc_active;
        size_t len = std::min<size_t>(avail - d_pending, d_send_size);
        if (zc && d_max_inflight) {
            const size_t inflight = d_tracker.inflight_bytes();
            if (inflight >= d_max_inflight)
                return send_result::blocked_completions;
            len = std::min<size_t>(len, d_max_inflight - inflight);
        }
        if (zc && d_zc_backoff.waiting())
            return send_result::backing_off;
        iovec iov = { const_cast<uint8_t*>(in + d_pending), len };
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        ssize_t n = sendmsg(
            d_sock.get(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL | (zc ? MSG_ZEROCOPY : 0));
        if (n > 0) {
            d_sends++;
            if (static_cast<size_t>(n) < len)
                d_partial_sends++;
            d_zc_backoff.reset();
            {
                std::lock_guard<std::mutex> lk(d_stats_mutex);
                const auto base = reinterpret_cast<uint64_t>(iov.iov_base);
                d_sent_ranges.add(base, base + static_cast<uint64_t>(n));
                if (zc)
                    d_tracker.add_zerocopy(static_cast<size_t>(n));
                else
                    d_tracker.add_plain(static_cast<size_t>(n));
                d_done += d_tracker.take_done();
                if (d_tracker.inflight_bytes() > d_inflight_peak)
                    d_inflight_peak = d_tracker.inflight_bytes();
            }
            d_pending += static_cast<size_t>(n);
            d_bytes_sent += static_cast<uint64_t>(n);
            if (static_cast<size_t>(n) < len)
                return send_result::blocked_out;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return send_result::blocked_out;
        if (n < 0 && errno == ENOBUFS) {
            if (!zc) { // memory pressure: wait a poll slice, do not spin
                d_enobufs++;
                return send_result::blocked_completions;
            }
            const send_result r = on_enobufs();
            if (r == send_result::progress)
                continue; // auto: now plain
            return r;
        }
        return send_result::peer_gone; // EPIPE, ECONNRESET, ...
    }
    return send_result::progress;
}

void tcp_sink_impl::wait_for_socket(bool want_out, int timeout_ms)
{
    // POLLERR covers both completions (error queue) and socket errors. After
    // the peer's FIN (a receive-only client's shutdown(SHUT_WR)) the socket
    // stays readable: stop asking, or poll() would never sleep again.
    const short events = (d_peer_eof ? 0 : POLLIN) | (want_out ? POLLOUT : 0);
    pollfd p = { d_sock.get(), events, 0 };
    if (poll(&p, 1, timeout_ms) <= 0)
        return;
    if (p.revents & POLLIN) {
        char scratch[4096];
        ssize_t n = recv(d_sock.get(), scratch, sizeof scratch, MSG_DONTWAIT);
        if (n == 0) // FIN: the peer sends no more, but may well read on
            d_peer_eof = true;
        // Anything the peer says is ignored; errors show up below.
    }
    if (p.revents & (POLLERR | POLLHUP)) {
        reap_completions();
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(d_sock.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        // POLLHUP: both directions shut (reset, or FIN after our own shutdown).
        if (err || (p.revents & POLLHUP))
            drop_peer(err ? strerror(err) : "hung up");
    }
}

int tcp_sink_impl::work(int noutput_items,
                        gr_vector_const_void_star& input_items,
                        gr_vector_void_star&)
{
    const auto* in = static_cast<const uint8_t*>(input_items[0]);
    size_t avail = static_cast<size_t>(noutput_items) * d_itemsize;
    if (const uint64_t end = d_end_after) {
        const uint64_t consumed = nitems_read(0) * d_itemsize;
        if (consumed >= end) {
            end_stream();
            return WORK_DONE;
        }
        avail = static_cast<size_t>(std::min<uint64_t>(avail, end - consumed));
        noutput_items = static_cast<int>(avail / d_itemsize);
    }
    const auto lo = reinterpret_cast<uint64_t>(in);
    if (lo < d_addr_lo)
        d_addr_lo = lo;
    if (lo + avail > d_addr_hi)
        d_addr_hi = lo + avail;

    collect_timestamps(noutput_items);
    for (;;) {
        maybe_post_stats();
        if (d_dropped) {
            // The input is consumed in order: nothing after the dropped
            // peer's bytes can be handed back before them anyway.
            drain_dropped(poll_slice_ms);
        } else if (!ensure_peer(poll_slice_ms)) {
            boost::this_thread::interruption_point();
            // Nothing sent stays pending without a peer except lost bytes.
        } else {
            reap_completions();
            send_result r = send_more(in, avail);
            if (r == send_result::peer_gone)
                drop_peer(strerror(errno));
            const int wait_ms = r == send_result::backing_off
                                    ? d_zc_backoff.wait_ms(poll_slice_ms)
                                    : poll_slice_ms;
            if (d_done < d_itemsize && d_sock)
                wait_for_socket(r == send_result::blocked_out, wait_ms);
        }
        measure_latency(true);
        if (d_done >= d_itemsize) {
            const size_t items = d_done / d_itemsize;
            d_done -= items * d_itemsize;
            d_pending -= items * d_itemsize;
            return static_cast<int>(items);
        }
        boost::this_thread::interruption_point();
    }
}

void tcp_sink_impl::set_end_after(uint64_t nbytes)
{
    if (nbytes % d_itemsize)
        throw std::invalid_argument(
            "zcdma.tcp_sink: end_after " + std::to_string(nbytes) +
            " is not a multiple of itemsize " + std::to_string(d_itemsize));
    d_end_after = nbytes;
}

// Every byte up to end_after was completed and consumed: a clean close, so
// that the peer reads to EOF. Plain sends still queued go out before the FIN.
void tcp_sink_impl::end_stream()
{
    if (!d_sock)
        return;
    shutdown(d_sock.get(), SHUT_WR);
    d_sock.reset();
    d_connected = false;
    d_logger->info("end of stream after {} bytes; connection closed", d_end_after.load());
}

void tcp_sink_impl::maybe_post_stats(bool force)
{
    if (d_stats_pacer.due(force))
        message_port_pub(d_stats_port, stats_message(stats()));
}

uint64_t tcp_sink_impl::zerocopy_bytes() const
{
    std::lock_guard<std::mutex> lk(d_stats_mutex);
    return d_tracker.zerocopy_bytes();
}

uint64_t tcp_sink_impl::copied_bytes() const
{
    std::lock_guard<std::mutex> lk(d_stats_mutex);
    return d_tracker.copied_bytes();
}

uint64_t tcp_sink_impl::inflight_bytes() const
{
    std::lock_guard<std::mutex> lk(d_stats_mutex);
    return d_tracker.inflight_bytes();
}

std::map<std::string, uint64_t> tcp_sink_impl::stats() const
{
    std::map<std::string, uint64_t> s;
    {
        std::lock_guard<std::mutex> lk(d_stats_mutex);
        s["zerocopy_bytes"] = d_tracker.zerocopy_bytes();
        s["copied_bytes"] = d_tracker.copied_bytes();
        s["plain_bytes"] = d_tracker.plain_bytes();
        s["inflight_bytes"] = d_tracker.inflight_bytes();
        s["unknown_completions"] = d_tracker.unknown_ids();
        s["latency_count"] = d_latency.count();
        s["latency_p50_us"] = d_latency.percentile_ns(50) / 1000;
        s["latency_p99_us"] = d_latency.percentile_ns(99) / 1000;
        s["latency_max_us"] = d_latency.max_ns() / 1000;
    }
    s["latency_bad_stamps"] = d_bad_stamps;
    s["bytes_sent"] = d_bytes_sent;
    s["sends"] = d_sends;
    s["partial_sends"] = d_partial_sends;
    s["enobufs"] = d_enobufs;
    s["notifications"] = d_notifications;
    s["reconnects"] = d_reconnects;
    s["disconnects"] = d_disconnects;
    s["connect_failures"] = d_link->connect_failures();
    s["connect_timeouts"] = d_link->connect_timeouts();
    s["accept_failures"] = d_link->accept_failures();
    s["resolutions"] = d_link->resolutions();
    s["bytes_lost"] = d_bytes_lost;
    s["bytes_skipped"] = d_bytes_skipped;
    s["inflight_abandoned_bytes"] = d_inflight_abandoned;
    s["enobufs_backoffs"] = d_enobufs_backoffs;
    s["inflight_peak"] = d_inflight_peak;
    s["auto_fallbacks"] = d_auto_fallbacks;
    s["connected"] = d_connected;
    s["zerocopy_active"] = d_zc_active;
    return s;
}

std::pair<uint64_t, uint64_t> tcp_sink_impl::input_address_range() const
{
    return { d_addr_lo, d_addr_hi };
}

std::vector<std::pair<uint64_t, uint64_t>> tcp_sink_impl::sent_address_ranges() const
{
    std::lock_guard<std::mutex> lk(d_stats_mutex);
    return d_sent_ranges.base_and_length();
}

} // namespace zcdma
} // namespace gr
