#include "offsets.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record_batch.h"
#include "log.h"
#include "log_scan.h"
#include "loop.h"
#include "offsets_internal.h"
#include "txn_marker.h"

/* Record layout (big-endian), version 1:
 *   key:   int16 version, int16 len + group, int16 len + topic, int32 partition
 *   value: int16 version, int64 offset, int32 leader epoch, int64 commit time,
 *          int16 len + metadata (-1: none); a null value deletes the key.
 * Control records (compaction, offsets_compact.c), version 0:
 *   key:   int16 0, int16 kind (1 snapshot begins, 2 snapshot ends)
 *   value: int64 the snapshot's generation.
 * A group's past (offsets_pasts.c) has key version 2. A broker skips the
 * versions it does not know. */
#define RECORD_VERSION  1
#define CONTROL_VERSION 0

/* Commit times are wall-clock milliseconds. Brokers before 2026-12 wrote
 * the monotonic clock's (time since the machine booted): a commit time
 * before 2020 is one of those, and counts as made when it is read back,
 * which postpones its expiry and never hastens it. */
#define WALL_CLOCK_FLOOR_MS 1577836800000LL

/* ---- the in-memory map --------------------------------------------------------- */

static void entry_key(char *out, size_t n, const char *topic, int32_t partition)
{
    snprintf(out, n, "%s/%d", topic, partition);
}

/* A copy of the metadata's bytes with a NUL after them. */
static char *copy_metadata(const char *m, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, m, len);
        copy[len] = '\0';
    }
    return copy;
}

static void free_committed(brook_committed *c)
{
    if (c)
        free(c->metadata);
    free(c);
}

brook_err offsets_map_set(brook_offsets *o, const char *group, const char *topic, int32_t partition,
                          const brook_committed *c)
{
    char key[512];
    entry_key(key, sizeof key, topic, partition);
    brook_strmap *entries = brook_strmap_get(&o->groups, group);
    if (!c) {
        if (entries) {
            brook_committed *gone = brook_strmap_remove(entries, key);
            o->live -= gone != NULL;
            free_committed(gone);
            if (!entries->count) {
                brook_strmap_remove(&o->groups, group);
                brook_strmap_free(entries);
                free(entries);
            }
        }
        return BROOK_OK;
    }
    if (!entries) {
        if (!(entries = calloc(1, sizeof *entries)) || brook_strmap_put(&o->groups, group, entries)) {
            free(entries);
            return BROOK_ERR_NOMEM;
        }
    }
    brook_committed *copy = malloc(sizeof *copy);
    if (!copy)
        return BROOK_ERR_NOMEM;
    *copy = *c;
    copy->metadata = c->metadata ? copy_metadata(c->metadata, c->metadata_len) : NULL;
    brook_committed *old = brook_strmap_get(entries, key);
    if ((c->metadata && !copy->metadata) || brook_strmap_put(entries, key, copy)) {
        free_committed(copy);
        return BROOK_ERR_NOMEM;
    }
    free_committed(old); /* replaced */
    o->live += old == NULL;
    return BROOK_OK;
}

/* ---- maps of one-allocation values (pasts, transactional ids) ---------------------- */

brook_err offsets_keyed_put(brook_offsets *o, brook_strmap *m, const char *key, void *value)
{
    void *old = brook_strmap_get(m, key);
    if (brook_strmap_put(m, key, value)) {
        free(value);
        return BROOK_ERR_NOMEM;
    }
    o->live += old == NULL;
    free(old);
    return BROOK_OK;
}

void offsets_keyed_forget(brook_offsets *o, brook_strmap *m, const char *key)
{
    void *gone = brook_strmap_remove(m, key);
    o->live -= gone != NULL;
    free(gone);
}

void offsets_keyed_forget_where(brook_offsets *o, brook_strmap *m, int (*drop)(void *arg, const char *key), void *arg)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(m, &it));)
        if (!drop || drop(arg, e->key)) {
            free(e->value);
            o->live--;
            brook_strmap_remove(m, e->key); /* the entry just returned: allowed */
        }
}

