/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_REALTIME_CLOCK_H
#define INCLUDED_ZCDMA_REALTIME_CLOCK_H

#include <time.h>
#include <cstdint>

namespace gr {
namespace zcdma {

//! CLOCK_REALTIME in ns: the clock of slot timestamps and rx_time.
inline uint64_t realtime_ns()
{
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull +
           static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace zcdma
} // namespace gr

#endif
