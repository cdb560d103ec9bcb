/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "sim_device.h"
#include <gnuradio/zcdma/device.h>
#include <poll.h>
#include <system_error>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstring>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>

using namespace gr::zcdma;

namespace {
// Checks the counter pattern of one slot; returns the number of bad words.
size_t check_counter(const device::sptr& dev, const slot_info& s)
{
    auto* w = reinterpret_cast<const uint64_t*>(dev->slot_data(s.index));
    const uint64_t first = s.seq * dev->info().bufsize / 8;
    size_t bad = 0;
    for (size_t i = 0; i < s.nbytes / 8; i++)
        bad += (w[i] != first + i);
    return bad;
}
} // namespace

BOOST_AUTO_TEST_CASE(counter_is_exact_and_in_ring_order)
{
    auto dev = device::make("sim:pattern=counter,nbufs=5,bufsize=8192");
    BOOST_CHECK_EQUAL(dev->info().nbufs, 5u);
    BOOST_CHECK_EQUAL(dev->info().mmap_size, 5u * 8192u);
    dev->start();
    size_t bad = 0;
    for (uint64_t n = 0; n < 2000; n++) {
        slot_info s;
        BOOST_REQUIRE(dev->acquire(s, 2000));
        BOOST_REQUIRE_EQUAL(s.seq, n);
        BOOST_REQUIRE_EQUAL(s.index, n % 5);
        BOOST_CHECK(!s.overrun);
        bad += check_counter(dev, s);
        // The second copy of the ring shows the same bytes.
        const uint8_t* a = dev->slot_data(s.index);
        BOOST_REQUIRE(memcmp(a, a + dev->info().mmap_size, s.nbytes) == 0);
        dev->release(s.index, s.seq);
    }
    BOOST_CHECK_EQUAL(bad, 0u);
    dev->stop();
    auto st = dev->stats();
    BOOST_CHECK_EQUAL(st.slots_dropped, 0u);
    BOOST_CHECK_EQUAL(st.slots_released, 2000u);
}

BOOST_AUTO_TEST_CASE(realtime_drops_are_visible)
{
    // 4 slots of 4 KiB at 40 MB/s: one slot every ~100 us; hold them all.
    auto dev = device::make("sim:nbufs=4,bufsize=4096,rate=40e6");
    dev->start();
    slot_info held[4];
    for (auto& h : held)
        BOOST_REQUIRE(dev->acquire(h, 2000));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (auto& h : held)
        dev->release(h.index, h.seq);
    slot_info s;
    BOOST_REQUIRE(dev->acquire(s, 2000));
    dev->stop();
    BOOST_CHECK(s.overrun);
    BOOST_CHECK_GT(s.dropped, 0u);
    // The counter jumped by exactly the dropped slots.
    BOOST_CHECK_EQUAL(s.seq, held[3].seq + 1 + s.dropped);
    BOOST_CHECK_EQUAL(check_counter(dev, s), 0u);
    BOOST_CHECK_EQUAL(s.index, 0u); // ring order survives drops
}

