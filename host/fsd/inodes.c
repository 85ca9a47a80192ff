/* The inode table: slots grown by doubling up to a limit, chained hash on (dev, ino). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inodes.h"

static uint32_t hash(dev_t dev, ino_t ino, uint32_t nbucket)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;
	return (uint32_t)(h >> 32) & (nbucket - 1);
}

static void link_slot(struct inodes *t, uint32_t i)
{
	uint32_t b = hash(t->slot[i].dev, t->slot[i].ino, t->nbucket);
	t->slot[i].next = t->bucket[b];
	t->bucket[b] = i + 1;
}

static void unlink_slot(struct inodes *t, uint32_t i)
{
	uint32_t *p = &t->bucket[hash(t->slot[i].dev, t->slot[i].ino, t->nbucket)];
	while (*p && *p != i + 1)
		p = &t->slot[*p - 1].next;
	if (*p)
		*p = t->slot[i].next;
}

int inodes_init(struct inodes *t, int root_fd, uint32_t max)
{
	struct stat st;

	memset(t, 0, sizeof(*t));
	if (max < 1 || fstat(root_fd, &st) < 0) {
		close(root_fd);
		return max < 1 ? -EINVAL : -errno;
	}
	t->max = max;
	t->nbucket = 16;
	while (t->nbucket < max / 4 && t->nbucket < (1u << 20))
		t->nbucket <<= 1;
	t->cap = max < 64 ? max : 64;
	t->bucket = calloc(t->nbucket, sizeof(*t->bucket));
	t->slot = calloc(t->cap, sizeof(*t->slot));
	if (!t->bucket || !t->slot) {
		close(root_fd);
		inodes_free(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t->cap; i++)
		t->slot[i].fd = -1;
	for (uint32_t i = t->cap; i-- > 1;) {
		t->slot[i].next = t->free;
		t->free = i + 1;
	}
	t->slot[0] = (struct inode){.fd = root_fd,
				    .type = st.st_mode & S_IFMT,
				    .dev = st.st_dev,
				    .ino = st.st_ino,
				    .nlookup = 1,
				    .generation = 0};
	link_slot(t, 0);
	t->used = 1;
	return 0;
}

void inodes_free(struct inodes *t)
{
	for (uint32_t i = 0; t->slot && i < t->cap; i++)
		if (t->slot[i].fd >= 0)
			close(t->slot[i].fd);
	free(t->slot);
	free(t->bucket);
	memset(t, 0, sizeof(*t));
}

struct inode *inodes_get(struct inodes *t, uint64_t nodeid)
{
	if (nodeid == 0 || nodeid > t->cap || t->slot[nodeid - 1].fd < 0)
		return NULL;
	return &t->slot[nodeid - 1];
}

/* Double the slot array (up to max) and put the new slots on the free list. */
static int grow(struct inodes *t)
{
	uint32_t cap = t->cap * 2 > t->max || t->cap * 2 < t->cap ? t->max : t->cap * 2;
	if (cap <= t->cap)
		return -ENFILE;
	struct inode *s = realloc(t->slot, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	t->slot = s;
	for (uint32_t i = cap; i-- > t->cap;) {
		s[i] = (struct inode){.fd = -1, .next = t->free};
		t->free = i + 1;
	}
	t->cap = cap;
	return 0;
}

int inodes_add(struct inodes *t, int fd, const struct stat *st, uint64_t *nodeid)
{
	for (uint32_t i = t->bucket[hash(st->st_dev, st->st_ino, t->nbucket)]; i;
	     i = t->slot[i - 1].next) {
		struct inode *n = &t->slot[i - 1];
		if (n->dev == st->st_dev && n->ino == st->st_ino) {
			close(fd);
			n->nlookup++;
			*nodeid = i;
			return 0;
		}
	}
	if (!t->free) {
		int r = t->used < t->max ? grow(t) : -ENFILE;
		if (r < 0) {
			close(fd);
			return r;
		}
	}
	uint32_t i = t->free - 1;
	t->free = t->slot[i].next;
	t->slot[i] = (struct inode){.fd = fd,
				    .type = st->st_mode & S_IFMT,
				    .dev = st->st_dev,
				    .ino = st->st_ino,
				    .nlookup = 1,
				    .generation = ++t->generation};
	link_slot(t, i);
	t->used++;
	*nodeid = (uint64_t)i + 1;
	return 0;
}

void inodes_forget(struct inodes *t, uint64_t nodeid, uint64_t n)
{
	struct inode *in = inodes_get(t, nodeid);

	if (!in || nodeid == 1)
		return;
	in->nlookup = n < in->nlookup ? in->nlookup - n : 0;
	if (in->nlookup)
		return;
	uint32_t i = (uint32_t)(nodeid - 1);
	unlink_slot(t, i);
	close(in->fd);
	in->fd = -1;
	in->next = t->free;
	t->free = i + 1;
	t->used--;
}
