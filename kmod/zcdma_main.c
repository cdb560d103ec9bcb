// SPDX-License-Identifier: GPL-2.0
/*
 * zcdma: a DMA receive ring whose slots are ordinary pages that user space
 * maps read-only, so the very same pages can be handed to
 * sendmsg(MSG_ZEROCOPY). Memory from remap_pfn_range() or
 * dma_mmap_coherent() is VM_PFNMAP and makes MSG_ZEROCOPY fail with EFAULT.
 *
 * The producer is a dmaengine DEV_TO_MEM slave channel named "rx". Hardware
 * binds through the device tree (compatible "gr-zcdma,rx-ring", dmas and
 * dma-names = "rx"); zcdma_sim.ko provides a software channel and the
 * platform device for machines without one.
 *
 * User space (see include/uapi/linux/zcdma.h):
 *	fd = open("/dev/zcdma0", O_RDWR);
 *	ioctl(fd, ZCDMA_IOC_INFO, &info);
 *	ring = mmap(NULL, info.mmap_size, PROT_READ, MAP_SHARED, fd, 0);
 *	ioctl(fd, ZCDMA_IOC_START);
 *	ioctl(fd, ZCDMA_IOC_ACQUIRE, &acq);  ...  ioctl(fd, ZCDMA_IOC_RELEASE, &rel);
 */
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/poll.h>
#include <linux/property.h>
#include <linux/slab.h>

#include "zcdma.h"

/*
 * 64 x 1 MiB: zero-copy TCP keeps every byte not yet acknowledged in the
 * ring, so the ring must cover the socket send buffer plus bandwidth x RTT
 * (docs/kernel.md). 32 x 64 KiB measured 210 MB/s in the guest, this 270.
 */
static unsigned int nbufs = 64;
module_param(nbufs, uint, 0444);
MODULE_PARM_DESC(nbufs, "default number of ring slots (2..4096)");

static unsigned int bufsize = SZ_1M;
module_param(bufsize, uint, 0444);
MODULE_PARM_DESC(bufsize, "default slot size in bytes (a PAGE_SIZE multiple, at most 256 MiB)");

static unsigned int max_ring_mib;
module_param(max_ring_mib, uint, 0444);
MODULE_PARM_DESC(max_ring_mib,
		 "largest ring (nbufs x bufsize) in MiB; 0 at load = a quarter of RAM");

u64 zcdma_max_ring_bytes(void)
{
	return (u64)max_ring_mib << 20;
}

/* A geometry CONFIG and the module parameters accept. */
bool zcdma_geometry_ok(u64 n, u64 size)
{
	return n >= 2 && n <= ZCDMA_MAX_NBUFS && size && PAGE_ALIGNED(size) &&
	       size <= ZCDMA_MAX_BUFSIZE && n * size <= zcdma_max_ring_bytes();
}

static DEFINE_IDA(zcdma_ida);

static void zcdma_dev_free(struct kref *ref)
{
	struct zcdma_dev *zd = container_of(ref, struct zcdma_dev, ref);

	if (zd->ring)
		zcdma_ring_put(zd->ring);
	ida_free(&zcdma_ida, zd->id);
	kfree(zd);
}

void zcdma_dev_put(struct zcdma_dev *zd)
{
	kref_put(&zd->ref, zcdma_dev_free);
}

static struct zcdma_dev *zcdma_from_file(struct file *file)
{
	return container_of(file->private_data, struct zcdma_dev, misc);
}

static int zcdma_open(struct inode *inode, struct file *file)
{
	struct zcdma_dev *zd = zcdma_from_file(file);

	if (READ_ONCE(zd->gone))
		return -ENODEV;
	kref_get(&zd->ref);
	return 0;
}

/*
 * The last reference to the file is gone: its last close() and, because
 * every vma holds the file, its last munmap(). Only now does the owner's
 * stream stop; the next owner gets a new ring. Pages still in flight in the
 * network stack hold their own page references.
 */
