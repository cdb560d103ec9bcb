// SPDX-License-Identifier: GPL-2.0
/*
 * zcdma_sim: a software dmaengine provider for machines without zcdma
 * hardware. Its one DEV_TO_MEM slave channel writes the counter pattern
 * (little-endian u64 word k at stream byte 8k) into each descriptor at the
 * descriptor's DMA addresses, as a device would: each bus address is
 * translated the way the bus does it (the IOMMU domain, else dma-direct's
 * dma_to_phys) and the page behind it written through kmap_local_page().
 * Under swiotlb that page is the bounce buffer, exactly what a real device
 * would write, and only the client's dma_sync_*_for_cpu() copies it into the
 * ring page: a missing or misplaced sync shows up as with real hardware.
 *
 * Fault injection (module parameters, writable at run time under
 * /sys/module/zcdma_sim/parameters/):
 *   fail_nth=N	the Nth transfer from now fails (DMA_TRANS_WRITE_FAILED,
 *		nothing written, the slot's stream bytes are lost); reads back
 *		the transfers still to go, 0 = none armed
 *   fail_permille=P, seed=S  each transfer fails with probability P/1000,
 *		from a generator seeded with S (writing seed restarts it)
 *   short_nth=N	the Nth transfer from now ends early: short_bytes (default
 *		half the slot) are written, the rest is reported as residue
 *		and the stream continues in the next descriptor
 *   fill=0	write nothing: transfers complete and the stream position
 *		advances, but the pages keep what they held, as if a device
 *		had written them at no CPU cost (benchmarks: the pattern costs
 *		a guest CPU that real DMA does not); fill=1 resumes the
 *		counter where the stream is
 *   descs_unacked (read only)  completed descriptors the client has not
 *		acked (prepared without DMA_CTRL_ACK); the sim honours the
 *		flag and keeps those until they are acked
 *   reorder=1	complete transfers in pairs out of order, as pl330 does: the
 *		second one's callback runs in the engine thread while the
 *		first one's runs from a workqueue on the other CPU, each
 *		cookie reported complete just before its own callback (the
 *		data is still written in stream order); reordered (read
 *		only) counts the pairs
 *
 * Each completed cookie's result is kept for dmaengine_tx_status():
 * DMA_ERROR for a failed transfer, the residue of a short one, so a client
 * on the legacy callback (no dmaengine_result) learns both.
 *
 * rate (bytes/s) = 0 completes queued descriptors as fast as they come and
 * never loses data; rate > 0 produces one slot (the size of the last
 * descriptor) per slot/rate seconds and, when nothing is queued, loses that
 * slot while the counter still advances. dropped (read only) counts the lost
 * slots since load. zcdma.ko learns them exactly through zcdma_sim_get_ops()
 * (zcdma_sim.h), never through dma_slave_config; generic=1 (at load) hides
 * that, so zcdma.ko detects overruns as on any other engine.
 *
 * Capabilities it advertises (at load, for the client's probe checks):
 * max_seg (longest sg entry it takes, default 64 KiB: it refuses longer
 * ones), widths (src_addr_widths, bit N = N-byte words, default 8 bytes
 * only), max_burst (default 16), dev_to_mem=0 (only MEM_TO_DEV: the client
 * must refuse it), device_config=0 (no device_config, as ADI's AXI DMAC in
 * 6.1: dmaengine_slave_config() fails with -ENOSYS), directions=0 (no
 * directions, as AMD's XDMA: dma_get_slave_caps() fails with -ENXIO; the
 * transfers still work). What the client configured reads back in cfg_src_addr,
 * cfg_width and cfg_burst; the longest sg entry and the entries of the last
 * descriptor in seg_max_seen and last_nents.
 *
 * It also registers the "zcdma" platform device and the dma_slave_map entry
 * ("zcdma.0", "rx"), so loading zcdma_sim.ko then zcdma.ko gives /dev/zcdma0.
 * props="name=value;..." gives that device software-node properties, as a
 * device tree would: u32 values, u64 when written "u64:value" or too big
 * for u32 (e.g. props="gr-zcdma,bytes-per-second=u64:200000000").
 */
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/highmem.h>
#include <linux/hrtimer.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include <linux/property.h>

