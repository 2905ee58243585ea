// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xsk_sink: a bare AF_XDP consumer for the network tests.  It binds one
 * AF_XDP socket to IFACE's queue, puts it into the pinned XSKMAP of an
 * attached xsock program and counts what the program steers to it, without
 * answering anything.  It lets the tests prove which frames are steered
 * (they vanish from the kernel's view and appear here) before a stack
 * exists to consume them.
 *
 *   xsk_sink IFACE QUEUE XSKS_PIN COUNT_FILE
 *
 * Prints "ready" on stdout once the socket is in the map.  COUNT_FILE is
 * rewritten with "<frames> <tcp-syn> <udp>" whenever the counts change.
 * Exits on SIGTERM or SIGINT; the socket then leaves the map (the kernel
 * removes a closed socket from every XSKMAP).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <xdp/xsk.h>

#define NUM_FRAMES 4096
#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define BATCH 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct counts {
	unsigned long frames, tcp_syn, udp;
};

static void classify(const unsigned char *f, unsigned int len, struct counts *c)
{
	unsigned int off = 14, l4;
	unsigned short proto;
	unsigned char ipproto;

	c->frames++;
	if (len < off)
		return;
	proto = (unsigned short)(f[12] << 8 | f[13]);
	if (proto == ETH_P_IP && len >= off + 20) {
		ipproto = f[off + 9];
		l4 = off + (f[off] & 0xf) * 4u;
	} else if (proto == ETH_P_IPV6 && len >= off + 40) {
		ipproto = f[off + 6];	/* no extension headers in the tests */
		l4 = off + 40;
	} else {
		return;
	}
	if (ipproto == 17)
		c->udp++;
	else if (ipproto == 6 && len >= l4 + 14 && (f[l4 + 13] & 0x12) == 0x02)
		c->tcp_syn++;
}

static void write_counts(const char *path, const struct counts *c)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%lu %lu %lu\n", c->frames, c->tcp_syn, c->udp);
	fclose(f);
	rename(tmp, path);
}

int main(int argc, char **argv)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct counts c = { 0 };
	unsigned int queue, i;
	int map_fd, xsk_fd, err;
	__u32 idx;
	void *area;

	if (argc != 5) {
		fprintf(stderr, "usage: %s IFACE QUEUE XSKS_PIN COUNT_FILE\n", argv[0]);
		return 2;
	}
	queue = (unsigned int)strtoul(argv[2], NULL, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	area = mmap(NULL, (size_t)NUM_FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED) {
		perror("xsk_sink: mmap");
		return 1;
	}
	/* EBUSY for ~100 ms after a previous socket on this queue closed.  A
	 * failed bind leaves the umem's rings set up on its fd, so each try
	 * starts from a new umem. */
	for (i = 0; i < 50; i++) {
		err = xsk_umem__create(&umem, area, (__u64)NUM_FRAMES * FRAME_SIZE, &fill, &comp, NULL);
		if (err) {
			fprintf(stderr, "xsk_sink: umem: %s\n", strerror(-err));
			return 1;
		}
		err = xsk_socket__create(&xsk, argv[1], queue, umem, &rx, NULL, &cfg);
		if (err != -EBUSY)
			break;
		xsk_umem__delete(umem);
		usleep(20000);
	}
	if (err) {
		fprintf(stderr, "xsk_sink: socket on %s queue %u: %s\n", argv[1], queue, strerror(-err));
		return 1;
	}
	if (xsk_ring_prod__reserve(&fill, NUM_FRAMES / 2, &idx) != NUM_FRAMES / 2) {
		fprintf(stderr, "xsk_sink: fill ring\n");
		return 1;
	}
	for (i = 0; i < NUM_FRAMES / 2; i++)
		*xsk_ring_prod__fill_addr(&fill, idx + i) = (__u64)i * FRAME_SIZE;
	xsk_ring_prod__submit(&fill, NUM_FRAMES / 2);

	map_fd = bpf_obj_get(argv[3]);
	if (map_fd < 0) {
		fprintf(stderr, "xsk_sink: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	xsk_fd = xsk_socket__fd(xsk);
	if (bpf_map_update_elem(map_fd, &queue, &xsk_fd, 0)) {
		fprintf(stderr, "xsk_sink: XSKMAP update: %s\n", strerror(errno));
		return 1;
	}
	write_counts(argv[4], &c);
	printf("ready\n");
	fflush(stdout);

	while (!stop) {
		struct pollfd pfd = { .fd = xsk_fd, .events = POLLIN };
		unsigned int n, got;
		__u32 rx_idx, fill_idx;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		got = xsk_ring_cons__peek(&rx, BATCH, &rx_idx);
		if (!got)
			continue;
		while (xsk_ring_prod__reserve(&fill, got, &fill_idx) != got)
			;
		for (n = 0; n < got; n++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&rx, rx_idx + n);

			classify(xsk_umem__get_data(area, d->addr), d->len, &c);
			*xsk_ring_prod__fill_addr(&fill, fill_idx + n) =
				xsk_umem__extract_addr(d->addr);
		}
		xsk_ring_prod__submit(&fill, got);
		xsk_ring_cons__release(&rx, got);
		write_counts(argv[4], &c);
	}
	xsk_socket__delete(xsk);
	xsk_umem__delete(umem);
	return 0;
}
