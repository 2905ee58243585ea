/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The process's stack: the interfaces it serves, the socket tables, the fd
 * table, the lock every call takes, and the loop that moves frames from the
 * devices to the sockets.  Started by the first call that needs it
 * (xs_stack_get()); the BSD calls in api/ are its only users.
 *
 * Locking: one mutex for the whole stack.  The per-packet work runs in
 * batches under it (one lock per burst, not per frame).  A call that must
 * wait spins for xsock.busy_poll_us polling the rings, then sleeps on a
 * futex (wake_seq) while the helper thread sleeps in poll(2) on the AF_XDP
 * fds and the twins of the sockets with sleepers; whoever delivers data to
 * a socket with waiters, closes or shuts it down bumps wake_seq and wakes
 * the sleepers.  The futex is what makes a signal end a wait the way the
 * kernel's sock_intr_errno() does (docs/design.md, "Threads and waiting").
 */
#ifndef XS_API_STACK_H
#define XS_API_STACK_H

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ctl/ctl.h"
#include "iface/ifnet.h"
#include "iface/mirror.h"
#include "iface/reasm.h"
#include "sock/tcp.h"
#include "sock/udp.h"

#define XS_STACK_MAX_IFNETS 8
#define XS_STACK_WAIT_SET 64        /* sockets whose twins the helper watches */
#define XS_STACK_POLLERS 64         /* threads asleep in xsock_poll() and co. that a delivery wakes */

/* An attached interface the stack has opened. */
struct xs_stack_if {
	struct xs_ifnet ifnet;
	struct xs_ctl ctl;          /* its pinned maps: rules, config */
	struct xs_owner owner;      /* us, as rule owner */
};

struct xs_sock {
	int fd;                     /* the kernel twin, the fd the application holds */
	int domain, type, protocol;
	bool nonblock;
	bool accelerated;           /* traffic steered to the stack */
	int waiters;                /* threads blocked on this socket */
	int wait_slot;              /* index in st->waiting while waiters > 0, or -1 */
	bool fd_closing;            /* the last fd naming it is being closed: no new dup */
	struct xs_sock *orphan_next;   /* closed while threads were blocked on it */
	bool orphaned;              /* its fd number is closed; blocked calls go on */
	bool closing;
	/* steering this socket installed, to remove on close */
	uint32_t listen_ifmask;     /* bit i: listener rule on ifs[i] */
	struct xs_listen_key lkey;
	int flow_if;                /* index in ifs[] of the flow rule, -1 none */
	struct xs_flow_key fkey;
	/* SO_RCVBUF, SO_SNDBUF as getsockopt reports them: net.core.* of the
	 * config map decide them (defaults, caps), not the namespace's /proc.
	 * The twin holds the same values (SO_*BUFFORCE) unless the kernel
	 * refused: then bufs_own and the stack answers getsockopt. */
	int rcvbuf, sndbuf;
	bool bufs_own;
	bool bufs_forced;           /* the twin took them with SO_*BUFFORCE */
	uint64_t twin_checked_ns;   /* last look at the twin for datagrams */
	bool twin_ready;            /* poll(2) saw the twin readable */
	int pending_err;            /* an error the twin reported, for the next call */
	uint64_t rcvtimeo_ns;       /* SO_RCVTIMEO, 0: forever (sends never wait) */
	uint8_t ttl, tos;           /* IP_TTL/IP_TOS (or IPv6 hop limit, class), as the twin says */
	uint8_t ttl6, tclass6;
	uint32_t path_mtu;          /* the kernel's path MTU after a frag-needed, 0 if none */
	int pmtudisc;               /* IP_MTU_DISCOVER (IP_PMTUDISC_*) */
	bool dontfrag6;             /* IPV6_DONTFRAG */
	bool udp_cork;              /* UDP_CORK: every send goes through the twin */
	bool twin_corked;           /* a MSG_MORE send left data corked in the twin */
	uint64_t err_checked_ns;    /* last look at the twin's SO_ERROR before a send */
	/* O_ASYNC: the signal the kernel would raise when data arrives, as the
	 * twin records it (F_SETOWN/F_SETOWN_EX, F_SETSIG, FIOASYNC). */
	bool async;
	bool sig_queued;            /* waiting for the helper thread to raise it */
	int sig;                    /* F_GETSIG: 0 means SIGIO */
	struct f_owner_ex owner;
	/* The last destination sent to, and how: valid while the mirror's
	 * generation is unchanged (any route, address or neighbour change). */
	struct {
		uint64_t gen;           /* 0: empty */
		uint8_t dst[16];
		uint8_t src[16];
		uint8_t mac[6];
		int if_idx;             /* index in st->ifs */
	} route_cache;
	struct xs_udp_sock udp;
	/* SOCK_STREAM: served by the stack while tcp is set; a stream socket
	 * whose address the kernel serves (loopback, other interfaces) has
	 * tcp NULL and every call goes to the twin. */
	bool stream;
	struct xs_tcp_sock *tcp;
	uint8_t conn_state;         /* XS_CONN_*: inet_stream_connect()'s sock->state */
	bool twin_autobound;        /* connect() bound the twin to its source address */
	bool name_reset;            /* disconnected: getsockname shows the wildcard address
				     * (Linux's inet_reset_saddr()) */
	struct xs_stream_inherit *inherit;  /* a listener's options for accept() */
	uint64_t news;              /* TCP events so far (edge-triggered epoll's "something new") */
	bool urg_queued;            /* SIGURG due to the owner */
	uint64_t sndtimeo_ns;       /* SO_SNDTIMEO (connect and send on streams) */
	uint32_t peek_want;         /* a peek held back for its target: the
				     * bytes queued it waits for */
	struct linger linger;       /* SO_LINGER, as the twin holds it (close
				     * reads it; accept() inherits it) */
};

