/* Producer/consumer ring of FEED_SLOTS buffers between two threads: one mutex,
 * one condition variable, counters of buffers produced and consumed. */
#include "feed.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct feed {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	feed_fn fn;
	void *ctx;
	uint8_t *buf[FEED_SLOTS];
	size_t len[FEED_SLOTS];
	uint64_t produced, consumed; /* buffers committed / released */
	int holding;		     /* the consumer holds buffer consumed % FEED_SLOTS */
	int done, stop, result;
	struct sb_error err; /* the producer's, valid once done */
};

static void *run(void *arg)
{
	struct feed *f = arg;
	struct sb_error err = {0};
	int r = f->fn(f, f->ctx, &err);
	pthread_mutex_lock(&f->mu);
	f->result = r;
	f->err = err;
	f->done = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

int feed_start(struct feed **out, feed_fn fn, void *ctx, struct sb_error *err)
{
	struct feed *f = calloc(1, sizeof(*f));
	if (!f)
		return error_set(err, ENOMEM, "out of memory");
	for (int i = 0; i < FEED_SLOTS; i++)
		if (!(f->buf[i] = malloc(FEED_SLOT_SIZE))) {
			for (int j = 0; j < i; j++)
				free(f->buf[j]);
			free(f);
			return error_set(err, ENOMEM, "out of memory");
		}
	f->fn = fn;
	f->ctx = ctx;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	int e = pthread_create(&f->th, NULL, run, f);
	if (e) {
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		for (int i = 0; i < FEED_SLOTS; i++)
			free(f->buf[i]);
		free(f);
		return error_set(err, e, "start a reader thread");
	}
	*out = f;
	return 0;
}

int feed_buffer(struct feed *f, uint8_t **buf)
{
	pthread_mutex_lock(&f->mu);
	while (!f->stop && f->produced - f->consumed == FEED_SLOTS)
		pthread_cond_wait(&f->cv, &f->mu);
	int stop = f->stop;
	uint64_t slot = f->produced % FEED_SLOTS;
	pthread_mutex_unlock(&f->mu);
	if (stop)
		return -ECANCELED;
	*buf = f->buf[slot];
	return 0;
}

void feed_commit(struct feed *f, size_t len)
{
	pthread_mutex_lock(&f->mu);
	f->len[f->produced % FEED_SLOTS] = len;
	f->produced++;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

ssize_t feed_next(struct feed *f, const void **buf, struct sb_error *err)
{
	pthread_mutex_lock(&f->mu);
	for (;;) {
		if (f->holding) {
			f->holding = 0;
			f->consumed++;
			pthread_cond_broadcast(&f->cv);
		}
		while (f->produced == f->consumed && !f->done)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->produced == f->consumed) /* done and drained: end or error */
			break;
		f->holding = 1;
		uint64_t slot = f->consumed % FEED_SLOTS;
		if (f->len[slot] == 0)
			continue;
		*buf = f->buf[slot];
		ssize_t n = (ssize_t)f->len[slot];
		pthread_mutex_unlock(&f->mu);
		return n;
	}
	int r = f->result;
	if (r < 0 && err)
		*err = f->err;
	pthread_mutex_unlock(&f->mu);
	return r < 0 ? r : 0;
}

void feed_stop(struct feed *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->th, NULL);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	for (int i = 0; i < FEED_SLOTS; i++)
		free(f->buf[i]);
	free(f);
}
