/* RecordBatch v2: validation, record iteration and building, exposed to
 * plugins as the host's brook_batch_ops and used directly by the core. */
#ifndef BROOK_CORE_RECORD_BATCH_H
#define BROOK_CORE_RECORD_BATCH_H

#include <brook/batch.h>

extern const brook_batch_ops brook_batch_ops_impl;

brook_err brook_batch_check(const void *data, size_t len, brook_batch_info *info);

/* The CRC32C a batch of `size` bytes carries: from its attributes to its end. */
uint32_t brook_batch_crc(const uint8_t *batch, size_t size);

/* Kafka's LogAppendTime: the batch says its timestamps are the log's
 * (attribute bit 3) and its max timestamp becomes `now`, which consumers
 * read as every record's timestamp; both lie inside the CRC, which is
 * computed again. The batch passed brook_batch_check. */
void brook_batch_set_log_append_time(uint8_t *batch, int64_t now);
brook_err brook_batch_iter_init(brook_batch_iter *it, const void *batch, size_t len);
brook_err brook_batch_iter_next(brook_batch_iter *it, brook_record *rec);
brook_err brook_batch_iter_init_decompressed(brook_batch_iter *it, const void *batch, size_t len, size_t max_bytes,
                                             void **owned);
/* Kafka's checks of a batch's records section (uncompressed, or after
 * decompression): exactly `count` well-framed records filling [records,
 * records + len), offset deltas 0, 1, 2..., timestamps that do not
 * overflow, and keys on every record when `keys_required` (a compacted
 * topic). BROOK_ERR_INVALID_RECORD with the reason in *why (static). */
brook_err brook_batch_records_check(const uint8_t *records, size_t len, int32_t count, int64_t base_timestamp,
                                    int keys_required, const char **why);
brook_err brook_batch_header_next(const uint8_t **pos, const uint8_t *end, brook_record_header *hdr);
brook_err brook_batch_builder_new(brook_batch_builder **out);
brook_err brook_batch_builder_add(brook_batch_builder *b, const brook_record *rec, const brook_record_header *headers,
                                  size_t header_count);
brook_err brook_batch_builder_finish(brook_batch_builder *b, const uint8_t **data, size_t *len);
void brook_batch_builder_free(brook_batch_builder *b);

#endif
