/* The image config's ExposedPorts keys ("80/tcp", "8000-8010/udp"), for `sandbox run -P`. */
#include "oci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 1..65535 in at most 5 digits; *s moves past them. */
static int port(const char **s, uint16_t *out)
{
	unsigned v = 0, n = 0;
	for (; **s >= '0' && **s <= '9' && n < 6; (*s)++, n++)
		v = v * 10 + (unsigned)(**s - '0');
	if (n == 0 || n > 5 || v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int oci_port_parse(const char *key, struct image_port *out)
{
	const char *s = key;
	struct image_port p = {.proto = IMAGE_PROTO_TCP};
	if (port(&s, &p.first) < 0)
		return -EINVAL;
	p.last = p.first;
	if (*s == '-') {
		s++;
		if (port(&s, &p.last) < 0 || p.last < p.first)
			return -EINVAL;
	}
	if (*s == '/') {
		s++;
		if (!strcasecmp(s, "tcp"))
			p.proto = IMAGE_PROTO_TCP;
		else if (!strcasecmp(s, "udp"))
			p.proto = IMAGE_PROTO_UDP;
		else if (!strcasecmp(s, "sctp"))
			p.proto = IMAGE_PROTO_SCTP;
		else
			return -EINVAL;
	} else if (*s) {
		return -EINVAL;
	}
	*out = p;
	return 0;
}

static int port_cmp(const void *a, const void *b)
{
	const struct image_port *x = a, *y = b;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return x->last < y->last ? -1 : x->last > y->last;
}

size_t oci_ports_sort(struct image_port *p, size_t n)
{
	if (n == 0)
		return 0;
	qsort(p, n, sizeof(*p), port_cmp);
	size_t k = 1;
	for (size_t i = 1; i < n; i++)
		if (port_cmp(&p[i], &p[k - 1]))
			p[k++] = p[i];
	return k;
}
