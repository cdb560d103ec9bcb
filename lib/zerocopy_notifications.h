/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_ZEROCOPY_NOTIFICATIONS_H
#define INCLUDED_ZCDMA_ZEROCOPY_NOTIFICATIONS_H

#include "completion_tracker.h"
#include <cstdint>
#include <mutex>

namespace gr {
namespace zcdma {

/*! Read one MSG_ZEROCOPY notification from the error queue. Returns 1 and
 *  fills lo/hi/copied, 0 when the queue is empty, -1 (errno set) when the
 *  socket reports an error instead. Other error-queue messages (ICMP errors
 *  with IP_RECVERR) are skipped. */
int read_zerocopy_notification(int fd, uint32_t& lo, uint32_t& hi, bool& copied);

/*!
 * Reaps a socket's MSG_ZEROCOPY notifications into a completion_tracker:
 * the one completion path of every zero-copy sink (TCP, UDP). It counts
 * notifications and the run of COPIED ones (SO_EE_CODE_ZEROCOPY_COPIED: the
 * kernel copied after all, e.g. local delivery), on which `auto` modes
 * switch to plain sends. The tracker is touched under \p lock (the sinks'
 * getters read it from other threads).
 */
class zerocopy_reaper
{
public:
    //! auto mode: this many COPIED notifications in a row mean "copying route".
    static constexpr int copied_streak_limit = 8;

    struct result {
        uint64_t notifications = 0; //!< notifications read by this call
        bool copying = false;       //!< the COPIED run reached the limit
    };

    /*! Reads every pending notification of \p fd into \p tracker; count_streak:
     *  whether COPIED runs count (the live socket, not a dropped one). No
     *  syscall while nothing is in flight. */
    result reap(int fd, completion_tracker& tracker, std::mutex& lock, bool count_streak);

    void reset_streak() { d_copied_streak = 0; }
    uint64_t notifications() const { return d_notifications; }

private:
    int d_copied_streak = 0;
    uint64_t d_notifications = 0;
};

} // namespace zcdma
} // namespace gr

#endif
