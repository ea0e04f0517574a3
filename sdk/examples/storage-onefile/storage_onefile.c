/* storage-onefile: an example storage plugin built outside Brook's tree,
 * against the installed SDK only (see README.md next to this file).
 *
 * Each partition is one append-only file, <dir>/<topic>-<partition>.log,
 * holding its RecordBatch v2 batches back to back, plus an in-memory list
 * of where each batch starts, rebuilt at open by walking the file with the
 * host's batch checker (a torn or corrupt tail, left by a crash, is cut
 * off). Durability: when_durable runs fdatasync on the broker's I/O threads
 * (host->run_blocking) and answers every caller waiting when it started.
 *
 * Deliberately simple, to show the contract rather than performance:
 * reads copy the bytes into memory slices (storage-segment shows zero-copy
 * file slices), and there is no retention. It passes
 * brook-storage-conformance. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <brook/plugin.h>
#include <brook/storage.h>

typedef struct backend {
    const brook_host *host;
    char dir[PATH_MAX];
} backend;

typedef struct batch_pos {
    int64_t base, last, max_ts;
    uint64_t pos;
    uint32_t size;
} batch_pos;

typedef struct waiter {
    brook_storage_durable_cb cb;
    void *arg;
} waiter;

typedef struct onefile {
    backend *be;
    int fd;
    char path[PATH_MAX];
    batch_pos *batches;
    size_t count, cap;
    uint64_t size;
    int64_t next;    /* the log end */
    waiter *waiting; /* callers of when_durable not yet answered */
    size_t nwaiting, capwaiting;
    struct sync_job *job; /* an fdatasync out on an I/O thread */
    int closing;
} onefile;

/* An fdatasync job: the callers it answers travel with it. */
typedef struct sync_job {
    onefile *log;
    int fd;
    int err;
    waiter *answers;
    size_t count;
} sync_job;

static const brook_option options[] = {
    BROOK_OPTION_STRING("dir", "", "directory for the partition files (default: broker.data_dir)"),
    BROOK_OPTION_END,
};

/* ---- the backend ---------------------------------------------------------- */

static brook_err resolve_dir(const brook_host *host, char *out, size_t len)
{
    const char *dir;
    host->config_string(host, "dir", &dir);
    if (snprintf(out, len, "%s", dir[0] ? dir : host->data_dir) >= (int)len) {
        host->log(host, BROOK_LOG_ERROR, "dir is too long");
        return BROOK_ERR_INVALID;
    }
    return BROOK_OK;
}

static brook_err onefile_validate(const brook_host *host)
{
    char dir[PATH_MAX];
    brook_err e = resolve_dir(host, dir, sizeof dir);
    const char *configured;
    host->config_string(host, "dir", &configured);
    struct stat st;
    if (!e && configured[0] && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
        host->log(host, BROOK_LOG_ERROR, "dir %s is not a directory", dir);
        e = BROOK_ERR_INVALID;
    }
    return e;
}

static brook_err onefile_init(const brook_host *host, void **state)
{
    backend *be = calloc(1, sizeof *be);
    if (!be)
        return BROOK_ERR_NOMEM;
    be->host = host;
    brook_err e = resolve_dir(host, be->dir, sizeof be->dir);
    if (e) {
        free(be);
        return e;
    }
    *state = be;
    return BROOK_OK;
}

static void onefile_fini(void *state)
{
    free(state);
}

/* <dir>/<topic>-<partition>.log; BROOK_ERR_INVALID when it does not fit. */
static brook_err path_of(const backend *be, const char *topic, int32_t partition, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s-%d.log", be->dir, topic, partition);
    return n < 0 || (size_t)n >= len ? BROOK_ERR_INVALID : BROOK_OK;
}

/* ---- a partition ---------------------------------------------------------- */

static brook_err push_batch(onefile *l, const brook_batch_info *info, uint64_t pos)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        batch_pos *bigger = realloc(l->batches, cap * sizeof *bigger);
        if (!bigger)
            return BROOK_ERR_NOMEM;
        l->batches = bigger;
        l->cap = cap;
    }
    l->batches[l->count++] = (batch_pos){.base = info->base_offset,
                                         .last = info->last_offset,
                                         .max_ts = info->max_timestamp,
                                         .pos = pos,
                                         .size = (uint32_t)info->size};
    l->next = info->last_offset + 1;
    l->size = pos + info->size;
    return BROOK_OK;
}

