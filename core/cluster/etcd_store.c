/* The metadata store on etcd 3.4+, through its v3 JSON gateway (only /v3/:
 * /v3beta is gone from 3.5), over the loop's HTTP client. Facts it relies
 * on (checked on Debian's etcd-server 3.4): keys and values are base64;
 * int64 fields are JSON strings; proto3 JSON leaves out false and zero
 * fields (a failed txn has no "succeeded", an empty range no "count", a
 * put event no "type"); a watch is one streaming POST answering one JSON
 * object per line. */
#include "etcd_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "http_client.h"
#include "log.h"

typedef struct op op;

#define MAX_ENDPOINTS 16

typedef struct etcd {
    brook_metastore base;
    brook_loop *loop;
    brook_http *http;
    char endpoints[MAX_ENDPOINTS][256]; /* "http://127.0.0.1:2379", ... */
    int endpoint_count;
    int current; /* where requests go; the next one after a failure */
    op *ops;     /* requests in flight */
    struct brook_mwatch *watches;
} etcd;

/* One request in flight and what its answer becomes. */
struct op {
    op *next;
    etcd *e;
    void (*parse)(op *o, json_t *body, brook_mresult *r);
    brook_mdone done;
    void *arg;
    char path[32];
    char *text; /* the body, kept to send it elsewhere */
    int endpoint;
    int tries;
};

/* The endpoint `failed` did not answer: later requests go to the next one
 * (once per failure, whoever notices first). */
static void endpoint_failed(etcd *e, int failed, const char *why)
{
    if (e->endpoint_count < 2 || failed != e->current)
        return;
    e->current = (e->current + 1) % e->endpoint_count;
    log_warn("cluster: etcd at %s failed (%s); using %s", e->endpoints[failed], why ? why : "no answer",
             e->endpoints[e->current]);
}

struct brook_mwatch {
    struct brook_mwatch *next;
    etcd *e;
    brook_http_req *req;
    int endpoint; /* where it was sent */
    brook_mwatch_events events;
    brook_mwatch_end end;
    void *arg;
    char *line; /* a JSON object not yet ended by a newline */
    size_t line_len;
    int ended;
};

/* ---- encoding ------------------------------------------------------------- */

static char *b64(const void *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* Decoded bytes (NUL-terminated for text use) and their length; NULL when
 * `text` is not base64. */
static uint8_t *unb64(const char *text, size_t *len)
{
    size_t n = strlen(text);
    uint8_t *out = malloc(3 * (n / 4) + 1);
    if (!out)
        return NULL;
    int got = n ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)n) : 0;
    if (got < 0 || n % 4) {
        free(out);
        return NULL;
    }
    size_t pad = n >= 1 && text[n - 1] == '=' ? (n >= 2 && text[n - 2] == '=' ? 2 : 1) : 0;
    *len = (size_t)got - pad;
    out[*len] = '\0';
    return out;
}

/* The first key after every key starting with `prefix`: its last byte + 1. */
static char *prefix_end(const char *prefix, size_t *len)
{
    size_t n = strlen(prefix);
    char *end = malloc(n + 1);
    if (!end)
        return NULL;
    memcpy(end, prefix, n + 1);
    while (n > 0 && (unsigned char)end[n - 1] == 0xff)
        n--;
    if (n == 0) { /* all keys: etcd's "\0" */
        end[0] = '\0';
        *len = 1;
        return end;
    }
    end[n - 1]++;
    *len = n;
    return end;
}

static int set_b64(json_t *obj, const char *name, const void *data, size_t len)
{
    char *text = b64(data, len);
    int rc = text ? json_object_set_new(obj, name, json_string(text)) : -1;
    free(text);
    return rc;
}

static int set_int64(json_t *obj, const char *name, int64_t v)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long)v);
    return json_object_set_new(obj, name, json_string(text));
}

