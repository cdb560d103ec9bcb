// SPDX-License-Identifier: GPL-2.0
/*
 * zcdma DMA engine client: every free slot, in ring order, is queued as one
 * DEV_TO_MEM slave transfer. Completions are delivered in ring order, failed
 * ones too (ZCDMA_BUF_ERROR), so the sequence never repeats or skips a slot.
 *
 * Cache maintenance (or the swiotlb bounce copy) of a whole slot can take a
 * long time, so it never runs in the completion callback or under the
 * spinlock: ACQUIRE syncs the slot for the CPU and RELEASE gives it back to
 * the device, both in process context (as videobuf2 does in finish and
 * prepare). Free, queued and filled slots belong to the device.
 */
#include <linux/dma-mapping.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/timekeeping.h>
#include <linux/wait_bit.h>

#include "zcdma.h"

/*
 * Slots lost right before @slot (slock held). An engine cannot wait for
 * user space: when the last queued transfer completed with none behind it
 * (every other slot filled or held), the stream's data went nowhere until
 * the next slot was queued. A free-running peripheral (a rate, or none
 * known) lost data then, however short the time: the next slot is always
 * flagged. The stream rate turns that time into slots, rounded to the
 * nearest (0 for less than half a slot: data inside a slot was still
 * lost); without a rate the loss is unknown, with rate 0 (flow-controlled)
 * there is none. zcdma_sim can count them exactly instead.
 */
static u64 zcdma_lost_before(struct zcdma_dev *zd, struct zcdma_slot *slot,
			     bool *overrun)
{
	u64 dropped, gap = 0, bytes;

	*overrun = false;
	slot->drops = ZCDMA_DROPS_EXACT;
	if (zd->sim) {
		dropped = zd->sim->dropped(zd->chan);
		gap = dropped - zd->dropped_seen;
		zd->dropped_seen = dropped;
		*overrun = gap != 0;
	} else if (slot->after_dry && !zd->rate_known) {
		slot->drops = ZCDMA_DROPS_UNKNOWN;
		*overrun = true;
	} else if (slot->after_dry && zd->rate) {
		bytes = mul_u64_u64_div_u64(slot->restart_ns - slot->dry_ns,
					    zd->rate, NSEC_PER_SEC);
		gap = div64_u64(bytes + zd->ring->bufsize / 2, zd->ring->bufsize);
		slot->drops = ZCDMA_DROPS_ESTIMATED;
		*overrun = true;
	}
	slot->after_dry = false;
	return gap;
}

/*
 * The oldest queued slot completed (slock held): @error when the engine
 * reported it failed, @residue the bytes it did not transfer.
 */
static void zcdma_slot_done(struct zcdma_dev *zd, struct zcdma_slot *slot,
			    bool error, u32 residue)
{
	struct zcdma_ring *ring = zd->ring;
	bool overrun;
	u64 gap;

	lockdep_assert_held(&zd->slock);
	zd->queued--;

	/* Slots the engine lost since the last completion advance the count. */
	gap = zcdma_lost_before(zd, slot, &overrun);
	zd->next_seq += gap;
	zd->stats.slots_dropped += gap;
	if (overrun)
		zd->stats.overruns++;

	slot->seq = zd->next_seq++;
	if (!zd->running) {
		/*
		 * Completed while STOP was terminating the channel: the engine
		 * used up these stream bytes, so the sequence still counts them.
		 */
		slot->state = ZCDMA_SLOT_FREE;
		zd->stats.slots_discarded++;
		return;
	}
	if (!zd->queued && !zd->dry) {
		/* Nothing behind this one: the engine runs dry from now on. */
		zd->dry = true;
		zd->dry_ns = ktime_get_ns();
	}
	slot->dropped = zd->stats.slots_dropped;
	slot->overrun = overrun;
	/*
	 * A failed transfer is delivered in its place with ZCDMA_BUF_ERROR and
	 * no valid bytes; re-queueing it would break the ring order. A short
	 * one (the engine's residue) reports what it did transfer.
	 */
	slot->error = error;
	slot->bytes = ring->bufsize;
	if (slot->error) {
		dev_err_ratelimited(zd->dev, "DMA transfer into slot %u failed\n",
				    slot->index);
		slot->bytes = 0;
		zd->stats.slots_failed++;
	} else if (residue) {
		slot->bytes -= min_t(u64, residue, ring->bufsize);
		zd->stats.slots_short++;
	}
	/*
	 * The engine works through the queue in order: this transfer began
	 * when it was queued or when the one before it completed, whichever
	 * came later. That is the time of the slot's first byte (uapi).
	 */
	slot->timestamp_ns = max(slot->timestamp_ns, zd->last_done_ns);
	zd->last_done_ns = ktime_get_real_ns();
	slot->state = ZCDMA_SLOT_FILLED;
	zd->filled++;
	zd->stats.slots_filled++;
	zd->stats.bytes_filled += slot->bytes;
}

