/* `sandbox pull`'s engine: manifests, config, parallel layers, the index. */
#include "errors.h"
#include "pull.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blob.h"
#include "cleanup.h"
#include "progress.h"
#include "pull_pack.h"

void pull_opts_default(struct pull_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->reg.tls_verify = true;
	platform_default(&o->platform);
	o->jobs = PULL_JOBS_DEFAULT;
}

struct doc {
	char *json;
	size_t len;
	char hex[DIGEST_HEX_LEN + 1];
	char media_type[MANIFEST_MT_MAX];
	enum manifest_kind kind;
};

static void doc_free(struct doc *d)
{
	free(d->json);
	d->json = NULL;
}

/* A manifest document we have the bytes of: check and store it. */
static int doc_accept(struct registry *reg, struct store *s, const char *want_hex,
		      const char *content_type, struct doc *d, struct sb_error *err)
{
	int r = digest_buf(d->json, d->len, d->hex, err);
	if (r < 0)
		return r;
	if (want_hex && strcmp(want_hex, d->hex))
		return registry_fail(
		    err, EBADMSG,
		    "registry %s: manifest sha256:%s has the wrong digest (sha256:%s)", reg->host,
		    want_hex, d->hex);
	if ((r = manifest_kind(content_type, d->json, d->len, &d->kind, d->media_type, err)) < 0)
		return error_prefix(err, "registry %s", reg->host);
	return store_blob_put(s, d->hex, d->json, d->len, err);
}

/* GET a manifest by tag or digest; want_hex (or the Docker-Content-Digest
 * header) must match its bytes. */
static int manifest_get(struct registry *reg, struct http_conn *c, struct store *s,
			const char *object, const char *want_hex, struct doc *d,
			struct sb_error *err)
{
	char path[REF_NAME_MAX + REF_DIGEST_LEN + 32];
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", reg->ref.path, object);
	struct http_membuf body = {0};
	struct http_response *rs = malloc(sizeof(*rs));
	if (!rs)
		return registry_fail(err, ENOMEM, "out of memory");
	struct registry_get g = {.path = path,
				 .accept = MANIFEST_ACCEPT,
				 .max_body = OCI_MAX_MANIFEST_JSON,
				 .timeout_s = REGISTRY_DOC_TIMEOUT,
				 .sink = http_membuf_sink,
				 .ctx = &body};
	int r = registry_request(reg, c, &g, rs, err);
	char what[REF_NAME_MAX + 100];
	snprintf(what, sizeof(what), "manifest %s:%.80s", reg->ref.path, object);
	if (r == -EFBIG)
		r = registry_fail(err, EFBIG, "registry %s: %s is larger than %u bytes", reg->host,
				  what, OCI_MAX_MANIFEST_JSON);
	else if (r == 0 && rs->status != 200)
		r = registry_status_error(reg, rs, what, err);
	char header_hex[DIGEST_HEX_LEN + 1];
	if (r == 0 && !want_hex && rs->docker_digest[0]) {
		if (digest_parse(rs->docker_digest, header_hex, NULL) < 0)
			r = registry_fail(err, EBADMSG,
					  "registry %s: %s: bad Docker-Content-Digest", reg->host,
					  what);
		want_hex = header_hex;
	}
	if (r == 0) {
		d->json = body.data ? body.data : strdup("");
		d->len = body.len;
		body.data = NULL;
		r = d->json ? doc_accept(reg, s, want_hex, rs->content_type, d, err)
			    : registry_fail(err, ENOMEM, "out of memory");
	}
	http_membuf_free(&body);
	free(rs);
	return r;
}

/* From the store when it holds hex. 1 if it did. */
static int doc_stored(struct registry *reg, struct store *s, const char *hex, struct doc *d,
		      struct sb_error *err)
{
	if (store_blob_read(s, hex, OCI_MAX_MANIFEST_JSON, &d->json, &d->len, NULL) < 0)
		return 0;
	memcpy(d->hex, hex, DIGEST_HEX_LEN + 1);
	int r = manifest_kind(NULL, d->json, d->len, &d->kind, d->media_type, err);
	if (r < 0) {
		doc_free(d);
		return error_prefix(err, "registry %s", reg->host);
	}
	return 1;
}

