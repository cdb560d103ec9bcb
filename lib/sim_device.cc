/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "realtime_clock.h"
#include "sim_device.h"
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <system_error>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <stdexcept>

namespace gr {
namespace zcdma {

namespace {
constexpr uint64_t max_ring_bytes = 1ull << 36; // 64 GiB of address space x2

[[noreturn]] void bad(const device_spec& spec, const std::string& what)
{
    throw std::invalid_argument("zcdma: device '" + spec.text() + "': " + what);
}
} // namespace

uint64_t sim_device::max_ring_size()
{
    // The producer touches every page of the ring and shmem pages cannot be
    // reclaimed while mapped: a ring of most of RAM would take the machine
    // down at start(), so half of the physical memory is the limit.
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return max_ring_bytes;
    return std::min(max_ring_bytes, static_cast<uint64_t>(pages) * page / 2);
}

sim_device::sim_device(device_spec& spec)
{
    const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    d_info.abi_version = 1;
    d_info.page_size = static_cast<uint32_t>(page);
    d_info.nbufs = static_cast<uint32_t>(spec.get_size("nbufs", 64, 1, 65536));
    d_info.bufsize = spec.get_size("bufsize", 256 * 1024, 1, max_ring_bytes);
    if (d_info.bufsize % page)
        bad(spec,
            "bufsize " + std::to_string(d_info.bufsize) +
                " is not a multiple of the page size " + std::to_string(page));
    const uint64_t ring = d_info.bufsize * d_info.nbufs;
    const uint64_t limit = max_ring_size();
    if (ring > limit)
        bad(spec,
            "a ring of " + std::to_string(d_info.nbufs) + " x " +
                std::to_string(d_info.bufsize) + " = " + std::to_string(ring) +
                " bytes is larger than the sim allows: " + std::to_string(limit) +
                " bytes (half of the physical memory, at most 64 GiB)");
    if (spec.has("rate") && spec.has("samp_rate"))
        bad(spec, "give rate (bytes/s) or samp_rate (samples/s), not both");
    double rate = spec.get_double("rate", 0.0, 0.0, 1e12);
    const double samp_rate = spec.get_double("samp_rate", 0.0, 0.0, 1e12);
    const uint64_t itemsize = spec.get_size("itemsize", 0, 1, d_info.bufsize);
    d_pattern = pattern_generator::make(spec, d_info.bufsize);
    const std::string format = d_pattern->format_name().empty()
                                   ? spec.get_string("format", "fc32")
                                   : d_pattern->format_name();
    d_fail_every = spec.get_size("fail_every", 0, 0, UINT64_MAX);
    d_short_every = spec.get_size("short_every", 0, 0, UINT64_MAX);
    spec.finish();

    // The sample size samp_rate counts in: itemsize, or the tone/noise/file
    // format (a SigMF recording's core:datatype).
    const uint64_t fmt_size = d_pattern->sample_size();
    if (itemsize && fmt_size && itemsize != fmt_size)
        bad(spec,
            "itemsize " + std::to_string(itemsize) + " does not match format " + format +
                " (" + std::to_string(fmt_size) + " bytes per sample)");
    if (itemsize && d_info.bufsize % itemsize)
        bad(spec,
            "bufsize " + std::to_string(d_info.bufsize) +
                " is not a multiple of itemsize " + std::to_string(itemsize));
    const uint64_t sample = itemsize ? itemsize : fmt_size;
    if (spec.has("samp_rate")) {
        if (!sample)
            bad(spec,
                "samp_rate needs the sample size: add itemsize=BYTES (pattern=" +
                    d_pattern->name() + " has no sample format)");
        rate = samp_rate * static_cast<double>(sample);
        if (rate > 1e12)
            bad(spec,
                "samp_rate " + spec.get_string("samp_rate", "") + " x " +
                    std::to_string(sample) +
                    " bytes per sample is more than 1e12 bytes/s");
    } else if (!spec.has("rate") && d_pattern->sample_rate() > 0) {
        // A SigMF recording replays at its core:sample_rate unless the
        // string names a rate.
        rate = d_pattern->sample_rate() * static_cast<double>(sample);
        if (rate > 1e12)
            bad(spec, "core:sample_rate x the sample size is more than 1e12 bytes/s");
    }
    d_info.rate = static_cast<uint64_t>(rate);
    if (rate > 0 && d_info.rate == 0)
        bad(spec, "rate must be 0 or at least 1 byte/s");
    d_info.mmap_size = d_info.bufsize * d_info.nbufs;
    d_info.name = spec.text();
    d_info.backend = "sim";
    d_info.pattern = d_pattern->name();
    d_wake_batch = std::max<uint32_t>(1, d_info.nbufs / 4);

    d_memfd = memfd_create("zcdma-sim", MFD_CLOEXEC);
    if (d_memfd < 0)
        throw std::system_error(errno, std::generic_category(), "zcdma: memfd_create");
    if (ftruncate(d_memfd, static_cast<off_t>(d_info.mmap_size)) < 0) {
        int err = errno;
        close(d_memfd);
        throw std::system_error(err, std::generic_category(), "zcdma: size ring");
    }
    void* dma =
        mmap(nullptr, d_info.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, d_memfd, 0);
    if (dma == MAP_FAILED) {
        int err = errno;
        close(d_memfd);
        throw std::system_error(err, std::generic_category(), "zcdma: map ring");
    }
    d_dma_view = static_cast<uint8_t*>(dma);
    try {
        d_mapping = std::make_shared<const ring_mapping>(d_memfd, d_info.mmap_size);
    } catch (...) {
        munmap(d_dma_view, d_info.mmap_size);
        close(d_memfd);
        throw;
    }
    d_eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (d_eventfd < 0) {
        int err = errno;
        munmap(d_dma_view, d_info.mmap_size);
        close(d_memfd);
        throw std::system_error(err, std::generic_category(), "zcdma: eventfd");
    }
    d_slots.resize(d_info.nbufs);
    d_free = d_info.nbufs;
}

sim_device::~sim_device()
{
    stop();
    munmap(d_dma_view, d_info.mmap_size);
    close(d_eventfd);
    close(d_memfd);
    // d_mapping may live on in numpy arrays and GNU Radio buffers.
}

void sim_device::start()
{
    std::lock_guard<std::mutex> lk(d_mutex);
    if (d_running)
        throw std::logic_error("zcdma: device '" + d_info.name + "' already started");
    d_quit = false;
    d_running = true;
    d_thread = std::thread(&sim_device::producer_loop, this);
}

void sim_device::stop()
{
    {
        std::lock_guard<std::mutex> lk(d_mutex);
        if (!d_running)
            return;
        d_quit = true;
    }
    d_producer_cv.notify_all();
    d_thread.join();

    std::lock_guard<std::mutex> lk(d_mutex);
    // Throw away what nobody took and rewind the fill pointer, so delivery
    // resumes at the very next ring index (consumers track a write pointer).
    for (uint32_t i = 0; i < d_stats.slots_queued; i++) {
        slot& s = d_slots[(d_deliver_idx + i) % d_info.nbufs];
        s.state = slot_state::free;
        d_free++;
        d_stats.slots_discarded++;
    }
    d_stats.slots_queued = 0;
    d_fill_idx = d_deliver_idx;
    set_readable_locked(false);
    d_running = false;
    d_stops++;
    // An acquire() blocked in another thread returns (it throws, as the
    // driver's ACQUIRE returns ENODATA after STOP).
    d_consumer_cv.notify_all();
}

bool sim_device::producer_may_fill_locked() const
{
    if (d_quit)
        return true;
    if (d_slots[d_fill_idx].state != slot_state::free)
        return false;
    // Batch wake-ups (one per several releases) unless the consumer is dry.
    return d_free >= d_wake_batch || d_stats.slots_queued == 0;
}

void sim_device::set_readable_locked(bool readable)
{
    if (readable == d_readable)
        return;
    uint64_t v = 1;
    ssize_t r = readable ? write(d_eventfd, &v, sizeof v) : read(d_eventfd, &v, sizeof v);
    (void)r; // cannot fail: the counter is 0 or 1 and the fd is ours
    d_readable = readable;
}

void sim_device::producer_loop()
{
    using clock = std::chrono::steady_clock;
    const bool realtime = d_info.rate > 0;
    const auto period = std::chrono::nanoseconds(
        static_cast<int64_t>(static_cast<double>(d_info.bufsize) * 1e9 /
                             static_cast<double>(d_info.rate ? d_info.rate : 1)));
    const auto t0 = clock::now();
    const uint64_t t0_real = realtime_ns();
    // Like a radio: a slot is ready one period after its first byte was
    // sampled, and its timestamp is that first byte's time.
    auto next = t0 + period;

    std::unique_lock<std::mutex> lk(d_mutex);
    const uint64_t seq0 = d_next_seq;
    while (!d_quit) {
        if (realtime && d_producer_cv.wait_until(lk, next, [this] { return d_quit; }))
            break;
        slot& s = d_slots[d_fill_idx];
        if (s.state != slot_state::free) {
            if (realtime) {
                // The radio does not wait: lose this slot's worth of data.
                d_next_seq++;
                d_stats.slots_dropped++;
                if (!d_pending_overrun)
                    d_stats.overruns++;
                d_pending_overrun = true;
                next += period;
                continue;
            }
            d_producer_waiting = true;
            d_producer_cv.wait(lk, [this] { return producer_may_fill_locked(); });
            d_producer_waiting = false;
            continue;
        }
        const uint32_t idx = d_fill_idx;
        const uint64_t seq = d_next_seq++;
        s.state = slot_state::filling;
        d_free--;
        const uint64_t ts =
            realtime ? t0_real + static_cast<uint64_t>((seq - seq0) * period.count())
                     : realtime_ns();
        lk.unlock();
        d_pattern->fill(d_dma_view + uint64_t(idx) * d_info.bufsize,
                        d_info.bufsize,
                        seq * d_info.bufsize);
        lk.lock();
        s.meta.index = idx;
        s.meta.seq = seq;
        // Fault injection (test aid): a failed transfer delivers 0 bytes,
        // a short one half a slot; the slot still goes out in ring order.
        s.meta.error = d_fail_every && (seq + 1) % d_fail_every == 0;
        const bool shrt =
            !s.meta.error && d_short_every && (seq + 1) % d_short_every == 0;
        s.meta.nbytes = s.meta.error ? 0 : shrt ? d_info.bufsize / 2 : d_info.bufsize;
        d_stats.slots_failed += s.meta.error;
        d_stats.slots_short += shrt;
        s.meta.timestamp_ns = ts;
        s.meta.overrun = d_pending_overrun;
        s.meta.dropped = d_stats.slots_dropped;
        d_pending_overrun = false;
        s.state = slot_state::filled;
        d_fill_idx = (idx + 1) % d_info.nbufs;
        d_stats.slots_filled++;
        d_stats.bytes_filled += s.meta.nbytes;
        d_stats.slots_queued++;
        set_readable_locked(true);
        if (d_acquire_waiters)
            d_consumer_cv.notify_all();
        if (realtime)
            next += period;
    }
}

bool sim_device::take_locked(slot_info& out)
{
    if (d_stats.slots_queued == 0)
        return false;
    slot& s = d_slots[d_deliver_idx];
    s.state = slot_state::held;
    out = s.meta;
    d_deliver_idx = (d_deliver_idx + 1) % d_info.nbufs;
    d_stats.slots_queued--;
    d_stats.slots_acquired++;
    d_stats.slots_held++;
    if (d_stats.slots_queued == 0)
        set_readable_locked(false);
    return true;
}

bool sim_device::acquire(slot_info& out, int timeout_ms)
{
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    std::unique_lock<std::mutex> lk(d_mutex);
    const uint64_t stops = d_stops;
    // Like the driver's wait queue: woken by a filled slot and by stop().
    const auto ready = [this, stops] {
        return d_stats.slots_queued > 0 || !d_running || d_stops != stops;
    };
    if (timeout_ms != 0 && !ready()) {
        d_acquire_waiters++;
        bool woken = true;
        if (timeout_ms < 0)
            d_consumer_cv.wait(lk, ready);
        else
            woken = d_consumer_cv.wait_until(lk, deadline, ready);
        d_acquire_waiters--;
        if (!woken)
            return false;
    }
    const bool got = take_locked(out);
    if (!got && !d_running)
        throw std::logic_error("zcdma: device '" + d_info.name + "' is not started");
    if (!got && d_stops != stops)
        throw std::logic_error("zcdma: device '" + d_info.name +
                               "' was stopped while acquire() waited");
    if (d_producer_waiting && producer_may_fill_locked())
        d_producer_cv.notify_one();
    return got;
}

void sim_device::release(uint32_t index, uint64_t seq)
{
    bool kick;
    {
        std::lock_guard<std::mutex> lk(d_mutex);
        if (index >= d_info.nbufs)
            throw std::invalid_argument(
                "zcdma: release: slot index " + std::to_string(index) +
                " out of range (ring has " + std::to_string(d_info.nbufs) + " slots)");
        slot& s = d_slots[index];
        if (s.state != slot_state::held || s.meta.seq != seq)
            throw std::invalid_argument("zcdma: release: slot " + std::to_string(index) +
                                        " seq " + std::to_string(seq) +
                                        " is not held (already released?)");
        s.state = slot_state::free;
        d_free++;
        d_stats.slots_released++;
        d_stats.slots_held--;
        kick = d_producer_waiting && producer_may_fill_locked();
    }
    if (kick)
        d_producer_cv.notify_one();
}

device_stats sim_device::stats() const
{
    std::lock_guard<std::mutex> lk(d_mutex);
    device_stats s = d_stats;
    s.running = d_running;
    return s;
}


uint32_t sim_device::next_index() const
{
    std::lock_guard<std::mutex> lk(d_mutex);
    return d_deliver_idx;
}

} // namespace zcdma
} // namespace gr