#include "zcdma_sim.h"

static unsigned long rate;
module_param(rate, ulong, 0644);
MODULE_PARM_DESC(rate, "bytes/s the engine produces; 0 = lossless, as fast as queued");

static unsigned int fail_nth;
module_param(fail_nth, uint, 0644);
MODULE_PARM_DESC(fail_nth, "fail the Nth transfer from now (1 = the next); 0 = none");

static unsigned int fail_permille;
module_param(fail_permille, uint, 0644);
MODULE_PARM_DESC(fail_permille, "fail each transfer with this probability (1/1000)");

static atomic_t zsim_reseed = ATOMIC_INIT(1);
static unsigned long seed;

static int zsim_set_seed(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_ulong(val, kp);

	if (!ret)
		atomic_set(&zsim_reseed, 1);
	return ret;
}

static const struct kernel_param_ops zsim_seed_ops = {
	.set = zsim_set_seed,
	.get = param_get_ulong,
};
module_param_cb(seed, &zsim_seed_ops, &seed, 0644);
MODULE_PARM_DESC(seed, "seed for fail_permille; writing it restarts the sequence");

static unsigned int short_nth;
module_param(short_nth, uint, 0644);
MODULE_PARM_DESC(short_nth, "end the Nth transfer from now early (residue); 0 = none");

static unsigned long short_bytes;
module_param(short_bytes, ulong, 0644);
MODULE_PARM_DESC(short_bytes, "bytes a short transfer writes (0 = half the slot)");

static bool fill = true;
module_param(fill, bool, 0644);
MODULE_PARM_DESC(fill, "write the counter pattern (0: leave the pages as they are)");

static bool reorder;
module_param(reorder, bool, 0644);
MODULE_PARM_DESC(reorder, "complete transfers in pairs, the second first, from two contexts");

static bool generic;
module_param(generic, bool, 0444);
MODULE_PARM_DESC(generic, "hide the exact drop count from zcdma.ko (it estimates, as on hardware)");

static unsigned long dropped;
module_param(dropped, ulong, 0444);
MODULE_PARM_DESC(dropped, "slots lost since load (nothing queued when their data came)");

static char *props;
module_param(props, charp, 0444);
MODULE_PARM_DESC(props, "properties of the zcdma device: name=[u64:]value;...");

static unsigned int max_seg;
module_param(max_seg, uint, 0444);
MODULE_PARM_DESC(max_seg, "longest sg entry the engine takes (bytes; 0 = 64 KiB)");

static unsigned int widths = BIT(DMA_SLAVE_BUSWIDTH_8_BYTES);
module_param(widths, uint, 0444);
MODULE_PARM_DESC(widths, "src_addr_widths advertised (bit N: N-byte words)");

static unsigned int max_burst = 16;
module_param(max_burst, uint, 0444);
MODULE_PARM_DESC(max_burst, "max_burst advertised (words)");

static bool dev_to_mem = true;
module_param(dev_to_mem, bool, 0444);
MODULE_PARM_DESC(dev_to_mem, "advertise DEV_TO_MEM (0: MEM_TO_DEV only)");

static bool device_config = true;
module_param(device_config, bool, 0444);
MODULE_PARM_DESC(device_config, "offer device_config (0: slave config fails with -ENOSYS)");

static bool directions = true;
module_param(directions, bool, 0444);
MODULE_PARM_DESC(directions, "advertise directions (0: none, slave caps fail with -ENXIO)");

static unsigned long long cfg_src_addr;
module_param(cfg_src_addr, ullong, 0444);
MODULE_PARM_DESC(cfg_src_addr, "src_addr of the last slave config");

static unsigned int cfg_width;
module_param(cfg_width, uint, 0444);
MODULE_PARM_DESC(cfg_width, "src_addr_width of the last slave config");

static unsigned int cfg_burst;
module_param(cfg_burst, uint, 0444);
MODULE_PARM_DESC(cfg_burst, "src_maxburst of the last slave config");