static int zcdma_release(struct inode *inode, struct file *file)
{
	struct zcdma_dev *zd = zcdma_from_file(file);
	struct zcdma_ring *old = NULL;
	unsigned long flags;
	u32 i;

	mutex_lock(&zd->lock);
	if (zd->owner == file) {
		if (zd->running)
			zcdma_dma_stop(zd);
		if (zd->ring) {
			spin_lock_irqsave(&zd->slock, flags);
			for (i = 0; i < zd->ring->nbufs; i++)
				if (zd->ring->slots[i].state == ZCDMA_SLOT_HELD)
					zd->ring->slots[i].state = ZCDMA_SLOT_FREE;
			zd->held = 0;
			spin_unlock_irqrestore(&zd->slock, flags);
			old = zcdma_swap_ring(zd, NULL);
		}
		zd->owner = NULL;
	}
	mutex_unlock(&zd->lock);
	if (old)
		zcdma_ring_put(old);
	zcdma_dev_put(zd);
	return 0;
}

static int zcdma_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct zcdma_dev *zd = zcdma_from_file(file);
	int ret;

	/* Mapping claims the device: it needs a file opened for writing. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EACCES;
	mutex_lock(&zd->lock);
	ret = zcdma_claim(zd, file);
	if (!ret)
		ret = zcdma_ensure_ring(zd);
	if (!ret)
		ret = zcdma_ring_mmap(zd->ring, vma);
	mutex_unlock(&zd->lock);
	return ret;
}

static __poll_t zcdma_poll(struct file *file, poll_table *wait)
{
	struct zcdma_dev *zd = zcdma_from_file(file);

	poll_wait(file, &zd->wq, wait);
	if (READ_ONCE(zd->gone))
		return EPOLLERR | EPOLLHUP;
	return READ_ONCE(zd->filled) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations zcdma_fops = {
	.owner = THIS_MODULE,
	.open = zcdma_open,
	.release = zcdma_release,
	.unlocked_ioctl = zcdma_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = zcdma_mmap,
	.poll = zcdma_poll,
	.llseek = noop_llseek,
};

static struct zcdma_dev *zcdma_from_dev(struct device *dev)
{
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct zcdma_dev, misc);
}

struct zcdma_stat_attr {
	struct device_attribute attr;
	size_t offset;		/* of a u64 in struct zcdma_stats_counters */
};

static ssize_t zcdma_stat_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct zcdma_stat_attr *sa = container_of(attr, struct zcdma_stat_attr, attr);
	const u64 *counters = (const u64 *)&zcdma_from_dev(dev)->stats;

	return sysfs_emit(buf, "%llu\n", READ_ONCE(counters[sa->offset / sizeof(u64)]));
}

static struct zcdma_stat_attr zcdma_stat_attrs[] = {
	{ __ATTR(slots_filled, 0444, zcdma_stat_show, NULL),
	  offsetof(struct zcdma_stats_counters, slots_filled) },
	{ __ATTR(slots_acquired, 0444, zcdma_stat_show, NULL),
	  offsetof(struct zcdma_stats_counters, slots_acquired) },
	{ __ATTR(slots_released, 0444, zcdma_stat_show, NULL),
	  offsetof(struct zcdma_stats_counters, slots_released) },
	{ __ATTR(slots_discarded, 0444, zcdma_stat_show, NULL),
	  offsetof(struct zcdma_stats_counters, slots_discarded) },
	{ __ATTR(overruns, 0444, zcdma_stat_show, NULL),
	  offsetof(struct zcdma_stats_counters, overruns) },
	{ __ATTR(bytes_filled, 0444, zcdma_stat_show, NULL),
	  offsetof(struct zcdma_stats_counters, bytes_filled) },
};

static ssize_t slots_dropped_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct zcdma_dev *zd = zcdma_from_dev(dev);
	unsigned long flags;
	u64 n;

	spin_lock_irqsave(&zd->slock, flags);
	n = zcdma_dropped_now(zd);
	spin_unlock_irqrestore(&zd->slock, flags);
	return sysfs_emit(buf, "%llu\n", n);
}
static DEVICE_ATTR_RO(slots_dropped);

/* How lost slots are counted: exact, estimated (rate) or unknown. */
static ssize_t drops_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct zcdma_dev *zd = zcdma_from_dev(dev);

	if (zd->sim)
		return sysfs_emit(buf, "exact (zcdma_sim)\n");
	if (!zd->rate_known)
		return sysfs_emit(buf, "unknown (no %s)\n", ZCDMA_PROP_RATE);
	if (!zd->rate)
		return sysfs_emit(buf, "exact (flow-controlled: none)\n");
	return sysfs_emit(buf, "estimated (%llu bytes/s)\n", zd->rate);
}
static DEVICE_ATTR_RO(drops);

