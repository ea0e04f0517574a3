#include "producer_snapshot.h"

#include "atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "crc32c.h"
#include "log.h"

#define MAGIC              "BRPS"
#define VERSION            BROOK_PRODUCERS_FORMAT /* 1: before transactions, still read */
#define HEADER             (4 + 4 + 8)            /* magic, version, offset */
#define KEEP               2
#define SUFFIX             ".snapshot"
#define MAX_SNAPSHOT_BYTES ((size_t)1 << 30) /* a sanity bound: tables are far smaller */

/* One directory entry into the listing. A temporary file a crash left in
 * the middle of a write goes on the way (tidy), or is only noted (a
 * listing made off the loop changes nothing). */
static void list_name(const char *dir, const char *name, brook_snapshot_listing *l, int tidy)
{
    size_t len = strlen(name);
    if (len > 4 && strcmp(name + len - 4, ".tmp") == 0) {
        l->has_temporary = 1;
        if (tidy) {
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            unlink(path);
        }
        return;
    }
    char *end;
    long long off = strtoll(name, &end, 10);
    if (end == name || strcmp(end, SUFFIX) != 0 || off < 0)
        return;
    if (l->n < BROOK_SNAPSHOTS_LISTED) {
        l->offsets[l->n++] = off;
        return;
    }
    size_t min = 0; /* full: replace the oldest listed if this one is newer */
    for (size_t i = 1; i < l->n; i++)
        if (l->offsets[i] < l->offsets[min])
            min = i;
    if (off > l->offsets[min])
        l->offsets[min] = off;
}

/* The snapshots in `dir`, newest first (one scan: start-up lists every
 * partition's directory). */
static void list_offsets(const char *dir, brook_snapshot_listing *l, int tidy)
{
    l->n = 0;
    l->has_temporary = 0;
    /* getdents64 into the stack: no DIR stream (a 32 KiB buffer and an
     * fstat for every partition at start-up) */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[4096];
    for (ssize_t got; (got = getdents64(fd, buf, sizeof buf)) > 0;)
        for (ssize_t at = 0; at < got; at += ((const struct dirent64 *)(buf + at))->d_reclen)
            list_name(dir, ((const struct dirent64 *)(buf + at))->d_name, l, tidy);
    close(fd);
    int64_t *o = l->offsets;
    for (size_t i = 1; i < l->n; i++) /* insertion sort, newest first */
        for (size_t j = i; j > 0 && o[j] > o[j - 1]; j--) {
            int64_t t = o[j];
            o[j] = o[j - 1];
            o[j - 1] = t;
        }
}

static void path_of(char *out, size_t len, const char *dir, int64_t offset)
{
    snprintf(out, len, "%s/%020" PRId64 SUFFIX, dir, offset);
}

brook_err brook_producer_snapshot_write(const char *dir, int64_t offset, const brook_producers *ps)
{
    brook_buf b = {0};
    brook_err e = brook_buf_reserve(&b, HEADER);
    if (e)
        return e;
    memcpy(b.data, MAGIC, 4);
    brook_put_be32(b.data + 4, VERSION);
    brook_put_be64(b.data + 8, (uint64_t)offset);
    b.len = HEADER;
    if ((e = brook_producers_encode(ps, &b)) || (e = brook_buf_reserve(&b, 4))) {
        brook_buf_free(&b);
        return e;
    }
    brook_put_be32(b.data + b.len, brook_crc32c(0, b.data, b.len));
    b.len += 4;
    char final[PATH_MAX];
    path_of(final, sizeof final, dir, offset);
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        mkdir(parent, 0755); /* <data_dir>/producer-state, made once */
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        log_warn("producer state: cannot make %s: %s", dir, strerror(errno));
        brook_buf_free(&b);
        return BROOK_ERR_IO;
    }
    e = brook_atomic_write(final, b.data, b.len, BROOK_ATOMIC_NO_SYNC);
    brook_buf_free(&b);
    if (e) {
        log_warn("producer state: cannot write %s: %s", final, strerror(errno));
        return BROOK_ERR_IO;
    }
    brook_snapshot_listing l;
    list_offsets(dir, &l, 1);
    for (size_t i = KEEP; i < l.n; i++) {
        path_of(final, sizeof final, dir, l.offsets[i]);
        unlink(final);
    }
    return BROOK_OK;
}

