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

/* The most items one transaction writes (etcd's --max-txn-ops is 128 by
 * default): a change or a seeding of more is written as several. */
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
 * removed. The first broker of a cluster to find no marker <ns>/<dir>_seeded
 * seeds the store with its keeper's items, once: a cluster upgraded from
 * per-broker files keeps them, and a set emptied on purpose stays empty.
 * Up to BROOK_STORE_MIRROR_MAX_PER_CHANGE items go with the marker in one
 * transaction; more, in transactions guarded by a claim (the marker, under
 * the seeder's lease, saying so) that the others wait for rather than
 * reconcile with half a set, and that lapses with the seeder: the next
 * broker then seeds its own items over what the lapsed seeding left.
 * `what` names the items in log lines ("ACL rules"). */
brook_err brook_store_mirror_start(struct brook_broker *b, const char *dir, const char *what,
                                   const brook_store_mirror_ops *ops, void *keeper, brook_store_mirror **out);
void brook_store_mirror_stop(brook_store_mirror *m);

/* ---- writes: items changed through this broker ---- */

/* A change of `n` items, filled with brook_store_change_set, then written
 * (and freed) by brook_store_change_write. It holds copies of the items
 * (cleared before they are freed: SCRAM keys are among them), so memory
 * follows the items' own sizes. */
typedef struct brook_store_change brook_store_change;

/* NULL: no memory. */
brook_store_change *brook_store_change_new(brook_store_mirror *m, size_t n);
/* Item `i` (< n): `name` with `value`, or removed where `value` is NULL. -1: no memory. */
int brook_store_change_set(brook_store_change *c, size_t i, const char *name, const char *value);
/* For a change not written. */
void brook_store_change_free(brook_store_change *c);
/* Write `c` to the store and free it: in one transaction up to
 * BROOK_STORE_MIRROR_MAX_PER_CHANGE items, else in transactions of that
 * many, one after another; done(arg, err) once, on the loop, when all are
 * written or one failed (the ones before it hold: a caller that retries
 * writes the same keys again, which changes nothing). The keeper follows
 * when the change comes back through the watch (callers apply it at once
 * too). An error returned means nothing was sent and `c` is freed. */
brook_err brook_store_change_write(brook_store_change *c, void (*done)(void *arg, brook_err err), void *arg);

#endif
