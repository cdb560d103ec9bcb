/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "device_spec.h"
#include <gnuradio/zcdma/device.h>
#include <boost/test/unit_test.hpp>
#include <stdexcept>

using gr::zcdma::device_spec;

namespace {
// The error text must name what was wrong.
void expect_error(const std::string& text, const std::string& needle)
{
    try {
        device_spec s(text);
        s.get_size("nbufs", 1, 1, 1000);
        s.get_double("rate", 0, 0, 1e9);
        s.get_choice("pattern", "counter", { "counter", "tone" });
        s.finish();
    } catch (const std::invalid_argument& e) {
        BOOST_TEST_INFO(e.what());
        BOOST_CHECK(std::string(e.what()).find(needle) != std::string::npos);
        return;
    }
    BOOST_FAIL("no error for '" + text + "'");
}
} // namespace

BOOST_AUTO_TEST_CASE(parses_keys)
{
    device_spec s("sim:nbufs=8,rate=4e8,pattern=tone");
    BOOST_CHECK_EQUAL(s.backend(), "sim");
    BOOST_CHECK_EQUAL(s.get_size("nbufs", 1, 1, 100), 8u);
    BOOST_CHECK_EQUAL(s.get_double("rate", 0, 0, 1e9), 4e8);
    BOOST_CHECK_EQUAL(s.get_choice("pattern", "counter", { "counter", "tone" }), "tone");
    BOOST_CHECK_NO_THROW(s.finish());
}

BOOST_AUTO_TEST_CASE(defaults_and_suffixes)
{
    device_spec s("sim:bufsize=64k");
    BOOST_CHECK_EQUAL(s.get_size("bufsize", 1, 1, 1ull << 30), 65536u);
    BOOST_CHECK_EQUAL(s.get_size("nbufs", 7, 1, 100), 7u);
    device_spec plain("sim");
    BOOST_CHECK_NO_THROW(plain.finish());
}

BOOST_AUTO_TEST_CASE(rejects_bad_input)
{
    expect_error("sim:nbufs=0", "'nbufs': '0'");
    expect_error("sim:nbufs=-3", "'nbufs': '-3'");
    expect_error("sim:nbufs=12x", "'nbufs': '12x'");
    expect_error("sim:nbufs=99999", "'nbufs': '99999'");
    expect_error("sim:nbufs=99999999999999999999999", "out of range");
    expect_error("sim:rate=fast", "'rate': 'fast'");
    expect_error("sim:rate=nan", "'rate': 'nan'");
    expect_error("sim:pattern=sawtooth", "'pattern': 'sawtooth'");
    expect_error("sim:colour=red", "unknown key 'colour'");
    expect_error("sim:nbufs", "'nbufs' is not key=value");
    expect_error("sim:nbufs=1,nbufs=2", "given twice");
    expect_error("sim:nbufs=2,,rate=1", "empty key=value");
    expect_error(":nbufs=2", "empty backend");
}

BOOST_AUTO_TEST_CASE(numbers_are_decimal)
{
    device_spec s("sim:nbufs=010,bufsize=08k,rate=010e1");
    BOOST_CHECK_EQUAL(s.get_size("nbufs", 1, 1, 100), 10u); // not octal 8
    BOOST_CHECK_EQUAL(s.get_size("bufsize", 1, 1, 1ull << 30), 8192u);
    BOOST_CHECK_EQUAL(s.get_double("rate", 0, 0, 1e9), 100.0);
    expect_error("sim:nbufs=0x10", "'nbufs': '0x10'");
    expect_error("sim:rate=0x10", "'rate': '0x10'");
    expect_error("sim:rate=0x1p4", "'rate': '0x1p4'");
    expect_error("sim:rate=infinity", "'rate': 'infinity'");
}

BOOST_AUTO_TEST_CASE(with_samp_rate_fills_in_a_missing_rate)
{
    using gr::zcdma::with_samp_rate;
    BOOST_CHECK_EQUAL(with_samp_rate("sim", 2e6, 4), "sim:samp_rate=2000000,itemsize=4");
    BOOST_CHECK_EQUAL(with_samp_rate("sim:pattern=tone,format=fc32", 2e6, 8),
                      "sim:pattern=tone,format=fc32,samp_rate=2000000");
    BOOST_CHECK_EQUAL(with_samp_rate("sim:rate=0", 2e6, 8), "sim:rate=0");
    BOOST_CHECK_EQUAL(with_samp_rate("sim:samp_rate=5", 2e6, 8), "sim:samp_rate=5");
    BOOST_CHECK_EQUAL(with_samp_rate("/dev/zcdma0", 2e6, 8), "/dev/zcdma0");
    BOOST_CHECK_EQUAL(with_samp_rate("sim:,", 2e6, 8), "sim:,"); // malformed
    BOOST_CHECK_THROW(with_samp_rate("sim", -1, 8), std::invalid_argument);
    BOOST_CHECK_THROW(with_samp_rate("sim", 1, 0), std::invalid_argument);
}
