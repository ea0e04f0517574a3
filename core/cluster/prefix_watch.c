#include "prefix_watch.h"

#include <stdio.h>

#include "log.h"

#define RETRY_MS 1000

static void read_prefix(brook_prefix_watch *w);

static void retry_due(void *arg)
{
    brook_prefix_watch *w = arg;
    w->retry = NULL;
    if (w->watch)
        w->store->ops->unwatch(w->store, w->watch);
    w->watch = NULL;
    read_prefix(w);
}

void brook_prefix_watch_restart(brook_prefix_watch *w, int64_t delay_ms)
{
    /* never from inside the store's own callback: on a timer */
    if (!w->stopped && !w->retry)
        brook_loop_timer_add(w->loop, delay_ms, retry_due, w, &w->retry);
}

static void changed(void *arg, const brook_mevent *events, size_t n, int64_t revision)
{
    brook_prefix_watch *w = arg;
    if (!w->stopped)
        w->ops.changed(w->arg, events, n, revision);
}

static void ended(void *arg, brook_err err, int64_t compact_revision)
{
    brook_prefix_watch *w = arg;
    (void)compact_revision;
    if (err != BROOK_ERR_OUT_OF_RANGE)
        log_warn("cluster: the watch on %s ended (%s); reading it again", w->what, brook_err_str(err));
    brook_prefix_watch_restart(w, err == BROOK_ERR_OUT_OF_RANGE ? 0 : RETRY_MS);
}

static void prefix_read(void *arg, const brook_mresult *r)
{
    brook_prefix_watch *w = arg;
    if (w->stopped)
        return;
    if (r->err) {
        brook_prefix_watch_restart(w, RETRY_MS);
        return;
    }
    w->ops.snapshot(w->arg, r->kvs, r->count, r->revision);
    if (!w->stopped &&
        w->store->ops->watch(w->store, w->prefix, r->revision + 1, changed, ended, w, &w->watch) != BROOK_OK)
        brook_prefix_watch_restart(w, RETRY_MS);
}

static void read_prefix(brook_prefix_watch *w)
{
    if (w->store->ops->get(w->store, w->prefix, !w->exact, prefix_read, w) != BROOK_OK)
        brook_prefix_watch_restart(w, RETRY_MS);
}

void brook_prefix_watch_start(brook_prefix_watch *w, brook_metastore *store, brook_loop *loop, const char *prefix,
                              int exact, const char *what, const brook_prefix_watch_ops *ops, void *arg)
{
    *w = (brook_prefix_watch){.store = store, .loop = loop, .exact = exact, .what = what, .ops = *ops, .arg = arg};
    snprintf(w->prefix, sizeof w->prefix, "%s", prefix);
    read_prefix(w);
}

void brook_prefix_watch_stop(brook_prefix_watch *w)
{
    w->stopped = 1;
    if (w->retry)
        brook_loop_timer_cancel(w->loop, w->retry);
    w->retry = NULL;
    if (w->watch)
        w->store->ops->unwatch(w->store, w->watch);
    w->watch = NULL;
}