BOOST_AUTO_TEST_CASE(release_is_validated)
{
    auto dev = device::make("sim:nbufs=2,bufsize=4096");
    dev->start();
    slot_info s;
    BOOST_REQUIRE(dev->acquire(s, 2000));
    BOOST_CHECK_THROW(dev->release(7, s.seq), std::invalid_argument);
    BOOST_CHECK_THROW(dev->release(s.index, s.seq + 1), std::invalid_argument);
    dev->release(s.index, s.seq);
    BOOST_CHECK_THROW(dev->release(s.index, s.seq), std::invalid_argument);
    BOOST_CHECK_THROW(dev->start(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(stop_rewinds_to_next_index)
{
    auto dev = device::make("sim:nbufs=4,bufsize=4096");
    BOOST_CHECK_THROW(
        {
            slot_info s;
            dev->acquire(s, 0);
        },
        std::logic_error);
    dev->start();
    slot_info s;
    BOOST_REQUIRE(dev->acquire(s, 2000));
    std::this_thread::sleep_for(std::chrono::milliseconds(10)); // ring fills up
    dev->stop();
    BOOST_CHECK_EQUAL(dev->stats().slots_queued, 0u);
    BOOST_CHECK_GT(dev->stats().slots_discarded, 0u);
    dev->release(s.index, s.seq);
    dev->start();
    slot_info t;
    BOOST_REQUIRE(dev->acquire(t, 2000));
    BOOST_CHECK_EQUAL(t.index, (s.index + 1) % 4);
    BOOST_CHECK_EQUAL(check_counter(dev, t), 0u);
    dev->release(t.index, t.seq);
}

BOOST_AUTO_TEST_CASE(eventfd_tracks_filled_slots)
{
    auto dev = device::make("sim:nbufs=2,bufsize=4096");
    pollfd p = { dev->fileno(), POLLIN, 0 };
    BOOST_CHECK_EQUAL(poll(&p, 1, 0), 0);
    dev->start();
    BOOST_CHECK_EQUAL(poll(&p, 1, 2000), 1);
    slot_info a, b;
    BOOST_REQUIRE(dev->acquire(a, 2000));
    BOOST_REQUIRE(dev->acquire(b, 2000));
    // Both slots held: nothing can be filled, so not readable.
    BOOST_CHECK_EQUAL(poll(&p, 1, 50), 0);
    slot_info c;
    BOOST_CHECK(!dev->acquire(c, 10)); // times out, no exception
    dev->release(a.index, a.seq);
    BOOST_CHECK_EQUAL(poll(&p, 1, 2000), 1); // refilled
    dev->release(b.index, b.seq);
}

BOOST_AUTO_TEST_CASE(patterns_and_bad_specs)
{
    for (const char* ok : { "sim:pattern=tone,format=sc16,freq=0.1",
                            "sim:pattern=noise,format=f32,seed=3",
                            "sim:pattern=zeros" }) {
        auto dev = device::make(ok);
        dev->start();
        slot_info s;
        BOOST_REQUIRE(dev->acquire(s, 2000));
        dev->release(s.index, s.seq);
        dev->stop();
    }
    BOOST_CHECK_THROW(device::make("sim:bufsize=1000"), std::invalid_argument);
    BOOST_CHECK_THROW(device::make("sim:nbufs=0"), std::invalid_argument);
    BOOST_CHECK_THROW(device::make("sim:pattern=counter,freq=0.1"),
                      std::invalid_argument);
    BOOST_CHECK_THROW(device::make("sim:pattern=file"), std::invalid_argument);
    BOOST_CHECK_THROW(device::make("sim:pattern=file,file=/nonexistent/x"),
                      std::system_error);
    BOOST_CHECK_THROW(device::make("radio"), std::invalid_argument);
    BOOST_CHECK_THROW(device::make("/nonexistent/zcdma0"), std::system_error);
}

BOOST_AUTO_TEST_CASE(stop_wakes_a_blocked_acquire)
{
    // As the driver's ACQUIRE returns ENODATA after STOP: an acquire(-1)
    // blocked in one thread returns (throws logic_error) when another thread
    // stops the device. Both slots are held, so nothing else can wake it.
    auto dev = device::make("sim:nbufs=2,bufsize=4096,rate=0");
    for (int round = 0; round < 20; round++) {
        dev->start();
        slot_info a, b;
        BOOST_REQUIRE(dev->acquire(a, 2000));
        BOOST_REQUIRE(dev->acquire(b, 2000));
        std::promise<void> entering;
        auto waiter = std::async(std::launch::async, [&] {
            slot_info s;
            entering.set_value();
            return dev->acquire(s, -1) ? std::string("got a slot") : "timed out";
        });
        entering.get_future().wait();
        dev->stop();
        if (waiter.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            BOOST_ERROR("acquire(-1) still blocked 10 s after stop()");
            dev->release(a.index, a.seq); // unblock it (a refill) so the test ends
            dev->release(b.index, b.seq);
            dev->start();
            waiter.wait();
            return;
        }
        BOOST_CHECK_THROW(
            {
                const std::string what = waiter.get();
                BOOST_TEST_MESSAGE(what);
            },
            std::logic_error);
        dev->release(a.index, a.seq);
        dev->release(b.index, b.seq);
        dev->stop();
    }
}

BOOST_AUTO_TEST_CASE(ring_larger_than_half_the_ram_is_refused)
{
    const uint64_t limit = gr::zcdma::sim_device::max_ring_size();
    const uint64_t ram = uint64_t(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
    BOOST_CHECK_EQUAL(limit, std::min<uint64_t>(ram / 2, 1ull << 36));
    const uint64_t nbufs = limit / (1ull << 30) + 1;
    const std::string text = "sim:nbufs=" + std::to_string(nbufs) + ",bufsize=1G";
    try {
        device::make(text);
        BOOST_ERROR("'" + text + "' was accepted");
    } catch (const std::invalid_argument& e) {
        const std::string msg = e.what();
        BOOST_TEST_MESSAGE(msg);
        BOOST_CHECK(msg.find(std::to_string(nbufs << 30) + " bytes") !=
                    std::string::npos);
        BOOST_CHECK(msg.find(std::to_string(limit) + " bytes") != std::string::npos);
    }
    // Just below the limit the geometry is fine (nothing is touched yet).
    const uint64_t fits = limit / 4096 / 2 * 4096;
    BOOST_CHECK_NO_THROW(device::make("sim:nbufs=2,bufsize=" + std::to_string(fits)));
}

BOOST_AUTO_TEST_CASE(samp_rate_counts_samples_of_the_format)
{
    BOOST_CHECK_EQUAL(
        device::make("sim:pattern=tone,format=sc16,samp_rate=1e6")->info().rate,
        4000000u);
    BOOST_CHECK_EQUAL(device::make("sim:pattern=noise,samp_rate=1e6")->info().rate,
                      8000000u);
    BOOST_CHECK_EQUAL(device::make("sim:samp_rate=3e6,itemsize=2")->info().rate,
                      6000000u);
    BOOST_CHECK_EQUAL(device::make("sim:nbufs=010,bufsize=4096")->info().nbufs, 10u);
    BOOST_CHECK_THROW(device::make("sim:samp_rate=1e6"), std::invalid_argument);
    BOOST_CHECK_THROW(device::make("sim:rate=1,samp_rate=1"), std::invalid_argument);
    BOOST_CHECK_THROW(device::make("sim:pattern=tone,format=f32,itemsize=8"),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(sc16be_is_the_counter_with_big_endian_components)
{
    // format=sc16be: the counter's sc16 components (each 16-bit lane of the
    // little-endian words), every one stored big-endian, the VITA-49 order.
    auto dev = device::make("sim:pattern=counter,format=sc16be,nbufs=3,bufsize=4096");
    BOOST_CHECK_EQUAL(dev->info().pattern, "counter");
    dev->start();
    size_t bad = 0;
    for (uint64_t n = 0; n < 7; n++) {
        slot_info s;
        BOOST_REQUIRE(dev->acquire(s, 2000));
        const uint8_t* p = dev->slot_data(s.index);
        const uint64_t first = s.seq * 4096 / 8;
        for (size_t i = 0; i < s.nbytes / 8; i++) {
            const uint64_t word = first + i;
            for (size_t lane = 0; lane < 4; lane++) {
                const auto v = static_cast<uint16_t>(word >> (16 * lane));
                bad += p[8 * i + 2 * lane] != (v >> 8);
                bad += p[8 * i + 2 * lane + 1] != (v & 0xff);
            }
        }
        dev->release(s.index, s.seq);
    }
    dev->stop();
    BOOST_CHECK_EQUAL(bad, 0u);
    // samp_rate counts 4-byte sc16 samples; the other formats are refused.
    BOOST_CHECK_EQUAL(
        device::make("sim:pattern=counter,format=sc16be,samp_rate=1e6")->info().rate,
        4000000u);
    BOOST_CHECK_EQUAL(
        device::make("sim:pattern=counter,format=sc16,samp_rate=1e6")->info().rate,
        4000000u);
    BOOST_CHECK_THROW(device::make("sim:pattern=counter,format=fc32"),
                      std::invalid_argument);
    BOOST_CHECK_THROW(device::make("sim:pattern=counter,format=sc16be,itemsize=8"),
                      std::invalid_argument);
    BOOST_CHECK_THROW(device::make("sim:pattern=zeros,format=sc16be"),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(sc16be_tone_is_the_sc16_tone_byte_swapped)
{
    auto le = device::make("sim:pattern=tone,format=sc16,freq=0.1,bufsize=4096");
    auto be = device::make("sim:pattern=tone,format=sc16be,freq=0.1,bufsize=4096");
    le->start();
    be->start();
    slot_info a, b;
    BOOST_REQUIRE(le->acquire(a, 2000));
    BOOST_REQUIRE(be->acquire(b, 2000));
    const uint8_t* x = le->slot_data(a.index);
    const uint8_t* y = be->slot_data(b.index);
    size_t bad = 0;
    for (size_t i = 0; i < 4096; i += 2)
        bad += x[i] != y[i + 1] || x[i + 1] != y[i];
    BOOST_CHECK_EQUAL(bad, 0u);
    le->release(a.index, a.seq);
    be->release(b.index, b.seq);
    le->stop();
    be->stop();
}
