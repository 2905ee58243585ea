/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pinned BPF maps: key and value layouts shared by the XDP program
 * (bpf/xsock.bpf.c), libxsock (user/ctl) and xsockctl.
 *
 * Every field is fixed-width and every byte of padding is spelled out, so
 * the layouts are the same under clang -target bpf and the host compiler and
 * `bpftool map dump` prints them field by field from BTF.  Byte order: ports
 * and addresses are in network order (as on the wire), everything else in
 * host order.  Addresses are always 16 bytes: IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d), so one key layout serves both families.
 *
 * The layouts are an ABI between a running XDP program and the processes
 * that use it: change one and bump XS_MAPS_ABI.
 */
#ifndef XSOCK_MAPS_H
#define XSOCK_MAPS_H

#include <linux/types.h>

#define XS_MAPS_ABI 1

/* Map names, also the file names of their pins. */
#define XS_PIN_PROG      "prog"
#define XS_PIN_LINK      "link"
#define XS_MAP_XSKS      "xsks"
#define XS_MAP_FLOWS     "flows"
#define XS_MAP_LISTENERS "listeners"
#define XS_MAP_PORT_GATE "port_gate"
#define XS_MAP_STATS     "stats"
#define XS_MAP_CONFIG    "config"
#define XS_MAP_STACKS    "stacks"

#ifndef XS_MAX_QUEUES
#define XS_MAX_QUEUES 64
#endif
#ifndef XS_MAX_FLOWS
#define XS_MAX_FLOWS 65536
#endif
#ifndef XS_MAX_LISTENERS
#define XS_MAX_LISTENERS 4096
#endif
#ifndef XS_MAX_STACKS
#define XS_MAX_STACKS 256
#endif
#ifndef XS_STACK_DROP_SLOTS
#define XS_STACK_DROP_SLOTS 32
#endif

/* Rule families: a listener rule with XS_FAMILY_ANY and a zero address
 * matches both IPv4 and IPv6 packets to its port. */
#ifndef XS_FAMILY_ANY
#define XS_FAMILY_ANY  0
#define XS_FAMILY_IPV4 4
#define XS_FAMILY_IPV6 6
#endif

/* Index into the port gate: one slot per protocol and port. */
#ifndef XS_GATE_TCP
#define XS_GATE_TCP 0
#define XS_GATE_UDP 1
#define XS_GATE_SLOTS (2 * 65536)
#endif

/*
 * Exact 5-tuple, seen from the local side: l* is the destination of an
 * arriving packet.  One entry per connection (TCP) or connected socket (UDP)
 * that a stack owns.
 */
struct xs_flow_key {
	__u8  proto;      /* IPPROTO_TCP or IPPROTO_UDP */
	__u8  family;     /* XS_FAMILY_IPV4 or XS_FAMILY_IPV6 */
	__be16 lport;
	__be16 rport;
	__u16 pad;        /* zero */
	__u8  laddr[16];
	__u8  raddr[16];
};

/*
 * A listener rule: protocol, local address (or all-zero for any address of
 * the family, or of both families with XS_FAMILY_ANY) and local port.
 */
struct xs_listen_key {
	__u8  proto;
	__u8  family;     /* XS_FAMILY_ANY, _IPV4 or _IPV6 */
	__be16 port;
	__u8  addr[16];
};

/* Who made a rule: gc removes rules whose process is gone.  The start time
 * (field 22 of /proc/PID/stat, clock ticks since boot) tells a recycled pid
 * from the owner. */
struct xs_owner {
	__u32 pid;
	__u32 pad;        /* zero */
	__u64 start_time;
};

/* Flow entries count hits atomically: a flow arrives on one RX queue, so the
 * counter stays in one CPU's cache. */
struct xs_flow_val {
	struct xs_owner owner;
	__u64 packets;
	__u64 bytes;
};

/* Listener rules live in a per-CPU hash: the owner is the same in every
 * CPU's copy, the counters are that CPU's. */