static unsigned int seg_max_seen;
module_param(seg_max_seen, uint, 0444);
MODULE_PARM_DESC(seg_max_seen, "longest sg entry seen in a descriptor");

static unsigned int last_nents;
module_param(last_nents, uint, 0444);
MODULE_PARM_DESC(last_nents, "sg entries of the last descriptor prepared");

static unsigned long reordered;
module_param(reordered, ulong, 0444);
MODULE_PARM_DESC(reordered, "pairs of transfers completed out of order so far");

static unsigned int descs_unacked;
module_param(descs_unacked, uint, 0444);
MODULE_PARM_DESC(descs_unacked, "completed descriptors not acked by the client");

struct zsim_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head node;
	struct scatterlist *sgl;
	unsigned int sg_len;
};

/* Results of the last ZSIM_RESULTS cookies (more than a ring's slots). */
#define ZSIM_RESULTS	4096

struct zsim_result {
	dma_cookie_t cookie;
	u32 residue;
	bool failed;
};

struct zsim {
	struct dma_device ddev;
	struct dma_chan chan;
	struct platform_device *pdev;		/* the engine */
	struct platform_device *client;		/* "zcdma.0" */

	spinlock_t lock;			/* lists, cookies, active */
	struct list_head submitted;
	struct list_head issued;
	struct list_head unacked;		/* completed, no DMA_CTRL_ACK yet */
	bool active;				/* between issue_pending and terminate */
	u64 slot_bytes;				/* a lost slot: the last descriptor */
	atomic64_t stream_dropped;		/* slots lost since the restart */

	struct mutex work_lock;			/* held while a descriptor is processed */
	struct task_struct *thread;
	wait_queue_head_t wq;
	u64 offset;				/* stream bytes produced or lost */
	struct rnd_state rnd;			/* fail_permille */
	struct zsim_result *results;		/* by cookie, under lock */

	struct work_struct first_work;		/* reorder: reports first */
	struct zsim_desc *first, *second;	/* the pair being reported */
	struct dmaengine_result first_res;
};

static struct zsim *zsim;

#define ZSIM_MAX_PROPS	8
static struct property_entry zsim_props[ZSIM_MAX_PROPS + 1];
static char *zsim_props_buf;

/* props="name=[u64:]value;..." into zsim_props (names point into a copy). */
static int zsim_parse_props(void)
{
	char *p, *item, *val;
	unsigned int n = 0;
	bool wide;
	u64 v;
	int ret;

	if (!props || !*props)
		return 0;
	zsim_props_buf = kstrdup(props, GFP_KERNEL);
	if (!zsim_props_buf)
		return -ENOMEM;
	p = zsim_props_buf;
	while ((item = strsep(&p, ";")) != NULL) {
		if (!*item)
			continue;
		val = strchr(item, '=');
		if (!val || n == ZSIM_MAX_PROPS)
			goto bad;
		*val++ = '\0';
		wide = str_has_prefix(val, "u64:");
		ret = kstrtou64(val + (wide ? 4 : 0), 0, &v);
		if (ret)
			goto bad;
		if (wide || v > U32_MAX)
			zsim_props[n++] = PROPERTY_ENTRY_U64(item, v);
		else
			zsim_props[n++] = PROPERTY_ENTRY_U32(item, v);
	}
	return 0;
bad:
	pr_err("zcdma_sim: bad props \"%s\": want name=[u64:]value;... (at most %d)\n",
	       props, ZSIM_MAX_PROPS);
	kfree(zsim_props_buf);
	zsim_props_buf = NULL;
	return -EINVAL;
}

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

static void zsim_free_list(struct list_head *list);
static void zsim_settle(struct zsim *zs);

/* Completed descriptors may go once the client has acked them. */
static void zsim_free_acked(struct zsim *zs)
{
	struct zsim_desc *d, *tmp;
	unsigned long flags;
	LIST_HEAD(dead);

	spin_lock_irqsave(&zs->lock, flags);
	list_for_each_entry_safe(d, tmp, &zs->unacked, node) {
		if (async_tx_test_ack(&d->tx)) {
			list_move_tail(&d->node, &dead);
			descs_unacked--;
		}
	}
	spin_unlock_irqrestore(&zs->lock, flags);
	zsim_free_list(&dead);
}

