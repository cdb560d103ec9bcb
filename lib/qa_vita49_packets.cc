/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "vita49_packets.h"
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstring>

using namespace gr::zcdma;

namespace {
uint32_t word(const uint8_t* p, size_t i)
{
    p += 4 * i;
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
} // namespace

BOOST_AUTO_TEST_CASE(data_prologue_with_class_id)
{
    vita49_stream s;
    s.stream_id = 0x01020304;
    s.has_class_id = true;
    s.oui = 0xABCDEF;
    s.information_class = 0x1234;
    s.packet_class = 0x5678;
    vita49_time t{ 1700000000, 999999999999ull };
    uint8_t b[32];
    BOOST_REQUIRE_EQUAL(vita49_write_data_prologue(b, s, 0x13, t, 1440), 28u);
    // type 1, C, TSI 01, TSF 10, count 3 (4 bits), (28 + 1440) / 4 words
    BOOST_CHECK_EQUAL(word(b, 0), 0x18630000u | 367u);
    BOOST_CHECK_EQUAL(word(b, 1), 0x01020304u);
    BOOST_CHECK_EQUAL(word(b, 2), 0x00ABCDEFu);
    BOOST_CHECK_EQUAL(word(b, 3), 0x12345678u);
    BOOST_CHECK_EQUAL(word(b, 4), 1700000000u);
    BOOST_CHECK_EQUAL((uint64_t(word(b, 5)) << 32 | word(b, 6)), 999999999999ull);
    s.has_class_id = false;
    BOOST_CHECK_EQUAL(vita49_data_prologue_bytes(s), 20u);
}

BOOST_AUTO_TEST_CASE(context_fields_present_only_when_known)
{
    vita49_stream s;
    bool known = false;
    s.payload_format = vita49_payload_format(4, known);
    BOOST_REQUIRE(known);
    vita49_context c;
    c.bandwidth = NAN;
    c.rf_freq = 2.4e9;
    c.ref_level = -10.5;
    c.sample_rate = 1e6;
    c.sample_loss = true;
    uint8_t b[vita49_context_max_bytes];
    const size_t n = vita49_write_context(b, s, 2, vita49_time{ 5, 6 }, c);
    // header, sid, TSI, TSF(2), CIF0, RF(2), ref level, rate(2), SEI, format(2)
    BOOST_REQUIRE_EQUAL(n, 14u * 4);
    BOOST_CHECK_EQUAL(word(b, 0), 0x40620000u | 14u); // type 4, no C, TSM 0
    BOOST_CHECK_EQUAL(word(b, 5),
                      (1u << 31) | (1u << 27) | (1u << 24) | (1u << 21) | (1u << 16) |
                          (1u << 15));
    BOOST_CHECK_EQUAL((uint64_t(word(b, 6)) << 32 | word(b, 7)),
                      uint64_t(2.4e9 * 1048576.0));
    BOOST_CHECK_EQUAL(word(b, 8), 0x0000FAC0u); // -10.5 dBm, radix 7: -1344
    BOOST_CHECK_EQUAL((uint64_t(word(b, 9)) << 32 | word(b, 10)),
                      uint64_t(1e6 * 1048576.0));
    BOOST_CHECK(word(b, 11) & (1u << 24)); // sample-loss enable
    BOOST_CHECK(word(b, 11) & (1u << 12)); // sample-loss indicator
    BOOST_CHECK_EQUAL(word(b, 12), 0xA00007CFu);
}

BOOST_AUTO_TEST_CASE(difi_context_is_27_words)
{
    vita49_stream s;
    s.difi = true;
    s.has_class_id = true;
    s.oui = difi_oui;
    vita49_context c;
    c.changed = false;
    c.sample_rate = 1e6;
    uint8_t b[vita49_context_max_bytes];
    BOOST_REQUIRE_EQUAL(vita49_write_context(b, s, 0, vita49_time{}, c), 108u);
    BOOST_CHECK_EQUAL(word(b, 0), 0x49600000u | 27u); // type 4, C, TSM 1, UTC, ps
    BOOST_CHECK_EQUAL(word(b, 2), 0x006A621Eu);
    BOOST_CHECK_EQUAL(word(b, 7), 0x7BB98000u);
    BOOST_CHECK_EQUAL(word(b, 8), 100u); // reference point: IF
}
