// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcap writer (see dev.h): a device wrapper for debugging and for tests
 * that want to look at the traffic.  It sits between the stack and any
 * device, passes every call through and appends a record per frame to a
 * classic libpcap file through a large stdio buffer: the write(2) calls
 * happen once per buffer, not per frame.  Timestamps are the now_ns the
 * caller passed to rx_burst/tx_submit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/dev.h"

#define PCAP_MAGIC_USEC 0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define LINKTYPE_ETHERNET 1

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_rec_hdr {
	uint32_t ts_sec;
	uint32_t ts_frac;           /* usec or nsec */
	uint32_t caplen;
	uint32_t len;
};

struct pcapdev {
	struct xs_dev dev;          /* first */
	struct xs_dev *inner;
	FILE *file;
	char *buf;                  /* stdio buffer */
	char *stage;                /* records of the current batch */
	size_t stage_cap;
	size_t *ends;
	size_t ends_cap;
	bool nsec;
	uint32_t snaplen;
	uint64_t records;
	int error;                  /* first write error, sticky */
};

static struct pcapdev *to_pd(struct xs_dev *d)
{
	return (struct pcapdev *)d;
}

/* Appends the records of f[0..n) to the staging buffer; ends[i] is where
 * frame i's record ends.  The buffer grows to the largest batch seen and
 * stays, so steady state allocates nothing. */
static int stage(struct pcapdev *pd, const struct xs_frame *f, uint32_t n, uint64_t now_ns)
{
	struct pcap_rec_hdr h;
	size_t need = 0, off = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		need += sizeof(h) + (f[i].len < pd->snaplen ? f[i].len : pd->snaplen);
	if (need > pd->stage_cap || n > pd->ends_cap) {
		char *b = realloc(pd->stage, need);
		size_t *e = realloc(pd->ends, sizeof(*e) * (n ? n : 1));

		if (b)
			pd->stage = b;
		if (e)
			pd->ends = e;
		if (!b || !e)
			return -ENOMEM;
		pd->stage_cap = need;
		pd->ends_cap = n;
	}
	h.ts_sec = (uint32_t)(now_ns / 1000000000u);
	h.ts_frac = (uint32_t)(now_ns % 1000000000u);
	if (!pd->nsec)
		h.ts_frac /= 1000;
	for (i = 0; i < n; i++) {
		h.len = f[i].len;
		h.caplen = f[i].len < pd->snaplen ? f[i].len : pd->snaplen;
		memcpy(pd->stage + off, &h, sizeof(h));
		memcpy(pd->stage + off + sizeof(h), f[i].data, h.caplen);
		off += sizeof(h) + h.caplen;
		pd->ends[i] = off;
	}
	return 0;
}

/* Writes the staged records of the first k frames. */
static void commit(struct pcapdev *pd, uint32_t k)
{
	if (!k || pd->error)
		return;
	if (fwrite(pd->stage, 1, pd->ends[k - 1], pd->file) != pd->ends[k - 1]) {
		pd->error = errno ? -errno : -EIO;
		return;
	}
	pd->records += k;
}

static uint32_t pd_rx_burst(struct xs_dev *d, struct xs_frame *f, uint32_t n, uint64_t now_ns)
{
	struct pcapdev *pd = to_pd(d);
	uint32_t k = xs_dev_rx_burst(pd->inner, f, n, now_ns);

	if (k && !pd->error) {
		pd->error = stage(pd, f, k, now_ns);
		commit(pd, k);
	}
	return k;
}

static uint32_t pd_tx_alloc(struct xs_dev *d, struct xs_frame *f, uint32_t n)
{
	return xs_dev_tx_alloc(to_pd(d)->inner, f, n);
}

/* The bytes are staged before the inner device owns the frames (after
 * that they are not ours to read: a fault injector may free or rewrite
 * them), and only the records of the frames it accepted are written, so a
 * refused frame submitted again appears once. */
static uint32_t pd_tx_submit(struct xs_dev *d, struct xs_frame *f, uint32_t n, uint64_t now_ns)
{
	struct pcapdev *pd = to_pd(d);
	bool staged = false;
	uint32_t k;

	if (n && !pd->error) {
		pd->error = stage(pd, f, n, now_ns);
		staged = !pd->error;
	}
	k = xs_dev_tx_submit(pd->inner, f, n, now_ns);
	if (staged)
		commit(pd, k);
	return k;
}

static void pd_release(struct xs_dev *d, const struct xs_frame *f, uint32_t n)
{
	xs_dev_release(to_pd(d)->inner, f, n);
}

static int pd_kick(struct xs_dev *d)
{
	return xs_dev_kick(to_pd(d)->inner);
}

static int pd_fd(struct xs_dev *d)
{
	return xs_dev_fd(to_pd(d)->inner);
}

static void pd_stats(struct xs_dev *d, struct xs_dev_stats *st)
{
	xs_dev_stats(to_pd(d)->inner, st);
}

static void pd_close(struct xs_dev *d)
{
	struct pcapdev *pd = to_pd(d);

	xs_dev_close(pd->inner);
	fclose(pd->file);
	free(pd->buf);
	free(pd->stage);
	free(pd->ends);
	free(pd);
}

static const struct xs_dev_ops pcap_ops = {
	.rx_burst = pd_rx_burst,
	.tx_alloc = pd_tx_alloc,
	.tx_submit = pd_tx_submit,
	.release = pd_release,
	.kick = pd_kick,
	.fd = pd_fd,
	.stats = pd_stats,
	.close = pd_close,
};

#define PCAP_STDIO_BUF (1u << 20)

struct xs_dev *xs_pcap_dev__wrap(struct xs_dev *inner, const char *path,
				 const struct xs_pcap_opts *opts)
{
	struct pcap_file_hdr fh = {
		.version_major = 2,
		.version_minor = 4,
		.snaplen = 65535,
		.linktype = LINKTYPE_ETHERNET,
	};
	struct pcapdev *pd;

	if (!inner || !path || (opts && opts->sz < sizeof(*opts))) {
		errno = EINVAL;
		return NULL;
	}
	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return NULL;
	pd->nsec = opts && opts->nsec;
	pd->snaplen = opts && opts->snaplen ? opts->snaplen : 65535;
	fh.snaplen = pd->snaplen;
	fh.magic = pd->nsec ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC;
	pd->buf = malloc(PCAP_STDIO_BUF);
	pd->file = fopen(path, "wbe");
	if (!pd->buf || !pd->file) {
		int err = errno;

		if (pd->file)
			fclose(pd->file);
		free(pd->buf);
		free(pd);
		errno = err;
		return NULL;
	}
	setvbuf(pd->file, pd->buf, _IOFBF, PCAP_STDIO_BUF);
	if (fwrite(&fh, sizeof(fh), 1, pd->file) != 1)
		pd->error = -EIO;
	pd->dev.ops = &pcap_ops;
	pd->dev.pool = inner->pool;
	snprintf(pd->dev.name, sizeof(pd->dev.name), "pcap:%.26s", inner->name);
	pd->inner = inner;
	return &pd->dev;
}

uint64_t xs_pcap_dev__records(const struct xs_dev *dev)
{
	return ((const struct pcapdev *)dev)->records;
}

int xs_pcap_dev__flush(struct xs_dev *dev)
{
	struct pcapdev *pd = to_pd(dev);

	if (!pd->error && fflush(pd->file))
		pd->error = -errno;
	return pd->error;
}
