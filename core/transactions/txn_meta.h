/* What a transaction coordinator knows of one transactional id (Kafka's
 * TransactionMetadata): its producer id and epoch, timeout, the state of
 * its current transaction and the partitions in it. Written down as one
 * record per change, keyed by the transactional id, in the committed
 * offsets' log (offsets_txns.c), where a new coordinator reads it back.
 *
 * Value layout (big-endian; str: int16 length + bytes):
 *   int16 version (0, or 1 with a last epoch), int64 producer id, int16
 *   epoch, int32 timeout ms, int8 state, int64 start ms (the
 *   transaction's, -1: none), int64 update ms, int32 partition count, per
 *   partition: str topic, int32 partition; version 1: int16 last epoch. */
#ifndef BROOK_CORE_TXN_META_H
#define BROOK_CORE_TXN_META_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

/* Kafka's transaction states, in its order. */
typedef enum brook_txn_state {
    BROOK_TXN_EMPTY = 0,          /* no transaction since the id was initialized */
    BROOK_TXN_ONGOING = 1,        /* partitions added, not ended */
    BROOK_TXN_PREPARE_COMMIT = 2, /* EndTxn(commit) answered; markers on their way */
    BROOK_TXN_PREPARE_ABORT = 3,  /* EndTxn(abort), a timeout or a newer producer; markers on their way */
    BROOK_TXN_COMPLETE_COMMIT = 4,
    BROOK_TXN_COMPLETE_ABORT = 5,
} brook_txn_state;

typedef struct brook_txn_tp {
    const char *topic;
    int32_t partition;
} brook_txn_tp;

typedef struct brook_txn_meta {
    int64_t producer_id;
    int16_t epoch;
    /* the epoch before the last bump a producer asked for by naming its
     * own (KIP-360, Kafka's lastProducerEpoch: a retry of that request
     * gets the epoch again rather than being fenced); -1: none */
    int16_t last_epoch;
    int32_t timeout_ms;
    brook_txn_state state;
    int64_t start_ms; /* when the current transaction began (wall clock), -1: none */
    int64_t update_ms;
    brook_txn_tp *partitions; /* in the current transaction, sorted by topic then partition */
    size_t partition_count;
} brook_txn_meta;

/* The longest list a transaction may hold: its record must fit one batch. */
#define BROOK_TXN_MAX_PARTITIONS 100000

/* The value into a malloc'd *out (BROOK_ERR_INVALID: a topic name too long). */
brook_err brook_txn_meta_encode(const brook_txn_meta *m, uint8_t **out, size_t *len);

/* Read back into one allocation holding it and all it points to (free());
 * NULL when malformed, of a later version, or out of memory. */
brook_txn_meta *brook_txn_meta_decode(const uint8_t *value, size_t len);

/* A deep copy as one allocation; with `add` (n of them) merged into its
 * partitions, kept sorted and without duplicates. NULL: out of memory. */
brook_txn_meta *brook_txn_meta_copy(const brook_txn_meta *m, const brook_txn_tp *add, size_t n);

/* Whether `m`'s partitions hold (topic, partition). */
int brook_txn_meta_has(const brook_txn_meta *m, const char *topic, int32_t partition);

/* Kafka's name of a state ("Ongoing", ...), as admin clients show it. */
const char *brook_txn_state_name(brook_txn_state s);

#endif
