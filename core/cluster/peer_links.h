/* Links to other brokers by id, each made on first use and made again
 * when it broke (peer_link.h), to the broker's inter-broker listener as
 * membership knows it: what a transaction coordinator sends markers over
 * and a partition leader asks a coordinator through. */
#ifndef BROOK_CORE_PEER_LINKS_H
#define BROOK_CORE_PEER_LINKS_H

#include <stdint.h>

#include "peer_link.h"

struct brook_broker;
typedef struct brook_peer_links brook_peer_links;

/* NULL when out of memory. */
brook_peer_links *brook_peer_links_new(struct brook_broker *b);
/* Requests in flight are answered (BROOK_ERR_SHUTDOWN). */
void brook_peer_links_free(brook_peer_links *l);

/* A working link to broker `id`, or NULL (unknown broker, out of memory). */
brook_peer_link *brook_peer_links_to(brook_peer_links *l, int32_t id);

#endif
