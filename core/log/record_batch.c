#include "record_batch.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compression.h"
#include "crc32c.h"

/* ---- varints (zigzag, as Kafka records use them) ---------------------- */

static int read_varlong(const uint8_t **pos, const uint8_t *end, int64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= end)
            return -1;
        uint8_t byte = *(*pos)++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
            return 0;
        }
    }
    return -1;
}

static int read_varint(const uint8_t **pos, const uint8_t *end, int32_t *out)
{
    int64_t v;
    if (read_varlong(pos, end, &v) || v < INT32_MIN || v > INT32_MAX)
        return -1;
    *out = (int32_t)v;
    return 0;
}

static size_t put_varlong(uint8_t *p, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (z >= 0x80) {
        p[n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    p[n++] = (uint8_t)z;
    return n;
}

/* A length-prefixed byte string (-1 = null) that must fit before `end`. */
static int read_bytes(const uint8_t **pos, const uint8_t *end, const uint8_t **data, int32_t *len)
{
    if (read_varint(pos, end, len) || *len < -1)
        return -1;
    if (*len == -1) {
        *data = NULL;
        return 0;
    }
    if ((size_t)(end - *pos) < (size_t)*len)
        return -1;
    *data = *pos;
    *pos += *len;
    return 0;
}

/* ---- check ------------------------------------------------------------- */

uint32_t brook_batch_crc(const uint8_t *batch, size_t size)
{
    return brook_crc32c(0, batch + BROOK_BATCH_OFF_ATTRIBUTES, size - BROOK_BATCH_OFF_ATTRIBUTES);
}

#define ATTR_LOG_APPEND_TIME 0x08 /* bit 3: the timestamps are the log's */

void brook_batch_set_log_append_time(uint8_t *batch, int64_t now)
{
    size_t size = (size_t)brook_be32(batch + BROOK_BATCH_OFF_LENGTH) + BROOK_BATCH_LENGTH_BASE;
    uint16_t attributes = (uint16_t)brook_be16(batch + BROOK_BATCH_OFF_ATTRIBUTES);
    brook_put_be16(batch + BROOK_BATCH_OFF_ATTRIBUTES, (uint16_t)(attributes | ATTR_LOG_APPEND_TIME));
    brook_put_be64(batch + BROOK_BATCH_OFF_MAX_TIMESTAMP, (uint64_t)now);
    brook_put_be32(batch + BROOK_BATCH_OFF_CRC, brook_batch_crc(batch, size));
}

brook_err brook_batch_check(const void *data, size_t len, brook_batch_info *info)
{
    const uint8_t *p = data;
    if (len < BROOK_BATCH_HEADER_SIZE)
        return BROOK_ERR_AGAIN;
    uint32_t batch_length = brook_be32(p + BROOK_BATCH_OFF_LENGTH);
    if (batch_length < BROOK_BATCH_HEADER_SIZE - BROOK_BATCH_LENGTH_BASE || batch_length > INT32_MAX)
        return BROOK_ERR_CORRUPT;
    if (p[BROOK_BATCH_OFF_MAGIC] != BROOK_BATCH_MAGIC)
        return BROOK_ERR_CORRUPT;
    size_t size = (size_t)batch_length + BROOK_BATCH_LENGTH_BASE;
    if (len < size)
        return BROOK_ERR_AGAIN;
    if (brook_batch_crc(p, size) != brook_be32(p + BROOK_BATCH_OFF_CRC))
        return BROOK_ERR_CORRUPT;
    int32_t count = (int32_t)brook_be32(p + BROOK_BATCH_OFF_RECORD_COUNT);
    int32_t last_delta = (int32_t)brook_be32(p + BROOK_BATCH_OFF_LAST_OFFSET_DELTA);
    if (count < 0 || last_delta < 0)
        return BROOK_ERR_CORRUPT;
    if (info) {
        int64_t base_offset = (int64_t)brook_be64(p + BROOK_BATCH_OFF_BASE_OFFSET);
        *info = (brook_batch_info){
            .base_offset = base_offset,
            .last_offset = base_offset + last_delta,
            .base_timestamp = (int64_t)brook_be64(p + BROOK_BATCH_OFF_BASE_TIMESTAMP),
            .max_timestamp = (int64_t)brook_be64(p + BROOK_BATCH_OFF_MAX_TIMESTAMP),
            .producer_id = (int64_t)brook_be64(p + BROOK_BATCH_OFF_PRODUCER_ID),
            .size = size,
            .partition_leader_epoch = (int32_t)brook_be32(p + BROOK_BATCH_OFF_LEADER_EPOCH),
            .base_sequence = (int32_t)brook_be32(p + BROOK_BATCH_OFF_BASE_SEQUENCE),
            .record_count = count,
            .producer_epoch = (int16_t)brook_be16(p + BROOK_BATCH_OFF_PRODUCER_EPOCH),
            .attributes = (int16_t)brook_be16(p + BROOK_BATCH_OFF_ATTRIBUTES),
        };
    }
    return BROOK_OK;
}

/* ---- iterator ---------------------------------------------------------- */

/* An iterator over the records in [records, end) of the batch `info` describes. */
static void iter_over(brook_batch_iter *it, const uint8_t *records, const uint8_t *end, const brook_batch_info *info)
{
    it->pos = records;
    it->end = end;
    it->remaining = info->record_count;
    it->base_offset = info->base_offset;
    it->base_timestamp = info->base_timestamp;
}

/* The header check iterators start with (a torn batch is corrupt here). */
static brook_err check_for_iter(const void *batch, size_t len, brook_batch_info *info)
{
    brook_err err = brook_batch_check(batch, len, info);
    return err == BROOK_ERR_AGAIN ? BROOK_ERR_CORRUPT : err;
}

brook_err brook_batch_iter_init(brook_batch_iter *it, const void *batch, size_t len)
{
    brook_batch_info info;
    brook_err err = check_for_iter(batch, len, &info);
    if (err)
        return err;
    if (info.attributes & BROOK_BATCH_COMPRESSION_MASK)
        return BROOK_ERR_UNSUPPORTED;
    iter_over(it, (const uint8_t *)batch + BROOK_BATCH_HEADER_SIZE, (const uint8_t *)batch + info.size, &info);
    return BROOK_OK;
}

brook_err brook_batch_header_next(const uint8_t **pos, const uint8_t *end, brook_record_header *hdr)
{
    if (read_bytes(pos, end, &hdr->key, &hdr->key_len) || hdr->key_len < 0)
        return BROOK_ERR_CORRUPT;
    if (read_bytes(pos, end, &hdr->value, &hdr->value_len))
        return BROOK_ERR_CORRUPT;
    return BROOK_OK;
}

/* One record at *pos (its varint length first), into rec with its raw
 * deltas; *pos moves past it. The record must fit before `end` and use
 * exactly its length. */
static brook_err parse_record(const uint8_t **pos, const uint8_t *end, brook_record *rec, int64_t *ts_delta,
                              int32_t *off_delta)
{
    const uint8_t *p = *pos;
    int32_t rec_len;
    if (read_varint(&p, end, &rec_len) || rec_len < 0 || rec_len > end - p)
        return BROOK_ERR_CORRUPT;
    const uint8_t *rec_end = p + rec_len;
    if (p >= rec_end)
        return BROOK_ERR_CORRUPT;
    p++; /* record attributes: unused */
    if (read_varlong(&p, rec_end, ts_delta) || read_varint(&p, rec_end, off_delta))
        return BROOK_ERR_CORRUPT;
    if (read_bytes(&p, rec_end, &rec->key, &rec->key_len) || read_bytes(&p, rec_end, &rec->value, &rec->value_len))
        return BROOK_ERR_CORRUPT;
    if (read_varint(&p, rec_end, &rec->header_count) || rec->header_count < 0)
        return BROOK_ERR_CORRUPT;
    rec->headers = p;
    for (int32_t i = 0; i < rec->header_count; i++) {
        brook_record_header h;
        if (brook_batch_header_next(&p, rec_end, &h))
            return BROOK_ERR_CORRUPT;
    }
    if (p != rec_end)
        return BROOK_ERR_CORRUPT;
    rec->headers_len = (size_t)(rec_end - rec->headers);
    *pos = rec_end;
    return BROOK_OK;
}

brook_err brook_batch_iter_next(brook_batch_iter *it, brook_record *rec)
{
    if (it->remaining <= 0)
        return BROOK_ERR_NOT_FOUND;
    int64_t ts_delta;
    int32_t off_delta;
    brook_err e = parse_record(&it->pos, it->end, rec, &ts_delta, &off_delta);
    if (e)
        return e;
    rec->offset = it->base_offset + off_delta;
    rec->timestamp = it->base_timestamp + ts_delta;
    it->remaining--;
    return BROOK_OK;
}

brook_err brook_batch_records_check(const uint8_t *records, size_t len, int32_t count, int64_t base_timestamp,
                                    int keys_required, const char **why)
{
    const uint8_t *p = records, *end = len ? records + len : records; /* records may be NULL when len is 0 */
    for (int32_t i = 0; i < count; i++) {
        brook_record rec;
        int64_t ts_delta;
        int32_t off_delta;
        if (p == end) {
            *why = "the batch holds fewer records than its record count";
            return BROOK_ERR_INVALID_RECORD;
        }
        if (parse_record(&p, end, &rec, &ts_delta, &off_delta)) {
            *why = "a record's framing is malformed (length, varint, key, value or headers)";
            return BROOK_ERR_INVALID_RECORD;
        }
        if (keys_required && rec.key_len < 0) {
            *why = "a compacted topic takes only records with keys (cleanup.policy=compact)";
            return BROOK_ERR_INVALID_RECORD;
        }
        if (off_delta != i) {
            *why = "record offset deltas must count up from 0 by 1";
            return BROOK_ERR_INVALID_RECORD;
        }
        if ((ts_delta > 0 && base_timestamp > INT64_MAX - ts_delta) ||
            (ts_delta < 0 && base_timestamp < INT64_MIN - ts_delta)) {
            *why = "a record's timestamp delta overflows";
            return BROOK_ERR_INVALID_RECORD;
        }
    }
    if (p != end) {
        *why = "the batch holds more record bytes than its record count covers";
        return BROOK_ERR_INVALID_RECORD;
    }
    return BROOK_OK;
}

/* ---- builder ----------------------------------------------------------- */

struct brook_batch_builder {
    brook_buf buf;
    int32_t count;
    int64_t base_timestamp;
    int64_t max_timestamp;
};

brook_err brook_batch_builder_new(brook_batch_builder **out)
{
    brook_batch_builder *b = calloc(1, sizeof *b);
    if (!b)
        return BROOK_ERR_NOMEM;
    brook_err err = brook_buf_reserve(&b->buf, BROOK_BATCH_HEADER_SIZE);
    if (err) {
        free(b);
        return err;
    }
    memset(b->buf.data, 0, BROOK_BATCH_HEADER_SIZE);
    b->buf.len = BROOK_BATCH_HEADER_SIZE;
    *out = b;
    return BROOK_OK;
}

static size_t put_bytes(uint8_t *p, const uint8_t *data, int32_t len)
{
    size_t n = put_varlong(p, len < 0 ? -1 : len);
    if (len > 0) {
        memcpy(p + n, data, (size_t)len);
        n += (size_t)len;
    }
    return n;
}

brook_err brook_batch_builder_add(brook_batch_builder *b, const brook_record *rec, const brook_record_header *headers,
                                  size_t header_count)
{
    if (rec->key_len < -1 || rec->value_len < -1 || header_count > INT32_MAX || b->count == INT32_MAX)
        return BROOK_ERR_INVALID;
    if (b->count == 0)
        b->base_timestamp = b->max_timestamp = rec->timestamp;
    /* Upper bound of the encoded body: 10 bytes per varint plus the data. */
    size_t bound =
        40 + (rec->key_len > 0 ? (size_t)rec->key_len : 0) + (rec->value_len > 0 ? (size_t)rec->value_len : 0);
    for (size_t i = 0; i < header_count; i++) {
        if (headers[i].key_len < 0 || headers[i].value_len < -1)
            return BROOK_ERR_INVALID;
        bound += 20 + (size_t)headers[i].key_len + (headers[i].value_len > 0 ? (size_t)headers[i].value_len : 0);
    }
    if (bound > INT32_MAX - b->buf.len)
        return BROOK_ERR_TOO_LARGE;
    uint8_t *body = malloc(bound);
    if (!body)
        return BROOK_ERR_NOMEM;
    size_t n = 0;
    body[n++] = 0; /* attributes */
    n += put_varlong(body + n, rec->timestamp - b->base_timestamp);
    n += put_varlong(body + n, b->count);
    n += put_bytes(body + n, rec->key, rec->key_len);
    n += put_bytes(body + n, rec->value, rec->value_len);
    n += put_varlong(body + n, (int64_t)header_count);
    for (size_t i = 0; i < header_count; i++) {
        n += put_bytes(body + n, headers[i].key, headers[i].key_len);
        n += put_bytes(body + n, headers[i].value, headers[i].value_len);
    }
    uint8_t len_prefix[10];
    size_t ln = put_varlong(len_prefix, (int64_t)n);
    brook_err err = brook_buf_reserve(&b->buf, ln + n);
    if (!err) {
        brook_buf_append(&b->buf, len_prefix, ln);
        brook_buf_append(&b->buf, body, n);
        b->count++;
        if (rec->timestamp > b->max_timestamp)
            b->max_timestamp = rec->timestamp;
    }
    free(body);
    return err;
}

brook_err brook_batch_builder_finish(brook_batch_builder *b, const uint8_t **data, size_t *len)
{
    if (b->count == 0)
        return BROOK_ERR_INVALID;
    uint8_t *h = b->buf.data;
    brook_put_be64(h + BROOK_BATCH_OFF_BASE_OFFSET, 0);
    brook_put_be32(h + BROOK_BATCH_OFF_LENGTH, (uint32_t)(b->buf.len - BROOK_BATCH_LENGTH_BASE));
    brook_put_be32(h + BROOK_BATCH_OFF_LEADER_EPOCH, 0);
    h[BROOK_BATCH_OFF_MAGIC] = BROOK_BATCH_MAGIC;
    brook_put_be16(h + BROOK_BATCH_OFF_ATTRIBUTES, 0);
    brook_put_be32(h + BROOK_BATCH_OFF_LAST_OFFSET_DELTA, (uint32_t)(b->count - 1));
    brook_put_be64(h + BROOK_BATCH_OFF_BASE_TIMESTAMP, (uint64_t)b->base_timestamp);
    brook_put_be64(h + BROOK_BATCH_OFF_MAX_TIMESTAMP, (uint64_t)b->max_timestamp);
    brook_put_be64(h + BROOK_BATCH_OFF_PRODUCER_ID, (uint64_t)-1);
    brook_put_be16(h + BROOK_BATCH_OFF_PRODUCER_EPOCH, (uint16_t)-1);
    brook_put_be32(h + BROOK_BATCH_OFF_BASE_SEQUENCE, (uint32_t)-1);
    brook_put_be32(h + BROOK_BATCH_OFF_RECORD_COUNT, (uint32_t)b->count);
    brook_put_be32(h + BROOK_BATCH_OFF_CRC, brook_batch_crc(h, b->buf.len));
    *data = b->buf.data;
    *len = b->buf.len;
    return BROOK_OK;
}

void brook_batch_builder_free(brook_batch_builder *b)
{
    if (!b)
        return;
    brook_buf_free(&b->buf);
    free(b);
}

brook_err brook_batch_iter_init_decompressed(brook_batch_iter *it, const void *batch, size_t len, size_t max_bytes,
                                             void **owned)
{
    *owned = NULL;
    brook_batch_info info;
    brook_err e = check_for_iter(batch, len, &info); /* once: the CRC covers the whole batch */
    if (e)
        return e;
    const uint8_t *records = (const uint8_t *)batch + BROOK_BATCH_HEADER_SIZE;
    int codec = info.attributes & BROOK_BATCH_COMPRESSION_MASK;
    if (!codec) {
        iter_over(it, records, (const uint8_t *)batch + info.size, &info);
        return BROOK_OK;
    }
    uint8_t *plain;
    size_t plain_len;
    const char *why;
    if ((e = brook_decompress(codec, records, info.size - BROOK_BATCH_HEADER_SIZE, max_bytes, &plain, &plain_len,
                              &why)))
        return e;
    iter_over(it, plain, plain ? plain + plain_len : plain, &info);
    *owned = plain;
    return BROOK_OK;
}

static void release_owned(void *owned)
{
    free(owned);
}

const brook_batch_ops brook_batch_ops_impl = {
    .size = sizeof(brook_batch_ops),
    .crc32c = brook_crc32c,
    .check = brook_batch_check,
    .iter_init = brook_batch_iter_init,
    .iter_next = brook_batch_iter_next,
    .header_next = brook_batch_header_next,
    .builder_new = brook_batch_builder_new,
    .builder_add = brook_batch_builder_add,
    .builder_finish = brook_batch_builder_finish,
    .builder_free = brook_batch_builder_free,
    .iter_init_decompressed = brook_batch_iter_init_decompressed,
    .release = release_owned,
};