struct xs_listen_val {
	struct xs_owner owner;
	__u64 packets;
	__u64 bytes;
};

/*
 * What the program did with a packet.  Counters per CPU, summed by readers.
 * Every packet counts in rx_packets and in exactly one of the others.
 */
struct xs_xdp_stats {
	__u64 rx_packets;
	__u64 rx_bytes;
	__u64 redirected;
	__u64 pass_no_rule;         /* IP, parsed, no steering rule matched */
	__u64 pass_not_ip;          /* not IPv4/IPv6 (ARP, LLDP, ...) */
	__u64 pass_not_tcp_udp;     /* IP, but another transport (ICMP, ...) */
	__u64 pass_malformed;       /* a header did not fit or was inconsistent */
	__u64 pass_fragment;        /* IP fragment: the kernel reassembles */
	__u64 pass_kernel_conn;     /* TCP to a listener port, but the kernel owns the connection */
	__u64 pass_redirect_failed; /* rule matched, no AF_XDP consumer on this queue */
};

/*
 * The configuration: socket(7)'s /proc/sys/net/core tunables, seeded from
 * the kernel at attach, and xsock's own knobs.  One entry in an mmap-able
 * array.  Writers (serialised by flock on the pin directory) make
 * `generation` odd, write the fields, then make it even again; readers retry
 * while it is odd or changed under them, and notice new values by comparing
 * it with the one they last read.
 */
struct xs_config {
	__u64 generation;
	/* net.core.* */
	__s32 rmem_default;
	__s32 rmem_max;
	__s32 wmem_default;
	__s32 wmem_max;
	__s32 optmem_max;
	__s32 netdev_max_backlog;
	__s32 message_cost;         /* seconds, as in /proc */
	__s32 message_burst;
	/* xsock.* */
	__u32 busy_poll_us;         /* spin this long before sleeping */
	__u32 busy_poll_budget;     /* SO_BUSY_POLL_BUDGET where supported */
	__u32 rx_ring_size;         /* descriptors, powers of two */
	__u32 tx_ring_size;
	__u32 fill_ring_size;
	__u32 comp_ring_size;
	__u32 umem_frames;
	__u32 frame_size;           /* 2048 or 4096 */
	__u32 bind_mode;            /* enum xs_bind_mode */
	__u32 pad;
	__u32 reserved[16];         /* zero; room for knobs without an ABI bump */
};

/*
 * What one process's stack reports about an interface, keyed by its pid in
 * the "stacks" hash.  The stack rewrites its entry about once a second and
 * deletes it when it closes the interface; xsockctl shows it and removes
 * entries whose owner is gone.  The XDP program does not touch it.
 */
struct xs_stack_stats {
	struct xs_owner owner;
	__u64 updated_ns;           /* CLOCK_MONOTONIC of the last update */
	__u64 sockets;              /* open xsock sockets */
	__u64 rx_packets;           /* frames the stack received */
	__u64 tx_packets;           /* frames it transmitted */
	__u64 tx_fragments;         /* ... of which IP fragments */
	__u64 twin_rx;              /* datagrams taken from kernel twins */
	__u64 drops[XS_STACK_DROP_SLOTS];   /* by enum xs_drop_reason (user/iface/drop.h) */
	/* the AF_XDP sockets' XDP_STATISTICS, summed over queues */
	__u64 xsk_rx_dropped;
	__u64 xsk_rx_invalid;
	__u64 xsk_rx_ring_full;
	__u64 xsk_fill_ring_empty;
	__u64 xsk_tx_invalid;
	__u64 xsk_tx_ring_empty;
};

enum xs_bind_mode {
	XS_BIND_AUTO = 0,           /* zero-copy if the driver can, else copy */
	XS_BIND_COPY = 1,
	XS_BIND_ZEROCOPY = 2,
};

#endif /* XSOCK_MAPS_H */
