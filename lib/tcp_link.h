/* -*- c++ -*- */
/*
 * Copyright 2026 gr-zcdma authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ZCDMA_TCP_LINK_H
#define INCLUDED_ZCDMA_TCP_LINK_H

#include <sys/socket.h>
#include <cstdint>
#include <string>

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
    std::string text; // "host:port" for messages
};

/*! Resolve host:port (numeric or by name). Throws std::invalid_argument
 *  naming the host when it cannot be resolved. */
socket_address resolve(const std::string& host, int port, bool passive);

//! Listening, non-blocking socket. Throws std::system_error (EADDRINUSE, ...).
unique_fd listen_on(const socket_address& a);

//! Port a bound socket got (for port 0).
int local_port(int fd);

/*! Connect, waiting up to timeout_ms. Returns an invalid fd and sets errno
 *  on failure (ECONNREFUSED, ETIMEDOUT, ...). */
unique_fd connect_to(const socket_address& a, int timeout_ms);

//! Accept one peer, waiting up to timeout_ms; invalid fd on timeout.
unique_fd accept_peer(int listen_fd, int timeout_ms);

//! Abortive close (RST): the kernel drops queued data and its page references.
void abort_close(unique_fd& fd);

/*! Read one MSG_ZEROCOPY notification from the error queue. Returns 1 and
 *  fills lo/hi/copied, 0 when the queue is empty, -1 (errno set) when the
 *  socket reports an error instead. */
int read_zerocopy_notification(int fd, uint32_t& lo, uint32_t& hi, bool& copied);

} // namespace zcdma
} // namespace gr

#endif
