/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_SIGMF_META_H
#define INCLUDED_ZCDMA_SIGMF_META_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace zcdma {

/*! Bytes per sample of a SigMF core:datatype ("cf32_le": 8, "ci16_le": 4,
 *  "ru8": 1, ...); throws std::invalid_argument for anything else. */
size_t sigmf_datatype_size(const std::string& datatype);

//! ISO-8601 UTC with nanoseconds: "2026-11-26T10:33:36.123456789Z".
std::string sigmf_datetime(uint64_t unix_ns);

//! One recording's metadata (SigMF 1.x), serialised as a .sigmf-meta file.
struct sigmf_meta {
    struct capture {
        uint64_t sample_start = 0;
        uint64_t global_index = 0;
        bool has_datetime = false;
        uint64_t datetime_ns = 0;
        bool has_frequency = false;
        double frequency = 0;
    };
    struct annotation {
        uint64_t sample_start = 0;
        uint64_t slots_lost = 0;
        bool samples_known = false;
        uint64_t samples_lost = 0;
    };

    std::string datatype;
    double sample_rate = 0; // 0: not written
    std::string recorder;
    std::string hw, description, author;
    std::vector<capture> captures;
    std::vector<annotation> annotations;

    std::string to_json() const;
};

/*! Replaces \p path atomically with \p text (written to path + ".tmp",
 *  then renamed); \p sync: fsync the file and its directory. Throws
 *  std::system_error. */
void write_file_atomically(const std::string& path, const std::string& text, bool sync);

} // namespace zcdma
} // namespace gr

#endif
