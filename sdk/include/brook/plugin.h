/* Brook SDK: the plugin descriptor, ABI versioning and the host services table.
 *
 * A plugin is a shared object that exports exactly one data symbol,
 * `brook_plugin`, of type `brook_plugin_descriptor` (BROOK_PLUGIN_DESCRIPTOR
 * defines it, with BROOK_PLUGIN_EXPORT). The core
 * dlopens it with RTLD_NOW | RTLD_LOCAL, reads the descriptor, and refuses it
 * with a message naming the file and both versions when:
 *   - abi_major differs from BROOK_ABI_MAJOR,
 *   - abi_minor is newer than the core's BROOK_ABI_MINOR,
 *   - descriptor_size is smaller than the first published descriptor,
 *   - kind is not the kind of the slot the configuration put it in.
 * A plugin built against an older minor loads: the core only calls vtable
 * slots that lie inside the plugin's recorded `vtable_size` (BROOK_HAS_SLOT).
 * Tables with a size (vtables, the descriptor, brook_host) only ever grow at
 * their end within a major version; every other struct keeps its size
 * (types.h, BROOK_ABI_PIN_SIZE).
 *
 * A plugin never links against the core and never touches core globals: all
 * it may use of the broker comes through the `brook_host` table given to
 * `init`, which is valid until `fini` returns. */
#ifndef BROOK_PLUGIN_H
#define BROOK_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "errors.h"
#include "types.h"

#define BROOK_ABI_MAJOR     2
#define BROOK_ABI_MINOR     16
#define BROOK_PLUGIN_SYMBOL "brook_plugin"

#if defined(__GNUC__)
#define BROOK_PLUGIN_EXPORT     __attribute__((visibility("default")))
#define BROOK_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define BROOK_PLUGIN_EXPORT
#define BROOK_PRINTF(fmt, args)
#endif

/* True when `slot` of vtable type `type` lies inside `vtable_size` bytes and
 * is set, i.e. the plugin was built with a header that had the slot. */
#define BROOK_HAS_SLOT(ops, vtable_size, type, slot)                                                                   \
    ((offsetof(type, slot) + sizeof(((type *)0)->slot) <= (vtable_size)) && (ops)->slot != NULL)

typedef enum brook_plugin_kind {
    BROOK_PLUGIN_STORAGE = 1,     /* vtable: brook_storage_ops (storage.h) */
    BROOK_PLUGIN_REPLICATION = 2, /* vtable: brook_replication_ops (replication.h) */
    BROOK_PLUGIN_AUTH = 3,        /* vtable: brook_auth_ops (auth.h) */
    BROOK_PLUGIN_CODEC = 4,       /* vtable: brook_codec_ops (codec.h) */
} brook_plugin_kind;

typedef enum brook_log_level {
    BROOK_LOG_ERROR = 0,
    BROOK_LOG_WARN = 1,
    BROOK_LOG_INFO = 2,
    BROOK_LOG_DEBUG = 3,
} brook_log_level;

/* The options a plugin accepts in its configuration block, declared so the
 * broker can check them without the plugin: before `init` runs (and in
 * `brookd --check-config`) unknown keys, wrong types, values outside
 * [min, max] and strings not in `allowed` are refused with file:line and
 * the key, so `init` only sees valid input. `brookd --list-plugins` prints
 * the table. Bounds and defaults are text, parsed with the option's type. */
typedef enum brook_option_type {
    BROOK_OPT_INT = 1,    /* 64-bit integer */
    BROOK_OPT_BOOL = 2,   /* true / false */
    BROOK_OPT_STRING = 3, /* string */
    BROOK_OPT_DOUBLE = 4, /* floating point (integers are accepted too) */
} brook_option_type;

/* brook_option.flags */
#define BROOK_OPT_F_REQUIRED 0x1u /* the block must set it (no default) */

typedef struct brook_option {
    const char *name; /* key inside the plugin's block; NULL ends the table */
    brook_option_type type;
    uint32_t flags;             /* BROOK_OPT_F_* */
    const char *default_value;  /* as text, parsed with `type`; NULL = no default */
    const char *doc;            /* one line for docs and --list-plugins */
    const char *min;            /* INT, DOUBLE: smallest value accepted, as text; NULL = no bound */
    const char *max;            /* INT, DOUBLE: largest value accepted, as text; NULL = no bound */
    const char *const *allowed; /* STRING: NULL-terminated list of accepted values; NULL = any */
    uint64_t reserved[2];
} brook_option;
BROOK_ABI_PIN_SIZE(brook_option, 72);

