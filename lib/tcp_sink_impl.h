/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_TCP_SINK_IMPL_H
#define INCLUDED_ZCDMA_TCP_SINK_IMPL_H

#include "address_ranges.h"
#include "completion_tracker.h"
#include "latency_histogram.h"
#include "stats_message.h"
#include "tcp_link.h"
#include "zerocopy_mode.h"
#include "zerocopy_notifications.h"
#include <gnuradio/zcdma/tcp_sink.h>
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace gr {
namespace zcdma {

class tcp_sink_impl : public tcp_sink
{
public:
    tcp_sink_impl(size_t itemsize,
                  const std::string& host,
                  int port,
                  bool server,
                  const std::string& zerocopy,
                  uint64_t max_inflight,
                  uint64_t send_size,
                  double stats_interval,
                  double connect_timeout,
                  double peer_timeout);
    ~tcp_sink_impl() override;

    bool start() override;
    bool stop() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

    int port() const override { return d_port; }
    zerocopy_mode mode() const override { return d_mode; }
    bool zerocopy_active() const override { return d_zc_active; }
    bool connected() const override { return d_connected; }
    uint64_t bytes_sent() const override { return d_bytes_sent; }
    uint64_t zerocopy_bytes() const override;
    uint64_t copied_bytes() const override;
    uint64_t inflight_bytes() const override;
    uint64_t reconnects() const override { return d_reconnects; }
    std::map<std::string, uint64_t> stats() const override;
    void set_end_after(uint64_t nbytes) override;
    uint64_t end_after() const override { return d_end_after; }
    std::pair<uint64_t, uint64_t> input_address_range() const override;
    std::vector<std::pair<uint64_t, uint64_t>> sent_address_ranges() const override;

private:
    enum class send_result {
        progress,
        blocked_out,
        blocked_completions,
        backing_off, // ENOBUFS with nothing in flight (zerocopy=on)
        peer_gone
    };

    bool ensure_peer(int timeout_ms);
    void setup_peer();
    void drop_peer(const char* why);
    bool drain_dropped(int timeout_ms);
    void release_dropped(bool gave_up);
    void reap_completions();
    void reap_from(int fd, bool live);
    send_result send_more(const uint8_t* in, size_t avail);
    send_result on_enobufs();
    void skip_to_boundary(size_t avail);
    void wait_for_socket(bool want_out, int timeout_ms);
    void maybe_post_stats(bool force = false);
    void end_stream();
    void collect_timestamps(int ninput_items);
    void measure_latency(bool record);

    const size_t d_itemsize;
    const std::string d_host;
    std::atomic<int> d_port;
    const bool d_server;
    const zerocopy_mode d_mode;
    const uint64_t d_max_inflight;
    const uint64_t d_send_size;
    stats_pacer d_stats_pacer; // when the "stats" port posts next
    const pmt::pmt_t d_stats_port;

    std::unique_ptr<tcp_link> d_link; // connects, accepts, resolves, backs off
    unique_fd d_sock;
    // A dropped peer's socket, reset but kept open while zero-copy sends
    // handed to it are not reported complete: the kernel may still hold
    // their pages (a segment waiting in the neighbour queue, a clone in a
    // qdisc or TX ring). Its bytes are consumed only when their completions
    // arrive, or after dropped_drain_timeout_ms (inflight_abandoned_bytes).
    unique_fd d_dropped;
    std::chrono::steady_clock::time_point d_dropped_deadline;
    bool d_peer_eof = false; // the peer half-closed (FIN): keep sending
    std::atomic<bool> d_connected{ false };
    std::atomic<bool> d_zc_active{ false };
    bool d_ever_connected = false;
    zerocopy_reaper d_reaper; // MSG_ZEROCOPY notifications -> d_tracker

    // Stream bookkeeping, relative to the input read pointer.
    mutable std::mutex d_stats_mutex; // guards the tracker for getters
    completion_tracker d_tracker;
    size_t d_pending = 0; // input bytes handed to the kernel, not yet consumed
    size_t d_done = 0;    // of those, bytes the kernel let go of
    // After a peer left, the next peer starts on a boundary of d_align bytes
    // (an upstream output_multiple: a zcdma.source slot; else an item). Input
    // before d_resume_at (bytes since start()) is consumed unsent, in bytes_lost.
    uint64_t d_align = 1;
    uint64_t d_resume_at = 0;

    // zerocopy=on and ENOBUFS with nothing in flight: no retry before this.
    zerocopy_backoff d_zc_backoff;
    bool d_enobufs_logged = false;

    // rx_time tags waiting for their byte to complete: (stream byte, ns).
    const pmt::pmt_t d_rx_time_key;
    std::deque<std::pair<uint64_t, uint64_t>> d_stamps;
    uint64_t d_stamps_seen_to = 0; // items whose tags are collected
    latency_histogram d_latency;   // guarded by d_stats_mutex
    std::atomic<uint64_t> d_bad_stamps{ 0 };

    std::atomic<uint64_t> d_bytes_sent{ 0 };
    std::atomic<uint64_t> d_sends{ 0 };
    std::atomic<uint64_t> d_partial_sends{ 0 };
    std::atomic<uint64_t> d_enobufs{ 0 };
    std::atomic<uint64_t> d_notifications{ 0 };
    std::atomic<uint64_t> d_reconnects{ 0 };
    std::atomic<uint64_t> d_disconnects{ 0 };
    std::atomic<uint64_t> d_bytes_lost{ 0 };
    std::atomic<uint64_t> d_bytes_skipped{ 0 };
    std::atomic<uint64_t> d_inflight_abandoned{ 0 };
    std::atomic<uint64_t> d_enobufs_backoffs{ 0 };
    std::atomic<uint64_t> d_inflight_peak{ 0 };
    std::atomic<uint64_t> d_auto_fallbacks{ 0 };
    std::atomic<uint64_t> d_addr_lo{ UINT64_MAX };
    std::atomic<uint64_t> d_addr_hi{ 0 };
    std::atomic<uint64_t> d_end_after{ 0 };
    address_ranges d_sent_ranges; // guarded by d_stats_mutex
};

} // namespace zcdma
} // namespace gr

#endif
