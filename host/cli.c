/* Pure helpers for the command line: sizes, counts, env lists, argv composition. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_size(const char *s, const char *what, uint64_t *out, struct sb_error *err)
{
	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return error_set(err, 0, "invalid %s `%s`: expected a size like 512m or 2g", what,
				 s ? s : "");
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return error_set(err, 0, "invalid %s `%s`", what, s);
	double mul = 1;
	switch (tolower((unsigned char)*end)) {
	case 'k':
		mul = 1024.0;
		end++;
		break;
	case 'm':
		mul = 1024.0 * 1024;
		end++;
		break;
	case 'g':
		mul = 1024.0 * 1024 * 1024;
		end++;
		break;
	case 't':
		mul = 1024.0 * 1024 * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if (tolower((unsigned char)*end) == 'b')
		end++;
	if (*end)
		return error_set(err, 0, "invalid %s `%s`: unknown unit", what, s);
	double bytes = v * mul;
	if (bytes >= 18446744073709551615.0)
		return error_set(err, ERANGE, "invalid %s `%s`", what, s);
	*out = (uint64_t)bytes;
	return 0;
}

int cli_parse_memory(const char *s, uint64_t max, uint64_t *out, struct sb_error *err)
{
	int r = cli_parse_size(s, "--memory", out, err);
	if (r < 0)
		return r;
	if (*out < CLI_MEMORY_MIN)
		return error_set(err, 0, "invalid --memory `%s`: the minimum is 6m", s);
	if (*out > max) {
		bool gib = max % (1ull << 30) == 0;
		return error_set(err, 0,
				 "invalid --memory `%s`: the maximum is %llu%c (the VM also holds "
				 "the guest kernel and the image)",
				 s, (unsigned long long)(gib ? max >> 30 : max >> 20),
				 gib ? 'g' : 'm');
	}
	return 0;
}

int cli_parse_uint(const char *s, const char *what, uint64_t min, uint64_t max, uint64_t *out,
		   struct sb_error *err)
{
	if (!s || !isdigit((unsigned char)*s))
		return error_set(err, 0, "invalid %s `%s`: expected a number", what, s ? s : "");
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end)
		return error_set(err, 0, "invalid %s `%s`: expected a number", what, s);
	if (v < min || v > max)
		return error_set(err, 0, "invalid %s `%s`: must be between %llu and %llu", what, s,
				 (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int cli_parse_cpus(const char *s, uint64_t *millicpus, struct sb_error *err)
{
	char *end;
	errno = 0;
	double v = s && (isdigit((unsigned char)*s) || *s == '.') ? strtod(s, &end) : -1;
	if (v <= 0 || errno || *end || !isfinite(v) || v > 1024)
		return error_set(err, 0, "invalid --cpus `%s`: expected a number like 1 or 1.5",
				 s ? s : "");
	*millicpus = (uint64_t)llround(v * 1000);
	if (*millicpus < 10) /* cpu.max takes no quota under 1 ms per 100 ms period */
		return error_set(err, 0, "invalid --cpus `%s`: the minimum is 0.01", s);
	return 0;
}

int cli_parse_duration(const char *s, const char *what, uint64_t *ms, struct sb_error *err)
{
	static const struct {
		const char *suffix;
		double ms;
	} units[] = {{"", 1e3}, {"s", 1e3}, {"ms", 1}, {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}};
	char *end;
	errno = 0;
	double v = s && (isdigit((unsigned char)*s) || *s == '.') ? strtod(s, &end) : -1;
	if (v < 0 || errno || !isfinite(v))
		return error_set(err, 0, "invalid %s `%s`: expected a duration like 30s, 5m or 1h",
				 what, s ? s : "");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		double total = ceil(v * units[i].ms);
		if (total <= 0 || total > 100 * 86400e3)
			return error_set(err, 0, "invalid %s `%s`: must be > 0 and at most 100d",
					 what, s);
		*ms = (uint64_t)total;
		return 0;
	}
	return error_set(err, 0, "invalid %s `%s`: unknown unit (use ms, s, m, h or d)", what, s);
}

int cli_env_file_parse(const char *text, size_t len, const char *name, struct strv *out,
		       struct sb_error *err)
{
	if (memchr(text, '\0', len))
		return error_set(err, 0, "--env-file `%s`: contains a NUL byte", name);
	unsigned line = 0;
	for (size_t pos = 0; pos < len;) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		while (n && (*start == ' ' || *start == '\t')) {
			start++;
			n--;
		}
		if (n && start[n - 1] == '\r')
			n--;
		if (n == 0 || *start == '#')
			continue;
		if (*start == '=')
			return error_set(err, 0, "--env-file `%s` line %u: no variable name", name,
					 line);
		if (n > 65536)
			return error_set(err, 0, "--env-file `%s` line %u: too long", name, line);
		char *entry = strndup(start, n);
		int r = entry ? strv_push(out, entry) : -ENOMEM;
		free(entry);
		if (r < 0)
			return error_set(err, -r, "--env-file `%s`", name);
	}
	return 0;
}

int strv_push(struct strv *sv, const char *s)
{
	if (sv->n + 2 > sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		sv->v = v;
		sv->cap = cap;
	}
	char *dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	sv->v[sv->n++] = dup;
	sv->v[sv->n] = NULL;
	return 0;
}

int strv_push_all(struct strv *sv, char *const *list)
{
	for (; list && *list; list++) {
		int r = strv_push(sv, *list);
		if (r < 0)
			return r;
	}
	return 0;
}

void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

int cli_env_set(struct strv *env, const char *kv, char *(*lookup)(const char *),
		struct sb_error *err)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	if (klen == 0)
		return error_set(err, 0, "invalid environment variable `%s`", kv);
	char *built = NULL;
	if (!eq) {
		char key[4096];
		if (klen >= sizeof(key))
			return error_set(err, 0, "environment variable name too long");
		memcpy(key, kv, klen);
		key[klen] = '\0';
		const char *val = lookup ? lookup(key) : NULL;
		if (!val)
			return 0;
		if (asprintf(&built, "%s=%s", key, val) < 0)
			return error_set(err, ENOMEM, "environment");
		kv = built;
	}
	int r = 0;
	for (size_t i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], kv, klen) == 0 && env->v[i][klen] == '=') {
			char *dup = strdup(kv);
			if (!dup) {
				r = -ENOMEM;
				goto out;
			}
			free(env->v[i]);
			env->v[i] = dup;
			goto out;
		}
	}
	r = strv_push(env, kv);
out:
	free(built);
	return r < 0 ? error_set(err, -r, "environment") : 0;
}

int cli_compose_argv(struct strv *out, const char *entrypoint_opt, char *const *img_entrypoint,
		     char *const *cmdline_args, char *const *img_cmd, struct sb_error *err)
{
	int r = 0;
	if (entrypoint_opt) {
		if (*entrypoint_opt)
			r = strv_push(out, entrypoint_opt);
	} else {
		r = strv_push_all(out, img_entrypoint);
	}
	if (r == 0) {
		if (cmdline_args && *cmdline_args)
			r = strv_push_all(out, cmdline_args);
		else if (!entrypoint_opt)
			r = strv_push_all(out, img_cmd);
	}
	if (r < 0)
		return error_set(err, -r, "building the command");
	if (out->n == 0)
		return error_set(err, 0,
				 "no command specified: the image has no Entrypoint or Cmd; "
				 "give one after the image name");
	return 0;
}
