// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The LD_PRELOAD shim and xsock-run, without a network: the shim loads
 * into programs that open no socket (no crash, no recursion, same
 * output); an epoll program over a pipe, an eventfd and a UDP socket gets
 * the kernel's answers both without the shim and with it, where its socket
 * is an xsock socket watched by libxsock's interest list; the shim exports
 * every name in real.def; and xsock-run's command line.
 *
 * The programs run as child processes with the shim in their environment
 * only; tests/net/test_preload_udp.sh runs them on the fast path.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

extern char **environ;

struct run {
	int status;                 /* exit status, or 128 + signal, or -1 on timeout */
	char out[1 << 16];          /* stdout and stderr, interleaved */
	size_t len;
};

static char build_dir[PATH_MAX - 64];

static const char *build(const char *rel, char *buf, size_t len)
{
	if (!build_dir[0]) {
		const char *b = getenv("BUILD");
		char full[PATH_MAX];

		cr_assert(realpath(b && *b ? b : "build", full), "no build directory");
		cr_assert_lt(strlen(full), sizeof(build_dir), "build directory path too long");
		strcpy(build_dir, full);
	}
	snprintf(buf, len, "%s/%s", build_dir, rel);
	return buf;
}

/* Runs argv with the environment plus env (NAME=VALUE strings, NULL
 * ended), at most timeout_s seconds. */
static void run(struct run *r, char *const argv[], char *const env[], int timeout_s)
{
	char *envp[512];
	int n = 0, p[2];
	struct timespec t0, now;
	pid_t pid;

	for (char **e = environ; *e && n < 400; e++) {
		bool replaced = false;

		for (int i = 0; env && env[i]; i++) {
			size_t k = strcspn(env[i], "=");

			replaced |= !strncmp(*e, env[i], k + 1);
		}
		if (!replaced)
			envp[n++] = *e;
	}
	for (int i = 0; env && env[i]; i++)
		envp[n++] = env[i];
	envp[n] = NULL;
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execve(argv[0], argv, envp);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(126);
	}
	close(p[1]);
	r->len = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		ssize_t k;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > timeout_s) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, 200) <= 0)
			continue;
		k = read(p[0], r->out + r->len, sizeof(r->out) - 1 - r->len);
		if (k <= 0)
			break;
		r->len += (size_t)k;
	}
	r->out[r->len] = 0;
	close(p[0]);
	waitpid(pid, &r->status, 0);
	if (now.tv_sec - t0.tv_sec > timeout_s)
		r->status = -1;
	else if (WIFEXITED(r->status))
		r->status = WEXITSTATUS(r->status);
	else
		r->status = 128 + WTERMSIG(r->status);
}

static char preload_env[PATH_MAX + 16];

static char *const *with_preload(void)
{
	static char *env[2];
	char lib[PATH_MAX];

	snprintf(preload_env, sizeof(preload_env), "LD_PRELOAD=%s",
		 build("libxsock-preload.so", lib, sizeof(lib)));
	env[0] = preload_env;
	return env;
}

static struct run r;

Test(preload, loads_into_true)
{
	char *argv[] = { "/bin/true", NULL };

	run(&r, argv, with_preload(), 20);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.out);
	cr_assert_eq(r.len, 0, "said: %s", r.out);
}

Test(preload, shell_pipeline_unchanged)
{
	char *argv[] = { "/bin/sh", "-c",
			 "echo hello | tr a-z A-Z; exec 3>&1; echo fd3 >&3; "
			 "ls -d / >/dev/null && cat </dev/null && echo done",
			 NULL };

	run(&r, argv, with_preload(), 20);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.out);
	cr_assert_str_eq(r.out, "HELLO\nfd3\ndone\n");
}

Test(preload, program_without_sockets)
{
	char bin[PATH_MAX];
	char *argv[] = { (char *)build("tests/preload/nosock", bin, sizeof(bin)), NULL };

	run(&r, argv, NULL, 60);
	cr_assert_eq(r.status, 0, "without the shim: exit %d: %s", r.status, r.out);
	run(&r, argv, with_preload(), 60);
	cr_assert_eq(r.status, 0, "with the shim: exit %d: %s", r.status, r.out);
	cr_assert_str_eq(r.out, "ok\n");
}

/* epoll_mix's checks are the kernel's behaviour: they pass without the
 * shim, and must pass with it, where the socket is an xsock socket. */
