/* Empty groups' pasts (brook_group_past, group.h) in the committed
 * offsets' log, so that a restart or a new coordinator knows since when a
 * group has been empty, and whether it is a standalone consumer's, instead
 * of counting it as empty from then (which let a broker restarted more
 * often than the retention keep a dead group's offsets for ever).
 *
 * Record layout (big-endian), key version 2:
 *   key:   int16 2, int16 len + group
 *   value: int16 0, int64 empty since (wall-clock ms), int8 standalone,
 *          int16 len + protocol type (-1: none); a null value forgets it.
 * The log's compaction keeps the live ones (offsets_compact.c); the
 * cluster's compacted __consumer_offsets keeps the latest per group. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "offsets_internal.h"
#include "record_batch.h"

#define VALUE_VERSION 0

typedef struct stored_past {
    brook_group_past past;
    char protocol_type[]; /* past.protocol_type points here when it has one */
} stored_past;

/* ---- the map ------------------------------------------------------------------ */

static void map_forget(brook_offsets *o, const char *group)
{
    stored_past *gone = brook_strmap_remove(&o->pasts, group);
    o->live -= gone != NULL;
    free(gone);
}

static brook_err map_set(brook_offsets *o, const char *group, const brook_group_past *past)
{
    size_t type_len = past->protocol_type ? strlen(past->protocol_type) + 1 : 0;
    stored_past *s = malloc(sizeof *s + type_len);
    if (!s)
        return BROOK_ERR_NOMEM;
    s->past = *past;
    if (type_len) {
        memcpy(s->protocol_type, past->protocol_type, type_len);
        s->past.protocol_type = s->protocol_type;
    }
    stored_past *old = brook_strmap_get(&o->pasts, group);
    if (brook_strmap_put(&o->pasts, group, s)) {
        free(s);
        return BROOK_ERR_NOMEM;
    }
    o->live += old == NULL;
    free(old);
    return BROOK_OK;
}

const brook_group_past *brook_offsets_past(const brook_offsets *o, const char *group)
{
    const stored_past *s = brook_strmap_get(&o->pasts, group);
    return s ? &s->past : NULL;
}

void offsets_forget_pasts(brook_offsets *o, int (*drop)(void *arg, const char *group), void *arg)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&o->pasts, &it));)
        if (!drop || drop(arg, e->key)) {
            free(e->value);
            o->live--;
            brook_strmap_remove(&o->pasts, e->key); /* the entry just returned: allowed */
        }
}

void offsets_free_pasts(brook_offsets *o)
{
    offsets_forget_pasts(o, NULL, NULL);
    brook_strmap_free(&o->pasts);
}

/* ---- records -------------------------------------------------------------------- */

brook_err offsets_add_past(brook_batch_builder *b, const char *group, const brook_group_past *past, int64_t timestamp)
{
    uint8_t key[300], value[300];
    if (strlen(group) > 255 || (past && past->protocol_type && strlen(past->protocol_type) > 255))
        return BROOK_ERR_INVALID;
    brook_put_be16(key, OFFSETS_PAST_VERSION);
    uint8_t *v = value;
    if (past) {
        brook_put_be16(v, VALUE_VERSION);
        brook_put_be64(v + 2, (uint64_t)past->empty_since_ms);
        v[10] = past->standalone ? 1 : 0;
        v += 11;
        if (past->protocol_type) {
            v = offsets_put_str(v, past->protocol_type);
        } else {
            brook_put_be16(v, 0xffff);
            v += 2;
        }
    }
    brook_record r = {.timestamp = timestamp,
                      .key = key,
                      .key_len = (int32_t)(offsets_put_str(key + 2, group) - key),
                      .value = past ? value : NULL,
                      .value_len = past ? (int32_t)(v - value) : -1};
    return brook_batch_builder_add(b, &r, NULL, 0);
}

void offsets_apply_past(brook_offsets *o, const brook_record *rec)
{
    char group[300], type[300];
    const uint8_t *k = rec->key + 2, *kend = rec->key + rec->key_len;
    if (!offsets_get_str(&k, kend, group, sizeof group) || k != kend)
        return;
    if (rec->value_len < 0) {
        map_forget(o, group);
        return;
    }
    const uint8_t *v = rec->value, *vend = rec->value + rec->value_len;
    if (rec->value_len < 13 || brook_be16(v) != VALUE_VERSION)
        return; /* a later version's: not understood here */
    brook_group_past past = {.empty_since_ms = (int64_t)brook_be64(v + 2), .standalone = v[10] != 0};
    v += 11;
    if (brook_be16(v) != 0xffff) {
        if (!offsets_get_str(&v, vend, type, sizeof type))
            return;
        past.protocol_type = type;
    }
    if (map_set(o, group, &past))
        log_warn("group %s: out of memory while reading its past; it counts as empty from now", group);
}

/* ---- writing them down ------------------------------------------------------------ */

static void warn_unwritten(const char *group, brook_err err)
{
    log_warn("group %s: cannot write down since when it has been empty (%s): after a restart its offsets expire "
             "later",
             group, brook_err_str(err));
}

static void past_written(void *arg, brook_err err)
{
    char *group = arg;
    if (err)
        warn_unwritten(group, err);
    free(group);
}

static brook_err append_past(brook_offsets *o, const char *group, const brook_group_past *past)
{
    brook_batch_builder *b;
    brook_err e = brook_batch_builder_new(&b);
    if (e)
        return e;
    if (!(e = offsets_add_past(b, group, past, brook_wall_clock_ms()))) {
        if (o->append) {
            const uint8_t *data;
            size_t len;
            char *name = strdup(group);
            if (!name)
                e = BROOK_ERR_NOMEM;
            else if (!(e = brook_batch_builder_finish(b, &data, &len)))
                o->append(o->append_ctx, group, data, len, past_written, name); /* copies the batch */
            else
                free(name);
        } else {
            e = offsets_append(o, o->log, b);
        }
    }
    brook_batch_builder_free(b);
    return e;
}

void brook_offsets_remember(brook_offsets *o, const char *group, const brook_group_past *past)
{
    if (o->closing || (!past && !brook_offsets_past(o, group)))
        return; /* nothing written down to forget */
    brook_err e = append_past(o, group, past);
    if (!e) {
        o->records++;
        if (past)
            e = map_set(o, group, past);
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
        if ((pick && !pick(arg, e->key)) || brook_offsets_has_group(o, e->key))
            continue;
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
