/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What zcdma.ko and a DMA engine that feeds it agree on, passed through
 * dma_slave_config.peripheral_config. A DMA engine cannot wait for user
 * space: when no descriptor is queued it loses data; it counts those losses
 * here (a real device would expose an overflow counter the same way).
 */
#ifndef _ZCDMA_PERIPH_H
#define _ZCDMA_PERIPH_H

#include <linux/atomic.h>
#include <linux/types.h>

/**
 * struct zcdma_periph_config - client/engine contract
 * @slot_bytes: in: bytes the engine discards per lost slot
 * @restart: in: the engine starts its stream again at byte 0 when it is
 *	given this config (a new ring); it clears the flag
 * @dropped: out: slots lost because no descriptor was queued; incremented
 *	before the next descriptor completes
 */
struct zcdma_periph_config {
	u64 slot_bytes;
	bool restart;
	atomic64_t dropped;
};

#endif /* _ZCDMA_PERIPH_H */