/* An int64 field: a JSON string (or number), absent = 0. */
static int64_t get_int64(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    if (json_is_string(v))
        return strtoll(json_string_value(v), NULL, 10);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* A key range: the key alone, or every key with it as a prefix. */
static int set_range(json_t *obj, const char *key, int prefix)
{
    if (set_b64(obj, "key", key, strlen(key)))
        return -1;
    if (!prefix)
        return 0;
    size_t n;
    char *end = prefix_end(key, &n);
    int rc = end ? set_b64(obj, "range_end", end, n) : -1;
    free(end);
    return rc;
}

/* Decode a "kv" object into `kv`, its strings in `owned` (freed by the
 * caller). -1 when malformed. */
static int parse_kv(json_t *j, brook_mkv *kv, void **owned_key, void **owned_value)
{
    json_t *k = json_object_get(j, "key"), *v = json_object_get(j, "value");
    size_t klen, vlen = 0;
    uint8_t *key = json_is_string(k) ? unb64(json_string_value(k), &klen) : NULL;
    uint8_t *value = json_is_string(v) ? unb64(json_string_value(v), &vlen) : calloc(1, 1);
    if (!key || !value) {
        free(key);
        free(value);
        return -1;
    }
    *kv = (brook_mkv){.key = (const char *)key,
                      .value = value,
                      .value_len = vlen,
                      .create_revision = get_int64(j, "create_revision"),
                      .mod_revision = get_int64(j, "mod_revision"),
                      .version = get_int64(j, "version"),
                      .lease = get_int64(j, "lease")};
    *owned_key = key;
    *owned_value = value;
    return 0;
}

static void free_kvs(brook_mkv *kvs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((void *)kvs[i].key);
        free((void *)kvs[i].value);
    }
    free(kvs);
}

/* ---- requests ------------------------------------------------------------------ */

static void unlink_op(op *o)
{
    for (op **at = &o->e->ops; *at; at = &(*at)->next)
        if (*at == o) {
            *at = o->next;
            return;
        }
}

static brook_err post_op(op *o);

static void answered(void *arg, int status, const char *body, size_t len, const char *error)
{
    op *o = arg;
    unlink_op(o);
    if (status <= 0)
        endpoint_failed(o->e, o->endpoint, error);
    /* never sent (no connection): the next endpoint may take it */
    if (status < 0 && ++o->tries < o->e->endpoint_count && post_op(o) == BROOK_OK)
        return;
    if (!o->done) { /* abandoned */
        free(o->text);
        free(o);
        return;
    }
    brook_mresult r = {.err = BROOK_OK};
    json_t *j = NULL;
    if (status <= 0) {
        r.err = BROOK_ERR_IO;
        r.error = error ? error : "etcd did not answer";
    } else if (!(j = json_loadb(body, len, 0, NULL))) {
        r.err = BROOK_ERR_INVALID;
        r.error = "etcd answered something that is not JSON";
    } else if (status != 200 || json_object_get(j, "error")) {
        r.err = BROOK_ERR_INVALID;
        json_t *msg = json_object_get(j, "error");
        if (!json_is_string(msg))
            msg = json_object_get(j, "message");
        r.error = json_is_string(msg) ? json_string_value(msg) : "etcd refused the request";
    } else {
        json_t *header = json_object_get(j, "header");
        if (!header && json_object_get(j, "result"))
            header = json_object_get(json_object_get(j, "result"), "header");
        r.revision = get_int64(header, "revision");
        o->parse(o, j, &r);
    }
    o->done(o->arg, &r);
    if (r.kvs)
        free_kvs((brook_mkv *)r.kvs, r.count);
    json_decref(j);
    free(o->text);
    free(o);
}

/* Send `o` to the current endpoint and keep it in flight. */
static brook_err post_op(op *o)
{
    etcd *e = o->e;
    char url[512];
    o->endpoint = e->current;
    snprintf(url, sizeof url, "%s%s", e->endpoints[o->endpoint], o->path);
    brook_err err = brook_http_post(e->http, url, o->text, strlen(o->text), 10000, NULL, answered, o, NULL);
    if (err)
        return err;
    o->next = e->ops;
    e->ops = o;
    return BROOK_OK;
}

/* POST `body` (consumed) to `path`. */
static brook_err send_op(etcd *e, const char *path, json_t *body, void (*parse)(op *, json_t *, brook_mresult *),
                         brook_mdone done, void *arg)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    op *o = calloc(1, sizeof *o);
    if (!text || !o) {
        free(text);
        free(o);
        return BROOK_ERR_NOMEM;
    }
    *o = (op){.e = e, .parse = parse, .done = done, .arg = arg, .text = text};
    snprintf(o->path, sizeof o->path, "%s", path);
    brook_err err = post_op(o);
    if (err) {
        free(text);
        free(o);
    }
    return err;
}

