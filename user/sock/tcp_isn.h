/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Numbers a TCP connection must not let an off-path attacker guess: the
 * initial sequence number (RFC 6528) and the offset added to its RFC 7323
 * timestamp clock.  tcp_out.c calls these when it opens a connection
 * (connect(), or a SYN arriving at a listener); the stack draws the 128-bit
 * secret from getrandom() once and passes it in.  Nothing here keeps
 * state or reads a clock.
 *
 * ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
 *   F  SipHash-2-4 keyed with the secret, low 32 bits, over a tag byte, the
 *      two 16-byte addresses (IPv4 stored IPv4-mapped, as in
 *      include/xsock/maps.h) and the two ports in network byte order;
 *   M  the caller's time in 64 ns ticks (now_ns >> 6), Linux's choice:
 *      RFC 6528 names a 4 us timer, sized for 2 Mb/s networks; 64 ns ticks
 *      keep M ahead of a sender at tens of Gb/s yet wrap only every 274 s,
 *      more than the 2 min MSL.  Any clock works as long as one stack keeps
 *      using it (the stack's CLOCK_MONOTONIC "now" is the natural one).
 * A new connection on the same 4-tuple thus starts above the old one's
 * numbers (it moves on 2^32 per 274 s), while other 4-tuples' ISNs tell an
 * observer nothing about it.  The secret lives as long as the stack: a new
 * process starts a new sequence space, as a rebooted host does.
 *
 * Timestamp offset: a connection sends TSval = its timestamp clock + offset,
 * so TSval reveals neither uptime nor the clock other connections see.  As
 * Linux since 4.13 (secure_tcp_ts_off()), the offset depends on the two
 * addresses only, not the ports: every connection between the same two
 * hosts shares one TSval clock, so a new connection on a reused port
 * (TIME_WAIT reuse, RFC 6191) still passes the peer's PAWS check.
 */
#ifndef XS_SOCK_TCP_ISN_H
#define XS_SOCK_TCP_ISN_H

#include <stddef.h>
#include <stdint.h>

/* M's tick: ISN advances by one every 2^6 = 64 ns. */
#define XS_TCP_ISN_TICK_SHIFT 6

/* The stack's 128-bit secret, from getrandom(); the key of every F. */
struct xs_tcp_secret {
	uint8_t key[16];
};

/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) of len bytes at data under a 16-byte key: the 64-bit result, whose
 * little-endian bytes are the paper's output bytes.
 */
uint64_t xs_siphash24(const uint8_t key[16], const void *data, size_t len);

/*
 * The ISN for a connection from laddr:lport to raddr:rport (ports in host
 * order, addresses 16 bytes, IPv4-mapped for IPv4) opened at now_ns.
 */
uint32_t xs_tcp_isn(const struct xs_tcp_secret *secret, const uint8_t laddr[16], uint16_t lport,
		    const uint8_t raddr[16], uint16_t rport, uint64_t now_ns);

/* The offset to add to the timestamp clock of connections from laddr to
 * raddr. */
uint32_t xs_tcp_ts_offset(const struct xs_tcp_secret *secret, const uint8_t laddr[16],
			  const uint8_t raddr[16]);

#endif /* XS_SOCK_TCP_ISN_H */
