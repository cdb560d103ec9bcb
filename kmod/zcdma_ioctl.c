// SPDX-License-Identifier: GPL-2.0
/*
 * zcdma ioctls: INFO, CONFIG, START, STOP, ACQUIRE, RELEASE, STATS.
 * Every struct has reserved fields that must be zero (-EINVAL), unknown
 * commands get -ENOTTY, and only the owner (the first file that configures,
 * maps or starts the ring) may change it (-EBUSY for everybody else).
 */
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "zcdma.h"

static bool zcdma_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

int zcdma_claim(struct zcdma_dev *zd, struct file *file)
{
	lockdep_assert_held(&zd->lock);
	if (zd->owner && zd->owner != file)
		return -EBUSY;
	zd->owner = file;
	return 0;
}

int zcdma_ensure_ring(struct zcdma_dev *zd)
{
	struct zcdma_ring *ring;
	u32 i;

	lockdep_assert_held(&zd->lock);
	if (zd->ring)
		return 0;
	ring = zcdma_ring_alloc(dmaengine_get_dma_device(zd->chan),
				zd->cfg_nbufs, zd->cfg_bufsize);
	if (IS_ERR(ring))
		return PTR_ERR(ring);
	for (i = 0; i < ring->nbufs; i++) {
		ring->slots[i].zd = zd;
		ring->slots[i].index = i;
	}
	zd->ring = ring;
	/* A new ring is a new stream: sequence and counter restart at 0. */
	zd->fill_idx = 0;
	zd->deliver_idx = 0;
	zd->held = 0;
	zd->next_seq = 0;
	zd->dropped_seen = 0;
	memset(&zd->stats, 0, sizeof(zd->stats));
	atomic64_set(&zd->feedback.dropped, 0);
	zd->feedback.restart = true;
	return 0;
}

