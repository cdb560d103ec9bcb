/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_PATTERN_GENERATOR_H
#define INCLUDED_ZCDMA_PATTERN_GENERATOR_H

#include "device_spec.h"
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace gr {
namespace zcdma {

/*!
 * What the sim "DMA engine" writes. fill() is told the absolute stream offset
 * of the slot, so the data is a pure function of the position in the stream:
 * dropped slots leave a gap that the receiver can see (counter) and tones
 * stay phase-continuous across drops.
 */
class pattern_generator
{
public:
    virtual ~pattern_generator() = default;
    virtual void fill(uint8_t* dst, size_t nbytes, uint64_t stream_offset) = 0;
    virtual std::string name() const = 0;
    //! Bytes per sample of the pattern's `format` (tone, noise); 0 when the
    //! pattern has no sample format.
    virtual size_t sample_size() const { return 0; }
    //! The sample format in words, when it is not the spec's `format`
    //! (a SigMF recording's core:datatype); empty otherwise.
    virtual std::string format_name() const { return {}; }
    //! Samples/s the pattern was recorded at (core:sample_rate); 0 if unknown.
    virtual double sample_rate() const { return 0; }

    /*! Consumes the pattern's keys from \p spec; throws for bad values and
     *  for keys of other patterns. \p bufsize is the slot size. */
    static std::unique_ptr<pattern_generator> make(device_spec& spec, uint64_t bufsize);
};

} // namespace zcdma
} // namespace gr

#endif
