/* Transaction coordinators' state (txn_meta.h) in the committed offsets'
 * log, beside the groups: one record per change of a transactional id,
 * so a restart, or in a cluster the broker that next leads the id's
 * __consumer_offsets partition, reads it back and finishes what was under
 * way. Kafka keeps it in a topic of its own (__transaction_state); here
 * it shares the groups' log, and with it the placement (the id's
 * partition is picked as a group id's), the replication, the read-back
 * on a move and the compaction.
 *
 * Record: key version 3 (int16 3, int16 len + transactional id); the
 * value is txn_meta.h's, a null value forgets the id. */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "offsets_internal.h"
#include "record_batch.h"
#include "txn_meta.h"

/* ---- the map: transactional id -> brook_txn_meta, one allocation each ---- */

static void map_forget(brook_offsets *o, const char *id)
{
    offsets_keyed_forget(o, &o->txns, id);
}

/* Takes `m` (one allocation). */
static brook_err map_put(brook_offsets *o, const char *id, brook_txn_meta *m)
{
    return offsets_keyed_put(o, &o->txns, id, m);
}

const brook_txn_meta *brook_offsets_txn(const brook_offsets *o, const char *id)
{
    return brook_strmap_get(&o->txns, id);
}

void brook_offsets_each_txn(const brook_offsets *o, brook_offsets_txn_cb cb, void *arg)
{
    brook_strmap_iter it = {0};
    for (brook_strmap_entry *e; (e = brook_strmap_next(&o->txns, &it));)
        cb(arg, e->key, e->value);
}

void offsets_forget_txns(brook_offsets *o, int (*drop)(void *arg, const char *id), void *arg)
{
    offsets_keyed_forget_where(o, &o->txns, drop, arg);
}

void offsets_free_txns(brook_offsets *o)
{
    offsets_forget_txns(o, NULL, NULL);
    brook_strmap_free(&o->txns);
}

/* ---- records -------------------------------------------------------------------- */

brook_err offsets_add_txn(brook_batch_builder *b, const char *id, const brook_txn_meta *m, int64_t timestamp)
{
    uint8_t key[300], *value = NULL;
    size_t value_len = 0;
    if (strlen(id) > 255)
        return BROOK_ERR_INVALID;
    brook_err e = m ? brook_txn_meta_encode(m, &value, &value_len) : BROOK_OK;
    if (e)
        return e;
    brook_put_be16(key, OFFSETS_TXN_VERSION);
    brook_record r = {.timestamp = timestamp,
                      .key = key,
                      .key_len = (int32_t)(offsets_put_str(key + 2, id) - key),
                      .value = value,
                      .value_len = m ? (int32_t)value_len : -1};
    e = brook_batch_builder_add(b, &r, NULL, 0);
    free(value);
    return e;
}

void offsets_apply_txn(brook_offsets *o, const brook_record *rec)
{
    char id[300];
    const uint8_t *k = rec->key + 2, *kend = rec->key + rec->key_len;
    if (!offsets_get_str(&k, kend, id, sizeof id) || k != kend)
        return;
    if (rec->value_len < 0) {
        map_forget(o, id);
        return;
    }
    brook_txn_meta *m = brook_txn_meta_decode(rec->value, (size_t)rec->value_len);
    if (!m) {
        log_warn("transactional id %s: its state in the offsets log does not parse; it is skipped", id);
        return;
    }
    if (map_put(o, id, m))
        log_warn("transactional id %s: out of memory while reading its state", id);
}

/* ---- writing them down ------------------------------------------------------------ */

typedef struct txn_write {
    brook_offsets *o;
    brook_txn_meta *m; /* NULL: forget */
    brook_offsets_done done;
    void *arg;
    char id[];
} txn_write;

static void txn_written(void *arg, brook_err err)
{
    txn_write *w = arg;
    brook_offsets *o = w->o;
    if (!err && w->m)
        err = map_put(o, w->id, w->m);
    else if (!err)
        map_forget(o, w->id);
    else
        free(w->m);
    o->pending--;
    if (w->done)
        w->done(w->arg, err);
    free(w);
    offsets_maybe_compact(o);
}

void brook_offsets_write_txn(brook_offsets *o, const char *id, const brook_txn_meta *m, brook_offsets_done done,
                             void *arg)
{
    size_t n = strlen(id) + 1;
    txn_write *w = malloc(sizeof *w + n);
    brook_batch_builder *b = NULL;
    brook_err e = o->closing ? BROOK_ERR_SHUTDOWN : w ? BROOK_OK : BROOK_ERR_NOMEM;
    if (!e) {
        *w = (txn_write){.o = o, .done = done, .arg = arg};
        memcpy(w->id, id, n);
        if (m && !(w->m = brook_txn_meta_copy(m, NULL, 0)))
            e = BROOK_ERR_NOMEM;
    }
    if (!e)
        e = brook_batch_builder_new(&b);
    if (!e)
        e = offsets_add_txn(b, id, m, brook_wall_clock_ms());
    const uint8_t *data = NULL;
    size_t len = 0;
    if (!e)
        e = o->append ? brook_batch_builder_finish(b, &data, &len) : offsets_append(o, o->log, b);
    if (e) {
        brook_batch_builder_free(b);
        if (w)
            free(w->m);
        free(w);
        if (done)
            done(arg, e);
        return;
    }
    o->records++;
    o->pending++;
    if (o->append)
        o->append(o->append_ctx, id, data, len, -1, txn_written, w); /* copies the batch */
    else
        o->so->when_durable(o->log, txn_written, w);
    brook_batch_builder_free(b);
}
