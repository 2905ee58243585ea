// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A small HTTP/1.1 server on libxsock, for real HTTP clients (curl) to test
 * xsock's TCP against: one thread, non-blocking sockets, xsock_poll().
 *
 *   xs_http --port P --file PATH [--family 4|6] [--requests N]
 *
 * Every GET (any path) is answered 200 with the file's bytes and a
 * Content-Length; HEAD with the headers only; anything else 405.  Keep-alive
 * as HTTP/1.1 has it (Connection: close honoured).  Prints
 * {"event":"ready",...} once listening, and on exit (after --requests
 * requests, or SIGTERM) {"event":"done","requests":N,"accelerated":[...]}
 * with how many accepted connections were on the fast path.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>

#include "xsock/xsock.h"

#define MAX_CONNS 256

struct conn {
	int fd;
	char req[8192];
	size_t req_len;
	char hdr[256];
	size_t hdr_len, hdr_off;
	size_t body_off, body_len;      /* what of the file is left to send */
	bool close_after;
};

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: xs_http --port P --file PATH [--family 4|6] [--requests N]\n");
	exit(2);
}

static void conn_close(struct conn *c)
{
	xsock_close(c->fd);
	c->fd = -1;
}

/* A whole request in c->req?  Then prepare the answer.  Returns 1 when one
 * was prepared, 0 when more bytes are needed, -1 on a bad request. */
static int parse(struct conn *c, size_t file_len)
{
	char *end = memmem(c->req, c->req_len, "\r\n\r\n", 4);
	size_t used;
	bool head, get;

	if (!end)
		return c->req_len == sizeof(c->req) ? -1 : 0;
	used = (size_t)(end - c->req) + 4;
	*end = 0;
	get = !strncmp(c->req, "GET ", 4);
	head = !strncmp(c->req, "HEAD ", 5);
	c->close_after = strcasestr(c->req, "\r\nConnection: close") != NULL ||
			 strstr(c->req, " HTTP/1.0\r\n") != NULL;
	if (get || head) {
		c->hdr_len = (size_t)snprintf(c->hdr, sizeof(c->hdr),
					      "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
					      "Content-Type: application/octet-stream\r\n%s\r\n",
					      file_len, c->close_after ? "Connection: close\r\n" : "");
		c->body_off = 0;
		c->body_len = get ? file_len : 0;
	} else {
		c->hdr_len = (size_t)snprintf(c->hdr, sizeof(c->hdr),
					      "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n"
					      "Connection: close\r\n\r\n");
		c->body_len = 0;
		c->close_after = true;
	}
	c->hdr_off = 0;
	memmove(c->req, c->req + used, c->req_len - used);
	c->req_len -= used;
	return 1;
}

int main(int argc, char **argv)
{
	int port = 0, family = 4, lfd, one = 1, fd;
	long max_requests = -1, requests = 0;
	long accel[3] = { 0, 0, 0 };
	const char *path = NULL;
	struct conn conns[MAX_CONNS];
	struct sockaddr_storage ss;
	struct pollfd pfd[MAX_CONNS + 1];
	char *file = NULL;
	size_t file_len = 0;
	struct stat stt;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--file") && i + 1 < argc)
			path = argv[++i];
		else if (!strcmp(argv[i], "--family") && i + 1 < argc)
			family = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--requests") && i + 1 < argc)
			max_requests = atol(argv[++i]);
		else
			usage();
	}
	if (!port || !path || (family != 4 && family != 6))
		usage();
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &stt)) {
		perror(path);
		return 1;
	}
	file_len = (size_t)stt.st_size;
	file = malloc(file_len ? file_len : 1);
	if (!file || read(fd, file, file_len) != (ssize_t)file_len) {
		perror("read");
		return 1;
	}
	close(fd);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);

	lfd = xsock_socket(family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0) {
		perror("socket");
		return 1;
	}
	xsock_setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&ss, 0, sizeof(ss));
	if (family == 4) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
	}
	if (xsock_bind(lfd, (struct sockaddr *)&ss, family == 4 ? sizeof(struct sockaddr_in)
							     : sizeof(struct sockaddr_in6)) ||
	    xsock_listen(lfd, 128)) {
		perror("bind/listen");
		return 1;
	}
	printf("{\"event\":\"ready\",\"port\":%d,\"accelerated\":%d}\n", port, xsock_is_accelerated(lfd));
	fflush(stdout);
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;

	while (!stop && (max_requests < 0 || requests < max_requests)) {
		int n = 0, map[MAX_CONNS + 1];

		pfd[n].fd = lfd;
		pfd[n].events = POLLIN;
		map[n++] = -1;
		for (int i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];

			if (c->fd < 0)
				continue;
			pfd[n].fd = c->fd;
			pfd[n].events = c->hdr_off < c->hdr_len || c->body_off < c->body_len ? POLLOUT : POLLIN;
			map[n++] = i;
		}
		if (xsock_poll(pfd, (nfds_t)n, 200) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		if (pfd[0].revents & POLLIN) {
			int cfd;

			while ((cfd = xsock_accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				int slot = -1, a = xsock_is_accelerated(cfd);

				for (int i = 0; i < MAX_CONNS && slot < 0; i++)
					if (conns[i].fd < 0)
						slot = i;
				if (slot < 0) {
					xsock_close(cfd);
					continue;
				}
				accel[a >= 0 && a <= 2 ? a : 0]++;
				memset(&conns[slot], 0, sizeof(conns[slot]));
				conns[slot].fd = cfd;
				xsock_setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			}
		}
		for (int k = 1; k < n; k++) {
			struct conn *c = &conns[map[k]];
			ssize_t r = 0;

			if (!pfd[k].revents)
				continue;
			if (c->hdr_off < c->hdr_len || c->body_off < c->body_len) {
				while (c->hdr_off < c->hdr_len) {
					r = xsock_send(c->fd, c->hdr + c->hdr_off, c->hdr_len - c->hdr_off,
						       MSG_NOSIGNAL | (c->body_len ? MSG_MORE : 0));
					if (r <= 0)
						break;
					c->hdr_off += (size_t)r;
				}
				while (c->hdr_off == c->hdr_len && c->body_off < c->body_len) {
					r = xsock_send(c->fd, file + c->body_off, c->body_len - c->body_off,
						       MSG_NOSIGNAL);
					if (r <= 0)
						break;
					c->body_off += (size_t)r;
				}
				if (r < 0 && errno != EAGAIN) {
					conn_close(c);
					continue;
				}
				if (c->hdr_off == c->hdr_len && c->body_off == c->body_len) {
					requests++;
					if (c->close_after) {
						conn_close(c);
						continue;
					}
				} else {
					continue;
				}
			}
			r = xsock_recv(c->fd, c->req + c->req_len, sizeof(c->req) - c->req_len, 0);
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				conn_close(c);
				continue;
			}
			if (r > 0)
				c->req_len += (size_t)r;
			if (parse(c, file_len) < 0)
				conn_close(c);
		}
	}
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i].fd >= 0)
			conn_close(&conns[i]);
	xsock_close(lfd);
	printf("{\"event\":\"done\",\"requests\":%ld,\"accelerated\":[%ld,%ld,%ld]}\n", requests,
	       accel[0], accel[1], accel[2]);
	return 0;
}
