/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_COMPLETION_TRACKER_H
#define INCLUDED_ZCDMA_COMPLETION_TRACKER_H

#include <cstddef>
#include <cstdint>
#include <deque>

namespace gr {
namespace zcdma {

/*!
 * Which bytes of a stream may be reused. Every send that moved bytes is
 * recorded in stream order. A plain send is done at once (the kernel copied
 * it); the n-th MSG_ZEROCOPY send on a socket has notification id n-1
 * (mod 2^32) and is done when the kernel reports a range [lo, hi] that
 * covers it. Ranges may be coalesced and arrive out of order; only the done
 * prefix of the stream is handed back, so bytes are reused strictly after
 * the kernel let go of them and in the order they were sent.
 */
class completion_tracker
{
public:
    /*! \p first_id: the id the kernel gives the first zero-copy send (always
     *  0 on a new socket; other values are a test hook for the 32-bit wrap). */
    explicit completion_tracker(uint32_t first_id = 0) : d_next_id(first_id) {}

    void add_plain(size_t bytes);
    void add_zerocopy(size_t bytes);

    /*! Kernel notification for ids lo..hi (inclusive, wrapping). \p copied is
     *  SO_EE_CODE_ZEROCOPY_COPIED. Returns the number of sends it completed;
     *  ids that are not in flight are counted in unknown_ids(). */
    size_t complete(uint32_t lo, uint32_t hi, bool copied);

    //! Bytes at the head of the stream that are done; they are forgotten.
    size_t take_done();

    //! What abandon() let go of.
    struct abandoned {
        size_t bytes;    //!< every byte still held, done or not: all reusable now
        size_t inflight; //!< of those, bytes the kernel had not reported done
    };

    /*! The socket is gone: forget every send, done or not, including done
     *  sends queued behind one still in flight (a plain send after a switch
     *  to plain, an out-of-order completion). The next socket starts at id 0;
     *  \p same_socket: the socket stays (UDP across stop()/start()), so ids
     *  go on where they were. */
    abandoned abandon(bool same_socket = false);

    size_t inflight_bytes() const { return d_inflight_bytes; }
    size_t inflight_sends() const { return d_inflight_sends; }
    bool empty() const { return d_sends.empty(); }

    uint64_t zerocopy_bytes() const { return d_zerocopy_bytes; } // done, not copied
    uint64_t copied_bytes() const { return d_copied_bytes; }     // done, kernel copied
    uint64_t plain_bytes() const { return d_plain_bytes; }
    uint64_t unknown_ids() const { return d_unknown_ids; }

private:
    struct send_record {
        uint32_t id;
        bool zerocopy;
        bool done;
        size_t bytes;
    };

    std::deque<send_record> d_sends;
    uint32_t d_next_id = 0;
    size_t d_inflight_bytes = 0;
    size_t d_inflight_sends = 0;
    uint64_t d_zerocopy_bytes = 0;
    uint64_t d_copied_bytes = 0;
    uint64_t d_plain_bytes = 0;
    uint64_t d_unknown_ids = 0;
};

} // namespace zcdma
} // namespace gr

#endif
