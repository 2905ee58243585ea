// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * impair: a two-port userspace impairment bridge for the network tests, in
 * place of netem, which this kernel lacks (DESIGN.md).  It runs in a
 * namespace between the xsock side and the kernel peer, reads every frame
 * from one port with an AF_PACKET socket and writes it to the other, losing,
 * corrupting, delaying, reordering and duplicating on the way, each
 * direction on its own settings and its own seeded generator.
 *
 *   impair [OPTIONS] IFACE_A IFACE_B        forward until SIGTERM or SIGINT
 *   impair --selftest N [OPTIONS]           print N decisions per direction
 *
 * Every frame draws six numbers from its direction's stream, whatever
 * happens to it, so the fate of the i-th frame in a direction depends on
 * the seed and i alone: a failing run replays with its seed (docs/impair.md).
 *
 * Life of a frame: received (VLAN tag put back from PACKET_AUXDATA), decided,
 * lost or corrupted at once, queued until its departure time (delay +
 * jitter, never earlier than the frame before it: jitter alone does not
 * reorder), then sent; a frame chosen for reordering is held at departure
 * and sent right after the next frame of its direction that leaves, or when
 * --reorder-hold passes; a duplicate is sent twice back to back.  The
 * bridge owns a frame from recvmsg() until it is sent or dropped.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#define FRAME_MAX (16 * 1024)   /* 9k jumbo frames with room to spare */
#define VLAN_HLEN 4
#define RX_BATCH 64             /* frames read from a port per wakeup */
#define HOLD_MAX 64             /* frames held back for reordering, per direction */
#define SELFTEST_FRAME_LEN 1514 /* the frame length --selftest decides for */

#define NSEC_PER_MSEC 1000000ull

/* The counters, in the order they are printed. */
#define IMPAIR_COUNTERS(X)                                                              \
	X(rx)              /* frames read from the input port */                        \
	X(forwarded)       /* frames written to the output port, duplicates included */ \
	X(dropped)         /* lost on purpose (--loss) */                               \
	X(duplicated)      /* sent a second time (--dup) */                             \
	X(corrupted)       /* one bit flipped past the Ethernet header (--corrupt) */   \
	X(reordered)       /* held back and overtaken by the next frame (--reorder) */  \
	X(reorder_expired) /* held back, but nothing came within --reorder-hold */      \
	X(delayed)         /* waited in the delay queue (--delay, --jitter) */          \
	X(queue_full)      /* dropped: the delay queue held --queue frames */           \
	X(tx_errors)       /* the output port refused the frame */                      \
	X(oversize)        /* longer than FRAME_MAX, dropped */                         \
	X(csum_incomplete) /* arrived CHECKSUM_PARTIAL: its checksum is not in the bytes */ \
	X(socket_drops)    /* the input socket's receive queue overflowed (kernel count) */

struct counters {
#define X(name) uint64_t name;
	IMPAIR_COUNTERS(X)
#undef X
};

/* What happens to one direction's frames.  Rates are fractions, 0..1. */
struct impair_params {
	double loss, dup, corrupt, reorder;
	uint64_t delay_ns, jitter_ns;
};

/* The fate of one frame. */
struct decision {
	bool loss, dup, corrupt, reorder;
	uint32_t corrupt_bit;           /* bit index into the frame */
	uint64_t delay_ns;
};

struct frame {
	uint64_t due_ns;                /* departure; while held: release deadline */
	bool dup, reorder;
	uint32_t len;
	unsigned char data[];
};

struct port {
	const char *name;
	int fd;
};

struct direction {
	const char *name;               /* "a2b", "b2a" */
	struct impair_params p;
	uint64_t rng;
	struct port *in, *out;
	struct frame **queue;           /* ring of cap frames, FIFO by due_ns */
	uint32_t cap, head, count;
	uint64_t last_due;
	struct frame *held[HOLD_MAX];
	uint32_t nheld;
	uint64_t hold_ns;               /* --reorder-hold */
	struct counters c;
};

struct config {
	struct impair_params p[2];      /* a2b, b2a */
	uint64_t seed;
	bool seed_given;
	uint64_t queue_cap;
	uint64_t reorder_hold_ns;
	const char *stats_json;
	uint64_t selftest;
	const char *ifname[2];
};

static volatile sig_atomic_t stop, dump;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump = 1;
	else
		stop = 1;
}

