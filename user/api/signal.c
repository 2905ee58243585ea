// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Signal handlers the stack can see (xsock_sigaction(), and sigaction()
 * and signal() under the LD_PRELOAD shim).
 *
 * The kernel ends a blocked socket call on a signal whenever the signal
 * is pending at a wait point, wherever the thread was when it came.  A
 * call into the stack spends part of its time in user space (copying,
 * busy-polling), where a handler runs at once and leaves no trace: the
 * stack's own sleep (a futex, stack.c) sees only handlers that run while
 * it sleeps.  A handler installed through here runs behind a wrapper
 * that counts, per thread, the handlers run and those without
 * SA_RESTART; each call notes the counts when it starts (xs_sock_lock()),
 * and a wait that finds them moved ends as the kernel's would have
 * (xs_sig_interrupts()).  The wrapper passes the signal on unchanged:
 * the same handler, arguments, flags and mask.
 *
 * Called from api/ only; calls libc's sigaction (the real one under the
 * shim).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/stack.h"
#include "xsock/xsock.h"

/* What the application installed, for the signals whose handler we
 * wrapped (wrapped[sig]); read by the wrapper in signal context. */
static struct sigaction app[_NSIG];
static bool wrapped[_NSIG];

/* Per thread: handlers run (wrapped ones), and those without SA_RESTART;
 * the counts when the current call began.  initial-exec: the wrapper
 * reads them in signal context, where an allocation must not happen. */
#define XS_TLS __thread __attribute__((tls_model("initial-exec")))
static XS_TLS unsigned int ran, ran_intr;
static XS_TLS unsigned int call_ran, call_ran_intr;

static void wrapper(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *a = &app[sig];
	int flags = __atomic_load_n(&a->sa_flags, __ATOMIC_RELAXED);

	ran++;
	if (!(flags & SA_RESTART))
		ran_intr++;
	if (flags & SA_RESETHAND) {
		/* the kernel has put SIG_DFL back: so do we */
		__atomic_store_n(&wrapped[sig], false, __ATOMIC_RELAXED);
	}
	if (flags & SA_SIGINFO)
		a->sa_sigaction(sig, si, uc);
	else if (a->sa_handler != SIG_IGN && a->sa_handler != SIG_DFL)
		a->sa_handler(sig);
}

int xsock_sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	struct sigaction real, prev, prev_app;
	bool wrap, was;
	int r;

	if (sig <= 0 || sig >= _NSIG)
		return sigaction(sig, act, oldact);	/* the kernel's answer */
	was = __atomic_load_n(&wrapped[sig], __ATOMIC_RELAXED);
	prev_app = app[sig];
	if (!act) {
		r = sigaction(sig, NULL, &prev);
		if (!r && oldact)
			*oldact = was && prev.sa_sigaction == wrapper ? prev_app : prev;
		return r;
	}
	wrap = act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
	real = *act;
	if (wrap) {
		/* The wrapper runs with the application's flags and mask, so
		 * the kernel restarts or interrupts its own calls as asked. */
		real.sa_flags |= SA_SIGINFO;
		real.sa_sigaction = wrapper;
		/* A handler that comes while the entry changes runs one of
		 * the two. */
		app[sig] = *act;
	}
	r = sigaction(sig, &real, &prev);
	if (r) {
		app[sig] = prev_app;
		return r;
	}
	if (oldact)
		*oldact = was && prev.sa_sigaction == wrapper ? prev_app : prev;
	__atomic_store_n(&wrapped[sig], wrap, __ATOMIC_RELAXED);
	return 0;
}

void xs_sig_call_begin(void)
{
	call_ran = ran;
	call_ran_intr = ran_intr;
}

bool xs_sig_interrupts(bool any)
{
	unsigned int now = any ? ran : ran_intr, then = any ? call_ran : call_ran_intr;

	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* read after the handler's write */
	return now != then;
}

bool xs_sig_restart_ran(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return ran - call_ran > ran_intr - call_ran_intr;
}
