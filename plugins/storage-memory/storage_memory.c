/* storage-memory: partition logs kept in process memory.
 *
 * For tests, trials and caches: nothing survives a restart (the topic
 * registry does, so topics come back empty). Each appended batch is one
 * reference-counted chunk; `read` hands out slices that hold a reference,
 * so a response being written keeps its bytes even if the partition is
 * truncated or deleted meanwhile. The whole backend is capped by
 * `max_bytes`; an append over the cap fails with BROOK_ERR_NO_SPACE. */
#include <stdlib.h>
#include <string.h>

#include <brook/batch.h>
#include <brook/plugin.h>
#include <brook/storage.h>

typedef struct chunk {
    size_t refs;
    size_t len;
    uint8_t data[];
} chunk;

typedef struct entry {
    chunk *c;
    int64_t base_offset;
    int64_t last_offset;
    int64_t max_timestamp;
} entry;

typedef struct memlog memlog;

typedef struct backend {
    const brook_host *host;
    int64_t max_bytes;
    int64_t used_bytes;
    brook_metric *bytes_metric;
    memlog *logs;
} backend;

struct memlog {
    backend *be;
    memlog *next;
    char *topic;
    int32_t partition;
    int open;
    entry *entries;
    size_t count;
    size_t cap;
    int64_t start;
    int64_t end;
    int64_t bytes; /* of its batches (the backend's used_bytes sums them) */
};

/* The log holds `delta` bytes more (or fewer), and so does the backend. */
static void account(memlog *l, int64_t delta)
{
    l->bytes += delta;
    l->be->used_bytes += delta;
}

static void chunk_unref(void *owner)
{
    chunk *c = owner;
    if (--c->refs == 0)
        free(c);
}

/* ---- the backend ------------------------------------------------------- */

static const brook_option options[] = {
    BROOK_OPTION_INT("max_bytes", "1073741824", "1", NULL,
                     "bytes of batches the backend may hold in all; appends past it fail"),
    BROOK_OPTION_END,
};

static brook_err mem_init(const brook_host *host, void **state)
{
    backend *be = calloc(1, sizeof *be);
    if (!be)
        return BROOK_ERR_NOMEM;
    be->host = host;
    host->config_int(host, "max_bytes", &be->max_bytes);
    host->metric_register(host, "bytes", BROOK_METRIC_GAUGE, "batch bytes held in memory", &be->bytes_metric);
    *state = be;
    return BROOK_OK;
}

static void free_log(memlog *l)
{
    for (size_t i = 0; i < l->count; i++)
        chunk_unref(l->entries[i].c);
    free(l->entries);
    free(l->topic);
    free(l);
}

static void mem_fini(void *state)
{
    backend *be = state;
    for (memlog *l = be->logs, *next; l; l = next) {
        next = l->next;
        free_log(l);
    }
    free(be);
}

static memlog **find(backend *be, const char *topic, int32_t partition)
{
    memlog **p = &be->logs;
    while (*p && !((*p)->partition == partition && strcmp((*p)->topic, topic) == 0))
        p = &(*p)->next;
    return p;
}

static brook_err mem_open(void *state, const char *topic, int32_t partition, int create, void **log)
{
    backend *be = state;
    memlog **slot = find(be, topic, partition);
    memlog *l = *slot;
    if (!l) {
        if (!create)
            return BROOK_ERR_NOT_FOUND;
        l = calloc(1, sizeof *l);
        if (!l || !(l->topic = strdup(topic))) {
            free(l);
            return BROOK_ERR_NOMEM;
        }
        l->be = be;
        l->partition = partition;
        *slot = l;
    }
    l->open = 1;
    *log = l;
    return BROOK_OK;
}

static void mem_close(void *log)
{
    ((memlog *)log)->open = 0; /* the data stays until remove or fini */
}

static brook_err mem_remove(void *state, const char *topic, int32_t partition)
{
    backend *be = state;
    memlog **slot = find(be, topic, partition);
    memlog *l = *slot;
    if (!l)
        return BROOK_ERR_NOT_FOUND;
    account(l, -l->bytes);
    be->host->metric_set(be->bytes_metric, be->used_bytes);
    *slot = l->next;
    free_log(l);
    return BROOK_OK;
}

