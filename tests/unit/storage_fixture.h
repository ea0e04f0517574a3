/* A storage plugin instance for unit tests: loaded from the build's plugin
 * directory with its options, on a real event loop and I/O threads, in a
 * fresh temporary directory per test. Shared by the tests of the segment
 * storage and of what the core builds on it (committed offsets). */
#ifndef BROOK_TEST_STORAGE_FIXTURE_H
#define BROOK_TEST_STORAGE_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record_batch.h"

#include "standalone.h"

typedef struct env {
    char dir[64];
    brook_standalone s;
    brook_loop *loop;
    const brook_storage_ops *ops;
    void *state;
} env;

/* Start the plugin with `options` (libconfig text inside the block). */
static void start(env *e, const char *options)
{
    char text[1024], err[1024];
    snprintf(text, sizeof text, "dir = \"%s\"; %s", e->dir, options);
    if (brook_standalone_start(&e->s, BROOK_PLUGIN_DIR, "segment", text, e->dir, err, sizeof err))
        fail_msg("%s", err);
    e->loop = e->s.loop;
    e->ops = e->s.ops;
    e->state = e->s.state;
}

static void stop(env *e)
{
    brook_standalone_stop(&e->s);
}

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/brook-seg-XXXXXX");
    if (!mkdtemp(e->dir))
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", e->dir);
    int rc = system(cmd);
    free(e);
    return rc;
}

/* Let the loop run: I/O thread completions (seals, syncs, deletions) land. */
static inline void spin(env *e, int ms)
{
    brook_standalone_spin(&e->s, ms);
}

/* A batch of `n` records with values "v<offset>", timestamps ts0, ts0+1... */
static inline uint8_t *make_batch(int n, int64_t ts0, size_t value_len, size_t *len)
{
    brook_batch_builder *b;
    brook_batch_builder_new(&b);
    uint8_t *value = calloc(1, value_len + 1);
    memset(value, 'x', value_len);
    for (int i = 0; i < n; i++) {
        brook_record r = {.timestamp = ts0 + i, .key_len = -1, .value = value, .value_len = (int32_t)value_len};
        brook_batch_builder_add(b, &r, NULL, 0);
    }
    const uint8_t *data;
    brook_batch_builder_finish(b, &data, len);
    uint8_t *copy = malloc(*len);
    memcpy(copy, data, *len);
    brook_batch_builder_free(b);
    free(value);
    return copy;
}

/* Append a batch of n records at the log end; returns its base offset. */
static inline int64_t append(env *e, void *log, int n, int64_t ts0, size_t value_len)
{
    int64_t start, end;
    e->ops->offsets(log, &start, &end);
    size_t len;
    uint8_t *batch = make_batch(n, ts0, value_len, &len);
    brook_put_be64(batch, (uint64_t)end);
    assert_int_equal(e->ops->append(log, batch, len), BROOK_OK);
    free(batch);
    return end;
}

static inline void release_all(brook_slice *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i].release(s[i].owner);
}

/* append(), and the batch's last offset; *size: its bytes as stored (the
 * read of it alone), for tests that work out what a read must return. */
static inline int64_t append_noted(env *e, void *log, int n, int64_t ts0, size_t value_len, size_t *size)
{
    int64_t start_off, before, after;
    e->ops->offsets(log, &start_off, &before);
    append(e, log, n, ts0, value_len);
    e->ops->offsets(log, &start_off, &after);
    brook_slice s[2];
    size_t k;
    assert_int_equal(e->ops->read(log, before, after, 1, s, 2, &k, size), BROOK_OK);
    release_all(s, k);
    return after - 1;
}

#endif
