/* recvtty SOCKET OUT [TEXT]: the engine's end of an OCI runtime's --console-socket, for
 * tests. Listens on SOCKET, takes the pty master that one connection passes (SCM_RIGHTS),
 * types TEXT into it (when given), and copies everything the master yields to OUT until
 * the container's side is gone (EIO/EOF). Exit 0, or 1 with a line on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: recvtty SOCKET OUT [TEXT]\n");
		return 2;
	}
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[1]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
		return die("listen");
	int c = accept(s, NULL, NULL);
	if (c < 0)
		return die("accept");
	char name[256] = {0}, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	if (recvmsg(c, &m, 0) < 0)
		return die("recvmsg");
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	if (!h || h->cmsg_type != SCM_RIGHTS || h->cmsg_len != CMSG_LEN(sizeof(int))) {
		fprintf(stderr, "recvtty: no single descriptor received\n");
		return 1;
	}
	int master;
	memcpy(&master, CMSG_DATA(h), sizeof(int));
	close(c);
	close(s);
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		return die(argv[2]);
	if (argc == 4 && write(master, argv[3], strlen(argv[3])) < 0)
		return die("write to the pty");
	char buf[4096];
	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EIO: every slave descriptor is closed */
		if (write(out, buf, (size_t)n) != n)
			return die("write");
	}
	return 0;
}
