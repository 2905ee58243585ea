// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * AF_XDP device (user/dev/xdp.c) on a veth with the real steering program.
 *
 * Two unnamed network namespaces: the worker process unshares once for the
 * peer (kept alive by an fd) and once more for the xsock side, where it
 * stays.  xsdev-a (198.18.0.1, 2 queues) carries the XDP program and the
 * AF_XDP device; xsdev-b (198.18.0.2) in the peer namespace is the kernel
 * on the other end.  Nothing is named, so nothing outlives the worker, and
 * the fini closes everything explicitly as well.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <netinet/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "xsock/maps.h"
#include "xsock.skel.h"
#include "dev/dev.h"
#include "lib/frames.h"
#include "lib/netns.h"

#define LOCAL_IP "198.18.0.1"
#define PEER_IP  "198.18.0.2"
#define XS_PORT  5555
#define PEER_PORT 6666

static struct {
	int peer_ns;                /* fd of the peer namespace */
	int self_ns;                /* fd of the xsock-side namespace */
	int ifindex;
	struct xsock *skel;
	struct xs_dev *dev;
	struct xs_pool *pool;
} t = { .peer_ns = -1, .self_ns = -1 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void add_udp_listener(uint16_t port)
{
	int ncpus = libbpf_num_possible_cpus(), i;
	struct xs_listen_key key = { .proto = IPPROTO_UDP, .family = XS_FAMILY_ANY,
				     .port = htons(port) };
	struct xs_listen_val *vals = calloc((size_t)ncpus, sizeof(*vals));
	__u32 slot = XS_GATE_UDP * 65536u + port, one = 1;

	cr_assert(vals);
	for (i = 0; i < ncpus; i++)
		vals[i].owner.pid = (__u32)getpid();
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(t.skel->maps.listeners), &key, vals, 0), 0,
		     "listener: %s", strerror(errno));
	cr_assert_eq(bpf_map_update_elem(bpf_map__fd(t.skel->maps.port_gate), &slot, &one, 0), 0);
	free(vals);
}

static void setup(void)
{
	int err;

	if (geteuid() != 0)
		cr_skip_test("needs root: network namespaces, XDP attach, AF_XDP sockets");
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("cannot make a network namespace: %s", strerror(errno));
	t.peer_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(t.peer_ns, 0);
	cr_assert_eq(test_sh("ip link set lo up && "
			     "ip link add xsdev-b numtxqueues 2 numrxqueues 2 address 02:00:00:00:00:02 "
			     "type veth peer name xsdev-a numtxqueues 2 numrxqueues 2 "
			     "address 02:00:00:00:00:01 && "
			     "ip addr add " PEER_IP "/24 dev xsdev-b && ip link set xsdev-b up"), 0);
	/* veth hands XDP partial checksums otherwise (DESIGN.md). */
	(void)test_sh("ethtool -K xsdev-b tx off >/dev/null 2>&1");
	err = test_netns_unshare();
	cr_assert_eq(err, 0, "second namespace: %s", strerror(-err));
	t.self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(t.self_ns, 0);
	cr_assert_eq(test_sh("nsenter --net=/proc/%d/fd/%d ip link set xsdev-a netns %d",
			     (int)getpid(), t.peer_ns, (int)getpid()), 0);
	cr_assert_eq(test_sh("ip addr add " LOCAL_IP "/24 dev xsdev-a && ip link set xsdev-a up"), 0);
	t.ifindex = (int)if_nametoindex("xsdev-a");
	cr_assert_gt(t.ifindex, 0);

	t.skel = xsock__open_and_load();
	cr_assert(t.skel, "xsock__open_and_load: %s", strerror(errno));
	err = bpf_xdp_attach(t.ifindex, bpf_program__fd(t.skel->progs.xsock_steer),
			     XDP_FLAGS_DRV_MODE, NULL);
	cr_assert_eq(err, 0, "bpf_xdp_attach: %s", strerror(-err));
	add_udp_listener(XS_PORT);
}

/* Closing the device brings home every frame it holds (rings, in flight):
 * anything missing afterwards was lost. */
static void check_home(void)
{
	xs_dev_close(t.dev);
	t.dev = NULL;
	if (t.pool)
		cr_assert(xs_pool__all_home(t.pool), "frames lost: %u of %u home after close",
			  xs_pool__avail(t.pool), xs_pool__total(t.pool));
}

static void teardown(void)
{
	xs_dev_close(t.dev);
	t.dev = NULL;
	xs_pool__put(t.pool);
	t.pool = NULL;
	if (t.ifindex > 0)
		bpf_xdp_detach(t.ifindex, XDP_FLAGS_DRV_MODE, NULL);
	xsock__destroy(t.skel);
	t.skel = NULL;
	if (t.self_ns >= 0)
		(void)test_sh("ip link del xsdev-a 2>/dev/null");
	if (t.peer_ns >= 0)
		close(t.peer_ns);
	if (t.self_ns >= 0)
		close(t.self_ns);
	t.peer_ns = t.self_ns = -1;
	t.ifindex = 0;
}

