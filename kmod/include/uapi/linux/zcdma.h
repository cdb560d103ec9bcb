/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcdma: a DMA receive ring whose page-backed slots user space maps and can
 * hand to sendmsg(MSG_ZEROCOPY) without a copy.
 *
 * Usage:
 *	fd = open("/dev/zcdma0", O_RDWR);
 *	ioctl(fd, ZCDMA_IOC_CONFIG, &cfg);	(optional, before mmap/START)
 *	ioctl(fd, ZCDMA_IOC_INFO, &info);
 *	ring = mmap(NULL, info.mmap_size, PROT_READ, MAP_SHARED, fd, 0);
 *	ioctl(fd, ZCDMA_IOC_START);
 *	for (;;) {
 *		ioctl(fd, ZCDMA_IOC_ACQUIRE, &acq);	(blocks up to timeout_ms)
 *		use ring + acq.index * info.bufsize, acq.bytes long;
 *		rel.index = acq.index; rel.seq = acq.seq;
 *		ioctl(fd, ZCDMA_IOC_RELEASE, &rel);
 *	}
 *
 * The ring may be mapped twice at adjacent addresses (MAP_FIXED over a
 * reservation) to give a seamless circular view.
 */
#ifndef _UAPI_LINUX_ZCDMA_H
#define _UAPI_LINUX_ZCDMA_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * 2: ZCDMA_INFO_DROPS_*, ZCDMA_BUF_DROPS_*. Structs unchanged: a caller
 * built for 1 works on 2 (it ignores flags it does not know).
 */
#define ZCDMA_ABI_VERSION	2

/**
 * struct zcdma_info - ring geometry (ZCDMA_IOC_INFO)
 * @abi_version: ZCDMA_ABI_VERSION of the driver
 * @page_size: PAGE_SIZE of the kernel
 * @nbufs: number of slots in the ring
 * @flags: ZCDMA_INFO_* state bits
 * @bufsize: bytes per slot, a multiple of @page_size
 * @mmap_size: bytes to map at offset 0 (@nbufs * @bufsize)
 * @reserved: zero
 */
struct zcdma_info {
	__u32 abi_version;
	__u32 page_size;
	__u32 nbufs;
	__u32 flags;
	__u64 bufsize;
	__u64 mmap_size;
	__u64 reserved[4];
};

#define ZCDMA_INFO_RUNNING	_BITUL(0)
#define ZCDMA_INFO_MAPPED	_BITUL(1)
/*
 * How zcdma_acquire.dropped is counted on this device (ABI 2): exactly (the
 * engine counts lost slots, or the peripheral is flow-controlled and loses
 * none), estimated from the stream rate the device tree gives, or, with
 * neither flag, not at all: overruns are flagged, their size is unknown.
 */
#define ZCDMA_INFO_DROPS_EXACT		_BITUL(2)
#define ZCDMA_INFO_DROPS_ESTIMATED	_BITUL(3)

/**
 * struct zcdma_config - ring geometry request (ZCDMA_IOC_CONFIG)
 * @nbufs: number of slots, 2..ZCDMA_MAX_NBUFS
 * @flags: must be 0
 * @bufsize: bytes per slot, a nonzero multiple of PAGE_SIZE, at most
 *	256 MiB; @nbufs * @bufsize at most zcdma.ko's max_ring_mib (-EINVAL)
 * @reserved: must be zero
 *
 * Only while the ring is not mapped, not started and no slot is held
 * (-EBUSY otherwise).
 */
struct zcdma_config {
	__u32 nbufs;
	__u32 flags;
	__u64 bufsize;
	__u64 reserved[2];
};

#define ZCDMA_MAX_NBUFS		4096

/**
 * struct zcdma_acquire - take the next filled slot (ZCDMA_IOC_ACQUIRE)
 * @timeout_ms: in: -1 waits forever, 0 does not wait (-EAGAIN),
 *	otherwise -ETIMEDOUT after that many milliseconds
 * @index: out: slot index
 * @seq: out: number of slots the DMA started before this one (failed
 *	transfers and dropped slots included: the sequence never repeats or
 *	goes back)
 * @bytes: out: valid bytes from the start of the slot: the slot size, less
 *	when the engine ended the transfer early (its residue), 0 when the
 *	transfer failed (%ZCDMA_BUF_ERROR)
 * @timestamp_ns: out: CLOCK_REALTIME when the slot's DMA began
 * @dropped: out: total slots dropped since open (exact, or estimated, see
 *	the ZCDMA_BUF_DROPS_* flags of the overrun slots)
 * @flags: out: ZCDMA_BUF_* bits
 * @__pad: zero
 * @reserved: must be zero on input
 */
