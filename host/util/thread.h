/* Threads with a small, fixed stack: the VMM's threads are shallow loops. */
#ifndef SB_THREAD_H
#define SB_THREAD_H

#include <pthread.h>

/* Below 2 MiB, so a stack can never be backed by a transparent huge page:
 * with the default 8 MiB stack and THP "always", one touch of a thread's
 * stack made the kernel back it with 2 MiB of RAM, half of the VMM's own
 * footprint. 256 KiB is ten times what the deepest path needs, with room
 * for the sanitizers' red zones. */
#define THREAD_STACK_SIZE (256u << 10)

/* pthread_create with that stack size; 0 or a positive errno like pthread_create. */
static inline int thread_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	int e = pthread_attr_init(&a);

	if (e)
		return e;
	e = pthread_attr_setstacksize(&a, THREAD_STACK_SIZE);
	if (!e)
		e = pthread_create(t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return e;
}

#endif
