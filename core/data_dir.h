/* The data directory belongs to one broker: brookd makes it if missing,
 * holds an exclusive lock on <dir>/.lock for as long as it runs (a second
 * brookd on the same directory refuses to start instead of overwriting the
 * first one's logs), and records which broker and cluster the directory
 * belongs to in <dir>/meta.properties (a broker with another broker.id
 * refuses it). The lock is an flock(2): the kernel drops it when the
 * process dies, kill -9 included, so a crash never leaves it stale. */
#ifndef BROOK_CORE_DATA_DIR_H
#define BROOK_CORE_DATA_DIR_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

typedef struct brook_data_dir {
    int lock_fd; /* -1 when not held */
    char cluster_id[64];
    int fresh; /* made by this start: its cluster id is a new one, not yet anyone's */
} brook_data_dir;

/* Make, lock and stamp `path` for `broker_id`. Errors, explained in `err`:
 * BROOK_ERR_IO (cannot make, lock or write it; another process holding the
 * lock), BROOK_ERR_INVALID (it belongs to another broker id, or its
 * meta.properties is damaged). */
brook_err brook_data_dir_open(brook_data_dir *d, const char *path, int32_t broker_id, char *err, size_t errlen);

/* What --check-config can tell without touching anything: the directory
 * is usable (a writable directory, or one that can be made) and, when it
 * records a broker id, it is `broker_id`. BROOK_OK or the reason in `err`. */
brook_err brook_data_dir_check(const char *path, int32_t broker_id, char *err, size_t errlen);

/* A clustered broker learns its cluster's id from the metadata store: a
 * fresh directory takes it (recorded in meta.properties); one that already
 * belongs to another cluster is refused (BROOK_ERR_INVALID, explained). */
brook_err brook_data_dir_join_cluster(brook_data_dir *d, const char *path, int32_t broker_id, const char *cluster_id,
                                      char *err, size_t errlen);

/* Release the lock. */
void brook_data_dir_close(brook_data_dir *d);

#endif
