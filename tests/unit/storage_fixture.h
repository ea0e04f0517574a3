/* A storage plugin instance for unit tests: loaded from the build's plugin
 * directory with its options, on a real event loop and I/O threads, in a
 * fresh temporary directory per test. Shared by the tests of the segment
 * storage and of what the core builds on it (committed offsets). */
#ifndef BROOK_TEST_STORAGE_FIXTURE_H
#define BROOK_TEST_STORAGE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "loader.h"
#include "loop.h"
#include "metrics.h"
#include "plugin_set.h"
#include "workers.h"

typedef struct env {
    char dir[64];
    brook_config cfg;
    brook_loop *loop;
    brook_metrics *metrics;
    brook_workers *workers;
    brook_host_env henv;
    brook_plugin_conf conf;
    brook_plugin_instance inst;
    const brook_storage_ops *ops;
    void *state;
} env;

/* Start the plugin with `options` (libconfig text inside the block). */
static void start(env *e, const char *options)
{
    char text[1024], err[1024];
    snprintf(text, sizeof text, "storage = { plugin = \"segment\"; dir = \"%s\"; %s };", e->dir, options);
    assert_int_equal(brook_config_load(&e->cfg, NULL, text, "t.conf", err, sizeof err), BROOK_OK);
    brook_loop_new(&e->loop);
    brook_metrics_new(&e->metrics);
    brook_workers_new(e->loop, 2, &e->workers);
    e->henv = (brook_host_env){.loop = e->loop, .metrics = e->metrics, .workers = e->workers, .data_dir = e->dir};
    e->conf = (brook_plugin_conf){.name = "segment", .block = config_lookup(&e->cfg.cfg, "storage")};
    if (brook_plugin_instance_load(&e->inst, BROOK_PLUGIN_DIR, BROOK_PLUGIN_STORAGE, &e->conf, &e->cfg, &e->henv, err,
                                   sizeof err))
        fail_msg("%s", err);
    assert_int_equal(e->inst.loaded.desc->init(&e->inst.host, &e->state), BROOK_OK);
    e->ops = brook_storage_of(&e->inst);
}

static void stop(env *e)
{
    brook_workers_free(e->workers);
    e->inst.state = e->state;
    e->inst.started = 1;
    brook_plugin_instance_unload(&e->inst);
    brook_metrics_free(e->metrics);
    brook_loop_free(e->loop);
    brook_config_free(&e->cfg);
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