TestSuite(dev_xdp, .init = setup, .fini = teardown, .timeout = 30);

/* Criterion does not fail a test for an assertion in .fini (Criterion issue
 * #211: it only prints it), so every test body ends with the frame check;
 * the .fini only cleans up after a test that stopped early. */
#define XDP_TEST(name, ...)                                                      \
	static void body_##name(void);                                       \
	Test(dev_xdp, name, ##__VA_ARGS__)                                        \
	{                                                                    \
		body_##name();                                               \
		check_home();                                                        \
	}                                                                    \
	static void body_##name(void)

static void open_dev(uint32_t frames)
{
	struct xs_xdp_opts o = {
		.sz = sizeof(o),
		.ifname = "xsdev-a",
		.queue = XS_XDP_ALL_QUEUES,
		.xsks_map_fd = bpf_map__fd(t.skel->maps.xsks),
		.cfg = { .umem_frames = frames, .frame_size = 2048, .bind_mode = XS_BIND_AUTO,
			 .busy_poll_us = 20 },
	};
	struct xs_xdp_queue_info qi;
	uint32_t i;

	t.dev = xs_xdp_dev__open(&o);
	cr_assert(t.dev, "xs_xdp_dev__open: %s", strerror(errno));
	t.pool = xs_pool__get(t.dev->pool);
	cr_assert_eq(xs_xdp_dev__queues(t.dev), 2, "one socket per RX queue");
	for (i = 0; i < 2; i++) {
		cr_assert_eq(xs_xdp_dev__queue_info(t.dev, i, &qi), 0);
		cr_assert_eq(qi.queue_id, i);
		cr_assert(!qi.zerocopy, "veth binds in copy mode: AUTO fell back");
		cr_log_info("queue %u: fd %d %s busy_poll %d retries %u", qi.queue_id, qi.fd,
			    qi.zerocopy ? "zero-copy" : "copy", qi.busy_poll, qi.bind_retries);
	}
	cr_assert_geq(xs_dev_fd(t.dev), 0);
}

/* A socket of `type` in the peer namespace, bound to PEER_IP:port. */
static int peer_socket(int type, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 2 };
	int fd, rcvbuf = 8 << 20;

	cr_assert_eq(setns(t.peer_ns, CLONE_NEWNET), 0);
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	cr_assert_eq(setns(t.self_ns, CLONE_NEWNET), 0);
	cr_assert_geq(fd, 0);
	inet_pton(AF_INET, PEER_IP, &sin.sin_addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0, "bind: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

static void peer_send(int fd, uint32_t seq, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(XS_PORT) };
	uint8_t buf[1400];
	size_t i;

	inet_pton(AF_INET, LOCAL_IP, &to.sin_addr);
	memcpy(buf, &seq, 4);
	for (i = 4; i < len; i++)
		buf[i] = (uint8_t)(seq + i);
	cr_assert_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len,
		     "sendto: %s", strerror(errno));
}

/* Receives until `want` frames arrived or 2 s passed, sleeping in poll(2)
 * on the device fd when the rings are empty.  Frames go to out[] (the
 * caller releases them) if out is given, else straight back. */
static uint32_t rx_until(uint32_t want, struct xs_frame *out)
{
	uint64_t deadline = now_ns() + 2000000000ull;
	struct xs_frame f[64];
	uint32_t got = 0, k;

	while (got < want && now_ns() < deadline) {
		k = xs_dev_rx_burst(t.dev, f, want - got < 64 ? want - got : 64, now_ns());
		if (!k) {
			struct pollfd p = { .fd = xs_dev_fd(t.dev), .events = POLLIN };

			xs_dev_kick(t.dev);
			poll(&p, 1, 10);
			continue;
		}
		if (out)
			memcpy(out + got, f, k * sizeof(f[0]));
		else
			xs_dev_release(t.dev, f, k);
		got += k;
	}
	return got;
}

/* Offsets in an untagged IPv4 frame without options. */
#define L3 14
#define L4 (14 + 20)
#define PAYLOAD (14 + 20 + 8)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

