/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "ring_buffer.h"
#include "source_impl.h"
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <boost/thread/thread.hpp>
#include <algorithm>
#include <stdexcept>
#include <string>

namespace gr {
namespace zcdma {

namespace {
// Short, so that top_block.stop() (a thread interruption) is noticed quickly.
constexpr int poll_slice_ms = 100;

device::sptr open_checked(const std::string& spec, size_t itemsize)
{
    if (itemsize == 0)
        throw std::invalid_argument("zcdma.source: itemsize must be > 0");
    auto dev = device::make(spec);
    if (dev->info().bufsize % itemsize)
        throw std::invalid_argument(
            "zcdma.source: slot size " + std::to_string(dev->info().bufsize) + " B of '" +
            spec + "' is not a multiple of itemsize " + std::to_string(itemsize));
    if (dev->info().nbufs < 2)
        throw std::invalid_argument("zcdma.source: '" + spec +
                                    "' has 1 slot; a flowgraph needs nbufs >= 2");
    return dev;
}
} // namespace

source::sptr source::make(const std::string& device, size_t itemsize, bool slot_tags)
{
    return gnuradio::make_block_sptr<source_impl>(device, itemsize, slot_tags);
}

source_impl::source_impl(const std::string& device, size_t itemsize, bool slot_tags)
    : gr::sync_block("zcdma_source",
                     gr::io_signature::make(0, 0, 0),
                     gr::io_signature::make(1, 1, itemsize, ring_buffer::type)),
      d_dev(open_checked(device, itemsize)),
      d_itemsize(itemsize),
      d_slot_items(d_dev->info().bufsize / itemsize),
      d_slot_tags(slot_tags),
      d_rx_time_key(pmt::intern("rx_time")),
      d_overrun_key(pmt::intern("zcdma_overrun")),
      d_overrun_count_key(pmt::intern("zcdma_overrun_count")),
      d_dma_error_key(pmt::intern("zcdma_dma_error"))
{
    set_output_multiple(static_cast<int>(d_slot_items));
}

source_impl::~source_impl() = default;

// The ring must hold, for every reader, what one call of it needs (history
// included) plus one slot, else the source and that reader wait for each other
// for good. tb.start() already raised for a too long history (ring_buffer::
// check_new_reader); this also covers decimators and blocks connected by a
// lock()/unlock(). It runs in the first work(), after the scheduler's start
// barrier: a reader's forecast() may need state its own start() sets up.
// Returns why the flowgraph cannot run, or "".
std::string source_impl::check_readers() const
{
    const uint64_t ring_items = d_ring->bufsize();
    for (size_t i = 0; i < d_ring->nreaders(); i++) {
        gr::buffer_reader* r = d_ring->reader(i);
        gr::block_sptr b = r->link();
        if (!b || !b->detail())
            continue;
        gr_vector_int need(b->detail()->ninputs(), 0);
        try {
            b->forecast(b->output_multiple(), need);
        } catch (const std::exception& e) {
            return "zcdma.source: forecast() of " + b->alias() + " failed: " + e.what();
        }
        for (int port = 0; port < b->detail()->ninputs(); port++) {
            if (b->detail()->input(port).get() != r)
                continue;
            const uint64_t items =
                std::max<uint64_t>(need[port], static_cast<uint64_t>(b->history()));
            if (items + d_slot_items <= ring_items)
                continue;
            return "zcdma.source: " + b->alias() + " needs " + std::to_string(items) +
                   " items per call (history " + std::to_string(b->history()) +
                   "), but the ring holds only " + std::to_string(ring_items) +
                   " items (" + std::to_string(d_dev->info().nbufs) + " slots of " +
                   std::to_string(d_slot_items) + "); it must hold that plus one slot (" +
                   std::to_string(items + d_slot_items) + " items)";
        }
    }
    return "";
}

bool source_impl::start()
{
    d_first_after_start = true;
    // An exception from start() leaves tb.start() waiting for this thread
    // forever in 3.10.5 (scheduler_tpb's start barrier): log and end the
    // stream in work() instead.
    d_ring = dynamic_cast<ring_buffer*>(detail()->output(0).get());
    d_readers_checked = false;
    if (d_ring) {
        d_ring->end_attach();
    } else {
        d_fatal = "zcdma.source: the output buffer is not the device ring";
    }
    if (d_fatal.empty()) {
        try {
            d_dev->start();
            d_started = true;
        } catch (const std::exception& e) {
            d_fatal = std::string("zcdma.source: device start failed: ") + e.what();
        }
    }
    if (!d_fatal.empty())
        d_logger->error("{:s}; ending the stream", d_fatal);
    return true;
}

bool source_impl::stop()
{
    // In 3.10.5 the block/buffer pair is never destroyed: free the device here.
    if (d_started)
        d_dev->stop();
    d_started = false;
    return_all_slots();
    return true;
}

void source_impl::return_all_slots()
{
    for (const auto& h : d_held)
        d_dev->release(h.index, h.seq);
    d_slots_returned += d_held.size();
    d_held.clear();
}

// Every slot that no reader still needs goes back to the device. A reader's
// oldest needed item is its read pointer, history-1 items before what its
// nitems_read() says; GNU Radio lets the block read back that far.
void source_impl::return_consumed_slots()
{
    if (d_held.empty())
        return;
    const uint64_t oldest = d_ring->oldest_needed_item();
    while (!d_held.empty() && d_held.front().end_item <= oldest) {
        d_dev->release(d_held.front().index, d_held.front().seq);
        d_held.pop_front();
        d_slots_returned++;
    }
}

// Slots lost since the last one delivered (dropped by the device, thrown away
// by a stop, skipped to resynchronise) show as a jump in the sequence number.
void source_impl::tag_slot(const slot_info& s, uint64_t item)
{
    const uint64_t gap =
        d_delivered_any && s.seq > d_last_seq + 1 ? s.seq - d_last_seq - 1 : 0;
    d_delivered_any = true;
    d_last_seq = s.seq;
    // Every overrun slot is tagged, also one that moves the sequence by 0:
    // an unknown loss (the engine ran dry, no stream rate known) or an
    // estimate rounded to 0 slots (dry for under half a slot: data inside a
    // slot was still lost). Beside every zcdma_overrun, zcdma_overrun_count
    // says how the slots were counted.
    const bool unknown = s.overrun && s.drops_unknown;
    if (gap || s.overrun) {
        add_item_tag(0, item, d_overrun_key, pmt::from_uint64(gap), alias_pmt());
        add_item_tag(0,
                     item,
                     d_overrun_count_key,
                     pmt::intern(unknown                          ? "unknown"
                                 : s.overrun && s.drops_estimated ? "estimated"
                                                                  : "exact"),
                     alias_pmt());
        d_slots_dropped += gap;
    }
    if (d_slot_tags || d_first_after_start || s.overrun || gap) {
        add_item_tag(
            0,
            item,
            d_rx_time_key,
            pmt::make_tuple(pmt::from_uint64(s.timestamp_ns / 1000000000ull),
                            pmt::from_double((s.timestamp_ns % 1000000000ull) / 1e9)),
            alias_pmt());
        d_first_after_start = false;
    }
    // A failed or short transfer still occupies its whole slot in the ring
    // (the output buffer); flag it instead of passing stale bytes as data.
    const uint64_t valid =
        s.error ? 0 : std::min<uint64_t>(s.nbytes, d_dev->info().bufsize);
    if (valid < d_dev->info().bufsize) {
        add_item_tag(0, item, d_dma_error_key, pmt::from_uint64(valid), alias_pmt());
        if (s.error)
            d_slots_failed++;
        else
            d_slots_short++;
    }
}

int source_impl::work(int noutput_items,
                      gr_vector_const_void_star&,
                      gr_vector_void_star& output_items)
{
    if (d_fatal.empty() && !d_readers_checked) {
        d_readers_checked = true;
        d_fatal = check_readers();
        if (!d_fatal.empty())
            d_logger->error("{:s}; ending the stream", d_fatal);
    }
    if (!d_fatal.empty())
        return WORK_DONE;
    return_consumed_slots();

    const auto& info = d_dev->info();
    auto map = d_dev->mapping();
    const auto* out = static_cast<const uint8_t*>(output_items[0]);
    if (!map->contains(out, static_cast<size_t>(noutput_items) * d_itemsize))
        throw std::runtime_error("zcdma.source: output buffer is not the device ring");
    d_in_ring_outputs++;
    uint32_t expect =
        static_cast<uint32_t>(((out - map->base()) / info.bufsize) % info.nbufs);

    const uint64_t first_item = nitems_written(0);
    uint64_t produced = 0;
    while (produced + d_slot_items <= static_cast<uint64_t>(noutput_items)) {
        slot_info s;
        // Block for the first slot (never return 0: a 0-returning source
        // sleeps in 3.10.5), then take whatever else is already filled.
        if (!d_dev->acquire(s, produced ? 0 : poll_slice_ms)) {
            if (produced)
                break;
            boost::this_thread::interruption_point();
            return_consumed_slots();
            continue;
        }
        if (s.index != expect) {
            // The device and the output buffer disagree on the ring position:
            // GNU Radio 3.10.5 resets the buffer's write index to 0 on
            // lock()/unlock() (flat_flowgraph::merge_connections). Hand
            // slots back unread until the device reaches the write pointer;
            // tag_slot() counts and tags what was lost.
            if (!d_skipping)
                d_logger->info("device delivered slot {:d}, output buffer is at slot "
                               "{:d}: skipping slots to resynchronise",
                               s.index,
                               expect);
            d_skipping = true;
            d_dev->release(s.index, s.seq);
            d_slots_skipped++;
            continue;
        }
        d_skipping = false;
        tag_slot(s, first_item + produced);
        produced += d_slot_items;
        d_held.push_back({ s.index, s.seq, first_item + produced });
        d_slots_out++;
        expect = (expect + 1) % info.nbufs;
    }
    return static_cast<int>(produced);
}

} // namespace zcdma
} // namespace gr
