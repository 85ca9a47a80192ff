/* libFuzzer target: arbitrary FUSE request messages through the file server's gate, libfuse and
 * our operations, in process, on a temporary share and on a single-file share (a file bind; a
 * message goes there when its header's padding has bit 0x4000). Checked properties: every reply
 * is one well-formed message for the request's token and never above the socket's limit, nothing
 * appears beside the share, and the single-file share's directory never changes (else abort).
 * The directory share reads through a data pipe: a reply's length beyond its message is exactly
 * what waits in the pipe. It also takes WRITE payloads through a second pipe (a message whose
 * header's padding has bit 0x2000 goes as its first 80 bytes, the rest in that pipe): once a
 * WRITE whose header counts its piped bytes is answered, the pipe is empty. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"

static struct fsd_server *srv, *file_srv;
static int peer = -1, file_peer = -1;
static int data[2] = {-1, -1};	/* the directory share's data pipe */
static int wdata[2] = {-1, -1}; /* and its WRITE data pipe */
static char outside[64], filedir[64];
static struct stat outside_st, filedir_st;
static size_t msg_max;
static char reply[FSD_MSG_MAX + 1];

static void put(const char *dir, const char *name, const char *text)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		abort();
	close(fd);
}

/* What waits in pipe fd (it is emptied). */
static size_t empty(int fd)
{
	static char buf[64 * 1024];
	size_t total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	return total;
}

/* What waits in the data pipe (it is emptied). */
static size_t pipe_bytes(int piped)
{
	return piped ? empty(data[0]) : 0;
}

/* The replies to one request: at most one, for its token, well formed; with
 * the pipe, its length beyond the message is what the pipe holds. */
static void drain(int peer, uint64_t unique, int noreply, int piped)
{
	int n_replies = 0;
	for (;;) {
		ssize_t n = recv(peer, reply, sizeof(reply), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			break;
		struct fuse_out_header out;
		if (n < (ssize_t)sizeof(out) || (size_t)n > msg_max)
			abort();
		memcpy(&out, reply, sizeof(out));
		size_t extra = out.len > (size_t)n ? out.len - (size_t)n : 0;
		if (pipe_bytes(piped) != extra || (extra && (!piped || out.error)))
			abort();
		if (out.len != (size_t)n + extra || out.unique != unique || out.error > 0 ||
		    out.error <= -4096)
			abort();
		if (out.error && n != (ssize_t)sizeof(out))
			abort();
		n_replies++;
	}
	if (n_replies > 1 || (noreply && n_replies) || pipe_bytes(piped))
		abort();
}

static void handle(const uint8_t *msg, size_t len)
{
	struct fuse_in_header h = {0};
	memcpy(&h, msg, len < sizeof(h) ? len : sizeof(h));
	int one_file = (h.padding & 0x4000) != 0;
	const size_t head = sizeof(h) + sizeof(struct fuse_write_in);
	size_t sent = len;
	if (!one_file && (h.padding & 0x2000) && len > head) { /* the rest by the WRITE pipe */
		if (write(wdata[1], msg + head, len - head) != (ssize_t)(len - head))
			abort();
		sent = head;
	}
	server_handle(one_file ? file_srv : srv, msg, sent);
	int noreply = h.opcode == FUSE_FORGET || h.opcode == FUSE_BATCH_FORGET ||
		      h.opcode == FUSE_INTERRUPT || len < sizeof(h);
	drain(one_file ? file_peer : peer, h.unique, noreply && h.len == len && sent == len,
	      !one_file);
	size_t left = empty(wdata[0]); /* the VMM pipes only WRITEs, so others leave theirs */
	if (left && sent < len && h.opcode == FUSE_WRITE && h.len == len)
		abort();
}

/* A server for c on a fresh socket pair: the peer's end in *peer_out. */
static struct fsd_server *serve(const struct fsd_config *c, const char *dir, int file_fd,
				const int pipes[2], size_t pipe_max, int *peer_out)
{
	int sv[2];
	struct fsd_server *s;
	struct sb_error err;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		abort();
	int big = (int)FSD_MSG_MAX + 4096, got;
	socklen_t gl = sizeof(got);
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	getsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &got, &gl);
	msg_max = (size_t)got - 64 < FSD_MSG_MAX ? (size_t)got - 64 : FSD_MSG_MAX;
	*peer_out = sv[0];
	struct server_env env = {.root_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC),
				 .file_fd = file_fd,
				 .proc_fd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC),
				 .sock = sv[1],
				 .data_fd = pipes[0],
				 .data_max = pipe_max,
				 .wdata_fd = pipes[1],
				 .wdata_max = pipe_max,
				 .msg_max = msg_max,
				 .guest_owner = geteuid() == 0};
	if (server_new(c, &env, &s, &err) < 0) {
		fprintf(stderr, "fuzz_fsd: %s\n", err.msg);
		abort();
	}
	return s;
}

