#include "partition_files.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leader_epochs.h"

/* How far the helpers may run ahead of the partitions being opened: in
 * partitions, and in bytes read (a big producer table is megabytes); and
 * how many read at once (a disk serves that many reads in parallel). */
#define AHEAD_PARTITIONS   512
#define AHEAD_BYTES        ((size_t)64 << 20)
#define READ_AHEAD_THREADS 16
/* Prefetching a partition whose files are all cached costs as many system
 * calls as opening it, for nothing: after CACHED_RUN prefetches in a row
 * each done within CACHED_PREFETCH_US (no disk read takes so little on a
 * disk worth prefetching for), only one partition in CACHED_PROBE_EVERY is
 * prefetched, until one of those finds the disk again. */
#define CACHED_RUN         64
#define CACHED_PREFETCH_US 100
#define CACHED_PROBE_EVERY 64
/* ... and only this many helpers read meanwhile: more contend for two
 * cores with the start-up thread for nothing. */
#define CACHED_HELPERS 2

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
    int filled;
} ahead_slot;

typedef struct brook_read_ahead_helper {
    pthread_t thread;
    struct brook_read_ahead *ra;
    int id;
} brook_read_ahead_helper;

struct brook_read_ahead {
    brook_read_ahead_helper helpers[READ_AHEAD_THREADS];
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t room;   /* a slot taken, or stop: the helpers wait for it while far enough ahead */
    pthread_cond_t filled; /* a slot filled: the taker waits for it while its next one is not */
    const char *data_dir;
    brook_topic *const *topics;
    size_t ntopics;
    brook_prefetch_fn prefetch;
    void *prefetch_arg;
    ahead_slot ring[AHEAD_PARTITIONS];
    uint64_t claimed, taken; /* slots, ever: claimed by a helper; taken by the start-up thread */
    int refilling;           /* the helpers claim: not yet a ring ahead, or back to half of one */
    uint64_t cached_in_row;  /* prefetches in a row that found everything cached */
    size_t bytes;            /* in filled slots not yet taken */
    int stop;
    /* the helpers' side: the partition the next claim reads */
    size_t claim_topic;
    int32_t claim_index;
    /* the taker's side: the partition it must ask for next */
    size_t next_topic;
    int32_t next_index;
    int broken;
};

/* Past topics with no partition (and the last one). */
static void skip_empty_topics(brook_topic *const *topics, size_t ntopics, size_t *topic, int32_t *index)
{
    while (*topic < ntopics && *index >= topics[*topic]->partition_count) {
        (*topic)++;
        *index = 0;
    }
}

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int ahead_full(const brook_read_ahead *ra)
{
    return ra->claimed - ra->taken >= AHEAD_PARTITIONS || ra->bytes >= AHEAD_BYTES;
}

/* Claim the next partition to read, once there is room ahead of the
 * taker; 0 when there is none left or the helpers are told to stop. Once
 * the helpers are a ring ahead they wait until the taker is half-way
 * through it, and go on together: a wake-up per partition taken cost more
 * than reading them (start-up with everything cached went from 1.5 to 2.4
 * s with eight helpers on two cores). */
static int claim(brook_read_ahead *ra, int helper, uint64_t *seq, size_t *topic, int32_t *index, int *prefetch)
{
    pthread_mutex_lock(&ra->mu);
    while (!ra->stop && ra->claim_topic < ra->ntopics &&
           (!ra->refilling || ahead_full(ra) || (helper >= CACHED_HELPERS && ra->cached_in_row >= CACHED_RUN))) {
        ra->refilling &= !ahead_full(ra);
        pthread_cond_wait(&ra->room, &ra->mu);
    }
    int go = !ra->stop && ra->claim_topic < ra->ntopics;
    if (go) {
        *prefetch = ra->prefetch && (ra->cached_in_row < CACHED_RUN || ra->claimed % CACHED_PROBE_EVERY == 0);
        *seq = ra->claimed++;
        *topic = ra->claim_topic;
        *index = ra->claim_index++;
        skip_empty_topics(ra->topics, ra->ntopics, &ra->claim_topic, &ra->claim_index);
    }
    pthread_mutex_unlock(&ra->mu);
    return go;
}

/* A helper: claims partitions in order and reads them, several helpers at
 * once, so that a disk that serves reads in parallel (most do, and a cold
 * page cache after a reboot makes every file a disk read) is kept busy. */