/* Check one snapshot's bytes and decode them into a new table; frees `data`. */
static brook_err decode_one(uint8_t *data, size_t len, int64_t offset, int32_t max_producers, int64_t expiration_ms,
                            brook_producers **out)
{
    brook_err e = BROOK_OK;
    uint32_t version = len >= HEADER ? brook_be32(data + 4) : 0;
    if (len < HEADER + 8 || memcmp(data, MAGIC, 4) != 0 || version < 1 || version > VERSION ||
        (int64_t)brook_be64(data + 8) != offset || brook_crc32c(0, data, len - 4) != brook_be32(data + len - 4))
        e = BROOK_ERR_CORRUPT;
    brook_producers *ps = e ? NULL : brook_producers_new(max_producers, expiration_ms);
    if (!e && !ps)
        e = BROOK_ERR_NOMEM;
    if (!e)
        e = brook_producers_decode(ps, data + HEADER, len - HEADER - 4, version);
    free(data);
    if (e) {
        brook_producers_free(ps);
        return e;
    }
    *out = ps;
    return BROOK_OK;
}

static uint8_t *read_file(const char *path, size_t *len, brook_err *e)
{
    uint8_t *data = (uint8_t *)brook_read_whole(path, MAX_SNAPSHOT_BYTES, len);
    if (!data)
        *e = errno == ENOMEM ? BROOK_ERR_NOMEM : BROOK_ERR_IO;
    return data;
}

void brook_producer_snapshot_list(const char *dir, brook_snapshot_listing *l)
{
    list_offsets(dir, l, 0);
    l->newest = NULL;
    l->newest_len = 0;
    l->newest_err = BROOK_OK;
    if (l->n) {
        char path[PATH_MAX];
        path_of(path, sizeof path, dir, l->offsets[0]);
        l->newest = read_file(path, &l->newest_len, &l->newest_err);
    }
}

void brook_producer_snapshot_listing_free(brook_snapshot_listing *l)
{
    free(l->newest);
    l->newest = NULL;
}

static brook_err load_newest_readable(const char *dir, brook_snapshot_listing *l, int64_t log_end,
                                      int32_t max_producers, int64_t expiration_ms, brook_producers **ps,
                                      int64_t *offset)
{
    char path[PATH_MAX];
    *offset = -1;
    for (size_t i = 0; i < l->n; i++) {
        path_of(path, sizeof path, dir, l->offsets[i]);
        if (l->offsets[i] > log_end) {
            unlink(path);
            continue;
        }
        brook_err e = BROOK_OK;
        size_t len = 0;
        uint8_t *data = NULL;
        if (i == 0 && (l->newest || l->newest_err)) { /* read when listed */
            data = l->newest, len = l->newest_len, e = l->newest_err;
            l->newest = NULL;
        } else {
            data = read_file(path, &len, &e);
        }
        if (data)
            e = decode_one(data, len, l->offsets[i], max_producers, expiration_ms, ps);
        if (e == BROOK_ERR_NOMEM)
            return e;
        if (e == BROOK_OK) {
            *offset = l->offsets[i];
            return BROOK_OK;
        }
        log_warn("producer state: %s is unreadable (%s); using an older snapshot or the log", path, brook_err_str(e));
        unlink(path);
    }
    *ps = brook_producers_new(max_producers, expiration_ms);
    return *ps ? BROOK_OK : BROOK_ERR_NOMEM;
}

brook_err brook_producer_snapshot_load_listed(const char *dir, brook_snapshot_listing *l, int64_t log_end,
                                              int32_t max_producers, int64_t expiration_ms, brook_producers **ps,
                                              int64_t *offset)
{
    if (l->has_temporary) { /* tidied here, on the loop: list again */
        brook_producer_snapshot_listing_free(l);
        list_offsets(dir, l, 1);
        l->newest_err = BROOK_OK;
    }
    brook_err e = load_newest_readable(dir, l, log_end, max_producers, expiration_ms, ps, offset);
    brook_producer_snapshot_listing_free(l);
    return e;
}

brook_err brook_producer_snapshot_load(const char *dir, int64_t log_end, int32_t max_producers, int64_t expiration_ms,
                                       brook_producers **ps, int64_t *offset)
{
    brook_snapshot_listing l = {0};
    list_offsets(dir, &l, 1);
    return brook_producer_snapshot_load_listed(dir, &l, log_end, max_producers, expiration_ms, ps, offset);
}

void brook_producer_snapshot_remove(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char path[PATH_MAX];
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}
