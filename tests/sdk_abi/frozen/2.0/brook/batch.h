/* Brook SDK: Kafka RecordBatch v2, the one record format Brook stores and moves.
 *
 * A batch on the wire and on disk (big-endian):
 *
 *   off  size  field
 *     0     8  baseOffset            rewritten by the core on append
 *     8     4  batchLength           bytes after this field
 *    12     4  partitionLeaderEpoch
 *    16     1  magic                 always 2
 *    17     4  crc                   CRC32C of bytes [21, end)
 *    21     2  attributes            bits 0-2 compression, 3 timestamp type,
 *                                    4 transactional, 5 control
 *    23     4  lastOffsetDelta
 *    27     8  baseTimestamp
 *    35     8  maxTimestamp
 *    43     8  producerId
 *    51     2  producerEpoch
 *    53     4  baseSequence
 *    57     4  recordCount
 *    61     -  records (varint-framed; compressed as a whole when bits 0-2 != 0)
 *
 * baseOffset and partitionLeaderEpoch lie outside the CRC, so the core can
 * assign offsets without recomputing it and without decompressing.
 *
 * The helpers that need code (CRC32C, validation, builder, iterator) come from
 * the host in `brook_batch_ops` (see plugin.h): plugins link against nothing. */
#ifndef BROOK_BATCH_H
#define BROOK_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "types.h"

#define BROOK_BATCH_HEADER_SIZE           61
#define BROOK_BATCH_MAGIC                 2
#define BROOK_BATCH_OFF_BASE_OFFSET       0
#define BROOK_BATCH_OFF_LENGTH            8
#define BROOK_BATCH_OFF_LEADER_EPOCH      12
#define BROOK_BATCH_OFF_MAGIC             16
#define BROOK_BATCH_OFF_CRC               17
#define BROOK_BATCH_OFF_ATTRIBUTES        21
#define BROOK_BATCH_OFF_LAST_OFFSET_DELTA 23
#define BROOK_BATCH_OFF_BASE_TIMESTAMP    27
#define BROOK_BATCH_OFF_MAX_TIMESTAMP     35
#define BROOK_BATCH_OFF_PRODUCER_ID       43
#define BROOK_BATCH_OFF_PRODUCER_EPOCH    51
#define BROOK_BATCH_OFF_BASE_SEQUENCE     53
#define BROOK_BATCH_OFF_RECORD_COUNT      57
/* bytes counted by batchLength start here */
#define BROOK_BATCH_LENGTH_BASE      12
#define BROOK_BATCH_COMPRESSION_MASK 0x07

static inline uint16_t brook_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t brook_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t brook_be64(const uint8_t *p)
{
    return ((uint64_t)brook_be32(p) << 32) | brook_be32(p + 4);
}

static inline void brook_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void brook_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void brook_put_be64(uint8_t *p, uint64_t v)
{
    brook_put_be32(p, (uint32_t)(v >> 32));
    brook_put_be32(p + 4, (uint32_t)v);
}

/* What `check` learned from a valid batch header. */
typedef struct brook_batch_info {
    int64_t base_offset;
    int64_t last_offset; /* base_offset + lastOffsetDelta */
    int64_t base_timestamp;
    int64_t max_timestamp;
    int64_t producer_id;
    size_t size; /* whole batch in bytes: 12 + batchLength */
    int32_t partition_leader_epoch;
    int32_t base_sequence;
    int32_t record_count;
    int16_t producer_epoch;
    int16_t attributes;
    uint64_t reserved[2];
} brook_batch_info;
BROOK_ABI_PIN_SIZE(brook_batch_info, 80);

/* One record, as produced by the iterator or given to the builder.
 * Lengths of -1 mean null (Kafka distinguishes null from empty). */
