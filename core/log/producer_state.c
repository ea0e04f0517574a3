#include "producer_state.h"

#include <stdlib.h>
#include <string.h>

#include "txn_marker.h"

typedef struct recent {
    int32_t first_seq;
    int32_t last_seq;
    int64_t base_offset;
} recent;

typedef struct producer {
    struct producer *hash_next;
    struct producer *newer, *older; /* activity order: the table's lru list */
    int64_t id;
    int64_t last_append_ms; /* the broker's wall clock at its last batch */
    int32_t last_seq;
    int32_t coordinator_epoch; /* its last marker's, -1: none */
    int64_t last_marker;       /* its last marker's offset, -1: none (in memory only) */
    brook_txn *open;           /* its open transaction, NULL: none */
    int16_t epoch;
    uint8_t nbatches;
    uint8_t oldest; /* index of the oldest of `batches` once it is full */
    recent batches[BROOK_PRODUCER_RECENT_BATCHES];
} producer;

struct brook_producers {
    producer **buckets; /* NULL until the first producer */
    size_t nbuckets;    /* a power of two */
    size_t count;
    producer *newest, *oldest;
    int32_t max_producers;
    int64_t expiration_ms;
    brook_txns txns;
};

brook_producers *brook_producers_new(int32_t max_producers, int64_t expiration_ms)
{
    brook_producers *ps = calloc(1, sizeof *ps);
    if (ps) {
        ps->max_producers = max_producers > 0 ? max_producers : 1;
        /* (a table is only ever freed whole: open transactions go with it) */
        ps->expiration_ms = expiration_ms;
    }
    return ps;
}

void brook_producers_free(brook_producers *ps)
{
    if (!ps)
        return;
    for (producer *p = ps->newest, *next; p; p = next) {
        next = p->older;
        free(p);
    }
    brook_txns_free(&ps->txns);
    free(ps->buckets);
    free(ps);
}

size_t brook_producers_count(const brook_producers *ps)
{
    return ps->count;
}

/* ---- the table: hash by id, list by activity ---------------------------- */

static size_t bucket_of(const brook_producers *ps, int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing */
    return (size_t)(h >> 32) & (ps->nbuckets - 1);
}

static producer *find(const brook_producers *ps, int64_t id)
{
    if (!ps->buckets)
        return NULL;
    for (producer *p = ps->buckets[bucket_of(ps, id)]; p; p = p->hash_next)
        if (p->id == id)
            return p;
    return NULL;
}

static void list_unlink(brook_producers *ps, producer *p)
{
    *(p->newer ? &p->newer->older : &ps->newest) = p->older;
    *(p->older ? &p->older->newer : &ps->oldest) = p->newer;
    p->newer = p->older = NULL;
}

static void list_push_newest(brook_producers *ps, producer *p)
{
    p->older = ps->newest;
    p->newer = NULL;
    *(ps->newest ? &ps->newest->newer : &ps->oldest) = p;
    ps->newest = p;
}

static void forget(brook_producers *ps, producer *p)
{
    producer **pp = &ps->buckets[bucket_of(ps, p->id)];
    while (*pp != p)
        pp = &(*pp)->hash_next;
    *pp = p->hash_next;
    list_unlink(ps, p);
    ps->count--;
    free(p);
}

/* Keep the load factor at most 1. */
static brook_err grow(brook_producers *ps)
{
    if (ps->buckets && ps->count < ps->nbuckets)
        return BROOK_OK;
    size_t n = ps->nbuckets ? ps->nbuckets * 2 : 8;
    producer **b = calloc(n, sizeof *b);
    if (!b)
        return BROOK_ERR_NOMEM;
    free(ps->buckets);
    ps->buckets = b;
    ps->nbuckets = n;
    for (producer *p = ps->newest; p; p = p->older) {
        size_t i = bucket_of(ps, p->id);
        p->hash_next = b[i];
        b[i] = p;
    }
    return BROOK_OK;
}

/* The least recently active producer not in a transaction (one in a
 * transaction is kept whatever the cap: its transaction's end needs it). */
static producer *evictable(const brook_producers *ps)
{
    for (producer *p = ps->oldest; p; p = p->newer)
        if (!p->open)
            return p;
    return NULL;
}

static producer *add(brook_producers *ps, int64_t id)
{
    producer *victim = ps->count >= (size_t)ps->max_producers ? evictable(ps) : NULL;
    if (victim)
        forget(ps, victim);
    producer *p = calloc(1, sizeof *p);
    if (!p || grow(ps)) {
        free(p);
        return NULL;
    }
    p->id = id;
    p->coordinator_epoch = -1;
    p->last_marker = -1;
    size_t i = bucket_of(ps, id);
    p->hash_next = ps->buckets[i];
    ps->buckets[i] = p;
    list_push_newest(ps, p);
    ps->count++;
    return p;
}

