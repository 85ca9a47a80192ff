/* Image arguments: local paths as before, registry names pulled on demand. */
#include "errors.h"
#include "registry.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "helper.h"
#include "manifest.h"
#include "paths.h"

int registry_pull_policy(const char *s, enum pull_policy *p, struct sb_error *err)
{
	if (!strcmp(s, "missing"))
		*p = PULL_MISSING;
	else if (!strcmp(s, "always"))
		*p = PULL_ALWAYS;
	else if (!strcmp(s, "never"))
		*p = PULL_NEVER;
	else
		return error_set(err, 0, "invalid --pull `%s` (missing, always or never)", s);
	return 0;
}

/* Whether the store holds name with every blob it needs (manifest, config,
 * layers): 1 yes (and *out), 0 no. */
static int stored_complete(struct store *s, const char *name, struct store_image *out,
			   struct sb_error *err)
{
	int r = store_index_get(s, name, out, err);
	if (r <= 0)
		return r;
	cleanup_free char *json = NULL;
	size_t len;
	if (store_blob_read(s, out->digest, OCI_MAX_MANIFEST_JSON, &json, &len, NULL) < 0)
		return 0;
	struct oci_image img;
	int have = manifest_image_parse(json, len, &img, NULL) == 0 &&
		   store_has_blob(s, img.config.digest, img.config.size);
	for (size_t i = 0; have && i < img.nlayers; i++)
		have = store_has_blob(s, img.layers[i].blob.digest, img.layers[i].blob.size);
	manifest_image_free(&img);
	return have;
}

static bool path_exists(const char *path)
{
	return access(path, F_OK) == 0 || errno != ENOENT;
}

static int resolve(const char *arg, enum pull_policy policy, bool quiet, bool pack, char **out,
		   struct sb_error *err)
{
	*out = NULL;
	if (registry_ref_is_local(arg, path_exists)) {
		int r = paths_check_image(arg, err);
		if (r == 0 && !(*out = strdup(arg)))
			r = registry_fail(err, ENOMEM, "out of memory");
		return r;
	}
	struct registry_ref ref;
	int r = registry_ref_parse(arg, &ref, err);
	if (r < 0)
		return r;
	char cache[PATH_MAX];
	struct store s;
	if ((r = paths_cache_dir(cache, sizeof(cache), err)) < 0 ||
	    (r = store_open(&s, cache, err)) < 0)
		return r;
	struct store_image img;
	if (registry_ref_format(&ref, img.name, sizeof(img.name)) < 0)
		r = registry_fail(err, ENAMETOOLONG, "image name");
	int have = r == 0 && policy != PULL_ALWAYS ? stored_complete(&s, img.name, &img, err) : 0;
	if (have < 0)
		r = have;
	else if (!have && policy == PULL_NEVER)
		r = error_set(err, 0,
			      "image %s is not in the store and --pull is never (sandbox pull %s)",
			      img.name, arg);
	else if (!have)
		r = helper_pull(img.name, quiet, pack, img.digest, err);
	if (r == 0)
		r = store_image_ref(&s, img.digest, out, err);
	store_close(&s);
	return r;
}

int registry_resolve(const char *arg, enum pull_policy policy, bool quiet, char **out,
		     struct sb_error *err)
{
	return resolve(arg, policy, quiet, false, out, err);
}

int registry_resolve_run(const char *arg, enum pull_policy policy, bool quiet, char **out,
			 struct sb_error *err)
{
	return resolve(arg, policy, quiet, true, out, err);
}

int registry_cache_prune(const char *cache_dir, bool all, uint64_t *files, uint64_t *bytes,
			 struct sb_error *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", cache_dir, STORE_SUBDIR);
	if (access(dir, F_OK) < 0)
		return 0; /* nothing ever pulled */
	struct store s;
	int r = store_open(&s, cache_dir, err);
	if (r < 0)
		return r;
	if (all) {
		struct store_image *v = NULL;
		size_t n = 0;
		r = store_index_list(&s, &v, &n, err);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = store_index_remove(&s, v[i].name, err);
		free(v);
	}
	struct store_gc_stats st;
	if (r == 0 && (r = store_gc(&s, &st, err)) == 0) {
		*files += st.files;
		*bytes += st.bytes;
	}
	store_close(&s);
	return r;
}
