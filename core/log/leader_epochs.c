#include "leader_epochs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "log.h"

#define FORMAT_VERSION   0
#define MAX_ENTRIES      1000000 /* a sanity bound on a file's count line */
#define MAX_FILE_BYTES   ((size_t)MAX_ENTRIES * 32)
#define BATCH_SYNCFS_MIN 16 /* checkpoints in a batch from which one syncfs replaces their own syncs */

static brook_err push(brook_leader_epochs *le, int32_t epoch, int64_t start)
{
    if (le->count == le->cap) {
        size_t cap = le->cap ? le->cap * 2 : 8;
        brook_epoch_entry *bigger = realloc(le->entries, cap * sizeof *bigger);
        if (!bigger)
            return BROOK_ERR_NOMEM;
        le->entries = bigger;
        le->cap = cap;
    }
    le->entries[le->count++] = (brook_epoch_entry){.epoch = epoch, .start_offset = start};
    return BROOK_OK;
}

/* The next decimal integer (after blanks), advancing *p; 0 when there is none. */
static int next_number(const char **p, long long *out)
{
    char *end;
    errno = 0;
    *out = strtoll(*p, &end, 10);
    if (end == *p || errno)
        return 0;
    *p = end;
    return 1;
}

static brook_err parse(brook_leader_epochs *le, const char *text)
{
    long long version, count, epoch, start;
    if (!next_number(&text, &version) || !next_number(&text, &count) || version != FORMAT_VERSION || count < 0 ||
        count > MAX_ENTRIES)
        return BROOK_ERR_CORRUPT;
    for (long long i = 0; i < count; i++) {
        if (!next_number(&text, &epoch) || !next_number(&text, &start) || epoch < 0 || epoch > INT32_MAX || start < 0 ||
            (le->count && (epoch <= brook_leader_epochs_latest(le) || start < le->entries[le->count - 1].start_offset)))
            return BROOK_ERR_CORRUPT;
        brook_err e = push(le, (int32_t)epoch, start);
        if (e)
            return e;
    }
    return BROOK_OK;
}

char *brook_leader_epochs_read(const char *path)
{
    /* Start-up reads one per partition: no stdio stream (its buffer and
     * the fstat behind it were a third of opening 100,000 partitions). */
    return brook_read_whole(path, MAX_FILE_BYTES, NULL);
}

brook_err brook_leader_epochs_load_text(brook_leader_epochs *le, const char *path, char *text, int read_errno)
{
    memset(le, 0, sizeof *le);
    if (!path || !path[0]) {
        free(text);
        return BROOK_OK;
    }
    if (!(le->path = strdup(path))) {
        free(text);
        return BROOK_ERR_NOMEM;
    }
    if (!text) {
        if (read_errno == ENOENT)
            return BROOK_OK;
        brook_leader_epochs_free(le);
        return read_errno == ENOMEM ? BROOK_ERR_NOMEM : BROOK_ERR_IO;
    }
    brook_err e = parse(le, text);
    free(text);
    if (e)
        brook_leader_epochs_free(le);
    return e;
}

brook_err brook_leader_epochs_load(brook_leader_epochs *le, const char *path)
{
    if (!path || !path[0])
        return brook_leader_epochs_load_text(le, path, NULL, 0);
    char *text = brook_leader_epochs_read(path);
    return brook_leader_epochs_load_text(le, path, text, text ? 0 : errno);
}

void brook_leader_epochs_free(brook_leader_epochs *le)
{
    free(le->entries);
    free(le->path);
    le->entries = NULL;
    le->path = NULL;
    le->count = le->cap = 0;
}

int32_t brook_leader_epochs_latest(const brook_leader_epochs *le)
{
    return le->count ? le->entries[le->count - 1].epoch : BROOK_NO_EPOCH;
}

/* <data_dir>/leader-epochs, made by the first partition that writes one
 * (its entry in the data directory synced: the files in it must not be
 * lost with it). 0, or -1 with errno set. */
static int make_parent(const char *path)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return -1;
    *slash = '\0';
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -1;
    return brook_sync_parent(dir);
}

/* ---- checkpoint writes batched under one file-system sync ------------------ */

/* The batch open now. Leader epochs live on the event loop only: one
 * batch at a time, and nothing else runs while it is open. */
static struct {
    int depth;
    char **paths; /* written in it: the fallback syncs them one by one */
    size_t n, cap;
} batch;

/* Remember a checkpoint written in the batch: 0, or -1 (no memory: that
 * write syncs at once instead). */
static int batch_note(const char *path)
{
    if (batch.n == batch.cap) {
        size_t cap = batch.cap ? batch.cap * 2 : 64;
        char **paths = realloc(batch.paths, cap * sizeof *paths);
        if (!paths)
            return -1;
        batch.paths = paths;
        batch.cap = cap;
    }
    if (!(batch.paths[batch.n] = strdup(path)))
        return -1;
    batch.n++;
    return 0;
}

