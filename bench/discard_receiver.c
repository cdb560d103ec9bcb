// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * discard_receiver: accept one TCP connection, read until the peer closes or
 * LIMIT bytes arrived, optionally check the counter pattern (DESIGN §5), and
 * print one summary line. Prints "port N" first (default: 127.0.0.1, port 0).
 *
 *   discard_receiver [--check] LIMIT [ADDR [PORT]]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    int check = argc > 1 && strcmp(argv[1], "--check") == 0;
    if (argc < 2 + check || argc > 4 + check) {
        fprintf(stderr, "usage: discard_receiver [--check] LIMIT [ADDR [PORT]]\n");
        return 2;
    }
    unsigned long long limit = strtoull(argv[1 + check], NULL, 0);
    const char* addr = argc > 2 + check ? argv[2 + check] : "127.0.0.1";
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_port = htons(argc > 3 + check ? atoi(argv[3 + check]) : 0);
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
        fprintf(stderr, "discard_receiver: bad IPv4 address '%s'\n", addr);
        return 2;
    }
    socklen_t len = sizeof a;
    if (bind(srv, (struct sockaddr*)&a, sizeof a) || listen(srv, 1) ||
        getsockname(srv, (struct sockaddr*)&a, &len)) {
        perror("discard_receiver: listen");
        return 1;
    }
    printf("port %d\n", ntohs(a.sin_port));
    fflush(stdout);
    int c = accept(srv, NULL, NULL);
    if (c < 0) {
        perror("discard_receiver: accept");
        return 1;
    }
    static uint8_t buf[4 << 20];
    unsigned long long total = 0, bad = 0, word = 0;
    size_t carry = 0;
    struct timespec t0, t1;
    while (total < limit) {
        ssize_t n = recv(c, buf + carry, sizeof buf - carry, 0);
        if (n <= 0)
            break;
        if (total == 0) /* from the first byte: connecting is not streaming */
            clock_gettime(CLOCK_MONOTONIC, &t0);
        total += (unsigned long long)n;
        if (check) {
            size_t have = carry + (size_t)n, whole = have & ~(size_t)7;
            for (size_t i = 0; i < whole; i += 8) {
                uint64_t w;
                memcpy(&w, buf + i, 8);
                bad += w != word++;
            }
            carry = have - whole;
            memmove(buf, buf + whole, carry);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (total == 0)
        t0 = t1;
    double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("bytes %llu seconds %.6f mismatches %llu\n", total, s, bad);
    fflush(stdout);
    close(c);
    return 0;
}
