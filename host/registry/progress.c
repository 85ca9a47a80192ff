/* Per-layer progress lines on stderr (a terminal only). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>

int progress_init(struct progress *p, size_t n, bool on)
{
	p->on = on;
	p->n = n;
	p->drawn = 0;
	p->slot = calloc(n ? n : 1, sizeof(*p->slot));
	return p->slot ? 0 : -1;
}

void progress_free(struct progress *p)
{
	free(p->slot);
	p->slot = NULL;
}

void progress_set(struct progress *p, size_t i, enum progress_state st)
{
	__atomic_store_n(&p->slot[i].state, st, __ATOMIC_RELAXED);
}

void progress_add(struct progress *p, size_t i, uint64_t done)
{
	__atomic_store_n(&p->slot[i].done, done, __ATOMIC_RELAXED);
}

static void human(uint64_t b, char *buf, size_t len)
{
	if (b < 1000)
		snprintf(buf, len, "%llu B", (unsigned long long)b);
	else if (b < 1000 * 1000)
		snprintf(buf, len, "%.1f kB", (double)b / 1e3);
	else if (b < 1000ull * 1000 * 1000)
		snprintf(buf, len, "%.1f MB", (double)b / 1e6);
	else
		snprintf(buf, len, "%.2f GB", (double)b / 1e9);
}

void progress_draw(struct progress *p)
{
	if (!p->on || !p->n)
		return;
	static const char *const words[] = {"waiting",	      "downloading", "done",
					    "already exists", "failed",	     "packing"};
	if (p->drawn)
		fprintf(stderr, "\033[%zuA", p->drawn);
	for (size_t i = 0; i < p->n; i++) {
		struct progress_slot *s = &p->slot[i];
		enum progress_state st = __atomic_load_n(&s->state, __ATOMIC_RELAXED);
		char done[32], total[32];
		human(__atomic_load_n(&s->done, __ATOMIC_RELAXED), done, sizeof(done));
		uint64_t all = __atomic_load_n(&s->total, __ATOMIC_RELAXED);
		human(all, total, sizeof(total));
		fprintf(stderr, "\r\033[K%s: %-14s", s->label, words[st]);
		if (st == PROGRESS_ACTIVE)
			fprintf(stderr, " %s / %s", done, total);
		else if (st == PROGRESS_PACKING && all)
			fprintf(stderr, " %3d%%",
				(int)(__atomic_load_n(&s->done, __ATOMIC_RELAXED) * 100 / all));
		else if ((st == PROGRESS_DONE || st == PROGRESS_HAD) && all)
			fprintf(stderr, " %s", total);
		fputc('\n', stderr);
	}
	p->drawn = p->n;
	fflush(stderr);
}
