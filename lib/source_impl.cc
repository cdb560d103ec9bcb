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
#include <stdexcept>

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
      d_overrun_key(pmt::intern("zcdma_overrun"))
{
    set_output_multiple(static_cast<int>(d_slot_items));
}

source_impl::~source_impl() = default;

bool source_impl::start()
{
    d_first_after_start = true;
    d_last_dropped = d_dev->stats().slots_dropped;
    d_dev->start();
    return true;
}

bool source_impl::stop()
{
    // In 3.10.5 the block/buffer pair is never destroyed: free the device here.
    d_dev->stop();
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

// Every slot all readers have read past goes back to the device.
void source_impl::return_consumed_slots()
{
    if (d_held.empty())
        return;
    gr::buffer_sptr out = detail()->output(0);
    uint64_t min_read;
    {
        gr::thread::scoped_lock guard(*out->mutex());
        min_read = out->nitems_written();
        for (size_t i = 0; i < out->nreaders(); i++)
            min_read = std::min(min_read, out->reader(i)->nitems_read());
    }
    while (!d_held.empty() && d_held.front().end_item <= min_read) {
        d_dev->release(d_held.front().index, d_held.front().seq);
        d_held.pop_front();
        d_slots_returned++;
    }
}

void source_impl::tag_slot(const slot_info& s, uint64_t item)
{
    const uint64_t gap = s.dropped - d_last_dropped;
    d_last_dropped = s.dropped;
    if (gap)
        add_item_tag(0, item, d_overrun_key, pmt::from_uint64(gap), alias_pmt());
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
}

int source_impl::work(int noutput_items,
                      gr_vector_const_void_star&,
                      gr_vector_void_star& output_items)
{
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
            d_dev->release(s.index, s.seq);
            throw std::runtime_error("zcdma.source: device delivered slot " +
                                     std::to_string(s.index) + ", buffer expects " +
                                     std::to_string(expect));
        }
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
