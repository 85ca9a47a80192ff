/* config.json's field readers: type, bounds and NUL checks that name the field. */
#include "spec_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A path that did not fit ends in "..." (parent may alias buf: copied first). */
static void cut(char *buf, int n)
{
	if (n >= SPEC_PATH_MAX)
		memcpy(buf + SPEC_PATH_MAX - 4, "...", 4);
}

void spec_json_path(char *buf, const char *parent, const char *key)
{
	char p[SPEC_PATH_MAX];
	snprintf(p, sizeof(p), "%s", parent);
	cut(buf, snprintf(buf, SPEC_PATH_MAX, "%s%s%.64s", p, *p ? "." : "", key));
}

void spec_json_index(char *buf, const char *parent, size_t i)
{
	char p[SPEC_PATH_MAX];
	snprintf(p, sizeof(p), "%s", parent);
	cut(buf, snprintf(buf, SPEC_PATH_MAX, "%s[%zu]", p, i));
}

int spec_json_fail(struct sb_error *err, const char *path, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n < 0)
		what[0] = '\0';
	return error_set(err, 0, "%s: %s", path, what);
}

#define U64_MAX_TEXT "18446744073709551615"

static bool number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* Overwrites each number token 2^64-1 (outside strings) with "-1" and spaces, so
 * that jansson's line and column in errors stay right. */
static void rewrite_u64_max(char *s, size_t len)
{
	const size_t tl = sizeof(U64_MAX_TEXT) - 1;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = false;
		} else if (s[i] == '"') {
			in_string = true;
		} else if ((i == 0 || !number_char(s[i - 1])) && len - i >= tl &&
			   !memcmp(s + i, U64_MAX_TEXT, tl) &&
			   (len - i == tl || !number_char(s[i + tl]))) {
			memcpy(s + i, "-1", 2);
			memset(s + i + 2, ' ', tl - 2);
			i += tl - 1;
		}
	}
}

/* JSON_ALLOW_NUL: a "\u0000" reaches the field's check, whose error names the field. */
json_t *spec_json_load(const char *json, size_t len, json_error_t *jerr)
{
	if (!memmem(json, len, U64_MAX_TEXT, sizeof(U64_MAX_TEXT) - 1))
		return json_loadb(json, len, JSON_ALLOW_NUL, jerr);
	char *copy = malloc(len);
	if (!copy) {
		memset(jerr, 0, sizeof(*jerr));
		snprintf(jerr->text, sizeof(jerr->text), "out of memory");
		return NULL;
	}
	memcpy(copy, json, len);
	rewrite_u64_max(copy, len);
	json_t *root = json_loadb(copy, len, JSON_ALLOW_NUL, jerr);
	free(copy);
	return root;
}

json_t *spec_json_get(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

int spec_json_string(json_t *v, const char *path, char **out, struct sb_error *err)
{
	if (!json_is_string(v))
		return spec_json_fail(err, path, "not a string");
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (strlen(s) != len)
		return spec_json_fail(err, path, "contains a NUL byte");
	if (len > SPEC_MAX_STRING)
		return spec_json_fail(err, path, "longer than %u bytes", SPEC_MAX_STRING);
	if (!out)
		return 0;
	*out = strndup(s, len);
	return *out ? 0 : error_set(err, ENOMEM, "%s", path);
}

int spec_json_string_field(json_t *obj, const char *parent, const char *key, bool required,
			   char **out, struct sb_error *err)
{
	char path[SPEC_PATH_MAX];
	spec_json_path(path, parent, key);
	json_t *v = spec_json_get(obj, key);
	if (!v)
		return required ? spec_json_fail(err, path, "missing") : 0;
	return spec_json_string(v, path, out, err);
}

int spec_json_int(json_t *v, const char *path, int64_t min, int64_t max, int64_t *out,
		  struct sb_error *err)
{
	if (!json_is_integer(v))
		return spec_json_fail(err, path, "not an integer");
	json_int_t x = json_integer_value(v);
	if (x < min || x > max)
		return spec_json_fail(err, path, "%lld out of range [%lld, %lld]", (long long)x,
				      (long long)min, (long long)max);
	*out = x;
	return 0;
}

int spec_json_int_field(json_t *obj, const char *parent, const char *key, int64_t min, int64_t max,
			int64_t *out, bool *present, struct sb_error *err)
{
	char path[SPEC_PATH_MAX];
	spec_json_path(path, parent, key);
	json_t *v = spec_json_get(obj, key);
	if (present)
		*present = v != NULL;
	return v ? spec_json_int(v, path, min, max, out, err) : 0;
}

int spec_json_bool_field(json_t *obj, const char *parent, const char *key, bool *out,
			 struct sb_error *err)
{
	char path[SPEC_PATH_MAX];
	spec_json_path(path, parent, key);
	json_t *v = spec_json_get(obj, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return spec_json_fail(err, path, "not a boolean");
	*out = json_is_true(v);
	return 0;
}

int spec_json_object_field(json_t *obj, const char *parent, const char *key, json_t **out,
			   struct sb_error *err)
{
	char path[SPEC_PATH_MAX];
	spec_json_path(path, parent, key);
	*out = spec_json_get(obj, key);
	if (*out && !json_is_object(*out)) {
		*out = NULL;
		return spec_json_fail(err, path, "not an object");
	}
	return 0;
}

void spec_json_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int spec_json_strv_field(json_t *obj, const char *parent, const char *key, size_t max, char ***out,
			 size_t *n, struct sb_error *err)
{
	char path[SPEC_PATH_MAX], item[SPEC_PATH_MAX];
	spec_json_path(path, parent, key);
	json_t *arr = spec_json_get(obj, key);
	if (arr && !json_is_array(arr))
		return spec_json_fail(err, path, "not an array");
	size_t len = json_array_size(arr);
	if (len > max)
		return spec_json_fail(err, path, "more than %zu entries", max);
	char **v = calloc(len + 1, sizeof(*v));
	if (!v)
		return error_set(err, ENOMEM, "%s", path);
	for (size_t i = 0; i < len; i++) {
		spec_json_index(item, path, i);
		int r = spec_json_string(json_array_get(arr, i), item, &v[i], err);
		if (r < 0) {
			spec_json_strv_free(v);
			return r;
		}
	}
	*out = v;
	if (n)
		*n = len;
	return 0;
}

int spec_json_strmap_check(json_t *obj, const char *parent, const char *key, size_t max,
			   struct sb_error *err)
{
	char path[SPEC_PATH_MAX], item[SPEC_PATH_MAX];
	json_t *map, *v;
	const char *k;
	int r = spec_json_object_field(obj, parent, key, &map, err);
	if (r < 0 || !map)
		return r;
	spec_json_path(path, parent, key);
	if (json_object_size(map) > max)
		return spec_json_fail(err, path, "more than %zu entries", max);
	json_object_foreach(map, k, v)
	{
		spec_json_path(item, path, k);
		if ((r = spec_json_string(v, item, NULL, err)) < 0)
			return r;
	}
	return 0;
}

void spec_json_one_line(struct sb_error *err)
{
	for (char *c = err ? err->msg : NULL; c && *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}
