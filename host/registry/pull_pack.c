/* The packer's thread during a pull, and the gate it waits at per layer. */
#include "errors.h"
#include "pull_pack.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pack.h"

enum { LAYER_PENDING, LAYER_STORED, LAYER_FAILED };

struct pull_pack {
	const struct oci_image *img;
	char dir[PATH_MAX]; /* the temporary layout */
	char ref[PATH_MAX + 8];
	char cache[PATH_MAX];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned char *state; /* per layer */
	bool over, running;
	int result;
	struct sb_error err;
	pthread_t tid;
};

/* The packer reports through a function without context: one pack per process. */
static struct progress *pack_pr;
static size_t pack_slot;

static void on_pack_progress(const struct pack_progress *p)
{
	if (!pack_pr)
		return;
	/* layers read, then initramfs written: show the first as the half of it */
	uint64_t done = !strcmp(p->phase, "reading layers") ? p->done : p->total + p->done;
	__atomic_store_n(&pack_pr->slot[pack_slot].total, 2 * (p->total ? p->total : 1),
			 __ATOMIC_RELAXED);
	progress_add(pack_pr, pack_slot, done);
}

static int layer_wait(void *ctx, const char *hex, struct sb_error *err)
{
	struct pull_pack *pp = ctx;
	int r = 0;
	pthread_mutex_lock(&pp->lock);
	for (;;) {
		bool known = false, stored = false, pending = false;
		for (size_t i = 0; i < pp->img->nlayers; i++) {
			if (strcmp(pp->img->layers[i].blob.digest, hex))
				continue;
			known = true;
			stored |= pp->state[i] == LAYER_STORED;
			pending |= pp->state[i] == LAYER_PENDING;
		}
		if (!known || stored)
			break;
		if (!pending || pp->over) {
			r = registry_fail(err, EIO, "blob sha256:%.12s was not downloaded", hex);
			break;
		}
		pthread_cond_wait(&pp->cond, &pp->lock);
	}
	pthread_mutex_unlock(&pp->lock);
	return r;
}

static void *pack_thread(void *arg)
{
	struct pull_pack *pp = arg;
	struct pack_limits lim;
	pack_limits_default(&lim);
	lim.progress = on_pack_progress;
	lim.layer_wait = layer_wait;
	lim.layer_wait_ctx = pp;
	char *path = NULL;
	struct image_config cfg = {0};
	int r = rootfs_prepare(pp->ref, pp->cache, &lim, &path, &cfg, &pp->err);
	if (r == 0)
		image_config_free(&cfg);
	free(path);
	pthread_mutex_lock(&pp->lock);
	pp->result = r;
	pp->running = false;
	pthread_mutex_unlock(&pp->lock);
	return NULL;
}

/* The temporary layout's paths, for the signal handler too: a pull that
 * ^C or a kill ends leaves no directory behind. */
static char layout_path[4][PATH_MAX + 32]; /* three entries, then the directory */
static const int layout_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
static struct sigaction layout_old[4];

static void layout_unlink(void)
{
	for (int i = 0; i < 3; i++)
		unlink(layout_path[i]);
	rmdir(layout_path[3]);
}