void brook_leader_epochs_batch_begin(void)
{
    batch.depth++;
}

/* The file and its directory entry on disk: 0, or -1 with errno set. A
 * checkpoint removed since (its partition went) needs nothing. */
static int sync_one(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    int rc = fdatasync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc == 0 ? brook_sync_parent(path) : -1;
}

brook_err brook_leader_epochs_batch_end(const char *dir)
{
    if (--batch.depth > 0)
        return BROOK_OK;
    brook_err e = BROOK_OK;
    /* A few files: their own syncs, cheaper than writing back everything
     * dirty on the file system. Many: one syncfs. */
    int many = batch.n >= BATCH_SYNCFS_MIN;
    int fd = many ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    int synced = fd >= 0 && syncfs(fd) == 0;
    if (many && !synced) /* syncfs cannot say whose write failed: each file says */
        log_warn("leader epochs: syncing the file system of %s failed (%s); syncing each of %zu checkpoints", dir,
                 strerror(errno), batch.n);
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; !synced && i < batch.n; i++)
        if (sync_one(batch.paths[i]) < 0) {
            log_error("leader epochs: %s: %s", batch.paths[i], strerror(errno));
            e = BROOK_ERR_IO;
        }
    for (size_t i = 0; i < batch.n; i++)
        free(batch.paths[i]);
    free(batch.paths);
    batch.paths = NULL;
    batch.n = batch.cap = 0;
    return e;
}

static brook_err persist(const brook_leader_epochs *le)
{
    if (!le->path)
        return BROOK_OK;
    size_t cap = 32 + le->count * 32;
    char *text = malloc(cap);
    if (!text)
        return BROOK_ERR_NOMEM;
    size_t n = (size_t)snprintf(text, cap, "%d\n%zu\n", FORMAT_VERSION, le->count);
    for (size_t i = 0; i < le->count; i++)
        n += (size_t)snprintf(text + n, cap - n, "%" PRId32 " %" PRId64 "\n", le->entries[i].epoch,
                              le->entries[i].start_offset);
    brook_atomic_sync sync = batch.depth && batch_note(le->path) == 0 ? BROOK_ATOMIC_NO_SYNC : BROOK_ATOMIC_SYNC;
    brook_err e = brook_atomic_write(le->path, text, n, sync);
    if (e && errno == ENOENT && make_parent(le->path) == 0)
        e = brook_atomic_write(le->path, text, n, sync);
    free(text);
    return e;
}

brook_err brook_leader_epochs_assign(brook_leader_epochs *le, int32_t epoch, int64_t start_offset)
{
    if (epoch < 0 || epoch <= brook_leader_epochs_latest(le))
        return BROOK_OK;
    /* an epoch that wrote nothing before this one leaves no trace */
    while (le->count && le->entries[le->count - 1].start_offset >= start_offset)
        le->count--;
    brook_err e = push(le, epoch, start_offset);
    return e ? e : persist(le);
}

void brook_leader_epochs_end_offset(const brook_leader_epochs *le, int32_t epoch, int64_t log_end, int32_t *found_epoch,
                                    int64_t *end_offset)
{
    *found_epoch = BROOK_NO_EPOCH;
    *end_offset = -1;
    for (size_t i = le->count; i-- > 0;) {
        if (le->entries[i].epoch <= epoch) {
            *found_epoch = le->entries[i].epoch;
            *end_offset = i + 1 < le->count ? le->entries[i + 1].start_offset : log_end;
            return;
        }
    }
    /* Older than every epoch known here: it ended where the first known
     * one starts (Kafka answers so too). Answering "no epoch" made a
     * follower whose history begins with an epoch this leader never saw
     * (one it led without writing) look diverged at every fetch, forever. */
    if (le->count) {
        *found_epoch = epoch;
        *end_offset = le->entries[0].start_offset;
    }
}

int32_t brook_leader_epochs_at(const brook_leader_epochs *le, int64_t offset)
{
    for (size_t i = le->count; i-- > 0;)
        if (le->entries[i].start_offset <= offset)
            return le->entries[i].epoch;
    return BROOK_NO_EPOCH;
}

brook_err brook_leader_epochs_truncate_end(brook_leader_epochs *le, int64_t end_offset)
{
    size_t before = le->count;
    while (le->count && le->entries[le->count - 1].start_offset >= end_offset)
        le->count--;
    return le->count == before ? BROOK_OK : persist(le);
}

brook_err brook_leader_epochs_drop_beyond(brook_leader_epochs *le, int64_t end_offset)
{
    return brook_leader_epochs_truncate_end(le, end_offset + 1);
}

void brook_leader_epochs_remove(const char *path)
{
    unlink(path);
}
