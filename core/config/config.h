/* The broker's configuration: a libconfig file (or the embedded default),
 * `--set key.path=value` overrides, validation against the core schema with
 * file:line errors, and the typed settings the rest of the core reads.
 * Plugin blocks are checked later against each plugin's declared options
 * (config_options.h), once the loader knows them. */
#ifndef BROOK_CORE_CONFIG_H
#define BROOK_CORE_CONFIG_H

#include <libconfig.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

/* A plugin selected by the configuration, with its block of options. */
typedef struct brook_plugin_conf {
    const char *name;        /* the block's `plugin` value */
    const char *instance;    /* the block's `name` (topics choose storage and strategy by it), else `plugin` */
    config_setting_t *block; /* the whole block; keys besides `plugin` are the plugin's */
    char where[320];         /* "file:line" of the block, for messages */
} brook_plugin_conf;

typedef struct brook_tls_conf {
    int enabled;
    const char *cert;        /* PEM certificate chain */
    const char *key;         /* PEM private key */
    const char *ca;          /* PEM CA bundle for client certificates; NULL: none */
    const char *client_auth; /* "none", "requested", "required" */
    int principal_from_cert; /* the client certificate's subject becomes the principal */
    const char *min_version; /* "1.2" or "1.3" */
    const char *ciphers;     /* TLS 1.2 cipher list; NULL: OpenSSL's default */
    int32_t handshake_timeout_ms;
} brook_tls_conf;

typedef struct brook_listener_conf {
    const char *name;
    const char *codec;
    const char *address;            /* "host:port" */
    const char *advertised_address; /* NULL: the bound address */
    brook_tls_conf tls;
    int sasl;                /* clients must authenticate (SASL) before anything else */
    int32_t auth_timeout_ms; /* ... within this long */
    char where[320];
} brook_listener_conf;

#define BROOK_MAX_LISTENERS        16
#define BROOK_MAX_PLUGINS_PER_KIND 16

typedef struct brook_settings {
    int32_t broker_id;
    const char *data_dir;
    const char *plugin_dir; /* NULL: next to the binary */
    const char *log_level;
    int32_t io_threads;

    int64_t max_frame_bytes;
    int64_t conn_buffer_bytes;
    int32_t max_inflight_requests;
    int32_t request_timeout_ms;
    int32_t max_connections;
    int32_t shutdown_timeout_ms;
    int32_t idle_memory_trim_ms; /* 0: never */
    int64_t fetch_max_bytes;
    int64_t batch_decompressed_max_bytes;
    int64_t failed_authentication_delay_ms;
    int64_t client_fault_log_lines; /* per listener, kind and window (brook_listener_log_fault) */
    int64_t client_fault_log_window_ms;
    int64_t request_memory_bytes;
    int64_t max_topics_created_per_request;
    int64_t max_connections_per_address;
    int64_t connections_max_idle_ms;
    int64_t max_frame_bytes_unauthenticated;
    int64_t request_receive_timeout_ms;
    int64_t receive_buffer_total_bytes;

    int32_t default_partitions;
    int auto_create_topics;
    int32_t max_partitions;
    int32_t default_replication_factor;

    int32_t min_session_timeout_ms;
    int32_t max_session_timeout_ms;
    int32_t initial_rebalance_delay_ms;
    int64_t offsets_compact_records;
    int32_t offsets_partitions;   /* a cluster's __consumer_offsets */
    int64_t offsets_retention_ms; /* -1: committed offsets never expire */
    int64_t offsets_retention_check_ms;

    int64_t max_producers_per_partition;
    int64_t producer_expiration_ms;
    int64_t txn_max_timeout_ms;    /* transactions.max_timeout_ms */
    int64_t txn_abort_interval_ms; /* transactions.abort_timed_out_interval_ms */
    int64_t txn_id_expiration_ms;  /* transactions.id_expiration_ms */
    int64_t producer_snapshot_interval_bytes;

    const char *metrics_address; /* NULL: no metrics endpoint */

    const char *rack; /* NULL: none */
    int clustered;    /* a cluster block: join through the metadata store */
    const char *cluster_endpoints;
    const char *etcd_ca, *etcd_cert, *etcd_key; /* cluster.etcd_tls, for https:// endpoints; NULL: default */
    const char *cluster_name;
    const char *cluster_prefix;
    int64_t lease_ttl_ms;
    int64_t replica_fetch_wait_ms;
    int64_t leader_rebalance_interval_ms;   /* 0: no preferred-leader rebalance */
    int64_t controlled_shutdown_timeout_ms; /* 0: SIGTERM stops without handing leadership over */
    const char *inter_broker_listener;      /* the listener's name */
    int rack_aware_reads;                   /* cluster.replica_selector = "rack" (KIP-392) */

    brook_listener_conf listeners[BROOK_MAX_LISTENERS];
    size_t listener_count;

    /* Storage and replication instances, each with its own name: the first
     * serves every topic that names no other (`brook.storage`, ...). */
    brook_plugin_conf storage[BROOK_MAX_PLUGINS_PER_KIND];
    size_t storage_count;
    brook_plugin_conf replication[BROOK_MAX_PLUGINS_PER_KIND];
    size_t replication_count;
    brook_plugin_conf auth[BROOK_MAX_PLUGINS_PER_KIND];
    size_t auth_count;
    brook_plugin_conf codecs[BROOK_MAX_PLUGINS_PER_KIND]; /* explicit blocks plus listener codecs */
    size_t codec_count;
} brook_settings;

typedef struct brook_config {
    config_t cfg;
    char source[256]; /* file name, or "<embedded default>" */
    int from_file;    /* `source` is a file: relative paths in it are its neighbours */
    brook_settings settings;
    char data_dir[PATH_MAX]; /* broker.data_dir made absolute (settings.data_dir points here) */
} brook_config;

/* Parse a file (path) or text (path NULL, `text` given, named `source`).
 * On error, `err` holds "file:line: message". */
brook_err brook_config_load(brook_config *c, const char *path, const char *text, const char *source, char *err,
                            size_t errlen);

/* Apply one "key.path=value" override. The value's type is the existing
 * setting's, else the schema's, else inferred (true/false, integer, float,
 * string; quotes are optional). */
brook_err brook_config_set(brook_config *c, const char *assignment, char *err, size_t errlen);

/* Check every key against the core schema (unknown keys, wrong types,
 * missing required keys, ranges) and fill c->settings. */
brook_err brook_config_validate(brook_config *c, char *err, size_t errlen);

void brook_config_free(brook_config *c);

/* "file:line" of a setting (or "--set" for one made on the command line). */
void brook_config_where(const brook_config *c, const config_setting_t *s, char *out, size_t outlen);

/* Full dotted path of a setting, e.g. "listeners.[0].address". */
void brook_config_path(const config_setting_t *s, char *out, size_t outlen);

/* Print the documented schema (for docs and `brookd --help-config`). */
void brook_config_print_schema(void);

#endif
