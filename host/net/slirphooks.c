/* The libc calls libslirp makes that we decide (resolv.conf, listen backlog, bind), and its glib
 * log. */
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "net/slirphooks.h"

/* libslirp is built with 64-bit file offsets and calls stat64: same layout here. */
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "struct stat is not stat64");

#define RESOLV_PATH "/etc/resolv.conf"
#define BACKLOG 4096 /* the kernel caps it at net.core.somaxconn */

static char resolv[SLIRPHOOKS_RESOLV_MAX + 1];
static size_t resolv_len;
static unsigned resolv_gen; /* a new "inode" for each text: libslirp re-reads it */
static _Thread_local int last_bound = -1;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_last[256];
static _Atomic uint64_t log_count;

void slirphooks_set_resolv(const char *text)
{
	size_t n = strlen(text);
	if (n > SLIRPHOOKS_RESOLV_MAX)
		n = SLIRPHOOKS_RESOLV_MAX;
	memcpy(resolv, text, n);
	resolv[n] = '\0';
	resolv_len = n;
	resolv_gen++;
}

FILE *sb_slirp_fopen(const char *path, const char *mode)
{
	if (strcmp(path, RESOLV_PATH) != 0 || strcmp(mode, "r") != 0) {
		errno = EACCES; /* nothing else: no TFTP files, nothing to exec */
		return NULL;
	}
	if (!resolv_len) {
		errno = ENOENT;
		return NULL;
	}
	return fmemopen(resolv, resolv_len, "r"); /* malloc only, no system call */
}

int sb_slirp_stat(const char *path, struct stat *st)
{
	if (strcmp(path, RESOLV_PATH) != 0) {
		errno = EACCES;
		return -1;
	}
	if (!resolv_len) {
		errno = ENOENT;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0444;
	st->st_dev = 0x5b; /* stands for "sandbox": any constant would do */
	st->st_ino = resolv_gen;
	st->st_mtime = (time_t)resolv_gen;
	st->st_size = (off_t)resolv_len;
	st->st_nlink = 1;
	return 0;
}

int sb_slirp_open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	errno = EACCES;
	return -1;
}

int sb_slirp_listen(int fd, int backlog)
{
	return listen(fd, backlog < BACKLOG ? BACKLOG : backlog);
}

int sb_slirp_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	int r = bind(fd, addr, len);
	if (r == 0)
		last_bound = fd;
	return r;
}

int slirphooks_last_bound(void)
{
	return last_bound;
}

void slirphooks_forget_bound(void)
{
	last_bound = -1;
}

static void on_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)level;
	(void)data;
	atomic_fetch_add(&log_count, 1);
	pthread_mutex_lock(&log_lock);
	snprintf(log_last, sizeof(log_last), "%s: %s", domain ? domain : "glib", msg ? msg : "");
	pthread_mutex_unlock(&log_lock);
}

static void log_install(void)
{
	g_log_set_default_handler(on_log, NULL);
}

void slirphooks_log_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, log_install);
}

uint64_t slirphooks_log_count(void)
{
	return atomic_load(&log_count);
}

void slirphooks_log_last(char *buf, size_t len)
{
	pthread_mutex_lock(&log_lock);
	snprintf(buf, len, "%s", log_last);
	pthread_mutex_unlock(&log_lock);
}
