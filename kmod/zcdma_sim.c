// SPDX-License-Identifier: GPL-2.0
/*
 * zcdma_sim: a software dmaengine provider for machines without zcdma
 * hardware. Its one DEV_TO_MEM slave channel writes the counter pattern
 * (little-endian u64 word k at stream byte 8k) into each descriptor through
 * the descriptor's DMA addresses, as a device would, so bounce buffers and
 * missing dma_sync calls show up exactly as with real hardware.
 *
 * rate (bytes/s) = 0 completes queued descriptors as fast as they come and
 * never loses data; rate > 0 produces one slot per bufsize/rate seconds and,
 * when nothing is queued, loses that slot (counted for the client through
 * struct zcdma_periph_config) while the counter still advances.
 *
 * It also registers the "zcdma" platform device and the dma_slave_map entry
 * ("zcdma.0", "rx"), so loading zcdma_sim.ko then zcdma.ko gives /dev/zcdma0.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/hrtimer.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "zcdma_periph.h"

static unsigned long rate;
module_param(rate, ulong, 0644);
MODULE_PARM_DESC(rate, "bytes/s the engine produces; 0 = lossless, as fast as queued");

struct zsim_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head node;
	struct scatterlist *sgl;
	unsigned int sg_len;
};

struct zsim {
	struct dma_device ddev;
	struct dma_chan chan;
	struct platform_device *pdev;		/* the engine */
	struct platform_device *client;		/* "zcdma.0" */

	spinlock_t lock;			/* lists, cookies, active */
	struct list_head submitted;
	struct list_head issued;
	bool active;				/* between issue_pending and terminate */
	struct zcdma_periph_config *periph;

	struct mutex work_lock;			/* held while a descriptor is processed */
	struct task_struct *thread;
	wait_queue_head_t wq;
	u64 offset;				/* stream bytes produced or lost */
};

static struct zsim *zsim;

static const struct dma_slave_map zsim_slave_map[] = {
	{ "zcdma.0", "rx", NULL },
};

static struct zsim *to_zsim(struct dma_chan *chan)
{
	return container_of(chan, struct zsim, chan);
}

static dma_cookie_t zsim_tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct zsim *zs = to_zsim(tx->chan);
	struct zsim_desc *d = container_of(tx, struct zsim_desc, tx);
	unsigned long flags;
	dma_cookie_t cookie;

	spin_lock_irqsave(&zs->lock, flags);
	cookie = tx->chan->cookie + 1;
	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	tx->chan->cookie = cookie;
	tx->cookie = cookie;
	list_add_tail(&d->node, &zs->submitted);
	spin_unlock_irqrestore(&zs->lock, flags);
	return cookie;
}

static struct dma_async_tx_descriptor *
zsim_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
		   unsigned int sg_len, enum dma_transfer_direction dir,
		   unsigned long flags, void *context)
{
	struct zsim_desc *d;

	if (dir != DMA_DEV_TO_MEM || !sg_len)
		return NULL;
	d = kzalloc(sizeof(*d), GFP_NOWAIT);
	if (!d)
		return NULL;
	dma_async_tx_descriptor_init(&d->tx, chan);
	d->tx.tx_submit = zsim_tx_submit;
	d->tx.flags = flags;
	d->sgl = sgl;
	d->sg_len = sg_len;
	return &d->tx;
}

static int zsim_config(struct dma_chan *chan, struct dma_slave_config *cfg)
{
	struct zsim *zs = to_zsim(chan);

	if (cfg->direction != DMA_DEV_TO_MEM ||
	    cfg->peripheral_size != sizeof(struct zcdma_periph_config) ||
	    !cfg->peripheral_config)
		return -EINVAL;
	zs->periph = cfg->peripheral_config;
	if (zs->periph->restart) {
		mutex_lock(&zs->work_lock);
		zs->offset = 0;
		zs->periph->restart = false;
		mutex_unlock(&zs->work_lock);
	}
	return 0;
}

static void zsim_issue_pending(struct dma_chan *chan)
{
	struct zsim *zs = to_zsim(chan);
	unsigned long flags;

	spin_lock_irqsave(&zs->lock, flags);
	list_splice_tail_init(&zs->submitted, &zs->issued);
	zs->active = true;
	spin_unlock_irqrestore(&zs->lock, flags);
	wake_up(&zs->wq);
}

static void zsim_free_list(struct list_head *list)
{
	struct zsim_desc *d, *tmp;

	list_for_each_entry_safe(d, tmp, list, node) {
		list_del(&d->node);
		kfree(d);
	}
}

