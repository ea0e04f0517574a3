/* Transaction markers: the control batches that end a producer's
 * transaction in a partition's log (Kafka's COMMIT and ABORT control
 * records). One record per batch: key = version (int16, 0) and type
 * (int16: 0 abort, 1 commit); value = version (int16, 0) and the
 * transaction coordinator's epoch (int32). The batch carries the
 * producer's id and epoch, is transactional and control, sequence -1. */
#ifndef BROOK_CORE_TXN_MARKER_H
#define BROOK_CORE_TXN_MARKER_H

#include <stddef.h>
#include <stdint.h>

#include <brook/batch.h>

#define BROOK_BATCH_ATTR_TRANSACTIONAL 0x10
#define BROOK_BATCH_ATTR_CONTROL       0x20

#define BROOK_TXN_MARKER_BYTES 78 /* the header and one 17-byte record */

/* Write a marker batch into `out` (baseOffset 0, epoch 0: the append
 * assigns both) dated `now_ms`. */
void brook_txn_marker_build(uint8_t out[BROOK_TXN_MARKER_BYTES], int64_t producer_id, int16_t producer_epoch,
                            int32_t coordinator_epoch, int commit, int64_t now_ms);

/* A checked control batch's marker: BROOK_OK with *commit and
 * *coordinator_epoch; BROOK_ERR_NOT_FOUND for a control batch that is not
 * a transaction marker (a type Brook does not know: skipped, as Kafka
 * does); BROOK_ERR_CORRUPT when its record does not parse. */
brook_err brook_txn_marker_parse(const uint8_t *batch, const brook_batch_info *info, int *commit,
                                 int32_t *coordinator_epoch);

/* Make a built batch a transactional one of `producer_id` at `epoch`, no
 * sequence (what a coordinator writes for a producer: its transactional
 * offset commits), its CRC computed again. */
void brook_batch_make_transactional(uint8_t *batch, size_t len, int64_t producer_id, int16_t epoch);

static inline int brook_batch_is_control(const brook_batch_info *info)
{
    return (info->attributes & BROOK_BATCH_ATTR_CONTROL) != 0;
}

static inline int brook_batch_is_transactional(const brook_batch_info *info)
{
    return (info->attributes & BROOK_BATCH_ATTR_TRANSACTIONAL) != 0;
}

#endif