struct zcdma_acquire {
	__s32 timeout_ms;
	__u32 index;
	__u64 seq;
	__u64 bytes;
	__u64 timestamp_ns;
	__u64 dropped;
	__u32 flags;
	__u32 __pad;
	__u64 reserved[2];
};

/* Slots were dropped right before this one (the ring was full). */
#define ZCDMA_BUF_OVERRUN	_BITUL(0)
/*
 * The DMA engine reported this slot's transfer failed (DMA_TRANS_READ_FAILED,
 * DMA_TRANS_WRITE_FAILED, DMA_TRANS_ABORTED): its contents are undefined and
 * @bytes is 0. It is still delivered in ring order with its own sequence
 * number and must be released like any other slot; the stream goes on.
 */
#define ZCDMA_BUF_ERROR		_BITUL(1)
/*
 * With ZCDMA_BUF_OVERRUN (ABI 2): how the slots lost before this one were
 * counted. Neither: exactly. ESTIMATED: the DMA engine ran dry (nothing was
 * queued) and the loss is the time until this slot was queued times the
 * stream rate, rounded to the nearest slot; @seq and @dropped include it.
 * It may be 0 slots: a run dry under half a slot still lost data inside
 * one, so it is flagged all the same. UNKNOWN: the
 * engine ran dry and no rate is known; @seq and @dropped do not advance.
 */
#define ZCDMA_BUF_DROPS_ESTIMATED	_BITUL(2)
#define ZCDMA_BUF_DROPS_UNKNOWN		_BITUL(3)

/**
 * struct zcdma_release - give a slot back to the DMA (ZCDMA_IOC_RELEASE)
 * @index: slot index from ZCDMA_IOC_ACQUIRE
 * @flags: must be 0
 * @seq: sequence from ZCDMA_IOC_ACQUIRE; a mismatch gives -EINVAL
 * @reserved: must be zero
 */
struct zcdma_release {
	__u32 index;
	__u32 flags;
	__u64 seq;
	__u64 reserved[2];
};

/**
 * struct zcdma_stats - counters since the device was opened (ZCDMA_IOC_STATS)
 * @slots_filled: slots the DMA completed
 * @slots_acquired: slots handed to user space
 * @slots_released: slots handed back
 * @slots_dropped: slots lost because the next slot was not free
 * @slots_discarded: filled slots thrown away by ZCDMA_IOC_STOP
 * @overruns: runs of dropped slots
 * @bytes_filled: bytes the DMA completed
 * @slots_held: slots acquired and not yet released
 * @slots_queued: filled slots waiting to be acquired
 * @running: 1 between START and STOP
 * @next_index: ring index the next ZCDMA_IOC_ACQUIRE returns; slots are
 *	delivered strictly in ring order, also across STOP and START
 * @slots_failed: transfers the DMA engine reported failed (each delivered
 *	with %ZCDMA_BUF_ERROR)
 * @slots_short: transfers that ended early (@bytes below the slot size)
 * @reserved: zero
 */
struct zcdma_stats {
	__u64 slots_filled;
	__u64 slots_acquired;
	__u64 slots_released;
	__u64 slots_dropped;
	__u64 slots_discarded;
	__u64 overruns;
	__u64 bytes_filled;
	__u32 slots_held;
	__u32 slots_queued;
	__u32 running;
	__u32 next_index;
	__u64 slots_failed;
	__u64 slots_short;
	__u64 reserved[2];
};

#define ZCDMA_IOC_MAGIC		'Z'
#define ZCDMA_IOC_INFO		_IOR(ZCDMA_IOC_MAGIC, 0x00, struct zcdma_info)
#define ZCDMA_IOC_CONFIG	_IOW(ZCDMA_IOC_MAGIC, 0x01, struct zcdma_config)
#define ZCDMA_IOC_START		_IO(ZCDMA_IOC_MAGIC, 0x02)
#define ZCDMA_IOC_STOP		_IO(ZCDMA_IOC_MAGIC, 0x03)
#define ZCDMA_IOC_ACQUIRE	_IOWR(ZCDMA_IOC_MAGIC, 0x04, struct zcdma_acquire)
#define ZCDMA_IOC_RELEASE	_IOW(ZCDMA_IOC_MAGIC, 0x05, struct zcdma_release)
#define ZCDMA_IOC_STATS		_IOR(ZCDMA_IOC_MAGIC, 0x06, struct zcdma_stats)

#endif /* _UAPI_LINUX_ZCDMA_H */
