/* Producer ids for idempotent producers: unique for the life of the data
 * directory. Ids are handed out from blocks whose end is persisted in
 * <data_dir>/producer_ids before any id of the block is used, so a restart
 * never hands out an id twice. */
#ifndef BROOK_CORE_PRODUCER_IDS_H
#define BROOK_CORE_PRODUCER_IDS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

#define BROOK_PRODUCER_ID_BLOCK 1000

typedef struct brook_producer_ids {
    char path[PATH_MAX];
    int64_t next;
    int64_t block_end; /* persisted: ids below it may have been used */
} brook_producer_ids;

brook_err brook_producer_ids_load(brook_producer_ids *ids, const char *data_dir, char *err, size_t errlen);
brook_err brook_producer_ids_next(brook_producer_ids *ids, int64_t *out);

#endif
