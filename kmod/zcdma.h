/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcdma internals shared by zcdma_main.c, zcdma_ring.c, zcdma_dma.c and
 * zcdma_ioctl.c.
 */
#ifndef _ZCDMA_H
#define _ZCDMA_H

#include <linux/dmaengine.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <uapi/linux/zcdma.h>

#include "zcdma_sim.h"

/* DT/software-node properties (all optional; docs/kernel.md). */
#define ZCDMA_PROP_RATE		"gr-zcdma,bytes-per-second"
#define ZCDMA_PROP_FIFO		"gr-zcdma,fifo-address"
#define ZCDMA_PROP_WIDTH	"gr-zcdma,bus-width"
#define ZCDMA_PROP_BURST	"gr-zcdma,burst"
/* Bus width when the channel reports no capabilities and the node none. */
#define ZCDMA_DEFAULT_WIDTH	4

/* Largest slot CONFIG and the bufsize parameter accept. */
#define ZCDMA_MAX_BUFSIZE	((u32)SZ_256M)

/* How the slots lost before an overrun slot were counted (uapi flags). */
enum zcdma_drops {
	ZCDMA_DROPS_EXACT,	/* the engine counted them (zcdma_sim) */
	ZCDMA_DROPS_ESTIMATED,	/* from the stream rate and the time dry */
	ZCDMA_DROPS_UNKNOWN,	/* the engine ran dry; no rate to tell */
};

enum zcdma_slot_state {
	ZCDMA_SLOT_FREE,	/* owned by the driver, not queued */
	ZCDMA_SLOT_QUEUED,	/* handed to the DMA engine */
	ZCDMA_SLOT_FILLED,	/* complete, waiting for ACQUIRE */
	ZCDMA_SLOT_HELD,	/* acquired by user space */
	ZCDMA_SLOT_SYNCING,	/* released, being synced for the device */
};

struct zcdma_dev;

struct zcdma_slot {
	struct sg_table sgt;
	struct zcdma_dev *zd;		/* for the DMA completion callback */
	u32 index;
	enum zcdma_slot_state state;
	u64 seq;
	u64 timestamp_ns;		/* queued: when queued; filled: DMA began */
	u64 dropped;
	u64 bytes;			/* filled: valid bytes (residue off) */
	bool overrun;
	bool error;			/* filled: the transfer failed */
	dma_cookie_t cookie;		/* queued: the engine's cookie */
	enum zcdma_drops drops;		/* filled: how @dropped was counted */
	bool after_dry;			/* queued: first after the engine ran dry */
	u64 dry_ns;			/* after_dry: when it ran dry, */
	u64 restart_ns;			/* and when this slot restarted it */
};

/*
 * The ring: order-0 pages, one sg_table per slot. Refcounted: the device
 * (zd->ring), every vma and an ACQUIRE or RELEASE syncing a slot hold a
 * reference, so pages outlive unbind and close.
 *
 * FREE, QUEUED and FILLED slots belong to the device, HELD slots to the CPU:
 * ACQUIRE syncs a slot for the CPU, RELEASE for the device (zcdma_dma.c).
 */
struct zcdma_ring {
	struct kref ref;
	atomic_t maps;			/* vmas mapping the ring */
	struct device *dma_dev;		/* get_device() for the ring's life */
	struct rw_semaphore map_lock;	/* syncs (read) against unmap (write) */
	bool mapped;			/* sg tables mapped for dma_dev */
	u32 nbufs;
	size_t bufsize;
	unsigned long npages;
	struct page **pages;		/* all pages, ring order */
	struct zcdma_slot *slots;
};

struct zcdma_stats_counters {
	u64 slots_filled;
	u64 slots_acquired;
	u64 slots_released;
	u64 slots_discarded;
	u64 overruns;
	u64 bytes_filled;
	u64 slots_failed;
	u64 slots_short;
	u64 slots_dropped;
};

