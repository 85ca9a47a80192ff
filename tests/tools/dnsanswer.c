/* dnsanswer: a tiny UDP DNS server for tests: A records from the command line, NXDOMAIN otherwise.
 */
/* usage: dnsanswer ADDR PORT NAME=IPV4... (runs until killed; answers AAAA and
 * other types of a known name with no records, as a real server would) */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MSG_MAX 512

struct record {
	char name[256];
	struct in_addr addr;
};

/* The question's name as lower-case dotted text; its end offset, or 0 if bad. */
static size_t read_qname(const uint8_t *m, size_t len, char *out, size_t out_size)
{
	size_t i = 12, o = 0;
	while (i < len && m[i]) {
		size_t l = m[i++];
		if (l > 63 || i + l > len || o + l + 2 > out_size)
			return 0;
		if (o)
			out[o++] = '.';
		for (size_t k = 0; k < l; k++)
			out[o++] = (char)tolower(m[i + k]);
		i += l;
	}
	out[o] = '\0';
	return i < len ? i + 1 : 0;
}

static size_t answer(const uint8_t *q, size_t len, uint8_t *r, const struct record *rec, int nrec)
{
	char name[256];
	if (len < 12 || (q[2] & 0x80) || q[4] != 0 || q[5] != 1)
		return 0;
	size_t end = read_qname(q, len, name, sizeof(name));
	if (!end || end + 4 > len)
		return 0;
	uint16_t type = (uint16_t)(q[end] << 8 | q[end + 1]);
	end += 4;
	memcpy(r, q, end);
	r[2] = 0x80 | (q[2] & 0x01); /* QR, RD echoed */
	r[3] = 0x80;		     /* RA, NOERROR */
	memset(r + 6, 0, 6);	     /* no answer, authority, additional records yet */
	const struct record *hit = NULL;
	for (int i = 0; i < nrec && !hit; i++)
		if (!strcmp(rec[i].name, name))
			hit = &rec[i];
	if (!hit) {
		r[3] |= 3; /* NXDOMAIN */
		return end;
	}
	if (type != 1)
		return end;
	static const uint8_t a[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
	memcpy(r + end, a, sizeof(a));
	memcpy(r + end + sizeof(a), &hit->addr, 4);
	r[7] = 1;
	return end + sizeof(a) + 4;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: dnsanswer ADDR PORT NAME=IPV4...\n");
		return 2;
	}
	int nrec = argc - 3;
	struct record *rec = calloc((size_t)nrec, sizeof(*rec));
	for (int i = 0; rec && i < nrec; i++) {
		const char *eq = strchr(argv[i + 3], '=');
		size_t nl = eq ? (size_t)(eq - argv[i + 3]) : 0;
		if (!eq || !nl || nl >= sizeof(rec[i].name) ||
		    inet_pton(AF_INET, eq + 1, &rec[i].addr) != 1) {
			fprintf(stderr, "dnsanswer: bad record `%s`\n", argv[i + 3]);
			return 2;
		}
		for (size_t k = 0; k < nl; k++)
			rec[i].name[k] = (char)tolower((unsigned char)argv[i + 3][k]);
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (!rec || s < 0 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("dnsanswer");
		return 1;
	}
	for (;;) {
		uint8_t q[MSG_MAX], r[MSG_MAX + 16];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		size_t rl = answer(q, (size_t)n, r, rec, nrec);
		if (rl)
			sendto(s, r, rl, 0, (struct sockaddr *)&from, fl);
	}
}