enum { XS_CONN_UNCONNECTED, XS_CONN_CONNECTING, XS_CONN_CONNECTED };

#define XS_STREAM_INHERIT_MAX 18
struct xs_stream_inherit {
	int n;
	struct { int level, name, val; } opt[XS_STREAM_INHERIT_MAX];
};

/* A listener rule this process installed, shared by every socket of the
 * process that needs it (SO_REUSEADDR/SO_REUSEPORT siblings). */
struct xs_rule_ref {
	struct xs_listen_key key;
	int if_idx;
	int refs;
};

struct xs_stack {
	pthread_mutex_t lock;
	/* Sleeping: a waiter reads wake_seq under the lock, drops the lock and
	 * sleeps in FUTEX_WAIT on it; every wake-up bumps it under the lock,
	 * so none can fall between the look and the sleep. */
	uint32_t wake_seq;
	int sleepers;               /* threads in FUTEX_WAIT on wake_seq */
	struct xs_mirror *mirror;
	struct xs_reasm *reasm;     /* fragments that reach the stack (rare: see reasm.h) */
	struct xs_stack_if ifs[XS_STACK_MAX_IFNETS];
	int nifs;
	char only_iface[IF_NAMESIZE];   /* XSOCK_IFACE */
	struct xs_udp_table udp;
	struct xs_tcp_table tcp;
	struct xs_tcp_env tcp_env;
	uint32_t kick_mask;         /* interfaces with frames queued, not yet announced */
	bool tcp_wake;              /* a TCP socket with waiters had news */
	uint64_t last_poll_ns;      /* the last receive round, for the helper's keep-alive */
	struct xs_rule_ref *rules;  /* our listener rules, with reference counts */
	int nrules, rules_cap;
	/* fd table: fd -> socket */
	struct xs_sock **fds;
	int nfds;
	/* sleeping */
	int wake_fd;                /* eventfd: the helper rebuilds its poll set */
	int sig_fd;                 /* eventfd: wakes the helper thread to raise SIGIO */
	int sig_list[64];           /* fds whose owners are due a signal */
	int nsig;
	/* Sockets with blocked threads: while any thread sleeps, the helper
	 * watches the AF_XDP fds and their twins (UDP sockets, listeners). */
	struct xs_sock *waiting[XS_STACK_WAIT_SET];
	int nwaiting;
	int overflow;               /* sleepers on sockets left out of the set: woken every 10 ms */
	struct xs_sock *orphans;    /* closed with threads blocked on them (xsock_close()) */
	/* Threads asleep in poll(2) for xsock_poll(), ppoll, select, epoll:
	 * every delivery writes their eventfds, since the frames they sleep
	 * on may be taken off the rings by another thread. */
	struct { int fd; bool due; } pollers[XS_STACK_POLLERS];
	int efd_pool[XS_STACK_POLLERS];  /* eventfds for poll sleeps, free */
	int nefd_pool;
	int npollers;
	uint64_t deliveries;        /* datagrams and segments delivered so far (atomic: read unlocked) */
	uint64_t wait_gen;          /* bumped when what the helper must watch changes */
	uint64_t helper_gen;        /* the wait_gen the helper's poll set was built from */
	bool helper_kicked;         /* wake_fd written since the helper last built it */
	bool rx_handed;             /* the helper woke the sleepers to take the frames */
	/* config: the map of one attached interface (docs/design.md,
	 * Configuration), mapped read-only; NULL until one is found, and
	 * then every limit is the kernel's own (the twin's) */
	const struct xs_config *cfg_view;
	char cfg_ifname[IF_NAMESIZE];   /* whose map it is */
	struct xs_config cfg;       /* what was last applied */
	uint64_t config_gen;        /* its generation */
	uint32_t busy_poll_us;
	uint32_t rx_budget;         /* frames per interface per receive round (netdev_max_backlog) */
	int min_rcvbuf, min_sndbuf; /* this kernel's SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF */
	uint32_t tcp_rmem_max;      /* tcp_rmem[2] at start-up: with rmem_max, the window scale */
	bool warned_bufs;           /* said once that the twins keep buffer sizes of their own */
	pthread_t helper;
	uint64_t sockets;           /* open xsock sockets */
	uint64_t twin_rx;           /* datagrams taken from kernel twins */
	uint8_t twin_buf[65536];    /* a datagram drained from a twin, under the lock */
};

