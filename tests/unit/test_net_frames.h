/* Hand-made Ethernet frames for the network tests: build them with checksums, read them back. */
#ifndef SB_TEST_NET_FRAMES_H
#define SB_TEST_NET_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define TF_GUEST_MAC                                                                               \
	{                                                                                          \
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56                                                 \
	}
#define TF_PROTO_ICMP 1
#define TF_PROTO_TCP 6
#define TF_PROTO_UDP 17
#define TF_PROTO_ICMP6 58
#define TF_SYN 0x02
#define TF_RST 0x04
#define TF_ACK 0x10
#define TF_FIN 0x01

/* Addresses as text ("10.0.2.15", "::1"). Each builder writes a whole frame
 * (Ethernet from the guest's MAC to slirp's) into buf and returns its length. */
size_t tf_arp_request(uint8_t *buf, const char *sender, const char *target);
size_t tf_arp_reply(uint8_t *buf, const char *sender, const char *target,
		    const uint8_t target_mac[6]);
size_t tf_tcp4(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       uint32_t seq, uint32_t ack, uint8_t flags, const void *data, size_t len);
size_t tf_udp4(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       const void *data, size_t len);
size_t tf_icmp4_echo(uint8_t *buf, const char *src, const char *dst, uint16_t id, uint16_t seq);
size_t tf_tcp6(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       uint8_t flags);
size_t tf_udp6(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
	       const void *data, size_t len);

/* What a frame from slirp is. */
struct tf_info {
	uint16_t ethertype;
	uint16_t arp_op;       /* ARP */
	char src[48], dst[48]; /* IP (or ARP sender/target) addresses as text */
	uint8_t proto;	       /* IP */
	uint16_t sport, dport; /* TCP/UDP */
	uint8_t flags;	       /* TCP */
	uint32_t seq, ack;     /* TCP */
	uint8_t icmp_type;     /* ICMP */
	const uint8_t *data;   /* TCP/UDP payload */
	size_t len;
	uint8_t src_mac[6];
};
int tf_parse(const uint8_t *frame, size_t len, struct tf_info *out);

#endif
