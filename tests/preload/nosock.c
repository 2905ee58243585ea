// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nosock: an ordinary program that opens no IP socket, for running under
 * the LD_PRELOAD shim (tests/unit/test_preload.c).  It uses every call the
 * shim takes over on files, pipes, an eventfd and a unix socket pair --
 * read, write, readv, writev, fcntl, ioctl, dup, dup2, dup3, F_DUPFD, poll,
 * ppoll, select, pselect, epoll, fork -- from two threads at once, and
 * checks each answer.  Prints "ok" and exits 0 when all were right.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

static int failures;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "nosock: %s:%d: %s (errno %d)\n", __FILE__, __LINE__, \
				#cond, errno);                                          \
			__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);            \
		}                                                                       \
	} while (0)

static void files(int base)
{
	char path[] = "/tmp/xsock-nosock-XXXXXX", buf[16];
	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	int fd = mkstemp(path), d;

	CHECK(fd >= 0);
	unlink(path);
	CHECK(write(fd, "hello", 5) == 5);
	CHECK(writev(fd, iov, 2) == 4);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(read(fd, buf, 5) == 5 && !memcmp(buf, "hello", 5));
	iov[0] = (struct iovec){ buf, 2 };
	iov[1] = (struct iovec){ buf + 2, 2 };
	CHECK(readv(fd, iov, 2) == 4 && !memcmp(buf, "abcd", 4));
	CHECK(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
	d = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	CHECK(d >= 100);
	CHECK(close(d) == 0);
	CHECK(dup2(fd, base) == base && dup3(fd, base + 1, O_CLOEXEC) == base + 1);
	CHECK(dup3(fd, fd, 0) == -1 && errno == EINVAL);
	CHECK(dup2(fd, fd) == fd);
	CHECK(close(base) == 0 && close(base + 1) == 0 && close(fd) == 0);
}

/* Closed fds: alone, since another thread would reuse the numbers. */
static void closed(void)
{
	int fd = dup(0);
	char c;

	CHECK(fd >= 0 && close(fd) == 0);
	CHECK(close(fd) == -1 && errno == EBADF);
	CHECK(read(fd, &c, 1) == -1 && errno == EBADF);
	CHECK(write(fd, &c, 1) == -1 && errno == EBADF);
	CHECK(fcntl(fd, F_GETFL) == -1 && errno == EBADF);
	CHECK(dup(fd) == -1 && errno == EBADF);
	CHECK(dup2(fd, 250) == -1 && errno == EBADF);
}

static void pipes(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x0123456789abcdefULL }, out[4];
	int p[2], efd, ep, n, avail = -1;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	struct timeval tv = { 0, 20000 };
	struct pollfd pfd;
	uint64_t v = 0;
	fd_set rs;

	CHECK(pipe2(p, O_CLOEXEC) == 0);
	efd = eventfd(0, EFD_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(efd >= 0 && ep >= 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	ev.data.u64 = 42;
	ev.events = EPOLLIN | EPOLLET;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 10) == 0);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	CHECK(poll(&pfd, 1, 10) == 0 && ppoll(&pfd, 1, &ts, NULL) == 0);
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	CHECK(select(p[0] + 1, &rs, NULL, NULL, &tv) == 0);

	CHECK(write(p[1], "x", 1) == 1);
	CHECK(eventfd_write(efd, 3) == 0);
	n = epoll_wait(ep, out, 4, 1000);
	CHECK(n == 2);
	for (int i = 0; i < n; i++)
		CHECK(out[i].data.u64 == 0x0123456789abcdefULL || out[i].data.u64 == 42);
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 0x0123456789abcdefULL);
	CHECK(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN);
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	CHECK(pselect(p[0] + 1, &rs, NULL, NULL, &ts, NULL) == 1 && FD_ISSET(p[0], &rs));
	CHECK(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 1);
	CHECK(read(efd, &v, sizeof(v)) == sizeof(v) && v == 3);
	CHECK(close(ep) == 0 && close(efd) == 0 && close(p[0]) == 0 && close(p[1]) == 0);
}

static void unix_pair(void)
{
	int sv[2], r;
	char buf[8];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(send(sv[0], "dgram", 5, 0) == 5);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 5 && !memcmp(buf, "dgram", 5));
	r = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(r >= 0 && close(r) == 0);
	CHECK(shutdown(sv[0], SHUT_RDWR) == 0);
	CHECK(close(sv[0]) == 0 && close(sv[1]) == 0);
}

static void forks(void)
{
	int status = -1, p[2];
	pid_t pid;
	char c = 0;

	CHECK(pipe(p) == 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], "c", 1) == 1 ? 7 : 1);
	}
	CHECK(pid > 0);
	close(p[1]);
	CHECK(read(p[0], &c, 1) == 1 && c == 'c');
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
	close(p[0]);
}

static void *worker(void *arg)
{
	for (int i = 0; i < 50; i++) {
		files(300);
		pipes();
		unix_pair();
	}
	return arg;
}

int main(void)
{
	pthread_t t;

	closed();
	CHECK(pthread_create(&t, NULL, worker, NULL) == 0);
	for (int i = 0; i < 50; i++) {
		files(200);
		pipes();
		unix_pair();
	}
	forks();
	CHECK(pthread_join(t, NULL) == 0);
	if (failures) {
		fprintf(stderr, "nosock: %d checks failed\n", failures);
		return 1;
	}
	puts("ok");
	return 0;
}
