/* The blob store's index.json: names -> manifests, the packer's per-digest
 * entries, and collecting blobs no name reaches. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "cleanup.h"
#include "manifest.h"
#include "oci.h"
#include "store.h"

#define INDEX_MAX OCI_MAX_INDEX_JSON
#define REF_NAME_KEY OCI_REF_NAME

static bool is_digest_name(const char *name)
{
	char hex[DIGEST_HEX_LEN + 1], buf[80];
	if (!name || strncmp(name, "sha256-", 7) || strlen(name) != 7 + DIGEST_HEX_LEN)
		return false;
	snprintf(buf, sizeof(buf), "sha256:%s", name + 7);
	return digest_parse(buf, hex, NULL) == 0;
}

static int index_lock(const struct store *s, struct sb_error *err)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/index.lock", s->dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return error_set(err, errno, "open `%s`", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return error_set(err, errno, "lock `%s`", path);
		}
	return fd;
}

static int index_load(const struct store *s, json_t **out, struct sb_error *err)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/index.json", s->dir);
	json_error_t jerr;
	struct stat st;
	json_t *root;
	if (stat(path, &st) < 0 && errno == ENOENT) {
		root = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType", MT_OCI_INDEX,
				 "manifests");
	} else if (st.st_size > INDEX_MAX) {
		return registry_fail(err, EFBIG, "`%s` is larger than %u bytes", path, INDEX_MAX);
	} else {
		root = json_load_file(path, 0, &jerr);
		if (!root)
			return registry_fail(err, EBADMSG, "`%s` is damaged: %s", path, jerr.text);
	}
	if (!root || !json_is_array(json_object_get(root, "manifests"))) {
		json_decref(root);
		return registry_fail(err, EBADMSG, "`%s` has no manifests array", path);
	}
	*out = root;
	return 0;
}

static const char *annotation(json_t *e, const char *key)
{
	return json_string_value(json_object_get(json_object_get(e, "annotations"), key));
}

/* Rebuild the packer's "sha256-HEX" entries: one per manifest some name uses. */
static void digest_entries(json_t *arr)
{
	size_t i = json_array_size(arr);
	while (i-- > 0)
		if (is_digest_name(annotation(json_array_get(arr, i), REF_NAME_KEY)))
			json_array_remove(arr, i);
	size_t n = json_array_size(arr);
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		const char *d = json_string_value(json_object_get(e, "digest"));
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = d && json_equal(json_object_get(json_array_get(arr, j), "digest"),
					       json_object_get(e, "digest"));
		if (seen || !d || strlen(d) != 7 + DIGEST_HEX_LEN)
			continue;
		char name[80];
		snprintf(name, sizeof(name), "sha256-%s", d + 7);
		json_t *copy = json_deep_copy(e);
		json_object_set_new(copy, "annotations", json_pack("{s:s}", REF_NAME_KEY, name));
		json_array_append_new(arr, copy);
	}
}

static int index_save(const struct store *s, json_t *root, struct sb_error *err)
{
	digest_entries(json_object_get(root, "manifests"));
	cleanup_free char *text = json_dumps(root, JSON_INDENT(1));
	if (!text)
		return registry_fail(err, ENOMEM, "out of memory");
	int r = store_write_file(s, "index.json", text, strlen(text), err);
	if (r == 0)
		store_fsync_dir(s);
	return r;
}

static int find_name(json_t *arr, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		const char *n = annotation(e, REF_NAME_KEY);
		if (n && !is_digest_name(n) && !strcmp(n, name))
			return (int)i;
	}
	return -1;
}

static json_t *platform_json(const char *p)
{
	char os[32] = "", arch[32] = "", variant[32] = "";
	if (sscanf(p, "%31[^/]/%31[^/]/%31s", os, arch, variant) < 2)
		return NULL;
	json_t *j = json_pack("{s:s,s:s}", "os", os, "architecture", arch);
	if (variant[0])
		json_object_set_new(j, "variant", json_string(variant));
	return j;
}

static json_t *entry_new(const struct store_image *img)
{
	char digest[80], size[32], pulled[32], index[80];
	snprintf(digest, sizeof(digest), "sha256:%s", img->digest);
	snprintf(size, sizeof(size), "%" PRIu64, img->size);
	snprintf(pulled, sizeof(pulled), "%" PRId64, img->pulled);
	snprintf(index, sizeof(index), "sha256:%s", img->index_digest);
	json_t *ann = json_pack("{s:s,s:s,s:s}", REF_NAME_KEY, img->name, "sandbox.size", size,
				"sandbox.pulled", pulled);
	if (img->created[0])
		json_object_set_new(ann, "org.opencontainers.image.created",
				    json_string(img->created));
	if (img->index_digest[0])
		json_object_set_new(ann, "sandbox.index", json_string(index));
	json_t *e = json_pack("{s:s,s:s,s:I,s:o}", "mediaType", img->media_type, "digest", digest,
			      "size", (json_int_t)img->manifest_size, "annotations", ann);
	json_t *plat = platform_json(img->platform);
	if (e && plat)
		json_object_set_new(e, "platform", plat);
	return e;
}

