/* Between offsets.c (the map, commits, replay), offsets_compact.c (which
 * of the two internal logs is current, and rewriting the live entries into
 * the other one) and offsets_pasts.c (groups' pasts). Not for the
 * rest of the core: use offsets.h. */
#ifndef BROOK_CORE_OFFSETS_INTERNAL_H
#define BROOK_CORE_OFFSETS_INTERNAL_H

#include "offsets.h"
#include "strmap.h"

struct brook_offsets {
    const brook_storage_ops *so;
    brook_offsets_setting_fn setting; /* the storage's topic_setting, NULL: none */
    void *storage_state;
    int64_t compact_min_records;
    void *log;          /* the current log, partition `current` of BROOK_OFFSETS_LOG */
    int32_t current;    /* 0 or 1 */
    int64_t generation; /* of the current log's snapshot (0: it has none) */
    int64_t records;    /* records in the current log */
    int64_t live;       /* entries in the map */
    int pending;        /* commits appended but not yet durable */
    void *retiring;     /* the log compaction replaced, removed once the new one is durable */
    int closing;
    brook_strmap groups; /* group -> brook_strmap of "topic/partition" -> brook_committed */
    brook_strmap pasts;  /* group -> brook_group_past, one allocation (offsets_pasts.c); counted in `live` */
    brook_strmap txns;   /* transactional id -> brook_txn_meta, one allocation (offsets_txns.c); counted in `live` */
    brook_strmap pending_txn; /* producer id (decimal) -> its transactional commits not yet ended (offsets_pending.c) */
    /* kept elsewhere (brook_offsets_open_external): no log of its own */
    brook_offsets_append_fn append;
    void *append_ctx;
};

/* What replaying a log found (offsets.c). */
typedef struct offsets_replay {
    brook_offsets *o;     /* NULL: only read the markers */
    int64_t txn_producer; /* the batch being read is this producer's transactional one (-1: none) */
    int (*pick)(void *arg, const char *group); /* the groups a transaction marker here ends offsets of (NULL: all) */
    void *pick_arg;
    int64_t records;
    int64_t complete_generation; /* highest snapshot with its end marker (0: none) */
    int open_snapshot;           /* a snapshot began and never ended: the log is torn */
} offsets_replay;

brook_err offsets_replay_log(brook_offsets *o, void *log, offsets_replay *r);

/* Control records around a snapshot. */
enum { OFFSETS_SNAPSHOT_BEGIN = 1, OFFSETS_SNAPSHOT_END = 2 };
brook_err offsets_add_control(brook_batch_builder *b, int kind, int64_t generation);
brook_err offsets_add_entry(brook_batch_builder *b, const char *group, const char *topic, int32_t partition,
                            const brook_committed *c, int64_t timestamp);
/* Records of version 2: a group's past (NULL: its tombstone), offsets_pasts.c. */
enum { OFFSETS_PAST_VERSION = 2 };
brook_err offsets_add_past(brook_batch_builder *b, const char *group, const brook_group_past *past, int64_t timestamp);
void offsets_apply_past(brook_offsets *o, const brook_record *rec);
void offsets_free_pasts(brook_offsets *o);
/* Forget the pasts of the groups `drop` picks (their coordinator moved). */
void offsets_forget_pasts(brook_offsets *o, int (*drop)(void *arg, const char *group), void *arg);

/* Records of version 3: a transactional id's state (NULL: its tombstone), offsets_txns.c. */
enum { OFFSETS_TXN_VERSION = 3 };
struct brook_txn_meta;
brook_err offsets_add_txn(brook_batch_builder *b, const char *id, const struct brook_txn_meta *m, int64_t timestamp);
void offsets_apply_txn(brook_offsets *o, const brook_record *rec);
void offsets_free_txns(brook_offsets *o);
void offsets_forget_txns(brook_offsets *o, int (*drop)(void *arg, const char *id), void *arg);

/* Length-prefixed (int16) strings of the records: put returns the end;
 * get copies into `out` (NUL-terminated) and is 0 when it does not fit. */
uint8_t *offsets_put_str(uint8_t *p, const char *s);
int offsets_get_str(const uint8_t **p, const uint8_t *end, char *out, size_t outlen);
/* Finish the batch and append it at `log`'s end; _for: as `producer_id`'s
 * transactional batch (its offsets wait for the transaction's end). */
brook_err offsets_append(brook_offsets *o, void *log, brook_batch_builder *b);
brook_err offsets_append_for(brook_offsets *o, void *log, brook_batch_builder *b, int64_t producer_id, int16_t epoch);

/* A map of one-allocation values counted in `live` (the pasts, the
 * transactional ids): put takes `value` (freed on failure) and frees the
 * one it replaces; forget_where drops those `drop` picks (NULL: all). */
brook_err offsets_keyed_put(brook_offsets *o, brook_strmap *m, const char *key, void *value);
void offsets_keyed_forget(brook_offsets *o, brook_strmap *m, const char *key);
void offsets_keyed_forget_where(brook_offsets *o, brook_strmap *m, int (*drop)(void *arg, const char *key), void *arg);

/* The map of committed offsets (offsets.c); NULL deletes. */
brook_err offsets_map_set(brook_offsets *o, const char *group, const char *topic, int32_t partition,
                          const brook_committed *c);

/* Transactional offset commits waiting for their transaction's end
 * (offsets_pending.c): added as their batches are read or written, then
 * committed into the map or dropped, for the groups `pick` picks (NULL:
 * all) when the producer's marker is. */
brook_err offsets_pending_add(brook_offsets *o, int64_t producer_id, const char *group, const char *topic,
                              int32_t partition, const brook_committed *c);
void offsets_pending_end(brook_offsets *o, int64_t producer_id, int commit, int (*pick)(void *arg, const char *group),
                         void *arg);
void offsets_forget_pending(brook_offsets *o, int (*drop)(void *arg, const char *group), void *arg);
void offsets_free_pending(brook_offsets *o);
/* Every pending commit, one producer at a time (compaction writes them). */
typedef void (*offsets_pending_cb)(void *arg, int64_t producer_id, const char *group, const char *topic,
                                   int32_t partition, const brook_committed *c);
void offsets_each_pending(const brook_offsets *o, offsets_pending_cb cb, void *arg);

/* offsets_compact.c: open the current log (choosing between 0 and 1 after
 * an interrupted compaction) and replay it. */
brook_err offsets_open_current(brook_offsets *o);
/* Compact when the log holds far more records than live entries and no
 * commit is in flight. */
void offsets_maybe_compact(brook_offsets *o);

#endif
