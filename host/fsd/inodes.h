/* The server's inode table: one O_PATH fd per host inode the guest knows, keyed by (dev, ino). */
#ifndef SB_FSD_INODES_H
#define SB_FSD_INODES_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Node ids are slot + 1; slot 0 is the share's root (FUSE_ROOT_ID = 1),
 * never forgotten. */
struct inode {
	int fd;	     /* O_PATH | O_NOFOLLOW; -1 when the slot is free */
	mode_t type; /* S_IFMT bits */
	dev_t dev;
	ino_t ino;
	uint64_t nlookup;    /* the guest's references (FUSE lookup count) */
	uint64_t generation; /* bumped each time the slot is reused */
	uint32_t next;	     /* hash chain or free list: slot + 1, 0 ends */
};

struct inodes {
	struct inode *slot;
	uint32_t cap, used, max; /* slots allocated, in use, allowed */
	uint32_t *bucket;	 /* slot + 1 of each chain's head */
	uint32_t nbucket;	 /* a power of two */
	uint32_t free;		 /* head of the free list (slot + 1) */
	uint64_t generation;
};

/* root_fd (owned from now on) is the share's directory, O_PATH. max: inodes
 * the guest may hold at once, the root included. 0 or -errno. */
int inodes_init(struct inodes *t, int root_fd, uint32_t max);
void inodes_free(struct inodes *t);
/* The live inode behind a guest's node id, or NULL. Valid until the next
 * inodes_add or inodes_forget. */
struct inode *inodes_get(struct inodes *t, uint64_t nodeid);
/* Take fd (an O_PATH fd whose fstat is st; owned from now on): the inode's
 * node id, its lookup count raised by one. -ENFILE when the table is full
 * (fd closed), -ENOMEM. */
int inodes_add(struct inodes *t, int fd, const struct stat *st, uint64_t *nodeid);
/* Drop n of the guest's references; the inode's fd is closed at zero. */
void inodes_forget(struct inodes *t, uint64_t nodeid, uint64_t n);

#endif
