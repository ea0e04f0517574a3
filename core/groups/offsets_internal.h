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
    /* kept elsewhere (brook_offsets_open_external): no log of its own */
    brook_offsets_append_fn append;
    void *append_ctx;
};

/* What replaying a log found (offsets.c). */
typedef struct offsets_replay {
    brook_offsets *o; /* NULL: only read the markers */
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

/* Length-prefixed (int16) strings of the records: put returns the end;
 * get copies into `out` (NUL-terminated) and is 0 when it does not fit. */
uint8_t *offsets_put_str(uint8_t *p, const char *s);
int offsets_get_str(const uint8_t **p, const uint8_t *end, char *out, size_t outlen);
/* Finish the batch and append it at `log`'s end. */
brook_err offsets_append(brook_offsets *o, void *log, brook_batch_builder *b);

/* offsets_compact.c: open the current log (choosing between 0 and 1 after
 * an interrupted compaction) and replay it. */
brook_err offsets_open_current(brook_offsets *o);
/* Compact when the log holds far more records than live entries and no
 * commit is in flight. */
void offsets_maybe_compact(brook_offsets *o);

#endif
