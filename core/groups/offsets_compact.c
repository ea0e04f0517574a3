/* Which internal log is current, and compaction: the committed offsets'
 * live entries rewritten into the other partition of BROOK_OFFSETS_LOG, so
 * the log does not grow with every commit for ever. See offsets.h for the
 * crash-safety argument. */
#include <inttypes.h>
#include <stdlib.h>

#include "record_batch.h"
#include "log.h"
#include "offsets_internal.h"
#include "txn_meta.h"

#define ENTRIES_PER_BATCH 1000

/* Open (or create) partition `p`, kept whole by the storage: its
 * retention would drop the last commit of a group that has not committed
 * for a while; entries go only by this file's compaction. */
static brook_err open_log(brook_offsets *o, int32_t p, int create, void **log)
{
    brook_err e = o->so->open(o->storage_state, BROOK_OFFSETS_LOG, p, create, log);
    if (e || !o->setting)
        return e;
    static const char *const keep_all[] = {"retention.ms", "retention.bytes"};
    for (size_t i = 0; i < sizeof keep_all / sizeof *keep_all; i++) {
        brook_err s = o->setting(o->storage_state, *log, keep_all[i], "-1");
        if (s && s != BROOK_ERR_UNSUPPORTED)
            log_warn("committed offsets: the storage refuses %s=-1 for %s-%d: %s", keep_all[i], BROOK_OFFSETS_LOG, p,
                     brook_err_str(s));
    }
    return BROOK_OK;
}

/* Open partition `p` if it exists; NULL when it does not. */
static brook_err open_existing(brook_offsets *o, int32_t p, void **log)
{
    *log = NULL;
    brook_err e = open_log(o, p, 0, log);
    if (e == BROOK_ERR_NOT_FOUND) {
        *log = NULL;
        return BROOK_OK;
    }
    return e;
}

static void drop_log(brook_offsets *o, void *log, int32_t p, const char *why)
{
    o->so->close(log);
    brook_err e = o->so->remove(o->storage_state, BROOK_OFFSETS_LOG, p);
    if (e)
        log_warn("committed offsets: cannot remove %s-%d: %s", BROOK_OFFSETS_LOG, p, brook_err_str(e));
    else
        log_info("committed offsets: removed %s-%d (%s)", BROOK_OFFSETS_LOG, p, why);
}

brook_err offsets_open_current(brook_offsets *o)
{
    void *logs[2];
    offsets_replay seen[2] = {{0}, {0}};
    brook_err e = BROOK_OK;
    for (int32_t p = 0; p < 2 && !e; p++)
        if (!(e = open_existing(o, p, &logs[p])) && logs[p])
            e = offsets_replay_log(o, logs[p], &seen[p]); /* markers only */
    if (e) {
        for (int32_t p = 0; p < 2; p++)
            if (logs[p])
                o->so->close(logs[p]);
        return e;
    }
    int32_t cur;
    if (!logs[0] && !logs[1]) {
        if ((e = open_log(o, 0, 1, &logs[0])))
            return e;
        cur = 0;
    } else if (!logs[0] || !logs[1]) {
        cur = logs[0] ? 0 : 1;
    } else {
        /* An interrupted compaction: the whole copy with the newest generation wins. */
        int ok0 = !seen[0].open_snapshot, ok1 = !seen[1].open_snapshot;
        cur = ok1 && (!ok0 || seen[1].complete_generation > seen[0].complete_generation) ? 1 : 0;
        drop_log(o, logs[1 - cur], 1 - cur, "left over from an interrupted compaction");
    }
    o->log = logs[cur];
    o->current = cur;
    offsets_replay r = {.o = o};
    if ((e = offsets_replay_log(o, o->log, &r)))
        return e;
    o->records = r.records;
    o->generation = r.complete_generation;
    return BROOK_OK;
}

/* The old log goes once the new one is durable. */
static void new_log_durable(void *arg, brook_err err)
{
    brook_offsets *o = arg;
    void *old = o->retiring;
    o->retiring = NULL;
    if (!old)
        return;
    if (err) {
        log_warn("committed offsets: the compacted log is not durable (%s); both stay until the next start",
                 brook_err_str(err));
        o->so->close(old);
        return;
    }
    if (!o->closing)
        drop_log(o, old, 1 - o->current, "compacted");
    else
        o->so->close(old);
}

typedef struct snapshot {
    brook_offsets *o;
    const char *group; /* being written */
    void *log;
    brook_batch_builder *b;
    size_t in_batch;
    brook_err err;
} snapshot;

static void flush_batch(snapshot *s)
{
    if (!s->err && s->in_batch) {
        s->err = offsets_append(s->o, s->log, s->b);
        brook_batch_builder_free(s->b);
        s->b = NULL;
        s->in_batch = 0;
        if (!s->err)
            s->err = brook_batch_builder_new(&s->b);
    }
}

