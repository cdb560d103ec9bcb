/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_LATENCY_HISTOGRAM_H
#define INCLUDED_ZCDMA_LATENCY_HISTOGRAM_H

#include <array>
#include <cstdint>

namespace gr {
namespace zcdma {

/*!
 * Latencies in nanoseconds, kept as counts in logarithmic buckets so a
 * stream of any length costs a fixed 2 KiB and percentiles are cheap.
 * Buckets grow by 2^(1/8) (9 %), so a percentile is reported within 9 % of
 * the true value: the upper edge of its bucket, never below it, capped at
 * the largest value seen. Values below 1 us share the first bucket; values
 * above ~4.7 h share the last.
 */
class latency_histogram
{
public:
    static constexpr int steps_per_octave = 8;
    static constexpr int buckets = 34 * steps_per_octave; // 1 us .. 2^34 us

    void add(uint64_t ns);
    void clear();
    uint64_t count() const { return d_count; }
    uint64_t max_ns() const { return d_max; }
    //! Upper edge (ns) of the bucket holding the p-th percentile (0 < p <= 100);
    //! 0 when empty.
    uint64_t percentile_ns(double p) const;

    static int bucket_of(uint64_t ns);
    static uint64_t upper_edge_ns(int bucket);

private:
    std::array<uint64_t, buckets> d_counts{};
    uint64_t d_count = 0;
    uint64_t d_max = 0;
};

} // namespace zcdma
} // namespace gr

#endif