/* Scatterlist entries of a slot (after mapping); 0 without a ring. */
static ssize_t sg_entries_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct zcdma_dev *zd = zcdma_from_dev(dev);
	unsigned long flags;
	u32 n = 0;

	spin_lock_irqsave(&zd->slock, flags);
	if (zd->ring)
		n = zd->ring->slots[0].sgt.nents;
	spin_unlock_irqrestore(&zd->slock, flags);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(sg_entries);

/* The ring's geometry, or the one the next ring gets. */
static void zcdma_geometry(struct zcdma_dev *zd, u32 *n, size_t *size)
{
	unsigned long flags;

	spin_lock_irqsave(&zd->slock, flags);
	*n = zd->ring ? zd->ring->nbufs : zd->cfg_nbufs;
	*size = zd->ring ? zd->ring->bufsize : zd->cfg_bufsize;
	spin_unlock_irqrestore(&zd->slock, flags);
}

static ssize_t nbufs_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	size_t size;
	u32 n;

	zcdma_geometry(zcdma_from_dev(dev), &n, &size);
	return sysfs_emit(buf, "%u\n", n);
}
static DEVICE_ATTR_RO(nbufs);

static ssize_t bufsize_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	size_t size;
	u32 n;

	zcdma_geometry(zcdma_from_dev(dev), &n, &size);
	return sysfs_emit(buf, "%zu\n", size);
}
static DEVICE_ATTR_RO(bufsize);

static ssize_t running_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(zcdma_from_dev(dev)->running));
}
static DEVICE_ATTR_RO(running);

