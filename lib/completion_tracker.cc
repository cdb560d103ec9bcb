/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "completion_tracker.h"

namespace gr {
namespace zcdma {

void completion_tracker::add_plain(size_t bytes)
{
    d_sends.push_back({ 0, false, true, bytes });
    d_plain_bytes += bytes;
}

void completion_tracker::add_zerocopy(size_t bytes)
{
    d_sends.push_back({ d_next_id++, true, false, bytes });
    d_inflight_bytes += bytes;
    d_inflight_sends++;
}

size_t completion_tracker::complete(uint32_t lo, uint32_t hi, bool copied)
{
    const uint64_t count = static_cast<uint32_t>(hi - lo) + uint64_t(1);
    size_t hit = 0;
    // Records are in id order: find lo, then walk forward.
    for (auto& r : d_sends) {
        if (!r.zerocopy || r.done)
            continue;
        if (static_cast<uint32_t>(r.id - lo) >= count)
            continue;
        r.done = true;
        d_inflight_bytes -= r.bytes;
        d_inflight_sends--;
        (copied ? d_copied_bytes : d_zerocopy_bytes) += r.bytes;
        if (++hit == count)
            break;
    }
    d_unknown_ids += count - hit;
    return hit;
}

size_t completion_tracker::take_done()
{
    size_t bytes = 0;
    while (!d_sends.empty() && d_sends.front().done) {
        bytes += d_sends.front().bytes;
        d_sends.pop_front();
    }
    return bytes;
}

completion_tracker::abandoned completion_tracker::abandon(bool same_socket)
{
    abandoned a{ 0, d_inflight_bytes };
    for (const auto& r : d_sends)
        a.bytes += r.bytes;
    d_sends.clear();
    d_inflight_bytes = 0;
    d_inflight_sends = 0;
    if (!same_socket)
        d_next_id = 0;
    return a;
}

} // namespace zcdma
} // namespace gr
