// SPDX-License-Identifier: GPL-2.0
/*
 * zcdma ring memory: individual order-0 pages (refcounted struct pages, so
 * user mappings of them work with MSG_ZEROCOPY), one sg_table per slot mapped
 * with the DMA API, mmap through vm_map_pages().
 *
 * Everything is charged to the memory cgroup of the task that allocates the
 * ring (__GFP_ACCOUNT) and the allocation stops on a fatal signal, so a huge
 * ring is paid for by its owner and can be interrupted.
 */
#define ZCDMA_GFP	(GFP_KERNEL_ACCOUNT | __GFP_NOWARN)
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "zcdma.h"

static void zcdma_ring_free(struct kref *ref)
{
	struct zcdma_ring *ring = container_of(ref, struct zcdma_ring, ref);
	unsigned long i;
	u32 s;

	/* Also a ring whose allocation stopped halfway: any array may be NULL. */
	zcdma_ring_unmap_dma(ring);
	put_device(ring->dma_dev);
	for (s = 0; ring->slots && s < ring->nbufs; s++)
		sg_free_table(&ring->slots[s].sgt);
	for (i = 0; ring->pages && i < ring->npages; i++)
		if (ring->pages[i])
			__free_page(ring->pages[i]);
	kvfree(ring->pages);
	kvfree(ring->slots);
	kfree(ring);
}

void zcdma_ring_get(struct zcdma_ring *ring)
{
	kref_get(&ring->ref);
}

void zcdma_ring_put(struct zcdma_ring *ring)
{
	kref_put(&ring->ref, zcdma_ring_free);
}

/*
 * Called when the DMA device goes away; the pages stay for the mappings.
 * DMA_ATTR_SKIP_CPU_SYNC: a bounce buffer must not be copied over pages
 * that user space and in-flight skbs still hold.
 */
void zcdma_ring_unmap_dma(struct zcdma_ring *ring)
{
	u32 s;

	down_write(&ring->map_lock);
	if (ring->mapped)
		for (s = 0; s < ring->nbufs; s++)
			dma_unmap_sgtable(ring->dma_dev, &ring->slots[s].sgt,
					  DMA_FROM_DEVICE,
					  DMA_ATTR_SKIP_CPU_SYNC);
	ring->mapped = false;
	up_write(&ring->map_lock);
}

/*
 * A slot's sg table: contiguous pages merged up to @max_seg bytes; with
 * @max_seg below a page, every page split into entries of at most that.
 */
static int zcdma_slot_sgt(struct sg_table *sgt, struct page **pages,
			  unsigned long npages, u32 max_seg)
{
	unsigned int per_page, i, k;
	struct scatterlist *sg;
	int ret;

	if (max_seg >= PAGE_SIZE)
		return sg_alloc_table_from_pages_segment(sgt, pages, npages, 0,
							 npages << PAGE_SHIFT,
							 max_seg, ZCDMA_GFP);
	per_page = DIV_ROUND_UP(PAGE_SIZE, max_seg);
	ret = sg_alloc_table(sgt, npages * per_page, ZCDMA_GFP);
	if (ret)
		return ret;
	sg = sgt->sgl;
	for (i = 0; i < npages; i++) {
		for (k = 0; k < per_page; k++) {
			u32 off = k * max_seg;

			sg_set_page(sg, pages[i], min_t(u32, max_seg, PAGE_SIZE - off),
				    off);
			sg = sg_next(sg);
		}
	}
	return 0;
}