/* Walk the file, keeping every whole valid batch; cut what follows. */
static brook_err recover(onefile *l)
{
    const brook_batch_ops *ops = l->be->host->batch;
    struct stat st;
    if (fstat(l->fd, &st) < 0)
        return BROOK_ERR_IO;
    uint64_t pos = 0, file_size = (uint64_t)st.st_size;
    uint8_t head[BROOK_BATCH_HEADER_SIZE];
    while (pos + BROOK_BATCH_HEADER_SIZE <= file_size) {
        if (pread(l->fd, head, sizeof head, (off_t)pos) != (ssize_t)sizeof head)
            return BROOK_ERR_IO;
        uint64_t size = (uint64_t)brook_be32(head + BROOK_BATCH_OFF_LENGTH) + BROOK_BATCH_LENGTH_BASE;
        if (size < BROOK_BATCH_HEADER_SIZE || pos + size > file_size)
            break;
        uint8_t *batch = malloc(size);
        brook_batch_info info;
        int ok = batch && pread(l->fd, batch, size, (off_t)pos) == (ssize_t)size &&
                 ops->check(batch, size, &info) == BROOK_OK && (l->count == 0 || info.base_offset == l->next);
        free(batch);
        if (!ok)
            break;
        brook_err e = push_batch(l, &info, pos);
        if (e)
            return e;
        pos += size;
    }
    if (pos < file_size) {
        l->be->host->log(l->be->host, BROOK_LOG_WARN, "%s: cut %llu bytes of torn or corrupt tail", l->path,
                         (unsigned long long)(file_size - pos));
        if (ftruncate(l->fd, (off_t)pos) < 0)
            return BROOK_ERR_IO;
    }
    l->size = pos;
    return BROOK_OK;
}

