// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * Copyright 2026 gr-zcdma authors
 *
 * The guest program of the ARM VM (tests/vm/arm/vm-arm): zcdma.ko on
 * Linux's pl330 driver, static, on the uapi header only.
 *
 *     zcdma-acquire uart DEVICE         the UART1 receive FIFO is the ADC
 *     zcdma-acquire free DEVICE MAGIC [SLOTS]   pl330 reads an iRAM word
 *     zcdma-acquire short DEVICE MAGIC  a few slots (after a reload)
 *
 * uart: the host feeds the counter pattern (little-endian u64 word k at
 * stream byte 8k) into QEMU's second serial port, exactly the bytes this
 * program asks for with a console line "=== zcdma-feed: N". Every byte of
 * every slot is checked; ACQUIRE must time out while the feed pauses (with
 * a slot half filled) and continue when it resumes, and a pause of the
 * source is not an overrun; with the reader stopped and the feed running
 * the ring fills, the engine runs out of queued transfers, and the next
 * slot must carry ZCDMA_BUF_OVERRUN (the driver's own detection: pl330
 * knows nothing of zcdma). QEMU's UART holds bytes back when its FIFO is
 * full, so none are lost: the stream stays continuous across the overrun.
 *
 * free: an unused request line is always ready, the engine runs free from
 * a fixed iRAM address holding MAGIC: every 32-bit word must be MAGIC.
 * Throughput, STOP/START cycles under load, and the overrun of a stopped
 * reader.
 *
 * Prints "PENDING: ..." for what the driver under test cannot do yet (an
 * ABI 1 driver has no generic overrun detection) and fails on anything
 * else unexpected. Exit status 0 when every check passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/zcdma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct ring {
    const char* path;
    int fd;
    struct zcdma_info info;
    const uint8_t* base;
    uint64_t next_seq;      /* the sequence the next slot must have (at least) */
    uint64_t stream;        /* uart: stream bytes checked so far */
    int restarted;          /* STOP and START since the last slot */
    uint32_t overrun_flags; /* flags of the last slot flagged overrun */
};

