/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "device_spec.h"
#include "kernel_device.h"
#include <fcntl.h>
#include <linux/zcdma.h>
#include <sys/ioctl.h>
#include <system_error>
#include <unistd.h>
#include <cerrno>
#include <stdexcept>

namespace gr {
namespace zcdma {

namespace {
int xioctl(int fd, unsigned long req, void* arg)
{
    int r;
    do {
        r = ioctl(fd, req, arg);
    } while (r < 0 && errno == EINTR);
    return r;
}

[[noreturn]] void fail(const std::string& what)
{
    throw std::system_error(errno, std::generic_category(), "zcdma: " + what);
}
} // namespace

kernel_device::kernel_device(const std::string& spec)
{
    const auto colon = spec.find(':');
    const std::string path = spec.substr(0, colon);
    // Parse the options before touching the device: a typo must not open it.
    device_spec opts(spec);
    const bool configure = opts.has("nbufs") || opts.has("bufsize");
    zcdma_config cfg = {};

    d_fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (d_fd < 0)
        fail("open '" + path + "'");
    try {
        zcdma_info ki = {};
        if (xioctl(d_fd, ZCDMA_IOC_INFO, &ki) < 0)
            fail("'" + path + "' is not a zcdma device (ZCDMA_IOC_INFO)");
        // ABI 2 only added flags: a driver speaking 1 works, it never sets them.
        if (ki.abi_version < 1 || ki.abi_version > ZCDMA_ABI_VERSION)
            throw std::runtime_error("zcdma: '" + path + "' speaks ABI " +
                                     std::to_string(ki.abi_version) + ", we speak 1.." +
                                     std::to_string(ZCDMA_ABI_VERSION));
        if (configure) {
            cfg.nbufs = static_cast<uint32_t>(
                opts.get_size("nbufs", ki.nbufs, 2, ZCDMA_MAX_NBUFS));
            cfg.bufsize = opts.get_size("bufsize", ki.bufsize, 1, 1ull << 32);
        }
        opts.finish();
        if (configure && xioctl(d_fd, ZCDMA_IOC_CONFIG, &cfg) < 0)
            fail("configure '" + spec + "'");
        if (xioctl(d_fd, ZCDMA_IOC_INFO, &ki) < 0)
            fail("ZCDMA_IOC_INFO");
        d_info.abi_version = ki.abi_version;
        d_info.page_size = ki.page_size;
        d_info.nbufs = ki.nbufs;
        d_info.bufsize = ki.bufsize;
        d_info.mmap_size = ki.mmap_size;
        d_info.name = spec;
        d_info.backend = "kernel";
        d_info.pattern = "dma";
        d_info.drops = (ki.flags & ZCDMA_INFO_DROPS_EXACT)       ? "exact"
                       : (ki.flags & ZCDMA_INFO_DROPS_ESTIMATED) ? "estimated"
                       : ki.abi_version >= 2                     ? "unknown"
                                                                 : "exact";
        d_mapping = std::make_shared<const ring_mapping>(d_fd, ki.mmap_size);
    } catch (...) {
        close(d_fd);
        throw;
    }
}

kernel_device::~kernel_device()
{
    // The mapping (a numpy view, a source's buffer) may outlive us, and it
    // holds the driver's file open: only the last munmap would stop the DMA.
    // Stop it now; the pages stay valid for whoever still maps them.
    xioctl(d_fd, ZCDMA_IOC_STOP, nullptr);
    close(d_fd);
}

void kernel_device::start()
{
    if (d_running)
        throw std::logic_error("zcdma: device '" + d_info.name + "' already started");
    if (xioctl(d_fd, ZCDMA_IOC_START, nullptr) < 0)
        fail("start '" + d_info.name + "'");
    d_running = true;
}

void kernel_device::stop()
{
    if (xioctl(d_fd, ZCDMA_IOC_STOP, nullptr) < 0)
        fail("stop '" + d_info.name + "'");
    d_running = false;
}

bool kernel_device::acquire(slot_info& out, int timeout_ms)
{
    zcdma_acquire a = {};
    a.timeout_ms = timeout_ms;
    if (xioctl(d_fd, ZCDMA_IOC_ACQUIRE, &a) < 0) {
        if (errno == ETIMEDOUT || errno == EAGAIN)
            return false;
        if (errno == ENODATA)
            throw std::logic_error("zcdma: device '" + d_info.name + "' is not started");
        fail("acquire");
    }
    out.index = a.index;
    out.seq = a.seq;
    out.nbytes = a.bytes;
    out.timestamp_ns = a.timestamp_ns;
    out.overrun = (a.flags & ZCDMA_BUF_OVERRUN) != 0;
    out.dropped = a.dropped;
    out.error = (a.flags & ZCDMA_BUF_ERROR) != 0;
    out.drops_estimated = out.overrun && (a.flags & ZCDMA_BUF_DROPS_ESTIMATED) != 0;
    out.drops_unknown = out.overrun && (a.flags & ZCDMA_BUF_DROPS_UNKNOWN) != 0;
    return true;
}

void kernel_device::release(uint32_t index, uint64_t seq)
{
    zcdma_release r = {};
    r.index = index;
    r.seq = seq;
    if (xioctl(d_fd, ZCDMA_IOC_RELEASE, &r) < 0) {
        if (errno == EINVAL)
            throw std::invalid_argument("zcdma: release: slot " + std::to_string(index) +
                                        " seq " + std::to_string(seq) +
                                        " is not held (already released?)");
        fail("release");
    }
}

device_stats kernel_device::stats() const
{
    zcdma_stats k = {};
    if (xioctl(d_fd, ZCDMA_IOC_STATS, &k) < 0)
        fail("stats");
    device_stats s;
    s.slots_filled = k.slots_filled;
    s.slots_acquired = k.slots_acquired;
    s.slots_released = k.slots_released;
    s.slots_dropped = k.slots_dropped;
    s.slots_discarded = k.slots_discarded;
    s.overruns = k.overruns;
    s.bytes_filled = k.bytes_filled;
    s.slots_failed = k.slots_failed;
    s.slots_short = k.slots_short;
    s.slots_held = k.slots_held;
    s.slots_queued = k.slots_queued;
    s.running = k.running != 0;
    return s;
}


uint32_t kernel_device::next_index() const
{
    zcdma_stats k = {};
    if (xioctl(d_fd, ZCDMA_IOC_STATS, &k) < 0)
        fail("stats");
    return k.next_index;
}

} // namespace zcdma
} // namespace gr
