/* A storage plugin instance for unit tests: loaded from the build's plugin
 * directory with its options, on a real event loop and I/O threads, in a
 * fresh temporary directory per test. Shared by the tests of the segment
 * storage and of what the core builds on it (committed offsets). */
#ifndef BROOK_TEST_STORAGE_FIXTURE_H
#define BROOK_TEST_STORAGE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

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

#endif
