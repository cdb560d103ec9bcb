/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_RING_BUFFER_H
#define INCLUDED_ZCDMA_RING_BUFFER_H

#include <gnuradio/buffer.h>
#include <gnuradio/buffer_type.h>
#include <gnuradio/zcdma/device.h>
#include <atomic>

namespace gr {
namespace zcdma {

/*!
 * A gr::buffer whose storage is a device's double mapping. It behaves exactly
 * like buffer_double_mapped (same mapping type, index arithmetic and space
 * accounting) but allocates nothing: the DMA pages are the buffer.
 * buffer_single_mapped is avoided on purpose: its wrap logic memmoves unread
 * data, which would both copy and race with the DMA.
 */
class ring_buffer : public gr::buffer
{
public:
    static gr::buffer_type type;

    //! Factory for gr::buftype; \p buf_owner must be a zcdma source.
    static gr::buffer_sptr make_buffer(int nitems,
                                       size_t sizeof_item,
                                       uint64_t downstream_lcm_nitems,
                                       uint32_t downstream_max_out_mult,
                                       gr::block_sptr link,
                                       gr::block_sptr buf_owner);

    ring_buffer(const device::sptr& dev,
                size_t sizeof_item,
                uint64_t downstream_lcm_nitems,
                uint32_t downstream_max_out_mult,
                gr::block_sptr link);
    ~ring_buffer() override;

    int space_available() override;
    void post_work(int) override {}

    /*!
     * The oldest item some reader still needs, as an absolute item number
     * (nitems_written() when no reader needs anything). A reader's read
     * pointer is the oldest item of its next window, history included; its
     * nitems_read() is not (that runs history-1 items ahead of it and is
     * reset to 0 by lock()/unlock()).
     */
    uint64_t oldest_needed_item();

    //! Items in one slot.
    unsigned slot_items() const { return d_slot_items; }

    //! The owner starts streaming: readers no longer attach (see index_sub).
    void end_attach() { d_attaching.store(false, std::memory_order_relaxed); }

protected:
    unsigned index_add(unsigned a, unsigned b) override
    {
        unsigned s = a + b;
        return s >= d_bufsize ? s - d_bufsize : s;
    }
    unsigned index_sub(unsigned a, unsigned b) override
    {
        if (d_attaching.load(std::memory_order_relaxed) && a == d_write_index)
            check_new_reader(b);
        return a >= b ? a - b : a + d_bufsize - b;
    }

private:
    void check_new_reader(unsigned nzero_preload) const;

    ring_mapping::sptr d_mapping; // keeps the pages mapped while we live
    unsigned d_slot_items;
    // True from construction until the owner's first start(). In that window
    // (GNU Radio's setup_connections(), on the thread calling tb.start()) the
    // only caller of index_sub() is buffer_add_reader(), which passes the new
    // reader's history-1 as b: the one place where a ring that is too small
    // for a reader can be reported as an exception the user sees (start()
    // runs on the block's thread, where 3.10.5 only logs exceptions).
    std::atomic<bool> d_attaching{ true };
};

} // namespace zcdma
} // namespace gr

#endif
