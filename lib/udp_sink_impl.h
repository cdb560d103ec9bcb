/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_UDP_SINK_IMPL_H
#define INCLUDED_ZCDMA_UDP_SINK_IMPL_H

#include "address_ranges.h"
#include "completion_tracker.h"
#include "stats_message.h"
#include "tcp_link.h" // unique_fd, resolve_all
#include "vita49_packets.h"
#include "zerocopy_mode.h"
#include "zerocopy_notifications.h"
#include <gnuradio/zcdma/udp_sink.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace gr {
namespace zcdma {

class udp_sink_impl : public udp_sink
{
public:
    udp_sink_impl(size_t itemsize,
                  const std::string& host,
                  int port,
                  const std::string& framing,
                  int payload_size,
                  const std::string& zerocopy,
                  bool gso,
                  uint32_t stream_id,
                  uint64_t class_id,
                  bool difi,
                  double sample_rate,
                  double bandwidth,
                  double rf_freq,
                  double ref_level,
                  double context_interval,
                  int multicast_ttl,
                  bool multicast_loop,
                  const std::string& interface,
                  const std::string& swap,
                  double stats_interval,
                  int send_buffer);
    ~udp_sink_impl() override;

    bool start() override;
    bool stop() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

    zerocopy_mode mode() const override { return d_mode; }
    bool zerocopy_active() const override { return d_zc_active; }
    bool gso_active() const override { return d_gso_active; }
    int datagram_size() const override
    {
        return static_cast<int>(d_header_bytes + d_payload_bytes);
    }
    int header_size() const override { return static_cast<int>(d_header_bytes); }
    int route_mtu() const override { return d_mtu; }
    void set_sample_rate(double rate) override;
    void set_bandwidth(double hz) override;
    void set_rf_freq(double hz) override;
    void set_ref_level(double dbm) override;
    std::map<std::string, uint64_t> stats() const override;
    std::vector<std::pair<uint64_t, uint64_t>> sent_address_ranges() const override;

private:
    enum class framing { none, seqnum, vita49 };
    enum class send_result {
        progress,
        idle,
        blocked_out,
        blocked_completions,
        backing_off,
        fatal // a datagram that can never be sent: the stream stops
    };

    // One marked item (vita49): a datagram starts there.
    struct mark {
        uint64_t item;
        bool has_time;
        vita49_time time;
        bool overrun;
    };
    // One sendmsg(): its payload bytes and the header ring entries it used.
    struct send_record {
        size_t payload;
        size_t headers;
    };

    void open_socket(const std::string& host, int port);
    void set_send_buffer(int bytes);
    void collect_tags(int ninput_items);
    void reap();
    void take_done_locked();
    send_result send_more(const uint8_t* in, size_t avail, bool flush);
    send_result on_enobufs();
    bool send_context();
    vita49_time time_of(uint64_t item) const;
    size_t write_header(uint8_t* out, uint64_t item, size_t payload);
    size_t header_slots_for_input() const;
    void size_header_ring();
    void allocate_header_ring(size_t slots);
    void maybe_post_stats(bool force = false);
    void send_tail();

    const size_t d_itemsize;
    const framing d_framing;
    const zerocopy_mode d_mode;
    const double d_context_interval;
    stats_pacer d_stats_pacer; // when the "stats" port posts next
    const pmt::pmt_t d_stats_port;
    const pmt::pmt_t d_rx_time_key;
    const pmt::pmt_t d_overrun_key;
    const bool d_swap;
    const std::string d_interface;
    const int d_ttl;
    const int d_loop;
    bool d_ipv6 = false;
    std::string d_peer_text;

    unique_fd d_sock;
    int d_mtu = 0;
    size_t d_header_bytes = 0;
    size_t d_payload_bytes = 0; // sample bytes of a full datagram
    size_t d_max_segments = 1;  // datagrams per GSO sendmsg()
    std::atomic<bool> d_zc_active{ false };
    std::atomic<bool> d_gso_active{ false };
    zerocopy_reaper d_reaper;