/* The config map's values as of now, re-read when its generation moved
 * (one load when it did not), or NULL when the stack has found no config
 * map yet: the kernel's limits apply then.  Lock held. */
const struct xs_config *xs_stack_config(struct xs_stack *st);

/* The stack, started on first use; NULL with errno set if it cannot start
 * (then every socket stays a kernel socket). */
struct xs_stack *xs_stack_get(void);
/* The stack if it has started, else NULL: for calls on fds that cannot be
 * xsock sockets unless it has. */
struct xs_stack *xs_stack_peek(void);

uint64_t xs_now_ns(void);        /* CLOCK_MONOTONIC: timers, waits */
uint64_t xs_realtime_ns(void);   /* CLOCK_REALTIME: receive timestamps */

/* The xsock socket for fd, with the stack lock held and *stp set, or NULL
 * with nothing held: fd is then not an xsock socket (or the stack never
 * started) and belongs to libc. */
struct xs_sock *xs_sock_lock(int fd, struct xs_stack **stp);

/* fd table; lock held. */
struct xs_sock *xs_stack_sock(struct xs_stack *st, int fd);
int xs_stack_sock_add(struct xs_stack *st, struct xs_sock *s);
void xs_stack_sock_del(struct xs_stack *st, struct xs_sock *s);

/* The opened interface with this ifindex, opening it if xsock is attached
 * there (and XSOCK_IFACE allows it).  Returns its index in st->ifs, or a
 * negative errno: -ENODEV not attached (a kernel-only socket then). */
int xs_stack_if_get(struct xs_stack *st, int ifindex);

/* One bounded round of receive work on every interface.  Returns the number
 * of datagrams delivered to sockets.  Lock held. */
int xs_stack_poll(struct xs_stack *st, uint64_t now_ns);

/* Waits, with the lock held on entry and exit, until ready(s) is true, the
 * deadline passes (-EAGAIN) or a signal handler runs (-EINTR).  deadline_ns
 * 0 waits forever.  A signal ends the wait as the kernel's
 * sock_intr_errno() ends a socket's: without a deadline the sleep is
 * restarted by the kernel when the handler has SA_RESTART (the call goes
 * on waiting) and fails with EINTR when it has not; with a deadline
 * (SO_RCVTIMEO, SO_SNDTIMEO) every handler ends it with -EINTR. */
int xs_stack_wait(struct xs_stack *st, struct xs_sock *s, bool (*ready)(struct xs_sock *s),
		  uint64_t deadline_ns);
/* The same, for a call that has already moved data (a partial send, a
 * MSG_WAITALL receive): any signal handler ends the wait with -EINTR, SA_RESTART or
 * not, and the call returns the count, as tcp_sendmsg()/tcp_recvmsg() do. */
int xs_stack_wait_intr(struct xs_stack *st, struct xs_sock *s, bool (*ready)(struct xs_sock *s),
		       uint64_t deadline_ns);

/* Signal handlers installed with xsock_sigaction() (signal.c): a call
 * notes, when it begins, how many have run in its thread; a wait asks
 * whether one ran since (any: any handler; else: one without SA_RESTART). */
void xs_sig_call_begin(void);
bool xs_sig_interrupts(bool any);
/* Whether a handler with SA_RESTART ran since the call began: the kernel
 * would have restarted the call, and a restart looks the fd up again. */
bool xs_sig_restart_ran(void);

/* Removes the steering rules s installed and takes it out of the socket
 * table (socket.c).  Lock held. */
void xs_sock_unsteer(struct xs_stack *st, struct xs_sock *s);

/* Ends an xsock socket: its steering, its connection (as close(2)), its
 * queue, its twin (s->fd) and s itself.  Lock held. */
void xs_sock_release(struct xs_stack *st, struct xs_sock *s);

/* Re-reads s's O_ASYNC owner and signal from the twin.  Lock held. */
void xs_sock_read_async(struct xs_sock *s);

/* Announces the frames queued since the last call (st->kick_mask). */
void xs_stack_flush(struct xs_stack *st);

/* For xsock_poll() and the calls built on it, around their sleep in
 * poll(2).  xs_stack_deliveries() before looking at the sockets; then
 * xs_stack_poll_sleep_begin() with that value fills devs with the AF_XDP
 * fds (at most XS_STACK_MAX_IFNETS), sets *ndev, and returns an eventfd
 * of the calling thread to sleep on too, which any delivery from now on
 * makes readable (-1 if none could be had: sleep in slices); or -EAGAIN,
 * when something was delivered since the look: look again.
 * xs_stack_poll_sleep_end() after the sleep.  Not with the lock held. */
uint64_t xs_stack_deliveries(struct xs_stack *st);
int xs_stack_poll_sleep_begin(struct xs_stack *st, uint64_t seen, int *devs, int *ndev);
void xs_stack_poll_sleep_end(struct xs_stack *st, int efd);

/* Wakes every sleeping thread, so that those waiting on s look again
 * (data, close, shutdown; s NULL: any socket).  Lock held. */
void xs_stack_wake(struct xs_stack *st, struct xs_sock *s);

#endif
