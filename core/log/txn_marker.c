#include "txn_marker.h"

#include <string.h>

#include "record_batch.h"

#define KEY_BYTES   4 /* version, type */
#define VALUE_BYTES 6 /* version, coordinator epoch */

void brook_txn_marker_build(uint8_t out[BROOK_TXN_MARKER_BYTES], int64_t producer_id, int16_t producer_epoch,
                            int32_t coordinator_epoch, int commit, int64_t now_ms)
{
    memset(out, 0, BROOK_TXN_MARKER_BYTES);
    brook_put_be32(out + BROOK_BATCH_OFF_LENGTH, BROOK_TXN_MARKER_BYTES - BROOK_BATCH_LENGTH_BASE);
    out[BROOK_BATCH_OFF_MAGIC] = BROOK_BATCH_MAGIC;
    brook_put_be16(out + BROOK_BATCH_OFF_ATTRIBUTES, BROOK_BATCH_ATTR_TRANSACTIONAL | BROOK_BATCH_ATTR_CONTROL);
    brook_put_be64(out + BROOK_BATCH_OFF_BASE_TIMESTAMP, (uint64_t)now_ms);
    brook_put_be64(out + BROOK_BATCH_OFF_MAX_TIMESTAMP, (uint64_t)now_ms);
    brook_put_be64(out + BROOK_BATCH_OFF_PRODUCER_ID, (uint64_t)producer_id);
    brook_put_be16(out + BROOK_BATCH_OFF_PRODUCER_EPOCH, (uint16_t)producer_epoch);
    brook_put_be32(out + BROOK_BATCH_OFF_BASE_SEQUENCE, UINT32_MAX); /* -1 */
    brook_put_be32(out + BROOK_BATCH_OFF_RECORD_COUNT, 1);
    /* the record, its varints zigzag-encoded: length 16, attributes 0,
     * timestamp delta 0, offset delta 0, key length 4, key, value length
     * 6, value, no headers */
    uint8_t *r = out + BROOK_BATCH_HEADER_SIZE;
    static const uint8_t lead[] = {32, 0, 0, 0, 2 * KEY_BYTES};
    memcpy(r, lead, sizeof lead);
    r += sizeof lead;
    brook_put_be16(r, 0);
    brook_put_be16(r + 2, commit ? 1 : 0);
    r += KEY_BYTES;
    *r++ = 2 * VALUE_BYTES;
    brook_put_be16(r, 0);
    brook_put_be32(r + 2, (uint32_t)coordinator_epoch);
    r += VALUE_BYTES;
    *r = 0;
    brook_put_be32(out + BROOK_BATCH_OFF_CRC, brook_batch_crc(out, BROOK_TXN_MARKER_BYTES));
}

brook_err brook_txn_marker_parse(const uint8_t *batch, const brook_batch_info *info, int *commit,
                                 int32_t *coordinator_epoch)
{
    brook_batch_iter it;
    brook_record rec;
    if (brook_batch_iter_init(&it, batch, info->size) || brook_batch_iter_next(&it, &rec))
        return BROOK_ERR_CORRUPT;
    if (rec.key_len < KEY_BYTES)
        return BROOK_ERR_CORRUPT;
    int16_t type = (int16_t)brook_be16(rec.key + 2);
    if (type != 0 && type != 1)
        return BROOK_ERR_NOT_FOUND;
    *commit = type == 1;
    *coordinator_epoch = rec.value_len >= VALUE_BYTES ? (int32_t)brook_be32(rec.value + 2) : -1;
    return BROOK_OK;
}

void brook_batch_make_transactional(uint8_t *batch, size_t len, int64_t producer_id, int16_t epoch)
{
    uint16_t attributes = brook_be16(batch + BROOK_BATCH_OFF_ATTRIBUTES);
    brook_put_be16(batch + BROOK_BATCH_OFF_ATTRIBUTES, (uint16_t)(attributes | BROOK_BATCH_ATTR_TRANSACTIONAL));
    brook_put_be64(batch + BROOK_BATCH_OFF_PRODUCER_ID, (uint64_t)producer_id);
    brook_put_be16(batch + BROOK_BATCH_OFF_PRODUCER_EPOCH, (uint16_t)epoch);
    brook_put_be32(batch + BROOK_BATCH_OFF_BASE_SEQUENCE, UINT32_MAX); /* -1 */
    brook_put_be32(batch + BROOK_BATCH_OFF_CRC, brook_batch_crc(batch, len));
}