    // The header ring: slot i at d_headers.get() + i * header_stride (page
    // aligned, so no header straddles a page); d_hdr_used slots (those
    // before d_hdr_head) belong to sends not yet completed and are never
    // written. start() sizes it for the input buffer (size_header_ring);
    // ZCDMA_UDP_HEADER_SLOTS (a test hook) fixes it instead.
    static constexpr size_t header_stride = 32;
    static constexpr size_t min_header_slots = 2048;
    static constexpr size_t max_header_slots = 262144; // 8 MiB of headers
    std::atomic<size_t> d_header_slots{ min_header_slots };
    bool d_header_slots_fixed = false;
    int d_send_buffer = 0; // SO_SNDBUF as the kernel reports it
    // Anonymous pages, not the heap: munmap() leaves the pages that sends
    // still pin to the kernel, and the process never gets them back.
    struct munmap_deleter {
        size_t bytes;
        void operator()(uint8_t* p) const { munmap(p, bytes); }
    };
    std::unique_ptr<uint8_t, munmap_deleter> d_headers{ nullptr, munmap_deleter{ 0 } };
    bool d_headers_abandoned = false; // the last stop() left sends in flight
    size_t d_hdr_head = 0;
    size_t d_hdr_used = 0;
    std::deque<send_record> d_records; // in send order, as the tracker's
    size_t d_done_unmatched = 0;       // done payload not yet matched to records
    std::vector<iovec> d_iov;
    uint64_t d_page = 4096;
    size_t d_max_frags = 17;        // MAX_SKB_FRAGS: 65536 / PAGE_SIZE + 1, at least 16
    bool d_plain_next = false;      // EMSGSIZE with one zero-copy datagram: plain, once
    bool d_fatal = false;           // a datagram the route can never carry
    std::vector<uint8_t> d_staging; // swap mode

    // Stream bookkeeping, relative to the input read pointer.
    mutable std::mutex d_stats_mutex;
    completion_tracker d_tracker;
    size_t d_pending = 0;
    size_t d_done = 0;

    // vita49
    vita49_stream d_vrt;
    vita49_context d_ctx;
    bool d_ctx_due = true;
    std::chrono::steady_clock::time_point d_next_context;
    unsigned d_data_count = 0;
    unsigned d_ctx_count = 0;
    uint64_t d_seq = 0;
    bool d_have_ref = false;
    uint64_t d_ref_item = 0;
    vita49_time d_ref_time;
    std::deque<mark> d_marks;
    uint64_t d_tags_seen_to = 0;
    std::mutex d_param_mutex; // setters vs. work()
    bool d_param_changed = false;
    vita49_context d_new_ctx;

    zerocopy_backoff d_zc_backoff; // zerocopy=on after ENOBUFS
    bool d_error_logged = false;

    std::atomic<uint64_t> d_datagrams{ 0 };
    std::atomic<uint64_t> d_sends{ 0 };
    std::atomic<uint64_t> d_bytes_sent{ 0 };
    std::atomic<uint64_t> d_payload_sent{ 0 };
    std::atomic<uint64_t> d_swapped{ 0 };
    std::atomic<uint64_t> d_enobufs{ 0 };
    std::atomic<uint64_t> d_enobufs_backoffs{ 0 };
    std::atomic<uint64_t> d_send_errors{ 0 };
    std::atomic<uint64_t> d_refused{ 0 };
    std::atomic<uint64_t> d_auto_fallbacks{ 0 };
    std::atomic<uint64_t> d_gso_fallbacks{ 0 };
    std::atomic<uint64_t> d_context_packets{ 0 };
    std::atomic<uint64_t> d_overruns{ 0 };
    std::atomic<uint64_t> d_tail_bytes{ 0 };
    std::atomic<uint64_t> d_unsent_at_stop{ 0 };
    std::atomic<uint64_t> d_inflight_peak{ 0 };
    std::atomic<uint64_t> d_header_waits{ 0 };
    std::atomic<uint64_t> d_frag_limit_hits{ 0 };
    std::atomic<uint64_t> d_frag_plain_sends{ 0 };
    std::atomic<uint64_t> d_emsgsize{ 0 };
    std::atomic<uint64_t> d_emsgsize_segment_cuts{ 0 };
    std::atomic<uint64_t> d_emsgsize_plain_sends{ 0 };
    std::atomic<uint64_t> d_unsendable{ 0 };
    std::atomic<uint64_t> d_header_used_peak{ 0 };
    address_ranges d_sent_ranges; // guarded by d_stats_mutex
};

} // namespace zcdma
} // namespace gr

#endif
