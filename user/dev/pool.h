/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Frame pool: the bottom of the device layer.  One anonymous mmap holds
 * `nframes` frames of `frame_size` bytes (a power of two, 2048 or 4096 for
 * AF_XDP); a frame is named by its umem address, the byte offset of any byte
 * inside it from the start of the area.  Free frames sit on a LIFO stack of
 * addresses, so alloc and free move a batch with one memcpy-sized loop and
 * the most recently used (cache-warm) frames go out first.
 *
 * Every frame is in exactly one place: in the pool, or with whoever took it
 * out (a device ring, the wire of an in-memory pair, the stack).  A state
 * byte per frame records "home" or "out", so
 *   - xs_pool__all_home() tells a test that nothing was lost;
 *   - freeing a frame that is already home (double free) or an address
 *     outside the area (foreign) is caught: xs_pool__free() checks the whole
 *     batch before changing anything, returns -EALREADY or -EFAULT, counts
 *     the misuse in xs_pool__misuse(), and, unless the pool was created with
 *     XS_POOL_F_CHECKED (return the error only, for tests of the checks),
 *     asserts in builds without NDEBUG.  The check is always made (two
 *     byte accesses per frame): with NDEBUG a misuse still fails the call
 *     and counts, it never corrupts the stack.
 *
 * The pool is single-threaded (one stack thread per pool) and reference
 * counted: a device keeps a reference, and a test can keep one to check
 * xs_pool__all_home() after the device has closed and given back every
 * frame it held.
 */
#ifndef XS_DEV_POOL_H
#define XS_DEV_POOL_H

#include <stdbool.h>
#include <stdint.h>

#define XS_POOL_F_CHECKED (1u << 0)   /* misuse returns an error, never asserts */

struct xs_pool;

/* A pool of nframes frames of frame_size bytes (power of two, >= 256), all
 * home.  Returns NULL and sets errno (EINVAL, ENOMEM). */
struct xs_pool *xs_pool__new(uint32_t nframes, uint32_t frame_size, unsigned int flags);
/* Takes one more reference; returns p. */
struct xs_pool *xs_pool__get(struct xs_pool *p);
/* Drops a reference; the last one unmaps the area (frames still out are
 * gone with it: check xs_pool__all_home() first). */
void xs_pool__put(struct xs_pool *p);

/* Takes up to n frames (their base addresses) into addrs.  Returns how many
 * (0 when the pool is empty).  The caller owns them. */
uint32_t xs_pool__alloc(struct xs_pool *p, uint64_t *addrs, uint32_t n);
/* Gives n frames back.  Any address inside a frame names the frame.  On 0
 * the pool owns them all; on -EALREADY (one is home already, or appears
 * twice in the batch) or -EFAULT (one is outside the area) nothing changed
 * and the caller still owns the ones it did own. */
int xs_pool__free(struct xs_pool *p, const uint64_t *addrs, uint32_t n);

void *xs_pool__area(const struct xs_pool *p);
uint64_t xs_pool__size(const struct xs_pool *p);        /* bytes in the area */
uint32_t xs_pool__frame_size(const struct xs_pool *p);
uint32_t xs_pool__total(const struct xs_pool *p);
uint32_t xs_pool__avail(const struct xs_pool *p);       /* frames home */
bool xs_pool__all_home(const struct xs_pool *p);
uint64_t xs_pool__misuse(const struct xs_pool *p);      /* double and foreign frees */

/* The head of struct xs_pool, public so that the two per-packet accessors
 * below inline; everything else about the pool is private. */
struct xs_pool_hdr {
	uint8_t *area;
	uint64_t size;
	uint32_t frame_size;
	uint32_t frame_shift;
};

/* Base address of the frame holding addr. */
static inline uint64_t xs_pool__frame_base(const struct xs_pool *p, uint64_t addr)
{
	const struct xs_pool_hdr *h = (const struct xs_pool_hdr *)p;

	return addr & ~(uint64_t)(h->frame_size - 1);
}

/* The byte at umem address addr. */
static inline void *xs_pool__data(const struct xs_pool *p, uint64_t addr)
{
	return ((const struct xs_pool_hdr *)p)->area + addr;
}

#endif /* XS_DEV_POOL_H */