static struct attribute *zcdma_attrs[] = {
	&dev_attr_nbufs.attr,
	&dev_attr_bufsize.attr,
	&dev_attr_running.attr,
	&dev_attr_slots_dropped.attr,
	&dev_attr_drops.attr,
	&dev_attr_sg_entries.attr,
	&zcdma_stat_attrs[0].attr.attr,
	&zcdma_stat_attrs[1].attr.attr,
	&zcdma_stat_attrs[2].attr.attr,
	&zcdma_stat_attrs[3].attr.attr,
	&zcdma_stat_attrs[4].attr.attr,
	&zcdma_stat_attrs[5].attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(zcdma);

/*
 * ZCDMA_PROP_RATE: a u64 (/bits/ 64 in a device tree) or a u32. Absent:
 * lost slots are reported as unknown.
 */
static int zcdma_read_rate(struct zcdma_dev *zd)
{
	struct device *dev = zd->dev;
	u32 r32;

	if (!device_property_present(dev, ZCDMA_PROP_RATE))
		return 0;
	if (!device_property_read_u64(dev, ZCDMA_PROP_RATE, &zd->rate)) {
		zd->rate_known = true;
	} else if (!device_property_read_u32(dev, ZCDMA_PROP_RATE, &r32)) {
		zd->rate = r32;
		zd->rate_known = true;
	} else {
		return dev_err_probe(dev, -EINVAL,
				     "%s: want a u32 or a /bits/ 64 u64\n",
				     ZCDMA_PROP_RATE);
	}
	return 0;
}

/*
 * zcdma_sim counts lost slots exactly; only its own channels, and only
 * when it offers that (not with its generic=1). No module dependency.
 */
static void zcdma_find_sim(struct zcdma_dev *zd)
{
	const struct zcdma_sim_ops *(*get_ops)(struct dma_chan *chan);

	if (strcmp(dev_driver_string(zd->chan->device->dev), "zcdma-sim-dma"))
		return;
	get_ops = symbol_get(zcdma_sim_get_ops);
	if (!get_ops)
		return;
	zd->sim = get_ops(zd->chan);
	if (!zd->sim)
		symbol_put(zcdma_sim_get_ops);
}

static void zcdma_put_sim(struct zcdma_dev *zd)
{
	if (zd->sim)
		symbol_put(zcdma_sim_get_ops);
	zd->sim = NULL;
}

/* An optional u64 (/bits/ 64) or u32 property: -ENOENT when absent. */
static int zcdma_read_u64(struct device *dev, const char *name, u64 *val)
{
	u32 v32;

	if (!device_property_present(dev, name))
		return -ENOENT;
	if (!device_property_read_u64(dev, name, val))
		return 0;
	if (!device_property_read_u32(dev, name, &v32)) {
		*val = v32;
		return 0;
	}
	return dev_err_probe(dev, -EINVAL, "%s: want a u32 or a /bits/ 64 u64\n",
			     name);
}

/*
 * A provider without device_config (ADI AXI DMAC in 6.1) takes no slave
 * configuration: dmaengine_slave_config() fails with -ENOSYS before any
 * provider code runs. Its peripheral side is fixed by its own node, so it
 * works as long as the zcdma node asks for nothing it would have to set.
 */
static int zcdma_check_slave_config(struct zcdma_dev *zd, const char *name)
{
	static const char * const props[] = {
		ZCDMA_PROP_FIFO, ZCDMA_PROP_WIDTH, ZCDMA_PROP_BURST,
	};
	unsigned int i;

	/* What dmaengine_slave_config() checks before it fails. */
	if (zd->chan->device->device_config)
		return 0;
	for (i = 0; i < ARRAY_SIZE(props); i++)
		if (device_property_present(zd->dev, props[i]))
			return dev_err_probe(zd->dev, -EINVAL,
					     "%s: DMA channel %s takes no slave configuration (no device_config): its peripheral side is set in its own node; remove %s\n",
					     props[i], name, props[i]);
	zd->no_slave_config = true;
	return 0;
}

/*
 * The peripheral side of the channel, from the device tree (or software
 * node), checked against what the channel says it can do: it must read
 * from a device into memory, at the bus width and burst asked for, and
 * its longest segment must hold at least one word. A provider that
 * reports no capabilities (no directions: AMD XDMA) is trusted: the
 * properties or the defaults are used unchecked.
 */
static int zcdma_setup_channel(struct zcdma_dev *zd)
{
	const char *name = dma_chan_name(zd->chan);
	struct device *dev = zd->dev;
	struct dma_slave_caps caps;
	bool caps_known = true;
	const char *residue;
	u32 seg, unit;
	u64 fifo;
	int ret;

	ret = zcdma_check_slave_config(zd, name);
	if (ret)
		return ret;
	ret = dma_get_slave_caps(zd->chan, &caps);
	if (ret == -ENXIO) {
		dev_warn(dev, "DMA channel %s reports no slave capabilities (no directions): assuming DEV_TO_MEM, %s or %u-byte words, %s or 1, unchecked\n",
			 name, ZCDMA_PROP_WIDTH, ZCDMA_DEFAULT_WIDTH,
			 ZCDMA_PROP_BURST);
		memset(&caps, 0, sizeof(caps));
		caps.directions = BIT(DMA_DEV_TO_MEM);
		caps_known = false;
	} else if (ret) {
		return dev_err_probe(dev, ret,
				     "DMA channel %s reports no slave capabilities\n",
				     name);
	}
	if (!(caps.directions & BIT(DMA_DEV_TO_MEM)))
		return dev_err_probe(dev, -EINVAL,
				     "DMA channel %s cannot do DEV_TO_MEM (directions %#x)\n",
				     name, caps.directions);

	ret = zcdma_read_u64(dev, ZCDMA_PROP_FIFO, &fifo);
	if (!ret) {
		if (fifo != (dma_addr_t)fifo)
			return dev_err_probe(dev, -EINVAL,
					     "%s = <%#llx>: beyond a %zu-bit bus address\n",
					     ZCDMA_PROP_FIFO, fifo,
					     sizeof(dma_addr_t) * 8);
		zd->fifo_addr = fifo;
	} else if (ret != -ENOENT) {
		return ret;
	}

	if (device_property_present(dev, ZCDMA_PROP_WIDTH)) {
		if (device_property_read_u32(dev, ZCDMA_PROP_WIDTH, &zd->width))
			return dev_err_probe(dev, -EINVAL, "%s: want a u32\n",
					     ZCDMA_PROP_WIDTH);
		if (zd->width != 1 && zd->width != 2 && zd->width != 4 &&
		    zd->width != 8)
			return dev_err_probe(dev, -EINVAL,
					     "%s = <%u>: want 1, 2, 4 or 8 (bytes)\n",
					     ZCDMA_PROP_WIDTH, zd->width);
		if (caps.src_addr_widths &&
		    !(caps.src_addr_widths & BIT(zd->width)))
			return dev_err_probe(dev, -EINVAL,
					     "%s = <%u>: DMA channel %s cannot read %u-byte words (src_addr_widths %#x)\n",
					     ZCDMA_PROP_WIDTH, zd->width, name,
					     zd->width, caps.src_addr_widths);
	} else if (!caps_known) {
		zd->width = ZCDMA_DEFAULT_WIDTH;
	} else {
		/* The widest the channel reads, up to 8 bytes. */
		for (zd->width = 8; zd->width; zd->width >>= 1)
			if (caps.src_addr_widths & BIT(zd->width))
				break;
		/* Never sent to a provider without device_config: aligns only. */
		if (!zd->width && zd->no_slave_config)
			zd->width = 8;
		if (!zd->width)
			return dev_err_probe(dev, -EINVAL,
					     "DMA channel %s reads no 1, 2, 4 or 8-byte words (src_addr_widths %#x); set %s\n",
					     name, caps.src_addr_widths,
					     ZCDMA_PROP_WIDTH);
	}

	zd->burst = 1;
	if (device_property_present(dev, ZCDMA_PROP_BURST) &&
	    device_property_read_u32(dev, ZCDMA_PROP_BURST, &zd->burst))
		return dev_err_probe(dev, -EINVAL, "%s: want a u32\n",
				     ZCDMA_PROP_BURST);
	if (!zd->burst || (caps.max_burst && zd->burst > caps.max_burst))
		return dev_err_probe(dev, -EINVAL,
				     "%s = <%u>: DMA channel %s bursts 1 to %u words\n",
				     ZCDMA_PROP_BURST, zd->burst, name,
				     caps.max_burst);
	unit = zd->width * zd->burst;
	if (PAGE_SIZE % unit)
		return dev_err_probe(dev, -EINVAL,
				     "%s x %s = %u bytes: must divide the page size %lu\n",
				     ZCDMA_PROP_BURST, ZCDMA_PROP_WIDTH, unit,
				     PAGE_SIZE);

	/* Slot sg entries longer than the engine's segments are split. */
	seg = dma_get_max_seg_size(dmaengine_get_dma_device(zd->chan));
	zd->max_seg = seg >= unit ? rounddown(seg, unit) : rounddown(seg, zd->width);
	if (!zd->max_seg)
		return dev_err_probe(dev, -EINVAL,
				     "DMA channel %s: maximum segment %u bytes is below the %u-byte bus width\n",
				     name, seg, zd->width);
	if (!caps_known)
		residue = "unknown";
	else if (caps.residue_granularity == DMA_RESIDUE_GRANULARITY_DESCRIPTOR)
		residue = "per descriptor";
	else if (caps.residue_granularity == DMA_RESIDUE_GRANULARITY_SEGMENT)
		residue = "per segment";
	else
		residue = "per burst";
	if (zd->no_slave_config)
		dev_info(dev, "DMA channel %s: no slave configuration (its own node sets the peripheral side), segments up to %u bytes, residue %s\n",
			 name, zd->max_seg, residue);
	else
		dev_info(dev, "DMA channel %s: FIFO %pad, %u-byte words, bursts of %u, segments up to %u bytes, residue %s\n",
			 name, &zd->fifo_addr, zd->width, zd->burst,
			 zd->max_seg, residue);
	return 0;
}

static int zcdma_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct zcdma_dev *zd;
	int ret;