static struct dma_async_tx_descriptor *
zsim_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
		   unsigned int sg_len, enum dma_transfer_direction dir,
		   unsigned long flags, void *context)
{
	struct device *dev = to_zsim(chan)->ddev.dev;
	u32 limit = dma_get_max_seg_size(dev);
	struct scatterlist *sg;
	struct zsim_desc *d;
	unsigned int i;

	if (dir != DMA_DEV_TO_MEM || !sg_len || !dev_to_mem)
		return NULL;
	for_each_sg(sgl, sg, sg_len, i) {
		if (sg_dma_len(sg) > limit) {
			dev_err_ratelimited(dev, "sg entry %u of %u bytes: longer than max_seg %u\n",
					    i, sg_dma_len(sg), limit);
			return NULL;
		}
		WRITE_ONCE(seg_max_seen, max(seg_max_seen, sg_dma_len(sg)));
	}
	WRITE_ONCE(last_nents, sg_len);
	zsim_free_acked(to_zsim(chan));
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
	if (cfg->direction != DMA_DEV_TO_MEM || !dev_to_mem ||
	    cfg->src_addr_width > 8 || !(widths & BIT(cfg->src_addr_width)) ||
	    (max_burst && cfg->src_maxburst > max_burst))
		return -EINVAL;
	WRITE_ONCE(cfg_src_addr, cfg->src_addr);
	WRITE_ONCE(cfg_width, cfg->src_addr_width);
	WRITE_ONCE(cfg_burst, cfg->src_maxburst);
	return 0;
}

static u64 zsim_dropped(struct dma_chan *chan)
{
	return atomic64_read(&to_zsim(chan)->stream_dropped);
}

static void zsim_restart(struct dma_chan *chan, u64 slot_bytes)
{
	struct zsim *zs = to_zsim(chan);

	mutex_lock(&zs->work_lock);
	zs->offset = 0;
	WRITE_ONCE(zs->slot_bytes, slot_bytes);
	atomic64_set(&zs->stream_dropped, 0);
	mutex_unlock(&zs->work_lock);
}

static const struct zcdma_sim_ops zsim_ops = {
	.dropped = zsim_dropped,
	.restart = zsim_restart,
};

const struct zcdma_sim_ops *zcdma_sim_get_ops(struct dma_chan *chan)
{
	if (generic || !zsim || chan != &zsim->chan)
		return NULL;
	return &zsim_ops;
}
EXPORT_SYMBOL_GPL(zcdma_sim_get_ops);

/*
 * Also with nothing submitted: the engine then runs dry and, at a rate,
 * counts the slots it cannot store.
 */
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

	/* The worker finishes the descriptor (and callbacks) it is on. */
	mutex_lock(&zs->work_lock);
	zsim_settle(zs);
	mutex_unlock(&zs->work_lock);
}

static enum dma_status zsim_tx_status(struct dma_chan *chan, dma_cookie_t cookie,
				      struct dma_tx_state *state)
{
	struct zsim *zs = to_zsim(chan);
	struct zsim_result *r = &zs->results[cookie & (ZSIM_RESULTS - 1)];
	dma_cookie_t used, done;
	enum dma_status status;
	unsigned long flags;
	u32 residue = 0;

	spin_lock_irqsave(&zs->lock, flags);
	used = chan->cookie;
	done = chan->completed_cookie;
	if (cookie > 0 && r->cookie == cookie) {
		status = r->failed ? DMA_ERROR : DMA_COMPLETE;
		residue = r->residue;
	} else {
		status = dma_async_is_complete(cookie, done, used);
	}
	spin_unlock_irqrestore(&zs->lock, flags);
	dma_set_tx_state(state, done, used, residue);
	return status;
}

