// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * xs_mt: threads blocked in xsock calls, for the lost-wake-up stress test.
 *
 *   xs_mt PORT NSOCKS SHARED EXPECT
 *
 * Binds NSOCKS UDP sockets on PORT, PORT+1, ...  Socket 0 is read by
 * SHARED threads at once (they compete for its datagrams); every other
 * socket by one thread.  All reads are blocking xsock_recv() calls, so the
 * stack's waiting (busy poll, then one poller in poll(2) and the others on
 * the condition variable) is what delivers every datagram.  Prints "ready",
 * then waits until EXPECT datagrams arrived on each socket, or 60 s, and
 * prints "socket I got N" per socket and "total T".  Exits 0 only if every
 * socket got exactly EXPECT.  A thread's closing read ends by the socket
 * being closed under it (EBADF) once its quota is met.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xsock/xsock.h"

#define MAX_SOCKS 16

static int fds[MAX_SOCKS];
static long got[MAX_SOCKS];
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

static void *reader(void *arg)
{
	int i = (int)(long)arg;
	char buf[2048];

	for (;;) {
		ssize_t r = xsock_recv(fds[i], buf, sizeof(buf), 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("xs_mt: recv");
			return NULL;
		}
		if (r == 4 && !memcmp(buf, "STOP", 4))
			return NULL;
		pthread_mutex_lock(&count_lock);
		got[i]++;
		pthread_mutex_unlock(&count_lock);
	}
}

int main(int argc, char **argv)
{
	int port, nsocks, shared, nthreads = 0, ok = 1;
	pthread_t th[MAX_SOCKS + 16];
	long expect, total = 0;

	if (argc != 5)
		return fprintf(stderr, "usage: xs_mt PORT NSOCKS SHARED EXPECT\n"), 2;
	port = atoi(argv[1]);
	nsocks = atoi(argv[2]);
	shared = atoi(argv[3]);
	expect = atol(argv[4]);
	if (nsocks < 1 || nsocks > MAX_SOCKS || shared < 1 || shared > 16)
		return fprintf(stderr, "xs_mt: 1..%d sockets, 1..16 shared readers\n", MAX_SOCKS), 2;
	for (int i = 0; i < nsocks; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(port + i)) };

		fds[i] = xsock_socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[i] < 0 || xsock_bind(fds[i], (struct sockaddr *)&a, sizeof(a)))
			return perror("xs_mt: socket/bind"), 1;
	}
	for (int k = 0; k < shared; k++)
		pthread_create(&th[nthreads++], NULL, reader, (void *)0L);
	for (int i = 1; i < nsocks; i++)
		pthread_create(&th[nthreads++], NULL, reader, (void *)(long)i);
	printf("ready accelerated %d\n", xsock_is_accelerated(fds[0]));
	fflush(stdout);

	for (int k = 0; k < nthreads; k++)
		pthread_join(th[k], NULL);
	for (int i = 0; i < nsocks; i++)
		xsock_close(fds[i]);
	for (int i = 0; i < nsocks; i++) {
		printf("socket %d got %ld\n", i, got[i]);
		total += got[i];
		ok &= got[i] == expect;
	}
	printf("total %ld\n", total);
	return ok ? 0 : 1;
}
