// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * udp_receiver: binds ADDR:PORT (default 127.0.0.1, port 0; prints "port N"
 * first), takes datagrams with recvmmsg() until LIMIT bytes arrived (or 5 s
 * pass without one; 60 s for the first: a sender in a loaded TCG guest can
 * take longer than 5 s to fill its buffer), and prints one summary line,
 * timed from the first datagram: "bytes N seconds S datagrams D".
 * --counter: the datagrams carry the zcdma counter pattern (little-endian
 * 64-bit words, word i of the stream is i): each must hold consecutive words
 * continuing past the previous one (a datagram may be lost, never reordered
 * or rewritten), and the summary line ends with "bad B", the datagrams that
 * did not.
 *
 *   udp_receiver [--counter] LIMIT [ADDR [PORT]]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXDGRAM 65536

/* Whether datagram D (LEN bytes) continues the counter after *NEXT. */
static int counter_ok(const char* d, size_t len, uint64_t* next)
{
    uint64_t w, first;
    if (len < 8 || len % 8)
        return 0;
    memcpy(&first, d, 8);
    first = le64toh(first);
    int ok = first >= *next;
    for (size_t k = 1; ok && k < len / 8; k++) {
        memcpy(&w, d + 8 * k, 8);
        ok = le64toh(w) == first + k;
    }
    *next = first + len / 8;
    return ok;
}

int main(int argc, char** argv)
{
    int counter = argc > 1 && strcmp(argv[1], "--counter") == 0;
    argc -= counter;
    argv += counter;
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: udp_receiver [--counter] LIMIT [ADDR [PORT]]\n");
        return 2;
    }
    unsigned long long limit = strtoull(argv[1], NULL, 0);
    const char* addr = argc > 2 ? argv[2] : "127.0.0.1";
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    int rcvbuf = 16 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_port = htons(argc > 3 ? atoi(argv[3]) : 0);
    socklen_t len = sizeof a;
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1 ||
        bind(s, (struct sockaddr*)&a, sizeof a) ||
        getsockname(s, (struct sockaddr*)&a, &len)) {
        perror("udp_receiver: bind");
        return 1;
    }
    printf("port %d\n", ntohs(a.sin_port));
    fflush(stdout);
    static char bufs[BATCH][MAXDGRAM];
    struct iovec v[BATCH];
    struct mmsghdr m[BATCH];
    for (int i = 0; i < BATCH; i++) {
        v[i] = (struct iovec){ bufs[i], MAXDGRAM };
        m[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &v[i], .msg_iovlen = 1 } };
    }
    struct timeval first = { 60, 0 }, idle = { 5, 0 };
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &first, sizeof first);
    unsigned long long total = 0, datagrams = 0, bad = 0;
    uint64_t next = 0;
    struct timespec t0, t1;
    while (total < limit) {
        int n = recvmmsg(s, m, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0)
            break;
        if (total == 0) {
            clock_gettime(CLOCK_MONOTONIC, &t0);
            setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
        }
        for (int i = 0; i < n; i++) {
            total += m[i].msg_len;
            if (counter && !counter_ok(bufs[i], m[i].msg_len, &next))
                bad++;
        }
        datagrams += (unsigned long long)n;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (total == 0)
        t0 = t1;
    double sec = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("bytes %llu seconds %.6f datagrams %llu", total, sec, datagrams);
    if (counter)
        printf(" bad %llu", bad);
    printf("\n");
    fflush(stdout);
    return 0;
}
