/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "address_ranges.h"
#include <boost/test/unit_test.hpp>

using gr::zcdma::address_ranges;
using ranges = std::vector<std::pair<uint64_t, uint64_t>>;

BOOST_AUTO_TEST_CASE(touching_and_overlapping_ranges_merge)
{
    address_ranges r;
    r.add(100, 200);
    r.add(200, 300); // the next bytes
    r.add(150, 250); // resent region, overlapping
    r.add(1000, 1100);
    BOOST_CHECK(r.base_and_length() == (ranges{ { 100, 200 }, { 1000, 100 } }));
    r.add(300, 1000); // bridges both
    BOOST_CHECK(r.base_and_length() == (ranges{ { 100, 1000 } }));
}

BOOST_AUTO_TEST_CASE(bounded_and_an_outside_range_stays_visible)
{
    // A ring at [0, 1 MiB): sends scattered over it, more than capacity.
    address_ranges r;
    for (uint64_t i = 0; i < 1000; i++) {
        const uint64_t lo = (i * 7919 % 1024) * 1024;
        r.add(lo, lo + 512);
    }
    auto v = r.base_and_length();
    BOOST_CHECK_LE(v.size(), address_ranges::capacity);
    for (const auto& [base, len] : v)
        BOOST_CHECK(base + len <= (1u << 20)); // every hull stays in the ring
    // One send from a copy elsewhere: merged or not, it shows outside.
    r.add(5u << 20, (5u << 20) + 512);
    v = r.base_and_length();
    BOOST_CHECK_LE(v.size(), address_ranges::capacity);
    BOOST_CHECK(v.back().first + v.back().second > (1u << 20));
}
