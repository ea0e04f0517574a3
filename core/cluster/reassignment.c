#include "reassignment.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TARGET 1024 /* as many replicas as a record holds */

static int32_t *ids_alloc(int32_t n)
{
    return malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
}

/* (memcpy must not see a NULL source, even for nothing) */
static void copy_ids(int32_t *to, const int32_t *from, int32_t n)
{
    if (n > 0)
        memcpy(to, from, sizeof *from * (size_t)n);
}

/* ids[0..n) that are (keep = 1) or are not (keep = 0) in `of`, in order,
 * into out; how many. */
static int32_t filter(const int32_t *ids, int32_t n, const int32_t *of, int32_t of_count, int keep, int32_t *out)
{
    int32_t k = 0;
    for (int32_t i = 0; i < n; i++)
        if (brook_ids_contain(of, of_count, ids[i]) == keep)
            out[k++] = ids[i];
    return k;
}

/* The first of ids[0..n) that is in sync and live, or -1. */
static int32_t first_in_sync_live(const int32_t *ids, int32_t n, const brook_partition_record *rec,
                                  brook_broker_live_fn live, void *arg)
{
    for (int32_t i = 0; i < n; i++)
        if (brook_ids_contain(rec->isr, rec->isr_count, ids[i]) && live(arg, ids[i]))
            return ids[i];
    return -1;
}

/* `rec` with the replica lists given (copied into *next, which owns
 * them), the in-sync set cut to the new replicas and, when the leader is
 * no longer one of them, the first live in-sync replica leading (none: the
 * partition is offline until one is back). */
static brook_err reshape(const brook_partition_record *rec, const int32_t *replicas, int32_t rn, const int32_t *adding,
                         int32_t an, const int32_t *removing, int32_t mn, brook_broker_live_fn live, void *arg,
                         brook_partition_record *next, const char **why)
{
    *next = (brook_partition_record){.leader = rec->leader,
                                     .leader_epoch = rec->leader_epoch,
                                     .partition_epoch = rec->partition_epoch + 1,
                                     .replicas = brook_ids_dup(replicas, rn),
                                     .replica_count = rn,
                                     .isr = ids_alloc(rn),
                                     .adding = brook_ids_dup(adding, an),
                                     .adding_count = an,
                                     .removing = brook_ids_dup(removing, mn),
                                     .removing_count = mn};
    if (!next->replicas || !next->isr || !next->adding || !next->removing) {
        brook_partition_record_clear(next);
        return BROOK_ERR_NOMEM;
    }
    next->isr_count = filter(rec->isr, rec->isr_count, replicas, rn, 1, next->isr);
    if (!next->isr_count) {
        brook_partition_record_clear(next);
        *why = "no replica in sync now would be left: its log could not be taken over";
        return BROOK_ERR_INVALID_REPLICA_ASSIGNMENT;
    }
    if (rec->leader >= 0 && !brook_ids_contain(replicas, rn, rec->leader)) {
        next->leader = first_in_sync_live(replicas, rn, next, live, arg);
        next->leader_epoch = rec->leader_epoch + 1;
    }
    return BROOK_OK;
}

/* Why the target cannot be moved to, or NULL. A broker must be live to
 * take a new replica; one that already holds a replica may be down (it
 * catches up when it is back, as after any outage). */
static const char *invalid_target(const brook_partition_record *rec, const int32_t *target, int32_t n,
                                  brook_broker_live_fn live, void *arg)
{
    if (n < 1 || n > MAX_TARGET)
        return "a partition needs between 1 and 1024 replicas";
    for (int32_t i = 0; i < n; i++) {
        if (target[i] < 0)
            return "broker ids are not negative";
        if (brook_ids_contain(target, i, target[i]))
            return "the replicas name a broker twice";
        if (!live(arg, target[i]) && !brook_ids_contain(rec->replicas, rec->replica_count, target[i]))
            return "the replicas name a broker that is not live";
    }
    return NULL;
}

/* The replicas the partition had before its reassignment (all of them
 * when none runs), in record order, into out (room for replica_count). */
static int32_t original_replicas(const brook_partition_record *rec, int32_t *out)
{
    return filter(rec->replicas, rec->replica_count, rec->adding, rec->adding_count, 0, out);
}

