/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_VITA49_PACKETS_H
#define INCLUDED_ZCDMA_VITA49_PACKETS_H

#include <cstddef>
#include <cstdint>

namespace gr {
namespace zcdma {

/*!
 * VITA-49.2 packet prologues, big-endian (network order), as udp_sink sends
 * them: IF data packets with stream id (type 1), IF context packets (type 4),
 * integer timestamps UTC (TSI 01), fractional real-time picoseconds (TSF 10),
 * no trailer. With \c difi the class id is DIFI's (OUI 0x6A621E, information
 * class 0, packet class 0 for the standard flow signal data packet, 1 for the
 * standard flow signal context packet) and the context packet has DIFI's
 * fixed 27-word layout (CIF0 0xFBB98000 / 0x7BB98000); otherwise the class id
 * is optional, the same in both packet types, and the context packet carries
 * only the fields that are known. docs/blocks.md names the DIFI sources.
 */
struct vita49_stream {
    uint32_t stream_id = 0;
    bool has_class_id = false;
    uint32_t oui = 0; // 24 bits
    uint16_t information_class = 0;
    uint16_t packet_class = 0;
    bool difi = false;
    uint64_t payload_format = 0; // the context packet's data payload format field
};

static constexpr uint32_t difi_oui = 0x6A621E;
//! DIFI packet class codes (information class 0).
static constexpr uint16_t difi_data_packet_class = 0x0000;
static constexpr uint16_t difi_context_packet_class = 0x0001;

/*! Data payload format words (VITA-49.2 9.13.3) for the item sizes sent:
 *  sc16 (4) 0xA00003CF00000000, fc32 (8) 0xAE0007DF00000000. DIFI allows
 *  only the first (complex signed fixed point, 4..16 bits, link efficient). */
uint64_t vita49_payload_format(size_t itemsize, bool& known);

struct vita49_time {
    uint32_t seconds = 0;     // UTC
    uint64_t picoseconds = 0; // < 10^12
};

//! Bytes of a data packet's prologue (header .. fractional timestamp).
size_t vita49_data_prologue_bytes(const vita49_stream& s);

/*! Writes a data packet prologue for \p payload_bytes (a multiple of 4) of
 *  samples; \p count is the 4-bit packet count. Returns its size. */
size_t vita49_write_data_prologue(uint8_t* out,
                                  const vita49_stream& s,
                                  unsigned count,
                                  const vita49_time& t,
                                  size_t payload_bytes);

struct vita49_context {
    bool changed = true;      // context field change indicator (CIF0 bit 31)
    double bandwidth = 0;     // Hz; NaN: not known (left out, 0 for DIFI)
    double rf_freq = 0;       // Hz; NaN: not known
    double ref_level = 0;     // dBm; NaN: not known
    double sample_rate = 0;   // Hz; 0: not known
    bool sample_loss = false; // state/event: sample-loss indicator
    // DIFI's timestamp calibration time (VITA-49.2 9.7.3.3): the UTC second
    // the time was last set from a reference (rx_time tag or host clock).
    uint32_t cal_seconds = 0;
};

//! Largest context packet in bytes.
static constexpr size_t vita49_context_max_bytes = 27 * 4;

//! Writes an IF context packet; returns its size.
size_t vita49_write_context(uint8_t* out,
                            const vita49_stream& s,
                            unsigned count,
                            const vita49_time& t,
                            const vita49_context& c);

} // namespace zcdma
} // namespace gr

#endif