struct zcdma_ring *zcdma_ring_alloc(struct device *dma_dev, u32 nbufs,
				    size_t bufsize, u32 max_seg)
{
	unsigned long pages_per_slot = bufsize >> PAGE_SHIFT;
	struct zcdma_ring *ring;
	unsigned long i;
	u32 s, mapped = 0;
	int ret;

	ring = kzalloc(sizeof(*ring), ZCDMA_GFP);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	kref_init(&ring->ref);
	atomic_set(&ring->maps, 0);
	init_rwsem(&ring->map_lock);
	ring->dma_dev = get_device(dma_dev);
	ring->nbufs = nbufs;
	ring->bufsize = bufsize;
	ring->npages = pages_per_slot * nbufs;
	ring->pages = kvcalloc(ring->npages, sizeof(*ring->pages), ZCDMA_GFP);
	ring->slots = kvcalloc(nbufs, sizeof(*ring->slots), ZCDMA_GFP);
	if (!ring->pages || !ring->slots) {
		ret = -ENOMEM;
		goto err_free;
	}

	for (i = 0; i < ring->npages; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto err_free;
		}
		/* Zeroed: user space must never see stale kernel data. */
		ring->pages[i] = alloc_page(ZCDMA_GFP | __GFP_ZERO);
		if (!ring->pages[i]) {
			ret = -ENOMEM;
			goto err_free;
		}
		cond_resched();
	}

	for (s = 0; s < nbufs; s++) {
		struct sg_table *sgt = &ring->slots[s].sgt;

		ret = zcdma_slot_sgt(sgt, ring->pages + s * pages_per_slot,
				     pages_per_slot, max_seg);
		if (ret)
			goto err_free;
	}

	/*
	 * Cache maintenance is done at every hand-over instead (zcdma_dma.c);
	 * one sync gives the zeroed slots to the device to begin with.
	 */
	for (s = 0; s < nbufs; s++) {
		ret = dma_map_sgtable(dma_dev, &ring->slots[s].sgt,
				      DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
		if (ret)
			goto err_unmap;
		dma_sync_sgtable_for_device(dma_dev, &ring->slots[s].sgt,
					    DMA_FROM_DEVICE);
		mapped++;
	}
	ring->mapped = true;
	return ring;

err_unmap:
	for (s = 0; s < mapped; s++)
		dma_unmap_sgtable(dma_dev, &ring->slots[s].sgt,
				  DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
err_free:
	zcdma_ring_put(ring);
	return ERR_PTR(ret);
}

static void zcdma_vm_open(struct vm_area_struct *vma)
{
	struct zcdma_ring *ring = vma->vm_private_data;

	atomic_inc(&ring->maps);
	zcdma_ring_get(ring);
}

static void zcdma_vm_close(struct vm_area_struct *vma)
{
	struct zcdma_ring *ring = vma->vm_private_data;

	atomic_dec(&ring->maps);
	zcdma_ring_put(ring);
}

/* Some vma maps the ring: its geometry is fixed. */
bool zcdma_ring_mapped(struct zcdma_ring *ring)
{
	return atomic_read(&ring->maps) > 0;
}

static const struct vm_operations_struct zcdma_vm_ops = {
	.open = zcdma_vm_open,
	.close = zcdma_vm_close,
};

static void zcdma_vm_flags(struct vm_area_struct *vma, unsigned long set,
			   unsigned long clear)
{
#ifdef ZCDMA_HAVE_VM_FLAGS_SET	/* 6.3+: vm_flags is read-only */
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * Read-only, shared, within the ring. The ring may be mapped any number of
 * times (user space places two maps back to back for a circular view).
 */
int zcdma_ring_mmap(struct zcdma_ring *ring, struct vm_area_struct *vma)
{
	unsigned long npages = vma_pages(vma);
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	if (vma->vm_pgoff >= ring->npages ||
	    npages > ring->npages - vma->vm_pgoff)
		return -EINVAL;

	zcdma_vm_flags(vma, VM_DONTEXPAND | VM_DONTDUMP, VM_MAYWRITE);
	ret = vm_map_pages(vma, ring->pages, ring->npages);
	if (ret)
		return ret;
	vma->vm_private_data = ring;
	vma->vm_ops = &zcdma_vm_ops;
	atomic_inc(&ring->maps);
	zcdma_ring_get(ring);
	return 0;
}
