/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "tcp_link.h"
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <vector>

using namespace gr::zcdma;
using clock_type = backoff::clock;

namespace {
socket_address loopback(int port)
{
    return resolve_all("127.0.0.1", port, false).front();
}

// A bound, not listening socket: connecting to its port is refused.
struct refused {
    unique_fd fd{ socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) };
    int port;
    refused()
    {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BOOST_REQUIRE(bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        port = local_port(fd.get());
    }
};

unique_fd connect_blocking(const socket_address& a)
{
    unique_fd fd(socket(a.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.len) < 0)
        return unique_fd();
    return fd;
}
} // namespace

BOOST_AUTO_TEST_CASE(backoff_doubles_to_two_seconds_and_resets)
{
    backoff b;
    const auto t0 = clock_type::now();
    int rest = 0;
    BOOST_CHECK(b.ready(t0, rest));
    int expect[] = { 100, 200, 400, 800, 1600, 2000, 2000 };
    for (int ms : expect) {
        b.wait_more(t0);
        BOOST_CHECK(!b.ready(t0, rest));
        BOOST_CHECK_EQUAL(rest, ms);
    }
    BOOST_CHECK(b.at_max());
    b.reset();
    BOOST_CHECK(b.ready(t0, rest));
    b.wait_more(t0);
    BOOST_CHECK(!b.ready(t0, rest));
    BOOST_CHECK_EQUAL(rest, 100);
}

// Every address of a name is tried in order, and each new connection
// (after a drop) resolves the name again.
BOOST_AUTO_TEST_CASE(tries_every_address_and_resolves_again)
{
    refused dead;
    tcp_link server("127.0.0.1", 0, true, 1000, 0);
    int calls = 0;
    tcp_link client(
        [&] {
            calls++;
            return std::vector<socket_address>{ loopback(dead.port),
                                                loopback(server.port()) };
        },
        1000,
        2000);
    unique_fd c = client.poll_peer(5000);
    BOOST_REQUIRE(c);
    BOOST_CHECK_EQUAL(client.connect_failures(), 1u);
    BOOST_CHECK_EQUAL(client.connect_timeouts(), 0u);
    BOOST_CHECK_EQUAL(calls, 1);
    BOOST_CHECK(client.peer_text() == "127.0.0.1:" + std::to_string(server.port()));
    unique_fd s = server.poll_peer(5000);
    BOOST_REQUIRE(s);

    // The peer timeout is set on the connected socket.
    unsigned int ut = 0;
    socklen_t len = sizeof ut;
    BOOST_CHECK(getsockopt(c.get(), IPPROTO_TCP, 18 /* TCP_USER_TIMEOUT */, &ut, &len) ==
                0);
    BOOST_CHECK_EQUAL(ut, 2000u);
    int ka = 0;
    len = sizeof ka;
    getsockopt(c.get(), SOL_SOCKET, SO_KEEPALIVE, &ka, &len);
    BOOST_CHECK_EQUAL(ka, 1);

    // Dropped before any data was acknowledged: the next attempt waits the
    // back-off (100 ms) instead of coming at once.
    client.dropped(c.get());
    c.reset();
    BOOST_CHECK(client.backing_off());
    BOOST_CHECK(!client.poll_peer(20));
    BOOST_CHECK_EQUAL(calls, 1);
    unique_fd c2 = client.poll_peer(5000);
    BOOST_REQUIRE(c2);
    BOOST_CHECK_EQUAL(calls, 2); // resolved again
    BOOST_CHECK_EQUAL(client.connect_failures(), 2u);
}

BOOST_AUTO_TEST_CASE(drop_after_delivered_data_retries_at_once)
{
    tcp_link server("127.0.0.1", 0, true, 1000, 0);
    tcp_link client("127.0.0.1", server.port(), false, 1000, 0);
    unique_fd c = client.poll_peer(5000);
    BOOST_REQUIRE(c);
    unique_fd s = server.poll_peer(5000);
    BOOST_REQUIRE(s);
    // More than delivered_bytes, read by the peer.
    std::vector<char> buf(tcp_link::delivered_bytes + 65536);
    size_t sent = 0, got = 0;
    while (got < buf.size()) {
        if (sent < buf.size()) {
            ssize_t n = send(c.get(), buf.data() + sent, buf.size() - sent, MSG_DONTWAIT);
            if (n > 0)
                sent += n;
        }
        ssize_t n = recv(s.get(), buf.data(), buf.size() - got, MSG_DONTWAIT);
        if (n > 0)
            got += n;
    }
    // The sender has its ACKs once recv() returned; wait for them to be processed.
    for (int i = 0; i < 1000; i++) {
        int unacked = -1;
        if (ioctl(c.get(), TIOCOUTQ, &unacked) == 0 && unacked == 0)
            break;
        usleep(1000);
    }
    client.dropped(c.get());
    c.reset();
    BOOST_CHECK(!client.backing_off()); // the next attempt comes at once
    BOOST_CHECK(client.poll_peer(5000));
}

BOOST_AUTO_TEST_CASE(dual_stack_server)
{
    tcp_link server("::", 0, true, 1000, 0);
    BOOST_CHECK_EQUAL(server.family(), AF_INET6);
    for (const char* host : { "127.0.0.1", "::1" }) {
        unique_fd c = connect_blocking(resolve_all(host, server.port(), false).front());
        BOOST_REQUIRE_MESSAGE(c, host);
        unique_fd s = server.poll_peer(5000);
        BOOST_CHECK_MESSAGE(s, host);
    }
}

// A failed accept() (EMFILE) leaves the peer queued and the listening socket
// readable: the link must wait, not spin.
BOOST_AUTO_TEST_CASE(accept_failure_backs_off)
{
    tcp_link server("127.0.0.1", 0, true, 1000, 0);
    unique_fd c = connect_blocking(loopback(server.port()));
    BOOST_REQUIRE(c);
    // A low soft limit keeps the hog small whatever ulimit -n says.
    rlimit old{};
    BOOST_REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
    rlimit low = old;
    low.rlim_cur = std::min<rlim_t>(old.rlim_cur, 1024);
    BOOST_REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    std::vector<unique_fd> hog;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            break;
        hog.emplace_back(fd);
    }
    BOOST_REQUIRE(errno == EMFILE);
    BOOST_CHECK(!server.poll_peer(1000));
    BOOST_CHECK_EQUAL(server.accept_failures(), 1u);
    BOOST_CHECK(server.backing_off());
    // Within the 100 ms back-off: no new accept() at all.
    BOOST_CHECK(!server.poll_peer(30));
    BOOST_CHECK_EQUAL(server.accept_failures(), 1u);
    hog.clear();
    setrlimit(RLIMIT_NOFILE, &old);
    unique_fd s = server.poll_peer(5000);
    BOOST_CHECK(s);
    BOOST_CHECK_EQUAL(server.accept_failures(), 1u);
}
