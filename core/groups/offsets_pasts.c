/* Groups' pasts (brook_group_past, group.h) in the committed offsets'
 * log, so that a restart or a new coordinator knows since when a group has
 * been empty, and whether it is a standalone consumer's, instead of
 * counting it as empty from then (which let a broker restarted more often
 * than the retention keep a dead group's offsets for ever); and a stable
 * group's generation and members, so that it goes on without a rebalance.
 *
 * Record: key version 2 (int16 2, int16 len + group); the value is
 * past_record.h's, a null value forgets it. The log's compaction keeps the
 * live ones (offsets_compact.c); the cluster's compacted
 * __consumer_offsets keeps the latest per group. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "offsets_internal.h"
#include "past_record.h"
#include "record_batch.h"

/* ---- the map: group -> brook_group_past, one allocation each (past_record_copy) ---- */

static void map_forget(brook_offsets *o, const char *group)
{
    offsets_keyed_forget(o, &o->pasts, group);
}

/* Takes `past` (one allocation). */
static brook_err map_put(brook_offsets *o, const char *group, brook_group_past *past)
{
    return offsets_keyed_put(o, &o->pasts, group, past);
}

const brook_group_past *brook_offsets_past(const brook_offsets *o, const char *group)
{
    return brook_strmap_get(&o->pasts, group);
}

void brook_offsets_each_past(const brook_offsets *o, brook_offsets_past_cb cb, void *arg)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&o->pasts, &it));)
        cb(arg, e->key, e->value);
}

void offsets_forget_pasts(brook_offsets *o, int (*drop)(void *arg, const char *group), void *arg)
{
    offsets_keyed_forget_where(o, &o->pasts, drop, arg);
}

void offsets_free_pasts(brook_offsets *o)
{
    offsets_forget_pasts(o, NULL, NULL);
    brook_strmap_free(&o->pasts);
}

/* ---- records -------------------------------------------------------------------- */

brook_err offsets_add_past(brook_batch_builder *b, const char *group, const brook_group_past *past, int64_t timestamp)
{
    uint8_t key[300], *value = NULL;
    size_t value_len = 0;
    if (strlen(group) > 255)
        return BROOK_ERR_INVALID;
    brook_err e = past ? past_record_encode(past, &value, &value_len) : BROOK_OK;
    if (e)
        return e;
    brook_put_be16(key, OFFSETS_PAST_VERSION);
    brook_record r = {.timestamp = timestamp,
                      .key = key,
                      .key_len = (int32_t)(offsets_put_str(key + 2, group) - key),
                      .value = value,
                      .value_len = past ? (int32_t)value_len : -1};
    e = brook_batch_builder_add(b, &r, NULL, 0);
    free(value);
    return e;
}

void offsets_apply_past(brook_offsets *o, const brook_record *rec)
{
    char group[300];
    const uint8_t *k = rec->key + 2, *kend = rec->key + rec->key_len;
    if (!offsets_get_str(&k, kend, group, sizeof group) || k != kend)
        return;
    if (rec->value_len < 0) {
        map_forget(o, group);
        return;
    }
    brook_group_past *past = past_record_decode(rec->value, (size_t)rec->value_len);
    if (!past)
        return; /* malformed or a later version's: not understood here */
    if (map_put(o, group, past))
        log_warn("group %s: out of memory while reading its past; it counts as empty from now", group);
}

/* ---- writing them down ------------------------------------------------------------ */

static void warn_unwritten(const char *group, brook_err err)
{
    log_warn("group %s: cannot write down its state (%s): after a restart its offsets may expire later than due, "
             "and its members may rebalance",
             group, brook_err_str(err));
}

typedef struct past_write {
    brook_offsets_done done; /* NULL: nobody waits */
    void *arg;
    char group[];
} past_write;

static void past_written(void *arg, brook_err err)
{
    past_write *w = arg;
    if (err)
        warn_unwritten(w->group, err);
    if (w->done)
        w->done(w->arg, err);
    free(w);
}

/* BROOK_OK: `done` is left to the append (or was called). */
static brook_err append_past(brook_offsets *o, const char *group, const brook_group_past *past, brook_offsets_done done,
                             void *arg)
{
    brook_batch_builder *b;
    brook_err e = brook_batch_builder_new(&b);
    if (e)
        return e;
    if (!(e = offsets_add_past(b, group, past, brook_wall_clock_ms()))) {
        if (o->append) {
            const uint8_t *data;
            size_t len, n = strlen(group) + 1;
            past_write *w = malloc(sizeof *w + n);
            if (!w) {
                e = BROOK_ERR_NOMEM;
            } else if (!(e = brook_batch_builder_finish(b, &data, &len))) {
                *w = (past_write){.done = done, .arg = arg};
                memcpy(w->group, group, n);
                o->append(o->append_ctx, group, data, len, -1, past_written, w); /* copies the batch */
            } else {
                free(w);
            }
        } else if (!(e = offsets_append(o, o->log, b)) && done) {
            done(arg, BROOK_OK); /* as durable as a commit here */
        }
    }
    brook_batch_builder_free(b);
    return e;
}

void brook_offsets_remember(brook_offsets *o, const char *group, const brook_group_past *past)
{
    brook_offsets_remember_then(o, group, past, NULL, NULL);
}

void brook_offsets_remember_then(brook_offsets *o, const char *group, const brook_group_past *past,
                                 brook_offsets_done done, void *arg)
{
    if (o->closing || (!past && !brook_offsets_past(o, group))) {
        if (done) /* closing: nothing can be stored; else nothing written down to forget */
            done(arg, o->closing ? BROOK_ERR_SHUTDOWN : BROOK_OK);
        return;
    }
    brook_err e = append_past(o, group, past, done, arg);
    if (past && (e == BROOK_ERR_TOO_LARGE || e == BROOK_ERR_INVALID)) {
        /* what was written before no longer holds: forget it */
        log_warn("group %s: its state is too large to write down (%s): after a restart or a move of its "
                 "coordinator its members rebalance",
                 group, brook_err_str(e));
        brook_offsets_remember_then(o, group, NULL, done, arg);
        return;
    }
    if (e && done)
        done(arg, e);
    if (!e) {
        o->records++;
        brook_group_past *copy = past ? past_record_copy(past) : NULL;
        if (copy)
            e = map_put(o, group, copy);
        else if (past)
            e = BROOK_ERR_NOMEM; /* the encoding worked for the record: memory ran out */
        else
            map_forget(o, group);
    }
    if (e)
        warn_unwritten(group, e);
}

void brook_offsets_drop_stale_pasts(brook_offsets *o, int (*pick)(void *arg, const char *group), void *arg)
{
    /* names first: forgetting changes the map being gone through */
    char **names = NULL;
    size_t count = 0, cap = 0;
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&o->pasts, &it));) {
        const brook_group_past *past = e->value;
        if ((pick && !pick(arg, e->key)) || past->member_count || brook_offsets_has_group(o, e->key))
            continue; /* a stable group's needs no offsets */
        if (count == cap) {
            char **more = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *more);
            if (!more)
                break; /* the rest at the next load */
            names = more;
        }
        if ((names[count] = strdup(e->key)))
            count++;
    }
    for (size_t i = 0; i < count; i++)
        brook_offsets_remember(o, names[i], NULL);
    brook_offsets_free_group_names(names, count);
}