/* ---- encoding ------------------------------------------------------------------ */

static uint8_t *put_bytes(uint8_t *p, const void *s, size_t n)
{
    brook_put_be16(p, (uint16_t)n);
    memcpy(p + 2, s, n);
    return p + 2 + n;
}

uint8_t *offsets_put_str(uint8_t *p, const char *s)
{
    return put_bytes(p, s, strlen(s));
}

static size_t encode_key(uint8_t *buf, const char *group, const char *topic, int32_t partition)
{
    uint8_t *p = buf;
    brook_put_be16(p, RECORD_VERSION);
    p = offsets_put_str(p + 2, group);
    p = offsets_put_str(p, topic);
    brook_put_be32(p, (uint32_t)partition);
    return (size_t)(p + 4 - buf);
}

static size_t encode_value(uint8_t *buf, const brook_committed *c)
{
    uint8_t *p = buf;
    brook_put_be16(p, RECORD_VERSION);
    brook_put_be64(p + 2, (uint64_t)c->offset);
    brook_put_be32(p + 10, (uint32_t)c->leader_epoch);
    brook_put_be64(p + 14, (uint64_t)c->commit_time_ms);
    p += 22;
    if (c->metadata) {
        p = put_bytes(p, c->metadata, c->metadata_len);
    } else {
        brook_put_be16(p, 0xffff);
        p += 2;
    }
    return (size_t)(p - buf);
}

/* A length-prefixed string at *p into out (NUL-terminated after its
 * bytes, which may hold NULs: *len says how many); 0 if it does not fit. */
static int get_bytes(const uint8_t **p, const uint8_t *end, char *out, size_t outlen, size_t *len)
{
    if (end - *p < 2)
        return 0;
    size_t n = brook_be16(*p);
    if ((size_t)(end - *p - 2) < n || n >= outlen)
        return 0;
    memcpy(out, *p + 2, n);
    out[n] = 0;
    *p += 2 + n;
    *len = n;
    return 1;
}

int offsets_get_str(const uint8_t **p, const uint8_t *end, char *out, size_t outlen)
{
    size_t len;
    return get_bytes(p, end, out, outlen, &len);
}

/* ---- replay ---------------------------------------------------------------------- */

static void apply_control(offsets_replay *r, const brook_record *rec)
{
    if (rec->key_len != 4 || rec->value_len != 8)
        return;
    int kind = brook_be16(rec->key + 2);
    int64_t gen = (int64_t)brook_be64(rec->value);
    if (kind == OFFSETS_SNAPSHOT_BEGIN) {
        r->open_snapshot = 1;
    } else if (kind == OFFSETS_SNAPSHOT_END) {
        r->open_snapshot = 0;
        if (gen > r->complete_generation)
            r->complete_generation = gen;
    }
}

/* A record of a transactional batch waits for its transaction's end. */
static void map_set_or_pend(offsets_replay *r, const char *group, const char *topic, int32_t partition,
                            const brook_committed *c)
{
    brook_err e = r->txn_producer < 0 ? offsets_map_set(r->o, group, topic, partition, c)
                  : c                 ? offsets_pending_add(r->o, r->txn_producer, group, topic, partition, c)
                                      : BROOK_OK;
    if (e)
        log_warn("group %s: out of memory reading its offset of %s-%d", group, topic, partition);
}

