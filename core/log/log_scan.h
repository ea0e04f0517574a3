/* Walk the batches of a stored log in offset order, whatever the storage
 * plugin: its read gives slices (bytes in memory, or a file range read
 * here), each a run of whole batches. For start-up work that needs the
 * bytes (idempotent producers' tails, the committed-offsets log). */
#ifndef BROOK_CORE_LOG_SCAN_H
#define BROOK_CORE_LOG_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include <brook/batch.h>
#include <brook/storage.h>

/* Called for each whole, CRC-checked batch; `batch` is valid during the call. */
typedef void (*brook_log_scan_cb)(void *arg, const uint8_t *batch, const brook_batch_info *info);

/* Batches from `from` up to `end`, reading at most `budget` bytes (SIZE_MAX:
 * all). Stops early at a batch that fails its checks. */
brook_err brook_log_scan(const brook_storage_ops *so, void *log, int64_t from, int64_t end, size_t budget,
                         brook_log_scan_cb cb, void *arg);

#endif
