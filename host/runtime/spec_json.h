/* config.json's field readers: each checks one JSON value's type and bounds and
 * names the field's path in its error ("process.args[2]: not a string"). Shared by
 * spec.c, spec_process.c and spec_linux.c; not part of spec.h's API. */
#ifndef SB_RUNTIME_SPEC_JSON_H
#define SB_RUNTIME_SPEC_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "spec.h"

#define SPEC_PATH_MAX 256 /* a field path in a message, cut to fit */

/* json_loadb with JSON_ALLOW_NUL, reading the number 18446744073709551615 (2^64-1,
 * RLIM_INFINITY: what docker and podman write for an rlimit of -1) as -1, since
 * jansson's integers are int64. */
json_t *spec_json_load(const char *json, size_t len, json_error_t *jerr);

/* BUF = "PARENT.KEY" ("KEY" when PARENT is empty); BUF has SPEC_PATH_MAX bytes. */
void spec_json_path(char *buf, const char *parent, const char *key);
/* BUF = "PARENT[I]". */
void spec_json_index(char *buf, const char *parent, size_t i);

/* Sets err to "PATH: <message>"; returns -EINVAL. */
int spec_json_fail(struct sb_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* OBJ's member KEY, or NULL when it is absent or JSON null (Go, and so runc,
 * leaves such a field at its zero value). */
json_t *spec_json_get(json_t *obj, const char *key);

/* A string: no NUL, at most SPEC_MAX_STRING bytes. *out gets a copy (out may be
 * NULL to check only). 0 or a negative errno. */
int spec_json_string(json_t *v, const char *path, char **out, struct sb_error *err);
/* OBJ.KEY as a string; absent: *out stays NULL, or "missing" when required. */
int spec_json_string_field(json_t *obj, const char *parent, const char *key, bool required,
			   char **out, struct sb_error *err);

/* An integer in [min, max]. */
int spec_json_int(json_t *v, const char *path, int64_t min, int64_t max, int64_t *out,
		  struct sb_error *err);
/* OBJ.KEY as an integer in [min, max]; absent: *out untouched, *present false. */
int spec_json_int_field(json_t *obj, const char *parent, const char *key, int64_t min, int64_t max,
			int64_t *out, bool *present, struct sb_error *err);
/* OBJ.KEY as a boolean; absent: *out untouched. */
int spec_json_bool_field(json_t *obj, const char *parent, const char *key, bool *out,
			 struct sb_error *err);
/* OBJ.KEY when it is an object (*out NULL when absent), else "not an object". */
int spec_json_object_field(json_t *obj, const char *parent, const char *key, json_t **out,
			   struct sb_error *err);
/* OBJ.KEY, an array of at most MAX strings, into a NULL-terminated copy (an empty
 * one when absent); n may be NULL. */
int spec_json_strv_field(json_t *obj, const char *parent, const char *key, size_t max, char ***out,
			 size_t *n, struct sb_error *err);
/* OBJ.KEY, an object whose values are all strings (checked, not kept). */
int spec_json_strmap_check(json_t *obj, const char *parent, const char *key, size_t max,
			   struct sb_error *err);

void spec_json_strv_free(char **v);

/* Parse process (path PARENT) into *p, which the caller zeroed; the caller frees *p
 * on error (spec_process.c). */
int spec_process_from_json(json_t *o, const char *parent, struct spec_process *p,
			   struct sb_error *err);
/* Parse linux.* into *s (spec_linux.c). */
int spec_linux_from_json(json_t *linux_obj, struct spec *s, struct sb_error *err);

/* Make err's message one line (field names and jansson's text may carry control bytes). */
void spec_json_one_line(struct sb_error *err);

#endif