/* ---- the generator and the decisions -------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
	return (double)(splitmix64(s) >> 11) * 0x1.0p-53;
}

/* Six draws per frame, always, so that the i-th decision of a direction
 * depends on the seed and i only, not on what happened to earlier frames. */
static void decide(struct direction *d, uint32_t len, struct decision *dec)
{
	double u_loss = uniform(&d->rng), u_dup = uniform(&d->rng),
	       u_corrupt = uniform(&d->rng), u_reorder = uniform(&d->rng),
	       u_jitter = uniform(&d->rng);
	uint64_t where = splitmix64(&d->rng);
	int64_t delay = (int64_t)d->p.delay_ns;

	dec->loss = u_loss < d->p.loss;
	dec->dup = u_dup < d->p.dup;
	dec->corrupt = u_corrupt < d->p.corrupt && len > ETH_HLEN;
	dec->reorder = u_reorder < d->p.reorder;
	dec->corrupt_bit = dec->corrupt ?
		ETH_HLEN * 8 + (uint32_t)(where % ((uint64_t)(len - ETH_HLEN) * 8)) : 0;
	if (d->p.jitter_ns)
		delay += (int64_t)(u_jitter * (double)(2 * d->p.jitter_ns + 1)) -
			 (int64_t)d->p.jitter_ns;
	dec->delay_ns = delay > 0 ? (uint64_t)delay : 0;
}

/* Two streams from one seed: one direction's decisions do not depend on the
 * other's traffic. */
static void seed_directions(struct direction dir[2], uint64_t seed)
{
	uint64_t s = seed;

	dir[0].rng = splitmix64(&s);
	dir[1].rng = splitmix64(&s);
}

/* ---- forwarding ------------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void emit(struct direction *d, const struct frame *f)
{
	if (send(d->out->fd, f->data, f->len, MSG_DONTWAIT) == (ssize_t)f->len)
		d->c.forwarded++;
	else
		d->c.tx_errors++;
}

/* Sends f (twice if it is a duplicate) and frees it. */
static void emit_and_free(struct direction *d, struct frame *f)
{
	emit(d, f);
	if (f->dup) {
		emit(d, f);
		d->c.duplicated++;
	}
	free(f);
}

/* Held frames leave, oldest first: the first `n` of them. */
static void release_held(struct direction *d, uint32_t n, bool overtaken)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		emit_and_free(d, d->held[i]);
		if (overtaken)
			d->c.reordered++;
		else
			d->c.reorder_expired++;
	}
	memmove(d->held, d->held + n, (d->nheld - n) * sizeof(d->held[0]));
	d->nheld -= n;
}

/* A frame's departure time came: it leaves, or it is held back to be
 * overtaken by the next one.  Takes ownership of f. */
static void depart(struct direction *d, struct frame *f, uint64_t now)
{
	if (f->reorder) {
		if (d->nheld == HOLD_MAX)
			release_held(d, d->nheld, false);
		f->due_ns = now + d->hold_ns;
		d->held[d->nheld++] = f;
		return;
	}
	emit_and_free(d, f);
	release_held(d, d->nheld, true);
}

/* Everything due by `now` leaves; returns the next time something is due,
 * or UINT64_MAX. */
static uint64_t run_timers(struct direction *d, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	uint32_t n = 0;

	while (d->count && d->queue[d->head]->due_ns <= now) {
		struct frame *f = d->queue[d->head];

		d->head = (d->head + 1) % d->cap;
		d->count--;
		depart(d, f, now);
	}
	/* Held frames' deadlines grow in the order they were held. */
	while (n < d->nheld && d->held[n]->due_ns <= now)
		n++;
	if (n)
		release_held(d, n, false);
	if (d->count)
		next = d->queue[d->head]->due_ns;
	if (d->nheld && d->held[0]->due_ns < next)
		next = d->held[0]->due_ns;
	return next;
}

/* One frame read from d's input port: decide, then queue it.  The frame is
 * copied; `data` stays the caller's.  A frame that finds the queue full, or
 * no memory, is dropped and counted in queue_full. */
