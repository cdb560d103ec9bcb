/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_TCP_LINK_H
#define INCLUDED_ZCDMA_TCP_LINK_H

#include <sys/socket.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace gr {
namespace zcdma {

//! Owns a file descriptor.
class unique_fd
{
public:
    unique_fd() = default;
    explicit unique_fd(int fd) : d_fd(fd) {}
    ~unique_fd() { reset(); }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    unique_fd(unique_fd&& o) noexcept : d_fd(o.release()) {}
    unique_fd& operator=(unique_fd&& o) noexcept
    {
        reset(o.release());
        return *this;
    }
    int get() const { return d_fd; }
    explicit operator bool() const { return d_fd >= 0; }
    int release()
    {
        int fd = d_fd;
        d_fd = -1;
        return fd;
    }
    void reset(int fd = -1);

private:
    int d_fd = -1;
};

struct socket_address {
    sockaddr_storage addr{};
    socklen_t len = 0;
    std::string text; // "host:port" (IPv6: "[host]:port") for messages
};

/*! Every address host:port resolves to, in getaddrinfo's order (RFC 6724:
 *  "localhost" gives ::1 before 127.0.0.1 where /etc/hosts lists both).
 *  Throws std::invalid_argument naming the host when it cannot be resolved. */
std::vector<socket_address> resolve_all(const std::string& host, int port, bool passive);

/*! Listening, non-blocking socket on the first address that binds; "::"
 *  (or an empty host) listens dual-stack. Throws std::system_error
 *  (EADDRINUSE, ...) for the first address when none binds. */
unique_fd listen_on(const std::vector<socket_address>& addrs, socket_address& bound);

//! Port a bound socket got (for port 0).
int local_port(int fd);

/*! TCP_USER_TIMEOUT and keepalive: a peer that vanishes without FIN or RST
 *  (power loss, cable, NAT timeout) ends the connection with ETIMEDOUT after
 *  about timeout_ms, idle or not. 0 leaves the kernel defaults (~15 min). */
void set_peer_timeout(int fd, int timeout_ms);

//! Back-off between attempts: 100 ms doubling to 2 s.
class backoff
{
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds first{ 100 };
    static constexpr std::chrono::milliseconds max{ 2000 };

    //! Whether the wait is over; else how long it still runs (for poll()).
    bool ready(clock::time_point now, int& remaining_ms) const;
    //! Wait the current delay from now on, then double it.
    void wait_more(clock::time_point now);
    //! Next attempt right away, then from 100 ms again.
    void reset();
    bool at_max() const { return d_delay == max; }

private:
    clock::time_point d_until{};
    std::chrono::milliseconds d_delay = first;
};

/*!
 * Connection management of the TCP sink, both modes.
 *
 * Client: resolves host:port again for every round of attempts and tries
 * each address in order; a non-blocking connect stays pending across calls
 * of poll_peer() until it completes or connect_timeout_ms passes, so a peer
 * with a round trip above one call's wait is reached. A failed round waits
 * the back-off. Server: accepts one peer at a time; a failed accept()
 * (EMFILE, ENFILE, ENOMEM, ...) waits the back-off instead of spinning on a
 * listening socket that stays readable. After a peer is dropped the next
 * attempt (or accept) comes at once if the peer had taken data (see dropped()),
 * else after the back-off: a peer that keeps hanging up early is not hammered.
 */
class tcp_link
{
public:
    using resolver = std::function<std::vector<socket_address>()>;
    //! A dropped peer that acknowledged more than this resets the back-off.
    static constexpr uint64_t delivered_bytes = 1 << 20;

    //! Server mode binds here (throws); client mode resolves once to check the name.
    tcp_link(const std::string& host,
             int port,
             bool server,
             int connect_timeout_ms,
             int peer_timeout_ms);
    //! Client with an explicit resolver (tests).
    tcp_link(resolver r, int connect_timeout_ms, int peer_timeout_ms);
    tcp_link(const tcp_link&) = delete;
    tcp_link& operator=(const tcp_link&) = delete;

    /*! Wait up to wait_ms for a peer. Returns a connected non-blocking socket
     *  with the peer timeout set, or an invalid fd when none is ready yet. */
    unique_fd poll_peer(int wait_ms);
    //! The peer on fd is being dropped (call before closing fd).
    void dropped(int fd);
    //! A new start(): forget pending attempts and the back-off.
    void restart();
    //! Where warnings (cannot connect, accept failed) go.
    void on_warning(std::function<void(const std::string&)> f) { d_warn = std::move(f); }

    //! Whether the next attempt (or accept) waits for the back-off.
    bool backing_off() const
    {
        int rest;
        return !d_backoff.ready(backoff::clock::now(), rest);
    }
    int port() const { return d_port; }
    //! Address family of the (first) peer or listening address.
    int family() const { return d_family; }
    //! "host:port" of the current or last peer, for messages.
    const std::string& peer_text() const { return d_peer_text; }
    //! Where server mode listens; in client mode the first address.
    const std::string& local_text() const { return d_local_text; }

    uint64_t connect_failures() const { return d_connect_failures; }
    uint64_t connect_timeouts() const { return d_connect_timeouts; }
    uint64_t accept_failures() const { return d_accept_failures; }
    uint64_t resolutions() const { return d_resolutions; }

private:
    unique_fd poll_connect(int wait_ms);
    unique_fd poll_accept(int wait_ms);
    bool start_round();
    void attempt_failed(int err, bool timed_out);
    void ready(const unique_fd& fd);

    const bool d_server;
    const int d_connect_timeout_ms;
    const int d_peer_timeout_ms;
    resolver d_resolve;
    int d_port = 0;
    int d_family = AF_INET;
    unique_fd d_listen;
    backoff d_backoff;

    std::vector<socket_address> d_addrs; // this round's addresses
    size_t d_next_addr = 0;              // the one to try next
    unique_fd d_pending;                 // connect in progress
    socket_address d_current;            // its address
    backoff::clock::time_point d_deadline{};
    backoff::clock::time_point d_connected_at{};

    std::atomic<uint64_t> d_connect_failures{ 0 };
    std::atomic<uint64_t> d_connect_timeouts{ 0 };
    std::atomic<uint64_t> d_accept_failures{ 0 };
    std::atomic<uint64_t> d_resolutions{ 0 };
    std::string d_peer_text;
    std::string d_local_text;
    std::function<void(const std::string&)> d_warn;
};

//! Abortive close (RST): the kernel drops queued data and its page references.
void abort_close(unique_fd& fd);

} // namespace zcdma
} // namespace gr

#endif