/* Forget producers idle past the expiration, a few per call; one in a
 * transaction stays (the coordinator ends it, by its timeout at the
 * latest) and counts as active. */
static void expire(brook_producers *ps, int64_t now_ms)
{
    for (int i = 0; i < 4 && ps->oldest && ps->expiration_ms > 0; i++) {
        producer *p = ps->oldest;
        if (now_ms - p->last_append_ms <= ps->expiration_ms)
            return;
        if (p->open) {
            list_unlink(ps, p);
            list_push_newest(ps, p);
        } else {
            forget(ps, p);
        }
    }
}

/* ---- sequence rules ----------------------------------------------------- */

static int32_t last_seq_of(const brook_batch_info *b)
{
    int64_t last = (int64_t)b->base_sequence + (b->last_offset - b->base_offset);
    return (int32_t)(last > INT32_MAX ? last - INT32_MAX - 1 : last); /* sequences wrap to 0 */
}

brook_err brook_producers_check(brook_producers *ps, const brook_batch_info *b, int64_t *dup_base_offset)
{
    if (b->producer_id < 0)
        return BROOK_OK;
    producer *p = find(ps, b->producer_id);
    if (!p)
        return BROOK_OK; /* unknown (new, expired or evicted): accepted */
    if (b->producer_epoch < p->epoch)
        return BROOK_ERR_INVALID_PRODUCER_EPOCH;
    if (p->open && !brook_batch_is_transactional(b))
        return BROOK_ERR_INVALID_TXN_STATE; /* its transaction must end first */
    if (b->producer_epoch > p->epoch)
        return b->base_sequence == 0 ? BROOK_OK : BROOK_ERR_OUT_OF_ORDER_SEQUENCE;
    for (int i = 0; i < p->nbatches; i++) {
        if (p->batches[i].first_seq == b->base_sequence && p->batches[i].last_seq == last_seq_of(b)) {
            *dup_base_offset = p->batches[i].base_offset;
            return BROOK_ERR_EXISTS;
        }
    }
    int32_t expected = p->last_seq == INT32_MAX ? 0 : p->last_seq + 1;
    return b->base_sequence == expected ? BROOK_OK : BROOK_ERR_OUT_OF_ORDER_SEQUENCE;
}

static void remember(producer *p, int16_t epoch, recent r, int64_t now_ms)
{
    if (epoch != p->epoch) {
        p->epoch = epoch;
        p->nbatches = 0;
        p->oldest = 0;
    }
    if (p->nbatches < BROOK_PRODUCER_RECENT_BATCHES) {
        p->batches[p->nbatches++] = r;
    } else {
        p->batches[p->oldest] = r;
        p->oldest = (uint8_t)((p->oldest + 1) % BROOK_PRODUCER_RECENT_BATCHES);
    }
    p->last_seq = r.last_seq;
    p->last_append_ms = now_ms;
}

/* A batch without a sequence opens the producer's transaction here like
 * any transactional one, and leaves its sequences alone. */
static void record_unsequenced(brook_producers *ps, const brook_batch_info *b, int64_t base_offset, int64_t now_ms)
{
    producer *p = find(ps, b->producer_id);
    if (!p && !(p = add(ps, b->producer_id)))
        return;
    if (!p->nbatches && !p->open) {
        p->epoch = b->producer_epoch;
        p->last_seq = -1;
    }
    p->last_append_ms = now_ms;
    if (brook_batch_is_transactional(b) && !p->open)
        p->open = brook_txns_begin(&ps->txns, p->id, base_offset);
}

void brook_producers_record(brook_producers *ps, const brook_batch_info *b, int64_t base_offset, int64_t now_ms)
{
    if (b->producer_id < 0)
        return;
    if (b->base_sequence < 0) { /* a coordinator's batch for the producer (its offsets): no sequence to track */
        record_unsequenced(ps, b, base_offset, now_ms);
        return;
    }
    expire(ps, now_ms);
    producer *p = find(ps, b->producer_id);
    if (p) {
        list_unlink(ps, p);
        list_push_newest(ps, p);
    } else if ((p = add(ps, b->producer_id))) {
        p->epoch = b->producer_epoch;
    } else {
        return; /* out of memory: this producer goes undeduplicated, as if evicted */
    }
    remember(p, b->producer_epoch, (recent){b->base_sequence, last_seq_of(b), base_offset}, now_ms);
    if (brook_batch_is_transactional(b) && !p->open)
        p->open = brook_txns_begin(&ps->txns, p->id, base_offset); /* NULL (no memory): seen as stable */
}