XDP_TEST(udp_datagrams_arrive_through_rx_burst)
{
	struct xs_frame f[32];
	struct xs_dev_stats st;
	uint32_t i, seen = 0, seq;
	int fd;

	open_dev(4096);
	fd = peer_socket(SOCK_DGRAM, PEER_PORT);
	for (i = 0; i < 32; i++)
		peer_send(fd, i, 100 + i);
	cr_assert_eq(rx_until(32, f), 32, "datagrams steered to the AF_XDP device");
	for (i = 0; i < 32; i++) {
		const uint8_t *d = f[i].data;

		cr_assert_eq(rd16(d + 12), 0x0800, "IPv4");
		cr_assert_eq(d[L3 + 9], IPPROTO_UDP);
		cr_assert_eq(rd16(d + L4), PEER_PORT);
		cr_assert_eq(rd16(d + L4 + 2), XS_PORT);
		memcpy(&seq, d + PAYLOAD, 4);
		cr_assert_lt(seq, 32);
		cr_assert_eq(f[i].len, PAYLOAD + 100 + seq, "frame %u length", seq);
		cr_assert_eq(d[PAYLOAD + 99], (uint8_t)(seq + 99), "payload bytes");
		cr_assert_eq(xs_pool__frame_base(t.pool, f[i].addr) + 256, f[i].addr,
			     "data after XDP_PACKET_HEADROOM");
		seen |= 1u << seq;
	}
	cr_assert_eq(seen, 0xffffffffu, "every datagram once");
	xs_dev_release(t.dev, f, 32);
	xs_dev_stats(t.dev, &st);
	cr_assert_eq(st.rx_packets, 32);
	cr_assert_eq(st.rx_dropped + st.rx_ring_full + st.rx_invalid, 0);
	close(fd);
}

XDP_TEST(tx_frame_reaches_kernel_socket)
{
	struct test_frame_spec spec = {
		.family = 4, .saddr = LOCAL_IP, .daddr = PEER_IP, .proto = IPPROTO_UDP,
		.sport = XS_PORT, .dport = PEER_PORT, .payload_len = 48,
	};
	struct test_frame tf;
	struct xs_frame f;
	struct xs_dev_stats st;
	uint8_t buf[256];
	ssize_t n;
	int fd, i;

	open_dev(4096);
	fd = peer_socket(SOCK_DGRAM, PEER_PORT);
	cr_assert_eq(test_frame_build(&tf, &spec), 0);   /* MACs 02::01 -> 02::02: a -> b */
	cr_assert_eq(xs_dev_tx_alloc(t.dev, &f, 1), 1);
	cr_assert_geq(f.room, tf.len);
	memcpy(f.data, tf.data, tf.len);
	f.len = (uint32_t)tf.len;
	cr_assert_eq(xs_dev_tx_submit(t.dev, &f, 1, now_ns()), 1);
	cr_assert_geq(xs_dev_kick(t.dev), 1, "copy-mode TX needs a wakeup");
	n = recv(fd, buf, sizeof(buf), 0);
	cr_assert_eq(n, 48, "recv: %zd (%s)", n, n < 0 ? strerror(errno) : "");
	for (i = 0; i < 48; i++)
		cr_assert_eq(buf[i], 0x5a);
	for (i = 0; i < 100; i++) {
		xs_dev_stats(t.dev, &st);
		if (st.tx_completed == 1)
			break;
		xs_dev_tx_alloc(t.dev, &f, 0);  /* reaps completions */
		usleep(1000);
	}
	cr_assert_eq(st.tx_packets, 1);
	cr_assert_eq(st.tx_completed, 1);
	cr_assert_eq(st.tx_invalid, 0);
	close(fd);
}

/* A received frame turned into the reply in place: swap addresses and
 * ports (checksums stay valid: the sums commute) and submit it. */
XDP_TEST(received_frame_becomes_reply)
{
	uint8_t tmp[16], buf[256];
	struct xs_frame f;
	ssize_t n;
	int fd;

	open_dev(4096);
	fd = peer_socket(SOCK_DGRAM, PEER_PORT);
	peer_send(fd, 7, 64);
	cr_assert_eq(rx_until(1, &f), 1);
	memcpy(tmp, f.data, 6);
	memcpy(f.data, f.data + 6, 6);
	memcpy(f.data + 6, tmp, 6);
	memcpy(tmp, f.data + L3 + 12, 4);
	memcpy(f.data + L3 + 12, f.data + L3 + 16, 4);
	memcpy(f.data + L3 + 16, tmp, 4);
	memcpy(tmp, f.data + L4, 2);
	memcpy(f.data + L4, f.data + L4 + 2, 2);
	memcpy(f.data + L4 + 2, tmp, 2);
	f.data[PAYLOAD + 4] = 'R';
	f.data[L4 + 6] = f.data[L4 + 7] = 0;    /* UDP checksum: none (IPv4) */
	cr_assert_eq(xs_dev_tx_submit(t.dev, &f, 1, now_ns()), 1);
	xs_dev_kick(t.dev);
	n = recv(fd, buf, sizeof(buf), 0);
	cr_assert_eq(n, 64, "echo: %zd (%s)", n, n < 0 ? strerror(errno) : "");
	cr_assert_eq(buf[0], 7);
	cr_assert_eq(buf[4], 'R');
	close(fd);
}

