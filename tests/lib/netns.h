/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Private network namespaces for tests that need kernel networking.
 *
 * test_netns_unshare() moves the calling process (criterion's per-test
 * worker) into a new, unnamed network namespace with loopback up.  Nothing
 * is named or pinned, so the namespace and every interface created in it
 * disappear when the process exits, whether the test passed, failed or
 * crashed.
 */
#ifndef XS_TESTS_NETNS_H
#define XS_TESTS_NETNS_H

/* Returns 0 or a negative errno (-EPERM without CAP_SYS_ADMIN). */
int test_netns_unshare(void);

/* Runs a shell command built from fmt in the caller's namespace, output
 * to stderr.  Returns its exit status (-1 if it could not be run). */
int test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* XS_TESTS_NETNS_H */
