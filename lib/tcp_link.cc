/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "tcp_link.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/tcp.h> // struct tcp_info with tcpi_bytes_acked (glibc's lacks it)
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <system_error>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace gr {
namespace zcdma {

void unique_fd::reset(int fd)
{
    if (d_fd >= 0)
        close(d_fd);
    d_fd = fd;
}

namespace {
std::string numeric_text(const sockaddr* sa)
{
    char buf[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET6) {
        auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
        return std::string("[") + buf + "]:" + std::to_string(ntohs(in6->sin6_port));
    }
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(in->sin_port));
}

bool is_ipv6_any(const socket_address& a)
{
    if (a.addr.ss_family != AF_INET6)
        return false;
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a.addr);
    return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
}

int to_ms(backoff::clock::duration d)
{
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(d + microseconds(999)).count();
    return static_cast<int>(std::clamp<int64_t>(ms, 0, 1 << 30));
}
} // namespace

std::vector<socket_address> resolve_all(const std::string& host, int port, bool passive)
{
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = passive ? AI_PASSIVE : 0;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    int rc =
        getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &res);
    if (rc != 0)
        throw std::invalid_argument("zcdma.tcp_sink: cannot resolve host '" + host +
                                    "': " + gai_strerror(rc));
    std::vector<socket_address> out;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(sockaddr_storage))
            continue;
        socket_address a;
        memcpy(&a.addr, ai->ai_addr, ai->ai_addrlen);
        a.len = ai->ai_addrlen;
        a.text = numeric_text(ai->ai_addr);
        unsigned char scratch[sizeof(in6_addr)];
        const bool numeric = inet_pton(AF_INET, host.c_str(), scratch) == 1 ||
                             inet_pton(AF_INET6, host.c_str(), scratch) == 1;
        if (!host.empty() && !numeric) // "localhost [::1]:2000"
            a.text = host + " " + a.text;
        out.push_back(std::move(a));
    }
    freeaddrinfo(res);
    if (passive && host.empty()) // "::" first: dual-stack where IPv6 exists
        std::stable_partition(out.begin(), out.end(), [](const socket_address& a) {
            return a.addr.ss_family == AF_INET6;
        });
    if (out.empty())
        throw std::invalid_argument("zcdma.tcp_sink: host '" + host +
                                    "' has no usable address");
    return out;
}

unique_fd listen_on(const std::vector<socket_address>& addrs, socket_address& bound)
{
    int first_err = 0;
    std::string first_what;
    for (const auto& a : addrs) {
        unique_fd fd(
            socket(a.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        const char* step = "socket";
        if (fd) {
            int one = 1, zero = 0;
            setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            // "::" serves IPv4 peers too, whatever net.ipv6.bindv6only says.
            if (is_ipv6_any(a))
                setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
            step = "bind";
            if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.len) == 0) {
                step = "listen";
                if (listen(fd.get(), 4) == 0) {
                    bound = a;
                    return fd;
                }
            }
        }
        if (!first_err) {
            first_err = errno;
            first_what = std::string("zcdma.tcp_sink: ") + step + " " + a.text;
        }
    }
    throw std::system_error(first_err, std::generic_category(), first_what);
}

