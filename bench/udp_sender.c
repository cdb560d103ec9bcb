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
 *                 region of the buffer reused only after its completion;
 *   --ring DEV    (with --zerocopy) send what the zcdma device DEV delivers
 *                 instead, configured as bench/guest_udp.py's zcdma rows (64
 *                 slots of 256 KiB, mapped twice so datagrams cross slot
 *                 boundaries as in the block), a slot released only when the
 *                 send holding its last byte completed: the same source and
 *                 window as zcdma.udp_sink, without GNU Radio.
 *
 *   udp_sender [--gso] [--zerocopy [--ring DEV]] PORT PAYLOAD [BYTES [HOST]]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/zcdma.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* The ring of --ring: slots held (acquired, not yet released) in order. */
#define RING_NBUFS 64
#define RING_BUFSIZE (256u << 10)
#define CALLS 4096 /* sends in flight at most (the loop waits at that) */

struct ring {
    int fd;
    const char* map; /* the ring twice, back to back */
    uint64_t bytes;  /* nbufs * bufsize */
    struct zcdma_acquire held[RING_NBUFS];
    unsigned first, nheld;
    uint64_t acquired;        /* stream bytes acquired */
    uint64_t base;            /* ring offset of stream byte 0 */
    uint64_t call_end[CALLS]; /* stream offset after send id % CALLS */
    uint8_t call_done[CALLS]; /* completed, not yet in the done prefix */
    uint32_t done_to;         /* sends below this id all completed */
};

static int ring_open(struct ring* r, const char* path)
{
    struct zcdma_config cfg = { .nbufs = RING_NBUFS, .bufsize = RING_BUFSIZE };
    struct zcdma_info info = { 0 };
    r->fd = open(path, O_RDWR | O_CLOEXEC);
    if (r->fd < 0 || ioctl(r->fd, ZCDMA_IOC_CONFIG, &cfg) ||
        ioctl(r->fd, ZCDMA_IOC_INFO, &info)) {
        fprintf(stderr, "udp_sender: %s: %s\n", path, strerror(errno));
        return -1;
    }
    r->bytes = info.mmap_size;
    char* area = mmap(NULL, 2 * r->bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (int half = 0; area != MAP_FAILED && half < 2; half++)
        if (mmap(area + half * r->bytes,
                 r->bytes,
                 PROT_READ,
                 MAP_SHARED | MAP_FIXED,
                 r->fd,
                 0) == MAP_FAILED)
            area = MAP_FAILED;
    if (area == MAP_FAILED || ioctl(r->fd, ZCDMA_IOC_START)) {
        fprintf(stderr, "udp_sender: %s: mmap/start: %s\n", path, strerror(errno));
        return -1;
    }
    r->map = area;
    return 0;
}

static void ring_mark_done(void* ring, uint32_t lo, uint32_t hi)
{
    struct ring* r = ring;
    for (uint32_t id = lo; id - lo <= hi - lo; id++)
        r->call_done[id % CALLS] = 1;
}

/*
 * Reads the MSG_ZEROCOPY notifications (waiting up to WAIT_MS for one) and
 * advances done_to over the sends completed without a gap: the kernel may
 * complete a later send first (one dropped at the qdisc is freed at once).
 */
static void ring_reap(struct ring* r, int s, int wait_ms, uint32_t calls)
{
    zerocopy_reap_ranges(s, wait_ms, ring_mark_done, r);
    while (r->done_to != calls && r->call_done[r->done_to % CALLS]) {
        r->call_done[r->done_to % CALLS] = 0;
        r->done_to++;
    }
}

/* Releases the slots whose bytes all completed; -1 on an ioctl error. */
static int ring_release_done(struct ring* r)
{
    uint64_t done = r->done_to ? r->call_end[(r->done_to - 1) % CALLS] : 0;
    while (r->nheld) {
        struct zcdma_acquire* a = &r->held[r->first];
        uint64_t end = (r->acquired - (r->nheld - 1) * (uint64_t)RING_BUFSIZE);
        if (end > done)
            return 0;
        struct zcdma_release rel = { .index = a->index, .seq = a->seq };
        if (ioctl(r->fd, ZCDMA_IOC_RELEASE, &rel))
            return -1;
        r->first = (r->first + 1) % RING_NBUFS;
        r->nheld--;
    }
    return 0;
}

/* Acquires one slot (waiting up to 100 ms): 1, 0 on timeout, -1 on error. */
static int ring_acquire(struct ring* r)
{
    struct zcdma_acquire* a = &r->held[(r->first + r->nheld) % RING_NBUFS];
    *a = (struct zcdma_acquire){ .timeout_ms = 100 };
    if (ioctl(r->fd, ZCDMA_IOC_ACQUIRE, a))
        return errno == ETIMEDOUT || errno == EAGAIN || errno == EINTR ? 0 : -1;
    if (a->flags || a->bytes != RING_BUFSIZE) {
        fprintf(stderr,
                "udp_sender: slot %u: flags %#x, %llu bytes (lossless ring?)\n",
                a->index,
                a->flags,
                (unsigned long long)a->bytes);
        return -1;
    }
    if (!r->acquired)
        r->base = (uint64_t)a->index * RING_BUFSIZE;
    r->nheld++;
    r->acquired += RING_BUFSIZE;
    return 1;
}

int main(int argc, char** argv)
{
    int gso = 0, zc = 0, i = 1;
    const char* ring_path = NULL;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--gso") == 0)
            gso = 1;
        else if (strcmp(argv[i], "--zerocopy") == 0)
            zc = 1;
        else if (strcmp(argv[i], "--ring") == 0 && i + 1 < argc)
            ring_path = argv[++i];
        else
            break;
    }
    if (argc - i < 2 || argc - i > 4 || (ring_path && !zc)) {
        fprintf(stderr,
                "usage: udp_sender [--gso] [--zerocopy [--ring DEV]] PORT PAYLOAD [BYTES "
                "[HOST]]\n");
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
    static struct ring ring;
    uint64_t* buf = ring_path ? NULL : counter_buffer("udp_sender", RING);
    if (ring_path ? ring_open(&ring, ring_path) : !buf)
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
    while (ring_path && !stop && (!want || sent < want)) {
        if (ring_release_done(&ring)) {
            perror("udp_sender: ZCDMA_IOC_RELEASE");
            return 1;
        }
        if (ring.acquired - sent < per_call) {
            int got = ring.nheld < RING_NBUFS ? ring_acquire(&ring) : 0;
            if (got < 0) {
                perror("udp_sender: ZCDMA_IOC_ACQUIRE");
                return 1;
            }
            if (!got)
                ring_reap(&ring, s, ring.nheld == RING_NBUFS ? 100 : 0, calls);
            continue;
        }
        if (calls - ring.done_to >= CALLS - 1) { /* call_end[] would wrap */
            ring_reap(&ring, s, 100, calls);
            continue;
        }
        struct iovec v = { (char*)ring.map + (ring.base + sent) % ring.bytes, per_call };
        struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
        ssize_t n = sendmsg(s, &m, MSG_ZEROCOPY);
        if (n < 0) {
            if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
                ring_reap(&ring, s, 100, calls);
                continue;
            }
            perror("udp_sender: sendmsg");
            return 1;
        }
        sent += (unsigned long long)n;
        ring.call_end[calls++ % CALLS] = sent;
        ring_reap(&ring, s, 0, calls);
    }
    while (!ring_path && !stop && (!want || sent < want)) {
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