/* The CPU address of bus address @addr, as the bus would resolve it. */
static phys_addr_t zsim_bus_to_phys(struct device *dev, dma_addr_t addr)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	if (dom)
		return iommu_iova_to_phys(dom, addr);
	return dma_to_phys(dev, addr);
}

/*
 * Write up to @limit bytes of the counter pattern where the device would: at
 * the descriptor's DMA addresses. Returns the bytes written, or -EFAULT for
 * a bus address with no memory behind it (a bus error on hardware). With
 * fill=0 only the stream position advances.
 */
static long zsim_fill(struct zsim *zs, struct zsim_desc *d, u64 limit)
{
	struct device *dev = zs->ddev.dev;
	bool write = READ_ONCE(fill);
	struct scatterlist *sg;
	u64 done = 0;
	unsigned int i;

	for_each_sg(d->sgl, sg, d->sg_len, i) {
		dma_addr_t addr = sg_dma_address(sg);
		u64 len = min_t(u64, sg_dma_len(sg), limit - done);

		while (len) {
			phys_addr_t phys = zsim_bus_to_phys(dev, addr);
			size_t off = offset_in_page(phys);
			size_t n = min_t(u64, len, PAGE_SIZE - off), k;
			u64 first = zs->offset / sizeof(__le64);
			__le64 *w;

			if (!pfn_valid(PHYS_PFN(phys)))
				return -EFAULT;
			if (write) {
				w = kmap_local_page(pfn_to_page(PHYS_PFN(phys))) + off;
				for (k = 0; k < n / sizeof(*w); k++)
					w[k] = cpu_to_le64(first + k);
				kunmap_local(w);
			}
			zs->offset += n;
			addr += n;
			len -= n;
			done += n;
		}
	}
	return done;
}

static u64 zsim_desc_bytes(struct zsim_desc *d)
{
	struct scatterlist *sg;
	unsigned int i;
	u64 total = 0;

	for_each_sg(d->sgl, sg, d->sg_len, i)
		total += sg_dma_len(sg);
	return total;
}

/* Count an armed fail_nth/short_nth down; true when it fires now. */
static bool zsim_nth(unsigned int *nth)
{
	unsigned int n = READ_ONCE(*nth);

	if (!n)
		return false;
	WRITE_ONCE(*nth, n - 1);
	return n == 1;
}

static bool zsim_fail_random(struct zsim *zs)
{
	unsigned int p = READ_ONCE(fail_permille);

	if (atomic_xchg(&zsim_reseed, 0))
		prandom_seed_state(&zs->rnd, READ_ONCE(seed));
	return p && prandom_u32_state(&zs->rnd) % 1000 < p;
}

/* Do one transfer (or fail it): what to report to the client. */
static struct dmaengine_result zsim_do(struct zsim *zs, struct zsim_desc *d)
{
	struct dmaengine_result res = { .result = DMA_TRANS_NOERROR };
	u64 total = zsim_desc_bytes(d), limit = total, start = zs->offset;
	bool fail = zsim_fail_random(zs);
	long done;

	WRITE_ONCE(zs->slot_bytes, total);

	fail |= zsim_nth(&fail_nth);
	if (zsim_nth(&short_nth))
		limit = round_down(min_t(u64, READ_ONCE(short_bytes) ?: total / 2,
					 total), sizeof(__le64));
	if (fail) {
		/* Nothing written; the slot's share of the stream is lost. */
		zs->offset += total;
		res.result = DMA_TRANS_WRITE_FAILED;
		res.residue = total;
	} else {
		done = zsim_fill(zs, d, limit);
		if (done < 0) {
			zs->offset = start + total;
			res.result = DMA_TRANS_WRITE_FAILED;
			res.residue = total;
		} else {
			res.residue = total - done;
		}
	}
	return res;
}

/*
 * Report a transfer: its cookie complete (for tx_status; the channel's
 * completed cookie only with @in_order), then its callback.
 */
