/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "address_ranges.h"
#include <algorithm>
#include <limits>

namespace gr {
namespace zcdma {

void address_ranges::merge_into(size_t i, uint64_t lo, uint64_t hi)
{
    d_r[i] = { std::min(d_r[i].first, lo), std::max(d_r[i].second, hi) };
    d_last = i;
    // The grown range may now touch others: fold them in.
    for (size_t j = 0; j < d_n;) {
        if (j != d_last && d_r[j].first <= d_r[d_last].second &&
            d_r[d_last].first <= d_r[j].second) {
            d_r[d_last] = { std::min(d_r[j].first, d_r[d_last].first),
                            std::max(d_r[j].second, d_r[d_last].second) };
            d_r[j] = d_r[--d_n];
            if (d_last == d_n)
                d_last = j;
            j = 0;
            continue;
        }
        j++;
    }
}

void address_ranges::add(uint64_t lo, uint64_t hi)
{
    if (d_n && lo <= d_r[d_last].second && d_r[d_last].first <= hi)
        return merge_into(d_last, lo, hi); // the common case: the next bytes
    for (size_t i = 0; i < d_n; i++)
        if (lo <= d_r[i].second && d_r[i].first <= hi)
            return merge_into(i, lo, hi);
    if (d_n < capacity) {
        d_r[d_n] = { lo, hi };
        d_last = d_n++;
        return;
    }
    size_t best = 0;
    uint64_t best_gap = std::numeric_limits<uint64_t>::max();
    for (size_t i = 0; i < d_n; i++) {
        const uint64_t gap = hi < d_r[i].first ? d_r[i].first - hi : lo - d_r[i].second;
        if (gap < best_gap) {
            best_gap = gap;
            best = i;
        }
    }
    merge_into(best, lo, hi);
}

std::vector<std::pair<uint64_t, uint64_t>> address_ranges::base_and_length() const
{
    std::vector<std::pair<uint64_t, uint64_t>> v;
    for (size_t i = 0; i < d_n; i++)
        v.emplace_back(d_r[i].first, d_r[i].second - d_r[i].first);
    std::sort(v.begin(), v.end());
    return v;
}

} // namespace zcdma
} // namespace gr
