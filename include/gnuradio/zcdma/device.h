/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_DEVICE_H
#define INCLUDED_ZCDMA_DEVICE_H

#include <gnuradio/zcdma/api.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace gr {
namespace zcdma {

/*!
 * \brief The ring, mapped twice at adjacent addresses.
 * \ingroup zcdma
 *
 * \details
 * Slot i lives at base() + i * bufsize; because the second copy of the ring
 * follows the first, any run of bytes that wraps past the end of the ring is
 * still contiguous. The mapping is read-only for user space (RX). It is
 * shared: arrays and GNU Radio buffers that point into it hold a shared_ptr,
 * so it outlives the device that made it.
 */
class ZCDMA_API ring_mapping
{
public:
    using sptr = std::shared_ptr<const ring_mapping>;

    /*! Map \p ring_bytes of \p fd (offset 0) twice, adjacently, read-only.
     *  Throws std::system_error. The fd is not kept. */
    ring_mapping(int fd, size_t ring_bytes);
    ~ring_mapping();
    ring_mapping(const ring_mapping&) = delete;
    ring_mapping& operator=(const ring_mapping&) = delete;

    const uint8_t* base() const { return d_base; }
    //! Bytes of one copy of the ring; the mapping spans twice that.
    size_t ring_bytes() const { return d_ring_bytes; }
    bool contains(const void* p, size_t len) const;

private:
    uint8_t* d_base = nullptr;
    size_t d_ring_bytes = 0;
};

/*!
 * \brief Geometry and identity of a device ring.
 * \ingroup zcdma
 */
struct ZCDMA_API device_info {
    uint32_t abi_version = 0; //!< user ABI version (kernel: ZCDMA_ABI_VERSION)
    uint32_t page_size = 0;
    uint32_t nbufs = 0;     //!< slots in the ring
    uint64_t bufsize = 0;   //!< bytes per slot, a page multiple
    uint64_t mmap_size = 0; //!< bytes of one ring mapping (nbufs * bufsize)
    uint64_t rate = 0;      //!< producer rate in bytes/s, 0 = lossless
    std::string name;       //!< the device string it was opened with
    std::string backend;    //!< "sim" or "kernel"
    std::string pattern;    //!< data the producer writes (sim; "dma" for hardware)
    //! how lost slots are counted: "exact", "estimated" (from the stream rate
    //! the device tree gives the kernel driver) or "unknown" (overruns are
    //! flagged, their size is not known: dropped does not advance)
    std::string drops = "exact";
};

/*!
 * \brief Counters of a device since it was opened.
 * \ingroup zcdma
 */
struct ZCDMA_API device_stats {
    uint64_t slots_filled = 0;    //!< slots the producer completed
    uint64_t slots_acquired = 0;  //!< slots handed to the user
    uint64_t slots_released = 0;  //!< slots handed back
    uint64_t slots_dropped = 0;   //!< slots lost because the next slot was not free
    uint64_t slots_discarded = 0; //!< filled slots thrown away by stop()
    uint64_t overruns = 0;        //!< gaps (runs of dropped slots)
    uint64_t bytes_filled = 0;
    uint64_t slots_failed = 0; //!< transfers that failed (delivered with error)
    uint64_t slots_short = 0;  //!< transfers that ended early (nbytes < bufsize)
    uint32_t slots_held = 0;   //!< acquired and not yet released
    uint32_t slots_queued = 0; //!< filled and waiting to be acquired
    bool running = false;
};

/*!
 * \brief One filled slot, as handed out by device::acquire().
 * \ingroup zcdma
 */
struct ZCDMA_API slot_info {
    uint32_t index = 0;        //!< slot index in the ring
    uint64_t seq = 0;          //!< slots the producer started before this one
    uint64_t nbytes = 0;       //!< valid bytes from the slot start (short: DMA residue)
    uint64_t timestamp_ns = 0; //!< CLOCK_REALTIME of the slot's first byte
    bool overrun = false;      //!< slots were dropped right before this one
    uint64_t dropped = 0;      //!< dropped-slot total when this slot was filled
    bool error = false;        //!< the DMA transfer failed: contents undefined, nbytes 0
    //! with overrun: the lost slots (in seq and dropped) are an estimate
    bool drops_estimated = false;
    //! with overrun: an unknown number of slots was lost (not in seq/dropped)
    bool drops_unknown = false;
    //! "exact", "estimated" or "unknown": how this overrun's lost slots were counted
    const char* drops() const
    {
        return drops_unknown ? "unknown" : drops_estimated ? "estimated" : "exact";
    }
};

/*!
 * \brief A DMA ring: a producer fills slots in ring order, the user acquires
 * them in the same order, reads them in place and hands them back.
 * \ingroup zcdma
 *
 * \details
 * Device strings: any path ("/dev/zcdma0") opens the kernel driver;
 * "sim" or "sim:key=value,..." opens the user-space emulator (see
 * docs/devices.md for the keys).
 *
 * Slots are delivered strictly in ring order with no index skipped, also
 * across stop()/start() (filled slots not yet acquired are discarded and
 * refilled), so a consumer can keep a write pointer into the ring.
 * When the producer finds the next slot still held it either waits
 * (rate 0, lossless) or drops the data: the sequence number and the counter
 * pattern advance anyway and the next delivered slot carries overrun.
 */
class ZCDMA_API device
{
public:
    using sptr = std::shared_ptr<device>;

    /*! Open a device from its device string. Throws std::invalid_argument for
     *  a malformed string and std::system_error when the OS says no. */
    static sptr make(const std::string& spec);

    virtual ~device();

    virtual const device_info& info() const = 0;
    virtual void start() = 0;
    virtual void stop() = 0;

    //! Readable (POLLIN) while a filled slot is waiting to be acquired.
    virtual int fileno() const = 0;

    /*! Take the next filled slot. Waits up to \p timeout_ms (-1: forever).
     *  Returns false on timeout. Throws std::logic_error when the device
     *  is stopped and nothing is queued. */
    virtual bool acquire(slot_info& out, int timeout_ms) = 0;

    /*! Hand back an acquired slot; index and seq must match what acquire()
     *  returned, else std::invalid_argument. Slots may come back in any
     *  order. */
    virtual void release(uint32_t index, uint64_t seq) = 0;

    virtual device_stats stats() const = 0;

    //! Ring index of the slot the next acquire() returns.
    virtual uint32_t next_index() const = 0;

    //! The double mapping of the ring.
    virtual ring_mapping::sptr mapping() const = 0;

    //! Address of slot \p index inside mapping().
    const uint8_t* slot_data(uint32_t index) const;
};

/*!
 * \brief The device string to open for a flowgraph running at \p samp_rate.
 * \ingroup zcdma
 *
 * \details
 * A sim device string that names no rate (neither `rate=` nor `samp_rate=`)
 * comes back with `samp_rate=` \p samp_rate added, and `itemsize=` \p itemsize
 * unless it names a `format` or an `itemsize`; any other string (a rate of
 * its own, the kernel device, a malformed string) comes back unchanged.
 * The ZCDMA Source in GRC opens its device through this, so a rate in the
 * device string wins over the flowgraph's samp_rate. Throws
 * std::invalid_argument for a negative or non-finite \p samp_rate or a zero
 * \p itemsize.
 */
ZCDMA_API std::string
with_samp_rate(const std::string& spec, double samp_rate, size_t itemsize);

} // namespace zcdma
} // namespace gr

#endif /* INCLUDED_ZCDMA_DEVICE_H */
