/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "completion_tracker.h"
#include <boost/test/unit_test.hpp>

using gr::zcdma::completion_tracker;

BOOST_AUTO_TEST_CASE(in_order_and_coalesced)
{
    completion_tracker t;
    for (int i = 0; i < 4; i++)
        t.add_zerocopy(100);
    BOOST_CHECK_EQUAL(t.inflight_bytes(), 400u);
    BOOST_CHECK_EQUAL(t.take_done(), 0u);
    BOOST_CHECK_EQUAL(t.complete(0, 2, false), 3u); // one coalesced range
    BOOST_CHECK_EQUAL(t.take_done(), 300u);
    BOOST_CHECK_EQUAL(t.inflight_bytes(), 100u);
    BOOST_CHECK_EQUAL(t.complete(3, 3, true), 1u);
    BOOST_CHECK_EQUAL(t.take_done(), 100u);
    BOOST_CHECK_EQUAL(t.zerocopy_bytes(), 300u);
    BOOST_CHECK_EQUAL(t.copied_bytes(), 100u);
    BOOST_CHECK(t.empty());
}

BOOST_AUTO_TEST_CASE(out_of_order_waits_for_head)
{
    completion_tracker t;
    t.add_zerocopy(10);
    t.add_zerocopy(20);
    t.add_zerocopy(30);
    t.complete(2, 2, false);
    t.complete(1, 1, false);
    BOOST_CHECK_EQUAL(t.take_done(), 0u); // id 0 still in flight
    t.complete(0, 0, false);
    BOOST_CHECK_EQUAL(t.take_done(), 60u);
}

BOOST_AUTO_TEST_CASE(plain_and_partial_sends_interleave)
{
    completion_tracker t;
    t.add_zerocopy(7); // a partial send: 7 of more bytes
    t.add_plain(5);
    t.add_zerocopy(3);
    BOOST_CHECK_EQUAL(t.take_done(), 0u); // plain bytes wait behind id 0
    t.complete(0, 0, false);
    BOOST_CHECK_EQUAL(t.take_done(), 12u);
    t.complete(1, 1, false);
    BOOST_CHECK_EQUAL(t.take_done(), 3u);
    BOOST_CHECK_EQUAL(t.plain_bytes(), 5u);
}

BOOST_AUTO_TEST_CASE(unknown_and_duplicate_ids)
{
    completion_tracker t;
    t.add_zerocopy(1);
    BOOST_CHECK_EQUAL(t.complete(0, 1, false), 1u);
    BOOST_CHECK_EQUAL(t.unknown_ids(), 1u);
    BOOST_CHECK_EQUAL(t.complete(0, 0, false), 0u); // already done
    BOOST_CHECK_EQUAL(t.unknown_ids(), 2u);
    BOOST_CHECK_EQUAL(t.take_done(), 1u);
}

BOOST_AUTO_TEST_CASE(ranges_wrap_at_32_bits)
{
    completion_tracker w;
    w.add_zerocopy(1); // id 0
    w.add_zerocopy(1); // id 1
    // 0xffffffff..1 spans the wrap: it covers ids 0 and 1 (0xffffffff is unknown).
    BOOST_CHECK_EQUAL(w.complete(0xffffffffu, 1, false), 2u);
    BOOST_CHECK_EQUAL(w.unknown_ids(), 1u);
    BOOST_CHECK_EQUAL(w.take_done(), 2u);
}

BOOST_AUTO_TEST_CASE(abandon_reports_lost_bytes)
{
    completion_tracker t;
    t.add_zerocopy(100);
    t.add_zerocopy(50);
    t.complete(0, 0, false);
    const auto a = t.abandon();
    BOOST_CHECK_EQUAL(a.bytes, 150u); // the done head was not taken: it goes too
    BOOST_CHECK_EQUAL(a.inflight, 50u);
    BOOST_CHECK(t.empty());
    BOOST_CHECK_EQUAL(t.inflight_bytes(), 0u);
    t.add_zerocopy(9); // new socket: id 0 again
    BOOST_CHECK_EQUAL(t.complete(0, 0, false), 1u);
    BOOST_CHECK_EQUAL(t.take_done(), 9u);
}