static void apply_record(offsets_replay *r, const brook_record *rec)
{
    char group[300], topic[300];
    const uint8_t *p = rec->key, *end = rec->key + (rec->key_len > 0 ? rec->key_len : 0);
    r->records++;
    if (rec->key_len >= 2 && brook_be16(p) == CONTROL_VERSION) {
        apply_control(r, rec);
        return;
    }
    if (r->o && rec->key_len >= 2 && brook_be16(p) == OFFSETS_PAST_VERSION) {
        offsets_apply_past(r->o, rec);
        return;
    }
    if (r->o && rec->key_len >= 2 && brook_be16(p) == OFFSETS_TXN_VERSION) {
        offsets_apply_txn(r->o, rec);
        return;
    }
    if (!r->o || rec->key_len < 2 || brook_be16(p) != RECORD_VERSION)
        return; /* only the markers wanted, or a record this version does not know */
    p += 2;
    if (!offsets_get_str(&p, end, group, sizeof group) || !offsets_get_str(&p, end, topic, sizeof topic) ||
        end - p != 4)
        return;
    int32_t partition = (int32_t)brook_be32(p);
    if (rec->value_len < 0) {
        map_set_or_pend(r, group, topic, partition, NULL);
        return;
    }
    const uint8_t *v = rec->value, *vend = rec->value + rec->value_len;
    if (rec->value_len < 24 || brook_be16(v) != RECORD_VERSION)
        return;
    brook_committed c = {.offset = (int64_t)brook_be64(v + 2),
                         .leader_epoch = (int32_t)brook_be32(v + 10),
                         .commit_time_ms = (int64_t)brook_be64(v + 14)};
    if (c.commit_time_ms < WALL_CLOCK_FLOOR_MS)
        c.commit_time_ms = brook_wall_clock_ms();
    const uint8_t *m = v + 22;
    char meta[BROOK_OFFSETS_MAX_METADATA + 1];
    if (brook_be16(m) != 0xffff) {
        if (!get_bytes(&m, vend, meta, sizeof meta, &c.metadata_len))
            return;
        c.metadata = meta;
    }
    map_set_or_pend(r, group, topic, partition, &c);
}

static void replay_batch(void *arg, const uint8_t *batch, const brook_batch_info *info)
{
    offsets_replay *r = arg;
    brook_batch_iter it;
    int commit;
    int32_t coordinator_epoch;
    if (brook_batch_is_control(info)) { /* a transaction ends: its offsets are committed or dropped */
        if (r->o && brook_txn_marker_parse(batch, info, &commit, &coordinator_epoch) == BROOK_OK)
            offsets_pending_end(r->o, info->producer_id, commit, r->pick, r->pick_arg);
        return;
    }
    if (brook_batch_iter_init(&it, batch, info->size))
        return;
    r->txn_producer = brook_batch_is_transactional(info) ? info->producer_id : -1;
    brook_record rec;
    while (brook_batch_iter_next(&it, &rec) == BROOK_OK)
        apply_record(r, &rec);
}

brook_err offsets_replay_log(brook_offsets *o, void *log, offsets_replay *r)
{
    int64_t start = 0, end = 0;
    brook_err e = o->so->offsets(log, &start, &end);
    return e ? e : brook_log_scan(o->so, log, start, end, SIZE_MAX, replay_batch, r);
}

/* ---- building batches ---------------------------------------------------------------- */

brook_err offsets_add_control(brook_batch_builder *b, int kind, int64_t generation)
{
    uint8_t key[4], value[8];
    brook_put_be16(key, CONTROL_VERSION);
    brook_put_be16(key + 2, (uint16_t)kind);
    brook_put_be64(value, (uint64_t)generation);
    brook_record r = {.timestamp = 0, .key = key, .key_len = 4, .value = value, .value_len = 8};
    return brook_batch_builder_add(b, &r, NULL, 0);
}

brook_err offsets_add_entry(brook_batch_builder *b, const char *group, const char *topic, int32_t partition,
                            const brook_committed *c, int64_t timestamp)
{
    uint8_t key[700], value[BROOK_OFFSETS_MAX_METADATA + 32];
    if (strlen(group) > 255 || strlen(topic) > 255 ||
        (c && c->metadata && c->metadata_len > BROOK_OFFSETS_MAX_METADATA))
        return BROOK_ERR_INVALID;
    brook_record r = {.timestamp = timestamp,
                      .key = key,
                      .key_len = (int32_t)encode_key(key, group, topic, partition),
                      .value = c ? value : NULL,
                      .value_len = c ? (int32_t)encode_value(value, c) : -1};
    return brook_batch_builder_add(b, &r, NULL, 0);
}

