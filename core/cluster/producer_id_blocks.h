/* Producer ids in a cluster: unique across every broker. A broker hands
 * out ids from a block of BROOK_PRODUCER_ID_BLOCK that it takes from the
 * metadata store: <ns>/producer_id_block holds the end of the last block
 * taken, advanced by a compare-and-swap, so two brokers never get the same
 * block (Kafka's controller hands out such blocks, KIP-730; here the store
 * arbitrates). A single broker keeps its own blocks (producer_ids.h). */
#ifndef BROOK_CORE_PRODUCER_ID_BLOCKS_H
#define BROOK_CORE_PRODUCER_ID_BLOCKS_H

#include <stdint.h>

#include <brook/errors.h>

struct brook_broker;
struct brook_req;

/* A new producer id for `got(arg, err, id)`: now, or once a new block
 * came (BROOK_ERR_TIMEOUT when the store did not answer: retriable). */
typedef void (*brook_producer_id_cb)(void *arg, brook_err err, int64_t id);
void brook_cluster_new_producer_id(struct brook_broker *b, brook_producer_id_cb got, void *arg);

/* Give `req` (InitProducerId) a producer id: now, or once a new block
 * came (the request is held meanwhile). */
void brook_cluster_producer_id(struct brook_req *req);

/* Answer the waiters still waiting for a block (the broker stops). */
void brook_cluster_producer_ids_stop(struct brook_broker *b);

#endif
