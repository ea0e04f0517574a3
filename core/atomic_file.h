/* Small files replaced whole: written to a temporary file beside the
 * target and renamed over it, so a reader (or a restart after a crash)
 * sees the old content or the new, never half of one; and read whole. */
#ifndef BROOK_CORE_ATOMIC_FILE_H
#define BROOK_CORE_ATOMIC_FILE_H

#include <stddef.h>

#include <brook/errors.h>

typedef enum brook_atomic_sync {
    BROOK_ATOMIC_NO_SYNC = 0, /* a lost file only costs work (a cache): no fsync */
    BROOK_ATOMIC_SYNC = 1,    /* the file and the rename survive a power cut: fsync both */
} brook_atomic_sync;

/* Replace `path` by [data, data+len); `path`'s directory must exist.
 * BROOK_ERR_IO (errno set) when any step fails; the old file then stays. */
brook_err brook_atomic_write(const char *path, const void *data, size_t len, brook_atomic_sync sync);

/* The whole file at `path` (at most about `max` bytes), malloc'd with a
 * NUL after it, its length in *len (when not NULL); NULL with errno set
 * (ENOENT: absent, EFBIG: over max). */
char *brook_read_whole(const char *path, size_t max, size_t *len);

/* fsync the directory holding `path`, so an entry made or renamed in it
 * is durable: 0, or -1 with errno set. */
int brook_sync_parent(const char *path);

/* write(2) until all of [data, data+len) is written; -1 on error. */
int brook_write_all(int fd, const void *data, size_t len);

#endif
