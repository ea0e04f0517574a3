#include "page_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

static int page_ready(int fd, int64_t offset)
{
    uint8_t byte;
    struct iovec iov = {&byte, 1};
    return preadv2(fd, &iov, 1, (off_t)offset, RWF_NOWAIT) >= 0 || errno != EAGAIN;
}

#define PROBE_STRIDE (128u << 10) /* the kernel reads ahead in windows of about this size, or more */

int brook_page_cache_has(int fd, int64_t offset, size_t len)
{
    if (len == 0)
        return 1;
    int64_t last = offset + (int64_t)len - 1;
    int64_t page = sysconf(_SC_PAGESIZE);
    for (int64_t at = offset; at < last; at += PROBE_STRIDE)
        if (!page_ready(fd, at))
            return 0;
    return last / page == offset / page || page_ready(fd, last);
}

typedef struct fill_job {
    int fd;
    int64_t offset;
    size_t len;
    void (*done)(void *arg);
    void *arg;
} fill_job;

#define FILL_PIECE (64u << 10)

static void fill_work(void *arg)
{
    fill_job *j = arg;
    uint8_t *buf = malloc(FILL_PIECE);
    /* Reading is what waits for the disk until the pages are there; the
     * kernel's read-ahead sees a sequential reader and reads ahead of it. */
    for (size_t done = 0; buf && done < j->len;) {
        size_t want = j->len - done < FILL_PIECE ? j->len - done : FILL_PIECE;
        ssize_t n = pread(j->fd, buf, want, (off_t)(j->offset + (int64_t)done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    free(buf);
}

static void fill_done(void *arg)
{
    fill_job *j = arg;
    close(j->fd);
    j->done(j->arg);
    free(j);
}

brook_err brook_page_cache_fill(brook_workers *w, int fd, int64_t offset, size_t len, void (*done)(void *arg),
                                void *arg)
{
    fill_job *j = malloc(sizeof *j);
    if (!j)
        return BROOK_ERR_NOMEM;
    *j = (fill_job){.fd = fcntl(fd, F_DUPFD_CLOEXEC, 0), .offset = offset, .len = len, .done = done, .arg = arg};
    if (j->fd < 0) {
        free(j);
        return BROOK_ERR_IO;
    }
    brook_err e = brook_workers_submit(w, fill_work, fill_done, j);
    if (e) {
        close(j->fd);
        free(j);
    }
    return e;
}
