/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_STATS_MESSAGE_H
#define INCLUDED_ZCDMA_STATS_MESSAGE_H

#include <pmt/pmt.h>
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

} // namespace zcdma
} // namespace gr

#endif