static void zsim_report(struct zsim *zs, struct zsim_desc *d,
			const struct dmaengine_result *res, bool in_order)
{
	struct dma_async_tx_descriptor *tx = &d->tx;
	struct zsim_result *r = &zs->results[tx->cookie & (ZSIM_RESULTS - 1)];
	unsigned long flags;

	spin_lock_irqsave(&zs->lock, flags);
	r->cookie = tx->cookie;
	r->failed = res->result != DMA_TRANS_NOERROR;
	r->residue = res->residue;
	if (in_order)
		zs->chan.completed_cookie = tx->cookie;
	spin_unlock_irqrestore(&zs->lock, flags);
	if (tx->callback_result)
		tx->callback_result(tx->callback_param, res);
	else if (tx->callback)
		tx->callback(tx->callback_param);
}

/* Free a reported descriptor, or keep it until the client acks it. */
static void zsim_retire(struct zsim *zs, struct zsim_desc *d)
{
	unsigned long flags;

	spin_lock_irqsave(&zs->lock, flags);
	if (!async_tx_test_ack(&d->tx)) {
		list_add_tail(&d->node, &zs->unacked);
		descs_unacked++;
		d = NULL;
	}
	spin_unlock_irqrestore(&zs->lock, flags);
	kfree(d);
}

/*
 * reorder: the last pair's first transfer is reported by first_work; once
 * it is, the pair is done in order too. With work_lock held.
 */
static void zsim_settle(struct zsim *zs)
{
	unsigned long flags;

	lockdep_assert_held(&zs->work_lock);
	if (!zs->first)
		return;
	flush_work(&zs->first_work);
	spin_lock_irqsave(&zs->lock, flags);
	zs->chan.completed_cookie = zs->second->tx.cookie;
	spin_unlock_irqrestore(&zs->lock, flags);
	zsim_retire(zs, zs->first);
	zsim_retire(zs, zs->second);
	zs->first = NULL;
	zs->second = NULL;
}

static void zsim_transfer(struct zsim *zs, struct zsim_desc *d)
{
	struct dmaengine_result res = zsim_do(zs, d);

	zsim_settle(zs);
	zsim_report(zs, d, &res, true);
	zsim_retire(zs, d);
}

static void zsim_first_work(struct work_struct *work)
{
	struct zsim *zs = container_of(work, struct zsim, first_work);

	zsim_report(zs, zs->first, &zs->first_res, false);
}

/*
 * reorder: two transfers written in stream order; the second is reported
 * first, by the engine thread, then the first from a workqueue on the other
 * CPU, while the thread goes on with the next pair (whose second transfer
 * it reports concurrently).
 */
static void zsim_transfer_pair(struct zsim *zs, struct zsim_desc *d1,
			       struct zsim_desc *d2)
{
	struct dmaengine_result res1 = zsim_do(zs, d1);
	struct dmaengine_result res2 = zsim_do(zs, d2);
	int cpu;

	zsim_report(zs, d2, &res2, false);
	zsim_settle(zs);
	reordered++;
	zs->first = d1;
	zs->second = d2;
	zs->first_res = res1;
	cpu = cpumask_any_but(cpu_online_mask, raw_smp_processor_id());
	if (cpu < nr_cpu_ids)
		queue_work_on(cpu, system_highpri_wq, &zs->first_work);
	else
		queue_work(system_highpri_wq, &zs->first_work);
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
	ret = rate && zs->slot_bytes ? zs->active : !list_empty(&zs->issued);
	spin_unlock_irq(&zs->lock);
	return ret || kthread_should_stop();
}