static int zcdma_ioc_info(struct zcdma_dev *zd, void __user *arg)
{
	struct zcdma_info info = {
		.abi_version = ZCDMA_ABI_VERSION,
		.page_size = PAGE_SIZE,
	};

	mutex_lock(&zd->lock);
	info.nbufs = zd->ring ? zd->ring->nbufs : zd->cfg_nbufs;
	info.bufsize = zd->ring ? zd->ring->bufsize : zd->cfg_bufsize;
	info.mmap_size = (u64)info.nbufs * info.bufsize;
	if (zd->running)
		info.flags |= ZCDMA_INFO_RUNNING;
	if (zd->ring && kref_read(&zd->ring->ref) > 1)
		info.flags |= ZCDMA_INFO_MAPPED;
	mutex_unlock(&zd->lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int zcdma_ioc_config(struct zcdma_dev *zd, struct file *file,
			    void __user *arg)
{
	struct zcdma_config cfg;
	int ret;

	if (copy_from_user(&cfg, arg, sizeof(cfg)))
		return -EFAULT;
	if (cfg.flags || !zcdma_zero(cfg.reserved, sizeof(cfg.reserved)))
		return -EINVAL;
	if (cfg.nbufs < 2 || cfg.nbufs > ZCDMA_MAX_NBUFS || !cfg.bufsize ||
	    !PAGE_ALIGNED(cfg.bufsize) || cfg.bufsize > SZ_256M)
		return -EINVAL;

	mutex_lock(&zd->lock);
	ret = zcdma_claim(zd, file);
	if (ret)
		goto out;
	/* The geometry is fixed once the ring is running or mapped. */
	if (zd->running || (zd->ring && kref_read(&zd->ring->ref) > 1)) {
		ret = -EBUSY;
		goto out;
	}
	if (zd->ring) {
		zcdma_ring_put(zd->ring);
		zd->ring = NULL;
	}
	zd->cfg_nbufs = cfg.nbufs;
	zd->cfg_bufsize = cfg.bufsize;
out:
	mutex_unlock(&zd->lock);
	return ret;
}

static int zcdma_ioc_start(struct zcdma_dev *zd, struct file *file)
{
	int ret;

	mutex_lock(&zd->lock);
	ret = zcdma_claim(zd, file);
	if (!ret && zd->running)
		ret = -EBUSY;
	if (!ret)
		ret = zcdma_ensure_ring(zd);
	if (!ret)
		ret = zcdma_dma_start(zd);
	mutex_unlock(&zd->lock);
	return ret;
}

static int zcdma_ioc_stop(struct zcdma_dev *zd, struct file *file)
{
	int ret;

	mutex_lock(&zd->lock);
	ret = zcdma_claim(zd, file);
	if (!ret && zd->running)
		zcdma_dma_stop(zd);
	mutex_unlock(&zd->lock);
	return ret;
}

static bool zcdma_acquire_ready(struct zcdma_dev *zd)
{
	return READ_ONCE(zd->filled) || !READ_ONCE(zd->running) ||
	       READ_ONCE(zd->gone);
}

static int zcdma_ioc_acquire(struct zcdma_dev *zd, struct file *file,
			     void __user *arg)
{
	struct zcdma_acquire acq;
	unsigned long flags;
	long left;
	int ret;

	if (copy_from_user(&acq, arg, sizeof(acq)))
		return -EFAULT;
	if (acq.__pad || !zcdma_zero(acq.reserved, sizeof(acq.reserved)) ||
	    acq.timeout_ms < -1)
		return -EINVAL;
	if (READ_ONCE(zd->owner) != file)
		return READ_ONCE(zd->owner) ? -EBUSY : -ENODATA;

	left = acq.timeout_ms < 0 ? MAX_SCHEDULE_TIMEOUT :
				    msecs_to_jiffies(acq.timeout_ms);
	for (;;) {
		struct zcdma_ring *ring;
		struct zcdma_slot *slot;

		spin_lock_irqsave(&zd->slock, flags);
		ring = zd->ring;
		/* Completions come in ring order: the next slot is filled. */
		if (ring && zd->filled &&
		    ring->slots[zd->deliver_idx].state == ZCDMA_SLOT_FILLED) {
			slot = &ring->slots[zd->deliver_idx];
			slot->state = ZCDMA_SLOT_HELD;
			zd->deliver_idx = (zd->deliver_idx + 1) % ring->nbufs;
			zd->filled--;
			zd->held++;
			zd->stats.slots_acquired++;
			acq.index = slot->index;
			acq.seq = slot->seq;
			acq.bytes = slot->bytes;
			acq.timestamp_ns = slot->timestamp_ns;
			acq.dropped = slot->dropped;
			acq.flags = slot->overrun ? ZCDMA_BUF_OVERRUN : 0;
			if (slot->error)
				acq.flags |= ZCDMA_BUF_ERROR;
			zcdma_ring_get(ring);
			spin_unlock_irqrestore(&zd->slock, flags);
			ret = zcdma_dma_sync_for_cpu(ring, slot);
			zcdma_ring_put(ring);
			if (ret)
				return ret;
			return copy_to_user(arg, &acq, sizeof(acq)) ? -EFAULT : 0;
		}
		if (!zd->running || zd->gone) {
			spin_unlock_irqrestore(&zd->slock, flags);
			return zd->gone ? -ENODEV : -ENODATA;
		}
		spin_unlock_irqrestore(&zd->slock, flags);
		if (!acq.timeout_ms)
			return -EAGAIN;
		left = wait_event_interruptible_timeout(zd->wq,
							zcdma_acquire_ready(zd),
							left);
		if (left < 0)
			return left;
		if (!left)
			return -ETIMEDOUT;
	}
}

static int zcdma_ioc_release(struct zcdma_dev *zd, struct file *file,
			     void __user *arg)
{
	struct zcdma_release rel;
	struct zcdma_ring *ring;
	struct zcdma_slot *slot;
	unsigned long flags;
	bool running;

	if (copy_from_user(&rel, arg, sizeof(rel)))
		return -EFAULT;
	if (rel.flags || !zcdma_zero(rel.reserved, sizeof(rel.reserved)))
		return -EINVAL;
	if (READ_ONCE(zd->owner) != file)
		return -EBUSY;

	spin_lock_irqsave(&zd->slock, flags);
	if (!zd->ring || rel.index >= zd->ring->nbufs) {
		spin_unlock_irqrestore(&zd->slock, flags);
		return -EINVAL;
	}
	slot = &zd->ring->slots[rel.index];
	if (slot->state != ZCDMA_SLOT_HELD || slot->seq != rel.seq) {
		spin_unlock_irqrestore(&zd->slock, flags);
		return -EINVAL;
	}
	slot->state = ZCDMA_SLOT_SYNCING;
	zd->held--;
	zd->stats.slots_released++;
	ring = zd->ring;
	zcdma_ring_get(ring);
	spin_unlock_irqrestore(&zd->slock, flags);
	zcdma_dma_sync_for_device(ring, slot);
	spin_lock_irqsave(&zd->slock, flags);
	if (slot->state == ZCDMA_SLOT_SYNCING)
		slot->state = ZCDMA_SLOT_FREE;
	running = zd->running && zd->ring == ring;
	spin_unlock_irqrestore(&zd->slock, flags);
	zcdma_ring_put(ring);
	if (running)
		zcdma_dma_refill(zd);
	return 0;
}

static int zcdma_ioc_stats(struct zcdma_dev *zd, void __user *arg)
{
	struct zcdma_stats st = {};
	unsigned long flags;

	spin_lock_irqsave(&zd->slock, flags);
	st.slots_filled = zd->stats.slots_filled;
	st.slots_acquired = zd->stats.slots_acquired;
	st.slots_released = zd->stats.slots_released;
	st.slots_dropped = atomic64_read(&zd->feedback.dropped);
	st.slots_discarded = zd->stats.slots_discarded;
	st.overruns = zd->stats.overruns;
	st.bytes_filled = zd->stats.bytes_filled;
	st.slots_held = zd->held;
	st.slots_queued = zd->filled;
	st.running = zd->running;
	st.next_index = zd->deliver_idx;
	st.slots_failed = zd->stats.slots_failed;
	st.slots_short = zd->stats.slots_short;
	spin_unlock_irqrestore(&zd->slock, flags);
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

long zcdma_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct zcdma_dev *zd = container_of(file->private_data,
					    struct zcdma_dev, misc);
	void __user *uarg = (void __user *)arg;

	if (READ_ONCE(zd->gone))
		return -ENODEV;

	switch (cmd) {
	case ZCDMA_IOC_INFO:
		return zcdma_ioc_info(zd, uarg);
	case ZCDMA_IOC_CONFIG:
		return zcdma_ioc_config(zd, file, uarg);
	case ZCDMA_IOC_START:
		return zcdma_ioc_start(zd, file);
	case ZCDMA_IOC_STOP:
		return zcdma_ioc_stop(zd, file);
	case ZCDMA_IOC_ACQUIRE:
		return zcdma_ioc_acquire(zd, file, uarg);
	case ZCDMA_IOC_RELEASE:
		return zcdma_ioc_release(zd, file, uarg);
	case ZCDMA_IOC_STATS:
		return zcdma_ioc_stats(zd, uarg);
	default:
		return -ENOTTY;
	}
}