	zd = kzalloc(sizeof(*zd), GFP_KERNEL);
	if (!zd)
		return -ENOMEM;
	kref_init(&zd->ref);
	mutex_init(&zd->lock);
	mutex_init(&zd->acq_lock);
	spin_lock_init(&zd->slock);
	init_waitqueue_head(&zd->wq);
	zd->dev = dev;
	zd->cfg_nbufs = nbufs;
	zd->cfg_bufsize = bufsize;

	zd->id = ida_alloc(&zcdma_ida, GFP_KERNEL);
	if (zd->id < 0) {
		ret = zd->id;
		kfree(zd);
		return ret;
	}

	ret = zcdma_read_rate(zd);
	if (ret)
		goto err_put;
	zd->chan = dma_request_chan(dev, "rx");
	if (IS_ERR(zd->chan)) {
		ret = dev_err_probe(dev, PTR_ERR(zd->chan),
				    "no \"rx\" DMA channel\n");
		goto err_put;
	}
	ret = zcdma_setup_channel(zd);
	if (ret)
		goto err_release_chan;
	zcdma_find_sim(zd);

	snprintf(zd->name, sizeof(zd->name), "zcdma%d", zd->id);
	zd->misc.minor = MISC_DYNAMIC_MINOR;
	zd->misc.name = zd->name;
	zd->misc.fops = &zcdma_fops;
	zd->misc.parent = dev;
	zd->misc.groups = zcdma_groups;
	zd->misc.mode = 0660;
	ret = misc_register(&zd->misc);
	if (ret)
		goto err_release_chan;