typedef struct brook_record {
    int64_t offset;    /* iterator: absolute offset; builder: ignored */
    int64_t timestamp; /* milliseconds since the epoch */
    const uint8_t *key;
    int32_t key_len;
    const uint8_t *value;
    int32_t value_len;
    int32_t header_count;
    /* iterator only: the encoded headers, walk them with `header_next` */
    const uint8_t *headers;
    size_t headers_len;
    uint64_t reserved[2];
} brook_record;
BROOK_ABI_PIN_SIZE(brook_record, 80);

typedef struct brook_record_header {
    const uint8_t *key;
    int32_t key_len;
    const uint8_t *value;
    int32_t value_len; /* -1 = null */
    uint64_t reserved[1];
} brook_record_header;
BROOK_ABI_PIN_SIZE(brook_record_header, 40);

/* Iterator state; lives on the caller's stack, fields are private. */
typedef struct brook_batch_iter {
    const uint8_t *pos;
    const uint8_t *end;
    int32_t remaining;
    int64_t base_offset;
    int64_t base_timestamp;
    uint64_t reserved[3];
} brook_batch_iter;
BROOK_ABI_PIN_SIZE(brook_batch_iter, 64);

typedef struct brook_batch_builder brook_batch_builder; /* opaque */

/* The batch helpers handed to plugins through the host table.
 * All functions are pure (no I/O) and safe to call from any thread. */
typedef struct brook_batch_ops {
    uint32_t size; /* sizeof(brook_batch_ops) as built into the host */

    /* CRC32C (Castagnoli), continuing from `crc` (start with 0). */
    uint32_t (*crc32c)(uint32_t crc, const void *data, size_t len);

    /* Validate the batch at the start of [data, data+len): enough bytes for
     * the header and for batchLength, magic 2, batchLength >= 49, CRC32C,
     * record count >= 0. Fills `info`. Errors: BROOK_ERR_AGAIN when more bytes
     * are needed to judge (a torn tail), BROOK_ERR_CORRUPT otherwise. */
    brook_err (*check)(const void *data, size_t len, brook_batch_info *info);

    /* Start iterating the records of one uncompressed, already checked batch.
     * BROOK_ERR_UNSUPPORTED for a compressed batch. */
    brook_err (*iter_init)(brook_batch_iter *it, const void *batch, size_t len);
    /* Next record: BROOK_OK, BROOK_ERR_NOT_FOUND at the end, BROOK_ERR_CORRUPT
     * when a record does not parse. Pointers in `rec` point into the batch. */
    brook_err (*iter_next)(brook_batch_iter *it, brook_record *rec);
    /* Walk the headers of a record: *pos starts at rec->headers. */
    brook_err (*header_next)(const uint8_t **pos, const uint8_t *end, brook_record_header *hdr);

    /* Build one uncompressed batch (baseOffset 0, producer id -1).
     * The builder owns its bytes: `finish` returns a view valid until `free`. */
    brook_err (*builder_new)(brook_batch_builder **out);
    brook_err (*builder_add)(brook_batch_builder *b, const brook_record *rec, const brook_record_header *headers,
                             size_t header_count);
    brook_err (*builder_finish)(brook_batch_builder *b, const uint8_t **data, size_t *len);
    void (*builder_free)(brook_batch_builder *b);

    /* Start iterating the records of any checked batch, compressed ones
     * included (gzip, snappy, lz4, zstd): those are decompressed, at most
     * `max_bytes` (more: BROOK_ERR_TOO_LARGE), into memory handed back in
     * *owned, which the caller gives to `release` after its last iter_next.
     * *owned is NULL for an uncompressed batch. Errors: BROOK_ERR_CORRUPT
     * (data that does not decompress), BROOK_ERR_UNSUPPORTED (unknown
     * codec), BROOK_ERR_NOMEM. */
    brook_err (*iter_init_decompressed)(brook_batch_iter *it, const void *batch, size_t len, size_t max_bytes,
                                        void **owned);
    void (*release)(void *owned);
} brook_batch_ops;

#endif
