#include "batch_validate.h"

#include <stdlib.h>

#include "record_batch.h"
#include "compression.h"

#define ATTR_TRANSACTIONAL 0x10
#define ATTR_CONTROL       0x20

static brook_err check_header(const brook_batch_info *info, const char **why)
{
    if (info->last_offset - info->base_offset != (int64_t)info->record_count - 1) {
        *why = "lastOffsetDelta must be recordCount - 1";
        return BROOK_ERR_INVALID_RECORD;
    }
    if ((info->attributes & BROOK_BATCH_COMPRESSION_MASK) > BROOK_COMPRESSION_ZSTD) {
        *why = "unknown compression codec in the batch attributes";
        return BROOK_ERR_CORRUPT;
    }
    if (info->attributes & ATTR_CONTROL) {
        *why = "clients may not produce control batches";
        return BROOK_ERR_INVALID_RECORD;
    }
    if ((info->attributes & ATTR_TRANSACTIONAL) && info->producer_id < 0) {
        *why = "a transactional batch needs a producer id";
        return BROOK_ERR_INVALID_RECORD;
    }
    if (info->producer_id >= 0 && info->base_sequence < 0) {
        *why = "an idempotent batch (producer id set) needs a base sequence >= 0";
        return BROOK_ERR_INVALID_RECORD;
    }
    return BROOK_OK;
}

brook_err brook_batch_validate(const uint8_t *batch, const brook_batch_info *info, size_t decompressed_cap,
                               int keys_required, const char **why)
{
    brook_err e = check_header(info, why);
    if (e)
        return e;
    const uint8_t *records = batch + BROOK_BATCH_HEADER_SIZE;
    size_t len = info->size - BROOK_BATCH_HEADER_SIZE;
    int codec = info->attributes & BROOK_BATCH_COMPRESSION_MASK;
    if (codec == BROOK_COMPRESSION_NONE)
        return brook_batch_records_check(records, len, info->record_count, info->base_timestamp, keys_required, why);
    uint8_t *plain;
    size_t plain_len;
    if ((e = brook_decompress(codec, records, len, decompressed_cap, &plain, &plain_len, why)))
        return e == BROOK_ERR_NOMEM ? e : BROOK_ERR_CORRUPT;
    e = brook_batch_records_check(plain, plain_len, info->record_count, info->base_timestamp, keys_required, why);
    free(plain);
    return e;
}
