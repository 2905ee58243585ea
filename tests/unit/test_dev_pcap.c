// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcap writer (user/dev/pcap.c) over the in-memory pair: the file is read
 * back and checked header by header, byte by byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/frames_home.h"

#include "dev/dev.h"

static struct xs_dev *a, *b;
static struct xs_pool *pool;
static char path[64];

static void setup(void)
{
	struct xs_memdev_opts o = { .sz = sizeof(o), .frames = 64, .wire_slots = 4,
				    .pool_flags = XS_POOL_F_CHECKED };

	cr_assert_eq(xs_memdev_pair__open(&o, &a, &b), 0);
	pool = xs_pool__get(a->pool);
	snprintf(path, sizeof(path), "/tmp/xsdev-pcap-%d.pcap", (int)getpid());
}

static void check_home(void)
{
	xs_dev_close(a);
	xs_dev_close(b);
	a = b = NULL;
	ASSERT_FRAMES_HOME(pool);
}

static void teardown(void)
{
	xs_dev_close(a);
	xs_dev_close(b);
	xs_pool__put(pool);
	unlink(path);
}

TestSuite(dev_pcap, .init = setup, .fini = teardown);

/* The frame check ends every body (tests/lib/frames_home.h). */
#define PCAP_TEST(name, ...) TEST_THEN(check_home, dev_pcap, name, ##__VA_ARGS__)

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint8_t *slurp(size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 16);

	cr_assert(f && buf);
	*len = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

/* Sends n frames a -> b through pcap(a) at time t; frame i is len 20 + i of
 * bytes 0xA0 + i. */
static void send_frames(uint32_t n, uint64_t t)
{
	struct xs_frame f[8];
	uint32_t i;

	cr_assert_eq(xs_dev_tx_alloc(a, f, n), n);
	for (i = 0; i < n; i++) {
		f[i].len = 20 + i;
		memset(f[i].data, 0xA0 + i, f[i].len);
	}
	cr_assert_eq(xs_dev_tx_submit(a, f, n, t), n);
}

PCAP_TEST(tx_records_usec)
{
	struct xs_frame r[8];
	uint8_t *buf, *p;
	size_t len;
	uint32_t i;

	a = xs_pcap_dev__wrap(a, path, NULL);
	cr_assert(a, "wrap: %s", strerror(errno));
	send_frames(3, 5000001234ull);          /* 5.000001234 s */
	cr_assert_eq(xs_pcap_dev__records(a), 3);
	cr_assert_eq(xs_dev_rx_burst(b, r, 8, 0), 3);
	xs_dev_release(b, r, 3);
	cr_assert_eq(xs_pcap_dev__flush(a), 0);

	buf = slurp(&len);
	cr_assert_eq(len, 24 + 3 * 16 + 20 + 21 + 22);
	cr_assert_eq(rd32(buf), 0xa1b2c3d4);
	cr_assert_eq(buf[4] | buf[5] << 8, 2);
	cr_assert_eq(buf[6] | buf[7] << 8, 4);
	cr_assert_eq(rd32(buf + 16), 65535, "snaplen");
	cr_assert_eq(rd32(buf + 20), 1, "LINKTYPE_ETHERNET");
	p = buf + 24;
	for (i = 0; i < 3; i++) {
		cr_assert_eq(rd32(p), 5, "seconds");
		cr_assert_eq(rd32(p + 4), 1, "microseconds (1234 ns truncated)");
		cr_assert_eq(rd32(p + 8), 20 + i, "caplen");
		cr_assert_eq(rd32(p + 12), 20 + i, "len");
		cr_assert_eq(p[16], 0xA0 + i);
		cr_assert_eq(p[16 + 19 + i], 0xA0 + i);
		p += 16 + 20 + i;
	}
	free(buf);
}

PCAP_TEST(rx_records_nsec_and_snaplen)
{
	struct xs_pcap_opts o = { .sz = sizeof(o), .nsec = true, .snaplen = 20 };
	struct xs_frame r[8];
	uint8_t *buf, *p;
	size_t len;

	b = xs_pcap_dev__wrap(b, path, &o);
	cr_assert(b);
	send_frames(2, 0);
	cr_assert_eq(xs_dev_rx_burst(b, r, 8, 7000000042ull), 2);
	cr_assert_eq(r[1].len, 21);
	cr_assert_eq(r[1].data[20], 0xA1, "the wrapper does not touch the frame");
	xs_dev_release(b, r, 2);
	cr_assert_eq(xs_pcap_dev__flush(b), 0);

	buf = slurp(&len);
	cr_assert_eq(len, 24 + 2 * 16 + 20 + 20, "second frame (21 bytes) cut at snaplen 20");
	cr_assert_eq(rd32(buf), 0xa1b23c4d, "nanosecond magic");
	cr_assert_eq(rd32(buf + 16), 20);
	p = buf + 24;
	cr_assert_eq(rd32(p), 7);
	cr_assert_eq(rd32(p + 4), 42, "nanoseconds");
	p += 16 + 20;
	cr_assert_eq(rd32(p + 8), 20, "caplen");
	cr_assert_eq(rd32(p + 12), 21, "len: the whole frame");
	cr_assert_eq(p[16], 0xA1);
	free(buf);
}

PCAP_TEST(refused_frames_not_recorded)
{
	struct xs_frame f[6], r[4];
	uint32_t i;

	a = xs_pcap_dev__wrap(a, path, NULL);
	cr_assert(a);
	cr_assert_eq(xs_dev_tx_alloc(a, f, 6), 6);
	for (i = 0; i < 6; i++)
		f[i].len = 60;
	cr_assert_eq(xs_dev_tx_submit(a, f, 6, 0), 4, "wire holds 4");
	cr_assert_eq(xs_pcap_dev__records(a), 4);
	cr_assert_eq(xs_dev_rx_burst(b, r, 4, 0), 4);
	xs_dev_release(b, r, 4);
	cr_assert_eq(xs_dev_tx_submit(a, f + 4, 2, 0), 2, "resubmitted");
	cr_assert_eq(xs_pcap_dev__records(a), 6, "each frame once");
}