static void epoll_mix(bool v6)
{
	char bin[PATH_MAX];
	char *argv[] = { (char *)build("tests/preload/epoll_mix", bin, sizeof(bin)), v6 ? "-6" : NULL,
			 NULL };

	run(&r, argv, NULL, 60);
	cr_assert_eq(r.status, 0, "the kernel fails epoll_mix (exit %d):\n%s", r.status, r.out);
	cr_assert(strstr(r.out, "# xsock -1\n"), "%s", r.out);
	run(&r, argv, with_preload(), 60);
	cr_assert(strstr(r.out, "# xsock 1\n"), "the socket is not an xsock socket:\n%s", r.out);
	cr_assert_eq(r.status, 0, "with the shim (exit %d):\n%s", r.status, r.out);
}

Test(preload, epoll_pipe_eventfd_udp)
{
	epoll_mix(false);
}

Test(preload, epoll_pipe_eventfd_udp6)
{
	epoll_mix(true);
}

/* Python's sockets, select, poll and epoll, and its fork, on loopback. */
Test(preload, python_udp_loopback)
{
	static const char script[] =
		"import os, select, socket\n"
		"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"s.bind(('127.0.0.1', 0))\n"
		"c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"ep = select.epoll(); ep.register(s.fileno(), select.EPOLLIN)\n"
		"p = select.poll(); p.register(s.fileno(), select.POLLIN)\n"
		"assert ep.poll(0.05) == [] and p.poll(50) == []\n"
		"c.sendto(b'hi', s.getsockname())\n"
		"assert ep.poll(2) == [(s.fileno(), select.EPOLLIN)]\n"
		"assert p.poll(2000) == [(s.fileno(), select.POLLIN)]\n"
		"assert select.select([s], [], [], 2)[0] == [s]\n"
		"d, a = s.recvfrom(64); assert d == b'hi' and a[1] == c.getsockname()[1]\n"
		"s.sendto(b'back', a); assert c.recv(64) == b'back'\n"
		"pid = os.fork()\n"
		"if pid == 0:\n"
		"    s.close(); os._exit(0)\n"
		"os.waitpid(pid, 0)\n"
		"c.sendto(b'again', s.getsockname()); assert s.recv(64) == b'again'\n"
		"print('python ok')\n";
	const char *cands[] = { "/usr/bin/python3", "/usr/local/bin/python3" };
	char *argv[] = { NULL, "-c", (char *)script, NULL };

	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]) && !argv[0]; i++)
		if (access(cands[i], X_OK) == 0)
			argv[0] = (char *)cands[i];
	if (!argv[0])
		cr_skip_test("no python3 in /usr/bin or /usr/local/bin");
	run(&r, argv, with_preload(), 60);
	cr_assert_eq(r.status, 0, "exit %d:\n%s", r.status, r.out);
	cr_assert_str_eq(r.out, "python ok\n");
}

Test(preload, bad_busy_poll_warns_and_runs)
{
	char *argv[] = { "/bin/true", NULL };
	char *env[] = { preload_env, "XSOCK_BUSY_POLL_US=soon", NULL };

	with_preload();
	run(&r, argv, env, 20);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.out);
	cr_assert(strstr(r.out, "XSOCK_BUSY_POLL_US=soon is not a time in microseconds"), "%s", r.out);
}

/* Every libc name real.def lists is the shim's own (a missing one would
 * silently stay libc's). */
Test(preload, exports_every_name_in_real_def)
{
	char lib[PATH_MAX], line[512];
	FILE *def = fopen("user/preload/real.def", "r");
	void *h;
	int names = 0;

	cr_assert(def, "user/preload/real.def: %s (run from the top directory)", strerror(errno));
	h = dlopen(build("libxsock-preload.so", lib, sizeof(lib)), RTLD_NOW | RTLD_LOCAL);
	cr_assert(h, "dlopen: %s", dlerror());
	while (fgets(line, sizeof(line), def)) {
		char name[64];
		Dl_info info;
		void *sym;

		if (sscanf(line, "XS_REAL(%63[a-z0-9_],", name) != 1 &&
		    sscanf(line, "XS_REAL_VA(%63[a-z0-9_],", name) != 1 &&
		    sscanf(line, "XS_REAL_VOID(%63[a-z0-9_],", name) != 1)
			continue;
		names++;
		sym = dlsym(h, name);
		cr_assert(sym && dladdr(sym, &info) && strstr(info.dli_fname, "libxsock-preload.so"),
			  "%s is not exported by the shim", name);
	}
	fclose(def);
	cr_assert_geq(names, 40, "read only %d names", names);
	cr_assert(!dlsym(h, "xs_real_socket"), "internal symbols are exported");
}