brook_err offsets_append(brook_offsets *o, void *log, brook_batch_builder *b)
{
    return offsets_append_for(o, log, b, -1, -1);
}

brook_err offsets_append_for(brook_offsets *o, void *log, brook_batch_builder *b, int64_t producer_id, int16_t epoch)
{
    const uint8_t *data;
    size_t len;
    int64_t start, end;
    brook_err e = brook_batch_builder_finish(b, &data, &len);
    if (!e)
        e = o->so->offsets(log, &start, &end);
    uint8_t *copy = e ? NULL : malloc(len);
    if (!e && !copy)
        e = BROOK_ERR_NOMEM;
    if (!e) {
        memcpy(copy, data, len);
        if (producer_id >= 0)
            brook_batch_make_transactional(copy, len, producer_id, epoch);
        brook_put_be64(copy, (uint64_t)end); /* the CRC does not cover baseOffset */
        e = o->so->append(log, copy, len);
    }
    free(copy);
    return e;
}

brook_err brook_offsets_open(const brook_storage_ops *so, brook_offsets_setting_fn setting, void *storage_state,
                             int64_t compact_min_records, brook_offsets **out)
{
    brook_offsets *o = calloc(1, sizeof *o);
    if (!o)
        return BROOK_ERR_NOMEM;
    o->so = so;
    o->setting = setting;
    o->storage_state = storage_state;
    o->compact_min_records = compact_min_records;
    brook_err e = offsets_open_current(o);
    if (e) {
        log_error("committed offsets: cannot read %s: %s", BROOK_OFFSETS_LOG, brook_err_str(e));
        brook_offsets_close(o);
        return e;
    }
    log_info("committed offsets: %zu group(s), %" PRId64 " entries from %" PRId64 " record(s) of %s-%d",
             o->groups.count, o->live, o->records, BROOK_OFFSETS_LOG, o->current);
    *out = o;
    offsets_maybe_compact(o);
    return BROOK_OK;
}

brook_err brook_offsets_open_external(brook_offsets_append_fn append, void *ctx, brook_offsets **out)
{
    brook_offsets *o = calloc(1, sizeof *o);
    if (!o)
        return BROOK_ERR_NOMEM;
    o->append = append;
    o->append_ctx = ctx;
    *out = o;
    return BROOK_OK;
}

void brook_offsets_load_batch(brook_offsets *o, const uint8_t *batch, size_t len,
                              int (*pick)(void *arg, const char *group), void *arg)
{
    brook_batch_info info;
    if (brook_batch_check(batch, len, &info))
        return;
    offsets_replay r = {.o = o, .pick = pick, .pick_arg = arg};
    replay_batch(&r, batch, &info);
}

static void free_entries(brook_offsets *o, brook_strmap *entries)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(entries, &it));) {
        free_committed(e->value);
        o->live--;
    }
    brook_strmap_free(entries);
    free(entries);
}

void brook_offsets_forget(brook_offsets *o, int (*drop)(void *arg, const char *group), void *arg)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *g; (g = brook_strmap_next(&o->groups, &it));) {
        if (!drop(arg, g->key))
            continue;
        brook_strmap *entries = g->value;
        brook_strmap_remove(&o->groups, g->key); /* the entry just returned: allowed */
        free_entries(o, entries);
    }
    offsets_forget_pasts(o, drop, arg);
    offsets_forget_txns(o, drop, arg);
    offsets_forget_pending(o, drop, arg);
}

void brook_offsets_close(brook_offsets *o)
{
    if (!o)
        return;
    /* Logs first: closing answers pending commits, which still update the map. */
    o->closing = 1;
    if (o->log)
        o->so->close(o->log);
    if (o->retiring)
        o->so->close(o->retiring); /* both stay; the next start chooses */
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *g; (g = brook_strmap_next(&o->groups, &it));) {
        brook_strmap *entries = g->value;
        brook_strmap_iter eit = {0};
        for (brook_strmap_entry *e; (e = brook_strmap_next(entries, &eit));)
            free_committed(e->value);
        brook_strmap_free(entries);
        free(entries);
    }
    brook_strmap_free(&o->groups);
    offsets_free_pasts(o);
    offsets_free_txns(o);
    offsets_free_pending(o);
    free(o);
}

