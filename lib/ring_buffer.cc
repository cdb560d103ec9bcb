/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "ring_buffer.h"
#include "source_impl.h"
#include <gnuradio/buffer_reader.h>
#include <algorithm>
#include <stdexcept>

namespace gr {
namespace zcdma {

gr::buffer_type ring_buffer::type(gr::buftype<ring_buffer, ring_buffer>{});

gr::buffer_sptr ring_buffer::make_buffer(int nitems,
                                         size_t sizeof_item,
                                         uint64_t downstream_lcm_nitems,
                                         uint32_t downstream_max_out_mult,
                                         gr::block_sptr link,
                                         gr::block_sptr buf_owner)
{
    auto src = std::dynamic_pointer_cast<source_impl>(buf_owner);
    if (!src)
        throw std::runtime_error(
            "zcdma: the ring buffer type can only be the output of zcdma.source; "
            "connect blocks with a custom input buffer type through a copy");
    auto dev = src->get_device();
    const uint64_t ring_items = dev->info().mmap_size / sizeof_item;
    if (ring_items < static_cast<uint64_t>(2 * src->output_multiple()))
        throw std::runtime_error("zcdma: ring of " + std::to_string(dev->info().nbufs) +
                                 " slots is too small: use nbufs >= 2");
    if (downstream_max_out_mult > ring_items / 2)
        throw std::runtime_error(
            "zcdma: a downstream block needs " + std::to_string(downstream_max_out_mult) +
            " items per call but the ring holds only " + std::to_string(ring_items) +
            "; make the ring larger (nbufs/bufsize)");
    (void)nitems; // the ring's size is fixed by the device, not by the flowgraph
    return std::make_shared<ring_buffer>(
        dev, sizeof_item, downstream_lcm_nitems, downstream_max_out_mult, link);
}

ring_buffer::ring_buffer(const device::sptr& dev,
                         size_t sizeof_item,
                         uint64_t downstream_lcm_nitems,
                         uint32_t downstream_max_out_mult,
                         gr::block_sptr link)
    : gr::buffer(gr::buffer_mapping_type::double_mapped,
                 static_cast<int>(dev->info().mmap_size / sizeof_item),
                 sizeof_item,
                 downstream_lcm_nitems,
                 downstream_max_out_mult,
                 link),
      d_mapping(dev->mapping()),
      d_slot_items(static_cast<unsigned>(dev->info().bufsize / sizeof_item))
{
    const uint64_t ring_items = dev->info().mmap_size / sizeof_item;
    if (ring_items > static_cast<uint64_t>(std::numeric_limits<int>::max()))
        throw std::runtime_error("zcdma: ring of " + std::to_string(ring_items) +
                                 " items is too large for a GNU Radio buffer");
    // The buffer only reads through this pointer; the pages are PROT_READ.
    d_base = const_cast<char*>(reinterpret_cast<const char*>(d_mapping->base()));
    d_bufsize = static_cast<unsigned>(ring_items);
    // Start where the device will deliver next: slots come in ring order, also
    // after a stop()/start() that built this buffer anew. Readers attach later
    // and start at this index, so they see nothing stale.
    d_write_index = dev->next_index() * d_slot_items;
}

ring_buffer::~ring_buffer() = default;

// A reader with history h is added h-1 items behind the write pointer and
// holds its last h-1 items for the next call. The source can only write a
// slot when the ring has room for it beside those h-1 items, and the device
// can only fill a slot that no reader still looks at: the ring must hold h
// items plus one slot, or the flowgraph stalls for good.
void ring_buffer::check_new_reader(unsigned nzero_preload) const
{
    const uint64_t history = uint64_t(nzero_preload) + 1;
    const uint64_t need = history + d_slot_items;
    if (need <= d_bufsize)
        return;
    const uint64_t slots = (need + d_slot_items - 1) / d_slot_items;
    throw std::runtime_error(
        "zcdma.source: a downstream block has a history of " + std::to_string(history) +
        " items, but the ring holds only " + std::to_string(d_bufsize) + " items (" +
        std::to_string(d_bufsize / d_slot_items) + " slots of " +
        std::to_string(d_slot_items) + "); it must hold the history plus one slot (" +
        std::to_string(need) + " items): use nbufs >= " + std::to_string(slots) +
        " or a larger bufsize");
}

uint64_t ring_buffer::oldest_needed_item()
{
    gr::thread::scoped_lock guard(*mutex());
    const uint64_t written = nitems_written();
    uint64_t most = 0;
    for (const auto* r : d_readers)
        most = std::max<uint64_t>(most, static_cast<uint64_t>(r->items_available()));
    // Right after start a reader's read pointer lies in its history preload,
    // before the first item: nothing is free yet.
    return written > most ? written - most : 0;
}

// As buffer_double_mapped: one item less than the ring, so that a full ring
// and an empty one differ.
int ring_buffer::space_available()
{
    if (d_readers.empty())
        return static_cast<int>(d_bufsize) - 1;
    int most_data = d_readers[0]->items_available();
    uint64_t min_items_read = d_readers[0]->nitems_read();
    for (size_t i = 1; i < d_readers.size(); i++) {
        most_data = std::max(most_data, d_readers[i]->items_available());
        min_items_read = std::min(min_items_read, d_readers[i]->nitems_read());
    }
    if (min_items_read != d_last_min_items_read) {
        prune_tags(d_last_min_items_read);
        d_last_min_items_read = min_items_read;
    }
    return static_cast<int>(d_bufsize) - most_data - 1;
}

} // namespace zcdma
} // namespace gr
