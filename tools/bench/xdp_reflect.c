// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xdp_reflect: a bare AF_XDP UDP reflector, the "no stack" row of `make
 * bench` and the practical limit of this machine.  It opens the AF_XDP
 * device of user/dev on an interface where xsock is attached (inserting
 * its sockets into the pinned XSKMAP), and sends every UDP datagram the
 * XDP program steers to it back where it came from: Ethernet, IP and UDP
 * source and destination swapped in place, the received frame submitted
 * as the reply (no copy), a burst at a time.  No sockets, no state.
 *
 *   xdp_reflect IFACE [--port P] [--spin] [--busy-poll US] [--duration S]
 *
 * The XDP program only steers what a rule asks for: `xsockctl rule add
 * IFACE udp P` first.  --spin polls the rings without sleeping (system
 * calls only to kick copy-mode TX); without it the loop sleeps in poll(2)
 * on the device fd whenever the RX ring is empty.  --busy-poll US also sets
 * SO_PREFER_BUSY_POLL/SO_BUSY_POLL on the sockets, and every kick then
 * drives the driver's NAPI (docs/dev.md).
 *
 * Checksums need no update.  The IPv4 header checksum and the UDP checksum
 * are one's-complement sums of 16-bit words, and one's-complement addition
 * is commutative: swapping the source and destination addresses (in the
 * IPv4 header and in the UDP pseudo-header alike) and the two ports only
 * permutes the words being summed, so both sums, and both checksums, stay
 * what they were.  This holds only for complete checksums: a frame with a
 * partial (offloaded) checksum would be reflected with a wrong one, hence
 * `ethtool -K DEV tx off` on the kernel peer (docs/bench.md).
 *
 * Prints {"event":"ready",...} once the sockets are in the map, and its
 * counters as one JSON line on SIGTERM/SIGINT or after --duration.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include "ctl/ctl.h"
#include "dev/dev.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/udp.h"

#define BATCH 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU seconds this process used (user + system), for the runner's check
 * for other load. */
static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Turns a UDP datagram to `port` into its own reply, in place.  Returns
 * false (frame untouched) for anything else. */
static bool reflect(struct xs_frame *f, uint16_t port)
{
	struct xs_eth_view eth;
	struct xs_udp_view udp;
	uint8_t *p = f->data;
	uint16_t type;
	size_t l3, l4;

	if (xs_eth_view_init(&eth, p, f->len) || xs_eth_l3(&eth, &type, &l3))
		return false;
	if (type == ETH_P_IP) {
		struct xs_ipv4_view ip;

		if (xs_ipv4_view_init(&ip, p + l3, f->len - l3) ||
		    xs_ipv4_proto(&ip) != IPPROTO_UDP || xs_ipv4_is_frag(&ip))
			return false;
		l4 = l3 + xs_ipv4_hdr_len(&ip);
		if (xs_udp_view_init(&udp, p + l4, f->len - l4) || xs_udp_dst_port(&udp) != port)
			return false;
		swap_bytes(p + l3 + 12, p + l3 + 16, 4);
	} else if (type == ETH_P_IPV6) {
		struct xs_ipv6_view ip;

		/* No extension headers: the benchmark's peers send none. */
		if (xs_ipv6_view_init(&ip, p + l3, f->len - l3) || p[l3 + 6] != IPPROTO_UDP)
			return false;
		l4 = l3 + 40;
		if (xs_udp_view_init(&udp, p + l4, f->len - l4) || xs_udp_dst_port(&udp) != port)
			return false;
		swap_bytes(p + l3 + 8, p + l3 + 24, 16);
	} else {
		return false;
	}
	swap_bytes(p, p + 6, 6);
	swap_bytes(p + l4, p + l4 + 2, 2);
	return true;
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: xdp_reflect IFACE [--port P] [--spin] [--busy-poll US] [--duration S]\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "spin", no_argument, NULL, 's' },
		{ "busy-poll", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct xs_xdp_opts xo = { .sz = sizeof(xo), .queue = XS_XDP_ALL_QUEUES, .xsks_map_fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t rx = 0, tx = 0, passed = 0, tx_dropped = 0, idle = 0, deadline = 0;
	struct xs_frame f[BATCH], drop[BATCH];
	struct xs_xdp_queue_info qi;
	struct xs_dev_stats ds;
	char dir[PATH_MAX], xsks[PATH_MAX];
	const char *ifname;
	unsigned long port = 9000;
	double duration = 0;
	bool spin = false;
	struct xs_dev *dev;
	int c, err, fd;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': port = strtoul(optarg, NULL, 0); break;
		case 's': spin = true; break;
		case 'b': xo.cfg.busy_poll_us = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'd': duration = strtod(optarg, NULL); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc - 1 || !port || port > 65535)
		usage(2);
	ifname = argv[optind];

	err = xs_ctl_iface_dir(ifname, dir, sizeof(dir));
	if (!err)
		err = xs_ctl_pin_path(xsks, sizeof(xsks), dir, XS_MAP_XSKS);
	if (err) {
		fprintf(stderr, "xdp_reflect: %s: %s\n", ifname, xs_ctl_strerror(err));
		return 1;
	}
	xo.ifname = ifname;
	xo.xsks_map_path = xsks;
	dev = xs_xdp_dev__open(&xo);
	if (!dev) {
		fprintf(stderr, "xdp_reflect: AF_XDP on %s (%s): %s\n", ifname, xsks, strerror(errno));
		return 1;
	}
	fd = xs_dev_fd(dev);
	xs_xdp_dev__queue_info(dev, 0, &qi);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("{\"event\":\"ready\",\"ifname\":\"%s\",\"queues\":%u,\"zerocopy\":%s,"
	       "\"need_wakeup\":%s,\"busy_poll\":%d}\n",
	       ifname, xs_xdp_dev__queues(dev), qi.zerocopy ? "true" : "false",
	       qi.need_wakeup ? "true" : "false", qi.busy_poll);
	fflush(stdout);
	if (duration > 0)
		deadline = now_ns() + (uint64_t)(duration * 1e9);

	while (!stop) {
		uint32_t n, i, keep = 0, ndrop = 0, k;

		n = xs_dev_rx_burst(dev, f, BATCH, 0);
		if (!n) {
			if (xo.cfg.busy_poll_us)
				xs_dev_kick(dev);   /* drives NAPI when busy polling */
			if (!spin) {
				struct pollfd pfd = { .fd = fd, .events = POLLIN };

				poll(&pfd, 1, 200);
			}
			if (deadline && (!spin || (++idle & 0xffff) == 0) && now_ns() > deadline)
				break;
			continue;
		}
		rx += n;
		for (i = 0; i < n; i++) {
			if (reflect(&f[i], (uint16_t)port))
				f[keep++] = f[i];
			else
				drop[ndrop++] = f[i];
		}
		passed += ndrop;
		if (ndrop)
			xs_dev_release(dev, drop, ndrop);
		k = xs_dev_tx_submit(dev, f, keep, 0);
		if (k < keep) {
			/* TX ring full: let the kernel take what is there, once. */
			xs_dev_kick(dev);
			k += xs_dev_tx_submit(dev, f + k, keep - k, 0);
		}
		if (k < keep) {
			tx_dropped += keep - k;
			xs_dev_release(dev, f + k, keep - k);
		}
		tx += k;
		xs_dev_kick(dev);
	}

	xs_dev_stats(dev, &ds);
	printf("{\"role\":\"reflector\",\"spin\":%s,\"busy_poll_us\":%u,\"rx\":%" PRIu64
	       ",\"tx\":%" PRIu64 ",\"not_ours\":%" PRIu64 ",\"tx_dropped\":%" PRIu64
	       ",\"kicks\":%" PRIu64 ",\"rx_ring_full\":%" PRIu64 ",\"fill_ring_empty\":%" PRIu64
	       ",\"rx_dropped\":%" PRIu64 ",\"tx_completed\":%" PRIu64 ",\"cpu_self_s\":%.2f}\n",
	       spin ? "true" : "false", xo.cfg.busy_poll_us, rx, tx, passed, tx_dropped,
	       ds.kicks, ds.rx_ring_full, ds.fill_ring_empty, ds.rx_dropped, ds.tx_completed,
	       self_cpu_s());
	fflush(stdout);
	xs_dev_close(dev);
	return 0;
}
