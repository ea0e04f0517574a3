/* What Kafka's log validator checks of a produced batch before it is
 * stored, beyond the header, length and CRC that brook_batch_check covers:
 * lastOffsetDelta = recordCount - 1, a known compression codec, no control
 * or transactional batches from clients, a base sequence for idempotent
 * batches, and every record inside - framing, varints, offset and
 * timestamp deltas, exactly recordCount of them. A compressed batch is
 * decompressed (bounded by `decompressed_cap`) to check its records, and
 * stored as it came: never recompressed. */
#ifndef BROOK_CORE_BATCH_VALIDATE_H
#define BROOK_CORE_BATCH_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <brook/batch.h>

/* `info` is what brook_batch_check returned for `batch`. BROOK_OK, or
 * BROOK_ERR_INVALID_RECORD (Kafka INVALID_RECORD) / BROOK_ERR_CORRUPT
 * (CORRUPT_MESSAGE: undecodable compressed data, or more than
 * `decompressed_cap` bytes of it) with the reason in *why (static text).
 * `keys_required`: a compacted topic's, refusing records without keys. */
brook_err brook_batch_validate(const uint8_t *batch, const brook_batch_info *info, size_t decompressed_cap,
                               int keys_required, const char **why);

#endif
