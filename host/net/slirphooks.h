/* The libc calls libslirp makes that we decide (renamed by host/net/slirp-build), and its glib log.
 */
#ifndef SB_NET_SLIRPHOOKS_H
#define SB_NET_SLIRPHOOKS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

/* The text libslirp's DNS forwarder reads as "/etc/resolv.conf" (its first
 * `nameserver` line of each family is the upstream). Copied (at most
 * SLIRPHOOKS_RESOLV_MAX bytes); "" makes the file absent. Call before the
 * network thread starts: the hooks read it on that thread without a lock. */
#define SLIRPHOOKS_RESOLV_MAX 1024
void slirphooks_set_resolv(const char *text);

/* The socket of the last successful bind() libslirp made on the calling
 * thread (-1 after slirphooks_forget_bound): a forward of host port 0 reads
 * the port the kernel chose from it. */
int slirphooks_last_bound(void);
void slirphooks_forget_bound(void);

/* IPv6 listeners in front of the IPv4 guest. libslirp 4.7 takes a
 * forward's family from its host socket: behind a [::] listener it would
 * build IPv6 frames for a guest it knows only by its IPv4 address. So, for
 * the sockets registered here, the hooks show libslirp IPv4 addresses only:
 * an IPv4-mapped peer (a dual-stack socket's IPv4 client) becomes its IPv4
 * address; ::1 becomes 127.0.0.1 and any other IPv6 address 0.0.0.0, which
 * the guest sees as the gateway, like a client on the host's loopback; the
 * socket's own address likewise. A UDP answer libslirp sends to 127.0.0.1
 * or 0.0.0.0 goes to the IPv6 peer that last came from that port (the last
 * SLIRPHOOKS_V6_PEERS such peers are kept per socket), else to the mapped
 * form (dual-stack) or to ::1; one to another IPv4 address, to its mapped
 * form.
 *
 * A table belongs to one backend; the hooks consult the one attached to the
 * calling thread (the backend's open, then its network thread). While
 * `registering` is set, each IPv6 socket libslirp binds joins the table:
 * the forward being added, whose own address libslirp reads right after. */
#define SLIRPHOOKS_V6_SOCKS 64
#define SLIRPHOOKS_V6_PEERS 16
struct slirphooks_v6 {
	bool registering;
	unsigned nsock;
	struct slirphooks_v6_sock {
		int fd;
		bool dual;     /* not IPV6_V6ONLY: IPv4 clients come IPv4-mapped */
		unsigned next; /* the peer slot written next */
		struct sockaddr_in6 peer[SLIRPHOOKS_V6_PEERS];
	} sock[SLIRPHOOKS_V6_SOCKS];
};
void slirphooks_v6_attach(struct slirphooks_v6 *t); /* NULL: none (this thread) */

/* The IPv4 address libslirp is shown for a (see above). */
void slirphooks_v6_to_v4(const struct sockaddr_in6 *a, struct sockaddr_in *out);

/* libslirp's glib messages (g_warning, g_critical, ...): counted, the last one
 * kept, never printed (the network thread may not write to a terminal, and
 * only the CLI prints). Installs the handler on first use. */
void slirphooks_log_init(void);
uint64_t slirphooks_log_count(void);
void slirphooks_log_last(char *buf, size_t len);

/* The hooks themselves, called by libslirp only. */
FILE *sb_slirp_fopen(const char *path, const char *mode);
int sb_slirp_stat(const char *path, struct stat *st);
int sb_slirp_open(const char *path, int flags, ...);
int sb_slirp_listen(int fd, int backlog);
int sb_slirp_bind(int fd, const struct sockaddr *addr, socklen_t len);
int sb_slirp_accept(int fd, struct sockaddr *addr, socklen_t *len);
int sb_slirp_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t sb_slirp_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr,
			  socklen_t *len);
ssize_t sb_slirp_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
			socklen_t len);

#endif
