// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * slot_cycle: what a slot costs in the driver and its DMA engine alone.
 * Configures DEV with NBUFS slots of BUFSIZE bytes, starts it and takes
 * COUNT slots (ZCDMA_IOC_ACQUIRE, then ZCDMA_IOC_RELEASE at once, which
 * re-queues the slot), then prints the wall and CPU time per slot (CPU of
 * this process: the ioctls and what they do; not the engine's own thread).
 * With zcdma_sim.ko's fill=0 that is the per-slot cost of a DMA engine that
 * costs the CPUs nothing.
 *
 *   slot_cycle DEV NBUFS BUFSIZE COUNT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/zcdma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "sender_common.h"

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* A decimal or 0x number in [1, MAX], else 0. */
static unsigned long long number(const char* text, unsigned long long max)
{
    char* end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    return errno || end == text || *end || v < 1 || v > max ? 0 : v;
}

int main(int argc, char** argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: slot_cycle DEV NBUFS BUFSIZE COUNT\n");
        return 2;
    }
    struct zcdma_config cfg = { .nbufs = (__u32)number(argv[2], UINT32_MAX),
                                .bufsize = number(argv[3], UINT32_MAX) };
    const long count = (long)number(argv[4], LONG_MAX);
    if (!cfg.nbufs || !cfg.bufsize || !count) {
        fprintf(stderr,
                "slot_cycle: NBUFS, BUFSIZE and COUNT must be positive numbers, not "
                "'%s' '%s' '%s'\n",
                argv[2],
                argv[3],
                argv[4]);
        return 2;
    }
    int fd = open(argv[1], O_RDWR | O_CLOEXEC);
    if (fd < 0 || ioctl(fd, ZCDMA_IOC_CONFIG, &cfg) || ioctl(fd, ZCDMA_IOC_START)) {
        fprintf(stderr, "slot_cycle: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    struct rusage r0;
    getrusage(RUSAGE_SELF, &r0);
    const double t0 = seconds();
    unsigned long long dropped = 0;
    for (long i = 0; i < count; i++) {
        struct zcdma_acquire a = { .timeout_ms = 1000 };
        if (ioctl(fd, ZCDMA_IOC_ACQUIRE, &a)) {
            fprintf(stderr, "slot_cycle: ZCDMA_IOC_ACQUIRE: %s\n", strerror(errno));
            return 1;
        }
        /* The figures assume every slot arrived whole. */
        if (a.flags & ZCDMA_BUF_ERROR || a.bytes != cfg.bufsize) {
            fprintf(stderr,
                    "slot_cycle: slot %u: flags %#x, %llu of %llu bytes\n",
                    a.index,
                    a.flags,
                    (unsigned long long)a.bytes,
                    (unsigned long long)cfg.bufsize);
            return 1;
        }
        dropped = a.dropped;
        struct zcdma_release r = { .index = a.index, .seq = a.seq };
        if (ioctl(fd, ZCDMA_IOC_RELEASE, &r)) {
            fprintf(stderr, "slot_cycle: ZCDMA_IOC_RELEASE: %s\n", strerror(errno));
            return 1;
        }
    }
    const double wall = seconds() - t0, cpu = cpu_seconds_since(&r0);
    printf("slots %ld of %llu bytes: %.1f us wall, %.1f us CPU per slot (%.2f GB/s), "
           "%llu dropped\n",
           count,
           (unsigned long long)cfg.bufsize,
           wall / count * 1e6,
           cpu / count * 1e6,
           (double)count * cfg.bufsize / wall / 1e9,
           dropped);
    return 0;
}
