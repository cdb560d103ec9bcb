// SPDX-License-Identifier: GPL-2.0
/*
 * Test only: /dev/zcdma_pfnmap maps a buffer the way many DMA drivers do,
 * with remap_pfn_range(). The result is a VM_PFNMAP mapping without struct
 * page references, which sendmsg(MSG_ZEROCOPY) cannot pin (EFAULT) - the
 * problem zcdma.ko's vm_map_pages() ring solves. Not for production.
 */
#include <linux/gfp.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>

#define ZCDMA_PFNMAP_ORDER	4

static struct page *zcdma_pfnmap_pages;

static int zcdma_pfnmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;

	if (vma->vm_pgoff || size > (PAGE_SIZE << ZCDMA_PFNMAP_ORDER))
		return -EINVAL;
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(zcdma_pfnmap_pages), size,
			       vma->vm_page_prot);
}

static const struct file_operations zcdma_pfnmap_fops = {
	.owner = THIS_MODULE,
	.mmap = zcdma_pfnmap_mmap,
};

static struct miscdevice zcdma_pfnmap_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "zcdma_pfnmap",
	.fops = &zcdma_pfnmap_fops,
	.mode = 0600,
};

static int __init zcdma_pfnmap_init(void)
{
	int ret;

	zcdma_pfnmap_pages = alloc_pages(GFP_KERNEL | __GFP_ZERO,
					 ZCDMA_PFNMAP_ORDER);
	if (!zcdma_pfnmap_pages)
		return -ENOMEM;
	ret = misc_register(&zcdma_pfnmap_misc);
	if (ret)
		__free_pages(zcdma_pfnmap_pages, ZCDMA_PFNMAP_ORDER);
	return ret;
}

static void __exit zcdma_pfnmap_exit(void)
{
	misc_deregister(&zcdma_pfnmap_misc);
	__free_pages(zcdma_pfnmap_pages, ZCDMA_PFNMAP_ORDER);
}

module_init(zcdma_pfnmap_init);
module_exit(zcdma_pfnmap_exit);

MODULE_DESCRIPTION("Test only: a remap_pfn_range mapping for the MSG_ZEROCOPY contrast");
MODULE_LICENSE("GPL");
