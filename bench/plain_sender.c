// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * plain_sender: the ceiling. Sends 1 MiB chunks of the counter pattern from
 * a page-backed (memfd) 64 MiB buffer to HOST:PORT until BYTES are sent:
 *   (default)     send();
 *   --zerocopy    send(MSG_ZEROCOPY), a chunk reused only after its
 *                 completion (error queue);
 *   --uring-zc    io_uring IORING_OP_SEND_ZC from the buffer registered as a
 *                 fixed buffer, 4 linked MSG_WAITALL sends per submit (in
 *                 order, whole), a chunk reused only after its notification;
 *   --uring-zc-unregistered  the same without registering the buffer (pages
 *                 pinned per send, as for MSG_ZEROCOPY): what a sink reading
 *                 a read-only ring mapping could do.
 *
 *   plain_sender [--zerocopy|--uring-zc|--uring-zc-unregistered] PORT BYTES [HOST]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sender_common.h"

#define CHUNK (1u << 20)
#define RING (64u << 20)
#define NCHUNK (RING / CHUNK)
#define BATCH 4

static uint32_t completed_to; /* MSG_ZEROCOPY ids below this are done */

static void reap(int s, int wait) { zerocopy_reap(s, wait ? 1000 : 0, &completed_to); }

static int send_loop(int s, char* buf, unsigned long long want, int zc)
{
    unsigned long long sent = 0;
    uint32_t calls = 0;
    while (sent < want) {
        size_t off = sent % RING, len = CHUNK - off % CHUNK;
        if (zc) /* never run more than the ring ahead of completions */
            while (calls - completed_to >= NCHUNK - 1)
                reap(s, 1);
        ssize_t n = send(s, buf + off, len, zc ? MSG_ZEROCOPY : 0);
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
    return 0;
}

/* One CQE: a send's result (data) or a buffer's release (notification). */
static unsigned expect[NCHUNK]; /* bytes of the send in flight from each chunk */

static int uring_reap(struct io_uring* ring, int wait, char* pending, int* data_out)
{
    struct io_uring_cqe* cqe;
    int r = wait ? io_uring_wait_cqe(ring, &cqe) : io_uring_peek_cqe(ring, &cqe);
    if (r)
        return r == -EAGAIN ? 0 : r;
    unsigned idx = (unsigned)cqe->user_data;
    if (cqe->flags & IORING_CQE_F_NOTIF) {
        pending[idx] = 0;
    } else {
        (*data_out)--;
        if (cqe->res != (int)expect[idx]) {
            fprintf(stderr, "plain_sender: SEND_ZC: %s\n",
                    cqe->res < 0 ? strerror(-cqe->res) : "short send");
            return -EIO;
        }
        if (!(cqe->flags & IORING_CQE_F_MORE)) /* no notification will follow */
            pending[idx] = 0;
    }
    io_uring_cqe_seen(ring, cqe);
    return 1;
}

static int uring_loop(int s, char* buf, unsigned long long want, int fixed)
{
    struct io_uring ring;
    int r = io_uring_queue_init(4 * NCHUNK, &ring, 0);
    if (r) {
        fprintf(stderr, "plain_sender: io_uring_queue_init: %s\n", strerror(-r));
        return 1;
    }
    struct iovec iov = { buf, RING };
    r = fixed ? io_uring_register_buffers(&ring, &iov, 1) : 0;
    if (r) {
        fprintf(stderr, "plain_sender: io_uring_register_buffers: %s\n", strerror(-r));
        return 1;
    }
    char pending[NCHUNK] = { 0 }; /* chunk handed to the kernel, not released */
    int data_out = 0;
    unsigned long long sent = 0;
    while (sent < want) {
        struct io_uring_sqe* last = NULL;
        for (int n = 0; n < BATCH && sent < want; n++) {
            unsigned idx = (unsigned)((sent % RING) / CHUNK);
            unsigned len = want - sent < CHUNK ? (unsigned)(want - sent) : CHUNK;
            while (pending[idx])
                if ((r = uring_reap(&ring, 1, pending, &data_out)) < 0)
                    return 1;
            struct io_uring_sqe* sqe = io_uring_get_sqe(&ring);
            if (fixed)
                io_uring_prep_send_zc_fixed(
                    sqe, s, buf + (size_t)idx * CHUNK, len, MSG_WAITALL, 0, 0);
            else
                io_uring_prep_send_zc(sqe, s, buf + (size_t)idx * CHUNK, len, MSG_WAITALL, 0);
            sqe->user_data = idx;
            expect[idx] = len;
            sent += len;
            sqe->flags |= IOSQE_IO_LINK; /* the stream stays in order */
            last = sqe;
            pending[idx] = 1;
            data_out++;
        }
        last->flags &= ~IOSQE_IO_LINK; /* the last one ends the chain */
        io_uring_submit(&ring);
        while (data_out)
            if ((r = uring_reap(&ring, 1, pending, &data_out)) < 0)
                return 1;
    }
    for (unsigned i = 0; i < NCHUNK; i++)
        while (pending[i])
            if ((r = uring_reap(&ring, 1, pending, &data_out)) < 0)
                return 1;
    io_uring_queue_exit(&ring);
    return 0;
}

int main(int argc, char** argv)
{
    int zc = argc > 1 && strcmp(argv[1], "--zerocopy") == 0;
    int uring = argc > 1 && strcmp(argv[1], "--uring-zc") == 0;
    int uring_unreg = argc > 1 && strcmp(argv[1], "--uring-zc-unregistered") == 0;
    int a = zc || uring || uring_unreg;
    if (argc < 3 + a || argc > 4 + a) {
        fprintf(stderr,
                "usage: plain_sender [--zerocopy|--uring-zc|--uring-zc-unregistered] "
                "PORT BYTES [HOST]\n");
        return 2;
    }
    int port = atoi(argv[1 + a]);
    unsigned long long want = strtoull(argv[2 + a], NULL, 0);
    const char* host = argc > 3 + a ? argv[3 + a] : "127.0.0.1";
    uint64_t* buf = counter_buffer("plain_sender", RING);
    if (!buf)
        return 1;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (zc && setsockopt(s, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof one)) {
        perror("SO_ZEROCOPY");
        return 1;
    }
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "plain_sender: bad IPv4 address '%s'\n", host);
        return 2;
    }
    if (connect(s, (struct sockaddr*)&sa, sizeof sa)) {
        perror("connect");
        return 1;
    }
    struct rusage r0;
    getrusage(RUSAGE_SELF, &r0);
    int r = uring || uring_unreg ? uring_loop(s, (char*)buf, want, uring)
                                 : send_loop(s, (char*)buf, want, zc);
    /* CPU of the sending alone, not of filling the buffer. */
    printf("cpu %.6f\n", cpu_seconds_since(&r0));
    close(s);
    return r;
}