/* ABI 2: how an overrun's loss was counted (kmod/include/uapi). */
#ifdef ZCDMA_BUF_DROPS_UNKNOWN
#define DROPS_ESTIMATED ZCDMA_BUF_DROPS_ESTIMATED
#define DROPS_UNKNOWN ZCDMA_BUF_DROPS_UNKNOWN
#else
#define DROPS_ESTIMATED 0
#define DROPS_UNKNOWN 0
#endif

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int failf(const char* fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    printf("FAIL: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    return 1;
}

static int ring_open(struct ring* r, const char* path, uint32_t nbufs, uint64_t bufsize)
{
    struct zcdma_config cfg;

    memset(r, 0, sizeof(*r));
    r->path = path;
    r->fd = open(path, O_RDWR);
    if (r->fd < 0)
        return failf("open %s: %s", path, strerror(errno));
    memset(&cfg, 0, sizeof(cfg));
    cfg.nbufs = nbufs;
    cfg.bufsize = bufsize;
    if (ioctl(r->fd, ZCDMA_IOC_CONFIG, &cfg))
        return failf("CONFIG %u x %" PRIu64 ": %s", nbufs, bufsize, strerror(errno));
    if (ioctl(r->fd, ZCDMA_IOC_INFO, &r->info))
        return failf("INFO: %s", strerror(errno));
    r->base = mmap(NULL, r->info.mmap_size, PROT_READ, MAP_SHARED, r->fd, 0);
    if (r->base == MAP_FAILED)
        return failf("mmap: %s", strerror(errno));
    printf("%s: abi %u nbufs %u bufsize %" PRIu64 "\n",
           path,
           r->info.abi_version,
           r->info.nbufs,
           r->info.bufsize);
    return 0;
}

static void ring_close(struct ring* r)
{
    munmap((void*)r->base, r->info.mmap_size);
    close(r->fd);
}

static int ring_ioctl(struct ring* r, unsigned long cmd, const char* name)
{
    if (ioctl(r->fd, cmd))
        return failf("%s: %s", name, strerror(errno));
    return 0;
}

/* 0, or the errno of ACQUIRE (ETIMEDOUT, EAGAIN, ...). */
static int acquire(struct ring* r, int timeout_ms, struct zcdma_acquire* acq)
{
    memset(acq, 0, sizeof(*acq));
    acq->timeout_ms = timeout_ms;
    return ioctl(r->fd, ZCDMA_IOC_ACQUIRE, acq) ? errno : 0;
}

static int release(struct ring* r, const struct zcdma_acquire* acq)
{
    struct zcdma_release rel;

    memset(&rel, 0, sizeof(rel));
    rel.index = acq->index;
    rel.seq = acq->seq;
    if (ioctl(r->fd, ZCDMA_IOC_RELEASE, &rel))
        return failf(
            "RELEASE slot %u seq %" PRIu64 ": %s", acq->index, acq->seq, strerror(errno));
    return 0;
}

static int stats(struct ring* r, struct zcdma_stats* st)
{
    memset(st, 0, sizeof(*st));
    if (ioctl(r->fd, ZCDMA_IOC_STATS, st))
        return failf("STATS: %s", strerror(errno));
    return 0;
}

static void print_stats(struct ring* r)
{
    struct zcdma_stats st;

    if (stats(r, &st))
        return;
    printf("%s stats: filled %" PRIu64 " acquired %" PRIu64 " released %" PRIu64
           " dropped %" PRIu64 " overruns %" PRIu64 " discarded %" PRIu64
           " failed %" PRIu64 " short %" PRIu64 "\n",
           r->path,
           st.slots_filled,
           st.slots_acquired,
           st.slots_released,
           st.slots_dropped,
           st.overruns,
           st.slots_discarded,
           st.slots_failed,
           st.slots_short);
}

/* At least n slots filled and not acquired (the reader stopped). */
static int wait_filled(struct ring* r, uint32_t n, double timeout_s)
{
    struct timespec tick = { 0, 10 * 1000 * 1000 };
    double end = now() + timeout_s;
    struct zcdma_stats st;

    for (;;) {
        if (stats(r, &st))
            return 1;
        if (st.slots_queued >= n)
            return 0;
        if (now() > end)
            return failf(
                "%u of %u slots filled after %.0f s", st.slots_queued, n, timeout_s);
        nanosleep(&tick, NULL);
    }
}

static int overrun_flagged(const struct zcdma_acquire* acq)
{
    return (acq->flags & ZCDMA_BUF_OVERRUN) != 0;
}

/*
 * The sequence never goes back; it skips only on a slot flagged overrun or
 * after STOP and START (transfers STOP cut short or discarded count).
 */
static int check_seq(struct ring* r, const struct zcdma_acquire* acq)
{
    int may_skip = overrun_flagged(acq) || r->restarted;

    r->restarted = 0;
    if (acq->seq < r->next_seq || (acq->seq != r->next_seq && !may_skip))
        return failf("%s: slot %u seq %" PRIu64 " flags %#x, expected seq %" PRIu64,
                     r->path,
                     acq->index,
                     acq->seq,
                     acq->flags,
                     r->next_seq);
    r->next_seq = acq->seq + 1;
    return 0;
}

static uint8_t counter_byte(uint64_t off)
{
    return (uint8_t)((off / 8) >> (8 * (off % 8)));
}

/* uart: every byte of the slot continues the counter pattern. */
static int check_counter(struct ring* r, const struct zcdma_acquire* acq)
{
    const uint8_t* p = r->base + (size_t)acq->index * r->info.bufsize;
    uint64_t i;

    if (acq->bytes != r->info.bufsize)
        return failf("slot seq %" PRIu64 ": %" PRIu64 " bytes", acq->seq, acq->bytes);
    for (i = 0; i < acq->bytes; i++) {
        if (p[i] != counter_byte(r->stream + i))
            return failf("slot seq %" PRIu64 " byte %" PRIu64 " (stream %" PRIu64
                         "): %#04x, expected %#04x",
                         acq->seq,
                         i,
                         r->stream + i,
                         p[i],
                         counter_byte(r->stream + i));
    }
    r->stream += acq->bytes;
    return 0;
}

static void feed(uint64_t bytes)
{
    printf("=== zcdma-feed: %" PRIu64 "\n", bytes);
    fflush(stdout);
}

/* Take n slots (each within timeout_ms), checking sequence and bytes. */
static int take_uart(struct ring* r, unsigned n, int timeout_ms, unsigned* overruns)
{
    struct zcdma_acquire acq;
    unsigned i;
    int err;

    for (i = 0; i < n; i++) {
        err = acquire(r, timeout_ms, &acq);
        if (err)
            return failf("ACQUIRE %u of %u (stream byte %" PRIu64 "): %s",
                         i + 1,
                         n,
                         r->stream,
                         strerror(err));
        if (overrun_flagged(&acq)) {
            printf("slot seq %" PRIu64 ": flags %#x dropped %" PRIu64
                   " (stream byte %" PRIu64 ")\n",
                   acq.seq,
                   acq.flags,
                   acq.dropped,
                   r->stream);
            r->overrun_flags = acq.flags;
            if (overruns)
                (*overruns)++;
            else
                return failf("slot seq %" PRIu64
                             " flagged overrun while the reader kept up",
                             acq.seq);
        }
        if (check_seq(r, &acq) || check_counter(r, &acq) || release(r, &acq))
            return 1;
    }
    return 0;
}

/* Feed one slot and take it, n times (grants stay slot aligned). */
static int stream_uart(struct ring* r, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        feed(r->info.bufsize);
        if (take_uart(r, 1, 60000, NULL))
            return 1;
    }
    return 0;
}