static int zsim_terminate_all(struct dma_chan *chan)
{
	struct zsim *zs = to_zsim(chan);
	unsigned long flags;
	LIST_HEAD(dead);

	spin_lock_irqsave(&zs->lock, flags);
	list_splice_tail_init(&zs->submitted, &dead);
	list_splice_tail_init(&zs->issued, &dead);
	zs->active = false;
	spin_unlock_irqrestore(&zs->lock, flags);
	zsim_free_list(&dead);
	return 0;
}

static void zsim_synchronize(struct dma_chan *chan)
{
	struct zsim *zs = to_zsim(chan);

	/* The worker finishes the descriptor (and callback) it is on. */
	mutex_lock(&zs->work_lock);
	mutex_unlock(&zs->work_lock);
}

static enum dma_status zsim_tx_status(struct dma_chan *chan, dma_cookie_t cookie,
				      struct dma_tx_state *state)
{
	dma_cookie_t used = READ_ONCE(chan->cookie);
	dma_cookie_t done = READ_ONCE(chan->completed_cookie);

	dma_set_tx_state(state, done, used, 0);
	return dma_async_is_complete(cookie, done, used);
}

/* Write the counter pattern where the device would: at the DMA addresses. */
static void zsim_fill(struct zsim *zs, struct zsim_desc *d)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sg(d->sgl, sg, d->sg_len, i) {
		/* No IOMMU on the simulated bus: DMA address == physical address. */
		__le64 *w = phys_to_virt((phys_addr_t)sg_dma_address(sg));
		size_t n = sg_dma_len(sg) / sizeof(*w), k;
		u64 first = zs->offset / sizeof(*w);

		for (k = 0; k < n; k++)
			w[k] = cpu_to_le64(first + k);
		zs->offset += sg_dma_len(sg);
	}
}

static void zsim_complete(struct zsim *zs, struct zsim_desc *d)
{
	struct dmaengine_result res = { .result = DMA_TRANS_NOERROR };
	struct dma_async_tx_descriptor *tx = &d->tx;

	WRITE_ONCE(zs->chan.completed_cookie, tx->cookie);
	if (tx->callback_result)
		tx->callback_result(tx->callback_param, &res);
	else if (tx->callback)
		tx->callback(tx->callback_param);
	kfree(d);
}

static struct zsim_desc *zsim_next(struct zsim *zs)
{
	struct zsim_desc *d;
	unsigned long flags;

	spin_lock_irqsave(&zs->lock, flags);
	d = list_first_entry_or_null(&zs->issued, struct zsim_desc, node);
	if (d)
		list_del(&d->node);
	spin_unlock_irqrestore(&zs->lock, flags);
	return d;
}

static bool zsim_has_work(struct zsim *zs)
{
	bool ret;

	spin_lock_irq(&zs->lock);
	ret = rate ? zs->active : !list_empty(&zs->issued);
	spin_unlock_irq(&zs->lock);
	return ret || kthread_should_stop();
}

static int zsim_thread(void *arg)
{
	struct zsim *zs = arg;
	ktime_t next = 0;

	while (!kthread_should_stop()) {
		unsigned long r = READ_ONCE(rate);
		struct zsim_desc *d;

		if (!zsim_has_work(zs)) {
			wait_event_interruptible(zs->wq, zsim_has_work(zs));
			next = ktime_get();
			continue;
		}
		if (r && zs->periph) {
			u64 period = div64_u64(zs->periph->slot_bytes * NSEC_PER_SEC, r);

			next = ktime_add_ns(next, period);
			if (ktime_before(ktime_get(), next)) {
				set_current_state(TASK_INTERRUPTIBLE);
				schedule_hrtimeout(&next, HRTIMER_MODE_ABS);
			}
		}

		mutex_lock(&zs->work_lock);
		d = zsim_next(zs);
		if (d) {
			zsim_fill(zs, d);
			zsim_complete(zs, d);
		} else if (r && zs->periph && READ_ONCE(zs->active)) {
			/* Nothing queued: the slot's worth of data is lost. */
			zs->offset += zs->periph->slot_bytes;
			atomic64_inc(&zs->periph->dropped);
		}
		mutex_unlock(&zs->work_lock);
		cond_resched();
	}
	return 0;
}

static int zsim_alloc_chan_resources(struct dma_chan *chan)
{
	struct zsim *zs = to_zsim(chan);

	zs->thread = kthread_run(zsim_thread, zs, "zcdma_sim");
	if (IS_ERR(zs->thread))
		return PTR_ERR(zs->thread);
	return 0;
}

