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

protected:
    unsigned index_add(unsigned a, unsigned b) override
    {
        unsigned s = a + b;
        return s >= d_bufsize ? s - d_bufsize : s;
    }
    unsigned index_sub(unsigned a, unsigned b) override
    {
        return a >= b ? a - b : a + d_bufsize - b;
    }

private:
    ring_mapping::sptr d_mapping; // keeps the pages mapped while we live
};

} // namespace zcdma
} // namespace gr

#endif
