/* The VMM side of `exec`: routes the frames of every `sandbox-runtime exec` proxy
 * connected to ctl.sock onto the guest's one exec port, and the guest's frames back to
 * their proxy (host/vmm/virtio/execproto.h). It picks the session ids, so a proxy cannot
 * speak for another's session. Memory is bounded: a proxy is read only while the
 * guest-bound buffer is small, and a guest that sends a session more than its window
 * loses that session. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime.h"
#include "virtio/execproto.h"

#define TO_GUEST_HIGH (1u << 20) /* stop reading proxies above this */
/* A session's unsent output: its window of data plus room for the few control frames. */
#define TO_PROXY_MAX (EXEC_WINDOW + 4 * EXEC_DATA_MAX)

struct buf {
	uint8_t *p;
	size_t off, len, cap;
};

static int buf_add(struct buf *b, const void *data, size_t len, size_t max)
{
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->len - b->off + len > max)
		return -ENOBUFS;
	if (b->len + len > b->cap) {
		if (b->off) {
			memmove(b->p, b->p + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		if (b->len + len > b->cap) {
			size_t cap = b->cap ? b->cap : 4096;
			while (cap < b->len + len)
				cap *= 2;
			uint8_t *p = realloc(b->p, cap);
			if (!p)
				return -ENOMEM;
			b->p = p;
			b->cap = cap;
		}
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

/* Write what fd takes now. 0, or -1 when fd is broken. */
static int buf_flush(struct buf *b, int fd)
{
	while (b->off < b->len) {
		ssize_t n = send(fd, b->p + b->off, b->len - b->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		b->off += (size_t)n;
	}
	return 0;
}

struct session {
	int fd; /* the proxy's connection; -1: slot free */
	uint32_t id;
	bool ended; /* EXIT routed: close once `out` is written */
	struct execproto_rx rx;
	uint8_t *rxbuf;
	struct buf out;
};

struct rt_execmux {
	int guest_fd;
	bool guest_broken; /* a bad frame or a dead port: exec is over for this VM */
	uint32_t next_id;
	struct execproto_rx rx;
	uint8_t *rxbuf;
	struct buf to_guest;
	struct session s[EXEC_MAX_SESSIONS];
};

struct rt_execmux *rt_execmux_new(int guest_fd)
{
	struct rt_execmux *m = calloc(1, sizeof(*m));
	if (!m || !(m->rxbuf = malloc(EXEC_FRAME_MAX))) {
		free(m);
		return NULL;
	}
	m->guest_fd = guest_fd;
	m->next_id = 1;
	execproto_rx_init(&m->rx, EXEC_TO_HOST, m->rxbuf);
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++)
		m->s[i].fd = -1;
	return m;
}

void rt_execmux_free(struct rt_execmux *m)
{
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++)
		if (m->s[i].fd >= 0) {
			close(m->s[i].fd);
			free(m->s[i].rxbuf);
			free(m->s[i].out.p);
		}
	free(m->to_guest.p);
	free(m->rxbuf);
	free(m);
}

static void to_guest(struct rt_execmux *m, const uint8_t *frame, size_t len)
{
	/* Unbounded only in count of frames a proxy may send; proxies are held
	 * back above TO_GUEST_HIGH, so this stays within a frame of it. */
	if (!m->guest_broken && buf_add(&m->to_guest, frame, len, SIZE_MAX) < 0)
		m->guest_broken = true;
}

static void drop(struct rt_execmux *m, struct session *s)
{
	if (!s->ended) { /* the proxy went away: its process goes too */
		uint8_t f[EXEC_HDR_SIZE + 4];
		to_guest(m, f, execproto_put_u32(f, EXEC_SIGNAL, s->id, 9));
	}
	close(s->fd);
	free(s->rxbuf);
	free(s->out.p);
	*s = (struct session){.fd = -1};
}

int rt_execmux_add(struct rt_execmux *m, int conn_fd)
{
	if (m->guest_broken)
		return -EPIPE;
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++) {
		struct session *s = &m->s[i];
		if (s->fd >= 0)
			continue;
		if (!(s->rxbuf = malloc(EXEC_FRAME_MAX)))
			return -ENOMEM;
		s->fd = conn_fd;
		s->id = m->next_id++;
		if (!m->next_id)
			m->next_id = 1;
		execproto_rx_init(&s->rx, EXEC_TO_GUEST, s->rxbuf);
		return 0;
	}
	return -EBUSY;
}

static struct session *find(struct rt_execmux *m, uint32_t id)
{
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++)
		if (m->s[i].fd >= 0 && m->s[i].id == id)
			return &m->s[i];
	return NULL;
}

