/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/zcdma/device.h>
#include <sys/mman.h>
#include <system_error>
#include <cerrno>

namespace gr {
namespace zcdma {

ring_mapping::ring_mapping(int fd, size_t ring_bytes) : d_ring_bytes(ring_bytes)
{
    // Reserve 2x address space first so the two views are guaranteed adjacent.
    void* area =
        mmap(nullptr, 2 * ring_bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        throw std::system_error(errno, std::generic_category(), "zcdma: reserve ring");
    auto* base = static_cast<uint8_t*>(area);
    for (int half = 0; half < 2; half++) {
        void* p = mmap(base + half * ring_bytes,
                       ring_bytes,
                       PROT_READ,
                       MAP_SHARED | MAP_FIXED,
                       fd,
                       0);
        if (p == MAP_FAILED) {
            int err = errno;
            munmap(area, 2 * ring_bytes);
            throw std::system_error(err, std::generic_category(), "zcdma: mmap ring");
        }
    }
    d_base = base;
}

ring_mapping::~ring_mapping() { munmap(d_base, 2 * d_ring_bytes); }

bool ring_mapping::contains(const void* p, size_t len) const
{
    auto* b = static_cast<const uint8_t*>(p);
    return b >= d_base && len <= 2 * d_ring_bytes && b + len <= d_base + 2 * d_ring_bytes;
}

} // namespace zcdma
} // namespace gr