/* HEAD by tag: the digest it names now, or "" when the registry does not say. */
static int manifest_head(struct registry *reg, struct http_conn *c, const char *tag,
			 char hex[DIGEST_HEX_LEN + 1], struct sb_error *err)
{
	char path[REF_NAME_MAX + REF_TAG_MAX + 32];
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", reg->ref.path, tag);
	struct http_response *rs = malloc(sizeof(*rs));
	if (!rs)
		return registry_fail(err, ENOMEM, "out of memory");
	struct registry_get g = {.head = true,
				 .path = path,
				 .accept = MANIFEST_ACCEPT,
				 .max_body = 0,
				 .timeout_s = REGISTRY_DOC_TIMEOUT};
	int r = registry_request(reg, c, &g, rs, err);
	hex[0] = '\0';
	if (r == 0 && rs->status == 404) {
		char what[REF_NAME_MAX + REF_TAG_MAX + 16];
		snprintf(what, sizeof(what), "manifest %s:%s", reg->ref.path, tag);
		r = registry_status_error(reg, rs, what, err);
	} else if (r == 0 && rs->status == 200 && digest_parse(rs->docker_digest, hex, NULL) < 0) {
		hex[0] = '\0';
	}
	free(rs);
	return r;
}

/* The top document: by digest, or by tag (HEAD first, the store if it has it). */
static int top_manifest(struct registry *reg, struct http_conn *c, struct store *s, struct doc *d,
			struct sb_error *err)
{
	const struct registry_ref *ref = &reg->ref;
	char hex[DIGEST_HEX_LEN + 1];
	int r;
	if (ref->digest[0]) {
		memcpy(hex, ref->digest + 7, DIGEST_HEX_LEN + 1);
		if ((r = doc_stored(reg, s, hex, d, err)) != 0)
			return r < 0 ? r : 0;
		return manifest_get(reg, c, s, ref->digest, hex, d, err);
	}
	if ((r = manifest_head(reg, c, ref->tag, hex, err)) < 0)
		return r;
	if (hex[0] && (r = doc_stored(reg, s, hex, d, err)) != 0)
		return r < 0 ? r : 0;
	return manifest_get(reg, c, s, ref->tag, NULL, d, err);
}

/* An index: the platform's manifest. */
static int platform_manifest(struct registry *reg, struct http_conn *c, struct store *s,
			     const struct platform *p, struct doc *top, struct doc *out,
			     struct sb_error *err)
{
	struct manifest_desc m;
	int r = manifest_index_pick(top->json, top->len, p, &m, err);
	if (r < 0)
		return error_prefix(err, "registry %s: %s", reg->host, reg->ref.path);
	if ((r = doc_stored(reg, s, m.digest, out, err)) == 0) {
		char object[80];
		snprintf(object, sizeof(object), "sha256:%s", m.digest);
		r = manifest_get(reg, c, s, object, m.digest, out, err);
	}
	if (r >= 0 && out->len != m.size)
		r = registry_fail(
		    err, EBADMSG,
		    "registry %s: manifest sha256:%.12s is %zu bytes, the index says %llu",
		    reg->host, m.digest, out->len, (unsigned long long)m.size);
	if (r >= 0 && out->kind != MANIFEST_IMAGE)
		r = registry_fail(err, EBADMSG,
				  "registry %s: index entry sha256:%.12s is not an image manifest",
				  reg->host, m.digest);
	return r < 0 ? r : 0;
}

/* --- layers, a few at a time ------------------------------------------- */

struct layers {
	struct registry *reg;
	struct store *s;
	const struct oci_image *img;
	struct progress *pr;
	struct pull_pack *pack; /* or NULL */
	pthread_mutex_t lock;
	size_t next;
	int failed;
	struct sb_error err;
	int running;
};

struct slot_ctx {
	struct progress *pr;
	size_t i;
};

static void on_progress(void *ctx, uint64_t done)
{
	struct slot_ctx *sc = ctx;
	progress_add(sc->pr, sc->i, done);
}