struct zcdma_dev {
	struct kref ref;
	struct device *dev;		/* the platform device */
	struct miscdevice misc;
	char name[16];
	int id;
	struct dma_chan *chan;		/* NULL once unbound */
	bool gone;			/* unbound: every call gets -ENODEV */

	/*
	 * lock: config, start/stop, owner, gone, release. The ring pointer
	 * changes only with both lock and slock held, so holding either keeps
	 * zd->ring from being swapped or freed.
	 */
	struct mutex lock;
	struct mutex acq_lock;		/* one ACQUIRE copies out at a time */
	struct file *owner;
	struct zcdma_ring *ring;
	u32 cfg_nbufs;
	size_t cfg_bufsize;
	bool running;

	spinlock_t slock;		/* ring pointer, slot states, counters below */
	wait_queue_head_t wq;
	u32 fill_idx;			/* next slot to queue */
	u32 deliver_idx;		/* next slot ACQUIRE returns */
	u32 queued;			/* slots QUEUED */
	u32 filled;			/* slots FILLED */
	u32 held;
	u64 next_seq;			/* DMA transfers completed + dropped */
	u64 dropped_seen;		/* sim: its count at the last completion */
	u64 last_done_ns;		/* CLOCK_REALTIME of the last completion */
	bool dry;			/* running, nothing queued: data is lost */
	u64 dry_ns;			/* CLOCK_MONOTONIC when it ran dry */
	bool restart;			/* a new ring: restart the sim's stream */
	struct zcdma_stats_counters stats;
	atomic_t cb_running;		/* completion callbacks in progress */

	/* Fixed at probe. */
	const struct zcdma_sim_ops *sim;	/* exact drops (zcdma_sim) */
	bool rate_known;		/* ZCDMA_PROP_RATE given */
	u64 rate;			/* bytes/s; 0: flow-controlled, no loss */
	dma_addr_t fifo_addr;		/* the peripheral's FIFO; 0: none */
	u32 width;			/* bus width in bytes */
	u32 burst;			/* maxburst, in words */
	u32 max_seg;			/* longest sg entry the engine takes */
	bool no_slave_config;		/* the provider has no device_config */
};

/* zcdma_ring.c */
struct zcdma_ring *zcdma_ring_alloc(struct device *dma_dev, u32 nbufs,
				    size_t bufsize, u32 max_seg);
void zcdma_ring_get(struct zcdma_ring *ring);
void zcdma_ring_put(struct zcdma_ring *ring);
void zcdma_ring_unmap_dma(struct zcdma_ring *ring);
int zcdma_ring_mmap(struct zcdma_ring *ring, struct vm_area_struct *vma);
bool zcdma_ring_mapped(struct zcdma_ring *ring);

/* zcdma_dma.c */
int zcdma_dma_start(struct zcdma_dev *zd);
void zcdma_dma_stop(struct zcdma_dev *zd);
void zcdma_dma_quiesce(struct zcdma_dev *zd);
void zcdma_dma_refill(struct zcdma_dev *zd);
int zcdma_dma_sync_for_cpu(struct zcdma_ring *ring, struct zcdma_slot *slot);
void zcdma_dma_sync_for_device(struct zcdma_ring *ring,
			       struct zcdma_slot *slot);

/* zcdma_ioctl.c */
long zcdma_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int zcdma_ensure_ring(struct zcdma_dev *zd);
int zcdma_claim(struct zcdma_dev *zd, struct file *file);
u64 zcdma_dropped_now(struct zcdma_dev *zd);
struct zcdma_ring *zcdma_swap_ring(struct zcdma_dev *zd,
				   struct zcdma_ring *ring);

/* zcdma_main.c */
void zcdma_dev_put(struct zcdma_dev *zd);
u64 zcdma_max_ring_bytes(void);
bool zcdma_geometry_ok(u64 n, u64 size);

#endif /* _ZCDMA_H */