const brook_committed *brook_offsets_get(const brook_offsets *o, const char *group, const char *topic,
                                         int32_t partition)
{
    brook_strmap *entries = brook_strmap_get(&o->groups, group);
    char key[512];
    entry_key(key, sizeof key, topic, partition);
    return entries ? brook_strmap_get(entries, key) : NULL;
}

/* ---- appending ---------------------------------------------------------------------- */

typedef struct pending_commit {
    brook_offsets *o;
    char *group;
    size_t count;
    struct {
        char *topic;
        int32_t partition;
        int deleted;
        brook_committed c;
    } * items;
    brook_offsets_done done;
    void *arg;
    int64_t producer_id; /* a transactional commit's (TxnOffsetCommit): -1 for a plain one */
} pending_commit;

static void free_pending(pending_commit *pc)
{
    for (size_t i = 0; i < pc->count && pc->items; i++) {
        free(pc->items[i].topic);
        free(pc->items[i].c.metadata);
    }
    free(pc->items);
    free(pc->group);
    free(pc);
}

static void commit_durable(void *arg, brook_err err)
{
    pending_commit *pc = arg;
    brook_offsets *o = pc->o;
    for (size_t i = 0; i < pc->count && !err; i++)
        err = pc->producer_id >= 0 ? offsets_pending_add(o, pc->producer_id, pc->group, pc->items[i].topic,
                                                         pc->items[i].partition, &pc->items[i].c)
                                   : offsets_map_set(o, pc->group, pc->items[i].topic, pc->items[i].partition,
                                                     pc->items[i].deleted ? NULL : &pc->items[i].c);
    if (pc->done)
        pc->done(pc->arg, err);
    free_pending(pc);
    o->pending--;
    offsets_maybe_compact(o);
}

/* One batch of records for the changes, in *out (the caller frees it). */
static brook_err build_batch(const char *group, const brook_offset_change *changes, size_t count, int64_t now_ms,
                             brook_batch_builder **out)
{
    brook_batch_builder *b;
    brook_err e = brook_batch_builder_new(&b);
    for (size_t i = 0; i < count && !e; i++) {
        brook_committed c = {0};
        if (changes[i].committed) {
            c = *changes[i].committed;
            c.commit_time_ms = now_ms;
        }
        e = offsets_add_entry(b, group, changes[i].topic, changes[i].partition, changes[i].committed ? &c : NULL,
                              now_ms);
    }
    if (e)
        brook_batch_builder_free(b);
    else
        *out = b;
    return e;
}

/* The pending commit's copy of the changes, applied to the map once safe. */
static brook_err pending_for(const char *group, const brook_offset_change *changes, size_t count, int64_t now_ms,
                             pending_commit **out)
{
    pending_commit *pc = calloc(1, sizeof *pc);
    brook_err e = pc && (pc->group = strdup(group)) && (pc->items = calloc(count ? count : 1, sizeof *pc->items))
                      ? BROOK_OK
                      : BROOK_ERR_NOMEM;
    for (size_t i = 0; i < count && !e; i++) {
        pc->count++;
        pc->items[i].partition = changes[i].partition;
        pc->items[i].deleted = !changes[i].committed;
        if (!(pc->items[i].topic = strdup(changes[i].topic)))
            e = BROOK_ERR_NOMEM;
        if (changes[i].committed) {
            pc->items[i].c = *changes[i].committed;
            pc->items[i].c.commit_time_ms = now_ms;
            pc->items[i].c.metadata = NULL;
            const brook_committed *in = changes[i].committed;
            if (in->metadata && !(pc->items[i].c.metadata = copy_metadata(in->metadata, in->metadata_len)))
                e = BROOK_ERR_NOMEM;
        }
    }
    if (e && pc)
        free_pending(pc);
    else if (!e)
        *out = pc;
    return e;
}