static void *layer_worker(void *arg)
{
	struct layers *L = arg;
	struct http_conn *c = NULL;
	struct sb_error err = {0};
	int r = registry_conn(L->reg, &c, &err);
	for (;;) {
		pthread_mutex_lock(&L->lock);
		size_t i = L->next++;
		bool stop = L->failed || r < 0 || i >= L->img->nlayers;
		pthread_mutex_unlock(&L->lock);
		if (stop)
			break;
		const struct oci_layer *l = &L->img->layers[i];
		struct slot_ctx sc = {L->pr, i};
		progress_set(L->pr, i, PROGRESS_ACTIVE);
		r = blob_fetch(L->reg, c, L->s, l->blob.digest, l->blob.size, on_progress, &sc,
			       &err);
		progress_set(L->pr, i,
			     r == 1   ? PROGRESS_HAD
			     : r == 0 ? PROGRESS_DONE
				      : PROGRESS_FAILED);
		if (L->pack)
			pull_pack_layer(L->pack, i, r >= 0);
		if (r > 0)
			r = 0;
		if (r < 0)
			break;
	}
	pthread_mutex_lock(&L->lock);
	if (r < 0 && !L->failed) {
		L->failed = r;
		L->err = err;
	}
	L->running--;
	pthread_mutex_unlock(&L->lock);
	http_conn_close(c);
	return NULL;
}

/* A packer started beside the downloads (o->pack_cache), or NULL. Its
 * failure to start is no pull's failure: the image is packed later. */
static struct pull_pack *pack_start(struct store *s, const struct doc *man,
				    const struct oci_image *img, const struct pull_opts *o,
				    struct progress *pr)
{
	struct pull_pack *pp = NULL;
	if (!o->pack_cache)
		return NULL;
	snprintf(pr->slot[img->nlayers].label, sizeof(pr->slot[0].label), "%s", "initramfs");
	if (pull_pack_start(&pp, s, man->hex, man->media_type, man->len, img, o->pack_cache, pr,
			    img->nlayers, NULL) < 0) {
		pr->n = img->nlayers; /* no initramfs line */
		return NULL;
	}
	progress_set(pr, img->nlayers, PROGRESS_PACKING);
	return pp;
}

static int fetch_layers(struct registry *reg, struct store *s, const struct doc *man,
			const struct oci_image *img, const struct pull_opts *o,
			struct sb_error *err)
{
	struct progress pr;
	size_t slots = img->nlayers + (o->pack_cache ? 1 : 0);
	if (progress_init(&pr, slots, o->progress && isatty(2)) < 0)
		return registry_fail(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < img->nlayers; i++) {
		snprintf(pr.slot[i].label, sizeof(pr.slot[i].label), "%.12s",
			 img->layers[i].blob.digest);
		pr.slot[i].total = img->layers[i].blob.size;
	}
	struct layers L = {.reg = reg, .s = s, .img = img, .pr = &pr};
	L.pack = pack_start(s, man, img, o, &pr);
	pthread_mutex_init(&L.lock, NULL);
	int jobs = o->jobs > 0 ? o->jobs : PULL_JOBS_DEFAULT;
	if ((size_t)jobs > img->nlayers)
		jobs = (int)img->nlayers;
	pthread_t tid[PULL_JOBS_MAX];
	int started = 0;
	for (; started < jobs; started++) {
		pthread_mutex_lock(&L.lock);
		L.running++;
		pthread_mutex_unlock(&L.lock);
		if (pthread_create(&tid[started], NULL, layer_worker, &L) != 0) {
			pthread_mutex_lock(&L.lock);
			L.running--;
			pthread_mutex_unlock(&L.lock);
			break;
		}
	}
	for (int running = started; running > 0;) {
		progress_draw(&pr);
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
		pthread_mutex_lock(&L.lock);
		running = L.running;
		pthread_mutex_unlock(&L.lock);
	}
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	if (L.pack) {
		/* the packer goes on with what it has (or stops at a missing layer) */
		pull_pack_downloads_over(L.pack);
		while (pull_pack_running(L.pack)) {
			progress_draw(&pr);
			nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
		}
		int pr_r = pull_pack_finish(L.pack, NULL);
		progress_set(&pr, img->nlayers, pr_r == 0 ? PROGRESS_DONE : PROGRESS_FAILED);
		pr.slot[img->nlayers].total = 0;
	}
	progress_draw(&pr);
	progress_free(&pr);
	pthread_mutex_destroy(&L.lock);
	if (started == 0 && img->nlayers)
		return registry_fail(err, EAGAIN, "could not start a download thread");
	if (L.failed) {
		*err = L.err;
		return L.failed;
	}
	return 0;
}

/* --- the config ----------------------------------------------------------- */