	platform_set_drvdata(pdev, zd);
	dev_info(dev, "/dev/%s on DMA channel %s, lost slots %s\n", zd->name,
		 dma_chan_name(zd->chan), zd->sim ? "counted by zcdma_sim" :
		 !zd->rate_known ? "unknown" : zd->rate ? "estimated" : "none");
	return 0;

err_release_chan:
	zcdma_put_sim(zd);
	dma_release_channel(zd->chan);
err_put:
	zcdma_dev_put(zd);
	return ret;
}

/* Unbind: open files get -ENODEV, mapped pages stay valid until unmapped. */
static void zcdma_remove(struct platform_device *pdev)
{
	struct zcdma_dev *zd = platform_get_drvdata(pdev);
	struct zcdma_ring *old;

	misc_deregister(&zd->misc);
	mutex_lock(&zd->lock);
	WRITE_ONCE(zd->gone, true);	/* ioctls re-check it under the lock */
	if (zd->running)
		zcdma_dma_stop(zd);
	old = zcdma_swap_ring(zd, NULL);
	if (old)
		zcdma_ring_unmap_dma(old);
	/*
	 * The provider stops calling back once the channel is released
	 * (pl330 kills its tasklet); wait for a callback still running.
	 */
	dma_release_channel(zd->chan);
	zcdma_dma_quiesce(zd);
	zcdma_put_sim(zd);
	WRITE_ONCE(zd->chan, NULL);
	mutex_unlock(&zd->lock);
	if (old)
		zcdma_ring_put(old);
	wake_up_interruptible(&zd->wq);
	zcdma_dev_put(zd);
}

#ifndef ZCDMA_HAVE_VOID_REMOVE	/* before 6.11 .remove returned int */
static int zcdma_remove_int(struct platform_device *pdev)
{
	zcdma_remove(pdev);
	return 0;
}
#endif

static const struct of_device_id zcdma_of_match[] = {
	{ .compatible = "gr-zcdma,rx-ring" },
	{ }
};
MODULE_DEVICE_TABLE(of, zcdma_of_match);

static const struct platform_device_id zcdma_id_table[] = {
	{ .name = "zcdma" },
	{ }
};
MODULE_DEVICE_TABLE(platform, zcdma_id_table);

static struct platform_driver zcdma_driver = {
	.probe = zcdma_probe,
#ifdef ZCDMA_HAVE_VOID_REMOVE
	.remove = zcdma_remove,
#else
	.remove = zcdma_remove_int,
#endif
	.id_table = zcdma_id_table,
	.driver = {
		.name = "zcdma",
		.of_match_table = zcdma_of_match,
	},
};

/* Bad parameters fail the load, not each probe. */
static int __init zcdma_init(void)
{
	if (!max_ring_mib)
		max_ring_mib = max(totalram_pages() >> (22 - PAGE_SHIFT), 1UL);
	if (!zcdma_geometry_ok(nbufs, bufsize)) {
		pr_err("zcdma: bad module parameters nbufs=%u bufsize=%u max_ring_mib=%u: want nbufs 2..%u, bufsize a nonzero multiple of %lu up to %u, nbufs x bufsize <= max_ring_mib MiB\n",
		       nbufs, bufsize, max_ring_mib, ZCDMA_MAX_NBUFS, PAGE_SIZE,
		       ZCDMA_MAX_BUFSIZE);
		return -EINVAL;
	}
	return platform_driver_register(&zcdma_driver);
}
module_init(zcdma_init);

static void __exit zcdma_exit(void)
{
	platform_driver_unregister(&zcdma_driver);
}
module_exit(zcdma_exit);

MODULE_DESCRIPTION("Zero-copy DMA receive ring for MSG_ZEROCOPY streaming");
MODULE_AUTHOR("gr-zcdma authors");
MODULE_LICENSE("GPL");
