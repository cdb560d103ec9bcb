/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "tcp_link.h"
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <system_error>
#include <unistd.h>
#include <cerrno>
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

socket_address resolve(const std::string& host, int port, bool passive)
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
    socket_address a;
    memcpy(&a.addr, res->ai_addr, res->ai_addrlen);
    a.len = res->ai_addrlen;
    a.text = host + ":" + service;
    freeaddrinfo(res);
    return a;
}

unique_fd listen_on(const socket_address& a)
{
    unique_fd fd(socket(a.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "zcdma.tcp_sink: socket");
    int one = 1;
    setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.len) < 0)
        throw std::system_error(
            errno, std::generic_category(), "zcdma.tcp_sink: bind " + a.text);
    if (listen(fd.get(), 4) < 0)
        throw std::system_error(
            errno, std::generic_category(), "zcdma.tcp_sink: listen " + a.text);
    return fd;
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

unique_fd connect_to(const socket_address& a, int timeout_ms)
{
    unique_fd fd(socket(a.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd)
        return fd;
    if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&a.addr), a.len) < 0) {
        if (errno != EINPROGRESS)
            return unique_fd();
        pollfd p = { fd.get(), POLLOUT, 0 };
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0) {
            errno = r == 0 ? ETIMEDOUT : errno;
            return unique_fd();
        }
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            errno = err;
            return unique_fd();
        }
    }
    return fd;
}

unique_fd accept_peer(int listen_fd, int timeout_ms)
{
    pollfd p = { listen_fd, POLLIN, 0 };
    if (poll(&p, 1, timeout_ms) <= 0)
        return unique_fd();
    return unique_fd(accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
}

void abort_close(unique_fd& fd)
{
    if (!fd)
        return;
    linger l = { 1, 0 };
    setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    fd.reset();
}

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

} // namespace zcdma
} // namespace gr