struct route {
	struct rt_execmux *m;
	struct session *s;
};

/* A proxy's frame: under the session's own id, to the guest. */
static void from_proxy(void *ctx, const struct exec_hdr *h, const uint8_t *payload)
{
	struct route *r = ctx;
	uint8_t hdr[EXEC_HDR_SIZE];
	execproto_put_hdr(hdr, h->type, r->s->id, h->len);
	to_guest(r->m, hdr, sizeof(hdr));
	if (h->len)
		to_guest(r->m, payload, h->len);
}

/* A guest frame: to its session's proxy. */
static void from_guest(void *ctx, const struct exec_hdr *h, const uint8_t *payload)
{
	struct rt_execmux *m = ctx;
	struct session *s = find(m, h->session);
	if (!s || s->ended)
		return; /* its proxy is gone: nobody to tell */
	uint8_t hdr[EXEC_HDR_SIZE];
	execproto_put_hdr(hdr, h->type, h->session, h->len);
	if (buf_add(&s->out, hdr, sizeof(hdr), TO_PROXY_MAX) < 0 ||
	    (h->len && buf_add(&s->out, payload, h->len, TO_PROXY_MAX) < 0)) {
		drop(m, s); /* past its window: a broken guest, or no memory */
		return;
	}
	if (h->type == EXEC_EXIT)
		s->ended = true;
}

static void end_all(struct rt_execmux *m)
{
	m->guest_broken = true;
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++)
		if (m->s[i].fd >= 0)
			drop(m, &m->s[i]);
}

static void read_guest(struct rt_execmux *m)
{
	uint8_t buf[65536];
	ssize_t n = recv(m->guest_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0 || execproto_feed(&m->rx, buf, (size_t)n, from_guest, NULL, m) < 0)
		end_all(m);
}

static void read_proxy(struct rt_execmux *m, struct session *s)
{
	uint8_t buf[65536];
	ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	struct route r = {m, s};
	if (n <= 0 || execproto_feed(&s->rx, buf, (size_t)n, from_proxy, NULL, &r) < 0)
		drop(m, s);
}

size_t rt_execmux_fill_poll(struct rt_execmux *m, struct pollfd *fds)
{
	size_t n = 0;
	if (m->guest_broken)
		return 0;
	short ev = POLLIN | (m->to_guest.off < m->to_guest.len ? POLLOUT : 0);
	fds[n++] = (struct pollfd){.fd = m->guest_fd, .events = ev};
	bool read_proxies = m->to_guest.len - m->to_guest.off < TO_GUEST_HIGH;
	for (unsigned i = 0; i < EXEC_MAX_SESSIONS; i++) {
		struct session *s = &m->s[i];
		if (s->fd < 0)
			continue;
		ev = (read_proxies && !s->ended ? POLLIN : 0) |
		     (s->out.off < s->out.len ? POLLOUT : 0);
		fds[n++] = (struct pollfd){.fd = s->fd, .events = ev};
	}
	return n;
}

void rt_execmux_handle(struct rt_execmux *m, const struct pollfd *fds, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == m->guest_fd) {
			if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
				read_guest(m);
			continue;
		}
		struct session *s = NULL;
		for (unsigned i = 0; i < EXEC_MAX_SESSIONS && !s; i++)
			if (m->s[i].fd == fds[k].fd)
				s = &m->s[i];
		if (!s)
			continue; /* dropped meanwhile */
		if ((fds[k].revents & POLLOUT) && buf_flush(&s->out, s->fd) < 0) {
			drop(m, s);
			continue;
		}
		if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
			read_proxy(m, s);
		if (s->fd >= 0 && s->ended && s->out.off == s->out.len)
			drop(m, s);
	}
	if (!m->guest_broken && buf_flush(&m->to_guest, m->guest_fd) < 0)
		end_all(m);
}