static brook_err mem_list(void *state, brook_storage_list_cb cb, void *arg)
{
    for (memlog *l = ((backend *)state)->logs; l; l = l->next)
        cb(arg, l->topic, l->partition);
    return BROOK_OK;
}

/* ---- one partition ----------------------------------------------------- */

static brook_err mem_offsets(void *log, int64_t *log_start, int64_t *log_end)
{
    memlog *l = log;
    *log_start = l->start;
    *log_end = l->end;
    return BROOK_OK;
}

static brook_err mem_append(void *log, const uint8_t *data, size_t len)
{
    memlog *l = log;
    backend *be = l->be;
    if ((int64_t)len > be->max_bytes - be->used_bytes) {
        be->host->log(be->host, BROOK_LOG_WARN, "%s-%d: append of %zu bytes refused: max_bytes %lld reached", l->topic,
                      l->partition, len, (long long)be->max_bytes);
        return BROOK_ERR_NO_SPACE;
    }
    /* The core checked every batch (CRC included); only read the headers.
     * Count them first so a failed allocation changes nothing. */
    size_t n = 0;
    for (size_t pos = 0; pos < len; n++) {
        size_t size;
        if (len - pos < BROOK_BATCH_HEADER_SIZE ||
            (size = (size_t)brook_be32(data + pos + BROOK_BATCH_OFF_LENGTH) + BROOK_BATCH_LENGTH_BASE) > len - pos)
            return BROOK_ERR_CORRUPT; /* not what the contract promises: refuse rather than overrun */
        pos += size;
    }
    if (l->count + n > l->cap) {
        size_t cap = l->cap ? l->cap : 64;
        while (cap < l->count + n)
            cap *= 2;
        entry *e = realloc(l->entries, cap * sizeof *e);
        if (!e)
            return BROOK_ERR_NOMEM;
        l->entries = e;
        l->cap = cap;
    }
    size_t first = l->count;
    for (size_t pos = 0; pos < len;) {
        const uint8_t *b = data + pos;
        size_t size = (size_t)brook_be32(b + BROOK_BATCH_OFF_LENGTH) + BROOK_BATCH_LENGTH_BASE;
        chunk *c = malloc(sizeof *c + size);
        if (!c) {
            while (l->count > first)
                chunk_unref(l->entries[--l->count].c);
            return BROOK_ERR_NOMEM;
        }
        c->refs = 1;
        c->len = size;
        memcpy(c->data, b, size);
        int64_t base = (int64_t)brook_be64(b + BROOK_BATCH_OFF_BASE_OFFSET);
        l->entries[l->count++] = (entry){c, base, base + (int32_t)brook_be32(b + BROOK_BATCH_OFF_LAST_OFFSET_DELTA),
                                         (int64_t)brook_be64(b + BROOK_BATCH_OFF_MAX_TIMESTAMP)};
        pos += size;
    }
    l->end = l->entries[l->count - 1].last_offset + 1;
    account(l, (int64_t)len);
    be->host->metric_set(be->bytes_metric, be->used_bytes);
    return BROOK_OK;
}

static void mem_when_durable(void *log, brook_storage_durable_cb cb, void *arg)
{
    (void)log;
    cb(arg, BROOK_OK); /* memory is as durable as it gets */
}

static brook_err mem_flush(void *log)
{
    (void)log;
    return BROOK_OK;
}

