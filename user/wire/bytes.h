/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Byte access shared by every view in wire/: big-endian loads and stores
 * at any alignment (memcpy, never a cast), and the kind/length option walk
 * that IPv4 options (RFC 791) and TCP options (RFC 9293) have in common.
 * Header-only; the bottom of the wire/ chain.
 */
#ifndef XS_WIRE_BYTES_H
#define XS_WIRE_BYTES_H

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t xs_get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static inline uint32_t xs_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static inline void xs_put16(uint8_t *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void xs_put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

/* Kind/length options: kind 0 ends the list, kind 1 is one byte of
 * padding, every other kind is followed by a length byte that counts the
 * kind and length bytes too. */
#define XS_OPT_EOL 0
#define XS_OPT_NOP 1

struct xs_opt {
	uint8_t kind;
	uint8_t len;		/* whole option, kind and length bytes included */
	const uint8_t *data;	/* len - 2 bytes */
};

/*
 * Next option of the list opts[0..len) from *off on, padding skipped.
 * Returns 1 and fills *o, 0 at the end of the list (EOL or no bytes left),
 * or -EBADMSG when an option's length is below 2 or runs past the end.
 * Every call that returns 1 advances *off by at least 2, so a loop over it
 * ends after at most len / 2 options.
 */
static inline int xs_opt_next(const uint8_t *opts, size_t len, size_t *off,
			      struct xs_opt *o)
{
	while (*off < len && opts[*off] == XS_OPT_NOP)
		(*off)++;
	if (*off >= len || opts[*off] == XS_OPT_EOL)
		return 0;
	if (len - *off < 2 || opts[*off + 1] < 2 || opts[*off + 1] > len - *off)
		return -EBADMSG;
	o->kind = opts[*off];
	o->len = opts[*off + 1];
	o->data = opts + *off + 2;
	*off += o->len;
	return 1;
}

#endif /* XS_WIRE_BYTES_H */