/* A commit, plain (producer_id -1) or inside that producer's transaction. */
static void commit_as(brook_offsets *o, const char *group, int64_t producer_id, int16_t epoch, int64_t txn_guard,
                      const brook_offset_change *changes, size_t count, int64_t now_ms, brook_offsets_done done,
                      void *arg)
{
    pending_commit *pc = NULL;
    brook_batch_builder *b = NULL;
    const uint8_t *data = NULL;
    size_t len = 0;
    brook_err e = pending_for(group, changes, count, now_ms, &pc);
    if (!e)
        e = build_batch(group, changes, count, now_ms, &b);
    if (!e)
        e = o->append ? brook_batch_builder_finish(b, &data, &len)
                      : offsets_append_for(o, o->log, b, producer_id, epoch);
    uint8_t *marked = !e && o->append && producer_id >= 0 ? malloc(len) : NULL;
    if (!e && o->append && producer_id >= 0) { /* the partition gets the producer's transactional batch */
        if (marked) {
            memcpy(marked, data, len);
            brook_batch_make_transactional(marked, len, producer_id, epoch);
            data = marked;
        } else {
            e = BROOK_ERR_NOMEM;
        }
    }
    if (e) {
        if (pc)
            free_pending(pc);
        if (b)
            brook_batch_builder_free(b);
        if (done)
            done(arg, e);
        return;
    }
    o->records += (int64_t)count;
    pc->o = o;
    pc->done = done;
    pc->arg = arg;
    pc->producer_id = producer_id;
    o->pending++;
    if (o->append)
        o->append(o->append_ctx, group, data, len, txn_guard, commit_durable, pc); /* copies the batch */
    else
        o->so->when_durable(o->log, commit_durable, pc);
    free(marked);
    brook_batch_builder_free(b);
}

void brook_offsets_commit(brook_offsets *o, const char *group, const brook_offset_change *changes, size_t count,
                          int64_t now_ms, brook_offsets_done done, void *arg)
{
    commit_as(o, group, -1, -1, -1, changes, count, now_ms, done, arg);
}

void brook_offsets_txn_commit(brook_offsets *o, const char *group, int64_t producer_id, int16_t epoch,
                              int64_t txn_guard, const brook_offset_change *changes, size_t count, int64_t now_ms,
                              brook_offsets_done done, void *arg)
{
    commit_as(o, group, producer_id, epoch, txn_guard, changes, count, now_ms, done, arg);
}

void brook_offsets_each(const brook_offsets *o, const char *group, brook_offsets_each_cb cb, void *arg)
{
    brook_strmap *entries = brook_strmap_get(&o->groups, group);
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; entries && (e = brook_strmap_next(entries, &it));) {
        char topic[512];
        snprintf(topic, sizeof topic, "%s", e->key);
        char *slash = strrchr(topic, '/');
        if (!slash)
            continue;
        *slash = 0;
        cb(arg, topic, (int32_t)atoi(slash + 1), e->value);
    }
}

int brook_offsets_has_group(const brook_offsets *o, const char *group)
{
    return brook_strmap_get(&o->groups, group) != NULL;
}

void brook_offsets_each_group(const brook_offsets *o, brook_offsets_group_cb cb, void *arg)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&o->groups, &it));)
        cb(arg, e->key);
}

/* ---- deletions ------------------------------------------------------------------------ */

typedef struct change_list {
    brook_offset_change *items;
    size_t count, cap;
    brook_offsets_pick pick;
    void *pick_arg;
    int failed;
} change_list;

