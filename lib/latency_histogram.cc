/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "latency_histogram.h"
#include <algorithm>
#include <cmath>

namespace gr {
namespace zcdma {

int latency_histogram::bucket_of(uint64_t ns)
{
    if (ns <= 1000)
        return 0;
    const double b = std::ceil(std::log2(ns / 1000.0) * steps_per_octave);
    return static_cast<int>(std::min<double>(b, buckets - 1));
}

uint64_t latency_histogram::upper_edge_ns(int bucket)
{
    return static_cast<uint64_t>(
        std::floor(1000.0 * std::exp2(static_cast<double>(bucket) / steps_per_octave)));
}

void latency_histogram::add(uint64_t ns)
{
    d_counts[bucket_of(ns)]++;
    d_count++;
    d_max = std::max(d_max, ns);
}

void latency_histogram::clear()
{
    d_counts.fill(0);
    d_count = 0;
    d_max = 0;
}

uint64_t latency_histogram::percentile_ns(double p) const
{
    if (!d_count)
        return 0;
    // The smallest bucket with at least ceil(p% of count) values at or below it.
    const auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * d_count));
    uint64_t seen = 0;
    for (int b = 0; b < buckets; b++) {
        seen += d_counts[b];
        if (seen >= std::max<uint64_t>(rank, 1))
            return b == buckets - 1 ? d_max : std::min(upper_edge_ns(b), d_max);
    }
    return d_max;
}

} // namespace zcdma
} // namespace gr