/* One row of an option table each; bounds and defaults are text (NULL: none). */
#define BROOK_OPTION_INT(name_, default_, min_, max_, doc_)                                                            \
    {                                                                                                                  \
        .name = (name_), .type = BROOK_OPT_INT, .default_value = (default_), .min = (min_), .max = (max_),             \
        .doc = (doc_)                                                                                                  \
    }
#define BROOK_OPTION_DOUBLE(name_, default_, min_, max_, doc_)                                                         \
    {                                                                                                                  \
        .name = (name_), .type = BROOK_OPT_DOUBLE, .default_value = (default_), .min = (min_), .max = (max_),          \
        .doc = (doc_)                                                                                                  \
    }
#define BROOK_OPTION_BOOL(name_, default_, doc_)                                                                       \
    {                                                                                                                  \
        .name = (name_), .type = BROOK_OPT_BOOL, .default_value = (default_), .doc = (doc_)                            \
    }
#define BROOK_OPTION_STRING(name_, default_, doc_)                                                                     \
    {                                                                                                                  \
        .name = (name_), .type = BROOK_OPT_STRING, .default_value = (default_), .doc = (doc_)                          \
    }
/* A string that must be one of `allowed_`, a NULL-terminated array. */
#define BROOK_OPTION_ENUM(name_, default_, allowed_, doc_)                                                             \
    {                                                                                                                  \
        .name = (name_), .type = BROOK_OPT_STRING, .default_value = (default_), .allowed = (allowed_), .doc = (doc_)   \
    }
/* A string the block must set. */
#define BROOK_OPTION_REQUIRED_STRING(name_, doc_)                                                                      \
    {                                                                                                                  \
        .name = (name_), .type = BROOK_OPT_STRING, .flags = BROOK_OPT_F_REQUIRED, .doc = (doc_)                        \
    }
#define BROOK_OPTION_END                                                                                               \
    {                                                                                                                  \
        .name = NULL                                                                                                   \
    }

typedef struct brook_timer brook_timer;   /* opaque */
typedef struct brook_metric brook_metric; /* opaque */

typedef enum brook_metric_type {
    BROOK_METRIC_COUNTER = 1, /* only goes up: metric_add */
    BROOK_METRIC_GAUGE = 2,   /* a current value: metric_set */
    /* Since 2.7: durations, metric_observe; served as a Prometheus
     * histogram with the broker's buckets (0.1 ms to 10 s). */
    BROOK_METRIC_HISTOGRAM = 3,
} brook_metric_type;

typedef struct brook_host brook_host;

/* Services the core offers a plugin. Each plugin instance gets its own table
 * (so logging is prefixed with its name and config getters read its block).
 * Unless a slot says otherwise, call it only from the thread that called
 * the plugin (the event loop). */
struct brook_host {
    uint32_t size; /* sizeof(brook_host) in the core: check before using slots added later */

    /* A leveled, timestamped log line prefixed with the plugin's name. */
    void (*log)(const brook_host *host, brook_log_level level, const char *fmt, ...) BROOK_PRINTF(3, 4);

    /* Typed getters for the plugin's own configuration block. The value is
     * the configured one, else the option's declared default. Errors:
     * BROOK_ERR_NOT_FOUND (not set, no default), BROOK_ERR_INVALID (`key` is
     * not a declared option of that type). Strings stay valid until fini. */
    brook_err (*config_int)(const brook_host *host, const char *key, int64_t *out);
    brook_err (*config_bool)(const brook_host *host, const char *key, int *out);
    brook_err (*config_double)(const brook_host *host, const char *key, double *out);
    brook_err (*config_string)(const brook_host *host, const char *key, const char **out);

    /* Wall-clock milliseconds since the epoch, and a monotonic clock in ms. */
    int64_t (*now_ms)(const brook_host *host);
    int64_t (*monotonic_ms)(const brook_host *host);

    /* One-shot timer on the event loop: `cb(arg)` runs once after `delay_ms`
     * unless cancelled first. The handle is valid until the callback returns
     * or cancel is called; cancelling inside the callback is not allowed. */
    brook_err (*timer_add)(const brook_host *host, int64_t delay_ms, void (*cb)(void *arg), void *arg,
                           brook_timer **out);
    void (*timer_cancel)(const brook_host *host, brook_timer *timer);

    /* Metrics, named "<plugin>_<name>" in the registry and served by the
     * broker's metrics endpoint (Prometheus text). The handle lives until the
     * broker stops. Registering a name twice returns the same one.
     * metric_add and metric_set may be called from any thread. */
    brook_err (*metric_register)(const brook_host *host, const char *name, brook_metric_type type, const char *help,
                                 brook_metric **out);
    void (*metric_add)(brook_metric *metric, int64_t delta);
    void (*metric_set)(brook_metric *metric, int64_t value);