/* One more record went into the batch (or failed). */
static void added(snapshot *s, brook_err e)
{
    s->err = e;
    if (!e && ++s->in_batch == ENTRIES_PER_BATCH)
        flush_batch(s);
}

static void write_entry(void *arg, const char *topic, int32_t partition, const brook_committed *c)
{
    snapshot *s = arg;
    if (!s->err)
        added(s, offsets_add_entry(s->b, s->group, topic, partition, c, c->commit_time_ms));
}

/* Groups' pasts (offsets_pasts.c); one with members may be large (up to
 * BROOK_GROUP_PAST_MAX_BYTES): it gets a batch of its own. */
static void write_pasts(snapshot *s)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; !s->err && (e = brook_strmap_next(&s->o->pasts, &it));) {
        const brook_group_past *past = e->value;
        if (past->member_count)
            flush_batch(s);
        added(s, offsets_add_past(s->b, e->key, past, past->since_ms));
        if (past->member_count)
            flush_batch(s);
    }
}

/* Transactional ids' states (offsets_txns.c), at their last update's time. */
static void write_txn(void *arg, const char *id, const brook_txn_meta *m)
{
    snapshot *s = arg;
    if (!s->err)
        added(s, offsets_add_txn(s->b, id, m, m->update_ms));
}

/* Transactional commits still waiting for their transaction's end
 * (offsets_pending.c): each producer's in a transactional batch of its
 * own, so that its marker, later in the log, ends them. */
typedef struct pending_out {
    snapshot *s;
    brook_batch_builder *b;
    int64_t producer_id;
} pending_out;

static void flush_pending(pending_out *p)
{
    if (p->b && !p->s->err)
        p->s->err = offsets_append_for(p->s->o, p->s->log, p->b, p->producer_id, 0);
    brook_batch_builder_free(p->b);
    p->b = NULL;
}

static void write_pending(void *arg, int64_t producer_id, const char *group, const char *topic, int32_t partition,
                          const brook_committed *c)
{
    pending_out *p = arg;
    if (p->b && p->producer_id != producer_id)
        flush_pending(p);
    if (p->s->err)
        return;
    if (!p->b && (p->s->err = brook_batch_builder_new(&p->b)))
        return;
    p->producer_id = producer_id;
    p->s->err = offsets_add_entry(p->b, group, topic, partition, c, c->commit_time_ms);
}

static void write_group(void *arg, const char *group)
{
    snapshot *s = arg;
    s->group = group;
    brook_offsets_each(s->o, group, write_entry, s);
}

static brook_err compact(brook_offsets *o)
{
    int32_t next = 1 - o->current;
    int64_t gen = o->generation + 1;
    brook_err e = o->so->remove(o->storage_state, BROOK_OFFSETS_LOG, next);
    if (e && e != BROOK_ERR_NOT_FOUND)
        return e;
    snapshot s = {.o = o};
    if ((e = open_log(o, next, 1, &s.log)))
        return e;
    s.err = brook_batch_builder_new(&s.b);
    if (!s.err && !(s.err = offsets_add_control(s.b, OFFSETS_SNAPSHOT_BEGIN, gen)))
        s.in_batch++;
    brook_offsets_each_group(o, write_group, &s);
    write_pasts(&s);
    brook_offsets_each_txn(o, write_txn, &s);
    flush_batch(&s);
    pending_out pending = {.s = &s};
    offsets_each_pending(o, write_pending, &pending);
    flush_pending(&pending);
    if (!s.err && !(s.err = offsets_add_control(s.b, OFFSETS_SNAPSHOT_END, gen)))
        s.in_batch++;
    flush_batch(&s);
    brook_batch_builder_free(s.b);
    if (s.err) {
        o->so->close(s.log);
        o->so->remove(o->storage_state, BROOK_OFFSETS_LOG, next);
        return s.err;
    }
    log_info("committed offsets: compacted %" PRId64 " record(s) into %" PRId64 " (%s-%d, generation %" PRId64 ")",
             o->records, o->live, BROOK_OFFSETS_LOG, next, gen);
    /* From here on commits go to the new log; the old one goes once it is durable. */
    o->retiring = o->log;
    o->log = s.log;
    o->current = next;
    o->generation = gen;
    o->records = o->live + 2;
    o->so->when_durable(o->log, new_log_durable, o);
    return BROOK_OK;
}

void offsets_maybe_compact(brook_offsets *o)
{
    if (o->append || o->closing || o->pending || o->retiring || o->records < o->compact_min_records ||
        o->records < 4 * o->live)
        return;
    brook_err e = compact(o);
    if (e)
        log_warn("committed offsets: compaction failed (%s); the log stays as it is", brook_err_str(e));
}
