/* The upstream nameserver for libslirp's DNS forwarder, from the host's resolv.conf files
 * (netdns.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "net/netdns.h"

#define FILE_MAX (64u << 10) /* resolv.conf is a few lines; read no more than this */

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One `nameserver ADDR` line (without its newline) into remote or local. */
static void parse_line(const char *s, size_t n, struct netdns *remote, struct netdns *local)
{
	static const char kw[] = "nameserver";
	char addr[INET6_ADDRSTRLEN + 1];
	size_t i = sizeof(kw) - 1, a;

	if (n <= i || memcmp(s, kw, i) != 0 || !is_space(s[i]))
		return;
	while (i < n && is_space(s[i]))
		i++;
	for (a = 0; i < n && !is_space(s[i]) && s[i] != '#' && s[i] != ';'; i++) {
		if (a + 1 >= sizeof(addr))
			return; /* too long to be an address */
		addr[a++] = s[i];
	}
	addr[a] = '\0';

	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, addr, &v4) == 1) {
		uint32_t h = ntohl(v4.s_addr);
		struct netdns *d = h >> 24 == 127 || h >> 24 == 0 ? local : remote;
		if (!d->have_v4) {
			d->have_v4 = 1;
			d->v4 = v4;
		}
	} else if (inet_pton(AF_INET6, addr, &v6) == 1) { /* "%scope" fails here: skipped */
		int loc = IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_UNSPECIFIED(&v6) ||
			  IN6_IS_ADDR_V4MAPPED(&v6);
		struct netdns *d = loc ? local : remote;
		if (!d->have_v6) {
			d->have_v6 = 1;
			d->v6 = v6;
		}
	}
}

void netdns_parse(const char *text, size_t len, struct netdns *remote, struct netdns *local)
{
	size_t i = 0;

	while (i < len) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		size_t s = i;
		while (s < end && is_space(text[s]))
			s++;
		parse_line(text + s, end - s, remote, local);
		i = end + 1;
	}
}

/* Up to FILE_MAX bytes of path into a malloc'd buffer; NULL if unreadable. */
static char *read_small(const char *path, size_t *len)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = malloc(FILE_MAX);
	if (buf)
		*len = fread(buf, 1, FILE_MAX, f);
	return buf;
}

int netdns_pick(const char *const *paths, unsigned npaths, struct netdns *out, struct sb_error *err)
{
	struct netdns first_local = {0};

	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < npaths; i++) {
		struct netdns remote = {0}, local = {0};
		size_t len = 0;
		cleanup_free char *text = read_small(paths[i], &len);
		if (!text)
			continue;
		netdns_parse(text, len, &remote, &local);
		if (remote.have_v4 || remote.have_v6) {
			*out = remote;
			snprintf(out->source, sizeof(out->source), "%s", paths[i]);
			return 0;
		}
		if ((local.have_v4 || local.have_v6) && !first_local.source[0]) {
			first_local = local;
			first_local.local = 1;
			snprintf(first_local.source, sizeof(first_local.source), "%s", paths[i]);
		}
	}
	if (first_local.source[0]) {
		*out = first_local;
		return 0;
	}
	return error_set(err, ENOENT, "no nameserver in %s%s", npaths ? paths[0] : "(no file)",
			 npaths > 1 ? " or the other resolv.conf files" : "");
}

int netdns_format(const struct netdns *d, char *buf, size_t len)
{
	char a4[INET_ADDRSTRLEN] = "", a6[INET6_ADDRSTRLEN] = "";

	if (d->have_v4)
		inet_ntop(AF_INET, &d->v4, a4, sizeof(a4));
	if (d->have_v6)
		inet_ntop(AF_INET6, &d->v6, a6, sizeof(a6));
	int n = snprintf(buf, len, "%s%s%s%s%s%s", a4[0] ? "nameserver " : "", a4,
			 a4[0] ? "\n" : "", a6[0] ? "nameserver " : "", a6, a6[0] ? "\n" : "");
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