static void ingest(struct direction *d, const unsigned char *data, uint32_t len, uint64_t now)
{
	struct decision dec;
	struct frame *f;
	uint64_t due;

	d->c.rx++;
	decide(d, len, &dec);
	if (dec.loss) {
		d->c.dropped++;
		return;
	}
	if (d->count == d->cap) {
		d->c.queue_full++;
		return;
	}
	f = malloc(sizeof(*f) + len);
	if (!f) {
		d->c.queue_full++;
		return;
	}
	memcpy(f->data, data, len);
	f->len = len;
	f->dup = dec.dup;
	f->reorder = dec.reorder;
	if (dec.corrupt) {
		f->data[dec.corrupt_bit / 8] ^= (unsigned char)(1u << (dec.corrupt_bit % 8));
		d->c.corrupted++;
	}
	due = now + dec.delay_ns;
	if (due < d->last_due)
		due = d->last_due;
	d->last_due = due;
	f->due_ns = due;
	if (dec.delay_ns)
		d->c.delayed++;
	d->queue[(d->head + d->count) % d->cap] = f;
	d->count++;
}

/* Reads up to RX_BATCH frames from d's input port into the queue. */
static int receive(struct direction *d, unsigned char *buf)
{
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	int i;

	for (i = 0; i < RX_BATCH; i++) {
		struct sockaddr_ll from;
		struct iovec iov = { .iov_base = buf + VLAN_HLEN, .iov_len = FRAME_MAX };
		struct msghdr msg = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.space, .msg_controllen = sizeof(ctl.space),
		};
		unsigned char *frame = buf + VLAN_HLEN;
		struct cmsghdr *cm;
		ssize_t n;

		n = recvmsg(d->in->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fprintf(stderr, "impair: recvmsg on %s: %s\n", d->in->name, strerror(errno));
			return -1;
		}
		/* Without PACKET_IGNORE_OUTGOING (kernels before 4.20). */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (n > FRAME_MAX || n < ETH_HLEN) {
			d->c.oversize += n > FRAME_MAX;
			continue;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct tpacket_auxdata aux;
			uint16_t tpid, tci;

			if (cm->cmsg_level != SOL_PACKET || cm->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(cm), sizeof(aux));
			if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
				d->c.csum_incomplete++;
			if (!(aux.tp_status & TP_STATUS_VLAN_VALID))
				continue;
			/* The tag was taken off into the skb (VLAN offload): put it
			 * back after the MAC addresses. */
			tpid = htons(aux.tp_status & TP_STATUS_VLAN_TPID_VALID ?
				     aux.tp_vlan_tpid : ETH_P_8021Q);
			tci = htons(aux.tp_vlan_tci);
			memmove(buf, frame, 2 * ETH_ALEN);
			memcpy(buf + 2 * ETH_ALEN, &tpid, 2);
			memcpy(buf + 2 * ETH_ALEN + 2, &tci, 2);
			frame = buf;
			n += VLAN_HLEN;
		}
		ingest(d, frame, (uint32_t)n, now_ns());
	}
	return 0;
}

static int port_open(struct port *p, const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
	int one = 1, rcvbuf = 8 << 20, sndbuf = 4 << 20;
	unsigned int ifindex = if_nametoindex(ifname);

	p->name = ifname;
	if (!ifindex) {
		fprintf(stderr, "impair: no interface '%s' here\n", ifname);
		return -1;
	}
	/* Protocol 0: nothing arrives before bind() picks the interface. */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		fprintf(stderr, "impair: AF_PACKET socket: %s\n", strerror(errno));
		return -1;
	}
	if (setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) &&
	    errno != ENOPROTOOPT) {
		fprintf(stderr, "impair: PACKET_IGNORE_OUTGOING: %s\n", strerror(errno));
		return -1;
	}
	if (setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one))) {
		fprintf(stderr, "impair: PACKET_AUXDATA: %s\n", strerror(errno));
		return -1;
	}
	/* A burst waiting out a delay must not overflow the socket. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(p->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)))
		setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	sll.sll_ifindex = (int)ifindex;
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "impair: bind to %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	/* Frames for the other side's MAC address are ours too. */
	mr.mr_ifindex = (int)ifindex;
	if (setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		fprintf(stderr, "impair: promiscuous mode on %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	return 0;
}

/* Frames still waiting are dropped with their queue. */
static void direction_free(struct direction *d)
{
	while (d->count) {
		free(d->queue[d->head]);
		d->head = (d->head + 1) % d->cap;
		d->count--;
	}
	while (d->nheld)
		free(d->held[--d->nheld]);
	free(d->queue);
	d->queue = NULL;
}

/* ---- statistics ------------------------------------------------------------ */

/* The kernel's count of frames the input socket had no room for. */
static void collect_socket_drops(struct direction *d)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	if (!getsockopt(d->in->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len))
		d->c.socket_drops += st.tp_drops;   /* the kernel resets them on read */
}

