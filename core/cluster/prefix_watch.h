/* A prefix of the metadata store kept current: read everything under it,
 * then watch from the revision read; when the watch ends (the revision was
 * compacted away, or the link to the store failed) read everything again
 * and watch from there. The owner sees a whole snapshot first, then
 * changes in revision order; after a re-read, a new snapshot that replaces
 * what it knew (so nothing missed while the watch was down is lost).
 * Membership, the controller election and the metadata image use it. */
#ifndef BROOK_CORE_PREFIX_WATCH_H
#define BROOK_CORE_PREFIX_WATCH_H

#include <stdint.h>

#include "loop.h"
#include "metastore.h"

typedef struct brook_prefix_watch_ops {
    /* Everything under the prefix at `revision` (replaces what came before). */
    void (*snapshot)(void *arg, const brook_mkv *kvs, size_t n, int64_t revision);
    /* Changes after the snapshot, in revision order. */
    void (*changed)(void *arg, const brook_mevent *events, size_t n, int64_t revision);
} brook_prefix_watch_ops;

typedef struct brook_prefix_watch {
    brook_metastore *store;
    brook_loop *loop;
    char prefix[320]; /* a prefix, or with `exact` one key */
    int exact;
    const char *what; /* for log lines: "the brokers" */
    brook_prefix_watch_ops ops;
    void *arg;
    brook_mwatch *watch;
    brook_timer *retry;
    int stopped;
} brook_prefix_watch;

/* Start following; `w` stays where it is until brook_prefix_watch_stop. */
void brook_prefix_watch_start(brook_prefix_watch *w, brook_metastore *store, brook_loop *loop, const char *prefix,
                              int exact, const char *what, const brook_prefix_watch_ops *ops, void *arg);
/* Read everything again (after `delay_ms`), then watch from there. */
void brook_prefix_watch_restart(brook_prefix_watch *w, int64_t delay_ms);
/* No callback after this; answers still in flight are ignored. */
void brook_prefix_watch_stop(brook_prefix_watch *w);

#endif
