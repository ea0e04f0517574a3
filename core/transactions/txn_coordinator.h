/* The transaction coordinator (Kafka's, KIP-98): for each transactional
 * id it coordinates, the producer id and epoch (fencing older producers
 * of the same id), and the state of the current transaction: the
 * partitions a producer adds before writing to them, then its commit or
 * abort, which the coordinator writes down (PrepareCommit/PrepareAbort),
 * answers, and carries out by delivering a marker to every partition
 * (marker_delivery.h) before it writes the transaction complete. A
 * transaction past its timeout is aborted, its producer fenced (epoch + 1).
 *
 * The ids a broker coordinates are those whose __consumer_offsets
 * partition it leads (all of them on a single broker); their state lives
 * in that log (offsets_txns.c): a broker that starts coordinating them
 * reads it back (loaded) and finishes the transactions that were ending.
 * While an id's state is being written or its markers delivered, other
 * requests for it get CONCURRENT_TRANSACTIONS, which clients retry. */
#ifndef BROOK_CORE_TXN_COORDINATOR_H
#define BROOK_CORE_TXN_COORDINATOR_H

#include <stdint.h>

#include <brook/errors.h>
#include <brook/request.h>

struct brook_broker;
struct brook_req;

brook_err brook_txn_coordinator_start(struct brook_broker *b);
/* Stop delivering markers and scanning for timeouts (before the offsets
 * close); free after them (their pending writes still answer). */
void brook_txn_coordinator_stop(struct brook_broker *b);
void brook_txn_coordinator_free(struct brook_broker *b);

/* The ids `pick` picks (NULL: all) are coordinated here now, their state
 * read back: finish the transactions that were ending. */
void brook_txn_coordinator_loaded(struct brook_broker *b, int (*pick)(void *arg, const char *id), void *arg);
/* They are not any more: stop their markers (the next coordinator sends them). */
void brook_txn_coordinator_unloaded(struct brook_broker *b, int (*pick)(void *arg, const char *id), void *arg);

/* The links to other brokers the coordinator keeps (a cluster's; NULL
 * otherwise or once stopped), which verifications share. */
struct brook_peer_links *brook_txn_coordinator_links(struct brook_broker *b);

/* The requests, for an id coordinated here, the caller having checked
 * what the request may do (handle_txn.c). */
void brook_txn_init_producer_id(struct brook_req *req);
void brook_txn_add_partitions(struct brook_req *req);
void brook_txn_add_offsets(struct brook_req *req);
void brook_txn_end(struct brook_req *req);

/* Every partition of an AddPartitionsToTxn gets `err`; with
 * `keep_failed`, not those that already have an error of their own. */
void brook_txn_answer_partitions(brook_add_partitions_to_txn_req *r, brook_err err, int keep_failed);

/* KIP-890: whether (topic, partition) is in the ongoing transaction of
 * `id`'s producer `producer_id` at `epoch` (coordinated here): BROOK_OK;
 * CONCURRENT_TRANSACTIONS while it is ending or its state being written;
 * INVALID_TXN_STATE when it is not; INVALID_PRODUCER_ID_MAPPING or
 * PRODUCER_FENCED for another producer. Nothing changes. */
brook_err brook_txn_in_transaction(struct brook_broker *b, const char *id, int64_t producer_id, int16_t epoch,
                                   const char *topic, int32_t partition);
/* The same for each partition of an AddPartitionsToTxn with verify_only. */
void brook_txn_verify_partitions(struct brook_req *req);

#endif
