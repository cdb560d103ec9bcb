/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "sigmf_meta.h"
#include <system_error>
#include <unistd.h>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

using namespace gr::zcdma;

BOOST_AUTO_TEST_CASE(datatype_sizes)
{
    BOOST_CHECK_EQUAL(sigmf_datatype_size("cf32_le"), 8u);
    BOOST_CHECK_EQUAL(sigmf_datatype_size("cf64_be"), 16u);
    BOOST_CHECK_EQUAL(sigmf_datatype_size("ci16_le"), 4u);
    BOOST_CHECK_EQUAL(sigmf_datatype_size("ri32_le"), 4u);
    BOOST_CHECK_EQUAL(sigmf_datatype_size("rf32_le"), 4u);
    BOOST_CHECK_EQUAL(sigmf_datatype_size("cu8"), 2u);
    BOOST_CHECK_EQUAL(sigmf_datatype_size("ri8"), 1u);
    for (const char* bad :
         { "", "cf32", "cf16_le", "ci8_le", "xf32_le", "cf32_le ", "CF32_LE" })
        BOOST_CHECK_THROW(sigmf_datatype_size(bad), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(datetime_iso8601_utc_ns)
{
    BOOST_CHECK_EQUAL(sigmf_datetime(0), "1970-01-01T00:00:00.000000000Z");
    BOOST_CHECK_EQUAL(sigmf_datetime(1700000000251000000ull),
                      "2023-11-14T22:13:20.251000000Z");
    BOOST_CHECK_EQUAL(sigmf_datetime(951782400000000001ull), // leap day
                      "2000-02-29T00:00:00.000000001Z");
}

BOOST_AUTO_TEST_CASE(json_escapes_and_optional_fields)
{
    sigmf_meta m;
    m.datatype = "cf32_le";
    m.recorder = "gr-zcdma 0.1.0";
    m.description = "a \"quoted\"\\ line\nand\ttab \x01";
    m.captures.push_back({});
    sigmf_meta::capture c;
    c.sample_start = 10;
    c.global_index = 12;
    c.has_datetime = true;
    c.datetime_ns = 1;
    c.has_frequency = true;
    c.frequency = 100e6;
    m.captures.push_back(c);
    m.annotations.push_back({ 10, 2, true, 1024 });
    const std::string j = m.to_json();
    BOOST_CHECK(j.find(R"("core:description": "a \"quoted\"\\ line\nand\ttab \u0001")") !=
                std::string::npos);
    BOOST_CHECK(j.find("core:sample_rate") == std::string::npos); // 0: left out
    BOOST_CHECK(j.find("core:author") == std::string::npos);
    BOOST_CHECK(j.find(R"("core:frequency": 100000000.0)") != std::string::npos);
    BOOST_CHECK(j.find(R"("zcdma:samples_lost": 1024)") != std::string::npos);
    BOOST_CHECK(j.find(R"({"name": "zcdma", "version": "1.0.0", "optional": true})") !=
                std::string::npos);
}

BOOST_AUTO_TEST_CASE(atomic_write_replaces_and_leaves_no_temp)
{
    char dir[] = "/tmp/qa_sigmf_meta_XXXXXX";
    BOOST_REQUIRE(mkdtemp(dir));
    const std::string path = std::string(dir) + "/x.sigmf-meta";
    write_file_atomically(path, "one", false);
    write_file_atomically(path, "two", true);
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    BOOST_CHECK_EQUAL(ss.str(), "two");
    BOOST_CHECK(access((path + ".tmp").c_str(), F_OK) != 0);
    BOOST_CHECK_THROW(write_file_atomically(std::string(dir) + "/no/such", "x", false),
                      std::system_error);
    unlink(path.c_str());
    rmdir(dir);
}
