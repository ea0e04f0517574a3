#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int brook_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int brook_sync_parent(const char *path)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

brook_err brook_atomic_write(const char *path, const void *data, size_t len, brook_atomic_sync sync)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return BROOK_ERR_IO;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return BROOK_ERR_IO;
    int ok = brook_write_all(fd, data, len) == 0 && (sync == BROOK_ATOMIC_NO_SYNC || fdatasync(fd) == 0);
    int saved = errno;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (ok && sync == BROOK_ATOMIC_SYNC)
        ok = brook_sync_parent(path) == 0;
    if (!ok) {
        saved = errno ? errno : saved;
        unlink(tmp);
        errno = saved;
        return BROOK_ERR_IO;
    }
    return BROOK_OK;
}

char *brook_read_whole(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    /* No stdio stream, no fstat, and a small file read into the stack:
     * start-up reads a few per partition, and the heap, fragmented by
     * 100,000 partitions, made a 4 KiB malloc each cost more than the read. */
    char first[4096];
    ssize_t got = read(fd, first, sizeof first);
    size_t n = got > 0 ? (size_t)got : 0, cap = n + 1;
    char *data = got < 0 ? NULL : malloc(cap);
    if (data)
        memcpy(data, first, n);
    /* A short read of a regular file is its end; after a full one, read on. */
    int more = got == (ssize_t)sizeof first;
    while (data && more) {
        if (cap - 1 - n < sizeof first) {
            char *bigger = cap <= max ? realloc(data, cap * 2 + sizeof first) : NULL;
            if (!bigger) {
                free(data);
                data = NULL;
                errno = cap <= max ? ENOMEM : EFBIG;
                break;
            }
            data = bigger;
            cap = cap * 2 + sizeof first;
        }
        got = read(fd, data + n, cap - 1 - n);
        if (got < 0) {
            free(data);
            data = NULL;
        } else {
            n += (size_t)got;
            more = got > 0;
        }
    }
    int saved = errno;
    close(fd);
    errno = saved;
    if (!data)
        return NULL;
    data[n] = '\0';
    if (len)
        *len = n;
    return data;
}