/* ---- transactions ------------------------------------------------------- */

brook_err brook_producers_check_marker(const brook_producers *ps, int64_t producer_id, int16_t producer_epoch,
                                       int32_t coordinator_epoch)
{
    const producer *p = find(ps, producer_id);
    if (!p)
        return BROOK_OK;
    if (producer_epoch < p->epoch)
        return BROOK_ERR_INVALID_PRODUCER_EPOCH;
    if (coordinator_epoch < p->coordinator_epoch)
        return BROOK_ERR_TRANSACTION_COORDINATOR_FENCED;
    return BROOK_OK;
}

void brook_producers_record_marker(brook_producers *ps, const brook_batch_info *b, int commit,
                                   int32_t coordinator_epoch, int64_t now_ms)
{
    expire(ps, now_ms);
    producer *p = find(ps, b->producer_id);
    if (p) {
        list_unlink(ps, p);
        list_push_newest(ps, p);
    } else if (!(p = add(ps, b->producer_id))) {
        return;
    }
    if (b->producer_epoch != p->epoch || !p->nbatches) {
        /* a newer epoch (the coordinator fenced the producer): it starts
         * again at sequence 0 */
        p->epoch = b->producer_epoch;
        p->nbatches = 0;
        p->oldest = 0;
        p->last_seq = -1;
    }
    p->coordinator_epoch = coordinator_epoch;
    p->last_marker = b->base_offset;
    p->last_append_ms = now_ms;
    if (p->open) {
        brook_txns_end(&ps->txns, p->open, b->base_offset, !commit); /* NOMEM: the abort goes unlisted */
        p->open = NULL;
    }
}

int brook_producers_txn_state(const brook_producers *ps, int64_t producer_id, int64_t *last_marker)
{
    const producer *p = find(ps, producer_id);
    *last_marker = p ? p->last_marker : -1;
    return !p ? -1 : p->open != NULL;
}

void brook_producers_learn(brook_producers *ps, const uint8_t *batch, const brook_batch_info *b, int64_t now_ms)
{
    if (b->producer_id < 0)
        return;
    if (!brook_batch_is_control(b)) {
        brook_producers_record(ps, b, b->base_offset, now_ms);
        return;
    }
    int commit;
    int32_t coordinator_epoch;
    if (brook_txn_marker_parse(batch, b, &commit, &coordinator_epoch) == BROOK_OK)
        brook_producers_record_marker(ps, b, commit, coordinator_epoch, now_ms);
}

int64_t brook_producers_last_stable(brook_producers *ps, int64_t log_start, int64_t high_watermark)
{
    int64_t first = brook_txns_first_unstable(&ps->txns, high_watermark);
    int64_t stable = first >= 0 && first < high_watermark ? first : high_watermark;
    return stable < log_start ? log_start : stable;
}

brook_txns *brook_producers_txns(brook_producers *ps)
{
    return &ps->txns;
}

/* ---- encoding ----------------------------------------------------------- *
 * count (u32), then per producer, least recently active first (so decoding
 * rebuilds the same activity order): id (i64), last append ms (i64), epoch
 * (i16), last seq (i32), n (u8), [format 2: coordinator epoch (i32), open
 * transaction's first offset (i64, -1: none)], then n x (first seq i32,
 * last seq i32, base offset i64), oldest batch first; [format 2: the
 * aborted transactions (partition_txns.h)]. Big-endian. */

#define PRODUCER_FIXED_BYTES (8 + 8 + 2 + 4 + 1)
#define PRODUCER_TXN_BYTES   (4 + 8)
#define RECENT_BYTES         (4 + 4 + 8)

brook_err brook_producers_encode(const brook_producers *ps, brook_buf *out)
{
    brook_err e =
        brook_buf_reserve(out, 4 + ps->count * (PRODUCER_FIXED_BYTES + PRODUCER_TXN_BYTES + 5 * RECENT_BYTES));
    if (e)
        return e;
    uint8_t *w = out->data + out->len;
    brook_put_be32(w, (uint32_t)ps->count);
    w += 4;
    for (const producer *p = ps->oldest; p; p = p->newer) {
        brook_put_be64(w, (uint64_t)p->id);
        brook_put_be64(w + 8, (uint64_t)p->last_append_ms);
        brook_put_be16(w + 16, (uint16_t)p->epoch);
        brook_put_be32(w + 18, (uint32_t)p->last_seq);
        w[22] = p->nbatches;
        w += PRODUCER_FIXED_BYTES;
        brook_put_be32(w, (uint32_t)p->coordinator_epoch);
        brook_put_be64(w + 4, (uint64_t)(p->open ? p->open->first_offset : -1));
        w += PRODUCER_TXN_BYTES;
        for (int i = 0; i < p->nbatches; i++) {
            const recent *r = &p->batches[(p->oldest + i) % p->nbatches];
            brook_put_be32(w, (uint32_t)r->first_seq);
            brook_put_be32(w + 4, (uint32_t)r->last_seq);
            brook_put_be64(w + 8, (uint64_t)r->base_offset);
            w += RECENT_BYTES;
        }
    }
    out->len = (size_t)(w - out->data);
    return brook_txns_encode_aborted(&ps->txns, out);
}

