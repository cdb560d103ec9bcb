/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "latency_histogram.h"
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>

using gr::zcdma::latency_histogram;

BOOST_AUTO_TEST_CASE(empty_reports_zero)
{
    latency_histogram h;
    BOOST_CHECK_EQUAL(h.count(), 0u);
    BOOST_CHECK_EQUAL(h.percentile_ns(50), 0u);
    BOOST_CHECK_EQUAL(h.max_ns(), 0u);
}

BOOST_AUTO_TEST_CASE(percentiles_within_one_bucket)
{
    latency_histogram h;
    for (uint64_t us = 1; us <= 1000; us++) // 1 us .. 1 ms, uniform
        h.add(us * 1000);
    BOOST_CHECK_EQUAL(h.count(), 1000u);
    BOOST_CHECK_EQUAL(h.max_ns(), 1000000u);
    const double ratio = std::exp2(1.0 / latency_histogram::steps_per_octave);
    for (double p : { 1.0, 50.0, 90.0, 99.0 }) {
        const double truth = p * 10 * 1000; // ns
        const double got = static_cast<double>(h.percentile_ns(p));
        BOOST_TEST_CONTEXT("p" << p)
        {
            BOOST_CHECK_GE(got, truth);         // never below the true value
            BOOST_CHECK_LE(got, truth * ratio); // within one bucket above
        }
    }
    BOOST_CHECK_EQUAL(h.percentile_ns(100), 1000000u); // capped at the max seen
}

BOOST_AUTO_TEST_CASE(extremes_land_in_end_buckets)
{
    BOOST_CHECK_EQUAL(latency_histogram::bucket_of(0), 0);
    BOOST_CHECK_EQUAL(latency_histogram::bucket_of(1000), 0);
    BOOST_CHECK_EQUAL(latency_histogram::bucket_of(UINT64_MAX),
                      latency_histogram::buckets - 1);
    latency_histogram h;
    h.add(UINT64_MAX);
    h.add(0);
    BOOST_CHECK_EQUAL(h.percentile_ns(50), 1000u);
    BOOST_CHECK_EQUAL(h.percentile_ns(100), UINT64_MAX);
    h.clear();
    BOOST_CHECK_EQUAL(h.count(), 0u);
}

BOOST_AUTO_TEST_CASE(bucket_edges_are_consistent)
{
    for (int b = 1; b < latency_histogram::buckets; b++) {
        const uint64_t edge = latency_histogram::upper_edge_ns(b);
        BOOST_TEST_CONTEXT("bucket " << b)
        {
            BOOST_CHECK_EQUAL(latency_histogram::bucket_of(edge), b);
            BOOST_CHECK_EQUAL(latency_histogram::bucket_of(edge + 1),
                              std::min(b + 1, latency_histogram::buckets - 1));
        }
    }
}
