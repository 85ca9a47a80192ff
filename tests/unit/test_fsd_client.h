/* A minimal FUSE client for the file server tests: hand-built requests over the socket. */
#ifndef SB_TEST_FSD_CLIENT_H
#define SB_TEST_FSD_CLIENT_H

#include <linux/fuse.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "fsd.h"

struct fmsg {
	char buf[FSD_MSG_MAX];
	size_t len;
};

struct fclient {
	int sock;
	uint64_t unique;
	uint32_t uid, gid;
	struct fmsg m;
	char reply[FSD_MSG_MAX];
	size_t reply_len; /* payload bytes after the out header */
};

static inline void fm_begin(struct fclient *c, uint32_t op, uint64_t nodeid)
{
	struct fuse_in_header h = {.opcode = op,
				   .nodeid = nodeid,
				   .unique = ++c->unique,
				   .uid = c->uid,
				   .gid = c->gid,
				   .pid = 1};
	memcpy(c->m.buf, &h, sizeof(h));
	c->m.len = sizeof(h);
}

static inline void fm_add(struct fclient *c, const void *p, size_t n)
{
	memcpy(c->m.buf + c->m.len, p, n);
	c->m.len += n;
}

static inline void fm_str(struct fclient *c, const char *s)
{
	fm_add(c, s, strlen(s) + 1);
}

/* Set the header's len to the message's length. */
static inline void fm_fix_len(struct fclient *c)
{
	uint32_t len = (uint32_t)c->m.len;
	memcpy(c->m.buf + offsetof(struct fuse_in_header, len), &len, sizeof(len));
}

/* Send the message as built (header len fixed up unless keep_len), wait
 * for its reply: its error (0 or -errno). -1000 when nothing came back. */
static inline int fm_send_raw(struct fclient *c, int keep_len, int expect_reply)
{
	if (!keep_len)
		fm_fix_len(c);
	if (send(c->sock, c->m.buf, c->m.len, MSG_NOSIGNAL) != (ssize_t)c->m.len)
		return -1001;
	if (!expect_reply)
		return 0;
	struct fuse_out_header out;
	ssize_t n = recv(c->sock, c->reply, sizeof(c->reply), 0);
	if (n < (ssize_t)sizeof(out))
		return -1000;
	memcpy(&out, c->reply, sizeof(out));
	if (out.len != (size_t)n || out.unique != c->unique)
		return -1002;
	c->reply_len = (size_t)n - sizeof(out);
	memmove(c->reply, c->reply + sizeof(out), c->reply_len);
	return out.error;
}

static inline int fm_call(struct fclient *c)
{
	return fm_send_raw(c, 0, 1);
}

#endif
