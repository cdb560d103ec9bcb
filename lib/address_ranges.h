/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_ADDRESS_RANGES_H
#define INCLUDED_ZCDMA_ADDRESS_RANGES_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace gr {
namespace zcdma {

/*! A bounded set of address ranges [lo, hi): touching ranges merge; when
 *  full, a new range merges with its nearest neighbour (a hull of ranges
 *  that lie in one region stays in it). Nothing is allocated on add(). */
class address_ranges
{
public:
    static constexpr size_t capacity = 64;

    void add(uint64_t lo, uint64_t hi);
    std::vector<std::pair<uint64_t, uint64_t>> base_and_length() const;

private:
    void merge_into(size_t i, uint64_t lo, uint64_t hi);
    std::array<std::pair<uint64_t, uint64_t>, capacity> d_r{};
    size_t d_n = 0;
    size_t d_last = 0;
};

} // namespace zcdma
} // namespace gr

#endif