static brook_err onefile_open(void *state, const char *topic, int32_t partition, int create, void **out)
{
    backend *be = state;
    onefile *l = calloc(1, sizeof *l);
    if (!l)
        return BROOK_ERR_NOMEM;
    l->be = be;
    if (path_of(be, topic, partition, l->path, sizeof l->path)) {
        free(l);
        return BROOK_ERR_INVALID;
    }
    l->fd = open(l->path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    if (l->fd < 0) {
        int err = errno;
        free(l);
        return err == ENOENT ? BROOK_ERR_NOT_FOUND : BROOK_ERR_IO;
    }
    brook_err e = recover(l);
    if (e) {
        close(l->fd);
        free(l->batches);
        free(l);
        return e;
    }
    *out = l;
    return BROOK_OK;
}

static void answer(waiter *w, size_t n, brook_err err)
{
    for (size_t i = 0; i < n; i++)
        w[i].cb(w[i].arg, err);
}

static void onefile_close(void *log)
{
    onefile *l = log;
    /* the contract: pending when_durable callbacks are answered before close returns */
    brook_err e = fdatasync(l->fd) == 0 ? BROOK_OK : BROOK_ERR_IO;
    answer(l->waiting, l->nwaiting, e);
    free(l->waiting);
    l->waiting = NULL;
    l->nwaiting = 0;
    if (l->job) {
        answer(l->job->answers, l->job->count, e); /* its callers too: synced just now */
        l->job->count = 0;
        l->closing = 1; /* the job's done frees the log */
        return;
    }
    close(l->fd);
    free(l->batches);
    free(l);
}

static brook_err onefile_remove(void *state, const char *topic, int32_t partition)
{
    char path[PATH_MAX];
    if (path_of(state, topic, partition, path, sizeof path))
        return BROOK_ERR_INVALID;
    if (unlink(path) < 0)
        return errno == ENOENT ? BROOK_ERR_NOT_FOUND : BROOK_ERR_IO;
    return BROOK_OK;
}

static brook_err onefile_list(void *state, brook_storage_list_cb cb, void *arg)
{
    backend *be = state;
    DIR *d = opendir(be->dir);
    if (!d)
        return BROOK_ERR_IO;
    for (struct dirent *de; (de = readdir(d));) {
        size_t n = strlen(de->d_name);
        const char *dash = strrchr(de->d_name, '-');
        if (n < 5 || strcmp(de->d_name + n - 4, ".log") != 0 || !dash || dash == de->d_name)
            continue;
        char topic[256];
        if ((size_t)(dash - de->d_name) >= sizeof topic)
            continue;
        memcpy(topic, de->d_name, (size_t)(dash - de->d_name));
        topic[dash - de->d_name] = '\0';
        cb(arg, topic, (int32_t)atoi(dash + 1));
    }
    closedir(d);
    return BROOK_OK;
}

static brook_err onefile_offsets(void *log, int64_t *log_start, int64_t *log_end)
{
    onefile *l = log;
    *log_start = l->count ? l->batches[0].base : l->next;
    *log_end = l->next;
    return BROOK_OK;
}

static brook_err onefile_append(void *log, const uint8_t *data, size_t len)
{
    onefile *l = log;
    const brook_batch_ops *ops = l->be->host->batch;
    size_t first = l->count;
    uint64_t at = l->size;
    int64_t next = l->next;
    for (size_t pos = 0; pos < len;) {
        brook_batch_info info;
        if (ops->check(data + pos, len - pos, &info) || push_batch(l, &info, at + pos)) {
            l->count = first; /* all or nothing */
            l->size = at;
            l->next = next;
            return BROOK_ERR_INVALID;
        }
        pos += info.size;
    }
    for (size_t done = 0; done < len;) {
        ssize_t n = pwrite(l->fd, data + done, len - done, (off_t)(at + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = errno;
            /* a partial write the next open would cut anyway */
            if (ftruncate(l->fd, (off_t)at) < 0)
                l->be->host->log(l->be->host, BROOK_LOG_WARN, "%s: cannot cut a failed write", l->path);
            l->count = first;
            l->size = at;
            l->next = next;
            return err == ENOSPC ? BROOK_ERR_NO_SPACE : BROOK_ERR_IO;
        }
        done += (size_t)n;
    }
    return BROOK_OK;
}

static void sync_work(void *arg)
{
    sync_job *j = arg;
    j->err = fdatasync(j->fd) == 0 ? 0 : errno;
}

static void start_sync(onefile *l);

static void sync_done(void *arg)
{
    sync_job *j = arg;
    onefile *l = j->log;
    answer(j->answers, j->count, j->err ? BROOK_ERR_IO : BROOK_OK);
    free(j->answers);
    free(j);
    l->job = NULL;
    if (l->closing) {
        close(l->fd);
        free(l->batches);
        free(l);
        return;
    }
    if (l->nwaiting)
        start_sync(l); /* those who came while it ran: one more round */
}

/* One fdatasync for everyone waiting now (group commit). */
static void start_sync(onefile *l)
{
    sync_job *j = calloc(1, sizeof *j);
    if (!j) {
        answer(l->waiting, l->nwaiting, BROOK_ERR_NOMEM);
        l->nwaiting = 0;
        return;
    }
    *j = (sync_job){.log = l, .fd = l->fd, .answers = l->waiting, .count = l->nwaiting};
    l->waiting = NULL;
    l->nwaiting = l->capwaiting = 0;
    l->job = j;
    if (l->be->host->run_blocking(l->be->host, sync_work, sync_done, j)) {
        j->err = fdatasync(j->fd) == 0 ? 0 : errno; /* no I/O threads: here, then */
        sync_done(j);
    }
}

static void onefile_when_durable(void *log, brook_storage_durable_cb cb, void *arg)
{
    onefile *l = log;
    if (l->nwaiting == l->capwaiting) {
        size_t cap = l->capwaiting ? l->capwaiting * 2 : 16;
        waiter *bigger = realloc(l->waiting, cap * sizeof *bigger);
        if (!bigger) {
            cb(arg, BROOK_ERR_NOMEM);
            return;
        }
        l->waiting = bigger;
        l->capwaiting = cap;
    }
    l->waiting[l->nwaiting++] = (waiter){.cb = cb, .arg = arg};
    if (!l->job)
        start_sync(l);
}

static brook_err onefile_flush(void *log)
{
    return fdatasync(((onefile *)log)->fd) == 0 ? BROOK_OK : BROOK_ERR_IO;
}

/* The batch holding `offset`: the first whose last offset reaches it. */
static size_t find_batch(const onefile *l, int64_t offset)
{
    size_t lo = 0, hi = l->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->batches[mid].last < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static brook_err onefile_read(void *log, int64_t offset, int64_t max_offset, size_t max_bytes, brook_slice *slices,
                              size_t max_slices, size_t *n_slices, size_t *bytes)
{
    onefile *l = log;
    int64_t start = l->count ? l->batches[0].base : l->next;
    *n_slices = *bytes = 0;
    if (offset < start || offset > l->next)
        return BROOK_ERR_OUT_OF_RANGE;
    for (size_t i = find_batch(l, offset); i < l->count && *n_slices < max_slices; i++) {
        const batch_pos *b = &l->batches[i];
        if (b->last >= max_offset || (*n_slices && *bytes + b->size > max_bytes))
            break;
        uint8_t *copy = malloc(b->size);
        if (!copy)
            return *n_slices ? BROOK_OK : BROOK_ERR_NOMEM;
        if (pread(l->fd, copy, b->size, (off_t)b->pos) != (ssize_t)b->size) {
            free(copy);
            return *n_slices ? BROOK_OK : BROOK_ERR_IO;
        }
        slices[(*n_slices)++] = (brook_slice){.fd = -1, .data = copy, .len = b->size, .release = free, .owner = copy};
        *bytes += b->size;
    }
    return BROOK_OK;
}

static brook_err onefile_truncate(void *log, int64_t offset)
{
    onefile *l = log;
    size_t keep = find_batch(l, offset); /* batches before the one holding `offset` */
    uint64_t size = keep < l->count ? l->batches[keep].pos : l->size;
    if (ftruncate(l->fd, (off_t)size) < 0)
        return BROOK_ERR_IO;
    /* the log end: after the last batch kept, else where the log started */
    l->next = keep ? l->batches[keep - 1].last + 1 : l->count ? l->batches[0].base : l->next;
    l->count = keep;
    l->size = size;
    return BROOK_OK;
}

static brook_err onefile_offset_for_timestamp(void *log, int64_t timestamp, int64_t *offset, int64_t *found)
{
    onefile *l = log;
    const brook_batch_ops *ops = l->be->host->batch;
    for (size_t i = 0; i < l->count; i++) {
        const batch_pos *b = &l->batches[i];
        if (b->max_ts < timestamp)
            continue;
        *offset = b->base;
        *found = b->max_ts;
        uint8_t *batch = malloc(b->size);
        brook_batch_iter it;
        brook_record rec;
        if (batch && pread(l->fd, batch, b->size, (off_t)b->pos) == (ssize_t)b->size &&
            ops->iter_init(&it, batch, b->size) == BROOK_OK)
            while (ops->iter_next(&it, &rec) == BROOK_OK)
                if (rec.timestamp >= timestamp) {
                    *offset = rec.offset;
                    *found = rec.timestamp;
                    break;
                }
        free(batch);
        return BROOK_OK;
    }
    return BROOK_ERR_NOT_FOUND;
}

static brook_err onefile_size(void *log, uint64_t *bytes)
{
    *bytes = ((onefile *)log)->size;
    return BROOK_OK;
}

static const brook_storage_ops ops = {
    .open = onefile_open,
    .close = onefile_close,
    .remove = onefile_remove,
    .list = onefile_list,
    .offsets = onefile_offsets,
    .append = onefile_append,
    .when_durable = onefile_when_durable,
    .flush = onefile_flush,
    .read = onefile_read,
    .truncate = onefile_truncate,
    .offset_for_timestamp = onefile_offset_for_timestamp,
    .size = onefile_size,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_STORAGE, brook_storage_ops, ops, .name = "onefile", .version = "1.0.0",
                        .description = "one append-only file per partition (SDK example)", .options = options,
                        .init = onefile_init, .fini = onefile_fini, .validate = onefile_validate);