XDP_TEST(thousands_of_frames_none_lost)
{
	const uint32_t n = 4000, chunk = 200;
	struct xs_frame f[64];
	struct xs_dev_stats st;
	uint32_t sent, got = 0, txd = 0, k, i, peer_got = 0;
	uint64_t t0, t_rx = 0, t1;
	uint8_t buf[2048];
	int fd;

	open_dev(2048);
	fd = peer_socket(SOCK_DGRAM, PEER_PORT);
	/* RX: the peer sends in chunks the fill rings can hold. */
	t0 = now_ns();
	for (sent = 0; sent < n; sent += chunk) {
		for (i = 0; i < chunk; i++)
			peer_send(fd, sent + i, 64);
		got += rx_until(chunk, NULL);
	}
	t_rx = now_ns() - t0;
	if (got != n) {
		xs_dev_stats(t.dev, &st);
		(void)test_sh("ip -s link show xsdev-a; nsenter --net=/proc/%d/fd/%d ip -s link show xsdev-b",
			      (int)getpid(), t.peer_ns);
		cr_log_error("rx_dropped %llu rx_ring_full %llu fill_ring_empty %llu invalid %llu",
			     (unsigned long long)st.rx_dropped, (unsigned long long)st.rx_ring_full,
			     (unsigned long long)st.fill_ring_empty, (unsigned long long)st.rx_invalid);
	}
	cr_assert_eq(got, n, "received %u of %u", got, n);

	/* TX: as fast as the ring takes them, the peer drains as we go. */
	t0 = now_ns();
	while (txd < n || peer_got < n) {
		if (txd < n) {
			k = xs_dev_tx_alloc(t.dev, f, n - txd < 64 ? n - txd : 64);
			for (i = 0; i < k; i++) {
				struct test_frame_spec spec = {
					.family = 4, .saddr = LOCAL_IP, .daddr = PEER_IP,
					.proto = IPPROTO_UDP, .sport = XS_PORT,
					.dport = PEER_PORT, .payload_len = 18,
				};
				struct test_frame tf;

				test_frame_build(&tf, &spec);
				memcpy(f[i].data, tf.data, tf.len);
				f[i].len = (uint32_t)tf.len;
			}
			i = xs_dev_tx_submit(t.dev, f, k, now_ns());
			xs_dev_release(t.dev, f + i, k - i);
			txd += i;
			xs_dev_kick(t.dev);
		}
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			peer_got++;
		if (txd == n && peer_got < n) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			xs_dev_kick(t.dev);
			if (poll(&p, 1, 1000) <= 0)
				break;
		}
	}
	t1 = now_ns();
	xs_dev_stats(t.dev, &st);
	cr_assert_eq(peer_got, n, "peer received %u of %u", peer_got, n);
	cr_assert_eq(st.rx_packets, n);
	cr_assert_eq(st.tx_packets, n);
	fprintf(stderr, "af_xdp veth copy mode: rx %u datagrams in %.1f ms (peer sendto "
		"included); tx %u frames in %.1f ms (%.0f kframes/s incl. peer recv); kicks %llu\n",
		n, (double)t_rx / 1e6, n, (double)(t1 - t0) / 1e6,
		n / ((double)(t1 - t0) / 1e9) / 1e3, (unsigned long long)st.kicks);
	close(fd);
	/* check_home() closes the device and checks that every frame is home. */
}

XDP_TEST(zerocopy_demanded_on_veth_fails_cleanly)
{
	struct xs_xdp_opts o = {
		.sz = sizeof(o), .ifname = "xsdev-a", .queue = 0, .xsks_map_fd = -1,
		.cfg = { .bind_mode = XS_BIND_ZEROCOPY, .umem_frames = 256 },
	};

	cr_assert_null(xs_xdp_dev__open(&o));
	cr_log_info("zero-copy on veth: %s", strerror(errno));
	/* The queue is free again: copy mode opens (EBUSY retried inside). */
	o.cfg.bind_mode = XS_BIND_COPY;
	t.dev = xs_xdp_dev__open(&o);
	cr_assert(t.dev, "copy after failed zero-copy: %s", strerror(errno));
	t.pool = xs_pool__get(t.dev->pool);
}

XDP_TEST(bad_interface)
{
	struct xs_xdp_opts o = { .sz = sizeof(o), .ifname = "xsdev-none", .xsks_map_fd = -1 };

	cr_assert_null(xs_xdp_dev__open(&o));
	cr_assert_eq(errno, ENODEV);
}