/* xsock-run ------------------------------------------------------------- */

static void xsock_run(char *const args[], char *const env[])
{
	char bin[PATH_MAX];
	char *argv[16] = { (char *)build("xsock-run", bin, sizeof(bin)) };

	for (int i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	run(&r, argv, env, 20);
}

Test(xsock_run, help)
{
	xsock_run((char *[]){ "--help", NULL }, NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "Usage: xsock-run [OPTIONS] [--] PROGRAM [ARGS...]"), "%s", r.out);
}

Test(xsock_run, bad_command_lines)
{
	static const struct {
		char *args[4];
		const char *says;
	} cases[] = {
		{ { NULL }, "no program to run" },
		{ { "--", NULL }, "no program to run" },
		{ { "--frobnicate", "true", NULL }, "unknown option '--frobnicate'" },
		{ { "--iface", NULL }, "--iface needs an interface name" },
		{ { "--iface", "a-name-too-long-x", "true", NULL }, "15 characters at most" },
		{ { "--iface=a/b", "true", NULL }, "'a/b' is not an interface name" },
		{ { "--busy-poll", "fast", "true", NULL }, "whole number of microseconds, not 'fast'" },
		{ { "-b", "99999999", "true", NULL }, "at most 10000000 microseconds" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xsock_run(cases[i].args, NULL);
		cr_expect_eq(r.status, 2, "case %zu: exit %d", i, r.status);
		cr_expect(strstr(r.out, cases[i].says), "case %zu says: %s", i, r.out);
	}
}

Test(xsock_run, sets_the_environment)
{
	char lib[PATH_MAX], want[PATH_MAX + 32];

	xsock_run((char *[]){ "--iface", "lo", "--busy-poll", "7", "--", "/bin/sh", "-c",
			      "echo \"$LD_PRELOAD|$XSOCK_IFACE|$XSOCK_BUSY_POLL_US\"", NULL },
		  (char *[]){ "LD_PRELOAD=", NULL });
	snprintf(want, sizeof(want), "%s|lo|7\n", build("libxsock-preload.so", lib, sizeof(lib)));
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert_str_eq(r.out, want);
}

Test(xsock_run, nested_runs_preload_once)
{
	char lib[PATH_MAX], bin[PATH_MAX], want[PATH_MAX + 8];

	build("xsock-run", bin, sizeof(bin));
	xsock_run((char *[]){ bin, "/bin/sh", "-c", "echo \"$LD_PRELOAD\"", NULL },
		  (char *[]){ "LD_PRELOAD=", NULL });
	snprintf(want, sizeof(want), "%s\n", build("libxsock-preload.so", lib, sizeof(lib)));
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert_str_eq(r.out, want);
}

Test(xsock_run, missing_program)
{
	xsock_run((char *[]){ "no-such-program-xsock", NULL }, NULL);
	cr_assert_eq(r.status, 127);
	cr_assert(strstr(r.out, "no-such-program-xsock: command not found"), "%s", r.out);
}

Test(xsock_run, missing_library)
{
	char dir[] = "/tmp/xsock-run-XXXXXX", script[PATH_MAX], bin[PATH_MAX], cmd[3 * PATH_MAX];
	char *argv[] = { script, "/bin/true", NULL };

	cr_assert(mkdtemp(dir));
	snprintf(script, sizeof(script), "%s/xsock-run", dir);
	/* A copy alone in a directory, with no installed shim to fall back on. */
	snprintf(cmd, sizeof(cmd),
		 "sed \"s|^installed_libdir=.*|installed_libdir='/nonexistent'|\" '%s' > '%s' && chmod +x '%s'",
		 build("xsock-run", bin, sizeof(bin)), script, script);
	cr_assert_eq(system(cmd), 0);
	run(&r, argv, (char *[]){ "XSOCK_PRELOAD=", NULL }, 20);
	unlink(script);
	rmdir(dir);
	cr_assert_eq(r.status, 127, "exit %d: %s", r.status, r.out);
	cr_assert(strstr(r.out, "libxsock-preload.so not found"), "%s", r.out);

	xsock_run((char *[]){ "/bin/true", NULL }, (char *[]){ "XSOCK_PRELOAD=/nonexistent/x.so", NULL });
	cr_assert_eq(r.status, 127, "exit %d: %s", r.status, r.out);
	cr_assert(strstr(r.out, "XSOCK_PRELOAD=/nonexistent/x.so: no such file"), "%s", r.out);
}
