/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_SIM_DEVICE_H
#define INCLUDED_ZCDMA_SIM_DEVICE_H

#include "device_spec.h"
#include "pattern_generator.h"
#include <gnuradio/zcdma/device.h>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace gr {
namespace zcdma {

/*!
 * The user-space emulator: the same contract as the kernel ring. Slot pages
 * come from a memfd (shmem pages, so MSG_ZEROCOPY works on them as it does
 * on the driver's pages); a producer thread plays the DMA engine and writes
 * through its own writable mapping, user space only sees the read-only
 * double mapping; an eventfd is readable exactly while a filled slot waits.
 */
class sim_device : public device
{
public:
    explicit sim_device(device_spec& spec);
    ~sim_device() override;

    const device_info& info() const override { return d_info; }
    void start() override;
    void stop() override;
    int fileno() const override { return d_eventfd; }
    bool acquire(slot_info& out, int timeout_ms) override;
    void release(uint32_t index, uint64_t seq) override;
    device_stats stats() const override;
    uint32_t next_index() const override;
    ring_mapping::sptr mapping() const override { return d_mapping; }

    //! The largest ring (nbufs * bufsize bytes) the sim accepts: half of
    //! the physical memory, at most 64 GiB.
    static uint64_t max_ring_size();

private:
    enum class slot_state { free, filling, filled, held };
    struct slot {
        slot_state state = slot_state::free;
        slot_info meta;
    };

    void producer_loop();
    bool take_locked(slot_info& out);
    void set_readable_locked(bool readable);
    bool producer_may_fill_locked() const;

    device_info d_info;
    int d_memfd = -1;
    int d_eventfd = -1;
    uint8_t* d_dma_view = nullptr; // the "DMA engine"'s writable view
    ring_mapping::sptr d_mapping;
    std::unique_ptr<pattern_generator> d_pattern;
    uint32_t d_wake_batch = 1;
    uint64_t d_fail_every = 0;  // test aid: every Nth slot fails (0: never)
    uint64_t d_short_every = 0; // test aid: every Nth slot is half full

    mutable std::mutex d_mutex;
    std::condition_variable d_producer_cv;
    std::condition_variable d_consumer_cv; // acquire() waits here
    uint32_t d_acquire_waiters = 0;
    uint64_t d_stops = 0; // stop() calls, so a waiting acquire() sees one
    std::vector<slot> d_slots;
    uint32_t d_fill_idx = 0;    // next slot the producer writes
    uint32_t d_deliver_idx = 0; // next slot acquire() hands out
    uint32_t d_free = 0;
    uint64_t d_next_seq = 0;
    bool d_pending_overrun = false;
    bool d_readable = false;
    bool d_running = false;
    bool d_quit = false;
    bool d_producer_waiting = false;
    device_stats d_stats;
    std::thread d_thread;
};

} // namespace zcdma
} // namespace gr

#endif
