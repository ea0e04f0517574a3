#include "leader_epochs.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"

#define FORMAT_VERSION 0
#define MAX_ENTRIES    1000000 /* a sanity bound on a file's count line */

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

brook_err brook_leader_epochs_load(brook_leader_epochs *le, const char *path)
{
    memset(le, 0, sizeof *le);
    if (!path || !path[0])
        return BROOK_OK;
    if (!(le->path = strdup(path)))
        return BROOK_ERR_NOMEM;
    FILE *f = fopen(le->path, "r");
    if (!f) {
        if (errno == ENOENT)
            return BROOK_OK;
        brook_leader_epochs_free(le);
        return BROOK_ERR_IO;
    }
    int version;
    long long count;
    brook_err e = BROOK_OK;
    if (fscanf(f, "%d %lld", &version, &count) != 2 || version != FORMAT_VERSION || count < 0 || count > MAX_ENTRIES)
        e = BROOK_ERR_CORRUPT;
    for (long long i = 0; !e && i < count; i++) {
        int32_t epoch;
        int64_t start;
        if (fscanf(f, "%" SCNd32 " %" SCNd64, &epoch, &start) != 2 || epoch < 0 || start < 0 ||
            (le->count && (epoch <= brook_leader_epochs_latest(le) || start < le->entries[le->count - 1].start_offset)))
            e = BROOK_ERR_CORRUPT;
        else
            e = push(le, epoch, start);
    }
    fclose(f);
    if (e)
        brook_leader_epochs_free(le);
    return e;
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
    brook_err e = brook_atomic_write(le->path, text, n, BROOK_ATOMIC_SYNC);
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