static int test_uart(const char* path)
{
    const uint32_t nbufs = 8;
    const uint64_t b = 4096, part = 1024, held = 63;
    struct zcdma_acquire acq;
    unsigned overruns = 0, i;
    struct ring r;
    double t0;
    int err;

    if (ring_open(&r, path, nbufs, b) || ring_ioctl(&r, ZCDMA_IOC_START, "START"))
        return 1;

    /* 1. A stream. */
    t0 = now();
    if (stream_uart(&r, 16))
        return 1;
    printf("uart: 16 slots, %" PRIu64 " bytes checked in %.2f s (%.1f KB/s)\n",
           r.stream,
           now() - t0,
           r.stream / (now() - t0) / 1e3);

    /* 2. The feed pauses with a slot part filled: ACQUIRE times out. */
    feed(part);
    err = acquire(&r, 1000, &acq);
    if (err != ETIMEDOUT)
        return failf("ACQUIRE while the feed paused: %s, expected ETIMEDOUT",
                     err ? strerror(err) : "a slot");
    printf("uart: feed paused with %" PRIu64
           " bytes of the next slot sent: ACQUIRE timed out\n",
           part);

    /* 3. The feed resumes: the part-filled slot completes, then 7 more;
     * a pause of the source is not an overrun. */
    feed(b - part);
    if (take_uart(&r, 1, 60000, NULL) || stream_uart(&r, 7))
        return 1;
    printf("uart: feed resumed: 8 more slots in sequence, no overrun flag\n");

    /*
     * 4. The reader stops, the feed runs on: the ring fills and the engine
     * runs out of queued transfers while more bytes arrive (held fit in
     * the UART's FIFO: QEMU loses a FIFO filled to the brim, see qemu-feed).
     */
    for (i = 0; i < nbufs; i++) {
        feed(b);
        if (wait_filled(&r, i + 1, 60))
            return 1;
    }
    feed(held);
    printf("uart: reader stopped: all %u slots filled, %" PRIu64 " more bytes sent\n",
           nbufs,
           held);
    if (take_uart(&r, nbufs, 1000, &overruns))
        return 1;
    if (overruns)
        return failf("a slot filled before the ring ran full was flagged overrun");
    feed(b - held);
    if (take_uart(&r, 1, 60000, &overruns))
        return 1;
    if (!overruns && r.info.abi_version < 2)
        printf("PENDING: no ZCDMA_BUF_OVERRUN after the engine ran dry (ABI %u driver: "
               "no generic "
               "overrun detection)\n",
               r.info.abi_version);
    else if (overruns != 1)
        return failf("the first slot after the engine ran dry was not flagged overrun");
    else if ((r.overrun_flags & (DROPS_UNKNOWN | DROPS_ESTIMATED)) != DROPS_UNKNOWN)
        return failf("overrun flags %#x: no stream rate in the device tree, expected "
                     "ZCDMA_BUF_DROPS_UNKNOWN alone",
                     r.overrun_flags);
    else
        printf("uart: overrun flagged (flags %#x: drops unknown) on the first slot after "
               "the "
               "engine ran dry\n",
               r.overrun_flags);
    if (stream_uart(&r, 3))
        return 1;
    printf("uart: %" PRIu64
           " bytes checked, the counter continuous (the UART held the bytes)\n",
           r.stream);
    if (ring_ioctl(&r, ZCDMA_IOC_STOP, "STOP"))
        return 1;
    print_stats(&r);
    ring_close(&r);
    return 0;
}