static void *read_ahead(void *arg)
{
    brook_read_ahead_helper *h = arg;
    brook_read_ahead *ra = h->ra;
    uint64_t seq;
    size_t t;
    int32_t i;
    int prefetch;
    while (claim(ra, h->id, &seq, &t, &i, &prefetch)) {
        int64_t took_us = -1;
        if (prefetch) {
            int64_t t0 = now_us();
            ra->prefetch(ra->prefetch_arg, t, i);
            took_us = now_us() - t0;
        }
        ahead_slot slot = {.filled = 1};
        brook_partition_files_read(ra->data_dir, ra->topics[t]->name, i, &slot.files);
        slot.bytes = files_bytes(&slot.files);
        pthread_mutex_lock(&ra->mu);
        ra->ring[seq % AHEAD_PARTITIONS] = slot;
        ra->bytes += slot.bytes;
        if (took_us >= CACHED_PREFETCH_US && ra->cached_in_row >= CACHED_RUN)
            pthread_cond_broadcast(&ra->room); /* the disk again: every helper back */
        if (took_us >= 0)
            ra->cached_in_row = took_us < CACHED_PREFETCH_US ? ra->cached_in_row + 1 : 0;
        pthread_cond_signal(&ra->filled);
        pthread_mutex_unlock(&ra->mu);
    }
    return NULL;
}

brook_read_ahead *brook_read_ahead_start(const char *data_dir, brook_topic *const *topics, size_t count,
                                         brook_prefetch_fn prefetch, void *prefetch_arg)
{
    size_t partitions = 0;
    for (size_t t = 0; t < count; t++)
        partitions += (size_t)topics[t]->partition_count;
    if (!partitions)
        return NULL;
    brook_read_ahead *ra = calloc(1, sizeof *ra);
    if (!ra)
        return NULL;
    *ra = (brook_read_ahead){.data_dir = data_dir,
                             .topics = topics,
                             .ntopics = count,
                             .prefetch = prefetch,
                             .prefetch_arg = prefetch_arg,
                             .refilling = 1};
    pthread_mutex_init(&ra->mu, NULL);
    pthread_cond_init(&ra->room, NULL);
    pthread_cond_init(&ra->filled, NULL);
    skip_empty_topics(topics, count, &ra->next_topic, &ra->next_index);
    skip_empty_topics(topics, count, &ra->claim_topic, &ra->claim_index);
    /* Signals go to the loop's signalfd, never to these threads. */
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    int want = partitions < READ_AHEAD_THREADS ? (int)partitions : READ_AHEAD_THREADS;
    for (; ra->nthreads < want; ra->nthreads++) {
        brook_read_ahead_helper *h = &ra->helpers[ra->nthreads];
        *h = (brook_read_ahead_helper){.ra = ra, .id = ra->nthreads};
        if (pthread_create(&h->thread, NULL, read_ahead, h))
            break;
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (!ra->nthreads) {
        pthread_cond_destroy(&ra->filled);
        pthread_cond_destroy(&ra->room);
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
    skip_empty_topics(ra->topics, ra->ntopics, &ra->next_topic, &ra->next_index);
    pthread_mutex_lock(&ra->mu);
    ahead_slot *slot = &ra->ring[ra->taken % AHEAD_PARTITIONS];
    while (!slot->filled) /* claimed in order: this one is claimed or next */
        pthread_cond_wait(&ra->filled, &ra->mu);
    *out = slot->files;
    slot->filled = 0;
    ra->bytes -= slot->bytes;
    ra->taken++;
    if (!ra->refilling && ra->claimed - ra->taken <= AHEAD_PARTITIONS / 2 && ra->bytes < AHEAD_BYTES / 2) {
        ra->refilling = 1;
        pthread_cond_broadcast(&ra->room);
    }
    pthread_mutex_unlock(&ra->mu);
    return 1;
}

void brook_read_ahead_stop(brook_read_ahead *ra)
{
    if (!ra)
        return;
    pthread_mutex_lock(&ra->mu);
    ra->stop = 1;
    pthread_cond_broadcast(&ra->room);
    pthread_mutex_unlock(&ra->mu);
    for (int i = 0; i < ra->nthreads; i++)
        pthread_join(ra->helpers[i].thread, NULL);
    for (size_t i = 0; i < AHEAD_PARTITIONS; i++)
        if (ra->ring[i].filled)
            brook_partition_files_free(&ra->ring[i].files);
    pthread_cond_destroy(&ra->filled);
    pthread_cond_destroy(&ra->room);
    pthread_mutex_destroy(&ra->mu);
    free(ra);
}
