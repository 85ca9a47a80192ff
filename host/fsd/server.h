/* The file server proper: a libfuse low-level session on the socket, our passthrough operations. */
#ifndef SB_FSD_SERVER_H
#define SB_FSD_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "fsd.h"

struct fsd_server;

/* What the server needs beyond the user's config, found by fsd_spawn. */
struct server_env {
	int root_fd;	  /* the share, O_PATH | O_DIRECTORY (owned by the server) */
	int file_fd;	  /* fsd_config.file's inode, O_PATH (owned); -1 without */
	int proc_fd;	  /* /proc/self/fd, O_PATH (owned); reopens O_PATH fds */
	int sock;	  /* the server's end of the socket (owned) */
	int data_fd;	  /* the READ data pipe's write end (owned), with data_max > 0 */
	size_t data_max;  /* what the pipe holds; 0: no pipe */
	int wdata_fd;	  /* the WRITE data pipe's read end (owned), with wdata_max > 0 */
	size_t wdata_max; /* what that pipe holds; 0: no pipe */
	size_t msg_max;	  /* the largest message the socket carries, <= FSD_MSG_MAX */
	bool guest_owner; /* created files get the guest's uid/gid (we run as root) */
};

/* A session for c on env (every fd in env is owned from now on, even on
 * failure). 0 or -errno with err filled. */
int server_new(const struct fsd_config *c, const struct server_env *env, struct fsd_server **out,
	       struct sb_error *err);
/* Serve requests until the socket reaches end of file. 0 or -errno. */
int server_run(struct fsd_server *s);
/* Handle one message as if it had come in on the socket (replies go out on
 * it): the fuzz target's way in. */
void server_handle(struct fsd_server *s, const void *msg, size_t len);
void server_free(struct fsd_server *s);

#endif
