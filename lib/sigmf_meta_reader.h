/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_SIGMF_META_READER_H
#define INCLUDED_ZCDMA_SIGMF_META_READER_H

#include <cstddef>
#include <string>

namespace gr {
namespace zcdma {

/*!
 * What replaying a SigMF recording needs from its .sigmf-meta: the global
 * object's core:datatype and core:sample_rate. The whole file must be valid
 * JSON (RFC 8259) with a "global" object; other keys are not interpreted.
 */
struct sigmf_recording_info {
    std::string datatype;   //!< core:datatype as written, e.g. "cf32_le"
    size_t sample_size = 0; //!< bytes per sample: 8 for cf32_le, 2 for ci8
    //! The sim's `format` with the same layout ("fc32", "sc16", "f32"), or
    //! empty when the sim has none.
    std::string sim_format;
    double sample_rate = 0; //!< core:sample_rate; 0 when absent
};

/*! Parses the text of a .sigmf-meta file; \p name (the path) prefixes every
 *  error, which says what is wrong (std::invalid_argument). Big-endian and
 *  multi-channel recordings are refused: the sim replays the bytes as they
 *  are, one stream. */
sigmf_recording_info parse_sigmf_meta(const std::string& text, const std::string& name);

//! Reads and parses \p meta_path (std::system_error if it cannot be read).
sigmf_recording_info read_sigmf_meta(const std::string& meta_path);

/*! The .sigmf-meta beside \p data_path when \p data_path ends in
 *  ".sigmf-data", else empty. */
std::string sigmf_meta_path(const std::string& data_path);

} // namespace zcdma
} // namespace gr

#endif