static int config_check(struct registry *reg, const char *json, size_t len,
			const struct pull_opts *o, struct oci_image *img, struct store_image *out,
			struct sb_error *err)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	const char *created = json_string_value(json_object_get(root, "created"));
	const char *os = json_string_value(json_object_get(root, "os"));
	const char *arch = json_string_value(json_object_get(root, "architecture"));
	const char *variant = json_string_value(json_object_get(root, "variant"));
	json_t *ids = json_object_get(json_object_get(root, "rootfs"), "diff_ids");
	int r = 0;
	if (!json_is_object(root))
		r = registry_fail(err, EBADMSG, "image config is not a JSON object");
	else if (!json_is_array(ids) || json_array_size(ids) != img->nlayers)
		r = registry_fail(err, EBADMSG, "image config lists %zu diff_ids for %zu layers",
				  json_array_size(ids), img->nlayers);
	if (r == 0 && created)
		snprintf(out->created, sizeof(out->created), "%.39s", created);
	snprintf(out->platform, sizeof(out->platform), "%.31s/%.31s%s%.31s",
		 os ? os : o->platform.os, arch ? arch : o->platform.arch, variant ? "/" : "",
		 variant ? variant : "");
	json_decref(root);
	/* linux/amd64 (what we run): held to the packer's rules right away */
	if (r == 0 && !strcmp(o->platform.os, "linux") && !strcmp(o->platform.arch, "amd64"))
		r = oci_config_parse(json, len, img, err);
	return r < 0 ? error_prefix(err, "registry %s: %s", reg->host, reg->ref.path) : 0;
}

static int pull_locked(struct store *s, struct registry *reg, struct http_conn *c,
		       const struct pull_opts *o, struct store_image *out, struct sb_error *err)
{
	struct doc top = {0}, man = {0};
	struct oci_image img;
	memset(&img, 0, sizeof(img));
	img.src.fd = -1;
	cleanup_free char *config = NULL;
	int r = top_manifest(reg, c, s, &top, err);
	if (r == 0 && top.kind == MANIFEST_INDEX) {
		memcpy(out->index_digest, top.hex, sizeof(out->index_digest));
		r = platform_manifest(reg, c, s, &o->platform, &top, &man, err);
	} else if (r == 0) {
		man = top;
		top.json = NULL;
	}
	if (r == 0 && (r = manifest_image_parse(man.json, man.len, &img, err)) < 0)
		error_prefix(err, "registry %s: %s", reg->host, reg->ref.path);
	uint64_t total = 0;
	for (size_t i = 0; r == 0 && i < img.nlayers; i++)
		total += img.layers[i].blob.size;
	if (r == 0 && total > PULL_MAX_BYTES)
		r = registry_fail(
		    err, EFBIG, "registry %s: %s: layers of %llu bytes, more than %llu", reg->host,
		    reg->ref.path, (unsigned long long)total, (unsigned long long)PULL_MAX_BYTES);
	if (r == 0)
		r = blob_fetch_small(reg, c, s, img.config.digest, img.config.size,
				     OCI_MAX_CONFIG_JSON, &config, err);
	if (r == 0)
		r = config_check(reg, config, img.config.size, o, &img, out, err);
	if (r == 0)
		r = fetch_layers(reg, s, &man, &img, o, err);
	if (r == 0) {
		memcpy(out->digest, man.hex, sizeof(out->digest));
		snprintf(out->media_type, sizeof(out->media_type), "%s", man.media_type);
		out->manifest_size = man.len;
		out->size = man.len + img.config.size;
		for (size_t i = 0; i < img.nlayers; i++)
			out->size += img.layers[i].blob.size;
		out->pulled = (int64_t)time(NULL);
		store_fsync_dir(s);
		r = store_index_put(s, out, err);
	}
	manifest_image_free(&img);
	doc_free(&top);
	doc_free(&man);
	return r;
}

int pull_image(struct store *s, const struct registry_ref *ref, const struct pull_opts *o,
	       struct store_image *out, struct sb_error *err)
{
	memset(out, 0, sizeof(*out));
	if (registry_ref_format(ref, out->name, sizeof(out->name)) < 0)
		return registry_fail(err, ENAMETOOLONG, "image name");
	/* a peer that closes a TLS connection must not kill us with SIGPIPE */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigaction(SIGPIPE, &ign, &old);
	struct http_conn *c = NULL;
	struct registry reg;
	int r = store_lock(s, false, err);
	if (r == 0 && (r = registry_open(&reg, ref, &o->reg, &c, err)) == 0) {
		r = pull_locked(s, &reg, c, o, out, err);
		registry_close(&reg);
	}
	http_conn_close(c);
	store_unlock(s);
	sigaction(SIGPIPE, &old, NULL);
	return r;
}
