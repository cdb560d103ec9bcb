// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * udp_sender: the UDP ceiling. Sends datagrams of PAYLOAD bytes of the
 * counter pattern from a page-backed (memfd) 64 MiB buffer to HOST:PORT until
 * SIGTERM (or BYTES, if nonzero, were sent), then prints
 * "cpu SECONDS sent BYTES" (CPU of the sending loop, user + sys):
 *   (default)     one sendmsg() per datagram;
 *   --gso         as many datagrams per sendmsg() as UDP_SEGMENT takes (64, and
 *                 at most 64 KiB in all);
 *   --zerocopy    MSG_ZEROCOPY (with --gso: both, what zcdma.udp_sink does), a
 *                 region of the buffer reused only after its completion.
 *
 *   udp_sender [--gso] [--zerocopy] PORT PAYLOAD [BYTES [HOST]]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sender_common.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define RING (64u << 20)
#define MAX_SEGS 64
#define MAX_GSO_BYTES 65000 /* one GSO send is one IP packet before segmenting */

static volatile sig_atomic_t stop;
static uint32_t completed_to; /* MSG_ZEROCOPY ids below this are done */

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void reap(int s, int wait) { zerocopy_reap(s, wait ? 100 : 0, &completed_to); }

int main(int argc, char** argv)
{
    int gso = 0, zc = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--gso") == 0)
            gso = 1;
        else if (strcmp(argv[i], "--zerocopy") == 0)
            zc = 1;
        else
            break;
    }
    if (argc - i < 2 || argc - i > 4) {
        fprintf(stderr,
                "usage: udp_sender [--gso] [--zerocopy] PORT PAYLOAD [BYTES [HOST]]\n");
        return 2;
    }
    int port = atoi(argv[i]);
    size_t payload = strtoul(argv[i + 1], NULL, 0);
    unsigned long long want = argc - i > 2 ? strtoull(argv[i + 2], NULL, 0) : 0;
    const char* host = argc - i > 3 ? argv[i + 3] : "127.0.0.1";
    if (payload < 8 || payload > 65507 || (gso && payload > MAX_GSO_BYTES)) {
        fprintf(stderr, "udp_sender: bad payload size %zu\n", payload);
        return 2;
    }
    signal(SIGTERM, on_term);
    uint64_t* buf = counter_buffer("udp_sender", RING);
    if (!buf)
        return 1;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    int one = 1, sndbuf = 4 << 20;
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        connect(s, (struct sockaddr*)&a, sizeof a)) {
        fprintf(stderr, "udp_sender: cannot connect to %s:%d\n", host, port);
        return 1;
    }
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (zc && setsockopt(s, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one)) {
        perror("udp_sender: SO_ZEROCOPY (Linux 5.0+ for UDP)");
        return 1;
    }
    if (gso) {
        int seg = (int)payload;
        if (setsockopt(s, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof seg)) {
            perror("udp_sender: UDP_SEGMENT (Linux 4.18+)");
            return 1;
        }
    }
    size_t segs = MAX_GSO_BYTES / payload;
    if (segs > MAX_SEGS)
        segs = MAX_SEGS;
    const size_t per_call = gso ? payload * segs : payload;
    const size_t slots = RING / per_call;
    struct rusage r0;
    getrusage(RUSAGE_SELF, &r0);
    unsigned long long sent = 0;
    uint32_t calls = 0;
    size_t slot = 0;
    while (!stop && (!want || sent < want)) {
        if (zc) /* never run more than the buffer ahead of completions */
            while (!stop && calls - completed_to >= slots - 1)
                reap(s, 1);
        struct iovec v = { (char*)buf + slot * per_call, per_call };
        struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
        ssize_t n = sendmsg(s, &m, zc ? MSG_ZEROCOPY : 0);
        if (n < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
                if (zc)
                    reap(s, 1);
                continue;
            }
            perror("udp_sender: sendmsg");
            return 1;
        }
        sent += (unsigned long long)n;
        calls += zc;
        slot = (slot + 1) % slots;
        if (zc)
            reap(s, 0);
    }
    printf("cpu %.6f sent %llu\n", cpu_seconds_since(&r0), sent);
    return 0;
}
