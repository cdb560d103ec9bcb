// SPDX-License-Identifier: GPL-2.0
/*
 * zcdma ioctls: INFO, CONFIG, START, STOP, ACQUIRE, RELEASE, STATS.
 * Every struct has reserved fields that must be zero (-EINVAL), unknown
 * commands get -ENOTTY, and only the owner (the first file that configures,
 * maps or starts the ring) may change it (-EBUSY for everybody else). Every
 * call but INFO and STATS needs a file opened for writing (-EBADF).
 *
 * Unbind sets zd->gone under zd->lock: everything that changes state checks
 * it again under that lock (the check at entry is only a shortcut).
 */
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "zcdma.h"

static bool zcdma_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

/* Become (or stay) the owner. With zd->lock held; also checks unbind. */
int zcdma_claim(struct zcdma_dev *zd, struct file *file)
{
	lockdep_assert_held(&zd->lock);
	if (zd->gone)
		return -ENODEV;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (zd->owner && zd->owner != file)
		return -EBUSY;
	zd->owner = file;
	return 0;
}

/*
 * Publish a new ring (or NULL) and return the old one for the caller to put
 * once no lock is held. Readers hold either zd->lock or zd->slock.
 */
struct zcdma_ring *zcdma_swap_ring(struct zcdma_dev *zd,
				   struct zcdma_ring *ring)
{
	struct zcdma_ring *old;
	unsigned long flags;

	lockdep_assert_held(&zd->lock);
	spin_lock_irqsave(&zd->slock, flags);
	old = zd->ring;
	zd->ring = ring;
	if (ring) {
		/* A new ring is a new stream: sequence and counters restart. */
		zd->fill_idx = 0;
		zd->deliver_idx = 0;
		zd->filled = 0;
		zd->held = 0;
		zd->next_seq = 0;
		zd->dropped_seen = 0;
		memset(&zd->stats, 0, sizeof(zd->stats));
		zd->dry = false;
		zd->restart = true;
	}
	spin_unlock_irqrestore(&zd->slock, flags);
	return old;
}