/* Ring index of the oldest queued slot (slock held, zd->queued > 0). */
static u32 zcdma_oldest_queued(struct zcdma_dev *zd)
{
	return (zd->fill_idx + zd->ring->nbufs - zd->queued) % zd->ring->nbufs;
}

/*
 * Complete queued slots strictly oldest first, each only once the engine
 * reports its cookie complete (or failed). A callback says no more than
 * "something completed": providers may run callbacks concurrently on
 * several CPUs and out of order (pl330 calls its tasklet directly from
 * issue_pending), so which descriptor a callback belongs to never decides
 * the ring order. The provider is asked outside slock (its own locks may
 * be held around a callback); the slot is then checked again under slock,
 * so concurrent callbacks, STOP and a new ring cannot complete a slot
 * twice, out of turn or in the wrong ring (cookies only grow).
 */
static void zcdma_complete_in_order(struct zcdma_dev *zd)
{
	struct dma_chan *chan = READ_ONCE(zd->chan);
	struct zcdma_ring *ring;
	struct dma_tx_state state;
	enum dma_status status;
	struct zcdma_slot *slot;
	unsigned long flags;
	bool woke = false;
	dma_cookie_t cookie;
	u32 idx;

	while (chan) {
		spin_lock_irqsave(&zd->slock, flags);
		ring = zd->ring;
		if (!ring || !zd->queued) {
			spin_unlock_irqrestore(&zd->slock, flags);
			break;
		}
		idx = zcdma_oldest_queued(zd);
		cookie = ring->slots[idx].cookie;
		spin_unlock_irqrestore(&zd->slock, flags);

		state.residue = 0;
		status = dmaengine_tx_status(chan, cookie, &state);
		if (status != DMA_COMPLETE && status != DMA_ERROR)
			break;

		spin_lock_irqsave(&zd->slock, flags);
		if (zd->ring == ring && zd->queued &&
		    zcdma_oldest_queued(zd) == idx) {
			slot = &ring->slots[idx];
			if (slot->state == ZCDMA_SLOT_QUEUED &&
			    slot->cookie == cookie) {
				zcdma_slot_done(zd, slot, status == DMA_ERROR,
						state.residue);
				woke = true;
			}
		}
		spin_unlock_irqrestore(&zd->slock, flags);
	}
	if (woke)
		wake_up_interruptible(&zd->wq);
}

/*
 * The legacy callback, not callback_result: pl330 (6.1) recycles pooled
 * descriptors clearing only .callback, so a callback_result left there
 * would later be called for other clients' transfers, after rmmod too.
 */
static void zcdma_dma_callback(void *param)
{
	struct zcdma_dev *zd = param;

	atomic_inc(&zd->cb_running);
	zcdma_complete_in_order(zd);
	if (atomic_dec_and_test(&zd->cb_running))
		wake_up_var(&zd->cb_running);
}

/*
 * Wait for callbacks already running on other CPUs: terminate_sync() does
 * not, on providers without device_synchronize (pl330 in 6.1). One that
 * starts later finds nothing queued, or cookies it cannot match.
 */
void zcdma_dma_quiesce(struct zcdma_dev *zd)
{
	wait_var_event(&zd->cb_running, !atomic_read(&zd->cb_running));
}

