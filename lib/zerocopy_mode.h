/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_ZEROCOPY_MODE_H
#define INCLUDED_ZCDMA_ZEROCOPY_MODE_H

#include <gnuradio/zcdma/tcp_sink.h> // zerocopy_mode
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace gr {
namespace zcdma {

//! A sink's zerocopy= argument; the error names the block ("zcdma.udp_sink").
inline zerocopy_mode parse_zerocopy_mode(const std::string& s, const std::string& block)
{
    if (s == "auto")
        return zerocopy_mode::automatic;
    if (s == "on")
        return zerocopy_mode::on;
    if (s == "off")
        return zerocopy_mode::off;
    throw std::invalid_argument(
        block + ": zerocopy must be 'auto', 'on' or 'off', not '" + s + "'");
}

//! zerocopy="on" when MSG_ZEROCOPY fails with ENOBUFS and nothing is in
//! flight: no completion will make room, and retrying at once would spin.
//! The next zero-copy send waits 1 ms, twice as long after each refusal up
//! to 1 s; a send that goes through starts over at 1 ms.
class zerocopy_backoff
{
public:
    //! A send went through (or start()): no waiting.
    void reset() { d_delay = std::chrono::milliseconds(0); }

    //! MSG_ZEROCOPY was refused: wait before the next try.
    void refused()
    {
        d_delay = d_delay.count() ? std::min(d_delay * 2, max_delay) : first_delay;
        d_retry_at = std::chrono::steady_clock::now() + d_delay;
    }

    //! The next zero-copy send is not due yet.
    bool waiting() const
    {
        return d_delay.count() && std::chrono::steady_clock::now() < d_retry_at;
    }

    //! How long to poll the socket for: until the retry, slice_ms at most.
    int wait_ms(int slice_ms) const
    {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            d_retry_at - std::chrono::steady_clock::now());
        return static_cast<int>(std::clamp<int64_t>(left.count(), 0, slice_ms));
    }

private:
    static constexpr auto first_delay = std::chrono::milliseconds(1);
    static constexpr auto max_delay = std::chrono::milliseconds(1000);
    std::chrono::milliseconds d_delay{ 0 };
    std::chrono::steady_clock::time_point d_retry_at;
};

} // namespace zcdma
} // namespace gr

#endif
