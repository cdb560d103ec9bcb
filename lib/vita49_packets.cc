/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "vita49_packets.h"
#include <cmath>

namespace gr {
namespace zcdma {

namespace {
constexpr uint32_t type_data_sid = 0x1;
constexpr uint32_t type_context = 0x4;
constexpr uint32_t tsi_utc = 0x1;
constexpr uint32_t tsf_real_time = 0x2;

// CIF0 bits (VITA-49.2 table 9.1-1).
constexpr uint32_t cif0_change = 1u << 31;
constexpr uint32_t cif0_ref_point = 1u << 30;
constexpr uint32_t cif0_bandwidth = 1u << 29;
constexpr uint32_t cif0_if_ref_freq = 1u << 28;
constexpr uint32_t cif0_rf_ref_freq = 1u << 27;
constexpr uint32_t cif0_if_band_offset = 1u << 25;
constexpr uint32_t cif0_ref_level = 1u << 24;
constexpr uint32_t cif0_gain = 1u << 23;
constexpr uint32_t cif0_sample_rate = 1u << 21;
constexpr uint32_t cif0_ts_adjust = 1u << 20;
constexpr uint32_t cif0_ts_cal_time = 1u << 19;
constexpr uint32_t cif0_state_event = 1u << 16;
constexpr uint32_t cif0_payload_format = 1u << 15;

// State and event indicators (9.10.8): enables in 31..20, indicators in 19..8.
constexpr uint32_t sei_cal_time_en = 1u << 31;
constexpr uint32_t sei_ref_lock_en = 1u << 29;
constexpr uint32_t sei_sample_loss_en = 1u << 24;
constexpr uint32_t sei_sample_loss = 1u << 12;

uint8_t* be32(uint8_t* p, uint32_t v)
{
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
    return p + 4;
}

uint8_t* be64(uint8_t* p, uint64_t v)
{
    p = be32(p, static_cast<uint32_t>(v >> 32));
    return be32(p, static_cast<uint32_t>(v));
}

// 64-bit two's complement fixed point with the radix after bit 20 (Hz).
uint64_t radix20(double v)
{
    return static_cast<uint64_t>(static_cast<int64_t>(std::llround(v * 1048576.0)));
}

bool known(double v) { return !std::isnan(v); }

uint32_t
header(uint32_t type, const vita49_stream& s, bool tsm, unsigned count, size_t words)
{
    return type << 28 | (s.has_class_id ? 1u << 27 : 0) | (tsm ? 1u << 24 : 0) |
           tsi_utc << 22 | tsf_real_time << 20 | (count & 0xfu) << 16 |
           static_cast<uint32_t>(words & 0xffff);
}

uint8_t* prologue_rest(uint8_t* p,
                       const vita49_stream& s,
                       uint16_t packet_class,
                       const vita49_time& t)
{
    p = be32(p, s.stream_id);
    if (s.has_class_id) {
        p = be32(p, s.oui & 0xffffff);
        p = be32(p, static_cast<uint32_t>(s.information_class) << 16 | packet_class);
    }
    p = be32(p, t.seconds);
    return be64(p, t.picoseconds);
}
} // namespace

uint64_t vita49_payload_format(size_t itemsize, bool& ok)
{
    ok = true;
    switch (itemsize) {
    case 4: // sc16: link efficient, complex cartesian, signed fixed point,
            // 16-bit items in 16-bit packing fields (no tags, no unused bits)
        return 0xA00003CF00000000ull;
    case 8: // fc32: complex cartesian, IEEE-754 single, 32-bit items
        return 0xAE0007DF00000000ull;
    default:
        ok = false;
        return 0;
    }
}

size_t vita49_data_prologue_bytes(const vita49_stream& s)
{
    return (s.has_class_id ? 7 : 5) * 4;
}

size_t vita49_write_data_prologue(uint8_t* out,
                                  const vita49_stream& s,
                                  unsigned count,
                                  const vita49_time& t,
                                  size_t payload_bytes)
{
    const size_t bytes = vita49_data_prologue_bytes(s);
    uint8_t* p =
        be32(out, header(type_data_sid, s, false, count, (bytes + payload_bytes) / 4));
    prologue_rest(p, s, s.packet_class, t);
    return bytes;
}

size_t vita49_write_context(uint8_t* out,
                            const vita49_stream& s,
                            unsigned count,
                            const vita49_time& t,
                            const vita49_context& c)
{
    uint8_t* p = out + 4; // header last, when the size is known
    p = prologue_rest(p, s, s.difi ? difi_context_packet_class : s.packet_class, t);
    const uint32_t sei = sei_cal_time_en | sei_ref_lock_en | sei_sample_loss_en |
                         (c.sample_loss ? sei_sample_loss : 0);
    if (s.difi) {
        // DIFI's standard context packet: every field, in this order.
        p = be32(p,
                 (c.changed ? cif0_change : 0) | cif0_ref_point | cif0_bandwidth |
                     cif0_if_ref_freq | cif0_rf_ref_freq | cif0_if_band_offset |
                     cif0_ref_level | cif0_gain | cif0_sample_rate | cif0_ts_adjust |
                     cif0_ts_cal_time | cif0_state_event | cif0_payload_format);
        p = be32(p, 0x64);                                          // reference point: IF
        p = be64(p, radix20(known(c.bandwidth) ? c.bandwidth : 0)); // bandwidth
        p = be64(p, 0);                                         // IF reference frequency
        p = be64(p, radix20(known(c.rf_freq) ? c.rf_freq : 0)); // RF reference frequency
        p = be64(p, 0);                                         // IF band offset
        const double lvl = known(c.ref_level) ? c.ref_level : 0;
        p = be32(p, static_cast<uint16_t>(static_cast<int16_t>(std::lround(lvl * 128))));
        p = be32(p, 0);                      // gain
        p = be64(p, radix20(c.sample_rate)); // sample rate
        p = be64(p, 0);                      // timestamp adjustment (fs)
        p = be32(p, c.cal_seconds);          // timestamp calibration time
        p = be32(p, sei);
        p = be64(p, s.payload_format);
    } else {
        uint32_t cif0 =
            (c.changed ? cif0_change : 0) | cif0_state_event | cif0_payload_format;
        if (known(c.bandwidth))
            cif0 |= cif0_bandwidth;
        if (known(c.rf_freq))
            cif0 |= cif0_rf_ref_freq;
        if (known(c.ref_level))
            cif0 |= cif0_ref_level;
        if (c.sample_rate > 0)
            cif0 |= cif0_sample_rate;
        p = be32(p, cif0);
        if (cif0 & cif0_bandwidth)
            p = be64(p, radix20(c.bandwidth));
        if (cif0 & cif0_rf_ref_freq)
            p = be64(p, radix20(c.rf_freq));
        if (cif0 & cif0_ref_level)
            p = be32(p,
                     static_cast<uint16_t>(
                         static_cast<int16_t>(std::lround(c.ref_level * 128))));
        if (cif0 & cif0_sample_rate)
            p = be64(p, radix20(c.sample_rate));
        p = be32(p, sei);
        p = be64(p, s.payload_format);
    }
    const size_t bytes = static_cast<size_t>(p - out);
    be32(out, header(type_context, s, s.difi, count, bytes / 4));
    return bytes;
}

} // namespace zcdma
} // namespace gr