static void zsim_free_chan_resources(struct dma_chan *chan)
{
	struct zsim *zs = to_zsim(chan);

	zsim_terminate_all(chan);
	kthread_stop(zs->thread);
	zs->periph = NULL;
}

static bool zsim_filter(struct dma_chan *chan, void *param)
{
	return chan->device == &zsim->ddev;
}

static int zsim_probe(struct platform_device *pdev)
{
	struct dma_device *dd = &zsim->ddev;
	int ret;

	ret = dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	dd->dev = &pdev->dev;
	dma_cap_set(DMA_SLAVE, dd->cap_mask);
	dma_cap_set(DMA_PRIVATE, dd->cap_mask);
	dd->directions = BIT(DMA_DEV_TO_MEM);
	dd->src_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_8_BYTES);
	dd->dst_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_8_BYTES);
	dd->residue_granularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR;
	dd->device_alloc_chan_resources = zsim_alloc_chan_resources;
	dd->device_free_chan_resources = zsim_free_chan_resources;
	dd->device_prep_slave_sg = zsim_prep_slave_sg;
	dd->device_config = zsim_config;
	dd->device_issue_pending = zsim_issue_pending;
	dd->device_terminate_all = zsim_terminate_all;
	dd->device_synchronize = zsim_synchronize;
	dd->device_tx_status = zsim_tx_status;
	dd->filter.map = zsim_slave_map;
	dd->filter.mapcnt = ARRAY_SIZE(zsim_slave_map);
	dd->filter.fn = zsim_filter;
	INIT_LIST_HEAD(&dd->channels);
	zsim->chan.device = dd;
	list_add_tail(&zsim->chan.device_node, &dd->channels);

	ret = dma_async_device_register(dd);
	if (ret)
		return ret;
	dev_info(&pdev->dev, "sim DMA engine ready (rate %lu B/s)\n", rate);
	return 0;
}

static void zsim_remove(struct platform_device *pdev)
{
	dma_async_device_unregister(&zsim->ddev);
}

#ifndef ZCDMA_HAVE_VOID_REMOVE	/* before 6.11 .remove returned int */
static int zsim_remove_int(struct platform_device *pdev)
{
	zsim_remove(pdev);
	return 0;
}
#endif

static struct platform_driver zsim_driver = {
	.probe = zsim_probe,
#ifdef ZCDMA_HAVE_VOID_REMOVE
	.remove = zsim_remove,
#else
	.remove = zsim_remove_int,
#endif
	.driver = {
		.name = "zcdma-sim-dma",
	},
};

static int __init zsim_init(void)
{
	int ret;

	zsim = kzalloc(sizeof(*zsim), GFP_KERNEL);
	if (!zsim)
		return -ENOMEM;
	spin_lock_init(&zsim->lock);
	mutex_init(&zsim->work_lock);
	init_waitqueue_head(&zsim->wq);
	INIT_LIST_HEAD(&zsim->submitted);
	INIT_LIST_HEAD(&zsim->issued);

	ret = platform_driver_register(&zsim_driver);
	if (ret)
		goto err_free;
	/* The engine first, so the client finds its channel when it probes. */
	zsim->pdev = platform_device_register_simple("zcdma-sim-dma", -1, NULL, 0);
	if (IS_ERR(zsim->pdev)) {
		ret = PTR_ERR(zsim->pdev);
		goto err_driver;
	}
	if (!zsim->pdev->dev.driver) {
		ret = -ENODEV;
		goto err_engine;
	}
	zsim->client = platform_device_register_simple("zcdma", 0, NULL, 0);
	if (IS_ERR(zsim->client)) {
		ret = PTR_ERR(zsim->client);
		goto err_engine;
	}
	return 0;

err_engine:
	platform_device_unregister(zsim->pdev);
err_driver:
	platform_driver_unregister(&zsim_driver);
err_free:
	kfree(zsim);
	return ret;
}

static void __exit zsim_exit(void)
{
	platform_device_unregister(zsim->client);
	platform_device_unregister(zsim->pdev);
	platform_driver_unregister(&zsim_driver);
	kfree(zsim);
}

module_init(zsim_init);
module_exit(zsim_exit);

MODULE_DESCRIPTION("Software DMA engine feeding zcdma with the counter pattern");
MODULE_AUTHOR("gr-zcdma authors");
MODULE_LICENSE("GPL");
