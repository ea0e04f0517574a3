#include "txn_meta.h"

#include <stdlib.h>
#include <string.h>

#include <brook/batch.h>

#define FIXED (2 + 8 + 2 + 4 + 1 + 8 + 8 + 4)

brook_err brook_txn_meta_encode(const brook_txn_meta *m, uint8_t **out, size_t *len)
{
    int version = m->last_epoch >= 0; /* (version 0 otherwise: what earlier brokers read) */
    size_t n = FIXED + (version ? 2 : 0);
    for (size_t i = 0; i < m->partition_count; i++) {
        size_t t = strlen(m->partitions[i].topic);
        if (t > 32767)
            return BROOK_ERR_INVALID;
        n += 2 + t + 4;
    }
    uint8_t *b = malloc(n), *w = b;
    if (!b)
        return BROOK_ERR_NOMEM;
    brook_put_be16(w, (uint16_t)version);
    brook_put_be64(w + 2, (uint64_t)m->producer_id);
    brook_put_be16(w + 10, (uint16_t)m->epoch);
    brook_put_be32(w + 12, (uint32_t)m->timeout_ms);
    w[16] = (uint8_t)m->state;
    brook_put_be64(w + 17, (uint64_t)m->start_ms);
    brook_put_be64(w + 25, (uint64_t)m->update_ms);
    brook_put_be32(w + 33, (uint32_t)m->partition_count);
    w += FIXED;
    for (size_t i = 0; i < m->partition_count; i++) {
        size_t t = strlen(m->partitions[i].topic);
        brook_put_be16(w, (uint16_t)t);
        memcpy(w + 2, m->partitions[i].topic, t);
        brook_put_be32(w + 2 + t, (uint32_t)m->partitions[i].partition);
        w += 2 + t + 4;
    }
    if (version)
        brook_put_be16(w, (uint16_t)m->last_epoch);
    *out = b;
    *len = n;
    return BROOK_OK;
}

/* The partitions' bytes: their count and the topic names' total length. */
static int measure(const uint8_t *r, const uint8_t *end, size_t count, size_t *names)
{
    *names = 0;
    for (size_t i = 0; i < count; i++) {
        if (end - r < 2)
            return -1;
        size_t t = brook_be16(r);
        if (t > 32767 || (size_t)(end - r) < 2 + t + 4)
            return -1;
        *names += t + 1;
        r += 2 + t + 4;
    }
    return r == end ? 0 : -1;
}

brook_txn_meta *brook_txn_meta_decode(const uint8_t *value, size_t len)
{
    int version = len >= 2 ? brook_be16(value) : -1;
    if (len < FIXED + (version == 1 ? 2 : 0) || version < 0 || version > 1 || value[16] > BROOK_TXN_COMPLETE_ABORT)
        return NULL;
    const uint8_t *end = value + len - (version == 1 ? 2 : 0); /* the partitions' end */
    size_t count = brook_be32(value + 33), names;
    if (count > BROOK_TXN_MAX_PARTITIONS || measure(value + FIXED, end, count, &names))
        return NULL;
    brook_txn_meta *m = malloc(sizeof *m + count * sizeof *m->partitions + names);
    if (!m)
        return NULL;
    *m = (brook_txn_meta){.producer_id = (int64_t)brook_be64(value + 2),
                          .epoch = (int16_t)brook_be16(value + 10),
                          .last_epoch = version == 1 ? (int16_t)brook_be16(end) : -1,
                          .timeout_ms = (int32_t)brook_be32(value + 12),
                          .state = (brook_txn_state)value[16],
                          .start_ms = (int64_t)brook_be64(value + 17),
                          .update_ms = (int64_t)brook_be64(value + 25),
                          .partitions = (brook_txn_tp *)(m + 1),
                          .partition_count = count};
    char *text = (char *)(m->partitions + count);
    const uint8_t *r = value + FIXED;
    for (size_t i = 0; i < count; i++) {
        size_t t = brook_be16(r);
        memcpy(text, r + 2, t);
        text[t] = '\0';
        m->partitions[i] = (brook_txn_tp){text, (int32_t)brook_be32(r + 2 + t)};
        text += t + 1;
        r += 2 + t + 4;
    }
    return m;
}

static int tp_cmp(const brook_txn_tp *a, const brook_txn_tp *b)
{
    int c = strcmp(a->topic, b->topic);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

static int tp_cmp_void(const void *a, const void *b)
{
    return tp_cmp(a, b);
}

int brook_txn_meta_has(const brook_txn_meta *m, const char *topic, int32_t partition)
{
    brook_txn_tp key = {topic, partition};
    return m->partition_count && bsearch(&key, m->partitions, m->partition_count, sizeof key, tp_cmp_void) != NULL;
}

brook_txn_meta *brook_txn_meta_copy(const brook_txn_meta *m, const brook_txn_tp *add, size_t n)
{
    size_t total = m->partition_count + n, names = 0;
    brook_txn_tp *all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return NULL;
    if (m->partition_count) /* (memcpy may not be given NULL, even for 0 bytes) */
        memcpy(all, m->partitions, m->partition_count * sizeof *all);
    if (n)
        memcpy(all + m->partition_count, add, n * sizeof *all);
    qsort(all, total, sizeof *all, tp_cmp_void);
    size_t kept = 0;
    for (size_t i = 0; i < total; i++)
        if (!kept || tp_cmp(&all[kept - 1], &all[i]) != 0)
            all[kept++] = all[i];
    for (size_t i = 0; i < kept; i++)
        names += strlen(all[i].topic) + 1;
    brook_txn_meta *c = malloc(sizeof *c + kept * sizeof *c->partitions + names);
    if (!c) {
        free(all);
        return NULL;
    }
    *c = *m;
    c->partitions = (brook_txn_tp *)(c + 1);
    c->partition_count = kept;
    char *text = (char *)(c->partitions + kept);
    for (size_t i = 0; i < kept; i++) {
        size_t t = strlen(all[i].topic) + 1;
        memcpy(text, all[i].topic, t);
        c->partitions[i] = (brook_txn_tp){text, all[i].partition};
        text += t;
    }
    free(all);
    return c;
}

const char *brook_txn_state_name(brook_txn_state s)
{
    switch (s) {
    case BROOK_TXN_EMPTY: return "Empty";
    case BROOK_TXN_ONGOING: return "Ongoing";
    case BROOK_TXN_PREPARE_COMMIT: return "PrepareCommit";
    case BROOK_TXN_PREPARE_ABORT: return "PrepareAbort";
    case BROOK_TXN_COMPLETE_COMMIT: return "CompleteCommit";
    case BROOK_TXN_COMPLETE_ABORT: return "CompleteAbort";
    }
    return "Unknown";
}
