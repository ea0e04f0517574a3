#include "partition_files.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leader_epochs.h"

/* How far the helper may run ahead of the partitions being opened: in
 * partitions, and in bytes read (a big producer table is megabytes). */
#define AHEAD_PARTITIONS 512
#define AHEAD_BYTES      ((size_t)64 << 20)

void brook_partition_epochs_path(const char *data_dir, const char *topic, int32_t index, char *out, size_t len)
{
    snprintf(out, len, "%s/leader-epochs/%s-%d", data_dir, topic, index);
}

void brook_partition_state_dir(const char *data_dir, const char *topic, int32_t index, char *out, size_t len)
{
    snprintf(out, len, "%s/producer-state/%s-%d", data_dir, topic, index);
}

void brook_partition_files_read(const char *data_dir, const char *topic, int32_t index, brook_partition_files *out)
{
    char path[PATH_MAX];
    brook_partition_epochs_path(data_dir, topic, index, path, sizeof path);
    out->epochs_text = brook_leader_epochs_read(path);
    out->epochs_errno = out->epochs_text ? 0 : errno;
    brook_partition_state_dir(data_dir, topic, index, path, sizeof path);
    brook_producer_snapshot_list(path, &out->snapshots);
}

void brook_partition_files_free(brook_partition_files *f)
{
    free(f->epochs_text);
    f->epochs_text = NULL;
    brook_producer_snapshot_listing_free(&f->snapshots);
}

static size_t files_bytes(const brook_partition_files *f)
{
    return sizeof *f + (f->epochs_text ? strlen(f->epochs_text) : 0) + f->snapshots.newest_len;
}

typedef struct ahead_slot {
    brook_partition_files files;
    size_t bytes;
} ahead_slot;

struct brook_read_ahead {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t moved; /* a slot filled or emptied, or stop (the two
                           * sides never wait at once: one waits only
                           * while the ring is full, the other while empty) */
    const char *data_dir;
    brook_topic *const *topics;
    size_t ntopics;
    ahead_slot ring[AHEAD_PARTITIONS];
    uint64_t filled, taken; /* slots, ever */
    size_t bytes;           /* in filled slots not yet taken */
    int stop;
    /* the taker's side: the partition it must ask for next */
    size_t next_topic;
    int32_t next_index;
    int broken;
};

/* Wait for room; 0 when told to stop instead. */
static int wait_for_room(brook_read_ahead *ra)
{
    pthread_mutex_lock(&ra->mu);
    while (!ra->stop && (ra->filled - ra->taken >= AHEAD_PARTITIONS || ra->bytes >= AHEAD_BYTES))
        pthread_cond_wait(&ra->moved, &ra->mu);
    int go = !ra->stop;
    pthread_mutex_unlock(&ra->mu);
    return go;
}

static void *read_all(void *arg)
{
    brook_read_ahead *ra = arg;
    for (size_t t = 0; t < ra->ntopics; t++) {
        for (int32_t i = 0; i < ra->topics[t]->partition_count; i++) {
            if (!wait_for_room(ra))
                return NULL;
            ahead_slot slot;
            brook_partition_files_read(ra->data_dir, ra->topics[t]->name, i, &slot.files);
            slot.bytes = files_bytes(&slot.files);
            pthread_mutex_lock(&ra->mu);
            ra->ring[ra->filled % AHEAD_PARTITIONS] = slot;
            ra->filled++;
            ra->bytes += slot.bytes;
            pthread_cond_signal(&ra->moved);
            pthread_mutex_unlock(&ra->mu);
        }
    }
    return NULL;
}

/* Past topics with no partition (and the last one). */
static void skip_empty_topics(brook_read_ahead *ra)
{
    while (ra->next_topic < ra->ntopics && ra->next_index >= ra->topics[ra->next_topic]->partition_count) {
        ra->next_topic++;
        ra->next_index = 0;
    }
}

brook_read_ahead *brook_read_ahead_start(const char *data_dir, brook_topic *const *topics, size_t count)
{
    size_t partitions = 0;
    for (size_t t = 0; t < count; t++)
        partitions += (size_t)topics[t]->partition_count;
    if (!partitions)
        return NULL;
    brook_read_ahead *ra = calloc(1, sizeof *ra);
    if (!ra)
        return NULL;
    *ra = (brook_read_ahead){.data_dir = data_dir, .topics = topics, .ntopics = count};
    pthread_mutex_init(&ra->mu, NULL);
    pthread_cond_init(&ra->moved, NULL);
    skip_empty_topics(ra);
    /* Signals go to the loop's signalfd, never to this thread. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    int err = pthread_create(&ra->thread, NULL, read_all, ra);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (err) {
        pthread_cond_destroy(&ra->moved);
        pthread_mutex_destroy(&ra->mu);
        free(ra);
        return NULL;
    }
    return ra;
}

int brook_read_ahead_next(brook_read_ahead *ra, const brook_topic *topic, int32_t index, brook_partition_files *out)
{
    if (!ra || ra->broken)
        return 0;
    if (ra->next_topic >= ra->ntopics || ra->topics[ra->next_topic] != topic || ra->next_index != index) {
        ra->broken = 1;
        return 0;
    }
    ra->next_index++;
    skip_empty_topics(ra);
    pthread_mutex_lock(&ra->mu);
    while (ra->filled == ra->taken)
        pthread_cond_wait(&ra->moved, &ra->mu);
    ahead_slot *slot = &ra->ring[ra->taken % AHEAD_PARTITIONS];
    *out = slot->files;
    ra->bytes -= slot->bytes;
    ra->taken++;
    pthread_cond_signal(&ra->moved);
    pthread_mutex_unlock(&ra->mu);
    return 1;
}

void brook_read_ahead_stop(brook_read_ahead *ra)
{
    if (!ra)
        return;
    pthread_mutex_lock(&ra->mu);
    ra->stop = 1;
    pthread_cond_broadcast(&ra->moved);
    pthread_mutex_unlock(&ra->mu);
    pthread_join(ra->thread, NULL);
    for (uint64_t i = ra->taken; i < ra->filled; i++)
        brook_partition_files_free(&ra->ring[i % AHEAD_PARTITIONS].files);
    pthread_cond_destroy(&ra->moved);
    pthread_mutex_destroy(&ra->mu);
    free(ra);
}
