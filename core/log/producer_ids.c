#include "producer_ids.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "atomic_file.h"
#include "log.h"

brook_err brook_producer_ids_load(brook_producer_ids *ids, const char *data_dir, char *err, size_t errlen)
{
    snprintf(ids->path, sizeof ids->path, "%s/producer_ids", data_dir);
    ids->next = ids->block_end = 0;
    FILE *f = fopen(ids->path, "r");
    if (!f)
        return errno == ENOENT ? BROOK_OK : BROOK_ERR_IO;
    int64_t end;
    int ok = fscanf(f, "%" SCNd64, &end) == 1 && end >= 0;
    fclose(f);
    if (!ok) {
        snprintf(err, errlen, "%s: not a producer id block (expected one non-negative integer)", ids->path);
        return BROOK_ERR_CORRUPT;
    }
    ids->next = ids->block_end = end;
    return BROOK_OK;
}

/* The file and its rename both synced: a power cut must not bring an
 * earlier block end back, or the ids handed out since would be again. */
static brook_err persist(const brook_producer_ids *ids, int64_t end)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%" PRId64 "\n", end);
    if (brook_atomic_write(ids->path, line, (size_t)n, BROOK_ATOMIC_SYNC)) {
        log_error("%s: cannot save the next producer id block: %s", ids->path, strerror(errno));
        return BROOK_ERR_IO;
    }
    return BROOK_OK;
}

brook_err brook_producer_ids_next(brook_producer_ids *ids, int64_t *out)
{
    if (ids->next >= ids->block_end) {
        brook_err e = persist(ids, ids->block_end + BROOK_PRODUCER_ID_BLOCK);
        if (e)
            return e;
        ids->block_end += BROOK_PRODUCER_ID_BLOCK;
    }
    *out = ids->next++;
    return BROOK_OK;
}
