// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Device configuration shared by every device: the xsock.* knobs of the
 * config map turned into ring and umem sizes (see dev.h).
 */
#include <errno.h>

#include "xsock/maps.h"
#include "dev/dev.h"

void xs_dev_config_from_map(struct xs_dev_config *dst, const struct xs_config *src)
{
	dst->rx_ring_size = src->rx_ring_size;
	dst->tx_ring_size = src->tx_ring_size;
	dst->fill_ring_size = src->fill_ring_size;
	dst->comp_ring_size = src->comp_ring_size;
	dst->umem_frames = src->umem_frames;
	dst->frame_size = src->frame_size;
	dst->bind_mode = src->bind_mode;
	dst->busy_poll_us = src->busy_poll_us;
	dst->busy_poll_budget = src->busy_poll_budget;
}

static int pow2_or_default(uint32_t *v, uint32_t def)
{
	if (!*v)
		*v = def;
	return (*v & (*v - 1)) ? -EINVAL : 0;
}

int xs_dev_config_resolve(struct xs_dev_config *c)
{
	int err = 0;

	err |= pow2_or_default(&c->rx_ring_size, 2048);
	err |= pow2_or_default(&c->tx_ring_size, 2048);
	err |= pow2_or_default(&c->fill_ring_size, 4096);
	err |= pow2_or_default(&c->comp_ring_size, 2048);
	if (!c->umem_frames)
		c->umem_frames = 8192;
	if (!c->frame_size)
		c->frame_size = 4096;
	if (c->frame_size != 2048 && c->frame_size != 4096)
		err = -EINVAL;
	if (c->bind_mode > XS_BIND_ZEROCOPY)
		err = -EINVAL;
	if (c->busy_poll_us && !c->busy_poll_budget)
		c->busy_poll_budget = 64;
	return err ? -EINVAL : 0;
}
