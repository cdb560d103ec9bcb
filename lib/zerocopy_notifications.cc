/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "zerocopy_notifications.h"
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cerrno>
#include <cstring>

namespace gr {
namespace zcdma {

int read_zerocopy_notification(int fd, uint32_t& lo, uint32_t& hi, bool& copied)
{
    for (;;) {
        alignas(cmsghdr) char control[128];
        msghdr msg{};
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        if (recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
            const bool v4 = cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR;
            const bool v6 = cm->cmsg_level == SOL_IPV6 && cm->cmsg_type == IPV6_RECVERR;
            if (!v4 && !v6)
                continue;
            sock_extended_err serr;
            memcpy(&serr, CMSG_DATA(cm), sizeof serr);
            if (serr.ee_origin != SO_EE_ORIGIN_ZEROCOPY || serr.ee_errno != 0)
                continue;
            lo = serr.ee_info;
            hi = serr.ee_data;
            copied = (serr.ee_code & SO_EE_CODE_ZEROCOPY_COPIED) != 0;
            return 1;
        }
        // Some other error-queue message: skip it.
    }
}

zerocopy_reaper::result zerocopy_reaper::reap(int fd,
                                              completion_tracker& tracker,
                                              std::mutex& lock,
                                              bool count_streak)
{
    result r;
    {
        std::lock_guard<std::mutex> lk(lock);
        if (!tracker.inflight_sends()) // plain sends need no notification
            return r;
    }
    uint32_t lo, hi;
    bool copied;
    while (read_zerocopy_notification(fd, lo, hi, copied) > 0) {
        r.notifications++;
        {
            std::lock_guard<std::mutex> lk(lock);
            tracker.complete(lo, hi, copied);
        }
        if (!count_streak)
            continue;
        d_copied_streak = copied ? d_copied_streak + 1 : 0;
        if (d_copied_streak >= copied_streak_limit)
            r.copying = true;
    }
    d_notifications += r.notifications;
    return r;
}

} // namespace zcdma
} // namespace gr
