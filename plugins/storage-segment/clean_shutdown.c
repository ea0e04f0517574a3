/* The clean-shutdown marker: "<dir>/.clean-shutdown" says that when the
 * broker last stopped, every file under the data directory was on disk, so
 * the index files a clean close wrote for active segments describe data that
 * survived. Start-up then reads those indexes instead of validating every
 * batch of every active segment, which with gigabytes of them is the whole
 * start-up (Kafka's ".kafka_cleanshutdown" plays the same part).
 *
 * The marker is written last at a stop, after one sync of the file system,
 * and removed (durably) first at a start, before anything is appended: a
 * crash at any point in between leaves no marker, and the next start
 * validates every active segment as before. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "segstore.h"

static void marker_path(const backend *be, char *out, size_t len)
{
    snprintf(out, len, "%s/.clean-shutdown", be->dir);
}

void clean_shutdown_take(backend *be)
{
    char path[PATH_MAX];
    marker_path(be, path, sizeof path);
    be->clean_start = 0;
    if (unlink(path) < 0) {
        if (errno != ENOENT)
            be->host->log(be->host, BROOK_LOG_WARN, "cannot remove %s: %s; validating every active segment", path,
                          strerror(errno));
        return;
    }
    /* Trusted only once its removal is on disk: a crash of this run must
     * not find it again. */
    if (fsync(be->fs_fd) < 0) {
        be->host->log(be->host, BROOK_LOG_WARN, "cannot sync %s: %s; validating every active segment", be->dir,
                      strerror(errno));
        return;
    }
    be->clean_start = 1;
    be->host->log(be->host, BROOK_LOG_INFO, "the last stop was clean: active segments open from their indexes");
}

void clean_shutdown_mark(backend *be)
{
    char path[PATH_MAX];
    marker_path(be, path, sizeof path);
    /* Everything first (flush "os" left data in the page cache, clean
     * closes left index files unsynced), then the marker. */
    if (syncfs(be->fs_fd) < 0) {
        be->host->log(be->host, BROOK_LOG_WARN, "cannot sync %s: %s; the next start validates every active segment",
                      be->dir, strerror(errno));
        return;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0) {
        if (fsync(fd) < 0)
            err = errno;
        if (close(fd) < 0 && !err)
            err = errno;
        if (!err && fsync(be->fs_fd) < 0)
            err = errno;
        if (err)
            unlink(path);
    }
    if (err)
        be->host->log(be->host, BROOK_LOG_WARN, "cannot write %s: %s; the next start validates every active segment",
                      path, strerror(err));
}
