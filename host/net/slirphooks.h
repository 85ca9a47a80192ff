/* The libc calls libslirp makes that we decide (renamed by host/net/slirp-build), and its glib log.
 */
#ifndef SB_NET_SLIRPHOOKS_H
#define SB_NET_SLIRPHOOKS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>

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

#endif