static int same_ids(const int32_t *a, int32_t an, const int32_t *b, int32_t bn)
{
    return an == bn && (an == 0 || memcmp(a, b, sizeof *a * (size_t)an) == 0);
}

/* Whether two records name the same replicas and move. */
static int same_move(const brook_partition_record *a, const brook_partition_record *b)
{
    return same_ids(a->replicas, a->replica_count, b->replicas, b->replica_count) &&
           same_ids(a->adding, a->adding_count, b->adding, b->adding_count) &&
           same_ids(a->removing, a->removing_count, b->removing, b->removing_count);
}

brook_err brook_reassignment_start(const brook_partition_record *rec, const int32_t *target, int32_t n,
                                   brook_broker_live_fn live, void *arg, brook_partition_record *next, const char **why)
{
    if ((*why = invalid_target(rec, target, n, live, arg)))
        return BROOK_ERR_INVALID_REPLICA_ASSIGNMENT;
    if (!brook_partition_record_reassigning(rec) && same_ids(rec->replicas, rec->replica_count, target, n))
        return BROOK_ERR_EXISTS;
    int32_t *original = ids_alloc(rec->replica_count), *replicas = ids_alloc(n + rec->replica_count),
            *adding = ids_alloc(n), *removing = ids_alloc(rec->replica_count);
    brook_err e = BROOK_ERR_NOMEM;
    if (original && replicas && adding && removing) {
        int32_t on = original_replicas(rec, original);
        /* the target first (its first replica is the preferred leader),
         * then the replicas it takes away, which serve until it is done */
        copy_ids(replicas, target, n);
        int32_t mn = filter(original, on, target, n, 0, removing);
        copy_ids(replicas + n, removing, mn);
        int32_t an = filter(target, n, original, on, 0, adding);
        e = reshape(rec, replicas, n + mn, adding, an, removing, mn, live, arg, next, why);
    }
    free(original);
    free(replicas);
    free(adding);
    free(removing);
    if (!e && same_move(next, rec)) { /* the move in progress, asked for again */
        brook_partition_record_clear(next);
        return BROOK_ERR_EXISTS;
    }
    brook_partition_record done;
    if (!e && brook_reassignment_finish(next, live, arg, &done)) { /* nothing has to catch up */
        done.partition_epoch = rec->partition_epoch + 1;
        if (done.leader_epoch > rec->leader_epoch)
            done.leader_epoch = rec->leader_epoch + 1;
        brook_partition_record_clear(next);
        *next = done;
    }
    return e;
}

brook_err brook_reassignment_cancel(const brook_partition_record *rec, brook_broker_live_fn live, void *arg,
                                    brook_partition_record *next, const char **why)
{
    *why = NULL;
    if (!brook_partition_record_reassigning(rec))
        return BROOK_ERR_NO_REASSIGNMENT_IN_PROGRESS;
    int32_t *original = ids_alloc(rec->replica_count);
    if (!original)
        return BROOK_ERR_NOMEM;
    int32_t on = original_replicas(rec, original);
    brook_err e = reshape(rec, original, on, NULL, 0, NULL, 0, live, arg, next, why);
    free(original);
    return e;
}

int brook_reassignment_finish(const brook_partition_record *rec, brook_broker_live_fn live, void *arg,
                              brook_partition_record *next)
{
    if (!brook_partition_record_reassigning(rec) || rec->leader < 0)
        return 0; /* offline: an election comes first */
    int32_t *target = ids_alloc(rec->replica_count);
    if (!target)
        return 0;
    int32_t tn = filter(rec->replicas, rec->replica_count, rec->removing, rec->removing_count, 0, target);
    int ready = 1;
    for (int32_t i = 0; i < tn && ready; i++)
        ready = brook_ids_contain(rec->isr, rec->isr_count, target[i]);
    /* the leader stays if the target keeps it; else a live target replica
     * takes over (all of them are in sync by now) */
    int keeps_leader = brook_ids_contain(target, tn, rec->leader);
    if (ready && !keeps_leader)
        ready = first_in_sync_live(target, tn, rec, live, arg) >= 0;
    const char *why;
    int done = ready && reshape(rec, target, tn, NULL, 0, NULL, 0, live, arg, next, &why) == BROOK_OK;
    free(target);
    return done;
}
