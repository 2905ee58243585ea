// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Names of the drop reasons, as xsockctl and the tests show them. */
#include "iface/drop.h"

const char *const xs_drop_reason_names[XS_DROP__MAX] = {
	[XS_DROP_NONE] = "none",
	[XS_DROP_ETH_MALFORMED] = "eth_malformed",
	[XS_DROP_NOT_IP] = "not_ip",
	[XS_DROP_IPV4_MALFORMED] = "ipv4_malformed",
	[XS_DROP_IPV4_CSUM] = "ipv4_csum",
	[XS_DROP_IPV6_MALFORMED] = "ipv6_malformed",
	[XS_DROP_FRAGMENT] = "fragment",
	[XS_DROP_PROTO] = "proto",
	[XS_DROP_UDP_MALFORMED] = "udp_malformed",
	[XS_DROP_UDP_CSUM] = "udp_csum",
	[XS_DROP_NO_SOCKET] = "no_socket",
	[XS_DROP_RCVBUF] = "rcvbuf",
	[XS_DROP_TX_RING] = "tx_ring",
	[XS_DROP_REASM_MALFORMED] = "reasm_malformed",
	[XS_DROP_REASM_OVERLAP] = "reasm_overlap",
	[XS_DROP_REASM_MEMORY] = "reasm_memory",
	[XS_DROP_REASM_TIMEOUT] = "reasm_timeout",
	[XS_DROP_TCP_MALFORMED] = "tcp_malformed",
	[XS_DROP_TCP_CSUM] = "tcp_csum",
	[XS_DROP_TCP_STATE] = "tcp_state",
	[XS_DROP_TCP_PAWS] = "tcp_paws",
	[XS_DROP_TCP_LISTEN_FULL] = "tcp_listen_full",
};