BOOST_AUTO_TEST_CASE(abandon_hands_back_done_sends_behind_one_in_flight)
{
    // auto mode switched to plain send() with zero-copy sends still in
    // flight, and an out-of-order completion: every byte must come back.
    completion_tracker t;
    t.add_zerocopy(10); // id 0, never completes
    t.add_zerocopy(20); // id 1, completes out of order
    t.add_plain(30);
    t.add_plain(40);
    t.complete(1, 1, false);
    BOOST_CHECK_EQUAL(t.take_done(), 0u); // all wait behind id 0
    const auto a = t.abandon();
    BOOST_CHECK_EQUAL(a.bytes, 100u);
    BOOST_CHECK_EQUAL(a.inflight, 10u);
    BOOST_CHECK(t.empty());
    BOOST_CHECK_EQUAL(t.take_done(), 0u);
}

BOOST_AUTO_TEST_CASE(ids_wrap_at_32_bits)
{
    // The kernel's notification id is a u32 per socket: after 2^32 sends it
    // wraps. Start just below the wrap and complete across it.
    completion_tracker t(0xfffffffeu);
    for (int i = 0; i < 5; i++)
        t.add_zerocopy(10 + i);                     // ids fffffffe, ffffffff, 0, 1, 2
    BOOST_CHECK_EQUAL(t.complete(0, 0, false), 1u); // out of order, past the wrap
    BOOST_CHECK_EQUAL(t.take_done(), 0u);
    BOOST_CHECK_EQUAL(t.complete(0xfffffffeu, 0xffffffffu, true), 2u);
    BOOST_CHECK_EQUAL(t.take_done(), 10u + 11 + 12);
    // One coalesced range across the wrap, overlapping a done id.
    BOOST_CHECK_EQUAL(t.complete(0xffffffffu, 2, false), 2u);
    BOOST_CHECK_EQUAL(t.unknown_ids(), 2u); // ffffffff and 0 were already done
    BOOST_CHECK_EQUAL(t.take_done(), 13u + 14);
    BOOST_CHECK_EQUAL(t.copied_bytes(), 21u);
    BOOST_CHECK_EQUAL(t.zerocopy_bytes(), 12u + 13 + 14);
    BOOST_CHECK(t.empty());
    BOOST_CHECK_EQUAL(t.inflight_sends(), 0u);
    t.add_zerocopy(1); // id 3
    BOOST_CHECK_EQUAL(t.complete(3, 3, false), 1u);
}

BOOST_AUTO_TEST_CASE(abandon_restarts_ids_at_zero_after_a_wrap)
{
    completion_tracker t(0xffffffffu);
    t.add_zerocopy(1);
    t.add_zerocopy(1);
    t.abandon();
    t.add_zerocopy(7); // a new socket numbers from 0
    BOOST_CHECK_EQUAL(t.complete(0, 0, false), 1u);
    BOOST_CHECK_EQUAL(t.take_done(), 7u);
    BOOST_CHECK_EQUAL(t.unknown_ids(), 0u);
}

BOOST_AUTO_TEST_CASE(abandon_on_the_same_socket_keeps_numbering)
{
    // udp_sink keeps its socket across stop()/start(): the kernel's ids go on.
    completion_tracker t;
    t.add_zerocopy(5); // id 0
    BOOST_CHECK_EQUAL(t.complete(0, 0, false), 1u);
    BOOST_CHECK_EQUAL(t.take_done(), 5u);
    t.add_zerocopy(3); // id 1, never completed
    const auto gone = t.abandon(true);
    BOOST_CHECK_EQUAL(gone.inflight, 3u);
    t.add_zerocopy(7); // id 2
    BOOST_CHECK_EQUAL(t.complete(2, 2, false), 1u);
    BOOST_CHECK_EQUAL(t.take_done(), 7u);
    BOOST_CHECK_EQUAL(t.unknown_ids(), 0u);
}
