/* /etc/hosts, /etc/hostname, /etc/resolv.conf: their contents (pure), written safely. */
#include "netfiles.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

/* An append-only text buffer; overflow sticks. */
struct text {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	if (t->overflow)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->size - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->size - t->len) {
		t->overflow = true;
		return;
	}
	t->len += (size_t)n;
}

static int finish(struct text *t)
{
	if (t->overflow) {
		if (t->size)
			t->buf[0] = '\0';
		return -ENOSPC;
	}
	t->buf[t->len] = '\0'; /* len < size: nothing written yet, or vsnprintf's NUL */
	return (int)t->len;
}

/* "IP\tNAMES\n" for one address of either family. */
static void put_record(struct text *t, int family, const void *addr, const char *names)
{
	char ip[INET6_ADDRSTRLEN];
	if (!inet_ntop(family, addr, ip, sizeof(ip))) {
		t->overflow = true;
		return;
	}
	put(t, "%s\t%s\n", ip, names);
}

/* The guest's own line: "IP\tNAME" and, for a dotted NAME, its first label. */
static void put_self(struct text *t, int family, const void *addr, const char *hostname)
{
	char names[2 * 65 + 1];
	const char *dot = strchr(hostname, '.');
	if (dot && dot != hostname)
		snprintf(names, sizeof(names), "%.64s %.*s", hostname, (int)(dot - hostname),
			 hostname);
	else
		snprintf(names, sizeof(names), "%.64s", hostname);
	put_record(t, family, addr, names);
}

int netfiles_hosts(const struct config_net *net, const char *hostname, char *buf, size_t size)
{
	struct text t = {buf, size, 0, size == 0};
	put(&t, "127.0.0.1\tlocalhost\n");
	if (net->ipv6)
		put(&t, "::1\tlocalhost ip6-localhost ip6-loopback\n"
			"fe00::\tip6-localnet\n"
			"ff00::\tip6-mcastprefix\n"
			"ff02::1\tip6-allnodes\n"
			"ff02::2\tip6-allrouters\n");
	for (size_t i = 0; i < net->nhosts; i++)
		if (net->ipv6 || net->hosts[i].ip.family == AF_INET)
			put_record(&t, net->hosts[i].ip.family, &net->hosts[i].ip.u,
				   net->hosts[i].name);
	if (net->mode == CONFIG_NET_NIC) {
		put_self(&t, AF_INET, &net->addr, hostname);
		if (net->has_addr6)
			put_self(&t, AF_INET6, &net->addr6, hostname);
	}
	return finish(&t);
}

int netfiles_resolv(const struct config_net *net, char *buf, size_t size)
{
	struct text t = {buf, size, 0, size == 0};
	if (net->nsearch && !(net->nsearch == 1 && strcmp(net->search[0], ".") == 0)) {
		put(&t, "search");
		for (size_t i = 0; i < net->nsearch; i++)
			put(&t, " %s", net->search[i]);
		put(&t, "\n");
	}
	for (size_t i = 0; i < net->ndns; i++) {
		char ip[INET6_ADDRSTRLEN];
		if (!inet_ntop(net->dns[i].family, &net->dns[i].u, ip, sizeof(ip)))
			t.overflow = true;
		else
			put(&t, "nameserver %s\n", ip);
	}
	if (net->noptions) {
		put(&t, "options");
		for (size_t i = 0; i < net->noptions; i++)
			put(&t, " %s", net->options[i]);
		put(&t, "\n");
	}
	return finish(&t);
}

int netfiles_hostname(const char *hostname, char *buf, size_t size)
{
	struct text t = {buf, size, 0, size == 0};
	put(&t, "%s\n", hostname);
	return finish(&t);
}

/* etc_fd/name = data, through a temporary renamed over name. */
static int replace_file(int etc_fd, const char *name, const char *data, size_t len,
			struct sb_error *err)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), ".%s.sandbox-new", name);
	int fd = openat(etc_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST && unlinkat(etc_fd, tmp, 0) == 0)
		fd =
		    openat(etc_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set(err, errno, "create `/etc/%s`", tmp);
	size_t done = 0;
	int r = fchmod(fd, 0644) < 0 ? -errno : 0;
	while (r == 0 && done < len) {
		ssize_t n = write(fd, data + done, len - done);
		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			done += (size_t)n;
	}
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(etc_fd, tmp, etc_fd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(etc_fd, tmp, 0);
		return error_set(err, -r, "write `/etc/%s`", name);
	}
	return 0;
}

/* root/etc as a directory fd, created if missing, never through a symlink. */
static int open_etc(const char *root, struct sb_error *err)
{
	cleanup_close int root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return error_set(err, errno, "open `%s`", root);
	if (mkdirat(root_fd, "etc", 0755) < 0 && errno != EEXIST)
		return error_set(err, errno, "create `/etc`");
	int fd = openat(root_fd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return error_set(err, 0,
				 "`/etc` is a symlink or not a directory: not writing "
				 "the network files through it");
	if (fd < 0)
		return error_set(err, errno, "open `/etc`");
	return fd;
}

int netfiles_write(const char *root, const struct config_net *net, const char *hostname,
		   struct sb_error *err)
{
	cleanup_free char *buf = malloc(NETFILES_MAX);
	if (!buf)
		return error_set(err, ENOMEM, "network files");
	cleanup_close int etc = open_etc(root, err);
	if (etc < 0)
		return etc;
	int n = netfiles_hosts(net, hostname, buf, NETFILES_MAX);
	int r = n < 0 ? error_set(err, -n, "/etc/hosts")
		      : replace_file(etc, "hosts", buf, (size_t)n, err);
	if (r == 0) {
		n = netfiles_hostname(hostname, buf, NETFILES_MAX);
		r = n < 0 ? error_set(err, -n, "/etc/hostname")
			  : replace_file(etc, "hostname", buf, (size_t)n, err);
	}
	if (r == 0 && net->has_dns) {
		n = netfiles_resolv(net, buf, NETFILES_MAX);
		r = n < 0 ? error_set(err, -n, "/etc/resolv.conf")
			  : replace_file(etc, "resolv.conf", buf, (size_t)n, err);
	}
	return r;
}