static void collect(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    change_list *l = arg;
    if (l->failed || !l->pick(l->pick_arg, topic, partition, c))
        return;
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        brook_offset_change *n = realloc(l->items, cap * sizeof *n);
        if (!n) {
            l->failed = 1;
            return;
        }
        l->items = n;
        l->cap = cap;
    }
    char *t = strdup(topic);
    if (!t) {
        l->failed = 1;
        return;
    }
    l->items[l->count++] = (brook_offset_change){.topic = t, .partition = partition};
}

static void free_changes(change_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        free((char *)l->items[i].topic);
    free(l->items);
}

/* Tombstones for what `l` collected; the map forgets them now. */
static void tombstones(brook_offsets *o, const char *group, change_list *l, brook_offsets_done done, void *arg)
{
    if (l->failed) {
        if (done)
            done(arg, BROOK_ERR_NOMEM);
        return;
    }
    for (size_t i = 0; i < l->count; i++)
        offsets_map_set(o, group, l->items[i].topic, l->items[i].partition, NULL);
    if (!l->count) {
        if (done)
            done(arg, BROOK_OK);
        return;
    }
    brook_offsets_commit(o, group, l->items, l->count, brook_wall_clock_ms(), done, arg);
}

size_t brook_offsets_delete_picked(brook_offsets *o, const char *group, brook_offsets_pick pick, void *pick_arg,
                                   brook_offsets_done done, void *arg)
{
    change_list l = {.pick = pick, .pick_arg = pick_arg};
    brook_offsets_each(o, group, collect, &l);
    size_t picked = l.failed ? 0 : l.count;
    tombstones(o, group, &l, done, arg);
    free_changes(&l);
    return picked;
}

static int pick_all(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    (void)arg, (void)topic, (void)partition, (void)c;
    return 1;
}

void brook_offsets_delete_group(brook_offsets *o, const char *group, brook_offsets_done done, void *arg)
{
    brook_offsets_delete_picked(o, group, pick_all, NULL, done, arg);
}

static int pick_topic(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    (void)partition, (void)c;
    return strcmp(arg, topic) == 0;
}

/* Names copied into a growing array (as many as memory allows). */
typedef struct group_names {
    char **names;
    size_t count, cap;
} group_names;

static void add_name(void *arg, const char *group)
{
    group_names *g = arg;
    if (g->count == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 16;
        char **n = realloc(g->names, cap * sizeof *n);
        if (!n)
            return;
        g->names = n;
        g->cap = cap;
    }
    if ((g->names[g->count] = strdup(group)))
        g->count++;
}

char **brook_offsets_group_names(const brook_offsets *o, size_t *count)
{
    group_names groups = {0};
    brook_offsets_each_group(o, add_name, &groups);
    *count = groups.count;
    return groups.names;
}

typedef struct topic_set {
    brook_strmap seen;
    int failed;
} topic_set;

static void add_topic(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    topic_set *t = arg;
    (void)partition, (void)c;
    if (!brook_strmap_get(&t->seen, topic) && brook_strmap_put(&t->seen, topic, t))
        t->failed = 1;
}

char **brook_offsets_topic_names(const brook_offsets *o, size_t *count)
{
    topic_set topics = {0};
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *g; !topics.failed && (g = brook_strmap_next(&o->groups, &it));)
        brook_offsets_each(o, g->key, add_topic, &topics);
    group_names names = {0};
    brook_strmap_iter ti = {0};
    for (brook_strmap_entry *t; (t = brook_strmap_next(&topics.seen, &ti));)
        add_name(&names, t->key);
    brook_strmap_free(&topics.seen);
    *count = names.count;
    return names.names;
}

void brook_offsets_free_group_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

void brook_offsets_delete_topic(brook_offsets *o, const char *topic, brook_offsets_group_cb emptied, void *arg)
{
    size_t count;
    char **groups = brook_offsets_group_names(o, &count);
    for (size_t i = 0; i < count; i++) {
        brook_offsets_delete_picked(o, groups[i], pick_topic, (void *)topic, NULL, NULL);
        if (emptied && !brook_offsets_has_group(o, groups[i]))
            emptied(arg, groups[i]);
    }
    brook_offsets_free_group_names(groups, count);
}
