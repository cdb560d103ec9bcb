/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_STATS_MESSAGE_H
#define INCLUDED_ZCDMA_STATS_MESSAGE_H

#include <pmt/pmt.h>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace gr {
namespace zcdma {

//! A sink's stats() as the dict its "stats" message port posts.
inline pmt::pmt_t stats_message(const std::map<std::string, uint64_t>& stats)
{
    pmt::pmt_t dict = pmt::make_dict();
    for (const auto& kv : stats)
        dict = pmt::dict_add(dict, pmt::intern(kv.first), pmt::from_uint64(kv.second));
    return dict;
}

//! When a sink's periodic "stats" message is due: every interval seconds
//! (checked from work()), at once when forced (stop() posts the final
//! counts), never when the interval is 0. Not thread-safe: work() and
//! start()/stop() use it, which the scheduler does not overlap.
class stats_pacer
{
public:
    explicit stats_pacer(double interval_s) : d_interval_s(interval_s) {}

    //! The next due() is true (start()).
    void restart() { d_next = std::chrono::steady_clock::now(); }

    //! True when a message is due now; the next one is then an interval away.
    bool due(bool force = false)
    {
        if (d_interval_s <= 0)
            return false;
        const auto now = std::chrono::steady_clock::now();
        if (!force && now < d_next)
            return false;
        d_next =
            now + std::chrono::microseconds(static_cast<int64_t>(d_interval_s * 1e6));
        return true;
    }

private:
    const double d_interval_s;
    std::chrono::steady_clock::time_point d_next;
};

} // namespace zcdma
} // namespace gr

#endif
