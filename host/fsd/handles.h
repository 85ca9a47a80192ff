/* The server's open files and directories: host fds the guest refers to by handle. */
#ifndef SB_FSD_HANDLES_H
#define SB_FSD_HANDLES_H

#include <stdint.h>

enum handle_kind { HANDLE_FREE, HANDLE_FILE, HANDLE_DIR };

struct handle {
	int fd;
	enum handle_kind kind;
	uint32_t next_free; /* slot + 1, 0 ends */
};

/* Handles are slot + 1 (0 is never valid). */
struct handles {
	struct handle *slot;
	uint32_t cap, used, max;
	uint32_t free;
};

/* max: handles the guest may hold at once. 0 or -ENOMEM. */
int handles_init(struct handles *h, uint32_t max);
/* Close every fd still open. */
void handles_free(struct handles *h);
/* Take fd (owned from now on): its handle in *fh. -EMFILE when the guest
 * holds max already (fd closed), -ENOMEM. */
int handles_add(struct handles *h, int fd, enum handle_kind kind, uint64_t *fh);
/* The fd behind a guest's handle of that kind, or -EBADF. */
int handles_fd(const struct handles *h, uint64_t fh, enum handle_kind kind);
/* Close the handle's fd: 0, or -EBADF when fh is not such a handle. */
int handles_remove(struct handles *h, uint64_t fh, enum handle_kind kind);

#endif
