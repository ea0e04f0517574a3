/* A set of named items the cluster holds in the metadata store, one key per
 * item (<ns>/<dir>/<name>, the item's text its value), and a keeper on each
 * broker (a plugin's file) kept equal to it: the cluster's ACLs, its SCRAM
 * users (store_mirror.c). A change made through any broker is a write to
 * the store, so it holds on every broker and outlives any of them. */
#ifndef BROOK_CORE_STORE_MIRROR_H
#define BROOK_CORE_STORE_MIRROR_H

#include <stddef.h>

#include <brook/errors.h>

struct brook_broker;

/* The most items one change may write (the store takes a bounded number
 * of operations per transaction: etcd's --max-txn-ops is 128). */
#define BROOK_STORE_MIRROR_MAX_PER_CHANGE 100

typedef void (*brook_mirror_each)(void *arg, const char *name, const char *value);

/* What the keeper on this broker does; `keeper` is the pointer given at start. */
typedef struct brook_store_mirror_ops {
    /* each(arg, name, value) for every item the keeper holds. */
    void (*list)(void *keeper, brook_mirror_each each, void *arg);
    /* Hold names[i] with values[i] (new, or changed), i < n, as one change
     * of the keeper: a broker joining takes every item at once, and a
     * keeper that rewrites a file per call would otherwise write n^2 bytes. */
    void (*put)(void *keeper, const char *const *names, const char *const *values, size_t n);
    /* Hold none of names[i], i < n. */
    void (*remove)(void *keeper, const char *const *names, size_t n);
} brook_store_mirror_ops;

typedef struct brook_store_mirror brook_store_mirror;

/* Follow <ns>/<dir>/ with `keeper`: a snapshot reconciles (items the
 * store lacks removed, items it has put), each change after it is put or
 * removed. The first broker of a cluster to find the store empty seeds it
 * with its keeper's items, once (a transaction creating <ns>/<dir>_seeded):
 * a cluster upgraded from per-broker files keeps them, and a set emptied on
 * purpose stays empty. `what` names the items in log lines ("ACL rules"). */
brook_err brook_store_mirror_start(struct brook_broker *b, const char *dir, const char *what,
                                   const brook_store_mirror_ops *ops, void *keeper, brook_store_mirror **out);
void brook_store_mirror_stop(brook_store_mirror *m);

/* Write `n` items to the store in one transaction: names[i] with
 * values[i], or removed where values[i] (or `values`) is NULL; done(arg, err) once it
 * answered, on the loop. The keeper follows when the change comes back
 * through the watch (callers apply it at once too). */
brook_err brook_store_mirror_write(brook_store_mirror *m, const char *const *names, const char *const *values, size_t n,
                                   void (*done)(void *arg, brook_err err), void *arg);

#endif
