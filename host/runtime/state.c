/* A container's state directory ROOT/ID: state.json (what create learnt), the
 * `started` mark, the VMM's control socket and the packed rootfs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atomicfile.h"
#include "runtime.h"

int rt_id_check(const char *id, struct sb_error *err)
{
	size_t n = strlen(id);
	if (n == 0 || n > RT_ID_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return error_set(err, 0, "invalid container id: `%.64s`", id);
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '.'))
			return error_set(err, 0, "invalid container id: `%.64s`", id);
	}
	return 0;
}

const char *rt_root(void)
{
	static char path[PATH_MAX];
	if (rt_g.root)
		return rt_g.root;
	if (geteuid() == 0)
		return "/run/" RT_NAME;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && xdg[0] == '/' &&
	    (size_t)snprintf(path, sizeof(path), "%s/" RT_NAME, xdg) < sizeof(path))
		return path;
	snprintf(path, sizeof(path), "/tmp/" RT_NAME "-%u", (unsigned)geteuid());
	return path;
}

int rt_state_dir(const char *id, char *dir, size_t size, struct sb_error *err)
{
	if ((size_t)snprintf(dir, size, "%s/%s", rt_root(), id) >= size)
		return error_set(err, ENAMETOOLONG, "state directory for `%.64s`: path too long", id);
	return 0;
}

uint64_t rt_proc_start(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* comm may hold spaces and ')': fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return 0; /* exited, waiting for its parent: stopped for us */
	p += 2;
	for (int field = 3; field < 22; field++) { /* p is at field 3 (state) */
		p = strchr(p, ' ');
		if (!p)
			return 0;
		p++;
	}
	return strtoull(p, NULL, 10);
}

bool rt_state_alive(const struct rt_state *s)
{
	return s->pid > 0 && s->start_ticks && rt_proc_start(s->pid) == s->start_ticks;
}

enum rt_status rt_state_status(const struct rt_state *s)
{
	if (!rt_state_alive(s))
		return RT_STOPPED;
	char mark[4200];
	snprintf(mark, sizeof(mark), "%s/" RT_STARTED_MARK, s->dir);
	return access(mark, F_OK) == 0 ? RT_RUNNING : RT_CREATED;
}

const char *rt_status_name(enum rt_status st)
{
	switch (st) {
	case RT_CREATING:
		return "creating";
	case RT_CREATED:
		return "created";
	case RT_RUNNING:
		return "running";
	default:
		return "stopped";
	}
}

/* runc's words, which engines look for. */
static int not_found(struct sb_error *err)
{
	error_set(err, 0, "container does not exist");
	err->code = ENOENT;
	return -ENOENT;
}

int rt_state_load(const char *id, struct rt_state *s, struct sb_error *err)
{
	memset(s, 0, sizeof(*s));
	int r = rt_id_check(id, err);
	if (r < 0)
		return r;
	if ((r = rt_state_dir(id, s->dir, sizeof(s->dir), err)) < 0)
		return r;
	snprintf(s->id, sizeof(s->id), "%s", id);
	char path[4200];
	snprintf(path, sizeof(path), "%s/" RT_STATE_FILE, s->dir);
	json_error_t jerr;
	json_t *o = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!o) {
		if (access(path, F_OK) < 0 && errno == ENOENT) /* none, or its create is not done */
			return not_found(err);
		return error_set(err, EIO, "%s: %s", path, jerr.text);
	}
	const char *bundle = json_string_value(json_object_get(o, "bundle"));
	const char *root = json_string_value(json_object_get(o, "root"));
	json_int_t pid = json_integer_value(json_object_get(o, "pid"));
	json_int_t ticks = json_integer_value(json_object_get(o, "start_ticks"));
	json_int_t created = json_integer_value(json_object_get(o, "created_ns"));
	json_t *ann = json_object_get(o, "annotations");
	if (!bundle || pid <= 0 || pid > INT_MAX || ticks <= 0) {
		json_decref(o);
		return error_set(err, EIO, "%s: damaged", path);
	}
	snprintf(s->bundle, sizeof(s->bundle), "%s", bundle);
	snprintf(s->root, sizeof(s->root), "%s", root ? root : "");
	s->pid = (pid_t)pid;
	s->start_ticks = (uint64_t)ticks;
	s->created_ns = created;
	if (json_is_object(ann))
		s->annotations = json_dumps(ann, JSON_COMPACT);
	json_decref(o);
	return 0;
}

int rt_state_save(const struct rt_state *s, struct sb_error *err)
{
	json_t *ann = s->annotations ? json_loads(s->annotations, 0, NULL) : NULL;
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "id", s->id, "bundle",
			      s->bundle, "root", s->root, "pid", (json_int_t)s->pid, "start_ticks",
			      (json_int_t)s->start_ticks, "created_ns", (json_int_t)s->created_ns,
			      "annotations", ann ? ann : json_object());
	char tmp[4200], path[4200];
	snprintf(tmp, sizeof(tmp), "%s/." RT_STATE_FILE ".tmp", s->dir);
	snprintf(path, sizeof(path), "%s/" RT_STATE_FILE, s->dir);
	int fd = o ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
	if (fd < 0) {
		int e = o ? errno : ENOMEM;
		json_decref(o);
		return error_set(err, e, "write %s", path);
	}
	int r = json_dumpfd(o, fd, JSON_COMPACT) < 0 ? error_set(err, EIO, "write %s", tmp) : 0;
	json_decref(o);
	return atomicfile_commit(r, fd, tmp, path, err);
}

void rt_state_free(struct rt_state *s)
{
	free(s->annotations);
	s->annotations = NULL;
}

/* Everything under dfd (closed here); no symlink is followed. */
static int remove_tree(int dfd)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			r = -errno;
			continue;
		}
		int c = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (c >= 0 && remove_tree(c) == 0 && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == 0)
			continue;
		r = -EIO;
	}
	closedir(d);
	return r;
}

int rt_state_remove(const char *dir, struct sb_error *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : error_set(err, errno, "open %s", dir);
	int r = remove_tree(dfd);
	if (r == 0 && rmdir(dir) < 0 && errno != ENOENT)
		r = -errno;
	return r < 0 ? error_set(err, -r, "remove %s", dir) : 0;
}

int rt_write_pid_file(const char *path, pid_t pid, struct sb_error *err)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 0;
	if (snprintf(tmp, sizeof(tmp), "%.*s%s.%s.tmp", dirlen, path, slash ? "/" : "",
		     slash ? slash + 1 : path) >= (int)sizeof(tmp))
		return error_set(err, ENAMETOOLONG, "pid file %s", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return error_set(err, errno, "pid file %s", tmp);
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%d", (int)pid);
	int r = write(fd, digits, (size_t)n) == n ? 0 : error_set(err, EIO, "pid file %s", tmp);
	return atomicfile_commit(r, fd, tmp, path, err);
}