/* ---- get ------------------------------------------------------------------------ */

static void parse_range(op *o, json_t *j, brook_mresult *r)
{
    (void)o;
    json_t *kvs = json_object_get(j, "kvs");
    size_t n = json_is_array(kvs) ? json_array_size(kvs) : 0;
    brook_mkv *out = n ? calloc(n, sizeof *out) : NULL;
    if (n && !out) {
        r->err = BROOK_ERR_NOMEM;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        void *k, *v;
        if (parse_kv(json_array_get(kvs, i), &out[i], &k, &v)) {
            free_kvs(out, i);
            r->err = BROOK_ERR_INVALID;
            r->error = "etcd answered a malformed key";
            return;
        }
    }
    r->kvs = out;
    r->count = n;
}

static brook_err etcd_get(brook_metastore *s, const char *key, int prefix, brook_mdone done, void *arg)
{
    json_t *body = json_object();
    if (!body || set_range(body, key, prefix)) {
        json_decref(body);
        return BROOK_ERR_NOMEM;
    }
    return send_op((etcd *)s, "/v3/kv/range", body, parse_range, done, arg);
}

/* ---- txn ------------------------------------------------------------------------ */

static json_t *compare_json(const brook_mcmp *c)
{
    static const char *const targets[] = {"CREATE", "MOD", "VERSION", "VALUE"};
    static const char *const fields[] = {"create_revision", "mod_revision", "version", "value"};
    static const char *const results[] = {"EQUAL", "NOT_EQUAL", "LESS", "GREATER"};
    json_t *j = json_object();
    if (!j || set_b64(j, "key", c->key, strlen(c->key)) ||
        json_object_set_new(j, "target", json_string(targets[c->target])) ||
        json_object_set_new(j, "result", json_string(results[c->result])) ||
        (c->target == BROOK_MCMP_VALUE ? set_b64(j, "value", c->value, c->value_len)
                                       : set_int64(j, fields[c->target], c->number))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static json_t *request_json(const brook_mop *m)
{
    json_t *inner = json_object(), *j = json_object();
    int bad = !inner || !j;
    if (!bad && m->kind == BROOK_MOP_PUT) {
        bad = set_b64(inner, "key", m->key, strlen(m->key)) || set_b64(inner, "value", m->value, m->value_len) ||
              (m->lease && set_int64(inner, "lease", m->lease)) || json_object_set(j, "request_put", inner);
    } else if (!bad) {
        bad = set_range(inner, m->key, m->kind == BROOK_MOP_DELETE_PREFIX) ||
              json_object_set(j, "request_delete_range", inner);
    }
    json_decref(inner);
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static void parse_txn(op *o, json_t *j, brook_mresult *r)
{
    (void)o;
    r->succeeded = json_is_true(json_object_get(j, "succeeded")); /* absent when false */
}

static int add_all(json_t *array, const void *items, size_t n, size_t size, json_t *(*one)(const void *))
{
    for (size_t i = 0; i < n; i++) {
        json_t *x = one((const char *)items + i * size);
        if (!x || json_array_append_new(array, x))
            return -1;
    }
    return 0;
}

static json_t *one_compare(const void *c)
{
    return compare_json(c);
}

static json_t *one_request(const void *m)
{
    return request_json(m);
}

static brook_err etcd_txn(brook_metastore *s, const brook_mcmp *cmp, size_t ncmp, const brook_mop *then, size_t nthen,
                          const brook_mop *otherwise, size_t notherwise, brook_mdone done, void *arg)
{
    json_t *body = json_object(), *c = json_array(), *t = json_array(), *f = json_array();
    int bad = !body || !c || !t || !f || add_all(c, cmp, ncmp, sizeof *cmp, one_compare) ||
              add_all(t, then, nthen, sizeof *then, one_request) ||
              add_all(f, otherwise, notherwise, sizeof *otherwise, one_request) ||
              json_object_set(body, "compare", c) || json_object_set(body, "success", t) ||
              json_object_set(body, "failure", f);
    json_decref(c);
    json_decref(t);
    json_decref(f);
    if (bad) {
        json_decref(body);
        return BROOK_ERR_NOMEM;
    }
    return send_op((etcd *)s, "/v3/kv/txn", body, parse_txn, done, arg);
}

/* ---- leases ---------------------------------------------------------------------- */

static void parse_lease(op *o, json_t *j, brook_mresult *r)
{
    (void)o;
    json_t *result = json_object_get(j, "result"); /* keepalive wraps its answer */
    json_t *x = result ? result : j;
    r->lease = get_int64(x, "ID");
    r->ttl = get_int64(x, "TTL");
}

static brook_err lease_call(brook_metastore *s, const char *path, const char *field, int64_t v, brook_mdone done,
                            void *arg)
{
    json_t *body = json_object();
    if (!body || set_int64(body, field, v)) {
        json_decref(body);
        return BROOK_ERR_NOMEM;
    }
    return send_op((etcd *)s, path, body, parse_lease, done, arg);
}

static brook_err etcd_lease_grant(brook_metastore *s, int64_t ttl_s, brook_mdone done, void *arg)
{
    return lease_call(s, "/v3/lease/grant", "TTL", ttl_s, done, arg);
}

static brook_err etcd_lease_keepalive(brook_metastore *s, int64_t lease, brook_mdone done, void *arg)
{
    return lease_call(s, "/v3/lease/keepalive", "ID", lease, done, arg);
}

static brook_err etcd_lease_revoke(brook_metastore *s, int64_t lease, brook_mdone done, void *arg)
{
    return lease_call(s, "/v3/lease/revoke", "ID", lease, done, arg);
}

/* ---- watches ---------------------------------------------------------------------- */

static void watch_end(brook_mwatch *w, brook_err err, int64_t compact_revision)
{
    if (w->ended)
        return;
    w->ended = 1;
    w->end(w->arg, err, compact_revision);
}

/* One line of the stream: {"result":{"created":..}} or {"result":{"events":[..]}}. */
static void watch_line(brook_mwatch *w, const char *text, size_t len)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    json_t *result = j ? json_object_get(j, "result") : NULL;
    if (!result) {
        if (j && json_object_get(j, "error"))
            watch_end(w, BROOK_ERR_IO, 0);
        json_decref(j);
        return;
    }
    if (json_is_true(json_object_get(result, "canceled"))) {
        watch_end(w, BROOK_ERR_OUT_OF_RANGE, get_int64(result, "compact_revision"));
        json_decref(j);
        return;
    }
    json_t *events = json_object_get(result, "events");
    size_t n = json_is_array(events) ? json_array_size(events) : 0;
    if (n) {
        brook_mevent *ev = calloc(n, sizeof *ev);
        size_t ok = 0;
        for (size_t i = 0; ev && i < n; i++, ok++) {
            json_t *e = json_array_get(events, i);
            void *k, *v;
            if (parse_kv(json_object_get(e, "kv"), &ev[i].kv, &k, &v))
                break;
            json_t *type = json_object_get(e, "type");
            ev[i].deleted = json_is_string(type) && strcmp(json_string_value(type), "DELETE") == 0;
        }
        if (ev && ok == n)
            w->events(w->arg, ev, n, get_int64(json_object_get(result, "header"), "revision"));
        for (size_t i = 0; ev && i < ok; i++) {
            free((void *)ev[i].kv.key);
            free((void *)ev[i].kv.value);
        }
        free(ev);
        if (!ev || ok != n)
            watch_end(w, BROOK_ERR_INVALID, 0);
    }
    json_decref(j);
}

static void watch_data(void *arg, const char *data, size_t len)
{
    brook_mwatch *w = arg;
    char *grown = realloc(w->line, w->line_len + len + 1);
    if (!grown) {
        watch_end(w, BROOK_ERR_NOMEM, 0);
        return;
    }
    w->line = grown;
    memcpy(w->line + w->line_len, data, len);
    w->line_len += len;
    size_t start = 0;
    for (size_t i = 0; i < w->line_len && !w->ended; i++) {
        if (w->line[i] != '\n')
            continue;
        if (i > start)
            watch_line(w, w->line + start, i - start);
        start = i + 1;
    }
    memmove(w->line, w->line + start, w->line_len - start);
    w->line_len -= start;
}

static void unlink_watch(brook_mwatch *w)
{
    for (brook_mwatch **at = &w->e->watches; *at; at = &(*at)->next)
        if (*at == w) {
            *at = w->next;
            return;
        }
}

static void watch_done(void *arg, int status, const char *body, size_t len, const char *error)
{
    (void)body;
    (void)len;
    brook_mwatch *w = arg;
    w->req = NULL;
    if (status <= 0)
        endpoint_failed(w->e, w->endpoint, error);
    if (w->line_len && !w->ended)
        watch_line(w, w->line, w->line_len);
    watch_end(w, status == 200 ? BROOK_ERR_SHUTDOWN : BROOK_ERR_IO, 0); /* the stream ended */
}

static brook_err etcd_watch(brook_metastore *s, const char *prefix, int64_t from_revision, brook_mwatch_events events,
                            brook_mwatch_end end, void *arg, brook_mwatch **out)
{
    etcd *e = (etcd *)s;
    json_t *body = json_object(), *create = json_object();
    int bad = !body || !create || set_range(create, prefix, 1) ||
              (from_revision > 0 && set_int64(create, "start_revision", from_revision)) ||
              json_object_set(body, "create_request", create);
    json_decref(create);
    char *text = bad ? NULL : json_dumps(body, JSON_COMPACT);
    json_decref(body);
    brook_mwatch *w = calloc(1, sizeof *w);
    if (!text || !w) {
        free(text);
        free(w);
        return BROOK_ERR_NOMEM;
    }
    *w = (brook_mwatch){.e = e, .events = events, .end = end, .arg = arg};
    char url[512];
    w->endpoint = e->current;
    snprintf(url, sizeof url, "%s/v3/watch", e->endpoints[w->endpoint]);
    brook_err err = brook_http_post(e->http, url, text, strlen(text), 0, watch_data, watch_done, w, &w->req);
    free(text);
    if (err) {
        free(w);
        return err;
    }
    w->next = e->watches;
    e->watches = w;
    *out = w;
    return BROOK_OK;
}

static void etcd_unwatch(brook_metastore *s, brook_mwatch *w)
{
    etcd *e = (etcd *)s;
    if (w->req)
        brook_http_cancel(e->http, w->req);
    unlink_watch(w);
    free(w->line);
    free(w);
}

static void etcd_abandon(brook_metastore *s)
{
    etcd *e = (etcd *)s;
    for (op *o = e->ops; o; o = o->next)
        o->done = NULL;
}

static void etcd_free(brook_metastore *s)
{
    etcd *e = (etcd *)s;
    brook_http_free(e->http); /* no callbacks from here on */
    while (e->ops) {
        op *o = e->ops;
        e->ops = o->next;
        free(o->text);
        free(o);
    }
    while (e->watches) {
        brook_mwatch *w = e->watches;
        e->watches = w->next;
        free(w->line);
        free(w);
    }
    free(e);
}

static const brook_metastore_ops etcd_ops = {
    .get = etcd_get,
    .txn = etcd_txn,
    .lease_grant = etcd_lease_grant,
    .lease_keepalive = etcd_lease_keepalive,
    .lease_revoke = etcd_lease_revoke,
    .watch = etcd_watch,
    .unwatch = etcd_unwatch,
    .abandon = etcd_abandon,
    .free = etcd_free,
};

brook_err brook_etcd_store_new(brook_loop *loop, const char *endpoints, const brook_http_tls *tls,
                               brook_metastore **out)
{
    etcd *e = calloc(1, sizeof *e);
    if (!e)
        return BROOK_ERR_NOMEM;
    for (const char *p = endpoints; *p && e->endpoint_count < MAX_ENDPOINTS;) {
        size_t n = strcspn(p, ",");
        char *to = e->endpoints[e->endpoint_count];
        if (n == 0 || n >= sizeof e->endpoints[0]) {
            free(e);
            return BROOK_ERR_INVALID;
        }
        memcpy(to, p, n);
        to[n] = '\0';
        if (to[n - 1] == '/')
            to[n - 1] = '\0';
        e->endpoint_count++;
        p += n + (p[n] == ',');
    }
    if (!e->endpoint_count) {
        free(e);
        return BROOK_ERR_INVALID;
    }
    brook_err err = brook_http_new(loop, tls, &e->http);
    if (err) {
        free(e);
        return err;
    }
    e->base.ops = &etcd_ops;
    e->loop = loop;
    *out = &e->base;
    return BROOK_OK;
}
