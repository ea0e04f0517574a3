/* A partition leader's defence against hanging transactions (KIP-890's
 * first part): before a transactional batch opens its producer's
 * transaction in a partition, the leader asks the transactional id's
 * coordinator whether the partition is in that producer's ongoing
 * transaction. Without it, a batch that arrives after its transaction
 * ended (a retry delayed in the network, a client's bug, a hostile client
 * with a made-up producer id) opens a transaction nobody will end, and
 * the partition's last stable offset stops there: read_committed
 * consumers wait for good.
 *
 * The coordinator is asked here when this broker coordinates the id, else
 * over the native `verify_txn` (Kafka's AddPartitionsToTxn VerifyOnly) on
 * the coordinator's inter-broker listener. The partition then takes the
 * batch only if no marker of the producer came in between (the append's
 * txn_guard, partition.h). */
#ifndef BROOK_CORE_TXN_VERIFY_H
#define BROOK_CORE_TXN_VERIFY_H

#include <stdint.h>

#include <brook/errors.h>

struct brook_broker;

/* `err` as the producer should see it: BROOK_OK; INVALID_TXN_STATE (not in
 * the transaction), INVALID_PRODUCER_ID_MAPPING or INVALID_PRODUCER_EPOCH
 * (not the id's producer); AGAIN for what a retry may cure (the
 * transaction still ending, the coordinator moving or out of reach), which
 * each request answers with an error its clients retry (Produce:
 * NOT_ENOUGH_REPLICAS, Kafka's answer to clients before KIP-890). */
typedef void (*brook_txn_verified)(void *arg, brook_err err);

/* Whether `partition` of `topic` is in the ongoing transaction of the
 * id's producer (producer_id, epoch). */
typedef struct brook_txn_question {
    const char *txn_id;
    int64_t producer_id;
    int16_t epoch;
    const char *topic;
    int32_t partition;
    /* how long a coordinator elsewhere may take: the asking request's own
     * timeout (its answer is owed by then); <= 0: limits.request_timeout_ms */
    int32_t timeout_ms;
} brook_txn_question;

/* Ask; `done` may come before this returns (the coordinator is here). */
void brook_txn_verify(struct brook_broker *b, const brook_txn_question *q, brook_txn_verified done, void *arg);

#endif