int local_port(int fd)
{
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

void set_peer_timeout(int fd, int timeout_ms)
{
    if (timeout_ms <= 0)
        return;
    // Unacknowledged data older than this ends the connection (ETIMEDOUT)...
    unsigned int user_timeout = static_cast<unsigned int>(timeout_ms);
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
    // ...and so do unanswered keepalive probes on an idle connection: with
    // TCP_USER_TIMEOUT set the kernel gives up once that much time passed
    // without an answer, whatever the probe count.
    int one = 1;
    int idle = std::max(1, timeout_ms / 2000);
    int interval = std::max(1, timeout_ms / 4000);
    int count = 3;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

constexpr std::chrono::milliseconds backoff::first;
constexpr std::chrono::milliseconds backoff::max;
constexpr uint64_t tcp_link::delivered_bytes;

bool backoff::ready(clock::time_point now, int& remaining_ms) const
{
    if (now >= d_until)
        return true;
    remaining_ms = std::max(1, to_ms(d_until - now));
    return false;
}

void backoff::wait_more(clock::time_point now)
{
    d_until = now + d_delay;
    d_delay = std::min(d_delay * 2, max);
}

void backoff::reset()
{
    d_until = {};
    d_delay = first;
}

tcp_link::tcp_link(const std::string& host,
                   int port,
                   bool server,
                   int connect_timeout_ms,
                   int peer_timeout_ms)
    : d_server(server),
      d_connect_timeout_ms(connect_timeout_ms),
      d_peer_timeout_ms(peer_timeout_ms),
      d_port(port)
{
    auto addrs = resolve_all(host, port, server); // throws for an unresolvable host
    d_family = addrs.front().addr.ss_family;
    if (server) {
        d_listen = listen_on(addrs, d_current); // EADDRINUSE & co. surface here
        d_family = d_current.addr.ss_family;
        d_port = local_port(d_listen.get());
        auto* sa = reinterpret_cast<sockaddr*>(&d_current.addr);
        if (sa->sa_family == AF_INET6)
            reinterpret_cast<sockaddr_in6*>(sa)->sin6_port = htons(d_port);
        else
            reinterpret_cast<sockaddr_in*>(sa)->sin_port = htons(d_port);
        d_current.text = numeric_text(sa);
        d_local_text = d_peer_text = d_current.text;
    } else {
        d_current = addrs.front();
        d_local_text = d_peer_text = d_current.text;
        // Every round of attempts resolves again: the name may move.
        d_resolve = [host, port] { return resolve_all(host, port, false); };
    }
}

tcp_link::tcp_link(resolver r, int connect_timeout_ms, int peer_timeout_ms)
    : d_server(false),
      d_connect_timeout_ms(connect_timeout_ms),
      d_peer_timeout_ms(peer_timeout_ms),
      d_resolve(std::move(r))
{
}

void tcp_link::restart()
{
    d_pending.reset();
    d_addrs.clear();
    d_next_addr = 0;
    d_backoff.reset();
}

unique_fd tcp_link::poll_peer(int wait_ms)
{
    return d_server ? poll_accept(wait_ms) : poll_connect(wait_ms);
}

void tcp_link::ready(const unique_fd& fd)
{
    set_peer_timeout(fd.get(), d_peer_timeout_ms);
    d_connected_at = backoff::clock::now();
    if (!d_server)
        d_peer_text = d_current.text;
    d_next_addr = d_addrs.size(); // the next connection resolves again
}

bool tcp_link::start_round()
{
    d_resolutions++;
    d_next_addr = 0;
    try {
        d_addrs = d_resolve();
    } catch (const std::exception& e) {
        d_addrs.clear();
        if (d_warn && (d_connect_failures == 0 || d_backoff.at_max()))
            d_warn(std::string(e.what()) + "; retrying");
    }
    return !d_addrs.empty();
}

void tcp_link::attempt_failed(int err, bool timed_out)
{
    if (timed_out)
        d_connect_timeouts++;
    const bool last = d_next_addr >= d_addrs.size();
    if (d_warn && (d_connect_failures == 0 || d_backoff.at_max()))
        d_warn("cannot connect to " + d_current.text + ": " + strerror(err) +
               (last ? "; retrying" : "; trying the next address"));
    d_connect_failures++;
    if (last)
        d_backoff.wait_more(backoff::clock::now());
}

unique_fd tcp_link::poll_connect(int wait_ms)
{
    using clock = backoff::clock;
    const auto end = clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
        auto now = clock::now();
        const int left = to_ms(end - now);
        if (!d_pending) {
            int rest = 0;
            if (!d_backoff.ready(now, rest)) {
                poll(nullptr, 0, std::min(rest, left));
                if (rest >= left)
                    return unique_fd();
                continue;
            }
            if (d_next_addr >= d_addrs.size() && !start_round()) {
                d_connect_failures++;
                d_backoff.wait_more(now);
                continue;
            }
            d_current = d_addrs[d_next_addr++];
            const auto& a = d_current;
            unique_fd fd(
                socket(a.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
            if (!fd) {
                attempt_failed(errno, false);
                continue;
            }
            if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.len) ==
                0) {
                ready(fd);
                return fd;
            }
            if (errno != EINPROGRESS) {
                attempt_failed(errno, false);
                continue;
            }
            // The handshake takes at least one round trip, however long:
            // it stays pending across calls until connect_timeout.
            d_pending = std::move(fd);
            d_deadline = now + std::chrono::milliseconds(d_connect_timeout_ms);
        }
        pollfd p = { d_pending.get(), POLLOUT, 0 };
        int r = poll(&p, 1, std::min(left, to_ms(d_deadline - now)));
        if (r < 0 && errno != EINTR)
            r = 1; // let SO_ERROR tell
        if (r > 0) {
            int err = 0;
            socklen_t len = sizeof err;
            if (getsockopt(d_pending.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
            unique_fd fd = std::move(d_pending);
            if (!err) {
                ready(fd);
                return fd;
            }
            attempt_failed(err, false);
            continue;
        }
        now = clock::now();
        if (now >= d_deadline) {
            d_pending.reset();
            attempt_failed(ETIMEDOUT, true);
            continue;
        }
        if (now >= end)
            return unique_fd();
    }
}

unique_fd tcp_link::poll_accept(int wait_ms)
{
    int rest = 0;
    if (!d_backoff.ready(backoff::clock::now(), rest)) {
        poll(nullptr, 0, std::min(rest, wait_ms));
        if (rest >= wait_ms)
            return unique_fd();
        wait_ms -= rest;
    }
    pollfd p = { d_listen.get(), POLLIN, 0 };
    if (poll(&p, 1, wait_ms) <= 0)
        return unique_fd();
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    unique_fd fd(accept4(d_listen.get(),
                         reinterpret_cast<sockaddr*>(&ss),
                         &len,
                         SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) {
        const int err = errno;
        if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ECONNABORTED)
            return fd;
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: the peer stays queued and the
        // listening socket readable; wait instead of spinning on it.
        if (d_warn && (d_accept_failures == 0 || d_backoff.at_max()))
            d_warn(std::string("accept on ") + d_current.text + ": " + strerror(err) +
                   "; retrying");
        d_accept_failures++;
        d_backoff.wait_more(backoff::clock::now());
        return fd;
    }
    d_peer_text = numeric_text(reinterpret_cast<sockaddr*>(&ss));
    ready(fd);
    return fd;
}

void tcp_link::dropped(int fd)
{
    // A peer that took data may go: try again at once. One that hung up
    // before taking any waits the back-off, growing each time. "Took" is
    // more than the peer's kernel acknowledges for an application that
    // never reads (its initial receive window, ~64 KiB): 1 MiB, or any data
    // over a connection that lasted longer than the longest back-off.
    tcp_info ti{};
    socklen_t len = sizeof ti;
    uint64_t acked = 0;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
        len >= offsetof(tcp_info, tcpi_bytes_acked) + sizeof ti.tcpi_bytes_acked)
        acked = ti.tcpi_bytes_acked; // counts the SYN as 1
    const auto now = backoff::clock::now();
    const bool delivered =
        acked > delivered_bytes || (acked > 1 && now - d_connected_at > 5 * backoff::max);
    if (delivered)
        d_backoff.reset();
    else
        d_backoff.wait_more(now);
}

void abort_close(unique_fd& fd)
{
    if (!fd)
        return;
    linger l = { 1, 0 };
    setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    fd.reset();
}

} // namespace zcdma
} // namespace gr