int zcdma_ensure_ring(struct zcdma_dev *zd)
{
	struct zcdma_ring *ring;
	u32 i;

	lockdep_assert_held(&zd->lock);
	if (zd->ring)
		return 0;
	ring = zcdma_ring_alloc(dmaengine_get_dma_device(zd->chan),
				zd->cfg_nbufs, zd->cfg_bufsize, zd->max_seg);
	if (IS_ERR(ring))
		return PTR_ERR(ring);
	for (i = 0; i < ring->nbufs; i++) {
		ring->slots[i].zd = zd;
		ring->slots[i].index = i;
	}
	zcdma_swap_ring(zd, ring);	/* there was none */
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
	if (zd->ring && zcdma_ring_mapped(zd->ring))
		info.flags |= ZCDMA_INFO_MAPPED;
	if (zd->sim || (zd->rate_known && !zd->rate))
		info.flags |= ZCDMA_INFO_DROPS_EXACT;
	else if (zd->rate_known)
		info.flags |= ZCDMA_INFO_DROPS_ESTIMATED;
	mutex_unlock(&zd->lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static int zcdma_ioc_config(struct zcdma_dev *zd, struct file *file,
			    void __user *arg)
{
	struct zcdma_ring *old = NULL;
	struct zcdma_config cfg;
	int ret;

	if (copy_from_user(&cfg, arg, sizeof(cfg)))
		return -EFAULT;
	if (cfg.flags || !zcdma_zero(cfg.reserved, sizeof(cfg.reserved)))
		return -EINVAL;
	if (!zcdma_geometry_ok(cfg.nbufs, cfg.bufsize))
		return -EINVAL;

	mutex_lock(&zd->lock);
	ret = zcdma_claim(zd, file);
	if (ret)
		goto out;
	/* The geometry is fixed while the ring runs, is mapped or lent out. */
	if (zd->running || READ_ONCE(zd->held) ||
	    (zd->ring && zcdma_ring_mapped(zd->ring))) {
		ret = -EBUSY;
		goto out;
	}
	old = zcdma_swap_ring(zd, NULL);
	zd->cfg_nbufs = cfg.nbufs;
	zd->cfg_bufsize = cfg.bufsize;
out:
	mutex_unlock(&zd->lock);
	if (old)
		zcdma_ring_put(old);
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

/* STOP by a file that owns nothing while nobody does is a no-op. */
static int zcdma_ioc_stop(struct zcdma_dev *zd, struct file *file)
{
	int ret = 0;

	mutex_lock(&zd->lock);
	if (zd->gone)
		ret = -ENODEV;
	else if (!(file->f_mode & FMODE_WRITE))
		ret = -EBADF;
	else if (zd->owner && zd->owner != file)
		ret = -EBUSY;
	else if (zd->running)
		zcdma_dma_stop(zd);
	mutex_unlock(&zd->lock);
	return ret;
}

/*
 * The slot at the delivery pointer is filled (slock held). Completions come in
 * ring order; a provider that completes out of order must not get a slot
 * handed out that is still being written.
 */
static bool zcdma_next_filled(struct zcdma_dev *zd)
{
	return zd->ring && zd->filled &&
	       zd->ring->slots[zd->deliver_idx].state == ZCDMA_SLOT_FILLED;
}

static bool zcdma_acquire_ready(struct zcdma_dev *zd)
{
	unsigned long flags;
	bool ready;

	spin_lock_irqsave(&zd->slock, flags);
	ready = zcdma_next_filled(zd) || !zd->running || zd->gone;
	spin_unlock_irqrestore(&zd->slock, flags);
	return ready;
}

/*
 * The copy-out of an ACQUIRE failed: put the slot back as if it had never
 * been taken (acq_lock keeps other ACQUIREs from moving on meanwhile). If
 * STOP came in between, the slot goes the way STOP sent the filled slots:
 * discarded, free for the next START.
 */
static void zcdma_acquire_undo(struct zcdma_dev *zd, struct zcdma_ring *ring,
			       struct zcdma_slot *slot, u64 seq)
{
	unsigned long flags;

	spin_lock_irqsave(&zd->slock, flags);
	if (zd->ring == ring && slot->state == ZCDMA_SLOT_HELD &&
	    slot->seq == seq) {
		zd->held--;
		zd->stats.slots_acquired--;
		if (zd->running &&
		    zd->deliver_idx == (slot->index + 1) % ring->nbufs) {
			slot->state = ZCDMA_SLOT_FILLED;
			zd->deliver_idx = slot->index;
			zd->filled++;
		} else {
			slot->state = ZCDMA_SLOT_FREE;
			zd->stats.slots_discarded++;
		}
	}
	spin_unlock_irqrestore(&zd->slock, flags);
}

/*
 * Take the next filled slot and copy it out: 1 when there was none, 0 or a
 * negative errno when there was.
 */
static int zcdma_acquire_one(struct zcdma_dev *zd, struct zcdma_acquire *acq,
			     void __user *arg)
{
	struct zcdma_ring *ring;
	struct zcdma_slot *slot;
	unsigned long flags;
	int ret;

	if (mutex_lock_interruptible(&zd->acq_lock))
		return -ERESTARTSYS;
	spin_lock_irqsave(&zd->slock, flags);
	ring = zd->ring;
	if (!zcdma_next_filled(zd)) {
		spin_unlock_irqrestore(&zd->slock, flags);
		mutex_unlock(&zd->acq_lock);
		return 1;
	}
	zcdma_ring_get(ring);		/* unbind may drop zd->ring meanwhile */
	slot = &ring->slots[zd->deliver_idx];
	slot->state = ZCDMA_SLOT_HELD;
	zd->deliver_idx = (zd->deliver_idx + 1) % ring->nbufs;
	zd->filled--;
	zd->held++;
	zd->stats.slots_acquired++;
	acq->index = slot->index;
	acq->seq = slot->seq;
	acq->bytes = slot->bytes;
	acq->timestamp_ns = slot->timestamp_ns;
	acq->dropped = slot->dropped;
	acq->flags = slot->overrun ? ZCDMA_BUF_OVERRUN : 0;
	if (slot->overrun && slot->drops == ZCDMA_DROPS_ESTIMATED)
		acq->flags |= ZCDMA_BUF_DROPS_ESTIMATED;
	if (slot->overrun && slot->drops == ZCDMA_DROPS_UNKNOWN)
		acq->flags |= ZCDMA_BUF_DROPS_UNKNOWN;
	if (slot->error)
		acq->flags |= ZCDMA_BUF_ERROR;
	spin_unlock_irqrestore(&zd->slock, flags);

	/* In process context, outside the spinlock, as vb2's finish does. */
	ret = zcdma_dma_sync_for_cpu(ring, slot);
	if (!ret && copy_to_user(arg, acq, sizeof(*acq)))
		ret = -EFAULT;
	if (ret)
		zcdma_acquire_undo(zd, ring, slot, acq->seq);
	mutex_unlock(&zd->acq_lock);
	zcdma_ring_put(ring);
	return ret;
}

static int zcdma_ioc_acquire(struct zcdma_dev *zd, struct file *file,
			     void __user *arg)
{
	struct zcdma_acquire acq;
	unsigned long flags;
	long left;
	int ret;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
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
		ret = zcdma_acquire_one(zd, &acq, arg);
		if (ret <= 0)
			return ret;
		spin_lock_irqsave(&zd->slock, flags);
		if (zcdma_next_filled(zd)) {	/* filled meanwhile */
			spin_unlock_irqrestore(&zd->slock, flags);
			continue;
		}
		if (!zd->running || zd->gone) {
			ret = zd->gone ? -ENODEV : -ENODATA;
			spin_unlock_irqrestore(&zd->slock, flags);
			return ret;
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

/*
 * Under zd->lock: RELEASE may queue DMA, which must not happen on a channel
 * that STOP or unbind is tearing down.
 */
static int zcdma_ioc_release(struct zcdma_dev *zd, struct file *file,
			     void __user *arg)
{
	struct zcdma_release rel;
	struct zcdma_ring *ring;
	struct zcdma_slot *slot;
	unsigned long flags;
	bool running;
	int ret = 0;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&rel, arg, sizeof(rel)))
		return -EFAULT;
	if (rel.flags || !zcdma_zero(rel.reserved, sizeof(rel.reserved)))
		return -EINVAL;

	mutex_lock(&zd->lock);
	if (zd->gone) {
		ret = -ENODEV;
		goto out;
	}
	if (zd->owner != file) {
		ret = -EBUSY;
		goto out;
	}
	spin_lock_irqsave(&zd->slock, flags);
	if (!zd->ring || rel.index >= zd->ring->nbufs) {
		spin_unlock_irqrestore(&zd->slock, flags);
		ret = -EINVAL;
		goto out;
	}
	slot = &zd->ring->slots[rel.index];
	if (slot->state != ZCDMA_SLOT_HELD || slot->seq != rel.seq) {
		spin_unlock_irqrestore(&zd->slock, flags);
		ret = -EINVAL;
		goto out;
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
out:
	mutex_unlock(&zd->lock);
	return ret;
}

/*
 * Slots dropped so far (slock held): those folded into the sequence, and
 * with zcdma_sim those it lost since the last completion too.
 */
u64 zcdma_dropped_now(struct zcdma_dev *zd)
{
	u64 n = zd->stats.slots_dropped;

	lockdep_assert_held(&zd->slock);
	if (zd->sim && zd->running && zd->chan)
		n += zd->sim->dropped(zd->chan) - zd->dropped_seen;
	return n;
}

static int zcdma_ioc_stats(struct zcdma_dev *zd, void __user *arg)
{
	struct zcdma_stats st = {};
	unsigned long flags;

	spin_lock_irqsave(&zd->slock, flags);
	st.slots_filled = zd->stats.slots_filled;
	st.slots_acquired = zd->stats.slots_acquired;
	st.slots_released = zd->stats.slots_released;
	st.slots_dropped = zcdma_dropped_now(zd);
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