static void init(uint16_t padding)
{
	struct {
		struct fuse_in_header h;
		struct fuse_init_in i;
	} in = {{.len = sizeof(in), .opcode = FUSE_INIT, .unique = 1, .padding = padding},
		{.major = 7,
		 .minor = 36,
		 .max_readahead = 65536,
		 .flags = FUSE_MAX_PAGES | FUSE_INIT_EXT | FUSE_DO_READDIRPLUS}};
	handle((const uint8_t *)&in, sizeof(in));
}

static char top[] = "/tmp/fuzz_fsd.XXXXXX";

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		chmod(p, 0700);
	return remove(p) < 0 ? 0 : 0;
}

/* libFuzzer ends with exit(): the temporary tree goes with it. */
static void cleanup(void)
{
	nftw(top, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char share[64];
	(void)argc;
	(void)argv;

	/* no request may grow a file past 4 MiB: fallocate and pwrite get EFBIG */
	struct rlimit fsize = {4 << 20, 4 << 20};
	setrlimit(RLIMIT_FSIZE, &fsize);
	signal(SIGXFSZ, SIG_IGN);
	if (!mkdtemp(top))
		abort();
	atexit(cleanup);
	snprintf(share, sizeof(share), "%s/share", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	if (mkdir(share, 0755) || mkdir(outside, 0755))
		abort();
	put(share, "hello", "hello world\n");
	put(outside, "secret", "SECRET\n");
	char p[160], q[160];
	snprintf(p, sizeof(p), "%s/d", share);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/abs", share);
	snprintf(q, sizeof(q), "%s/secret", outside);
	if (symlink(q, p) || symlink("../outside", (snprintf(p, sizeof(p), "%s/rel", share), p)))
		abort();
	snprintf(p, sizeof(p), "%s/fifo", share);
	mkfifo(p, 0644);
	if (stat(outside, &outside_st))
		abort();
	/* the file bind: app.conf served, its siblings never seen nor changed */
	snprintf(filedir, sizeof(filedir), "%s/filedir", top);
	if (mkdir(filedir, 0755))
		abort();
	put(filedir, "app.conf", "setting=1\n");
	put(filedir, "sibling", "SIBLING\n");
	snprintf(p, sizeof(p), "%s/sub", filedir);
	mkdir(p, 0755);
	if (stat(filedir, &filedir_st))
		abort();

	struct fsd_config c = {
	    .host_path = share, .cache = FSD_CACHE_AUTO, .max_inodes = 64, .max_handles = 16};
	/* the directory share's data pipes: as big as any READ or WRITE, emptied after each
	 * message; the server's end of the WRITE pipe non-blocking too (bytes a lying header
	 * counts never come) */
	if (pipe2(data, O_CLOEXEC) < 0 || fcntl(data[1], F_SETPIPE_SZ, 1 << 20) < (1 << 20) ||
	    fcntl(data[0], F_SETFL, O_NONBLOCK) < 0 || pipe2(wdata, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    fcntl(wdata[1], F_SETPIPE_SZ, 1 << 20) < (1 << 20))
		abort();
	srv = serve(&c, share, -1, (const int[]){data[1], wdata[0]}, (size_t)1 << 20, &peer);
	struct fsd_config fc = {.host_path = filedir,
				.cache = FSD_CACHE_AUTO,
				.max_inodes = 16,
				.max_handles = 16,
				.file = "app.conf"};
	snprintf(p, sizeof(p), "%s/app.conf", filedir);
	file_srv = serve(&fc, filedir, open(p, O_PATH | O_NOFOLLOW | O_CLOEXEC),
			 (const int[]){-1, -1}, 0, &file_peer);
	init(0);
	init(0x4000);
	return 0;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* The input is a run of messages, each as long as its header's len says
 * (or the rest); the header's top padding bit set keeps a lying len. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[65536];
	static int once;

	if (!once++) /* libFuzzer's own SIGXFSZ handler would end the run at EFBIG */
		signal(SIGXFSZ, SIG_IGN);

	while (size > 0) {
		struct fuse_in_header h = {0};
		memcpy(&h, data, size < sizeof(h) ? size : sizeof(h));
		size_t n = h.len >= sizeof(h) && h.len <= size ? h.len : size;
		if (n > sizeof(msg))
			n = sizeof(msg);
		memcpy(msg, data, n);
		if (n >= sizeof(h) && !(h.padding & 0x8000)) {
			uint32_t len = (uint32_t)n;
			memcpy(msg, &len, sizeof(len));
		}
		handle(msg, n);
		data += n;
		size -= n;
	}
	struct stat st;
	if (stat(outside, &st) || st.st_mtim.tv_sec != outside_st.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != outside_st.st_mtim.tv_nsec || st.st_nlink != outside_st.st_nlink)
		abort(); /* something was made or removed beside the share */
	if (stat(filedir, &st) || !same_time(&st.st_mtim, &filedir_st.st_mtim) ||
	    !same_time(&st.st_ctim, &filedir_st.st_ctim) || st.st_nlink != filedir_st.st_nlink ||
	    st.st_mode != filedir_st.st_mode)
		abort(); /* a name made, removed or renamed, or the directory changed, in a file
			    bind */
	return 0;
}
