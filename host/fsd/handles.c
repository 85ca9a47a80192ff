/* The handle table: slots grown by doubling up to a limit, a free list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "handles.h"

int handles_init(struct handles *h, uint32_t max)
{
	memset(h, 0, sizeof(*h));
	h->max = max;
	return max ? 0 : -EINVAL;
}

void handles_free(struct handles *h)
{
	for (uint32_t i = 0; i < h->cap; i++)
		if (h->slot[i].kind != HANDLE_FREE)
			close(h->slot[i].fd);
	free(h->slot);
	memset(h, 0, sizeof(*h));
}

static int grow(struct handles *h)
{
	uint32_t cap = h->cap ? h->cap * 2 : 16;
	if (cap > h->max || cap < h->cap)
		cap = h->max;
	if (cap <= h->cap)
		return -EMFILE;
	struct handle *s = realloc(h->slot, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	h->slot = s;
	for (uint32_t i = cap; i-- > h->cap;) {
		s[i] = (struct handle){.fd = -1, .kind = HANDLE_FREE, .next_free = h->free};
		h->free = i + 1;
	}
	h->cap = cap;
	return 0;
}

int handles_add(struct handles *h, int fd, enum handle_kind kind, uint64_t *fh)
{
	if (!h->free) {
		int r = h->used < h->max ? grow(h) : -EMFILE;
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	uint32_t i = h->free - 1;
	h->free = h->slot[i].next_free;
	h->slot[i] = (struct handle){.fd = fd, .kind = kind};
	h->used++;
	*fh = (uint64_t)i + 1;
	return 0;
}

int handles_fd(const struct handles *h, uint64_t fh, enum handle_kind kind)
{
	if (fh == 0 || fh > h->cap || h->slot[fh - 1].kind != kind || kind == HANDLE_FREE)
		return -EBADF;
	return h->slot[fh - 1].fd;
}

int handles_remove(struct handles *h, uint64_t fh, enum handle_kind kind)
{
	if (handles_fd(h, fh, kind) < 0)
		return -EBADF;
	struct handle *s = &h->slot[fh - 1];
	close(s->fd);
	*s = (struct handle){.fd = -1, .kind = HANDLE_FREE, .next_free = h->free};
	h->free = (uint32_t)fh;
	h->used--;
	return 0;
}
