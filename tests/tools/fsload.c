/* fsload: the file-system workloads of bench/fs (static: it runs in the test host and, from
 * the shared directory itself, in the guests of every contender).
 *   fsload tree DIR FILES           make FILES small files (64 B - 4 KiB, fixed sizes and
 *                                   contents) in DIR/dNN/, 100 per directory
 *   fsload time NAME CMD [ARG...]   run CMD, then print "@t NAME MS" (CLOCK_MONOTONIC);
 *                                   exit status 1 when CMD failed
 *   fsload write FILE MIB           write MIB MiB in 1 MiB blocks, then fsync
 *   fsload read FILE                read FILE to its end in 1 MiB blocks
 *   fsload randread FILE COUNT      COUNT preads of 4 KiB at distinct 4 KiB-aligned offsets
 *                                   spread over the file (readahead off: POSIX_FADV_RANDOM)
 * Exit status 0, or 1 with a message on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (1024 * 1024)
#define PAGE 4096

static char buf[BLOCK];

static int fail(const char *what, const char *name)
{
	fprintf(stderr, "fsload: %s %s: %s\n", what, name, strerror(errno));
	return 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int cmd_tree(const char *dir, long files)
{
	char path[4096];
	uint32_t seed = 12345;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return fail("mkdir", dir);
	for (long i = 0; i < files; i++) {
		size_t size = 64 + next_rand(&seed) % (4096 - 64);
		int fd;

		snprintf(path, sizeof(path), "%s/d%03ld", dir, i / 100);
		if (i % 100 == 0 && mkdir(path, 0755) < 0 && errno != EEXIST)
			return fail("mkdir", path);
		snprintf(path, sizeof(path), "%s/d%03ld/f%05ld", dir, i / 100, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return fail("create", path);
		if (write_all(fd, buf + i % 26, size) < 0) {
			close(fd);
			return fail("write", path);
		}
		close(fd);
	}
	return 0;
}

static int cmd_time(const char *name, char **argv)
{
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return fail("fork for", argv[0]);
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "fsload: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return fail("wait for", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "fsload: %s (%s) failed\n", name, argv[0]);
		return 1;
	}
	printf("@t %s %.3f\n", name, (double)(now_ns() - t0) / 1e6);
	fflush(stdout);
	return 0;
}

static int cmd_write(const char *file, long mib)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return fail("create", file);
	memset(buf, 0x5a, sizeof(buf));
	for (long i = 0; i < mib; i++) {
		buf[0] = (char)i;
		if (write_all(fd, buf, sizeof(buf)) < 0) {
			close(fd);
			return fail("write", file);
		}
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		return fail("fsync", file);
	return 0;
}

static int cmd_read(const char *file)
{
	int fd = open(file, O_RDONLY);
	uint64_t total = 0;
	ssize_t r;

	if (fd < 0)
		return fail("open", file);
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return fail("read", file);
		}
		total += (uint64_t)r;
	}
	close(fd);
	if (total == 0) {
		fprintf(stderr, "fsload: %s is empty\n", file);
		return 1;
	}
	return 0;
}

static int cmd_randread(const char *file, long count)
{
	int fd = open(file, O_RDONLY);
	struct stat st;
	uint64_t blocks, pos, stride;
	uint32_t seed = 4242;

	if (fd < 0)
		return fail("open", file);
	if (fstat(fd, &st) < 0)
		return fail("stat", file);
	blocks = (uint64_t)st.st_size / PAGE;
	if (blocks == 0 || (uint64_t)count > blocks) {
		fprintf(stderr, "fsload: %s has %" PRIu64 " blocks of 4 KiB, fewer than %ld\n", file, blocks,
			count);
		close(fd);
		return 1;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	/* distinct blocks: a stride coprime with the block count (searched from a large odd start) */
	stride = (blocks / 2 + 7919) | 1;
	for (;;) {
		uint64_t a = blocks, b = stride;

		while (b) {
			uint64_t t = a % b;

			a = b;
			b = t;
		}
		if (a == 1)
			break;
		stride += 2;
	}
	pos = next_rand(&seed) % blocks;
	for (long i = 0; i < count; i++) {
		ssize_t r = pread(fd, buf, PAGE, (off_t)(pos * PAGE));

		if (r < 0 && errno == EINTR) {
			i--;
			continue;
		}
		if (r != PAGE) {
			close(fd);
			return fail("pread", file);
		}
		pos = (pos + stride) % blocks;
	}
	close(fd);
	return 0;
}

static long number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v <= 0) {
		fprintf(stderr, "fsload: not a positive number: %s\n", s);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "tree") == 0)
		return cmd_tree(argv[2], number(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "time") == 0)
		return cmd_time(argv[2], argv + 3);
	if (argc == 4 && strcmp(argv[1], "write") == 0)
		return cmd_write(argv[2], number(argv[3]));
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return cmd_read(argv[2]);
	if (argc == 4 && strcmp(argv[1], "randread") == 0)
		return cmd_randread(argv[2], number(argv[3]));
	fprintf(stderr, "usage: fsload tree DIR FILES | time NAME CMD... | write FILE MIB | read FILE |"
			" randread FILE COUNT\n");
	return 1;
}
