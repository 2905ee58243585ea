// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xs_bufs: an xsock application that keeps running and makes sockets on
 * request, for the tests of the net.core tunables that `xsockctl sysctl`
 * changes under running applications.  One command per line on stdin, one
 * answer line on stdout:
 *
 *   new  udp|tcp [-6]                 a new socket's SO_RCVBUF and SO_SNDBUF:
 *                                     "rcvbuf R sndbuf S"
 *   set  udp|tcp OPT VALUE            a new socket after setsockopt(OPT, VALUE),
 *                                     OPT one of rcvbuf sndbuf rcvbufforce
 *                                     sndbufforce: "rcvbuf R sndbuf S", or
 *                                     "error ERRNO-NAME"
 *   cmsg LEN                          sendmsg of one byte with a LEN-byte control
 *                                     buffer (zeros) on a UDP socket bound to
 *                                     ADDR: "ok" or "error ERRNO-NAME"
 *   bind ADDR PORT                    a UDP socket bound there, kept open:
 *                                     "bound accelerated A rcvbuf R"
 *   drain                             reads what the kept socket has queued,
 *                                     without waiting: "drained N", and closes it
 *   connect ADDR PORT                 a TCP connection there: the window scale
 *                                     it offered, "wscale R" (TCP_INFO)
 *   accept ADDR PORT RCVBUF           a TCP listener there with SO_RCVBUF set,
 *                                     prints "listening", then the first accepted
 *                                     connection's "rcvbuf R sndbuf S"
 *
 * Every socket call goes through xsock_*.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "xsock/xsock.h"

static const char *errname(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOBUFS: return "ENOBUFS";
	case EPERM: return "EPERM";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case EAGAIN: return "EAGAIN";
	default: return strerror(e);
	}
}

static int buf_opt(const char *name)
{
	if (!strcmp(name, "rcvbuf"))
		return SO_RCVBUF;
	if (!strcmp(name, "sndbuf"))
		return SO_SNDBUF;
	if (!strcmp(name, "rcvbufforce"))
		return SO_RCVBUFFORCE;
	if (!strcmp(name, "sndbufforce"))
		return SO_SNDBUFFORCE;
	return -1;
}

static void report_bufs(int fd)
{
	int r = -1, s = -1;
	socklen_t len = sizeof(int);

	xsock_getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &r, &len);
	len = sizeof(int);
	xsock_getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &s, &len);
	printf("rcvbuf %d sndbuf %d\n", r, s);
}

static int new_socket(const char *kind, int v6)
{
	return xsock_socket(v6 ? AF_INET6 : AF_INET,
			    strcmp(kind, "tcp") ? SOCK_DGRAM : SOCK_STREAM, 0);
}

int main(void)
{
	char line[256], a[64], b[64], c[64], d[64];
	int held = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		int n = sscanf(line, "%63s %63s %63s %63s", a, b, c, d), fd;

		if (n >= 2 && !strcmp(a, "new")) {
			fd = new_socket(b, n >= 3 && !strcmp(c, "-6"));
			report_bufs(fd);
			xsock_close(fd);
		} else if (n >= 4 && !strcmp(a, "set")) {
			int v = atoi(d), opt = buf_opt(c);

			fd = new_socket(b, 0);
			if (xsock_setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)))
				printf("error %s\n", errname(errno));
			else
				report_bufs(fd);
			xsock_close(fd);
		} else if (n >= 2 && !strcmp(a, "cmsg")) {
			static char ctl[1 << 16];
			size_t clen = strtoul(b, NULL, 10);
			struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
			struct iovec iov = { "x", 1 };
			struct msghdr m = {
				.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
				.msg_iovlen = 1, .msg_control = ctl, .msg_controllen = clen,
			};

			to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			fd = new_socket("udp", 0);
			if (clen > sizeof(ctl) || xsock_sendmsg(fd, &m, MSG_DONTWAIT) < 0)
				printf("error %s\n", clen > sizeof(ctl) ? "too long" : errname(errno));
			else
				printf("ok\n");
			xsock_close(fd);
		} else if (n >= 3 && !strcmp(a, "bind")) {
			struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(atoi(c)) };
			int r = -1;
			socklen_t len = sizeof(r);

			if (held >= 0)
				xsock_close(held);
			held = new_socket("udp", 0);
			if (inet_pton(AF_INET, b, &in.sin_addr) != 1 ||
			    xsock_bind(held, (struct sockaddr *)&in, sizeof(in))) {
				printf("error %s\n", errname(errno));
				continue;
			}
			xsock_getsockopt(held, SOL_SOCKET, SO_RCVBUF, &r, &len);
			printf("bound accelerated %d rcvbuf %d\n", xsock_is_accelerated(held), r);
		} else if (n >= 1 && !strcmp(a, "drain") && held >= 0) {
			char buf[65536];
			int count = 0;

			while (xsock_recv(held, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
				count++;
			printf("drained %d\n", count);
			xsock_close(held);
			held = -1;
		} else if (n >= 3 && !strcmp(a, "connect")) {
			struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(atoi(c)) };
			struct tcp_info ti;
			socklen_t len = sizeof(ti);

			fd = new_socket("tcp", 0);
			if (inet_pton(AF_INET, b, &in.sin_addr) != 1 ||
			    xsock_connect(fd, (struct sockaddr *)&in, sizeof(in)) ||
			    xsock_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
				printf("error %s\n", errname(errno));
			else
				printf("wscale %u\n", ti.tcpi_rcv_wscale);
			xsock_close(fd);
		} else if (n >= 4 && !strcmp(a, "accept")) {
			struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(atoi(c)) };
			int v = atoi(d), one = 1, cfd;

			fd = new_socket("tcp", 0);
			xsock_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (inet_pton(AF_INET, b, &in.sin_addr) != 1 ||
			    xsock_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) ||
			    xsock_bind(fd, (struct sockaddr *)&in, sizeof(in)) || xsock_listen(fd, 4)) {
				printf("error %s\n", errname(errno));
				xsock_close(fd);
				continue;
			}
			printf("listening\n");
			cfd = xsock_accept(fd, NULL, NULL);
			if (cfd < 0) {
				printf("error %s\n", errname(errno));
			} else {
				report_bufs(cfd);
				xsock_close(cfd);
			}
			xsock_close(fd);
		} else {
			printf("error bad command\n");
		}
	}
	return 0;
}
