/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_SIGMF_SINK_IMPL_H
#define INCLUDED_ZCDMA_SIGMF_SINK_IMPL_H

#include "address_ranges.h"
#include "completion_tracker.h"
#include "sigmf_meta.h"
#include <gnuradio/zcdma/sigmf_sink.h>
#include <liburing.h>
#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>

namespace gr {
namespace zcdma {

class sigmf_sink_impl : public sigmf_sink
{
public:
    sigmf_sink_impl(size_t itemsize,
                    const std::string& path,
                    const std::string& datatype,
                    double sample_rate,
                    double frequency,
                    const std::string& description,
                    const std::string& author,
                    const std::string& hw,
                    const std::string& direct,
                    int queue_depth,
                    uint64_t write_size,
                    uint64_t max_file_bytes,
                    double max_file_seconds,
                    uint64_t max_total_bytes,
                    double meta_interval,
                    const std::string& byte_order);
    ~sigmf_sink_impl() override;

    bool start() override;
    bool stop() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

    bool direct_active() const override { return d_direct; }
    uint64_t block_size() const override { return d_block; }
    bool recording() const override { return d_recording; }
    std::vector<std::string> files() const override;
    std::map<std::string, uint64_t> stats() const override;
    std::pair<uint64_t, uint64_t> input_address_range() const override;
    std::vector<std::pair<uint64_t, uint64_t>> write_address_ranges() const override;

private:
    enum class direct_mode { off, on, automatic };

    // One write handed to io_uring; retried (short write, fallback) under
    // the same id until all its bytes are on file or it failed.
    struct write_rec {
        uint32_t id;
        uint64_t off; // file offset of the first byte
        const uint8_t* addr;
        size_t len;
        size_t done = 0; // bytes written so far
        bool direct;
        enum class state { inflight, ok, failed } st = state::inflight;
    };

    std::string file_base(uint64_t index) const;
    bool open_file();
    void close_file(bool sync);
    void stop_recording(const std::string& why, bool error);
    void submit(write_rec& w);
    void submit_more(const uint8_t* in, size_t avail);
    void reap(int wait_ms);
    void on_cqe(uint32_t id, int res);
    void settle_records();
    void wait_idle();
    uint64_t next_capture_tag(uint64_t from, uint64_t to);
    void apply_tags(uint64_t end_item);
    sigmf_meta::capture& capture_at(uint64_t item);
    void write_meta(bool final = false);
    void maybe_periodic();
    uint64_t file_limit_bytes() const;

    const size_t d_itemsize;
    const std::string d_base; // path without .sigmf-data/-meta
    const double d_sample_rate;
    const double d_frequency;
    const direct_mode d_mode;
    const unsigned d_queue_depth;
    const uint64_t d_max_file_bytes;
    const double d_max_file_seconds;
    const uint64_t d_max_total_bytes;
    const double d_meta_interval;
    const pmt::pmt_t d_stats_port;
    const pmt::pmt_t d_rx_time_key, d_rx_freq_key, d_overrun_key;

    uint64_t d_block = 4096; // direct-I/O alignment
    uint64_t d_unit = 4096;  // lcm(d_block, itemsize): direct write granule
    uint64_t d_write_size;   // a multiple of d_unit
    bool d_rotate = false;
    sigmf_meta d_meta_template;

    io_uring d_ring{};
    bool d_ring_ok = false;
    int d_fd_direct = -1, d_fd_buf = -1;
    std::atomic<bool> d_direct{ false };
    std::atomic<bool> d_recording{ false };
    bool d_failing = false; // a write failed: finish what is in flight, then stop
    bool d_fallback_logged = false;
    std::string d_fail_reason;

    // The current file.
    uint64_t d_file_index = 0;
    std::string d_data_path, d_meta_path, d_reserve_path;
    uint64_t d_file_item0 = 0;   // stream item of the file's first sample
    uint64_t d_file_off = 0;     // bytes handed to writes so far
    uint64_t d_file_good = 0;    // bytes on file, contiguous from 0
    uint64_t d_file_written = 0; // bytes the kernel wrote (some may lie past a gap)
    sigmf_meta d_meta;
    bool d_meta_dirty = false;
    std::chrono::steady_clock::time_point d_next_meta;

    // The stream, relative to the input read pointer (as tcp_sink).
    completion_tracker d_tracker; // guarded by d_mutex
    std::deque<write_rec> d_writes;
    uint32_t d_next_id = 0;
    size_t d_pending = 0;       // input bytes handed to writes (or dropped), not consumed
    size_t d_done = 0;          // of those, bytes whose writes are over
    uint64_t d_tags_to = 0;     // items whose tags are applied to the meta
    uint64_t d_slot_items = 0;  // upstream output_multiple (a zcdma slot), 0: unknown
    uint64_t d_total_bytes = 0; // data bytes handed to writes, all files
    bool d_have_time = false;
    uint64_t d_time_item = 0, d_time_ns = 0; // last rx_time: item and ns
    bool d_have_freq = false;
    double d_freq = 0;

    mutable std::mutex d_mutex;
    std::vector<std::string> d_files; // guarded by d_mutex
    address_ranges d_ranges;          // guarded by d_mutex
    std::atomic<uint64_t> d_addr_lo{ UINT64_MAX };
    std::atomic<uint64_t> d_addr_hi{ 0 };
    std::atomic<uint64_t> d_bytes_written{ 0 };
    std::atomic<uint64_t> d_direct_bytes{ 0 };
    std::atomic<uint64_t> d_buffered_bytes{ 0 };
    std::atomic<uint64_t> d_unaligned_bytes{ 0 };
    std::atomic<uint64_t> d_bytes_dropped{ 0 };
    std::atomic<uint64_t> d_writes_done{ 0 };
    std::atomic<uint64_t> d_short_writes{ 0 };
    std::atomic<uint64_t> d_write_errors{ 0 };
    std::atomic<uint64_t> d_meta_writes{ 0 };
    std::atomic<uint64_t> d_meta_errors{ 0 };
    std::atomic<uint64_t> d_overruns{ 0 };
    std::atomic<uint64_t> d_samples_lost{ 0 };
    std::atomic<uint64_t> d_captures{ 0 };
    std::atomic<uint64_t> d_inflight_peak{ 0 };
    std::atomic<uint64_t> d_auto_fallbacks{ 0 };
};

} // namespace zcdma
} // namespace gr

#endif
