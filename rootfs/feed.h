/* A byte stream produced on a second thread (reading, hashing, decompressing)
 * and consumed in order on the caller's thread through a small ring of buffers. */
#ifndef SB_FEED_H
#define SB_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define FEED_SLOTS 4
#define FEED_SLOT_SIZE (256u << 10)

struct feed;

/* Runs on the feed's thread: fills buffers (feed_buffer, feed_commit) until
 * the stream ends. Returns 0, or a negative errno with err filled. */
typedef int (*feed_fn)(struct feed *f, void *ctx, struct sb_error *err);

/* Start fn(f, ctx) on a new thread. The ring holds at most FEED_SLOTS
 * buffers, so the producer runs at most that far ahead of the consumer. */
int feed_start(struct feed **out, feed_fn fn, void *ctx, struct sb_error *err);

/* Producer: an empty buffer of FEED_SLOT_SIZE bytes, waiting for one to be
 * free. -ECANCELED when the consumer has stopped the feed: return at once. */
int feed_buffer(struct feed *f, uint8_t **buf);
/* Producer: hand the buffer from feed_buffer on with len bytes (0 is allowed). */
void feed_commit(struct feed *f, size_t len);

/* Consumer: the next bytes (the previous buffer is released). Returns their
 * length, 0 at the end of the stream, or the producer's negative errno with
 * its message in err. *buf stays valid until the next call. */
ssize_t feed_next(struct feed *f, const void **buf, struct sb_error *err);

/* Stop the producer if it is still running, wait for its thread, free f. */
void feed_stop(struct feed *f);

#endif
