/* A process's stdio as PID 1 sets it up: three pipes it owns, or a pty (the workload and exec
 * sessions). */
#include "procio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static void drop(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static const struct procio none = {-1, -1, -1, -1, -1, -1, -1};

static int open_pty(uint16_t rows, uint16_t cols, struct procio *io, struct sb_error *err)
{
	char name[64];
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	*io = none;
	if (master < 0)
		return error_set(err, errno, "allocate a pty");
	io->out = master;
	if (grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0) {
		int r = error_set(err, errno, "allocate a pty");
		procio_close(io);
		return r;
	}
	struct winsize ws = {.ws_row = rows, .ws_col = cols};
	if (rows && ioctl(master, TIOCSWINSZ, &ws) < 0) {
		int r = error_set(err, errno, "set the pty size");
		procio_close(io);
		return r;
	}
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		int r = error_set(err, errno, "open `%s`", name);
		procio_close(io);
		return r;
	}
	io->child_in = io->child_out = io->child_err = slave;
	io->in = fcntl(master, F_DUPFD_CLOEXEC, 3);
	io->tty = fcntl(master, F_DUPFD_CLOEXEC, 3);
	if (io->in < 0 || io->tty < 0 || fcntl(master, F_SETFL, O_NONBLOCK) < 0) {
		int r = error_set(err, errno, "pty descriptors");
		procio_close_child(io);
		procio_close(io);
		return r;
	}
	return 0;
}

int procio_open(bool tty, uint16_t rows, uint16_t cols, struct procio *io, struct sb_error *err)
{
	if (tty)
		return open_pty(rows, cols, io, err);
	int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    fcntl(in[1], F_SETFL, O_NONBLOCK) < 0) {
		int r = error_set(err, errno, "pipe");
		int fds[] = {in[0], in[1], out[0], out[1], errp[0], errp[1]};
		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
			drop(&fds[i]);
		*io = none;
		return r;
	}
	*io = (struct procio){in[0], out[1], errp[1], out[0], errp[0], in[1], -1};
	return 0;
}

void procio_close_child(struct procio *io)
{
	/* A pty's slave is all three. */
	if (io->child_in != io->child_out)
		drop(&io->child_in);
	if (io->child_err != io->child_out)
		drop(&io->child_err);
	drop(&io->child_out);
	io->child_in = io->child_err = -1;
}

void procio_close(struct procio *io)
{
	drop(&io->out);
	drop(&io->err);
	drop(&io->in);
	drop(&io->tty);
}
