#include "offsets.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "log.h"
#include "log_scan.h"
#include "strmap.h"

/* Record layout (big-endian), version 1:
 *   key:   int16 version, int16 len + group, int16 len + topic, int32 partition
 *   value: int16 version, int64 offset, int32 leader epoch, int64 commit time,
 *          int16 len + metadata (-1: none); a null value deletes the key. */
#define RECORD_VERSION 1

struct brook_offsets {
    const brook_storage_ops *so;
    void *log;
    brook_strmap groups; /* group -> brook_strmap of "topic/partition" -> brook_committed */
};

/* ---- the in-memory map --------------------------------------------------------- */

static void entry_key(char *out, size_t n, const char *topic, int32_t partition)
{
    snprintf(out, n, "%s/%d", topic, partition);
}

static void free_committed(brook_committed *c)
{
    if (c)
        free(c->metadata);
    free(c);
}

static brook_err map_set(brook_offsets *o, const char *group, const char *topic, int32_t partition,
                         const brook_committed *c)
{
    char key[512];
    entry_key(key, sizeof key, topic, partition);
    brook_strmap *entries = brook_strmap_get(&o->groups, group);
    if (!c) {
        if (entries) {
            free_committed(brook_strmap_remove(entries, key));
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
    copy->metadata = c->metadata ? strdup(c->metadata) : NULL;
    brook_committed *old = brook_strmap_get(entries, key);
    if ((c->metadata && !copy->metadata) || brook_strmap_put(entries, key, copy)) {
        free_committed(copy);
        return BROOK_ERR_NOMEM;
    }
    free_committed(old); /* replaced */
    return BROOK_OK;
}

/* ---- encoding ------------------------------------------------------------------ */

static uint8_t *put_str(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    brook_put_be16(p, (uint16_t)n);
    memcpy(p + 2, s, n);
    return p + 2 + n;
}

static size_t encode_key(uint8_t *buf, const char *group, const char *topic, int32_t partition)
{
    uint8_t *p = buf;
    brook_put_be16(p, RECORD_VERSION);
    p = put_str(p + 2, group);
    p = put_str(p, topic);
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
        p = put_str(p, c->metadata);
    } else {
        brook_put_be16(p, 0xffff);
        p += 2;
    }
    return (size_t)(p - buf);
}

/* A length-prefixed string at *p into out (NUL-terminated); 0 if it does not fit. */
static int get_str(const uint8_t **p, const uint8_t *end, char *out, size_t outlen)
{
    if (end - *p < 2)
        return 0;
    size_t n = brook_be16(*p);
    if ((size_t)(end - *p - 2) < n || n >= outlen)
        return 0;
    memcpy(out, *p + 2, n);
    out[n] = 0;
    *p += 2 + n;
    return 1;
}

/* ---- replay ---------------------------------------------------------------------- */

static void apply_record(brook_offsets *o, const brook_record *r)
{
    char group[300], topic[300];
    const uint8_t *p = r->key, *end = r->key + (r->key_len > 0 ? r->key_len : 0);
    if (r->key_len < 2 || brook_be16(p) != RECORD_VERSION)
        return; /* a record this version does not know: skip it */
    p += 2;
    if (!get_str(&p, end, group, sizeof group) || !get_str(&p, end, topic, sizeof topic) || end - p != 4)
        return;
    int32_t partition = (int32_t)brook_be32(p);
    if (r->value_len < 0) {
        map_set(o, group, topic, partition, NULL);
        return;
    }
    const uint8_t *v = r->value, *vend = r->value + r->value_len;
    if (r->value_len < 24 || brook_be16(v) != RECORD_VERSION)
        return;
    brook_committed c = {.offset = (int64_t)brook_be64(v + 2),
                         .leader_epoch = (int32_t)brook_be32(v + 10),
                         .commit_time_ms = (int64_t)brook_be64(v + 14)};
    const uint8_t *m = v + 22;
    char meta[BROOK_OFFSETS_MAX_METADATA + 1];
    if (brook_be16(m) != 0xffff) {
        if (!get_str(&m, vend, meta, sizeof meta))
            return;
        c.metadata = meta;
    }
    map_set(o, group, topic, partition, &c);
}

static void replay_batch(void *arg, const uint8_t *batch, const brook_batch_info *info)
{
    brook_offsets *o = arg;
    brook_batch_iter it;
    if (brook_batch_iter_init(&it, batch, info->size))
        return;
    brook_record r;
    while (brook_batch_iter_next(&it, &r) == BROOK_OK)
        apply_record(o, &r);
}

brook_err brook_offsets_open(const brook_storage_ops *so, void *storage_state, brook_offsets **out)
{
    brook_offsets *o = calloc(1, sizeof *o);
    if (!o)
        return BROOK_ERR_NOMEM;
    o->so = so;
    brook_err e = so->open(storage_state, BROOK_OFFSETS_LOG, 0, 1, &o->log);
    int64_t start = 0, end = 0;
    if (!e)
        e = so->offsets(o->log, &start, &end);
    if (!e)
        e = brook_log_scan(so, o->log, start, end, SIZE_MAX, replay_batch, o);
    if (e) {
        log_error("committed offsets: cannot read %s: %s", BROOK_OFFSETS_LOG, brook_err_str(e));
        brook_offsets_close(o);
        return e;
    }
    log_info("committed offsets: %zu group(s) from %" PRId64 " record(s) of %s", o->groups.count, end - start,
             BROOK_OFFSETS_LOG);
    *out = o;
    return BROOK_OK;
}

void brook_offsets_close(brook_offsets *o)
{
    if (!o)
        return;
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
    if (o->log)
        o->so->close(o->log);
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
    for (size_t i = 0; i < pc->count && !err; i++)
        err = map_set(pc->o, pc->group, pc->items[i].topic, pc->items[i].partition,
                      pc->items[i].deleted ? NULL : &pc->items[i].c);
    if (pc->done)
        pc->done(pc->arg, err);
    free_pending(pc);
}

/* One batch of records for the changes, at the log end. */
static brook_err append_batch(brook_offsets *o, const char *group, const brook_offset_change *changes, size_t count,
                              int64_t now_ms)
{
    brook_batch_builder *b;
    brook_err e = brook_batch_builder_new(&b);
    if (e)
        return e;
    uint8_t key[700], value[BROOK_OFFSETS_MAX_METADATA + 32];
    for (size_t i = 0; i < count && !e; i++) {
        const brook_offset_change *ch = &changes[i];
        if (strlen(group) > 255 || strlen(ch->topic) > 255) {
            e = BROOK_ERR_INVALID;
            break;
        }
        brook_committed c = {0};
        if (ch->committed) {
            c = *ch->committed;
            c.commit_time_ms = now_ms;
        }
        brook_record r = {.timestamp = now_ms,
                          .key = key,
                          .key_len = (int32_t)encode_key(key, group, ch->topic, ch->partition),
                          .value = ch->committed ? value : NULL,
                          .value_len = ch->committed ? (int32_t)encode_value(value, &c) : -1};
        e = brook_batch_builder_add(b, &r, NULL, 0);
    }
    const uint8_t *data;
    size_t len;
    int64_t start, end;
    if (!e)
        e = brook_batch_builder_finish(b, &data, &len);
    if (!e)
        e = o->so->offsets(o->log, &start, &end);
    uint8_t *copy = e ? NULL : malloc(len);
    if (!e && !copy)
        e = BROOK_ERR_NOMEM;
    if (!e) {
        memcpy(copy, data, len);
        brook_put_be64(copy, (uint64_t)end); /* the CRC does not cover baseOffset */
        e = o->so->append(o->log, copy, len);
    }
    free(copy);
    brook_batch_builder_free(b);
    return e;
}

void brook_offsets_commit(brook_offsets *o, const char *group, const brook_offset_change *changes, size_t count,
                          int64_t now_ms, brook_offsets_done done, void *arg)
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
            if (changes[i].committed->metadata && !(pc->items[i].c.metadata = strdup(changes[i].committed->metadata)))
                e = BROOK_ERR_NOMEM;
        }
    }
    if (!e)
        e = append_batch(o, group, changes, count, now_ms);
    if (e) {
        if (pc)
            free_pending(pc);
        if (done)
            done(arg, e);
        return;
    }
    pc->o = o;
    pc->done = done;
    pc->arg = arg;
    o->so->when_durable(o->log, commit_durable, pc);
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
    const char *only_topic; /* NULL: every topic */
    int failed;
} change_list;

