/* __attribute__((cleanup)) helpers for locals: cleanup_free, cleanup_close, cleanup_fclose. */
#ifndef SB_CLEANUP_H
#define SB_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_free_fn(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_close_fn(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void cleanup_fclose_fn(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define cleanup_free __attribute__((cleanup(cleanup_free_fn)))
#define cleanup_close __attribute__((cleanup(cleanup_close_fn)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclose_fn)))

/* Hand ownership on: returns the value and disarms the cleanup. */
#define steal_ptr(p)                                                                               \
	({                                                                                         \
		__typeof__(p) tmp_ = (p);                                                          \
		(p) = NULL;                                                                        \
		tmp_;                                                                              \
	})
#define steal_fd(fd)                                                                               \
	({                                                                                         \
		int tmp_ = (fd);                                                                   \
		(fd) = -1;                                                                         \
		tmp_;                                                                              \
	})

#endif