/* Queue every free slot from the fill pointer on, in ring order. */
static bool zcdma_queue_free_slots(struct zcdma_dev *zd)
{
	struct zcdma_ring *ring = zd->ring;
	bool queued = false;

	lockdep_assert_held(&zd->slock);
	while (zd->running && ring->slots[zd->fill_idx].state == ZCDMA_SLOT_FREE) {
		struct zcdma_slot *slot = &ring->slots[zd->fill_idx];
		struct dma_async_tx_descriptor *tx;
		dma_cookie_t cookie;

		/* The slot is the device's already (RELEASE synced it). */
		tx = dmaengine_prep_slave_sg(zd->chan, slot->sgt.sgl,
					     slot->sgt.nents, DMA_DEV_TO_MEM,
					     DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
		if (!tx) {
			dev_err_ratelimited(zd->dev, "cannot prepare DMA for slot %u\n",
					    slot->index);
			break;
		}
		tx->callback = zcdma_dma_callback;
		tx->callback_result = NULL;	/* a pooled descriptor's stale one */
		tx->callback_param = zd;
		slot->state = ZCDMA_SLOT_QUEUED;
		slot->timestamp_ns = ktime_get_real_ns();
		cookie = dmaengine_submit(tx);
		if (dma_submit_error(cookie)) {
			slot->state = ZCDMA_SLOT_FREE;
			dev_err_ratelimited(zd->dev, "DMA submit failed: %d\n", cookie);
			break;
		}
		slot->cookie = cookie;
		/* The first slot queued after the engine ran dry restarts it. */
		slot->after_dry = zd->dry;
		if (zd->dry) {
			slot->dry_ns = zd->dry_ns;
			slot->restart_ns = ktime_get_ns();
			zd->dry = false;
		}
		zd->queued++;
		zd->fill_idx = (zd->fill_idx + 1) % ring->nbufs;
		queued = true;
	}
	return queued;
}

static void __zcdma_dma_refill(struct zcdma_dev *zd, bool issue)
{
	unsigned long flags;
	bool queued;

	spin_lock_irqsave(&zd->slock, flags);
	queued = zcdma_queue_free_slots(zd);
	spin_unlock_irqrestore(&zd->slock, flags);
	if (queued || issue)
		dma_async_issue_pending(zd->chan);
}

void zcdma_dma_refill(struct zcdma_dev *zd)
{
	__zcdma_dma_refill(zd, false);
}

/*
 * ACQUIRE: the CPU takes a filled slot over (cache invalidate, or the bounce
 * buffer copied into the pages). -ENODEV once the ring is unmapped (unbind).
 */
int zcdma_dma_sync_for_cpu(struct zcdma_ring *ring, struct zcdma_slot *slot)
{
	int ret = -ENODEV;

	down_read(&ring->map_lock);
	if (ring->mapped) {
		dma_sync_sgtable_for_cpu(ring->dma_dev, &slot->sgt,
					 DMA_FROM_DEVICE);
		ret = 0;
	}
	up_read(&ring->map_lock);
	return ret;
}

/* RELEASE: the slot goes back to the device before it can be queued. */
void zcdma_dma_sync_for_device(struct zcdma_ring *ring, struct zcdma_slot *slot)
{
	down_read(&ring->map_lock);
	if (ring->mapped)
		dma_sync_sgtable_for_device(ring->dma_dev, &slot->sgt,
					    DMA_FROM_DEVICE);
	up_read(&ring->map_lock);
}

int zcdma_dma_start(struct zcdma_dev *zd)
{
	struct dma_slave_config cfg = {
		.direction = DMA_DEV_TO_MEM,
		.src_addr = zd->fifo_addr,
		.src_addr_width = zd->width,
		.src_maxburst = zd->burst,
	};
	unsigned long flags;
	u64 start_ns;
	int ret;

	lockdep_assert_held(&zd->lock);
	/* A provider without device_config (probe checked): nothing to set. */
	ret = zd->no_slave_config ? 0 : dmaengine_slave_config(zd->chan, &cfg);
	if (ret) {
		dev_err(zd->dev, "DMA slave config failed: %d\n", ret);
		return ret;
	}
	if (zd->sim && zd->restart)
		zd->sim->restart(zd->chan, zd->ring->bufsize);
	zd->restart = false;
	spin_lock_irqsave(&zd->slock, flags);
	if (zd->sim)
		zd->dropped_seen = zd->sim->dropped(zd->chan);
	zd->last_done_ns = 0;
	zd->dry = false;
	zd->running = true;
	spin_unlock_irqrestore(&zd->slock, flags);
	/*
	 * Issue even with nothing to queue (every slot still held): the
	 * engine runs from START on, dry, and loses what it cannot store.
	 */
	start_ns = ktime_get_ns();
	__zcdma_dma_refill(zd, true);
	spin_lock_irqsave(&zd->slock, flags);
	if (!zd->queued && !zd->dry) {
		zd->dry = true;
		zd->dry_ns = start_ns;
	}
	spin_unlock_irqrestore(&zd->slock, flags);
	return 0;
}

void zcdma_dma_stop(struct zcdma_dev *zd)
{
	struct zcdma_ring *ring = zd->ring;
	unsigned long flags;
	u32 i;

	lockdep_assert_held(&zd->lock);
	spin_lock_irqsave(&zd->slock, flags);
	zd->running = false;
	spin_unlock_irqrestore(&zd->slock, flags);

	dmaengine_terminate_sync(zd->chan);
	zcdma_dma_quiesce(zd);

	/*
	 * Queued transfers were aborted; filled slots nobody took are thrown
	 * away. Delivery resumes at the very next ring index after START.
	 */
	spin_lock_irqsave(&zd->slock, flags);
	for (i = 0; i < ring->nbufs; i++) {
		struct zcdma_slot *slot = &ring->slots[i];

		if (slot->state == ZCDMA_SLOT_FILLED)
			zd->stats.slots_discarded++;
		if (slot->state == ZCDMA_SLOT_QUEUED ||
		    slot->state == ZCDMA_SLOT_FILLED)
			slot->state = ZCDMA_SLOT_FREE;
	}
	zd->queued = 0;
	zd->filled = 0;
	zd->fill_idx = zd->deliver_idx;
	spin_unlock_irqrestore(&zd->slock, flags);
	wake_up_interruptible(&zd->wq);
}
