// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Copyright 2026 gr-zcdma authors
 *
 * A tiny static guest program for the ARM VM (tests/vm/arm/vm-arm): maps a
 * zcdma ring, starts it, acquires and releases COUNT slots in order and
 * prints what the kernel reported. Exit status 0 only when every slot came
 * in sequence and the stats agree.
 *
 *     zcdma-acquire [DEVICE [COUNT [NBUFS BUFSIZE]]]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/zcdma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char* what)
{
    fprintf(stderr, "zcdma-acquire: %s: %s\n", what, strerror(errno));
    return 1;
}

int main(int argc, char** argv)
{
    const char* path = argc > 1 ? argv[1] : "/dev/zcdma0";
    unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 0) : 16;
    struct zcdma_info info;
    struct zcdma_stats st;
    uint64_t expect = 0;
    unsigned long i;
    double t0;
    void* ring;
    int fd;

    fd = open(path, O_RDWR);
    if (fd < 0)
        return fail(path);
    if (argc > 4) {
        struct zcdma_config cfg;

        memset(&cfg, 0, sizeof(cfg));
        cfg.nbufs = strtoul(argv[3], NULL, 0);
        cfg.bufsize = strtoull(argv[4], NULL, 0);
        if (ioctl(fd, ZCDMA_IOC_CONFIG, &cfg))
            return fail("CONFIG");
    }
    memset(&info, 0, sizeof(info));
    if (ioctl(fd, ZCDMA_IOC_INFO, &info))
        return fail("INFO");
    printf("info: abi %u page %u nbufs %u bufsize %" PRIu64 " mmap %" PRIu64 "\n",
           info.abi_version,
           info.page_size,
           info.nbufs,
           info.bufsize,
           info.mmap_size);
    ring = mmap(NULL, info.mmap_size, PROT_READ, MAP_SHARED, fd, 0);
    if (ring == MAP_FAILED)
        return fail("mmap");
    if (ioctl(fd, ZCDMA_IOC_START))
        return fail("START");
    t0 = now();
    for (i = 0; i < count; i++) {
        struct zcdma_acquire acq;
        struct zcdma_release rel;
        const uint32_t* w;

        memset(&acq, 0, sizeof(acq));
        acq.timeout_ms = 10000;
        if (ioctl(fd, ZCDMA_IOC_ACQUIRE, &acq))
            return fail("ACQUIRE");
        w = (const uint32_t*)((const char*)ring + (size_t)acq.index * info.bufsize);
        if (i < 4 || i + 1 == count || acq.seq != expect)
            printf("#%lu slot %u seq %" PRIu64 " bytes %" PRIu64
                   " flags %#x dropped %" PRIu64 " words %08x %08x\n",
                   i,
                   acq.index,
                   acq.seq,
                   acq.bytes,
                   acq.flags,
                   acq.dropped,
                   w[0],
                   w[1]);
        if (acq.seq < expect) {
            fprintf(stderr,
                    "zcdma-acquire: seq %" PRIu64 " < %" PRIu64 "\n",
                    acq.seq,
                    expect);
            return 1;
        }
        expect = acq.seq + 1;
        memset(&rel, 0, sizeof(rel));
        rel.index = acq.index;
        rel.seq = acq.seq;
        if (ioctl(fd, ZCDMA_IOC_RELEASE, &rel))
            return fail("RELEASE");
    }
    printf("acquired %lu slots of %" PRIu64 " bytes in %.3f s\n",
           count,
           info.bufsize,
           now() - t0);
    memset(&st, 0, sizeof(st));
    if (ioctl(fd, ZCDMA_IOC_STATS, &st))
        return fail("STATS");
    printf("stats: filled %" PRIu64 " acquired %" PRIu64 " released %" PRIu64
           " dropped %" PRIu64 " overruns %" PRIu64 " queued %u\n",
           st.slots_filled,
           st.slots_acquired,
           st.slots_released,
           st.slots_dropped,
           st.overruns,
           st.slots_queued);
    if (ioctl(fd, ZCDMA_IOC_STOP))
        return fail("STOP");
    munmap(ring, info.mmap_size);
    close(fd);
    return st.slots_acquired == count && st.slots_released == count ? 0 : 1;
}