static void entry_read(json_t *e, struct store_image *out)
{
	memset(out, 0, sizeof(*out));
	const char *s;
	snprintf(out->name, sizeof(out->name), "%s", annotation(e, REF_NAME_KEY));
	if ((s = json_string_value(json_object_get(e, "digest"))) && strlen(s) == 71)
		snprintf(out->digest, sizeof(out->digest), "%s", s + 7);
	if ((s = json_string_value(json_object_get(e, "mediaType"))))
		snprintf(out->media_type, sizeof(out->media_type), "%s", s);
	json_int_t ms = json_integer_value(json_object_get(e, "size"));
	out->manifest_size = ms > 0 ? (uint64_t)ms : 0;
	if ((s = annotation(e, "sandbox.index")) && strlen(s) == 71)
		snprintf(out->index_digest, sizeof(out->index_digest), "%s", s + 7);
	if ((s = annotation(e, "org.opencontainers.image.created")))
		snprintf(out->created, sizeof(out->created), "%s", s);
	if ((s = annotation(e, "sandbox.size")))
		out->size = strtoull(s, NULL, 10);
	if ((s = annotation(e, "sandbox.pulled")))
		out->pulled = strtoll(s, NULL, 10);
	json_t *p = json_object_get(e, "platform");
	const char *os = json_string_value(json_object_get(p, "os"));
	const char *arch = json_string_value(json_object_get(p, "architecture"));
	const char *v = json_string_value(json_object_get(p, "variant"));
	if (os && arch)
		snprintf(out->platform, sizeof(out->platform), "%.31s/%.31s%s%.31s", os, arch,
			 v ? "/" : "", v ? v : "");
}

/* Run fn on the index under its lock; save it when fn returns 1. */
static int with_index(struct store *s, int (*fn)(json_t *arr, void *ctx, struct sb_error *err),
		      void *ctx, struct sb_error *err)
{
	int lock = index_lock(s, err);
	if (lock < 0)
		return lock;
	json_t *root = NULL;
	int r = index_load(s, &root, err);
	if (r == 0)
		r = fn(json_object_get(root, "manifests"), ctx, err);
	if (r == 1)
		r = index_save(s, root, err);
	json_decref(root);
	close(lock);
	return r;
}

struct get_ctx {
	const char *name;
	struct store_image *out;
};

static int get_fn(json_t *arr, void *ctx, struct sb_error *err)
{
	(void)err;
	struct get_ctx *g = ctx;
	int i = find_name(arr, g->name);
	if (i < 0)
		return 2; /* not found */
	entry_read(json_array_get(arr, (size_t)i), g->out);
	return 3;
}

int store_index_get(struct store *s, const char *name, struct store_image *out,
		    struct sb_error *err)
{
	struct get_ctx g = {name, out};
	int r = with_index(s, get_fn, &g, err);
	return r < 0 ? r : r == 3;
}

static int put_fn(json_t *arr, void *ctx, struct sb_error *err)
{
	const struct store_image *img = ctx;
	json_t *e = entry_new(img);
	if (!e)
		return registry_fail(err, ENOMEM, "index entry");
	int i = find_name(arr, img->name);
	if (i >= 0)
		json_array_set_new(arr, (size_t)i, e);
	else
		json_array_append_new(arr, e);
	return 1;
}

int store_index_put(struct store *s, const struct store_image *img, struct sb_error *err)
{
	int r = with_index(s, put_fn, (void *)img, err);
	return r < 0 ? r : 0;
}

static int remove_fn(json_t *arr, void *ctx, struct sb_error *err)
{
	(void)err;
	int i = find_name(arr, ctx);
	if (i < 0)
		return -ENOENT;
	json_array_remove(arr, (size_t)i);
	return 1;
}

int store_index_remove(struct store *s, const char *name, struct sb_error *err)
{
	int r = with_index(s, remove_fn, (void *)name, err);
	return r < 0 ? r : 0;
}

struct list_ctx {
	struct store_image *v;
	size_t n;
};

static int list_fn(json_t *arr, void *ctx, struct sb_error *err)
{
	struct list_ctx *l = ctx;
	size_t i;
	json_t *e;
	l->v = calloc(json_array_size(arr) + 1, sizeof(*l->v));
	if (!l->v)
		return registry_fail(err, ENOMEM, "out of memory");
	json_array_foreach(arr, i, e)
	{
		const char *n = annotation(e, REF_NAME_KEY);
		if (n && !is_digest_name(n))
			entry_read(e, &l->v[l->n++]);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct store_image *)a)->name, ((const struct store_image *)b)->name);
}

int store_index_list(struct store *s, struct store_image **out, size_t *n, struct sb_error *err)
{
	struct list_ctx l = {0};
	int r = with_index(s, list_fn, &l, err);
	if (r < 0) {
		free(l.v);
		return r;
	}
	qsort(l.v, l.n, sizeof(*l.v), by_name);
	*out = l.v;
	*n = l.n;
	return 0;
}