typedef struct open_txn {
    producer *p;
    int64_t first;
} open_txn;

static int by_first_offset(const void *a, const void *b)
{
    int64_t x = ((const open_txn *)a)->first, y = ((const open_txn *)b)->first;
    return (x > y) - (x < y);
}

/* Open the decoded producers' transactions in the order they began. */
static brook_err reopen(brook_producers *ps, open_txn *opens, size_t n)
{
    if (n)
        qsort(opens, n, sizeof *opens, by_first_offset);
    for (size_t i = 0; i < n; i++)
        if (!(opens[i].p->open = brook_txns_begin(&ps->txns, opens[i].p->id, opens[i].first)))
            return BROOK_ERR_NOMEM;
    return BROOK_OK;
}

/* One producer at *r (moved past it); an open transaction is noted in `opens`. */
static brook_err decode_producer(brook_producers *ps, const uint8_t **at, const uint8_t *end, uint32_t format,
                                 open_txn *opens, size_t *n_open)
{
    const uint8_t *r = *at;
    size_t fixed = PRODUCER_FIXED_BYTES + (format >= 2 ? PRODUCER_TXN_BYTES : 0);
    if ((size_t)(end - r) < fixed || r[22] > BROOK_PRODUCER_RECENT_BATCHES ||
        (size_t)(end - r - fixed) < (size_t)r[22] * RECENT_BYTES)
        return BROOK_ERR_CORRUPT;
    int64_t id = (int64_t)brook_be64(r);
    if (id < 0 || find(ps, id))
        return BROOK_ERR_CORRUPT;
    producer *p = add(ps, id);
    if (!p)
        return BROOK_ERR_NOMEM;
    p->last_append_ms = (int64_t)brook_be64(r + 8);
    p->epoch = (int16_t)brook_be16(r + 16);
    p->last_seq = (int32_t)brook_be32(r + 18);
    p->nbatches = r[22];
    r += PRODUCER_FIXED_BYTES;
    if (format >= 2) {
        p->coordinator_epoch = (int32_t)brook_be32(r);
        int64_t first = (int64_t)brook_be64(r + 4);
        if (first >= 0)
            opens[(*n_open)++] = (open_txn){p, first};
        r += PRODUCER_TXN_BYTES;
    }
    for (int k = 0; k < p->nbatches; k++, r += RECENT_BYTES)
        p->batches[k] = (recent){(int32_t)brook_be32(r), (int32_t)brook_be32(r + 4), (int64_t)brook_be64(r + 8)};
    *at = r;
    return BROOK_OK;
}

brook_err brook_producers_decode(brook_producers *ps, const uint8_t *data, size_t len, uint32_t format)
{
    const uint8_t *r = data, *end = data + len;
    if (len < 4 || format < 1 || format > BROOK_PRODUCERS_FORMAT)
        return BROOK_ERR_CORRUPT;
    uint32_t count = brook_be32(r);
    r += 4;
    if (count > len / PRODUCER_FIXED_BYTES)
        return BROOK_ERR_CORRUPT;
    open_txn *opens = count ? malloc(count * sizeof *opens) : NULL;
    if (count && !opens)
        return BROOK_ERR_NOMEM;
    size_t n_open = 0, used = 0;
    brook_err e = BROOK_OK;
    for (uint32_t i = 0; i < count && !e; i++)
        e = decode_producer(ps, &r, end, format, opens, &n_open);
    if (!e)
        e = reopen(ps, opens, n_open);
    free(opens);
    if (!e && format >= 2 && !(e = brook_txns_decode_aborted(&ps->txns, r, (size_t)(end - r), &used)))
        r += used;
    if (e)
        return e;
    return r == end ? BROOK_OK : BROOK_ERR_CORRUPT;
}

void brook_producers_each(const brook_producers *ps, void (*each)(void *arg, const brook_producer_view *v), void *arg)
{
    for (const producer *p = ps->newest; p; p = p->older)
        each(arg, &(brook_producer_view){p->id, p->epoch, p->last_seq, p->last_append_ms,
                                         p->open ? p->open->first_offset : -1, p->coordinator_epoch});
}
