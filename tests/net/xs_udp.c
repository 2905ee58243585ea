// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xs_udp: a UDP tool on the xsock API for the network tests.
 *
 *   xs_udp echo   [-6] [-b ADDR] PORT           echo every datagram back
 *   xs_udp sink   [-6] [-b ADDR] [-d US] PORT   count datagrams and bytes, check sequence
 *                                               numbers; -d: sleep US after each (a slow reader)
 *   xs_udp client [-6] ADDR PORT SIZE COUNT     send COUNT datagrams of SIZE, wait for each echo
 *   xs_udp blast  [-6] ADDR PORT SIZE COUNT [PPS]  send COUNT datagrams (sequence-numbered),
 *                                               no replies, at most PPS a second
 *
 * echo and sink print "ready" once bound and run until SIGTERM, then print
 * "received N bytes B accelerated A" (sink also "lost L reordered R").
 * client prints "ok N" when every echo came back intact and exits 1 at the
 * first mismatch or 2 s timeout.  Every socket call goes through xsock_*.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "xsock/xsock.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static socklen_t make_addr(int v6, const char *addr, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (addr && inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			return 0;
		return sizeof(*in6);
	}
	struct sockaddr_in *in = (void *)ss;

	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	if (addr && inet_pton(AF_INET, addr, &in->sin_addr) != 1)
		return 0;
	return sizeof(*in);
}

static int die(const char *what)
{
	fprintf(stderr, "xs_udp: %s: %s\n", what, strerror(errno));
	return 1;
}

static long sink_delay_us;

static int serve(int v6, const char *bind_addr, int port, int echo)
{
	static uint8_t buf[65536];
	struct sockaddr_storage ss, from;
	unsigned long n = 0, bytes = 0, lost = 0, reordered = 0;
	uint32_t next_seq = 0;
	socklen_t len = make_addr(v6, bind_addr, port, &ss);
	struct sigaction sa = { .sa_handler = on_term };
	int fd;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fd = xsock_socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return die("socket");
	if (!len || xsock_bind(fd, (struct sockaddr *)&ss, len))
		return die("bind");
	printf("ready accelerated %d\n", xsock_is_accelerated(fd));
	fflush(stdout);
	while (!stop) {
		socklen_t flen = sizeof(from);
		ssize_t r = xsock_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return die("recvfrom");
		}
		n++;
		bytes += (unsigned long)r;
		if (echo) {
			if (xsock_sendto(fd, buf, (size_t)r, 0, (struct sockaddr *)&from, flen) != r)
				return die("sendto");
		} else if (r >= 4) {
			uint32_t seq;

			memcpy(&seq, buf, 4);
			if (seq > next_seq)
				lost += seq - next_seq;
			else if (seq < next_seq)
				reordered++;
			if (seq >= next_seq)
				next_seq = seq + 1;
		}
		if (sink_delay_us)
			usleep((useconds_t)sink_delay_us);
	}
	printf("received %lu bytes %lu accelerated %d", n, bytes, xsock_is_accelerated(fd));
	if (!echo)
		printf(" lost %lu reordered %lu", lost, reordered);
	printf("\n");
	xsock_close(fd);
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int client(int v6, const char *addr, int port, size_t size, long count, int wait_echo,
		  long pps)
{
	uint64_t start = mono_ns();
	static uint8_t out[65536], in[65536];
	struct sockaddr_storage ss;
	socklen_t len = make_addr(v6, addr, port, &ss);
	struct timeval tv = { .tv_sec = 2 };
	int fd;

	if (!len || size > sizeof(out) || size < 4)
		return fprintf(stderr, "xs_udp: bad address or size\n"), 2;
	fd = xsock_socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return die("socket");
	if (xsock_connect(fd, (struct sockaddr *)&ss, len))
		return die("connect");
	xsock_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (long i = 0; i < count; i++) {
		uint32_t seq = (uint32_t)i;

		for (size_t k = 4; k < size; k++)
			out[k] = (uint8_t)(k * 7 + i);
		memcpy(out, &seq, 4);
		if (pps > 0) {
			/* Pace: datagram i leaves no earlier than i / pps s after start. */
			uint64_t due = start + (uint64_t)i * 1000000000u / (uint64_t)pps;

			while (mono_ns() < due)
				;
		}
		if (xsock_send(fd, out, size, 0) != (ssize_t)size) {
			if (!wait_echo && (errno == ENOBUFS || errno == EAGAIN)) {
				i--;	/* the kernel's queue was full: send it again */
				continue;
			}
			return die("send");
		}
		if (!wait_echo)
			continue;
		ssize_t r = xsock_recv(fd, in, sizeof(in), 0);

		if (r < 0)
			return die("recv");
		if ((size_t)r != size || memcmp(in, out, size)) {
			fprintf(stderr, "xs_udp: echo %ld differs (%zd bytes)\n", i, r);
			return 1;
		}
	}
	printf("ok %ld accelerated %d\n", count, xsock_is_accelerated(fd));
	xsock_close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int v6 = 0, i = 2;
	const char *bind_addr = NULL;

	if (argc < 3)
		goto usage;
	if (i < argc && !strcmp(argv[i], "-6")) {
		v6 = 1;
		i++;
	}
	if (i + 1 < argc && !strcmp(argv[i], "-b")) {
		bind_addr = argv[i + 1];
		i += 2;
	}
	if (i + 1 < argc && !strcmp(argv[i], "-d")) {
		sink_delay_us = atol(argv[i + 1]);
		i += 2;
	}
	if (!strcmp(argv[1], "echo") && i + 1 == argc)
		return serve(v6, bind_addr, atoi(argv[i]), 1);
	if (!strcmp(argv[1], "sink") && i + 1 == argc)
		return serve(v6, bind_addr, atoi(argv[i]), 0);
	if (!strcmp(argv[1], "client") && i + 4 == argc)
		return client(v6, argv[i], atoi(argv[i + 1]), strtoul(argv[i + 2], NULL, 0),
			      atol(argv[i + 3]), 1, 0);
	if (!strcmp(argv[1], "blast") && (i + 4 == argc || i + 5 == argc))
		return client(v6, argv[i], atoi(argv[i + 1]), strtoul(argv[i + 2], NULL, 0),
			      atol(argv[i + 3]), 0, i + 5 == argc ? atol(argv[i + 4]) : 0);
usage:
	fprintf(stderr, "usage: xs_udp echo [-6] [-b ADDR] PORT\n"
			"       xs_udp sink [-6] [-b ADDR] [-d US] PORT\n"
			"       xs_udp client [-6] ADDR PORT SIZE COUNT\n"
			"       xs_udp blast [-6] ADDR PORT SIZE COUNT [PPS]\n");
	return 2;
}
