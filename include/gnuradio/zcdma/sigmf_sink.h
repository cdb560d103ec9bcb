/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_SIGMF_SINK_H
#define INCLUDED_ZCDMA_SIGMF_SINK_H

#include <gnuradio/sync_block.h>
#include <gnuradio/zcdma/api.h>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gr {
namespace zcdma {

/*!
 * \brief Records its input to disk as a SigMF recording, written with
 * O_DIRECT from the input buffer itself.
 * \ingroup zcdma
 *
 * \details
 * Writes NAME.sigmf-data and NAME.sigmf-meta (SigMF 1.x). The data is written
 * with io_uring straight from the input buffer (the DMA ring when fed by
 * zcdma.source): up to \p queue_depth writes of \p write_size bytes are in
 * flight, and input items are consumed only once their write completed, so
 * the ring is never refilled under a write. With O_DIRECT the pages go from
 * the ring to the disk without a CPU copy; file offsets, lengths and addresses
 * that are not aligned to the file system's direct-I/O block (the head of a
 * file whose input is not block aligned, a tail shorter than a block) are
 * written through a buffered descriptor instead and counted in
 * "buffered_bytes". The data file is always a whole number of items long.
 *
 * Metadata: global core:datatype, core:sample_rate, core:version,
 * core:recorder, core:hw, core:description, core:author; a capture segment at
 * the start of every file, after every \c zcdma_overrun gap and at every
 * \c rx_freq change, with core:datetime from \c rx_time tags (and the sample
 * rate) and core:frequency; an annotation per gap giving the samples lost
 * (zcdma:slots_lost, zcdma:samples_lost). The meta file is replaced
 * atomically (temporary file + rename) at start, at every change, at
 * rotation and at stop (a failed write is retried every \p meta_interval
 * seconds). Tags go into the meta before the write of their items is
 * submitted (a write ends before a gap or frequency change; the one after it
 * waits for the writes before it), so the meta describes everything in the
 * data file at any moment: a recording killed at any moment leaves a valid,
 * complete pair.
 *
 * Rotation: with \p max_file_bytes or \p max_file_seconds the files are
 * NAME-0000.sigmf-data/-meta, NAME-0001..., each cut on a block boundary
 * at or below the limit. \p max_total_bytes bounds the data of all files:
 * when it is reached the recording stops (logged once), and the input is
 * consumed and counted in "bytes_dropped". A write error (disk full, EIO)
 * does the same: the file is cut after the last good item, its meta is
 * completed, the error is logged once and the flowgraph runs on.
 */
class ZCDMA_API sigmf_sink : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<sigmf_sink> sptr;

    /*!
     * \param itemsize bytes per input item: the size of one \p datatype sample
     * \param path NAME, NAME.sigmf-data or NAME.sigmf-meta; the directory must
     *        exist. Existing files of the same name are overwritten.
     * \param datatype SigMF core:datatype, e.g. "cf32_le" (8 bytes), "ci16_le" (4)
     * \param sample_rate samples/s for core:sample_rate (0: not written)
     * \param frequency centre frequency for core:frequency (NaN: none)
     * \param description core:description ("" : not written)
     * \param author core:author
     * \param hw core:hw
     * \param direct "auto" (O_DIRECT where the file system takes it, else
     *        buffered, logged once), "on" (O_DIRECT or an error) or "off"
     * \param queue_depth writes in flight, 1..256
     * \param write_size bytes per write, rounded down to the block size
     * \param max_file_bytes start a new file pair after this many data bytes
     *        (0: never)
     * \param max_file_seconds start a new file pair after this many seconds
     *        of samples (needs \p sample_rate; 0: never)
     * \param max_total_bytes stop recording after this many data bytes in all
     *        files (0: no bound)
     * \param meta_interval seconds between "stats" messages and retries of a
     *        failed metadata write (0: neither)
     * \param byte_order the byte order the input samples are in: "native"
     *        (the host's), "little" or "big". The sink never swaps bytes, so
     *        the _le/_be suffix of \p datatype must match it (ValueError
     *        otherwise): "big" with e.g. "ci16_be" for a ring in wire order
     *        (zcdma.source on sim format=sc16be).
     */
    static sptr make(size_t itemsize,
                     const std::string& path,
                     const std::string& datatype = "cf32_le",
                     double sample_rate = 0,
                     double frequency = std::numeric_limits<double>::quiet_NaN(),
                     const std::string& description = "",
                     const std::string& author = "",
                     const std::string& hw = "",
                     const std::string& direct = "auto",
                     int queue_depth = 8,
                     uint64_t write_size = 1 << 20,
                     uint64_t max_file_bytes = 0,
                     double max_file_seconds = 0,
                     uint64_t max_total_bytes = 0,
                     double meta_interval = 1.0,
                     const std::string& byte_order = "native");

    //! Whether data writes currently use O_DIRECT.
    virtual bool direct_active() const = 0;
    //! The direct-I/O alignment in bytes (offset, length and address).
    virtual uint64_t block_size() const = 0;
    //! Whether data is being recorded (false after a limit or an error).
    virtual bool recording() const = 0;
    //! Every data file started so far, in order.
    virtual std::vector<std::string> files() const = 0;
    //! Every counter by name.
    virtual std::map<std::string, uint64_t> stats() const = 0;
    //! Lowest and highest input byte address work() was given (test hook).
    virtual std::pair<uint64_t, uint64_t> input_address_range() const = 0;
    /*! Address ranges (base, length) of every buffer handed to a write (test
     *  hook: proves the bytes went to disk from the input buffer itself). */
    virtual std::vector<std::pair<uint64_t, uint64_t>> write_address_ranges() const = 0;
};

} // namespace zcdma
} // namespace gr

#endif /* INCLUDED_ZCDMA_SIGMF_SINK_H */
