// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * What the benchmark's C senders (plain_sender, udp_sender) share: the
 * page-backed counter buffer they send from, the MSG_ZEROCOPY completion
 * reap, and the CPU time of the sending loop.
 */
#ifndef ZCDMA_BENCH_SENDER_COMMON_H
#define ZCDMA_BENCH_SENDER_COMMON_H

#include <errno.h>
#include <linux/errqueue.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * SIZE bytes of memfd pages holding the counter pattern (word i is i):
 * page-backed like the zcdma ring, so MSG_ZEROCOPY pins pages, not anonymous
 * memory. NULL (with a message naming NAME) on failure.
 */
static inline uint64_t* counter_buffer(const char* name, size_t size)
{
    int fd = memfd_create(name, 0);
    if (fd < 0 || ftruncate(fd, (off_t)size)) {
        fprintf(stderr, "%s: memfd: %s\n", name, strerror(errno));
        return NULL;
    }
    uint64_t* buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd); /* the mapping keeps the pages */
    if (buf == MAP_FAILED) {
        fprintf(stderr, "%s: mmap: %s\n", name, strerror(errno));
        return NULL;
    }
    for (size_t i = 0; i < size / 8; i++)
        buf[i] = i;
    return buf;
}

/*
 * Reads the MSG_ZEROCOPY notifications queued on S, after waiting up to
 * WAIT_MS for one (0: not at all), and calls ON_RANGE(CTX, LO, HI) for each
 * range of completed send ids (sends are counted from 0 on each socket).
 */
static inline void zerocopy_reap_ranges(int s,
                                        int wait_ms,
                                        void (*on_range)(void*, uint32_t, uint32_t),
                                        void* ctx)
{
    struct pollfd p = { s, 0, 0 };
    if (wait_ms)
        poll(&p, 1, wait_ms);
    for (;;) {
        char ctl[128];
        struct msghdr m = { .msg_control = ctl, .msg_controllen = sizeof ctl };
        if (recvmsg(s, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
            return;
        for (struct cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            struct sock_extended_err* e = (void*)CMSG_DATA(c);
            if (e->ee_origin == SO_EE_ORIGIN_ZEROCOPY)
                on_range(ctx, e->ee_info, e->ee_data);
        }
    }
}

static inline void completed_to_highest(void* completed_to, uint32_t lo, uint32_t hi)
{
    (void)lo;
    if (hi + 1 > *(uint32_t*)completed_to)
        *(uint32_t*)completed_to = hi + 1;
}

/*
 * zerocopy_reap_ranges() where *COMPLETED_TO becomes one past the highest
 * completed send id: right for a buffer the sender never rewrites.
 */
static inline void zerocopy_reap(int s, int wait_ms, uint32_t* completed_to)
{
    zerocopy_reap_ranges(s, wait_ms, completed_to_highest, completed_to);
}

/* User + system CPU seconds of this process since R0 (a getrusage()). */
static inline double cpu_seconds_since(const struct rusage* r0)
{
    struct rusage r1;
    getrusage(RUSAGE_SELF, &r1);
    return (r1.ru_utime.tv_sec - r0->ru_utime.tv_sec) +
           (r1.ru_stime.tv_sec - r0->ru_stime.tv_sec) +
           ((r1.ru_utime.tv_usec - r0->ru_utime.tv_usec) +
            (r1.ru_stime.tv_usec - r0->ru_stime.tv_usec)) /
               1e6;
}

#endif
