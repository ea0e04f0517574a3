/* Transactional offset commits (TxnOffsetCommit, KIP-98): a producer
 * commits a group's offsets inside its transaction; they are written as
 * that producer's transactional batch and wait here until its
 * transaction's marker: COMMIT puts them in the map (visible to
 * OffsetFetch from then on), ABORT drops them. Read back from the log the
 * same way, so a restart or a new coordinator ends them as the markers
 * say. Per producer, in the order they were written (a later commit of the
 * same partition wins). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "offsets_internal.h"
#include "txn_marker.h"

typedef struct pending_entry {
    char *group;
    char *topic;
    int32_t partition;
    brook_committed c; /* metadata owned */
} pending_entry;

typedef struct producer_pending {
    pending_entry *entries;
    size_t n, cap;
} producer_pending;

static void key_of(char out[24], int64_t producer_id)
{
    snprintf(out, 24, "%" PRId64, producer_id);
}

static void free_entry(pending_entry *e)
{
    free(e->group);
    free(e->topic);
    free(e->c.metadata);
}

static void free_producer(producer_pending *p)
{
    for (size_t i = 0; i < p->n; i++)
        free_entry(&p->entries[i]);
    free(p->entries);
    free(p);
}

brook_err offsets_pending_add(brook_offsets *o, int64_t producer_id, const char *group, const char *topic,
                              int32_t partition, const brook_committed *c)
{
    char key[24];
    key_of(key, producer_id);
    producer_pending *p = brook_strmap_get(&o->pending_txn, key);
    if (!p) {
        if (!(p = calloc(1, sizeof *p)) || brook_strmap_put(&o->pending_txn, key, p)) {
            free(p);
            return BROOK_ERR_NOMEM;
        }
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4;
        pending_entry *more = realloc(p->entries, sizeof *more * cap);
        if (!more)
            return BROOK_ERR_NOMEM;
        p->entries = more;
        p->cap = cap;
    }
    pending_entry e = {.group = strdup(group), .topic = strdup(topic), .partition = partition, .c = *c};
    e.c.metadata = NULL;
    if (c->metadata && (e.c.metadata = malloc(c->metadata_len + 1))) {
        memcpy(e.c.metadata, c->metadata, c->metadata_len);
        e.c.metadata[c->metadata_len] = '\0';
    }
    if (!e.group || !e.topic || (c->metadata && !e.c.metadata)) {
        free_entry(&e);
        return BROOK_ERR_NOMEM;
    }
    p->entries[p->n++] = e;
    return BROOK_OK;
}

void offsets_pending_end(brook_offsets *o, int64_t producer_id, int commit, int (*pick)(void *arg, const char *group),
                         void *arg)
{
    char key[24];
    key_of(key, producer_id);
    producer_pending *p = brook_strmap_get(&o->pending_txn, key);
    if (!p)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < p->n; i++) {
        pending_entry *e = &p->entries[i];
        if (pick && !pick(arg, e->group)) { /* another partition's: its own marker ends it */
            p->entries[kept++] = *e;
            continue;
        }
        if (commit && offsets_map_set(o, e->group, e->topic, e->partition, &e->c))
            log_warn("group %s: out of memory committing its transactional offset of %s-%d", e->group, e->topic,
                     e->partition);
        free_entry(e);
    }
    p->n = kept;
    if (!kept) {
        brook_strmap_remove(&o->pending_txn, key);
        free_producer(p);
    }
}

void offsets_forget_pending(brook_offsets *o, int (*drop)(void *arg, const char *group), void *arg)
{
    /* producers first: ending one may remove it from the map */
    size_t n = 0;
    int64_t *ids = malloc(sizeof *ids * (o->pending_txn.count ? o->pending_txn.count : 1));
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; ids && (e = brook_strmap_next(&o->pending_txn, &it));)
        ids[n++] = strtoll(e->key, NULL, 10);
    for (size_t i = 0; i < n; i++)
        offsets_pending_end(o, ids[i], 0, drop, arg); /* dropped here; the log keeps them */
    free(ids);
}

void offsets_free_pending(brook_offsets *o)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&o->pending_txn, &it));)
        free_producer(e->value);
    brook_strmap_free(&o->pending_txn);
}

void offsets_each_pending(const brook_offsets *o, offsets_pending_cb cb, void *arg)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&o->pending_txn, &it));) {
        const producer_pending *p = e->value;
        int64_t id = strtoll(e->key, NULL, 10);
        for (size_t i = 0; i < p->n; i++)
            cb(arg, id, p->entries[i].group, p->entries[i].topic, p->entries[i].partition, &p->entries[i].c);
    }
}

/* ---- ending a transaction ------------------------------------------------------------ */

void brook_offsets_txn_ended(brook_offsets *o, int64_t producer_id, int commit,
                             int (*pick)(void *arg, const char *group), void *arg)
{
    offsets_pending_end(o, producer_id, commit, pick, arg);
}

typedef struct marker_write {
    brook_offsets *o;
    int64_t producer_id;
    int commit;
    brook_offsets_done done;
    void *arg;
} marker_write;

static void marker_durable(void *arg, brook_err err)
{
    marker_write *w = arg;
    if (!err)
        offsets_pending_end(w->o, w->producer_id, w->commit, NULL, NULL);
    w->o->pending--;
    w->done(w->arg, err);
    free(w);
}

void brook_offsets_end_txn(brook_offsets *o, int64_t producer_id, int16_t epoch, int commit, int32_t coordinator_epoch,
                           brook_offsets_done done, void *arg)
{
    uint8_t batch[BROOK_TXN_MARKER_BYTES];
    int64_t start, end;
    marker_write *w = malloc(sizeof *w);
    brook_err e = o->closing ? BROOK_ERR_SHUTDOWN : w ? o->so->offsets(o->log, &start, &end) : BROOK_ERR_NOMEM;
    if (!e) {
        brook_txn_marker_build(batch, producer_id, epoch, coordinator_epoch, commit, brook_wall_clock_ms());
        brook_put_be64(batch, (uint64_t)end);
        e = o->so->append(o->log, batch, sizeof batch);
    }
    if (e) {
        free(w);
        done(arg, e);
        return;
    }
    *w = (marker_write){.o = o, .producer_id = producer_id, .commit = commit, .done = done, .arg = arg};
    o->records++;
    o->pending++;
    o->so->when_durable(o->log, marker_durable, w);
}

int brook_offsets_has_pending(const brook_offsets *o, const char *group, const char *topic, int32_t partition)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&o->pending_txn, &it));) {
        const producer_pending *p = e->value;
        for (size_t i = 0; i < p->n; i++)
            if (p->entries[i].partition == partition && strcmp(p->entries[i].topic, topic) == 0 &&
                strcmp(p->entries[i].group, group) == 0)
                return 1;
    }
    return 0;
}
