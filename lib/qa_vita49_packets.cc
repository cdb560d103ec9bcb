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
#include <iterator>

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
    BOOST_CHECK(word(b, 11) & (1u << 24));       // sample-loss enable
    BOOST_CHECK(word(b, 11) & (1u << 12));       // sample-loss indicator
    BOOST_CHECK_EQUAL(word(b, 12), 0xA00003CFu); // 16-bit items, 16-bit fields
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

// DIFI (IEEE-ISTO Std 4900-2021) byte for byte. The standard itself sits
// behind a registration page; these values follow the DIFI Consortium's own
// tools and captures, which agree with each other:
// - github.com/DIFI-Consortium/DIFI-Certification, packet_definitions/
//   difi_data_v1_1.py and difi_context_v1_1.py (the certify_source.py
//   compliance checks): data C=1, TSM 0, TSF 2, OUI 0x6A621E, information
//   class 0, packet class 0; context 27 words, C=1, TSM 1, TSF 2, packet class
//   1, CIF0 0xFBB98000/0x7BB98000, reference point 0x64, link-efficient
//   complex cartesian signed fixed point without tags;
// - certify_sink.py / generate_difi.py there: item packing field size =
//   data item size = bit depth - 1; state/event enables 31 and 29;
// - DIFI_Validator/examples/*.pcapng there (a DIFI digitizer's capture):
//   context class word 0x00000001, bandwidth 000000C3 50000000 (800 kHz),
//   RF 000743AA 38000000 (1.95 GHz), 0x0000F960 (-13.25 dB, radix 7 in the
//   low 16 bits), rate 000000F4 24000000 (1 MHz), payload format A00001C7
//   (8 bits) / A00002CB (12 bits), hence A00003CF for 16;
// - wireshark-dissector/difi-dissector.lua there: context class 1 = standard
//   flow signal context, data class 0 = standard flow signal data; reference
//   level in bits 15..0 of its word, stage-1 gain in bits 15..0 of the next.
BOOST_AUTO_TEST_CASE(difi_layout_byte_for_byte)
{
    vita49_stream s;
    s.stream_id = 7;
    s.difi = true;
    s.has_class_id = true;
    s.oui = difi_oui;
    s.packet_class = difi_data_packet_class;
    bool known = false;
    s.payload_format = vita49_payload_format(4, known);
    BOOST_REQUIRE(known);
    const vita49_time t{ 1700000000, 250000000000ull };

    uint8_t d[28];
    BOOST_REQUIRE_EQUAL(vita49_write_data_prologue(d, s, 5, t, 1440), 28u);
    const uint32_t data[] = {
        0x1865016F, // type 1, C, TSM 0, TSI UTC, TSF ps, count 5, 367 words
        0x00000007, // stream id
        0x006A621E, // pad 0, OUI
        0x00000000, // information class 0, packet class 0 (data)
        0x6553F100, // 1700000000 s
        0x0000003A, // 250000000000 ps
        0x35294400,
    };
    for (size_t i = 0; i < std::size(data); i++)
        BOOST_CHECK_MESSAGE(word(d, i) == data[i], "data word " << i);

    vita49_context c;
    c.changed = true;
    c.bandwidth = 800e3;
    c.rf_freq = 1.95e9;
    c.ref_level = -13.25;
    c.sample_rate = 1e6;
    c.cal_seconds = 1699999000; // the last rx_time, not this packet's second
    uint8_t b[vita49_context_max_bytes];
    BOOST_REQUIRE_EQUAL(vita49_write_context(b, s, 3, t, c), 108u);
    const uint32_t ctx[] = {
        0x4963001B, // type 4, C, TSM 1, TSI UTC, TSF ps, count 3, 27 words
        0x00000007, // stream id
        0x006A621E, // pad 0, OUI
        0x00000001, // information class 0, packet class 1 (standard context)
        0x6553F100, // timestamp
        0x0000003A, 0x35294400,
        0xFBB98000, // CIF0 with the change indicator
        0x00000064, // reference point: IF (100)
        0x000000C3, // bandwidth 800 kHz, radix 20
        0x50000000,
        0x00000000, // IF reference frequency 0
        0x00000000,
        0x000743AA, // RF reference frequency 1.95 GHz
        0x38000000,
        0x00000000, // IF band offset 0
        0x00000000,
        0x0000F960, // reference level -13.25 dBm, radix 7
        0x00000000, // gain stages 1 and 2: 0 dB
        0x000000F4, // sample rate 1 MHz
        0x24000000,
        0x00000000, // timestamp adjustment 0 fs
        0x00000000,
        0x6553ED18, // timestamp calibration time: 1699999000
        0xA1000000, // enables: calibrated time, reference lock, sample loss
        0xA00003CF, // link eff., complex cartesian, signed fixed, 16 in 16
        0x00000000, // repeat count, vector size
    };
    for (size_t i = 0; i < std::size(ctx); i++)
        BOOST_CHECK_MESSAGE(word(b, i) == ctx[i],
                            "context word " << i << ": " << std::hex << word(b, i));
}

// A non-DIFI class id is the user's, the same in both packet types.
BOOST_AUTO_TEST_CASE(vita49_context_keeps_the_users_packet_class)
{
    vita49_stream s;
    s.has_class_id = true;
    s.oui = 0xABCDEF;
    s.information_class = 1;
    s.packet_class = 2;
    vita49_context c;
    c.sample_rate = 1e6;
    uint8_t b[vita49_context_max_bytes];
    vita49_write_context(b, s, 0, vita49_time{}, c);
    BOOST_CHECK_EQUAL(word(b, 3), 0x00010002u);
}