static void print_stats(FILE *out, const struct direction dir[2], uint64_t seed)
{
	int i;

	fprintf(out, "impair: seed %llu\n", (unsigned long long)seed);
	for (i = 0; i < 2; i++) {
		const struct counters *c = &dir[i].c;

		fprintf(out, "impair: %s %s->%s", dir[i].name, dir[i].in->name, dir[i].out->name);
#define X(name) fprintf(out, " " #name " %llu", (unsigned long long)c->name);
		IMPAIR_COUNTERS(X)
#undef X
		fprintf(out, " in_queue %u\n", dir[i].count + dir[i].nheld);
	}
}

static void write_stats_json(const char *path, const struct direction dir[2], uint64_t seed)
{
	char tmp[4096];
	FILE *f;
	int i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "impair: %s: %s\n", tmp, strerror(errno));
		return;
	}
	fprintf(f, "{\"seed\": %llu", (unsigned long long)seed);
	for (i = 0; i < 2; i++) {
		const struct counters *c = &dir[i].c;

		fprintf(f, ", \"%s\": {\"in\": \"%s\", \"out\": \"%s\"", dir[i].name,
			dir[i].in->name, dir[i].out->name);
#define X(name) fprintf(f, ", \"" #name "\": %llu", (unsigned long long)c->name);
		IMPAIR_COUNTERS(X)
#undef X
		fprintf(f, ", \"in_queue\": %u}", dir[i].count + dir[i].nheld);
	}
	fprintf(f, "}\n");
	if (fclose(f) || rename(tmp, path))
		fprintf(stderr, "impair: %s: %s\n", path, strerror(errno));
}

static void report(struct direction dir[2], const struct config *cfg)
{
	collect_socket_drops(&dir[0]);
	collect_socket_drops(&dir[1]);
	print_stats(stderr, dir, cfg->seed);
	if (cfg->stats_json)
		write_stats_json(cfg->stats_json, dir, cfg->seed);
}

/* ---- options --------------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *v, uint64_t min, uint64_t max)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

static int parse_pct(const char *s, void *out)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(x) || x < 0 || x > 100)
		return -1;
	*(double *)out = x / 100;
	return 0;
}

static int parse_ms(const char *s, void *out)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(x) || x < 0 || x > 60000)
		return -1;
	*(uint64_t *)out = (uint64_t)(x * NSEC_PER_MSEC + 0.5);
	return 0;
}

static int parse_seed(const char *s, void *out)
{
	return parse_u64(s, out, 0, UINT64_MAX);
}

static int parse_queue(const char *s, void *out)
{
	return parse_u64(s, out, 1, 1000000);
}

static int parse_count(const char *s, void *out)
{
	return parse_u64(s, out, 1, UINT64_MAX);
}

static int parse_path(const char *s, void *out)
{
	if (!*s)
		return -1;
	*(const char **)out = s;
	return 0;
}

struct option_def {
	const char *name;
	int (*parse)(const char *arg, void *out);
	size_t off;                     /* in struct impair_params or struct config */
	const char *what;               /* for the error message */
};

/* Per direction: --NAME sets both, --a2b-NAME and --b2a-NAME one. */
static const struct option_def dir_options[] = {
	{ "loss", parse_pct, offsetof(struct impair_params, loss), "a percentage 0..100" },
	{ "dup", parse_pct, offsetof(struct impair_params, dup), "a percentage 0..100" },
	{ "corrupt", parse_pct, offsetof(struct impair_params, corrupt), "a percentage 0..100" },
	{ "reorder", parse_pct, offsetof(struct impair_params, reorder), "a percentage 0..100" },
	{ "delay", parse_ms, offsetof(struct impair_params, delay_ns), "milliseconds 0..60000" },
	{ "jitter", parse_ms, offsetof(struct impair_params, jitter_ns), "milliseconds 0..60000" },
};

