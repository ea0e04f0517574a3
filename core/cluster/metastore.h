/* The cluster's metadata store, engine-neutral: a versioned key-value store
 * with compare-and-swap transactions, leases and watches from a revision
 * (etcd's model, which ZooKeeper or an embedded Raft quorum can also
 * offer). Brokers register under leases, the controller is elected by a
 * transaction, and every controller write compares revisions, so a dead
 * controller's late writes fail.
 *
 * Everything is asynchronous on the broker's loop: a call returns at once
 * (an error then means nothing was sent) and its callback runs later, once,
 * on the loop. Results are valid during the callback only. Keys are text
 * (paths such as "/brook/c1/brokers/3"); values are bytes. */
#ifndef BROOK_CORE_METASTORE_H
#define BROOK_CORE_METASTORE_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

typedef struct brook_mkv {
    const char *key;
    const uint8_t *value;
    size_t value_len;
    int64_t create_revision; /* the revision that created it (0: absent) */
    int64_t mod_revision;    /* the revision of its last change */
    int64_t version;         /* changes since it was created */
    int64_t lease;           /* 0: none */
} brook_mkv;

typedef struct brook_mresult {
    brook_err err;        /* BROOK_ERR_IO: the engine did not answer; BROOK_ERR_INVALID: it refused */
    const char *error;    /* why, when err */
    int64_t revision;     /* the store's revision when it answered */
    int succeeded;        /* txn: every compare held (the `then` ops ran, else the `otherwise` ones) */
    const brook_mkv *kvs; /* get: what matched, in key order */
    size_t count;
    int64_t lease; /* lease_grant: its id */
    int64_t ttl;   /* lease_grant / keepalive: seconds left; 0 after a keepalive: it had expired */
} brook_mresult;

typedef void (*brook_mdone)(void *arg, const brook_mresult *r);

typedef enum brook_mcmp_target {
    BROOK_MCMP_CREATE_REVISION, /* 0 = the key does not exist */
    BROOK_MCMP_MOD_REVISION,
    BROOK_MCMP_VERSION,
    BROOK_MCMP_VALUE,
} brook_mcmp_target;

typedef enum brook_mcmp_result {
    BROOK_MCMP_EQUAL,
    BROOK_MCMP_NOT_EQUAL,
    BROOK_MCMP_LESS,
    BROOK_MCMP_GREATER,
} brook_mcmp_result;

typedef struct brook_mcmp {
    const char *key;
    brook_mcmp_target target;
    brook_mcmp_result result;
    int64_t number; /* revisions and versions */
    const uint8_t *value;
    size_t value_len;
} brook_mcmp;

typedef enum brook_mop_kind {
    BROOK_MOP_PUT,
    BROOK_MOP_DELETE,        /* the key */
    BROOK_MOP_DELETE_PREFIX, /* every key starting with it */
} brook_mop_kind;

typedef struct brook_mop {
    brook_mop_kind kind;
    const char *key;
    const uint8_t *value;
    size_t value_len;
    int64_t lease; /* PUT: attach to this lease (0: none); the key goes when it expires */
} brook_mop;

typedef struct brook_mevent {
    int deleted; /* else put */
    brook_mkv kv;
} brook_mevent;

/* Changes, in revision order, up to `revision`. */
typedef void (*brook_mwatch_events)(void *arg, const brook_mevent *events, size_t n, int64_t revision);
/* The watch ended and sends nothing more: the revision it started from was
 * compacted away (BROOK_ERR_OUT_OF_RANGE, `compact_revision` > 0: read
 * everything again and watch from the new revision) or the link to the
 * engine failed (`err`). Unwatch it later, not from inside this callback. */
typedef void (*brook_mwatch_end)(void *arg, brook_err err, int64_t compact_revision);

typedef struct brook_metastore brook_metastore;
typedef struct brook_mwatch brook_mwatch;

typedef struct brook_metastore_ops {
    /* The key, or with `prefix` every key that starts with it. */
    brook_err (*get)(brook_metastore *s, const char *key, int prefix, brook_mdone done, void *arg);
    /* If every compare holds, run `then`, else `otherwise`: atomically. */
    brook_err (*txn)(brook_metastore *s, const brook_mcmp *cmp, size_t ncmp, const brook_mop *then, size_t nthen,
                     const brook_mop *otherwise, size_t notherwise, brook_mdone done, void *arg);
    brook_err (*lease_grant)(brook_metastore *s, int64_t ttl_s, brook_mdone done, void *arg);
    brook_err (*lease_keepalive)(brook_metastore *s, int64_t lease, brook_mdone done, void *arg);
    brook_err (*lease_revoke)(brook_metastore *s, int64_t lease, brook_mdone done, void *arg);
    /* Changes of every key starting with `prefix`, from `from_revision` on. */
    brook_err (*watch)(brook_metastore *s, const char *prefix, int64_t from_revision, brook_mwatch_events events,
                       brook_mwatch_end end, void *arg, brook_mwatch **out);
    /* Stop a watch; its callbacks are not called again. */
    void (*unwatch)(brook_metastore *s, brook_mwatch *w);
    /* Forget the answers in flight: their callbacks are not called (a
     * broker stopping frees what they would reach). The store stays usable. */
    void (*abandon)(brook_metastore *s);
    /* Abandon everything in flight (no callbacks) and free the store. */
    void (*free)(brook_metastore *s);
} brook_metastore_ops;

struct brook_metastore {
    const brook_metastore_ops *ops;
};

#endif