    /* RecordBatch v2 helpers and CRC32C. */
    const brook_batch_ops *batch;

    /* Broker facts. */
    const char *data_dir; /* broker.data_dir, an existing directory */
    int32_t broker_id;

    void *host_private; /* the core's; do not touch */

    /* Blocking work off the event loop (fdatasync, deleting files): `work`
     * runs on one of the broker's I/O threads (broker.io_threads) and must
     * not touch state the loop uses; then `done` runs on the event loop.
     * Jobs submitted by one plugin finish in any order. The core drains all
     * jobs (running their `done`) before it calls any plugin's fini. */
    brook_err (*run_blocking)(const brook_host *host, void (*work)(void *arg), void (*done)(void *arg), void *arg);

    /* The bytes of a storage slice (a fetch's, say): a memory slice's
     * data, or for a file slice a malloc'd copy read with pread, also put
     * in *copy for the caller to free. NULL when the file cannot be read. */
    const uint8_t *(*slice_bytes)(const brook_slice *slice, uint8_t **copy);

    /* Since 2.5. Only from inside a run_blocking `work`, on its I/O
     * thread: `cb(arg)` runs on the event loop soon, before that job's
     * `done` and in the order posted. For a job that reports progress as
     * it goes on (a sync answering the producers it covered while it
     * starts the next one), without a round trip through the loop. With no
     * I/O threads (work runs inline on the loop) cb runs at once.
     * BROOK_ERR_NOMEM: not queued, cb will not run. */
    brook_err (*post)(const brook_host *host, void (*cb)(void *arg), void *arg);

    /* Since 2.7. Count a duration of `seconds` into a metric registered as
     * BROOK_METRIC_HISTOGRAM (a no-op for other types). Any thread: a
     * storage plugin times its syncs on its I/O threads. */
    void (*metric_observe)(brook_metric *metric, double seconds);
};

/* The descriptor. Fill it with BROOK_PLUGIN_DESCRIPTOR. */
typedef struct brook_plugin_descriptor {
    uint32_t abi_major;       /* BROOK_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;       /* BROOK_ABI_MINOR the plugin was built with */
    uint32_t descriptor_size; /* sizeof(brook_plugin_descriptor) the plugin was built with */
    uint32_t vtable_size;     /* sizeof(its kind's vtable) the plugin was built with */
    brook_plugin_kind kind;
    const char *name;            /* [a-z0-9_-]+, unique per kind; matches the file name */
    const char *version;         /* the plugin's own version, e.g. "1.0.0" */
    const char *description;     /* one line */
    const brook_option *options; /* may be NULL: no options */
    const void *vtable;          /* the kind's ops struct */

    /* Create the plugin's state from its configuration (read through `host`).
     * Return an error, after logging why, to stop the broker from starting.
     * `host` stays valid until fini. */
    brook_err (*init)(const brook_host *host, void **state);
    /* Release everything init created. Called once, after all other calls. */
    void (*fini)(void *state);

    /* Optional: check the configuration beyond what the option table can
     * say (combinations of options, files they name) without side effects:
     * no files created, no threads, no state kept. Log why and return an
     * error to refuse it. The broker calls it before init, and
     * `brookd --check-config` calls it alone, so the check catches what
     * start-up would refuse. `host` is valid during the call only; its
     * config getters, log, clocks and batch helpers may be used. */
    brook_err (*validate)(const brook_host *host);
} brook_plugin_descriptor;

/* Declares the exported descriptor of a plugin of `kind_` with vtable type
 * `ops_type` and vtable object `ops`; the rest are designated fields:
 *   BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_AUTH, brook_auth_ops, ops,
 *       .name = "topic-guard", .version = "1.0.0", .description = "...",
 *       .options = options, .init = my_init, .fini = my_fini);
 * so later minors' fields can be set without a new macro. */
#define BROOK_PLUGIN_DESCRIPTOR(kind_, ops_type, ops, ...)                                                             \
    BROOK_PLUGIN_EXPORT const brook_plugin_descriptor brook_plugin = {.abi_major = BROOK_ABI_MAJOR,                    \
                                                                      .abi_minor = BROOK_ABI_MINOR,                    \
                                                                      .descriptor_size =                               \
                                                                          sizeof(brook_plugin_descriptor),             \
                                                                      .vtable_size = sizeof(ops_type),                 \
                                                                      .kind = (kind_),                                 \
                                                                      .vtable = &(ops),                                \
                                                                      __VA_ARGS__}

#endif