static const struct option_def global_options[] = {
	{ "seed", parse_seed, offsetof(struct config, seed), "an unsigned 64-bit number" },
	{ "queue", parse_queue, offsetof(struct config, queue_cap), "a frame count 1..1000000" },
	{ "reorder-hold", parse_ms, offsetof(struct config, reorder_hold_ns), "milliseconds 0..60000" },
	{ "stats-json", parse_path, offsetof(struct config, stats_json), "a file name" },
	{ "selftest", parse_count, offsetof(struct config, selftest), "a count >= 1" },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"usage: impair [OPTIONS] IFACE_A IFACE_B\n"
		"       impair --selftest N [OPTIONS]\n"
		"Forwards every frame between IFACE_A and IFACE_B, impaired on the way.\n"
		"Per direction (--NAME both, --a2b-NAME from A to B, --b2a-NAME from B to A):\n"
		"  --loss PCT       drop\n"
		"  --dup PCT        send twice\n"
		"  --corrupt PCT    flip one random bit past the Ethernet header\n"
		"  --reorder PCT    hold back until the next frame has left\n"
		"  --delay MS       delay every frame (FIFO: jitter never reorders)\n"
		"  --jitter MS      add a uniform -MS..+MS to each frame's delay\n"
		"Global:\n"
		"  --seed N         generator seed (default: from the clock, printed)\n"
		"  --queue N        frames queued per direction before drops [4096]\n"
		"  --reorder-hold MS  longest a held frame waits for one to overtake it [10]\n"
		"  --stats-json FILE  write the counters there on exit and on SIGUSR1\n"
		"  --selftest N     print the first N decisions per direction and exit\n"
		"Prints 'ready' when both ports are open; counters on SIGTERM, SIGINT\n"
		"(then exits) and SIGUSR1.\n");
}

static const struct option_def *find_option(const struct option_def *defs, size_t n,
					    const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(defs[i].name) == len && !strncmp(defs[i].name, name, len))
			return &defs[i];
	return NULL;
}

/* Returns 0, or 2 after printing why the arguments are wrong. */
static int parse_args(int argc, char **argv, struct config *cfg)
{
	int i, rc, npos = 0;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *val, *eq;
		const struct option_def *def;
		int dir = -1;                   /* -1: both */
		bool per_dir = true;
		size_t len;

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			usage(stdout);
			exit(0);
		}
		if (strncmp(arg, "--", 2)) {
			if (arg[0] == '-' || npos == 2) {
				fprintf(stderr, "impair: unexpected argument '%s'\n", arg);
				return 2;
			}
			cfg->ifname[npos++] = arg;
			continue;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (!strncmp(name, "a2b-", 4) || !strncmp(name, "b2a-", 4)) {
			dir = name[0] == 'b';
			name += 4;
			len -= 4;
		}
		def = find_option(dir_options, ARRAY_SIZE(dir_options), name, len);
		if (!def && dir < 0) {
			def = find_option(global_options, ARRAY_SIZE(global_options), name, len);
			per_dir = false;
		}
		if (!def) {
			fprintf(stderr, "impair: unknown option '%s' (impair --help)\n", arg);
			return 2;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "impair: %s needs %s\n", arg, def->what);
			return 2;
		}
		if (per_dir) {
			rc = def->parse(val, (char *)&cfg->p[dir < 0 ? 0 : dir] + def->off);
			if (!rc && dir < 0)
				rc = def->parse(val, (char *)&cfg->p[1] + def->off);
		} else {
			rc = def->parse(val, (char *)cfg + def->off);
		}
		if (rc) {
			fprintf(stderr, "impair: --%.*s%.*s: '%s' is not %s\n", dir < 0 ? 0 : 4,
				arg + 2, (int)len, name, val, def->what);
			return 2;
		}
		if (!strcmp(def->name, "seed"))
			cfg->seed_given = true;
	}
	if (cfg->selftest) {
		if (npos) {
			fprintf(stderr, "impair: --selftest takes no interfaces\n");
			return 2;
		}
		return 0;
	}
	if (npos < 2) {
		fprintf(stderr, "impair: missing interface%s (impair [OPTIONS] IFACE_A IFACE_B)\n",
			npos ? " IFACE_B" : "s IFACE_A and IFACE_B");
		return 2;
	}
	if (!strcmp(cfg->ifname[0], cfg->ifname[1])) {
		fprintf(stderr, "impair: IFACE_A and IFACE_B are both '%s'\n", cfg->ifname[0]);
		return 2;
	}
	return 0;
}

/* ---- main ------------------------------------------------------------------ */

/* The first N decisions of each direction for full-size frames, and the
 * rates they add up to: what a run with this seed does to its frames. */
