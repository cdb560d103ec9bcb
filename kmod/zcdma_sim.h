/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What zcdma_sim.ko offers zcdma.ko beyond the dmaengine API: an exact count
 * of the slots its engine lost and a stream restart, for tests. zcdma.ko
 * looks it up with symbol_get() (no module dependency) and only for a
 * channel of the "zcdma-sim-dma" provider; with the sim's generic=1 it gets
 * nothing and detects overruns as it does on any other engine. Nothing of
 * this goes through dma_slave_config.
 */
#ifndef _ZCDMA_SIM_H
#define _ZCDMA_SIM_H

#include <linux/dmaengine.h>
#include <linux/types.h>

/**
 * struct zcdma_sim_ops - exact loss accounting of the sim engine
 * @dropped: slots the engine lost (nothing was queued when their data
 *	came) since the stream restarted; callable in atomic context
 * @restart: start the stream again at byte 0 with nothing lost; a lost
 *	slot is @slot_bytes long. Process context.
 */
struct zcdma_sim_ops {
	u64 (*dropped)(struct dma_chan *chan);
	void (*restart)(struct dma_chan *chan, u64 slot_bytes);
};

/* The ops for @chan, or NULL: not a sim channel, or the sim's generic=1. */
const struct zcdma_sim_ops *zcdma_sim_get_ops(struct dma_chan *chan);

#endif /* _ZCDMA_SIM_H */
