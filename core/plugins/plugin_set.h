/* The plugins a deployment runs: opened by the loader from the names in the
 * configuration, options checked against each plugin's declared table,
 * started (init) in a fixed order and stopped in reverse. Each instance gets
 * its own host services table (host.c). */
#ifndef BROOK_CORE_PLUGIN_SET_H
#define BROOK_CORE_PLUGIN_SET_H

#include <stdio.h>

#include <brook/auth.h>
#include <brook/codec.h>
#include <brook/plugin.h>
#include <brook/replication.h>
#include <brook/storage.h>

#include "config.h"
#include "loader.h"
#include "loop.h"
#include "metrics.h"

/* What the host table needs from the running broker. */
typedef struct brook_host_env {
    brook_loop *loop;
    brook_metrics *metrics;
    struct brook_workers *workers;
    const brook_config *config;
    const char *data_dir;
    int32_t broker_id;
} brook_host_env;

typedef struct brook_plugin_instance {
    brook_loaded loaded;
    const brook_plugin_conf *conf;
    brook_host host;
    brook_host_env *env;
    char log_name[96]; /* "storage-memory" */
    void *state;       /* from init */
    int started;
} brook_plugin_instance;

typedef struct brook_plugin_set {
    char dir[PATH_MAX];
    /* Storage instances and replication strategies, by their names; the
     * first of each serves every topic that names no other. */
    brook_plugin_instance storage[BROOK_MAX_PLUGINS_PER_KIND];
    size_t storage_count;
    brook_plugin_instance replication[BROOK_MAX_PLUGINS_PER_KIND];
    size_t replication_count;
    brook_plugin_instance auth[BROOK_MAX_PLUGINS_PER_KIND];
    size_t auth_count;
    brook_plugin_instance codecs[BROOK_MAX_PLUGINS_PER_KIND];
    size_t codec_count;
    /* The auth plugins with `authorize`, in configuration order: asked in
     * turn until one allows or denies. */
    brook_plugin_instance *authorizers[BROOK_MAX_PLUGINS_PER_KIND];
    size_t authorizer_count;
} brook_plugin_set;

/* Typed vtable access. */
#define brook_storage_of(inst)     ((const brook_storage_ops *)(inst)->loaded.vtable)
#define brook_replication_of(inst) ((const brook_replication_ops *)(inst)->loaded.vtable)
#define brook_auth_of(inst)        ((const brook_auth_ops *)(inst)->loaded.vtable)
#define brook_codec_of(inst)       ((const brook_codec_ops *)(inst)->loaded.vtable)
/* Is `slot` of the instance's vtable (of `type`) one the plugin has? */
#define brook_has_slot(inst, type, slot)                                                                               \
    BROOK_HAS_SLOT((const type *)(inst)->loaded.vtable, (inst)->loaded.vtable_size, type, slot)

/* Open one plugin of `kind` named by `conf` from `dir`, check its options
 * block against its declared table and give it a host table; not started.
 * (Tests and benchmarks use this to drive a single plugin.) */
brook_err brook_plugin_instance_load(brook_plugin_instance *inst, const char *dir, brook_plugin_kind kind,
                                     const brook_plugin_conf *conf, const brook_config *c, brook_host_env *env,
                                     char *err, size_t errlen);
/* fini when started, then dlclose. */
void brook_plugin_instance_unload(brook_plugin_instance *inst);

/* Open every configured plugin and check its options; nothing is started.
 * `env` must outlive the set. */
brook_err brook_plugin_set_load(brook_plugin_set *set, const brook_config *c, const char *dir, brook_host_env *env,
                                char *err, size_t errlen);

/* init every plugin: storage, replication, auth, codecs. On failure the
 * ones already started are stopped again. */
brook_err brook_plugin_set_start(brook_plugin_set *set, char *err, size_t errlen);

/* fini (in reverse order) and dlclose everything. Safe on a partial set. */
void brook_plugin_set_unload(brook_plugin_set *set);

/* The storage instance or replication strategy named `name` (NULL: the
 * first, every topic's default); NULL when there is none of that name. */
brook_plugin_instance *brook_plugin_set_storage(brook_plugin_set *set, const char *name);
brook_plugin_instance *brook_plugin_set_strategy(brook_plugin_set *set, const char *name);
brook_plugin_instance *brook_plugin_set_codec(brook_plugin_set *set, const char *name);

/* A plugin's own default for a topic config: its option of the same name
 * with '_' for '.' ("retention_ms" for retention.ms). */
typedef struct brook_option_for_config {
    char option[64];      /* the option's name */
    char value[64];       /* its value now, as text */
    int from_file;        /* the configuration file sets it */
    const char *declared; /* the default the plugin declares (NULL: none) */
} brook_option_for_config;

/* BROOK_ERR_NOT_FOUND when the instance (NULL: none) has no such option. */
brook_err brook_plugin_option_for_config(const brook_plugin_instance *inst, const char *name,
                                         brook_option_for_config *out);

/* The resolved plugin set, one line per plugin, for --check-config. */
void brook_plugin_set_print(const brook_plugin_set *set, FILE *out);

/* Fill the host services table of one instance (host.c). */
void brook_host_init(brook_plugin_instance *inst);

#endif