static void on_signal(int sig)
{
	layout_unlink();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void layout_guard(const char *dir)
{
	const char *names[] = {"blobs", "oci-layout", "index.json"};
	for (int i = 0; i < 3; i++)
		snprintf(layout_path[i], sizeof(layout_path[i]), "%s/%s", dir, names[i]);
	snprintf(layout_path[3], sizeof(layout_path[3]), "%s", dir);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(layout_signals[i], &sa, &layout_old[i]);
}

/* DIR/oci-layout, DIR/index.json naming the one manifest, DIR/blobs -> the store's. */
static int make_layout(struct pull_pack *pp, const struct store *s, const char *hex,
		       const char *media_type, uint64_t size, struct sb_error *err)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(pp->dir, sizeof(pp->dir), "%s/sandbox-pull-pack-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(pp->dir)) {
		int r = error_set(err, errno, "mkdtemp `%s`", pp->dir);
		pp->dir[0] = '\0';
		return r;
	}
	layout_guard(pp->dir);
	char p[PATH_MAX + 32], blobs[PATH_MAX + 8];
	snprintf(blobs, sizeof(blobs), "%s/blobs", s->dir);
	snprintf(p, sizeof(p), "%s/blobs", pp->dir);
	if (symlink(blobs, p) < 0)
		return error_set(err, errno, "symlink `%s`", p);
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	char index[512];
	int n = snprintf(index, sizeof(index),
			 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"%s\",\"digest\":"
			 "\"sha256:%s\",\"size\":%llu}]}",
			 media_type, hex, (unsigned long long)size);
	const char *names[] = {"oci-layout", "index.json"};
	const char *bodies[] = {layout, index};
	size_t lens[] = {sizeof(layout) - 1, (size_t)n};
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", pp->dir, names[i]);
		FILE *f = fopen(p, "we");
		if (!f || fwrite(bodies[i], 1, lens[i], f) != lens[i] || fclose(f) != 0)
			return error_set(err, errno ? errno : EIO, "write `%s`", p);
	}
	snprintf(pp->ref, sizeof(pp->ref), "oci:%s", pp->dir);
	return 0;
}

static void remove_layout(struct pull_pack *pp)
{
	if (!pp->dir[0])
		return;
	for (int i = 0; i < 4; i++)
		sigaction(layout_signals[i], &layout_old[i], NULL);
	layout_unlink();
}

static void pack_free(struct pull_pack *pp)
{
	remove_layout(pp);
	pthread_mutex_destroy(&pp->lock);
	pthread_cond_destroy(&pp->cond);
	free(pp->state);
	free(pp);
}

int pull_pack_start(struct pull_pack **out, const struct store *s, const char *hex,
		    const char *media_type, uint64_t manifest_size, const struct oci_image *img,
		    const char *cache_dir, struct progress *pr, size_t slot, struct sb_error *err)
{
	*out = NULL;
	struct pull_pack *pp = calloc(1, sizeof(*pp));
	if (!pp || !(pp->state = calloc(img->nlayers ? img->nlayers : 1, 1))) {
		free(pp);
		return registry_fail(err, ENOMEM, "out of memory");
	}
	pthread_mutex_init(&pp->lock, NULL);
	pthread_cond_init(&pp->cond, NULL);
	pp->img = img;
	snprintf(pp->cache, sizeof(pp->cache), "%s", cache_dir);
	int r = make_layout(pp, s, hex, media_type, manifest_size, err);
	pack_pr = pr;
	pack_slot = slot;
	pp->running = true;
	if (r == 0 && (r = pthread_create(&pp->tid, NULL, pack_thread, pp)) != 0)
		r = error_set(err, r, "pthread_create");
	if (r < 0) {
		pack_pr = NULL;
		pack_free(pp);
		return r;
	}
	*out = pp;
	return 0;
}

void pull_pack_layer(struct pull_pack *pp, size_t i, bool ok)
{
	pthread_mutex_lock(&pp->lock);
	pp->state[i] = ok ? LAYER_STORED : LAYER_FAILED;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
}

void pull_pack_downloads_over(struct pull_pack *pp)
{
	pthread_mutex_lock(&pp->lock);
	pp->over = true;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
}

bool pull_pack_running(struct pull_pack *pp)
{
	pthread_mutex_lock(&pp->lock);
	bool running = pp->running;
	pthread_mutex_unlock(&pp->lock);
	return running;
}

int pull_pack_finish(struct pull_pack *pp, struct sb_error *err)
{
	pull_pack_downloads_over(pp);
	pthread_join(pp->tid, NULL);
	pack_pr = NULL;
	int r = pp->result;
	if (r < 0 && err)
		*err = pp->err;
	pack_free(pp);
	return r;
}