static int zsim_thread(void *arg)
{
	struct zsim *zs = arg;
	ktime_t next = 0;

	while (!kthread_should_stop()) {
		unsigned long r = READ_ONCE(rate);
		u64 slot = READ_ONCE(zs->slot_bytes);
		struct zsim_desc *d, *d2;

		if (!zsim_has_work(zs)) {
			mutex_lock(&zs->work_lock);
			zsim_settle(zs);
			mutex_unlock(&zs->work_lock);
			wait_event_interruptible(zs->wq, zsim_has_work(zs));
			next = ktime_get();
			continue;
		}
		if (r && slot) {
			u64 period = div64_u64(slot * NSEC_PER_SEC, r);

			next = ktime_add_ns(next, period);
			if (ktime_before(ktime_get(), next)) {
				set_current_state(TASK_INTERRUPTIBLE);
				schedule_hrtimeout(&next, HRTIMER_MODE_ABS);
			}
		}

		mutex_lock(&zs->work_lock);
		d = zsim_next(zs);
		d2 = d && READ_ONCE(reorder) ? zsim_next(zs) : NULL;
		if (d2) {
			zsim_transfer_pair(zs, d, d2);
		} else if (d) {
			zsim_transfer(zs, d);
		} else if (r && slot && READ_ONCE(zs->active)) {
			/* Nothing queued: the slot's worth of data is lost. */
			zs->offset += slot;
			atomic64_inc(&zs->stream_dropped);
			WRITE_ONCE(dropped, dropped + 1);
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
	unsigned long flags;
	LIST_HEAD(dead);

	zsim_terminate_all(chan);
	kthread_stop(zs->thread);
	mutex_lock(&zs->work_lock);
	zsim_settle(zs);
	mutex_unlock(&zs->work_lock);
	spin_lock_irqsave(&zs->lock, flags);
	list_splice_tail_init(&zs->unacked, &dead);
	descs_unacked = 0;
	spin_unlock_irqrestore(&zs->lock, flags);
	zsim_free_list(&dead);
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
	if (max_seg) {
		/* An int before 6.12, void since: check the result instead. */
		dma_set_max_seg_size(&pdev->dev, max_seg);
		if (dma_get_max_seg_size(&pdev->dev) != max_seg)
			return -EIO;
	}
	if (directions)
		dd->directions = BIT(dev_to_mem ? DMA_DEV_TO_MEM : DMA_MEM_TO_DEV);
	dd->src_addr_widths = widths;
	dd->dst_addr_widths = widths;
	dd->max_burst = max_burst;
	dd->residue_granularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR;
	dd->device_alloc_chan_resources = zsim_alloc_chan_resources;
	dd->device_free_chan_resources = zsim_free_chan_resources;
	dd->device_prep_slave_sg = zsim_prep_slave_sg;
	if (device_config)
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
		/* Its channel is in use by zcdma.0 for as long as it is bound. */
		.suppress_bind_attrs = true,
	},
};

static int __init zsim_init(void)
{
	struct platform_device_info client = {
		.name = "zcdma",
		.id = 0,
		.properties = zsim_props,
	};
	int ret;

	ret = zsim_parse_props();
	if (ret)
		return ret;

	zsim = kzalloc(sizeof(*zsim), GFP_KERNEL);
	if (!zsim) {
		kfree(zsim_props_buf);
		return -ENOMEM;
	}
	spin_lock_init(&zsim->lock);
	mutex_init(&zsim->work_lock);
	init_waitqueue_head(&zsim->wq);
	INIT_LIST_HEAD(&zsim->submitted);
	INIT_LIST_HEAD(&zsim->issued);
	INIT_LIST_HEAD(&zsim->unacked);
	INIT_WORK(&zsim->first_work, zsim_first_work);
	zsim->results = kcalloc(ZSIM_RESULTS, sizeof(*zsim->results), GFP_KERNEL);
	if (!zsim->results) {
		kfree(zsim);
		kfree(zsim_props_buf);
		return -ENOMEM;
	}

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
	zsim->client = platform_device_register_full(&client);
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
	kfree(zsim->results);
	kfree(zsim);
	kfree(zsim_props_buf);
	return ret;
}

static void __exit zsim_exit(void)
{
	platform_device_unregister(zsim->client);
	platform_device_unregister(zsim->pdev);
	platform_driver_unregister(&zsim_driver);
	kfree(zsim->results);
	kfree(zsim);
	kfree(zsim_props_buf);
}

module_init(zsim_init);
module_exit(zsim_exit);

MODULE_DESCRIPTION("Software DMA engine feeding zcdma with the counter pattern");
MODULE_AUTHOR("gr-zcdma authors");
MODULE_LICENSE("GPL");
