/* One storage plugin instance outside a broker, on a loop, metrics and I/O
 * threads of its own: what brook-storage-conformance runs the storage
 * contract on, and what the storage unit tests start. Loaded, option-checked
 * and validated exactly as brookd does; its blocking jobs are drained before
 * its fini, as brookd does. */
#ifndef BROOK_CORE_STANDALONE_H
#define BROOK_CORE_STANDALONE_H

#include <brook/storage.h>

#include "config.h"
#include "loop.h"
#include "metrics.h"
#include "plugin_set.h"
#include "workers.h"

typedef struct brook_standalone {
    brook_loop *loop;
    brook_metrics *metrics;
    brook_workers *workers;
    brook_config cfg;
    brook_host_env env;
    brook_plugin_conf conf;
    brook_plugin_instance inst;
    const brook_storage_ops *ops;
    void *state;
} brook_standalone;

/* Load brook_storage_<name>.so from `plugin_dir` with `options` (libconfig
 * text inside its block) and `data_dir` as broker.data_dir, and run its
 * init. On failure `err` says why and nothing is left open. */
brook_err brook_standalone_start(brook_standalone *s, const char *plugin_dir, const char *name, const char *options,
                                 const char *data_dir, char *err, size_t errlen);

/* Drain its blocking jobs, fini and unload it, and free what start made. */
void brook_standalone_stop(brook_standalone *s);

/* Run the loop for `ms`: timers fire and I/O threads' completions land. */
void brook_standalone_spin(brook_standalone *s, int ms);

#endif
