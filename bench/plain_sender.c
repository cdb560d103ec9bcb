// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * plain_sender: the ceiling. send() of 1 MiB chunks of the counter pattern
 * from a page-backed (memfd) buffer to 127.0.0.1:PORT until BYTES are sent.
 * With --zerocopy, MSG_ZEROCOPY and completion-gated reuse of a 64 MiB ring.
 *
 *   plain_sender [--zerocopy] PORT BYTES
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK (1u << 20)
#define RING (64u << 20)

static uint32_t completed_to; /* ids below this are done */

static void reap(int s, int wait)
{
    struct pollfd p = { s, 0, 0 };
    if (wait)
        poll(&p, 1, 1000);
    for (;;) {
        char ctl[128];
        struct msghdr m = { .msg_control = ctl, .msg_controllen = sizeof ctl };
        if (recvmsg(s, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
            return;
        for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            struct sock_extended_err* e = (void*)CMSG_DATA(c);
            if (e->ee_origin == SO_EE_ORIGIN_ZEROCOPY && e->ee_data + 1 > completed_to)
                completed_to = e->ee_data + 1;
        }
    }
}

int main(int argc, char** argv)
{
    int zc = argc > 1 && strcmp(argv[1], "--zerocopy") == 0;
    if (argc != 3 + zc) {
        fprintf(stderr, "usage: plain_sender [--zerocopy] PORT BYTES\n");
        return 2;
    }
    int port = atoi(argv[1 + zc]);
    unsigned long long want = strtoull(argv[2 + zc], NULL, 0);
    int fd = memfd_create("plain_sender", 0);
    if (fd < 0 || ftruncate(fd, RING))
        return 1;
    uint64_t* ring = mmap(NULL, RING, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ring == MAP_FAILED)
        return 1;
    for (size_t i = 0; i < RING / 8; i++)
        ring[i] = i;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (zc && setsockopt(s, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one)) {
        perror("SO_ZEROCOPY");
        return 1;
    }
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(s, (struct sockaddr*)&a, sizeof a)) {
        perror("connect");
        return 1;
    }
    unsigned long long sent = 0;
    uint32_t calls = 0;
    while (sent < want) {
        size_t off = sent % RING, len = CHUNK - off % CHUNK;
        if (zc) /* never run more than the ring ahead of completions */
            while (calls - completed_to >= RING / CHUNK - 1)
                reap(s, 1);
        ssize_t n = send(s, (char*)ring + off, len, zc ? MSG_ZEROCOPY : 0);
        if (n < 0) {
            if (errno == ENOBUFS) {
                reap(s, 1);
                continue;
            }
            perror("send");
            return 1;
        }
        sent += (unsigned long long)n;
        calls += zc;
        if (zc)
            reap(s, 0);
    }
    close(s);
    return 0;
}
