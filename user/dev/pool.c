// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Frame pool (see pool.h): below every device; the AF_XDP device hands its
 * area to the kernel as the umem, the in-memory pair passes its frames
 * between two devices.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dev/pool.h"

enum { FRAME_OUT = 0, FRAME_HOME = 1 };

struct xs_pool {
	struct xs_pool_hdr h;       /* first: the inline accessors read it */
	uint32_t nframes;
	uint32_t top;               /* frames on the stack */
	unsigned int flags;
	int refs;
	uint64_t misuse;
	uint64_t *stack;
	uint8_t *state;             /* FRAME_HOME / FRAME_OUT per frame */
};

struct xs_pool *xs_pool__new(uint32_t nframes, uint32_t frame_size, unsigned int flags)
{
	struct xs_pool *p;
	uint32_t i;

	if (!nframes || frame_size < 256 || (frame_size & (frame_size - 1))) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->h.frame_size = frame_size;
	p->h.frame_shift = (uint32_t)__builtin_ctz(frame_size);
	p->h.size = (uint64_t)nframes * frame_size;
	p->nframes = nframes;
	p->flags = flags;
	p->refs = 1;
	p->stack = malloc(sizeof(*p->stack) * nframes);
	p->state = malloc(nframes);
	p->h.area = mmap(NULL, p->h.size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (!p->stack || !p->state || p->h.area == MAP_FAILED) {
		if (p->h.area != MAP_FAILED)
			munmap(p->h.area, p->h.size);
		free(p->stack);
		free(p->state);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	/* Pushed in reverse so that the first alloc hands out frame 0, 1, ... */
	for (i = 0; i < nframes; i++)
		p->stack[i] = (uint64_t)(nframes - 1 - i) << p->h.frame_shift;
	memset(p->state, FRAME_HOME, nframes);
	p->top = nframes;
	return p;
}

struct xs_pool *xs_pool__get(struct xs_pool *p)
{
	p->refs++;
	return p;
}

void xs_pool__put(struct xs_pool *p)
{
	if (!p || --p->refs > 0)
		return;
	munmap(p->h.area, p->h.size);
	free(p->stack);
	free(p->state);
	free(p);
}

uint32_t xs_pool__alloc(struct xs_pool *p, uint64_t *addrs, uint32_t n)
{
	uint32_t i;

	if (n > p->top)
		n = p->top;
	for (i = 0; i < n; i++) {
		uint64_t a = p->stack[--p->top];

		p->state[a >> p->h.frame_shift] = FRAME_OUT;
		addrs[i] = a;
	}
	return n;
}

/* Checks the whole batch before anything changes, so a failed free leaves
 * the pool as it was.  A duplicate inside the batch is found by marking
 * frames as we go and unmarking them afterwards. */
static int check_batch(struct xs_pool *p, const uint64_t *addrs, uint32_t n)
{
	uint32_t i, j;
	int err = 0;

	for (i = 0; i < n; i++) {
		uint64_t idx = addrs[i] >> p->h.frame_shift;

		if (addrs[i] >= p->h.size) {
			err = -EFAULT;
			break;
		}
		if (p->state[idx] != FRAME_OUT) {
			err = -EALREADY;
			break;
		}
		p->state[idx] = 2;  /* being freed in this batch */
	}
	for (j = 0; j < i; j++)
		p->state[addrs[j] >> p->h.frame_shift] = FRAME_OUT;
	return err;
}

int xs_pool__free(struct xs_pool *p, const uint64_t *addrs, uint32_t n)
{
	uint32_t i;
	int err;

	err = check_batch(p, addrs, n);
	if (err) {
		p->misuse++;
		if (!(p->flags & XS_POOL_F_CHECKED))
			assert(!"xs_pool__free: double free or foreign frame");
		return err;
	}
	for (i = 0; i < n; i++) {
		uint64_t base = addrs[i] & ~(uint64_t)(p->h.frame_size - 1);

		p->state[base >> p->h.frame_shift] = FRAME_HOME;
		p->stack[p->top++] = base;
	}
	return 0;
}

void *xs_pool__area(const struct xs_pool *p)
{
	return p->h.area;
}

uint64_t xs_pool__size(const struct xs_pool *p)
{
	return p->h.size;
}

uint32_t xs_pool__frame_size(const struct xs_pool *p)
{
	return p->h.frame_size;
}

uint32_t xs_pool__total(const struct xs_pool *p)
{
	return p->nframes;
}

uint32_t xs_pool__avail(const struct xs_pool *p)
{
	return p->top;
}

bool xs_pool__all_home(const struct xs_pool *p)
{
	return p->top == p->nframes;
}

uint64_t xs_pool__misuse(const struct xs_pool *p)
{
	return p->misuse;
}
