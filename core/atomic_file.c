#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
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

/* fsync the directory holding `path`, so a rename in it is durable. */
static int sync_parent(const char *path)
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
        ok = sync_parent(path) == 0;
    if (!ok) {
        saved = errno ? errno : saved;
        unlink(tmp);
        errno = saved;
        return BROOK_ERR_IO;
    }
    return BROOK_OK;
}
