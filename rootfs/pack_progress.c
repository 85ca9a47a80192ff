/* Progress of one pack: a throttled meter the packer feeds, and the terminal
 * display the CLI plugs in (pack_progress_tty). */
#include "pack_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 100
#define SHOW_AFTER_MS 1000

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void report(struct pack_meter *m, int force)
{
	if (!m->fn)
		return;
	uint64_t t = now_ms();
	if (!force && t - m->last < TICK_MS)
		return;
	m->last = t;
	m->p.elapsed_ms = t - m->t0;
	m->fn(&m->p);
}

void pack_meter_start(struct pack_meter *m, pack_progress_fn fn)
{
	*m = (struct pack_meter){.fn = fn};
	m->t0 = m->last = fn ? now_ms() : 0;
}

void pack_meter_phase(struct pack_meter *m, const char *phase, uint64_t total)
{
	m->p.phase = phase;
	m->p.done = 0;
	m->p.total = total;
	report(m, 1); /* every phase is shown as it starts (once the display shows) */
}

void pack_meter_add(void *meter, uint64_t n)
{
	struct pack_meter *m = meter;
	m->p.done += n;
	report(m, 0);
}

void pack_meter_set(struct pack_meter *m, uint64_t done)
{
	m->p.done = done;
	report(m, 0);
}

void pack_meter_end(struct pack_meter *m)
{
	m->p.finished = 1;
	report(m, 1);
}

/* SANDBOX_PROGRESS_AFTER_MS (a number of ms, default 1000): when the line
 * appears. 0 shows it from the first report, so that a test sees it whatever
 * the pack's speed. */
static uint64_t show_after_ms(void)
{
	static long long v = -1;
	if (v < 0) {
		const char *s = getenv("SANDBOX_PROGRESS_AFTER_MS");
		char *end = "";
		long long n = s && *s ? strtoll(s, &end, 10) : -1;
		v = n >= 0 && !*end ? n : SHOW_AFTER_MS;
	}
	return (uint64_t)v;
}

void pack_progress_tty(const struct pack_progress *p)
{
	if (p->elapsed_ms < show_after_ms() || !isatty(STDERR_FILENO))
		return;
	if (p->finished) {
		fputs("\r\033[K", stderr);
		return;
	}
	uint64_t done = p->done < p->total ? p->done : p->total;
	fprintf(stderr, "\r\033[Ksandbox: packing image: %s %llu/%llu MiB (%.1f s)", p->phase,
		(unsigned long long)(done >> 20), (unsigned long long)(p->total >> 20),
		(double)p->elapsed_ms / 1000.0);
	fflush(stderr);
}
