/* libFuzzer target: hostile config.json bytes (host/runtime/spec*.c), as a whole
 * spec and as a bare process object (exec --process).
 * Invariants: an accepted spec keeps spec.h's promises (args non-empty with a
 * non-empty args[0], env NAME=VALUE, absolute cwd and mount destinations, bounds,
 * lists never NULL, absent limits -1); a refused one has a one-line message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/spec.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_process(const struct spec_process *p)
{
	size_t n = 0;
	check(p->args && p->args[0] && p->args[0][0]);
	while (p->args[n])
		n++;
	check(n <= SPEC_MAX_ARGS);
	for (n = 0; p->env && p->env[n]; n++) {
		const char *eq = strchr(p->env[n], '=');
		check(eq && eq != p->env[n]);
	}
	check(p->env && n <= SPEC_MAX_ENV);
	check(p->cwd && p->cwd[0] == '/');
	check(p->n_gids <= SPEC_MAX_GIDS && p->n_rlimits <= SPEC_MAX_RLIMITS);
	check(p->oom_score_adj >= -1000 && p->oom_score_adj <= 1000);
	for (size_t i = 0; i < p->n_rlimits; i++)
		check(strncmp(p->rlimits[i].type, "RLIMIT_", 7) == 0);
}

static void check_refused(const struct sb_error *err)
{
	check(err->msg[0] != '\0' && err->code > 0);
	for (const char *c = err->msg; *c; c++)
		check((unsigned char)*c >= 0x20);
}

static void check_spec(const struct spec *s)
{
	check(s->oci_version && s->oci_version[0] && s->root_path && s->root_path[0]);
	check_process(&s->process);
	check(s->n_mounts <= SPEC_MAX_MOUNTS && s->n_annotations <= SPEC_MAX_ANNOTATIONS);
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		check(m->destination[0] == '/' && m->options && m->n_options <= SPEC_MAX_OPTIONS);
		check(m->options[m->n_options] == NULL);
	}
	for (size_t i = 0; i < s->n_annotations; i++)
		check(spec_annotation(s, s->annotations[i].key) != NULL);
	check(s->masked_paths && s->readonly_paths);
	for (int i = 0; i < SPEC_NS_COUNT; i++)
		check(!s->ns[i].path || (s->ns[i].present && s->ns[i].path[0]));
	const struct spec_resources *r = &s->resources;
	check(r->memory_limit >= -1 && r->memory_swap >= -1 && r->cpu_quota >= -1);
	check(r->pids_limit == -1 || r->pids_limit > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sb_error err = {0};
	struct spec s;
	if (spec_parse((const char *)data, size, &s, &err) == 0) {
		check_spec(&s);
		spec_free(&s);
	} else {
		check_refused(&err);
	}
	struct spec_process p;
	memset(&err, 0, sizeof(err));
	if (spec_parse_process((const char *)data, size, &p, &err) == 0) {
		check_process(&p);
		spec_process_free(&p);
	} else {
		check_refused(&err);
	}
	return 0;
}
