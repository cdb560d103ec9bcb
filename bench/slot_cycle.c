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
#include <linux/zcdma.h>
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

int main(int argc, char** argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: slot_cycle DEV NBUFS BUFSIZE COUNT\n");
        return 2;
    }
    struct zcdma_config cfg = { .nbufs = (__u32)strtoul(argv[2], NULL, 0),
                                .bufsize = strtoull(argv[3], NULL, 0) };
    const long count = strtol(argv[4], NULL, 0);
    if (count < 1) {
        fprintf(stderr, "slot_cycle: bad COUNT '%s'\n", argv[4]);
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
    for (long i = 0; i < count; i++) {
        struct zcdma_acquire a = { .timeout_ms = 1000 };
        if (ioctl(fd, ZCDMA_IOC_ACQUIRE, &a)) {
            fprintf(stderr, "slot_cycle: ZCDMA_IOC_ACQUIRE: %s\n", strerror(errno));
            return 1;
        }
        struct zcdma_release r = { .index = a.index, .seq = a.seq };
        if (ioctl(fd, ZCDMA_IOC_RELEASE, &r)) {
            fprintf(stderr, "slot_cycle: ZCDMA_IOC_RELEASE: %s\n", strerror(errno));
            return 1;
        }
    }
    const double wall = seconds() - t0, cpu = cpu_seconds_since(&r0);
    printf("slots %ld of %llu bytes: %.1f us wall, %.1f us CPU per slot (%.2f GB/s)\n",
           count,
           (unsigned long long)cfg.bufsize,
           wall / count * 1e6,
           cpu / count * 1e6,
           (double)count * cfg.bufsize / wall / 1e9);
    return 0;
}
