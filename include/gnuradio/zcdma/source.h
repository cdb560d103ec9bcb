/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_SOURCE_H
#define INCLUDED_ZCDMA_SOURCE_H

#include <gnuradio/sync_block.h>
#include <gnuradio/zcdma/api.h>
#include <gnuradio/zcdma/device.h>

namespace gr {
namespace zcdma {

/*!
 * \brief Streams a DMA ring into a flowgraph without copying it.
 * \ingroup zcdma
 *
 * \details
 * The block's output buffer IS the device ring: a custom buffer type whose
 * storage is the device's double mapping, so downstream blocks read the DMA
 * pages in place. work() hands back every slot all readers have finished
 * with, waits for the slot at the write pointer to be filled and returns its
 * items untouched (output_multiple = one slot).
 *
 * Tags: \c rx_time (UHD format: (uint64 secs, double frac)) on the first item
 * after start() and after every overrun, or on every slot's first item with
 * \p slot_tags; \c zcdma_overrun (uint64: slots lost) on the first item
 * after a gap: slots the device dropped, slots thrown away by a stop or a
 * lock()/unlock(), slots skipped to resynchronise with the output buffer;
 * \c zcdma_dma_error (uint64: valid bytes from the slot start, 0 for a
 * failed transfer) on the first item of a slot whose DMA transfer failed or
 * ended early. Such a slot is still output whole (the output buffer is the
 * ring; positions stay aligned), but its items past the valid bytes are
 * stale.
 *
 * A slot goes back to the device only when every reader's oldest needed item
 * (its read pointer, history included) is past it. tb.start() raises when the
 * ring cannot hold a downstream block's history plus one slot. The history
 * preloaded before the first item is whatever the ring holds there, not
 * zeros. zcdma devices stamp slots with the host's CLOCK_REALTIME, so
 * a downstream zcdma.tcp_sink can tell how old a slot is when it leaves.
 *
 * The output may feed any number of blocks with the default buffer type. The
 * ring bytes must be a whole number of items.
 */
class ZCDMA_API source : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<source> sptr;

    /*!
     * \param device device string: "sim[:key=value,...]" or "/dev/zcdma0"
     * \param itemsize bytes per output item (8 for gr_complex); the slot size
     *        must be a multiple of it
     * \param slot_tags put \c rx_time on every slot, not only at start and
     *        after overruns (one tag per slot; for latency measurement)
     */
    static sptr make(const std::string& device, size_t itemsize, bool slot_tags = false);

    //! The ring this block streams.
    virtual device::sptr get_device() const = 0;
    //! Slots handed to the flowgraph since the block was made.
    virtual uint64_t slots_out() const = 0;
    //! Slots handed back to the device.
    virtual uint64_t slots_returned() const = 0;
    //! work() calls whose output pointer lay inside the device mapping.
    virtual uint64_t in_ring_outputs() const = 0;
    /*! Slots the flowgraph never saw: dropped by the device, thrown away by
     *  a stop, or skipped to resynchronise. The sum of all \c zcdma_overrun
     *  tags. */
    virtual uint64_t slots_dropped() const = 0;
    /*! Of those, the slots this block handed back unread because the device
     *  and the output buffer disagreed on the ring position (GNU Radio resets
     *  the buffer's write index on lock()/unlock()). */
    virtual uint64_t slots_skipped() const = 0;
    //! Slots whose DMA transfer failed (tagged \c zcdma_dma_error, value 0).
    virtual uint64_t slots_failed() const = 0;
    //! Slots whose DMA transfer ended early (tagged \c zcdma_dma_error).
    virtual uint64_t slots_short() const = 0;
};

} // namespace zcdma
} // namespace gr

#endif /* INCLUDED_ZCDMA_SOURCE_H */