static void selftest(struct direction dir[2], uint64_t seed, uint64_t n)
{
	int i;

	printf("seed %llu\n", (unsigned long long)seed);
	for (i = 0; i < 2; i++) {
		uint64_t k, loss = 0, dup = 0, corrupt = 0, reorder = 0, delay_sum = 0;
		struct decision dec;

		for (k = 0; k < n; k++) {
			decide(&dir[i], SELFTEST_FRAME_LEN, &dec);
			loss += dec.loss;
			dup += dec.dup;
			corrupt += dec.corrupt;
			reorder += dec.reorder;
			delay_sum += dec.delay_ns;
			printf("%s %llu loss %d dup %d corrupt ", dir[i].name, (unsigned long long)k,
			       dec.loss, dec.dup);
			if (dec.corrupt)
				printf("%u", dec.corrupt_bit);
			else
				printf("-");
			printf(" reorder %d delay_us %llu\n", dec.reorder,
			       (unsigned long long)(dec.delay_ns / 1000));
		}
		printf("%s total %llu loss %.3f%% dup %.3f%% corrupt %.3f%% reorder %.3f%% "
		       "mean_delay_ms %.3f\n", dir[i].name, (unsigned long long)n,
		       100.0 * loss / n, 100.0 * dup / n, 100.0 * corrupt / n,
		       100.0 * reorder / n, delay_sum / 1e6 / n);
	}
}

int main(int argc, char **argv)
{
	struct config cfg = { .queue_cap = 4096, .reorder_hold_ns = 10 * NSEC_PER_MSEC };
	struct direction dir[2] = { { .name = "a2b" }, { .name = "b2a" } };
	struct port port[2] = { { .fd = -1 }, { .fd = -1 } };
	static unsigned char buf[VLAN_HLEN + FRAME_MAX];
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, unblocked;
	bool failed = false;
	int i, rc;

	rc = parse_args(argc, argv, &cfg);
	if (rc)
		return rc;
	if (!cfg.seed_given)
		cfg.seed = now_ns() ^ ((uint64_t)getpid() << 32);
	for (i = 0; i < 2; i++)
		dir[i].p = cfg.p[i];
	seed_directions(dir, cfg.seed);

	if (cfg.selftest) {
		selftest(dir, cfg.seed, cfg.selftest);
		return 0;
	}

	for (i = 0; i < 2; i++) {
		if (port_open(&port[i], cfg.ifname[i]))
			return 1;
		dir[i].in = &port[i];
		dir[i].out = &port[1 - i];
		dir[i].cap = (uint32_t)cfg.queue_cap;
		dir[i].hold_ns = cfg.reorder_hold_ns;
		dir[i].queue = calloc(dir[i].cap, sizeof(dir[i].queue[0]));
		if (!dir[i].queue) {
			fprintf(stderr, "impair: no memory for a queue of %llu frames\n",
				(unsigned long long)cfg.queue_cap);
			return 1;
		}
	}

	/* The signals arrive only inside ppoll(), so none is lost between the
	 * check of `stop` and the wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGTERM);
	sigdelset(&unblocked, SIGUSR1);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	printf("ready seed %llu\n", (unsigned long long)cfg.seed);
	fflush(stdout);

	while (!stop) {
		struct pollfd pfd[2] = {
			{ .fd = port[0].fd, .events = POLLIN },
			{ .fd = port[1].fd, .events = POLLIN },
		};
		uint64_t now = now_ns(), next = UINT64_MAX, t;
		struct timespec timeout, *tp = NULL;

		for (i = 0; i < 2; i++) {
			t = run_timers(&dir[i], now);
			if (t < next)
				next = t;
		}
		if (dump) {
			dump = 0;
			report(dir, &cfg);
		}
		if (next != UINT64_MAX) {
			t = next > now ? next - now : 0;
			timeout.tv_sec = (time_t)(t / 1000000000ull);
			timeout.tv_nsec = (long)(t % 1000000000ull);
			tp = &timeout;
		}
		rc = ppoll(pfd, 2, tp, &unblocked);
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "impair: ppoll: %s\n", strerror(errno));
			failed = true;
			break;
		}
		for (i = 0; i < 2 && rc > 0; i++) {
			if (pfd[i].revents & (POLLERR | POLLNVAL)) {
				fprintf(stderr, "impair: port %s failed\n", port[i].name);
				failed = true;
			} else if ((pfd[i].revents & POLLIN) &&
				   receive(&dir[i], buf)) {
				failed = true;
			}
		}
		if (failed)
			break;
	}
	report(dir, &cfg);
	for (i = 0; i < 2; i++) {
		direction_free(&dir[i]);
		close(port[i].fd);
	}
	return failed;
}
