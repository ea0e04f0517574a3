/* Shared by the codec unit tests: one codec plugin loaded as brookd would
 * (its own host table, a loop and metrics), one connection, and a writer
 * that collects a response's bytes (slices copied in). */
#ifndef BROOK_TEST_CODEC_FIXTURE_H
#define BROOK_TEST_CODEC_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "loop.h"
#include "metrics.h"
#include "plugin_set.h"

typedef struct codec_fixture {
    brook_loop *loop;
    brook_metrics *metrics;
    brook_host_env env;
    brook_plugin_conf conf;
    brook_plugin_instance inst;
    const brook_codec_ops *ops;
    void *conn;
    brook_arena arena;
} codec_fixture;

static inline codec_fixture *codec_fixture_open(const char *name)
{
    codec_fixture *f = calloc(1, sizeof *f);
    char err[1024];
    brook_loop_new(&f->loop);
    brook_metrics_new(&f->metrics);
    f->env = (brook_host_env){.loop = f->loop, .metrics = f->metrics, .data_dir = "/tmp"};
    f->conf.name = name;
    if (brook_plugin_instance_load(&f->inst, BROOK_PLUGIN_DIR, BROOK_PLUGIN_CODEC, &f->conf, NULL, &f->env, err,
                                   sizeof err) ||
        f->inst.loaded.desc->init(&f->inst.host, &f->inst.state)) {
        fprintf(stderr, "codec %s: %s\n", name, err);
        free(f);
        return NULL;
    }
    f->inst.started = 1;
    f->ops = brook_codec_of(&f->inst);
    brook_peer peer = {.address = "test", .listener = "t"};
    f->ops->conn_open(f->inst.state, &peer, &f->conn);
    return f;
}

static inline void codec_fixture_close(codec_fixture *f)
{
    f->ops->conn_close(f->conn);
    brook_plugin_instance_unload(&f->inst);
    brook_arena_free(&f->arena);
    brook_metrics_free(f->metrics);
    brook_loop_free(f->loop);
    free(f);
}

/* cmocka teardown for a state made by codec_fixture_open */
static inline int codec_fixture_teardown(void **state)
{
    codec_fixture_close(*state);
    return 0;
}

static inline void *codec_fixture_alloc(brook_request *req, size_t size)
{
    return brook_arena_alloc(req->core_private, size);
}

/* A zeroed request as the core hands it to decode, allocating from `arena`. */
static inline void codec_fixture_request(brook_request *req, brook_arena *arena)
{
    memset(req, 0, sizeof *req);
    req->alloc = codec_fixture_alloc;
    req->core_private = arena;
}

/* A brook_writer that keeps everything it is given. Free `buf` after. */
typedef struct collect {
    brook_writer w;
    uint8_t *buf;
    size_t len, cap;
} collect;

static inline brook_err collect_write(brook_writer *w, const void *data, size_t len)
{
    collect *c = (collect *)w;
    if (c->len + len > c->cap) {
        c->cap = (c->len + len) * 2;
        c->buf = realloc(c->buf, c->cap);
    }
    memcpy(c->buf + c->len, data, len);
    c->len += len;
    return BROOK_OK;
}

static inline brook_err collect_slice(brook_writer *w, const brook_slice *s)
{
    return collect_write(w, s->data, s->len);
}

static inline size_t collect_position(brook_writer *w)
{
    return ((collect *)w)->len;
}

static inline brook_err collect_patch(brook_writer *w, size_t pos, const void *data, size_t len)
{
    memcpy(((collect *)w)->buf + pos, data, len);
    return BROOK_OK;
}

static inline collect collect_new(void)
{
    collect c = {.w = {.write = collect_write,
                       .write_slice = collect_slice,
                       .position = collect_position,
                       .patch = collect_patch}};
    return c;
}

#endif