/* First entry whose last offset is >= offset. */
static size_t lower_bound(const memlog *l, int64_t offset)
{
    size_t lo = 0, hi = l->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->entries[mid].last_offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static brook_err mem_read(void *log, int64_t offset, int64_t max_offset, size_t max_bytes, brook_slice *slices,
                          size_t max_slices, size_t *n_slices, size_t *bytes)
{
    memlog *l = log;
    *n_slices = 0;
    *bytes = 0;
    if (offset < l->start || offset > l->end)
        return BROOK_ERR_OUT_OF_RANGE;
    for (size_t i = lower_bound(l, offset); i < l->count && *n_slices < max_slices; i++) {
        entry *e = &l->entries[i];
        if (e->last_offset >= max_offset)
            break;
        if (*n_slices > 0 && *bytes + e->c->len > max_bytes)
            break;
        e->c->refs++;
        slices[(*n_slices)++] =
            (brook_slice){.fd = -1, .data = e->c->data, .len = e->c->len, .release = chunk_unref, .owner = e->c};
        *bytes += e->c->len;
    }
    return BROOK_OK;
}

static brook_err mem_truncate(void *log, int64_t offset)
{
    memlog *l = log;
    while (l->count && l->entries[l->count - 1].last_offset >= offset) {
        entry *e = &l->entries[--l->count];
        account(l, -(int64_t)e->c->len);
        chunk_unref(e->c);
    }
    l->end = l->count ? l->entries[l->count - 1].last_offset + 1 : (offset < l->end ? l->start : l->end);
    if (l->end < l->start)
        l->end = l->start;
    l->be->host->metric_set(l->be->bytes_metric, l->be->used_bytes);
    return BROOK_OK;
}

/* Batches wholly before `offset` go; past the end the log starts afresh. */
static brook_err mem_delete_before(void *log, int64_t offset)
{
    memlog *l = log;
    if (offset <= l->start)
        return BROOK_OK;
    size_t drop = 0;
    while (drop < l->count && (l->entries[drop].last_offset < offset || offset > l->end)) {
        account(l, -(int64_t)l->entries[drop].c->len);
        chunk_unref(l->entries[drop].c);
        drop++;
    }
    memmove(l->entries, l->entries + drop, (l->count - drop) * sizeof *l->entries);
    l->count -= drop;
    l->start = offset;
    if (l->end < offset)
        l->end = offset;
    l->be->host->metric_set(l->be->bytes_metric, l->be->used_bytes);
    return BROOK_OK;
}

static brook_err mem_offset_for_timestamp(void *log, int64_t timestamp, int64_t *offset, int64_t *found)
{
    memlog *l = log;
    const brook_batch_ops *ops = l->be->host->batch;
    for (size_t i = 0; i < l->count; i++) {
        entry *e = &l->entries[i];
        if (e->max_timestamp < timestamp)
            continue;
        /* Find the record inside the batch when it can be read uncompressed. */
        brook_batch_iter it;
        brook_record rec;
        if (ops->iter_init(&it, e->c->data, e->c->len) == BROOK_OK) {
            while (ops->iter_next(&it, &rec) == BROOK_OK) {
                if (rec.timestamp >= timestamp) {
                    *offset = rec.offset;
                    *found = rec.timestamp;
                    return BROOK_OK;
                }
            }
        }
        *offset = e->base_offset;
        *found = e->max_timestamp;
        return BROOK_OK;
    }
    return BROOK_ERR_NOT_FOUND;
}

/* A walk over the batches, as offset_for_timestamp's: this backend is for
 * tests and small demos, not for logs of millions of batches. */
static brook_err mem_max_timestamp(void *log, int64_t *timestamp)
{
    memlog *l = log;
    *timestamp = -1;
    for (size_t i = 0; i < l->count; i++)
        if (l->entries[i].max_timestamp > *timestamp)
            *timestamp = l->entries[i].max_timestamp;
    return BROOK_OK;
}

static brook_err mem_size(void *log, uint64_t *bytes)
{
    *bytes = (uint64_t)((memlog *)log)->bytes;
    return BROOK_OK;
}

/* Memory keeps everything until the broker stops: no compaction, no
 * retention. A topic may still say so (Kafka Streams' internal topics
 * set cleanup.policy=delete); asking for compaction is refused. */
static brook_err mem_topic_setting(void *state, void *log, const char *name, const char *value)
{
    (void)state;
    (void)log;
    if (strcmp(name, "cleanup.policy") != 0)
        return BROOK_ERR_UNSUPPORTED;
    return !value || strcmp(value, "delete") == 0 ? BROOK_OK : BROOK_ERR_INVALID;
}

static const brook_storage_ops ops = {
    .open = mem_open,
    .close = mem_close,
    .remove = mem_remove,
    .list = mem_list,
    .offsets = mem_offsets,
    .append = mem_append,
    .when_durable = mem_when_durable,
    .flush = mem_flush,
    .read = mem_read,
    .truncate = mem_truncate,
    .delete_before = mem_delete_before,
    .offset_for_timestamp = mem_offset_for_timestamp,
    .size = mem_size,
    .max_timestamp = mem_max_timestamp,
    .topic_setting = mem_topic_setting,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_STORAGE, brook_storage_ops, ops, .name = "memory", .version = "1.0.0",
                        .description = "partition logs in process memory (nothing survives a restart)",
                        .options = options, .init = mem_init, .fini = mem_fini);