/* free: every 32-bit word of the slot is the iRAM word. */
static int check_magic(struct ring* r, const struct zcdma_acquire* acq, uint32_t magic)
{
    const uint32_t* w = (const uint32_t*)(r->base + (size_t)acq->index * r->info.bufsize);
    uint64_t i;

    if (acq->bytes != r->info.bufsize)
        return failf("slot seq %" PRIu64 ": %" PRIu64 " bytes", acq->seq, acq->bytes);
    for (i = 0; i < acq->bytes / 4; i++)
        if (w[i] != magic)
            return failf("slot seq %" PRIu64 " word %" PRIu64 ": %08x, expected %08x",
                         acq->seq,
                         i,
                         w[i],
                         magic);
    return 0;
}

static int take_free(struct ring* r, unsigned n, uint32_t magic, unsigned* overruns)
{
    struct zcdma_acquire acq;
    unsigned i;
    int err;

    for (i = 0; i < n; i++) {
        err = acquire(r, 10000, &acq);
        if (err)
            return failf("ACQUIRE %u of %u: %s", i + 1, n, strerror(err));
        if (overrun_flagged(&acq)) {
            r->overrun_flags = acq.flags;
            (*overruns)++;
        }
        if (check_seq(r, &acq) || check_magic(r, &acq, magic) || release(r, &acq))
            return 1;
    }
    return 0;
}

static int test_free(const char* path, uint32_t magic, unsigned slots, int full)
{
    const uint32_t nbufs = 16;
    const uint64_t b = 65536;
    unsigned overruns = 0, cycle;
    struct ring r;
    double t0, dt;

    if (ring_open(&r, path, nbufs, b) || ring_ioctl(&r, ZCDMA_IOC_START, "START"))
        return 1;
    t0 = now();
    if (take_free(&r, slots, magic, &overruns))
        return 1;
    dt = now() - t0;
    printf("free: %u slots, %.1f MiB checked in %.2f s: %.2f MB/s (%u flagged overrun)\n",
           slots,
           slots * b / 1048576.0,
           dt,
           slots * b / dt / 1e6,
           overruns);
    if (!full)
        goto stop;

    /* STOP and START under load: the sequence goes on, never back. */
    for (cycle = 0; cycle < 20; cycle++) {
        if (ring_ioctl(&r, ZCDMA_IOC_STOP, "STOP") ||
            ring_ioctl(&r, ZCDMA_IOC_START, "START") ||
            (r.restarted = 1, take_free(&r, 3, magic, &overruns)))
            return failf("STOP/START cycle %u", cycle);
    }
    printf("free: 20 STOP/START cycles, 3 slots each in sequence (seq now %" PRIu64 ")\n",
           r.next_seq);

    /*
     * The reader stops: the ring fills, the engine runs out of transfers
     * and stays dry for 200 ms, 2 MB at the node's 10 MB/s (the driver
     * estimates whole slots lost: 30 of 64 KiB).
     */
    overruns = 0;
    if (wait_filled(&r, nbufs, 60))
        return 1;
    nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
    if (take_free(&r, nbufs + 4, magic, &overruns))
        return 1;
    if (!overruns && r.info.abi_version < 2)
        printf("PENDING: no ZCDMA_BUF_OVERRUN after the engine ran dry (ABI %u driver)\n",
               r.info.abi_version);
    else if (!overruns)
        return failf("no slot flagged overrun after the engine ran dry");
    else if ((r.overrun_flags & (DROPS_UNKNOWN | DROPS_ESTIMATED)) != DROPS_ESTIMATED)
        return failf("overrun flags %#x: the device tree gives a stream rate, expected "
                     "ZCDMA_BUF_DROPS_ESTIMATED alone",
                     r.overrun_flags);
    else
        printf(
            "free: overrun flagged (flags %#x: drops estimated) after the engine ran dry "
            "(seq now %" PRIu64 ")\n",
            r.overrun_flags,
            r.next_seq);
stop:
    if (ring_ioctl(&r, ZCDMA_IOC_STOP, "STOP"))
        return 1;
    print_stats(&r);
    ring_close(&r);
    return 0;
}

int main(int argc, char** argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && !strcmp(argv[1], "uart"))
        return test_uart(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "free"))
        return test_free(argv[2],
                         strtoul(argv[3], NULL, 0),
                         argc > 4 ? strtoul(argv[4], NULL, 0) : 64,
                         1);
    if (argc == 4 && !strcmp(argv[1], "short"))
        return test_free(argv[2], strtoul(argv[3], NULL, 0), 8, 0);
    fprintf(stderr,
            "usage: zcdma-acquire uart DEVICE | free DEVICE MAGIC [SLOTS] | short DEVICE "
            "MAGIC\n");
    return 2;
}
