#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* ---- the schema ------------------------------------------------------- */

typedef enum node_type {
    N_GROUP, /* { ... } with known children */
    N_LIST,  /* ( {...}, {...} ) each element a group of `children` */
    N_INT,
    N_BOOL,
    N_STRING,
    N_PLUGIN,      /* { plugin = "name"; <plugin's own options> } */
    N_PLUGIN_LIST, /* ( { plugin = ...; ... }, ... ) */
    N_INSTANCES,   /* a plugin block, or a list of them each with its own `name` */
} node_type;

typedef struct node {
    const char *name;
    node_type type;
    const struct node *children; /* N_GROUP, N_LIST */
    const char *def;             /* default, as text; NULL: none */
    int required;
    const char *doc;
} node;

static const node broker_nodes[] = {
    {"id", N_INT, NULL, "0", 0, "this broker's id, >= 0, unique in a cluster"},
    {"data_dir", N_STRING, NULL, "./data", 0, "directory for the topic registry and storage data"},
    {"plugin_dir", N_STRING, NULL, NULL, 0,
     "where brook_<kind>_<name>.so files are; default ../plugins then ../lib/brook/plugins next to brookd"},
    {"log_level", N_STRING, NULL, "info", 0, "error, warn, info or debug"},
    {"io_threads", N_INT, NULL, "2", 0, "threads for blocking storage work (fdatasync, file deletion)"},
    {"rack", N_STRING, NULL, NULL, 0, "the broker's rack (replica placement spreads over racks)"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node etcd_tls_nodes[] = {
    {"ca", N_STRING, NULL, NULL, 0, "PEM CA certificates etcd's certificate must chain to; default: the system's"},
    {"cert", N_STRING, NULL, NULL, 0, "PEM client certificate presented to etcd (its --client-cert-auth)"},
    {"key", N_STRING, NULL, NULL, 0, "PEM private key of that certificate"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node cluster_nodes[] = {
    {"endpoints", N_STRING, NULL, NULL, 1,
     "the metadata store: etcd client URLs of one etcd cluster, comma-separated (http://127.0.0.1:2379, or https:// "
     "with etcd_tls); when one fails the next is used"},
    {"etcd_tls", N_GROUP, etcd_tls_nodes, NULL, 0,
     "TLS to etcd: its https:// endpoints' CA, this broker's certificate"},
    {"name", N_STRING, NULL, "brook", 0, "the cluster's name; its keys live under <prefix>/<name>/"},
    {"prefix", N_STRING, NULL, "/brook", 0, "where Brook's keys start in the metadata store"},
    {"lease_ttl_ms", N_INT, NULL, "10000", 0,
     "a broker that could not renew its lease for this long is taken for dead (2000-300000)"},
    {"leader_rebalance_interval_ms", N_INT, NULL, "60000", 0,
     "the controller gives leadership back to each partition's preferred replica (its first) this often, when "
     "that replica is live and in sync; 0: never"},
    {"controlled_shutdown_timeout_ms", N_INT, NULL, "10000", 0,
     "on SIGTERM, how long a broker waits for the controller to move the leadership of its partitions to other "
     "in-sync replicas before it stops serving (Kafka's controlled shutdown; 0-600000, 0: stop at once)"},
    {"replica_fetch_wait_ms", N_INT, NULL, "500", 0,
     "longest a leader holds a follower's fetch while it has nothing new for it (Kafka's replica.fetch.wait.max.ms; "
     "10-60000)"},
    {"replica_selector", N_STRING, NULL, "leader", 0,
     "leader | rack: where a leader sends consumers that name their rack (Fetch v11+, librdkafka's client.rack): "
     "itself, or an in-sync replica in the consumer's rack (KIP-392, Kafka's RackAwareReplicaSelector)"},
    {"inter_broker_listener", N_STRING, NULL, NULL, 0,
     "the listener (codec native, no SASL; TLS only with client certificates required) other brokers reach this one "
     "on; default: the first such one"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node limits_nodes[] = {
    {"max_frame_bytes", N_INT, NULL, "104857600", 0, "largest request frame accepted; larger closes the connection"},
    {"connection_buffer_bytes", N_INT, NULL, "67108864", 0,
     "pending response bytes per connection before it stops reading (backpressure)"},
    {"max_inflight_requests", N_INT, NULL, "512", 0,
     "requests one connection may have in progress before it stops reading"},
    {"request_timeout_ms", N_INT, NULL, "30000", 0,
     "longest a request may wait (acks, long poll) when it names no timeout"},
    {"max_connections", N_INT, NULL, "10000", 0, "connections accepted at once; more are closed at accept"},
    {"shutdown_timeout_ms", N_INT, NULL, "5000", 0, "how long a graceful stop waits for responses to drain"},
    {"idle_memory_trim_ms", N_INT, NULL, "10000", 0,
     "after this long with no record bytes produced, fetched or replicated, freed heap goes back to the system; 0: "
     "never"},
    {"max_connections_per_address", N_INT, NULL, "1000", 0,
     "connections one client address may hold at once; more are closed at accept (Kafka's max.connections.per.ip)"},
    {"connections_max_idle_ms", N_INT, NULL, "600000", 0,
     "a connection with nothing in progress for this long is closed (Kafka's connections.max.idle.ms)"},
    {"max_frame_bytes_unauthenticated", N_INT, NULL, "524288", 0,
     "largest frame before a SASL listener's client has authenticated (Kafka's sasl.server.max.receive.size)"},
    {"request_receive_timeout_ms", N_INT, NULL, "30000", 0,
     "a connection that sends part of a request and then nothing for this long is closed"},
    {"receive_buffer_total_bytes", N_INT, NULL, "536870912", 0,
     "memory for requests still being received, across all connections; past it, connections wait to be read"},
    {"failed_authentication_delay_ms", N_INT, NULL, "100", 0,
     "a failed authentication is answered after this delay (Kafka's connection.failed.authentication.delay.ms)"},
    {"client_fault_log_lines", N_INT, NULL, "10", 0,
     "lines a listener logs per client_fault_log_window_ms for each kind of client fault (connections closed for "
     "bad input, failed authentications, bad requests); the rest are counted in the next line"},
    {"client_fault_log_window_ms", N_INT, NULL, "60000", 0, "the window client_fault_log_lines counts in"},
    {"max_topics_created_per_request", N_INT, NULL, "100", 0,
     "topics one Metadata request may auto-create; the rest are answered UNKNOWN_TOPIC_OR_PARTITION"},
    {"request_memory_bytes", N_INT, NULL, "67108864", 0,
     "most memory decoding one request may take (besides its frame); less for small requests: 32x their size"},
    {"batch_decompressed_max_bytes", N_INT, NULL, "67108864", 0,
     "largest a produced compressed batch may be once decompressed to check its records"},
    {"fetch_max_bytes", N_INT, NULL, "57671680", 0,
     "largest fetch response, whatever the client asks (the first batch always comes whole)"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node tls_nodes[] = {
    {"cert", N_STRING, NULL, NULL, 1, "PEM certificate (chain) of this listener"},
    {"key", N_STRING, NULL, NULL, 1, "PEM private key of the certificate"},
    {"ca", N_STRING, NULL, NULL, 0, "PEM CA certificates that sign client certificates (mTLS)"},
    {"client_auth", N_STRING, NULL, "none", 0, "none | requested | required: ask clients for a certificate (needs ca)"},
    {"principal_from_cert", N_BOOL, NULL, "false", 0, "the client certificate's subject becomes the principal"},
    {"min_version", N_STRING, NULL, "1.2", 0, "oldest TLS version accepted: 1.2 or 1.3"},
    {"ciphers", N_STRING, NULL, NULL, 0, "OpenSSL cipher list for TLS 1.2 (1.3 suites are OpenSSL's)"},
    {"handshake_timeout_ms", N_INT, NULL, "10000", 0, "a client that has not finished its handshake by then is closed"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node listener_nodes[] = {
    {"name", N_STRING, NULL, NULL, 1, "unique listener name, used in logs"},
    {"codec", N_STRING, NULL, NULL, 1, "codec plugin speaking on this listener (native, ...)"},
    {"address", N_STRING, NULL, NULL, 1, "host:port to bind, e.g. 127.0.0.1:9093; port 0 picks a free one"},
    {"advertised_address", N_STRING, NULL, NULL, 0,
     "host:port clients are told to connect to (metadata); default: the bound address"},
    {"tls", N_GROUP, tls_nodes, NULL, 0, "serve TLS on this listener"},
    {"sasl", N_BOOL, NULL, "false", 0, "clients must authenticate with a SASL mechanism an auth plugin offers"},
    {"auth_timeout_ms", N_INT, NULL, "10000", 0, "a SASL client that has not authenticated by then is closed"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node topics_nodes[] = {
    {"default_partitions", N_INT, NULL, "1", 0, "partitions of a topic created without a count"},
    {"auto_create", N_BOOL, NULL, "true", 0, "create a topic when a client asks for metadata of a missing one"},
    {"max_partitions", N_INT, NULL, "10000", 0, "largest partition count a topic may have"},
    {"default_replication_factor", N_INT, NULL, "1", 0,
     "replicas of a topic created without a replication factor (a cluster's brokers; 1 on a single broker)"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node groups_nodes[] = {
    {"min_session_timeout_ms", N_INT, NULL, "6000", 0, "shortest session timeout a consumer may ask for"},
    {"max_session_timeout_ms", N_INT, NULL, "1800000", 0, "longest session timeout a consumer may ask for"},
    {"initial_rebalance_delay_ms", N_INT, NULL, "3000", 0,
     "when an empty group gets members, wait this long for more before the first generation"},
    {"offsets_compact_records", N_INT, NULL, "100000", 0,
     "compact the committed-offsets log once it holds this many records (and 4x its live entries)"},
    {"offsets_retention_ms", N_INT, NULL, "604800000", 0,
     "an empty group's committed offsets go this long after its last commit and its last member left "
     "(Kafka's offsets.retention.minutes); -1 never"},
    {"offsets_retention_check_ms", N_INT, NULL, "600000", 0, "how often expired committed offsets are looked for"},
    {"offsets_partitions", N_INT, NULL, "16", 0,
     "a cluster's __consumer_offsets partitions (made once, on first need): how its groups spread over coordinators"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node producers_nodes[] = {
    {"max_per_partition", N_INT, NULL, "10000", 0,
     "idempotent producers remembered per partition; past it the least recently active is forgotten"},
    {"expiration_ms", N_INT, NULL, "86400000", 0,
     "an idempotent producer idle this long is forgotten (Kafka's producer.id.expiration.ms)"},
    {"snapshot_interval_bytes", N_INT, NULL, "16777216", 0,
     "snapshot a partition's producer state after this many appended bytes (bounds the replay after a crash)"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node transactions_nodes[] = {
    {"max_timeout_ms", N_INT, NULL, "900000", 0,
     "the longest transaction timeout a producer may ask for (Kafka's transaction.max.timeout.ms)"},
    {"abort_timed_out_interval_ms", N_INT, NULL, "10000", 0,
     "how often the coordinator aborts transactions past their timeout "
     "(Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms)"},
    {"id_expiration_ms", N_INT, NULL, "604800000", 0,
     "a transactional id without a transaction for this long is forgotten (Kafka's transactional.id.expiration.ms)"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node metrics_nodes[] = {
    {"address", N_STRING, NULL, NULL, 0,
     "host:port serving GET /metrics (Prometheus text format); port 0 picks a free one; unset: no endpoint"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node root_nodes[] = {
    {"broker", N_GROUP, broker_nodes, NULL, 0, "this broker"},
    {"limits", N_GROUP, limits_nodes, NULL, 0, "resource bounds"},
    {"listeners", N_LIST, listener_nodes, NULL, 1, "where clients connect"},
    {"topics", N_GROUP, topics_nodes, NULL, 0, "topic defaults"},
    {"groups", N_GROUP, groups_nodes, NULL, 0, "consumer group coordination"},
    {"producers", N_GROUP, producers_nodes, NULL, 0, "idempotent producer state"},
    {"transactions", N_GROUP, transactions_nodes, NULL, 0, "the transaction coordinator"},
    {"metrics", N_GROUP, metrics_nodes, NULL, 0, "the metrics endpoint"},
    {"cluster", N_GROUP, cluster_nodes, NULL, 0,
     "join a cluster through its metadata store (etcd); absent: one broker"},
    {"storage", N_INSTANCES, NULL, NULL, 1,
     "the storage plugin and its options; or a list of named ones, the first for every topic that names no other"},
    {"replication", N_INSTANCES, NULL, "none", 0,
     "the replication plugin and its options; or a list of named ones, the first for every topic that names no other"},
    {"auth", N_PLUGIN_LIST, NULL, NULL, 0, "auth plugins (authentication mechanisms; authorizers asked in this order)"},
    {"codecs", N_PLUGIN_LIST, NULL, NULL, 0, "options for codec plugins; listeners load the codecs they name"},
    {NULL, 0, NULL, NULL, 0, NULL},
};

static const node *find_child(const node *children, const char *name)
{
    for (const node *n = children; n && n->name; n++)
        if (strcmp(n->name, name) == 0)
            return n;
    return NULL;
}

static const char *type_name(node_type t)
{
    switch (t) {
    case N_GROUP: return "a group { ... }";
    case N_LIST: return "a list ( {...}, ... )";
    case N_INT: return "an integer";
    case N_BOOL: return "a boolean (true or false)";
    case N_STRING: return "a string";
    case N_PLUGIN: return "a plugin block { plugin = \"name\"; ... }";
    case N_PLUGIN_LIST: return "a list of plugin blocks ( { plugin = \"name\"; ... }, ... )";
    case N_INSTANCES:
        return "a plugin block { plugin = \"name\"; ... } or a list of named ones ( { name = \"x\"; plugin = ...; }, "
               "... )";
    }
    return "?";
}

/* ---- paths and locations ---------------------------------------------- */

void brook_config_path(const config_setting_t *s, char *out, size_t outlen)
{
    const config_setting_t *chain[32];
    int depth = 0;
    for (const config_setting_t *p = s; p && config_setting_parent(p) && depth < 32; p = config_setting_parent(p))
        chain[depth++] = p;
    size_t used = 0;
    out[0] = '\0';
    for (int i = depth - 1; i >= 0; i--) {
        const char *name = config_setting_name(chain[i]);
        int n;
        if (name)
            n = snprintf(out + used, outlen - used, "%s%s", used ? "." : "", name);
        else
            n = snprintf(out + used, outlen - used, "%s[%d]", used ? "." : "", config_setting_index(chain[i]));
        if (n < 0 || (size_t)n >= outlen - used)
            return;
        used += (size_t)n;
    }
}

void brook_config_where(const brook_config *c, const config_setting_t *s, char *out, size_t outlen)
{
    unsigned line = config_setting_source_line(s);
    if (line == 0) {
        snprintf(out, outlen, "--set");
        return;
    }
    const char *file = config_setting_source_file(s);
    snprintf(out, outlen, "%s:%u", file ? file : c->source, line);
}

static brook_err fail_at(const brook_config *c, const config_setting_t *s, char *err, size_t errlen, const char *msg)
{
    char where[300], path[256];
    brook_config_where(c, s, where, sizeof where);
    brook_config_path(s, path, sizeof path);
    snprintf(err, errlen, "%s: %s: %s", where, path, msg);
    return BROOK_ERR_INVALID;
}

/* ---- load ------------------------------------------------------------- */

/* libconfig 1.5 (Debian 12) parses an integer literal without an L suffix
 * as 32 bits and wraps silently: retention_bytes = 10000000000 would read
 * as 1410065408. Find such literals in the text first and refuse them,
 * naming the line and the fix. Strings and comments are skipped. */
static int find_wide_integer(const char *text, int *line, char *literal, size_t literal_len)
{
    *line = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            (*line)++;
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == '\n')
                    (*line)++;
            }
            if (!*p)
                return 0;
        } else if (*p == '#' || (*p == '/' && p[1] == '/')) {
            while (p[1] && p[1] != '\n')
                p++;
        } else if (*p == '/' && p[1] == '*') {
            for (p += 2; *p && !(*p == '*' && p[1] == '/'); p++)
                if (*p == '\n')
                    (*line)++;
            if (!*p)
                return 0;
            p++;
        } else if (isdigit((unsigned char)*p) &&
                   (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))) {
            const char *start = p;
            char *end;
            errno = 0;
            unsigned long long v = strtoull(p, &end, 0);
            p = end - 1;
            if (*end == 'L' || *end == '.' || *end == 'e' || *end == 'E')
                continue; /* int64 already, or a float */
            int negative = start > text && start[-1] == '-';
            if (errno || v > (negative ? 2147483648ULL : 2147483647ULL)) {
                snprintf(literal, literal_len, "%s%.*s", negative ? "-" : "", (int)(end - start), start);
                return 1;
            }
        }
    }
    return 0;
}

static brook_err check_wide_integers(const char *text, const char *source, char *err, size_t errlen)
{
    int line;
    char literal[64];
    if (!find_wide_integer(text, &line, literal, sizeof literal))
        return BROOK_OK;
    snprintf(err, errlen,
             "%s:%d: %s does not fit in 32 bits and would be read wrong: write it with an L suffix (%sL), as "
             "libconfig asks for 64-bit integers",
             source, line, literal, literal);
    return BROOK_ERR_INVALID;
}

/* The whole file as a NUL-terminated string (malloc'd), or NULL. */
static char *read_text(FILE *f)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                free(buf);
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

brook_err brook_config_load(brook_config *c, const char *path, const char *text, const char *source, char *err,
                            size_t errlen)
{
    memset(&c->settings, 0, sizeof c->settings);
    config_init(&c->cfg);
    config_set_options(&c->cfg, CONFIG_OPTION_SEMICOLON_SEPARATORS | CONFIG_OPTION_COLON_ASSIGNMENT_FOR_GROUPS |
                                    CONFIG_OPTION_OPEN_BRACE_ON_SEPARATE_LINE);
    snprintf(c->source, sizeof c->source, "%s", path ? path : source);
    c->from_file = path != NULL;
    int ok;
    if (path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
            return BROOK_ERR_NOT_FOUND;
        }
        char *whole = read_text(f);
        fclose(f);
        brook_err e = whole ? check_wide_integers(whole, path, err, errlen) : BROOK_OK;
        free(whole);
        if (e)
            return e;
        /* config_read_file records the file name, so settings know their source */
        ok = config_read_file(&c->cfg, path);
    } else {
        if (check_wide_integers(text, source, err, errlen))
            return BROOK_ERR_INVALID;
        ok = config_read_string(&c->cfg, text);
    }
    if (!ok) {
        snprintf(err, errlen, "%s:%d: %s", c->source, config_error_line(&c->cfg), config_error_text(&c->cfg));
        return BROOK_ERR_INVALID;
    }
    return BROOK_OK;
}

void brook_config_free(brook_config *c)
{
    config_destroy(&c->cfg);
}

/* ---- --set ------------------------------------------------------------ */

/* The schema node for a dotted path, when the core knows it. */
static const node *schema_lookup(const char *path)
{
    const node *children = root_nodes;
    const node *found = NULL;
    char copy[256];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *save = NULL, *part = strtok_r(copy, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
        if (part[0] == '[') /* list element: same children */
            continue;
        found = find_child(children, part);
        if (!found)
            return NULL;
        children = found->children;
    }
    return found;
}

static int parse_int(const char *s, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "TRUE") == 0)
        *out = 1;
    else if (strcmp(s, "false") == 0 || strcmp(s, "FALSE") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

static int infer_type(const node *schema, const char *value)
{
    if (schema) {
        switch (schema->type) {
        case N_INT: return CONFIG_TYPE_INT64;
        case N_BOOL: return CONFIG_TYPE_BOOL;
        case N_STRING: return CONFIG_TYPE_STRING;
        default: return CONFIG_TYPE_GROUP;
        }
    }
    long long i;
    double d;
    int b;
    if (value[0] == '"')
        return CONFIG_TYPE_STRING;
    if (parse_bool(value, &b) == 0)
        return CONFIG_TYPE_BOOL;
    if (parse_int(value, &i) == 0)
        return CONFIG_TYPE_INT64;
    if (parse_double(value, &d) == 0)
        return CONFIG_TYPE_FLOAT;
    return CONFIG_TYPE_STRING;
}

static brook_err set_scalar(config_setting_t *s, const char *key, const char *value, char *err, size_t errlen)
{
    long long i;
    double d;
    int b;
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        if (parse_int(value, &i)) {
            snprintf(err, errlen, "--set %s: expected an integer, got \"%s\"", key, value);
            return BROOK_ERR_INVALID;
        }
        if (config_setting_type(s) == CONFIG_TYPE_INT && (i < INT32_MIN || i > INT32_MAX)) {
            /* widen in place: the schema decides on ranges, not libconfig */
            config_setting_t *parent = config_setting_parent(s);
            const char *name = config_setting_name(s);
            char saved[128];
            snprintf(saved, sizeof saved, "%s", name);
            config_setting_remove(parent, saved);
            s = config_setting_add(parent, saved, CONFIG_TYPE_INT64);
        }
        config_setting_set_int64(s, i);
        return BROOK_OK;
    case CONFIG_TYPE_FLOAT:
        if (parse_double(value, &d)) {
            snprintf(err, errlen, "--set %s: expected a number, got \"%s\"", key, value);
            return BROOK_ERR_INVALID;
        }
        config_setting_set_float(s, d);
        return BROOK_OK;
    case CONFIG_TYPE_BOOL:
        if (parse_bool(value, &b)) {
            snprintf(err, errlen, "--set %s: expected true or false, got \"%s\"", key, value);
            return BROOK_ERR_INVALID;
        }
        config_setting_set_bool(s, b);
        return BROOK_OK;
    case CONFIG_TYPE_STRING: {
        size_t len = strlen(value);
        char unq[1024];
        if (len >= 2 && value[0] == '"' && value[len - 1] == '"')
            snprintf(unq, sizeof unq, "%.*s", (int)(len - 2), value + 1);
        else
            snprintf(unq, sizeof unq, "%s", value);
        config_setting_set_string(s, unq);
        return BROOK_OK;
    }
    default:
        snprintf(err, errlen, "--set %s: is a group or list; set one of its keys instead", key);
        return BROOK_ERR_INVALID;
    }
}

brook_err brook_config_set(brook_config *c, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        snprintf(err, errlen, "--set \"%s\": expected key.path=value", assignment);
        return BROOK_ERR_INVALID;
    }
    char key[256];
    if ((size_t)(eq - assignment) >= sizeof key) {
        snprintf(err, errlen, "--set: key too long");
        return BROOK_ERR_INVALID;
    }
    snprintf(key, sizeof key, "%.*s", (int)(eq - assignment), assignment);
    const char *value = eq + 1;

    /* Walk the path, creating groups that do not exist yet. */
    config_setting_t *s = config_root_setting(&c->cfg);
    char copy[256];
    snprintf(copy, sizeof copy, "%s", key);
    char *save = NULL;
    char *part = strtok_r(copy, ".", &save);
    while (part) {
        char *next = strtok_r(NULL, ".", &save);
        config_setting_t *child;
        if (part[0] == '[') {
            long long idx;
            char num[32];
            snprintf(num, sizeof num, "%.*s", (int)strcspn(part + 1, "]"), part + 1);
            child = parse_int(num, &idx) == 0 && idx >= 0 ? config_setting_get_elem(s, (unsigned)idx) : NULL;
            if (!child) {
                snprintf(err, errlen, "--set %s: no element %s in that list", key, part);
                return BROOK_ERR_INVALID;
            }
        } else {
            if (!config_setting_is_group(s)) {
                snprintf(err, errlen, "--set %s: \"%s\" is not inside a group", key, part);
                return BROOK_ERR_INVALID;
            }
            child = config_setting_get_member(s, part);
            if (!child) {
                int type = next ? CONFIG_TYPE_GROUP : infer_type(schema_lookup(key), value);
                if (!next && type == CONFIG_TYPE_GROUP) {
                    snprintf(err, errlen, "--set %s: is a group or list; set one of its keys instead", key);
                    return BROOK_ERR_INVALID;
                }
                child = config_setting_add(s, part, type);
                if (!child) {
                    snprintf(err, errlen, "--set %s: invalid key name \"%s\"", key, part);
                    return BROOK_ERR_INVALID;
                }
            }
        }
        s = child;
        part = next;
    }
    return set_scalar(s, key, value, err, errlen);
}

/* ---- validation ------------------------------------------------------- */

static brook_err check_type(const brook_config *c, const config_setting_t *s, const node *n, char *err, size_t errlen)
{
    int t = config_setting_type(s);
    int ok = 0;
    switch (n->type) {
    case N_GROUP:
    case N_PLUGIN: ok = t == CONFIG_TYPE_GROUP; break;
    case N_LIST:
    case N_PLUGIN_LIST: ok = t == CONFIG_TYPE_LIST || (t == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0); break;
    case N_INSTANCES: ok = t == CONFIG_TYPE_GROUP || (t == CONFIG_TYPE_LIST && config_setting_length(s) > 0); break;
    case N_INT: ok = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64; break;
    case N_BOOL: ok = t == CONFIG_TYPE_BOOL; break;
    case N_STRING: ok = t == CONFIG_TYPE_STRING; break;
    }
    if (ok)
        return BROOK_OK;
    char msg[160];
    snprintf(msg, sizeof msg, "must be %s", type_name(n->type));
    return fail_at(c, s, err, errlen, msg);
}

static brook_err validate_group(const brook_config *c, const config_setting_t *g, const node *children, char *err,
                                size_t errlen);

static brook_err validate_plugin_block(const brook_config *c, const config_setting_t *s, char *err, size_t errlen)
{
    if (config_setting_type(s) != CONFIG_TYPE_GROUP)
        return fail_at(c, s, err, errlen, "must be a plugin block { plugin = \"name\"; ... }");
    const config_setting_t *p = config_setting_get_member(s, "plugin");
    if (!p)
        return fail_at(c, s, err, errlen, "missing required key \"plugin\" (the plugin's name)");
    if (config_setting_type(p) != CONFIG_TYPE_STRING)
        return fail_at(c, p, err, errlen, "must be a string");
    return BROOK_OK;
}

static int key_name_valid(const char *s);

/* Plugin instances: one block (named after its plugin unless it has a
 * `name`), or a list of blocks each with a distinct `name`. */
static brook_err validate_instances(const brook_config *c, const config_setting_t *s, char *err, size_t errlen)
{
    int list = config_setting_type(s) == CONFIG_TYPE_LIST;
    int n = list ? config_setting_length(s) : 1;
    if (n > BROOK_MAX_PLUGINS_PER_KIND)
        return fail_at(c, s, err, errlen, "too many plugin blocks (at most 16)");
    for (int i = 0; i < n; i++) {
        const config_setting_t *el = list ? config_setting_get_elem(s, (unsigned)i) : s;
        brook_err e = validate_plugin_block(c, el, err, errlen);
        if (e)
            return e;
        const config_setting_t *name = config_setting_get_member(el, "name");
        if (!name && list)
            return fail_at(c, el, err, errlen, "missing key \"name\" (each of a list of plugin blocks has its own)");
        if (name &&
            (config_setting_type(name) != CONFIG_TYPE_STRING || !key_name_valid(config_setting_get_string(name))))
            return fail_at(c, name, err, errlen, "must be a name of [a-zA-Z0-9._-] characters");
        for (int k = 0; name && k < i; k++)
            if (strcmp(config_setting_get_string(
                           config_setting_get_member(config_setting_get_elem(s, (unsigned)k), "name")),
                       config_setting_get_string(name)) == 0)
                return fail_at(c, name, err, errlen, "names another block of the list already");
    }
    return BROOK_OK;
}

static brook_err validate_node(const brook_config *c, const config_setting_t *s, const node *n, char *err,
                               size_t errlen)
{
    brook_err e = check_type(c, s, n, err, errlen);
    if (e)
        return e;
    switch (n->type) {
    case N_GROUP: return validate_group(c, s, n->children, err, errlen);
    case N_PLUGIN: return validate_plugin_block(c, s, err, errlen);
    case N_INSTANCES: return validate_instances(c, s, err, errlen);
    case N_LIST:
    case N_PLUGIN_LIST:
        for (int i = 0; i < config_setting_length(s); i++) {
            const config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
            if (n->type == N_PLUGIN_LIST)
                e = validate_plugin_block(c, el, err, errlen);
            else if (config_setting_type(el) != CONFIG_TYPE_GROUP)
                e = fail_at(c, el, err, errlen, "must be a group { ... }");
            else
                e = validate_group(c, el, n->children, err, errlen);
            if (e)
                return e;
        }
        return BROOK_OK;
    default: return BROOK_OK;
    }
}

static brook_err validate_group(const brook_config *c, const config_setting_t *g, const node *children, char *err,
                                size_t errlen)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const node *n = find_child(children, config_setting_name(s));
        if (!n)
            return fail_at(c, s, err, errlen, "unknown key");
        brook_err e = validate_node(c, s, n, err, errlen);
        if (e)
            return e;
    }
    for (const node *n = children; n->name; n++) {
        if (n->required && !config_setting_get_member(g, n->name)) {
            char msg[128];
            snprintf(msg, sizeof msg, "missing required key \"%s\" (%s)", n->name, n->doc);
            return fail_at(c, g, err, errlen, msg);
        }
    }
    return BROOK_OK;
}

/* ---- typed settings --------------------------------------------------- */

static int64_t get_int(const config_t *cfg, const char *path)
{
    const config_setting_t *s = config_lookup(cfg, path);
    if (s)
        return config_setting_get_int64(s);
    const node *n = schema_lookup(path);
    return n && n->def ? strtoll(n->def, NULL, 0) : 0;
}

static const char *get_string(const config_t *cfg, const char *path)
{
    const config_setting_t *s = config_lookup(cfg, path);
    if (s)
        return config_setting_get_string(s);
    const node *n = schema_lookup(path);
    return n ? n->def : NULL;
}

static int get_bool(const config_t *cfg, const char *path)
{
    const config_setting_t *s = config_lookup(cfg, path);
    if (s)
        return config_setting_get_bool(s);
    const node *n = schema_lookup(path);
    return n && n->def && strcmp(n->def, "true") == 0;
}

static brook_err range(const brook_config *c, const char *path, int64_t v, int64_t lo, int64_t hi, char *err,
                       size_t errlen)
{
    if (v >= lo && v <= hi)
        return BROOK_OK;
    const config_setting_t *s = config_lookup(&c->cfg, path);
    char msg[160];
    snprintf(msg, sizeof msg, "%lld is out of range [%lld, %lld]", (long long)v, (long long)lo, (long long)hi);
    if (s)
        return fail_at(c, s, err, errlen, msg);
    snprintf(err, errlen, "%s: %s: %s", c->source, path, msg);
    return BROOK_ERR_INVALID;
}

static void fill_plugin(const brook_config *c, config_setting_t *block, brook_plugin_conf *out)
{
    out->block = block;
    out->name = config_setting_get_string(config_setting_get_member(block, "plugin"));
    const config_setting_t *instance = config_setting_get_member(block, "name");
    out->instance = instance ? config_setting_get_string(instance) : out->name;
    brook_config_where(c, block, out->where, sizeof out->where);
}

/* A block or a list of named blocks (validated already); absent: one
 * instance of `default_plugin`. */
static void fill_instances(brook_config *c, const char *key, const char *default_plugin, brook_plugin_conf *out,
                           size_t *count)
{
    config_setting_t *s = config_lookup(&c->cfg, key);
    *count = 0;
    if (!s) {
        out[0].name = out[0].instance = default_plugin;
        snprintf(out[0].where, sizeof out[0].where, "%s (default)", c->source);
        *count = 1;
    } else if (config_setting_type(s) == CONFIG_TYPE_GROUP) {
        fill_plugin(c, s, &out[(*count)++]);
    } else {
        for (int i = 0; i < config_setting_length(s) && *count < BROOK_MAX_PLUGINS_PER_KIND; i++)
            fill_plugin(c, config_setting_get_elem(s, (unsigned)i), &out[(*count)++]);
    }
}

static brook_err fill_plugin_list(brook_config *c, const char *key, brook_plugin_conf *out, size_t *count, char *err,
                                  size_t errlen)
{
    config_setting_t *list = config_lookup(&c->cfg, key);
    *count = 0;
    if (!list)
        return BROOK_OK;
    if (config_setting_length(list) > BROOK_MAX_PLUGINS_PER_KIND)
        return fail_at(c, list, err, errlen, "too many plugin blocks (at most 16)");
    for (int i = 0; i < config_setting_length(list); i++)
        fill_plugin(c, config_setting_get_elem(list, (unsigned)i), &out[(*count)++]);
    return BROOK_OK;
}

static const char *member_string(const config_setting_t *g, const char *key, const char *def)
{
    const config_setting_t *m = config_setting_get_member(g, key);
    return m ? config_setting_get_string(m) : def;
}

static brook_err fill_tls(brook_config *c, config_setting_t *g, brook_tls_conf *t, char *err, size_t errlen)
{
    if (!g)
        return BROOK_OK;
    t->enabled = 1;
    t->cert = member_string(g, "cert", NULL);
    t->key = member_string(g, "key", NULL);
    t->ca = member_string(g, "ca", NULL);
    t->client_auth = member_string(g, "client_auth", "none");
    t->min_version = member_string(g, "min_version", "1.2");
    t->ciphers = member_string(g, "ciphers", NULL);
    const config_setting_t *m = config_setting_get_member(g, "principal_from_cert");
    t->principal_from_cert = m ? config_setting_get_bool(m) : 0;
    m = config_setting_get_member(g, "handshake_timeout_ms");
    long long timeout = m ? config_setting_get_int64(m) : 10000;
    if (strcmp(t->client_auth, "none") && strcmp(t->client_auth, "requested") && strcmp(t->client_auth, "required"))
        return fail_at(c, config_setting_get_member(g, "client_auth"), err, errlen,
                       "must be none, requested or required");
    if (strcmp(t->client_auth, "none") != 0 && (!t->ca || !*t->ca))
        return fail_at(c, config_setting_get_member(g, "client_auth"), err, errlen,
                       "client certificates need a ca to check them against");
    if (t->principal_from_cert && strcmp(t->client_auth, "none") == 0)
        return fail_at(c, config_setting_get_member(g, "principal_from_cert"), err, errlen,
                       "needs client_auth = \"requested\" or \"required\"");
    if (strcmp(t->min_version, "1.2") && strcmp(t->min_version, "1.3"))
        return fail_at(c, config_setting_get_member(g, "min_version"), err, errlen, "must be \"1.2\" or \"1.3\"");
    if (timeout < 100 || timeout > 600000)
        return fail_at(c, config_setting_get_member(g, "handshake_timeout_ms"), err, errlen,
                       "must be between 100 and 600000");
    t->handshake_timeout_ms = (int32_t)timeout;
    return BROOK_OK;
}

/* A "host:port" string setting whose port is in [min_port, 65535]. */
static brook_err check_host_port(brook_config *c, const config_setting_t *s, long long min_port, char *err,
                                 size_t errlen)
{
    const char *v = config_setting_get_string(s);
    const char *colon = strrchr(v, ':');
    long long port;
    if (!colon || colon == v || parse_int(colon + 1, &port) || port < min_port || port > 65535) {
        char why[64];
        snprintf(why, sizeof why, "must be host:port with a port in [%lld, 65535]", min_port);
        return fail_at(c, s, err, errlen, why);
    }
    return BROOK_OK;
}

static brook_err fill_listeners(brook_config *c, char *err, size_t errlen)
{
    brook_settings *st = &c->settings;
    config_setting_t *list = config_lookup(&c->cfg, "listeners");
    if (config_setting_length(list) == 0)
        return fail_at(c, list, err, errlen, "at least one listener is needed");
    if (config_setting_length(list) > BROOK_MAX_LISTENERS)
        return fail_at(c, list, err, errlen, "too many listeners (at most 16)");
    for (int i = 0; i < config_setting_length(list); i++) {
        config_setting_t *el = config_setting_get_elem(list, (unsigned)i);
        brook_listener_conf *l = &st->listeners[st->listener_count++];
        l->name = config_setting_get_string(config_setting_get_member(el, "name"));
        l->codec = config_setting_get_string(config_setting_get_member(el, "codec"));
        l->address = config_setting_get_string(config_setting_get_member(el, "address"));
        const config_setting_t *adv = config_setting_get_member(el, "advertised_address");
        l->advertised_address = adv ? config_setting_get_string(adv) : NULL;
        brook_config_where(c, el, l->where, sizeof l->where);
        brook_err e;
        if ((e = check_host_port(c, config_setting_get_member(el, "address"), 0, err, errlen)) ||
            (l->advertised_address &&
             (e = check_host_port(c, config_setting_get_member(el, "advertised_address"), 1, err, errlen))))
            return e;
        for (size_t j = 0; j + 1 < st->listener_count; j++)
            if (strcmp(st->listeners[j].name, l->name) == 0)
                return fail_at(c, config_setting_get_member(el, "name"), err, errlen, "duplicate listener name");
        if ((e = fill_tls(c, config_setting_get_member(el, "tls"), &l->tls, err, errlen)))
            return e;
        const config_setting_t *sasl = config_setting_get_member(el, "sasl");
        l->sasl = sasl ? config_setting_get_bool(sasl) : 0;
        const config_setting_t *at = config_setting_get_member(el, "auth_timeout_ms");
        long long auth_timeout = at ? config_setting_get_int64(at) : 10000;
        if (auth_timeout < 100 || auth_timeout > 600000)
            return fail_at(c, at, err, errlen, "must be between 100 and 600000");
        l->auth_timeout_ms = (int32_t)auth_timeout;
    }
    return BROOK_OK;
}

/* Codecs: the explicit `codecs` blocks, plus a bare block for every codec a
 * listener names without one. */
static brook_err fill_codecs(brook_config *c, char *err, size_t errlen)
{
    brook_settings *st = &c->settings;
    brook_err e = fill_plugin_list(c, "codecs", st->codecs, &st->codec_count, err, errlen);
    if (e)
        return e;
    for (size_t i = 0; i < st->listener_count; i++) {
        int found = 0;
        for (size_t j = 0; j < st->codec_count; j++)
            found |= strcmp(st->codecs[j].name, st->listeners[i].codec) == 0;
        if (found)
            continue;
        if (st->codec_count == BROOK_MAX_PLUGINS_PER_KIND) {
            snprintf(err, errlen, "%s: too many codecs", st->listeners[i].where);
            return BROOK_ERR_INVALID;
        }
        brook_plugin_conf *pc = &st->codecs[st->codec_count++];
        pc->name = pc->instance = st->listeners[i].codec;
        pc->block = NULL;
        snprintf(pc->where, sizeof pc->where, "%s", st->listeners[i].where);
    }
    return BROOK_OK;
}

/* A name for keys: [a-zA-Z0-9._-]+. */
static int key_name_valid(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
            return 0;
    return 1;
}

/* etcd's URLs: all http://, or all https:// (TLS, set up by etcd_tls). */
static brook_err check_endpoints(brook_config *c, char *err, size_t errlen)
{
    const brook_settings *st = &c->settings;
    const config_t *cfg = &c->cfg;
    const char *ep = st->cluster_endpoints;
    int plain = 0, tls = 0;
    for (const char *p = ep; p && *p;) {
        size_t n = strcspn(p, ",");
        int is_plain = n > 7 && strncmp(p, "http://", 7) == 0, is_tls = n > 8 && strncmp(p, "https://", 8) == 0;
        plain += is_plain;
        tls += is_tls;
        if (!is_plain && !is_tls)
            return fail_at(c, config_lookup(cfg, "cluster.endpoints"), err, errlen,
                           "must be http:// or https:// URLs separated by commas (etcd's client URLs)");
        p += n + (p[n] == ',');
    }
    if (!ep || !*ep)
        return fail_at(c, config_lookup(cfg, "cluster.endpoints"), err, errlen, "must name at least one URL");
    if (plain && tls)
        return fail_at(c, config_lookup(cfg, "cluster.endpoints"), err, errlen,
                       "must be all http:// or all https:// (one etcd cluster)");
    if (plain && config_lookup(cfg, "cluster.etcd_tls"))
        return fail_at(c, config_lookup(cfg, "cluster.etcd_tls"), err, errlen,
                       "is for https:// endpoints; these are http://");
    if (!st->etcd_cert != !st->etcd_key)
        return fail_at(c, config_lookup(cfg, "cluster.etcd_tls"), err, errlen, "needs both cert and key, or neither");
    return BROOK_OK;
}

/* The cluster block: etcd's URLs, a key name, a prefix that is a path. */
static brook_err check_cluster(brook_config *c, char *err, size_t errlen)
{
    const brook_settings *st = &c->settings;
    if (!st->clustered)
        return BROOK_OK;
    const config_t *cfg = &c->cfg;
    brook_err e = check_endpoints(c, err, errlen);
    if (e)
        return e;
    if (!key_name_valid(st->cluster_name))
        return fail_at(c, config_lookup(cfg, "cluster.name"), err, errlen, "must be letters, digits, '.', '_' or '-'");
    const char *prefix = st->cluster_prefix;
    if (!prefix || prefix[0] != '/' || (strlen(prefix) > 1 && prefix[strlen(prefix) - 1] == '/'))
        return fail_at(c, config_lookup(cfg, "cluster.prefix"), err, errlen,
                       "must start with '/' and not end with one (/brook)");
    return BROOK_OK;
}

/* A listener brokers can reach each other on: native, no SASL (a broker has
 * no password of its own), and either plain TCP or TLS that requires a
 * client certificate (brokers then present their own certificate to each
 * other and check the other's). */
static const char *inter_broker_unfit(const brook_listener_conf *l)
{
    if (strcmp(l->codec, "native") != 0)
        return "must name a listener with codec \"native\"";
    if (l->sasl)
        return "the inter-broker listener cannot have SASL: brokers authenticate to each other with TLS client "
               "certificates (tls.client_auth = \"required\")";
    if (l->tls.enabled && (strcmp(l->tls.client_auth, "required") != 0 || !l->tls.ca || !*l->tls.ca))
        return "an inter-broker listener with TLS must require client certificates (tls.client_auth = "
               "\"required\" and tls.ca): brokers authenticate to each other with them";
    return NULL;
}

/* The listener the brokers of a cluster reach each other on: the one
 * named, or the first fit for it. */
static brook_err check_inter_broker_listener(brook_config *c, char *err, size_t errlen)
{
    brook_settings *st = &c->settings;
    if (!st->clustered)
        return BROOK_OK;
    const config_setting_t *s = config_lookup(&c->cfg, "cluster.inter_broker_listener");
    const char *name = s ? config_setting_get_string(s) : NULL;
    for (size_t i = 0; i < st->listener_count; i++) {
        const brook_listener_conf *l = &st->listeners[i];
        const char *unfit = inter_broker_unfit(l);
        if (name ? strcmp(l->name, name) != 0 : unfit != NULL)
            continue;
        if (unfit)
            return fail_at(c, s, err, errlen, unfit);
        st->inter_broker_listener = l->name;
        return BROOK_OK;
    }
    if (name)
        return fail_at(c, s, err, errlen, "names no listener");
    snprintf(err, errlen,
             "%s: a cluster needs a listener with codec \"native\", no SASL, and either no TLS or TLS that requires "
             "client certificates, for the brokers' own traffic (cluster.inter_broker_listener)",
             c->source);
    return BROOK_ERR_INVALID;
}

/* A relative broker.data_dir lies beside the configuration file that
 * names it, as whoever reads the file expects, never in the working
 * directory of whoever started brookd (/ under systemd). With the built-in
 * configuration there is no file: the working directory it is, except /. */
static brook_err resolve_data_dir(brook_config *c, char *err, size_t errlen)
{
    const char *dir = c->settings.data_dir;
    char base[PATH_MAX];
    while (dir[0] == '.' && dir[1] == '/') /* "./data" is "data" */
        for (dir += 2; *dir == '/'; dir++)
            ;
    if (dir[0] == '/') {
        snprintf(c->data_dir, sizeof c->data_dir, "%s", dir);
    } else if (c->from_file) {
        char file[PATH_MAX];
        if (!realpath(c->source, file)) {
            snprintf(err, errlen, "%s: cannot resolve its directory: %s", c->source, strerror(errno));
            return BROOK_ERR_INVALID;
        }
        snprintf(base, sizeof base, "%s", file);
        *strrchr(base, '/') = '\0'; /* realpath gives an absolute path: there is a '/' */
        if ((size_t)snprintf(c->data_dir, sizeof c->data_dir, "%s/%s", base, dir) >= sizeof c->data_dir)
            return fail_at(c, config_lookup(&c->cfg, "broker.data_dir"), err, errlen, "is too long");
    } else {
        if (!getcwd(base, sizeof base) || strcmp(base, "/") == 0)
            return fail_at(c, config_lookup(&c->cfg, "broker.data_dir"), err, errlen,
                           "is relative and brookd runs in /: give an absolute broker.data_dir (e.g. with -c FILE "
                           "or --set broker.data_dir=/var/lib/brook)");
        if ((size_t)snprintf(c->data_dir, sizeof c->data_dir, "%s/%s", base, dir) >= sizeof c->data_dir)
            return fail_at(c, config_lookup(&c->cfg, "broker.data_dir"), err, errlen, "is too long");
    }
    c->settings.data_dir = c->data_dir;
    return BROOK_OK;
}

brook_err brook_config_validate(brook_config *c, char *err, size_t errlen)
{
    memset(&c->settings, 0, sizeof c->settings);
    brook_err e = validate_group(c, config_root_setting(&c->cfg), root_nodes, err, errlen);
    if (e)
        return e;
    brook_settings *st = &c->settings;
    const config_t *cfg = &c->cfg;
    st->broker_id = (int32_t)get_int(cfg, "broker.id");
    st->data_dir = get_string(cfg, "broker.data_dir");
    st->plugin_dir = get_string(cfg, "broker.plugin_dir");
    st->log_level = get_string(cfg, "broker.log_level");
    st->io_threads = (int32_t)get_int(cfg, "broker.io_threads");
    st->max_frame_bytes = get_int(cfg, "limits.max_frame_bytes");
    st->conn_buffer_bytes = get_int(cfg, "limits.connection_buffer_bytes");
    st->max_inflight_requests = (int32_t)get_int(cfg, "limits.max_inflight_requests");
    st->request_timeout_ms = (int32_t)get_int(cfg, "limits.request_timeout_ms");
    st->max_connections = (int32_t)get_int(cfg, "limits.max_connections");
    st->shutdown_timeout_ms = (int32_t)get_int(cfg, "limits.shutdown_timeout_ms");
    st->idle_memory_trim_ms = (int32_t)get_int(cfg, "limits.idle_memory_trim_ms");
    st->fetch_max_bytes = get_int(cfg, "limits.fetch_max_bytes");
    st->batch_decompressed_max_bytes = get_int(cfg, "limits.batch_decompressed_max_bytes");
    st->request_memory_bytes = get_int(cfg, "limits.request_memory_bytes");
    st->max_topics_created_per_request = get_int(cfg, "limits.max_topics_created_per_request");
    st->failed_authentication_delay_ms = get_int(cfg, "limits.failed_authentication_delay_ms");
    st->client_fault_log_lines = get_int(cfg, "limits.client_fault_log_lines");
    st->client_fault_log_window_ms = get_int(cfg, "limits.client_fault_log_window_ms");
    st->max_connections_per_address = get_int(cfg, "limits.max_connections_per_address");
    st->connections_max_idle_ms = get_int(cfg, "limits.connections_max_idle_ms");
    st->max_frame_bytes_unauthenticated = get_int(cfg, "limits.max_frame_bytes_unauthenticated");
    st->request_receive_timeout_ms = get_int(cfg, "limits.request_receive_timeout_ms");
    st->receive_buffer_total_bytes = get_int(cfg, "limits.receive_buffer_total_bytes");
    st->default_partitions = (int32_t)get_int(cfg, "topics.default_partitions");
    st->auto_create_topics = get_bool(cfg, "topics.auto_create");
    st->max_partitions = (int32_t)get_int(cfg, "topics.max_partitions");
    st->default_replication_factor = (int32_t)get_int(cfg, "topics.default_replication_factor");
    st->min_session_timeout_ms = (int32_t)get_int(cfg, "groups.min_session_timeout_ms");
    st->max_session_timeout_ms = (int32_t)get_int(cfg, "groups.max_session_timeout_ms");
    st->initial_rebalance_delay_ms = (int32_t)get_int(cfg, "groups.initial_rebalance_delay_ms");
    st->offsets_compact_records = get_int(cfg, "groups.offsets_compact_records");
    st->offsets_partitions = (int32_t)get_int(cfg, "groups.offsets_partitions");
    st->offsets_retention_ms = get_int(cfg, "groups.offsets_retention_ms");
    st->offsets_retention_check_ms = get_int(cfg, "groups.offsets_retention_check_ms");
    st->max_producers_per_partition = get_int(cfg, "producers.max_per_partition");
    st->producer_expiration_ms = get_int(cfg, "producers.expiration_ms");
    st->producer_snapshot_interval_bytes = get_int(cfg, "producers.snapshot_interval_bytes");
    st->txn_max_timeout_ms = get_int(cfg, "transactions.max_timeout_ms");
    st->txn_abort_interval_ms = get_int(cfg, "transactions.abort_timed_out_interval_ms");
    st->txn_id_expiration_ms = get_int(cfg, "transactions.id_expiration_ms");
    st->rack = get_string(cfg, "broker.rack");
    st->clustered = config_lookup(cfg, "cluster") != NULL;
    st->cluster_endpoints = get_string(cfg, "cluster.endpoints");
    st->etcd_ca = get_string(cfg, "cluster.etcd_tls.ca");
    st->etcd_cert = get_string(cfg, "cluster.etcd_tls.cert");
    st->etcd_key = get_string(cfg, "cluster.etcd_tls.key");
    st->cluster_name = get_string(cfg, "cluster.name");
    st->cluster_prefix = get_string(cfg, "cluster.prefix");
    st->lease_ttl_ms = get_int(cfg, "cluster.lease_ttl_ms");
    st->leader_rebalance_interval_ms = get_int(cfg, "cluster.leader_rebalance_interval_ms");
    st->replica_fetch_wait_ms = get_int(cfg, "cluster.replica_fetch_wait_ms");
    st->controlled_shutdown_timeout_ms = get_int(cfg, "cluster.controlled_shutdown_timeout_ms");
    const char *selector = get_string(cfg, "cluster.replica_selector");
    st->rack_aware_reads = selector && strcmp(selector, "rack") == 0;

    if ((e = range(c, "broker.id", get_int(cfg, "broker.id"), 0, INT32_MAX, err, errlen)) ||
        (e = range(c, "broker.io_threads", get_int(cfg, "broker.io_threads"), 1, 64, err, errlen)) ||
        (e = range(c, "limits.max_frame_bytes", st->max_frame_bytes, 1024, INT32_MAX, err, errlen)) ||
        (e = range(c, "limits.connection_buffer_bytes", st->conn_buffer_bytes, 65536, (int64_t)1 << 40, err, errlen)) ||
        (e = range(c, "limits.max_inflight_requests", get_int(cfg, "limits.max_inflight_requests"), 1, 1 << 20, err,
                   errlen)) ||
        (e = range(c, "limits.request_timeout_ms", get_int(cfg, "limits.request_timeout_ms"), 1, 3600000, err,
                   errlen)) ||
        (e = range(c, "limits.max_connections", get_int(cfg, "limits.max_connections"), 1, 1 << 20, err, errlen)) ||
        (e = range(c, "limits.shutdown_timeout_ms", get_int(cfg, "limits.shutdown_timeout_ms"), 0, 3600000, err,
                   errlen)) ||
        (e = range(c, "limits.idle_memory_trim_ms", st->idle_memory_trim_ms, 0, 86400000, err, errlen)) ||
        (e = range(c, "limits.fetch_max_bytes", st->fetch_max_bytes, 1024, INT32_MAX, err, errlen)) ||
        (e = range(c, "limits.max_connections_per_address", st->max_connections_per_address, 1, 1 << 20, err,
                   errlen)) ||
        (e = range(c, "limits.connections_max_idle_ms", st->connections_max_idle_ms, 100, INT32_MAX, err, errlen)) ||
        (e = range(c, "limits.max_frame_bytes_unauthenticated", st->max_frame_bytes_unauthenticated, 1024, INT32_MAX,
                   err, errlen)) ||
        (e = range(c, "limits.request_receive_timeout_ms", st->request_receive_timeout_ms, 100, INT32_MAX, err,
                   errlen)) ||
        (e = range(c, "limits.receive_buffer_total_bytes", st->receive_buffer_total_bytes, st->max_frame_bytes,
                   (int64_t)1 << 40, err, errlen)) ||
        (e = range(c, "limits.failed_authentication_delay_ms", st->failed_authentication_delay_ms, 0, 60000, err,
                   errlen)) ||
        (e = range(c, "limits.client_fault_log_lines", st->client_fault_log_lines, 1, 1000000, err, errlen)) ||
        (e = range(c, "limits.client_fault_log_window_ms", st->client_fault_log_window_ms, 100, INT32_MAX, err,
                   errlen)) ||
        (e = range(c, "limits.max_topics_created_per_request", st->max_topics_created_per_request, 0, 1000000, err,
                   errlen)) ||
        (e = range(c, "limits.request_memory_bytes", st->request_memory_bytes, 1 << 20, (int64_t)1 << 40, err,
                   errlen)) ||
        (e = range(c, "limits.batch_decompressed_max_bytes", st->batch_decompressed_max_bytes, 65536, INT32_MAX, err,
                   errlen)) ||
        (e = range(c, "topics.max_partitions", get_int(cfg, "topics.max_partitions"), 1, 100000, err, errlen)) ||
        (e = range(c, "topics.default_partitions", get_int(cfg, "topics.default_partitions"), 1, st->max_partitions,
                   err, errlen)) ||
        (e = range(c, "topics.default_replication_factor", st->default_replication_factor, 1, 1024, err, errlen)) ||
        (e = range(c, "groups.min_session_timeout_ms", st->min_session_timeout_ms, 1, 3600000, err, errlen)) ||
        (e = range(c, "groups.max_session_timeout_ms", st->max_session_timeout_ms, st->min_session_timeout_ms, 3600000,
                   err, errlen)) ||
        (e = range(c, "groups.initial_rebalance_delay_ms", st->initial_rebalance_delay_ms, 0, 600000, err, errlen)) ||
        (e = range(c, "groups.offsets_partitions", st->offsets_partitions, 1, 1000, err, errlen)) ||
        (e = range(c, "groups.offsets_compact_records", st->offsets_compact_records, 10, INT64_MAX, err, errlen)) ||
        (e = range(c, "groups.offsets_retention_ms", st->offsets_retention_ms, -1, INT64_MAX, err, errlen)) ||
        (e = range(c, "groups.offsets_retention_check_ms", st->offsets_retention_check_ms, 10, 86400000, err,
                   errlen)) ||
        (e = range(c, "producers.max_per_partition", st->max_producers_per_partition, 1, 10000000, err, errlen)) ||
        (e = range(c, "producers.expiration_ms", st->producer_expiration_ms, 1000, INT64_MAX, err, errlen)) ||
        (e = range(c, "transactions.max_timeout_ms", st->txn_max_timeout_ms, 1, INT32_MAX, err, errlen)) ||
        (e = range(c, "transactions.abort_timed_out_interval_ms", st->txn_abort_interval_ms, 10, 3600000, err,
                   errlen)) ||
        (e = range(c, "transactions.id_expiration_ms", st->txn_id_expiration_ms, 1000, INT64_MAX, err, errlen)) ||
        (e = range(c, "producers.snapshot_interval_bytes", st->producer_snapshot_interval_bytes, 4096, INT64_MAX, err,
                   errlen)) ||
        (e = range(c, "cluster.lease_ttl_ms", st->lease_ttl_ms, 2000, 300000, err, errlen)) ||
        (e = range(c, "cluster.leader_rebalance_interval_ms", st->leader_rebalance_interval_ms, 0, 86400000, err,
                   errlen)) ||
        (e = range(c, "cluster.replica_fetch_wait_ms", st->replica_fetch_wait_ms, 10, 60000, err, errlen)) ||
        (e = range(c, "cluster.controlled_shutdown_timeout_ms", st->controlled_shutdown_timeout_ms, 0, 600000, err,
                   errlen)) ||
        (e = check_cluster(c, err, errlen)))
        return e;
    if (selector && strcmp(selector, "leader") != 0 && !st->rack_aware_reads)
        return fail_at(c, config_lookup(cfg, "cluster.replica_selector"), err, errlen, "must be leader or rack");
    if (brook_log_level_parse(st->log_level) < 0) {
        const config_setting_t *s = config_lookup(cfg, "broker.log_level");
        return fail_at(c, s, err, errlen, "must be one of error, warn, info, debug");
    }
    if (!st->data_dir || !*st->data_dir) {
        const config_setting_t *s = config_lookup(cfg, "broker.data_dir");
        return fail_at(c, s, err, errlen, "must not be empty");
    }
    if ((e = resolve_data_dir(c, err, errlen)) || (e = fill_listeners(c, err, errlen)) ||
        (e = check_inter_broker_listener(c, err, errlen)))
        return e;
    const config_setting_t *metrics_address = config_lookup(cfg, "metrics.address");
    if (metrics_address && (e = check_host_port(c, metrics_address, 0, err, errlen)))
        return e;
    st->metrics_address = metrics_address ? config_setting_get_string(metrics_address) : NULL;
    fill_instances(c, "storage", NULL, st->storage, &st->storage_count);
    fill_instances(c, "replication", "none", st->replication, &st->replication_count);
    if ((e = fill_plugin_list(c, "auth", st->auth, &st->auth_count, err, errlen)))
        return e;
    if (st->auth_count == 0) {
        st->auth[0].name = st->auth[0].instance = "anonymous";
        snprintf(st->auth[0].where, sizeof st->auth[0].where, "%s (default)", c->source);
        st->auth_count = 1;
    }
    return fill_codecs(c, err, errlen);
}

static void print_nodes(const char *prefix, const node *children)
{
    for (const node *n = children; n && n->name; n++) {
        char path[128];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", n->name);
        if (n->type == N_GROUP) {
            print_nodes(path, n->children);
            continue;
        }
        printf("%-36s %-10s %-12s %s\n", path,
               n->type == N_INT      ? "int"
               : n->type == N_BOOL   ? "bool"
               : n->type == N_STRING ? "string"
                                     : "block",
               n->def ? n->def : (n->required ? "(required)" : "-"), n->doc);
        if (n->type == N_LIST) {
            char el[140];
            snprintf(el, sizeof el, "%s.[]", path);
            print_nodes(el, n->children);
        }
    }
}

void brook_config_print_schema(void)
{
    print_nodes("", root_nodes);
}
