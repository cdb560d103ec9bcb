/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_SOURCE_IMPL_H
#define INCLUDED_ZCDMA_SOURCE_IMPL_H

#include "ring_buffer.h"
#include <gnuradio/zcdma/source.h>
#include <atomic>
#include <deque>

namespace gr {
namespace zcdma {

class source_impl : public source
{
public:
    source_impl(const std::string& device, size_t itemsize, bool slot_tags);
    ~source_impl() override;

    bool start() override;
    bool stop() override;
    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

    device::sptr get_device() const override { return d_dev; }
    uint64_t slots_out() const override { return d_slots_out; }
    uint64_t slots_returned() const override { return d_slots_returned; }
    uint64_t in_ring_outputs() const override { return d_in_ring_outputs; }
    uint64_t slots_dropped() const override { return d_slots_dropped; }
    uint64_t slots_skipped() const override { return d_slots_skipped; }
    uint64_t slots_failed() const override { return d_slots_failed; }
    uint64_t slots_short() const override { return d_slots_short; }

private:
    // A slot the flowgraph still reads, and the absolute item it ends at.
    struct held_slot {
        uint32_t index;
        uint64_t seq;
        uint64_t end_item;
    };

    void return_consumed_slots();
    void return_all_slots();
    void tag_slot(const slot_info& s, uint64_t item);
    std::string check_readers() const;

    device::sptr d_dev;
    const size_t d_itemsize;
    const uint64_t d_slot_items;
    const bool d_slot_tags;
    std::deque<held_slot> d_held;
    bool d_first_after_start = true;
    bool d_delivered_any = false;   // d_last_seq is valid
    uint64_t d_last_seq = 0;        // sequence number of the last slot delivered
    std::string d_fatal;            // why work() ends the stream at once
    bool d_readers_checked = false; // check_readers() ran since start()
    bool d_started = false;         // the device runs
    bool d_skipping = false;        // handing slots back to resynchronise
    ring_buffer* d_ring = nullptr;  // output buffer (held by detail()), from start()
    std::atomic<uint64_t> d_slots_out{ 0 };
    std::atomic<uint64_t> d_slots_returned{ 0 };
    std::atomic<uint64_t> d_in_ring_outputs{ 0 };
    std::atomic<uint64_t> d_slots_dropped{ 0 };
    std::atomic<uint64_t> d_slots_skipped{ 0 };
    std::atomic<uint64_t> d_slots_failed{ 0 };
    std::atomic<uint64_t> d_slots_short{ 0 };
    const pmt::pmt_t d_rx_time_key;
    const pmt::pmt_t d_overrun_key;
    const pmt::pmt_t d_overrun_count_key;
    const pmt::pmt_t d_dma_error_key;
};

} // namespace zcdma
} // namespace gr

#endif