static void collect(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    (void)c;
    change_list *l = arg;
    if (l->only_topic && strcmp(l->only_topic, topic) != 0)
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
        map_set(o, group, l->items[i].topic, l->items[i].partition, NULL);
    if (!l->count) {
        if (done)
            done(arg, BROOK_OK);
        return;
    }
    brook_offsets_commit(o, group, l->items, l->count, 0, done, arg);
}

void brook_offsets_delete_group(brook_offsets *o, const char *group, brook_offsets_done done, void *arg)
{
    change_list l = {0};
    brook_offsets_each(o, group, collect, &l);
    tombstones(o, group, &l, done, arg);
    free_changes(&l);
}

typedef struct group_names {
    char **names;
    size_t count;
} group_names;

static void add_name(void *arg, const char *group)
{
    group_names *g = arg;
    char **n = realloc(g->names, (g->count + 1) * sizeof *n);
    if (n && (n[g->count] = strdup(group))) {
        g->names = n;
        g->count++;
    } else if (n) {
        g->names = n;
    }
}

void brook_offsets_delete_topic(brook_offsets *o, const char *topic)
{
    group_names groups = {0};
    brook_offsets_each_group(o, add_name, &groups);
    for (size_t i = 0; i < groups.count; i++) {
        change_list l = {.only_topic = topic};
        brook_offsets_each(o, groups.names[i], collect, &l);
        tombstones(o, groups.names[i], &l, NULL, NULL);
        free_changes(&l);
        free(groups.names[i]);
    }
    free(groups.names);
}
