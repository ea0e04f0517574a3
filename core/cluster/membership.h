/* This broker as a member of its cluster (a cluster block in the
 * configuration): the cluster id it shares with the others, its
 * registration under a lease in the metadata store, and the brokers that
 * are live now. A single broker (no cluster block) has none of it. */
#ifndef BROOK_CORE_MEMBERSHIP_H
#define BROOK_CORE_MEMBERSHIP_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

struct brook_broker;
typedef struct brook_membership brook_membership;

typedef struct brook_live_listener {
    char *name;
    char *host;
    int32_t port;
} brook_live_listener;

typedef struct brook_live_broker {
    int32_t id;
    char *info;        /* its registration: JSON {"id", "rack", "listeners": [{"name", "codec", "host", "port"}],
                        * "shutting_down": true once it is leaving} */
    char *rack;        /* NULL: none */
    int shutting_down; /* a controlled shutdown began: it is handing its leadership over */
    brook_live_listener *listeners;
    size_t listener_count;
} brook_live_broker;

/* Before the listeners: reach the store and agree on the cluster id (the
 * first broker creates it; a data directory of another cluster is refused). */
brook_err brook_membership_join(struct brook_broker *b, char *err, size_t errlen);

/* Once the listeners are bound (their advertised addresses known): take a
 * lease, register brokers/<id> under it (a registration still there, from
 * a previous run that crashed, is waited out for up to a lease TTL; one
 * kept alive longer by another live broker with the id is refused), renew it every third of cluster.lease_ttl_ms, and
 * watch the live brokers. A lost lease is logged, counted and registered again. */
brook_err brook_membership_register(struct brook_broker *b, char *err, size_t errlen);

/* The broker stops: no answer still in flight from the store reaches
 * anyone (the parts that asked are freed next). */
void brook_membership_abandon_answers(struct brook_broker *b);

/* Give the lease back (the others see this broker leave at once) and free. */
void brook_membership_leave(struct brook_broker *b);

/* The live brokers as last seen, this one included. */
const brook_live_broker *brook_membership_live(const struct brook_broker *b, size_t *count);

/* A live broker's inter-broker listener as it registered it: 0, or -1
 * when the broker is not live (or registered no such listener). */
int brook_membership_peer_address(const struct brook_broker *b, int32_t id, const char **host, int32_t *port);

/* Whether broker `id` is among them (a single broker: none is). */
int brook_membership_is_live(const struct brook_broker *b, int32_t id);

/* Whether broker `id` is live and not shutting down: the one a partition's
 * leadership, new replicas and rack-aware consumers may go to. */
int brook_membership_is_staying(const struct brook_broker *b, int32_t id);

/* A controlled shutdown: write this broker's registration again marked
 * shutting_down (same key, same lease), so that the controller moves its
 * leadership to other in-sync replicas and gives it nothing new. Asking
 * again while a write is in flight, or after one was taken, does nothing;
 * after a failed one, it writes again. BROOK_ERR_NOT_LEADER when this
 * broker is not registered now (its lease was lost). */
brook_err brook_membership_announce_shutdown(struct brook_broker *b);
/* Whether this broker asked for that write, and whether the store took it. */
int brook_membership_shutting_down(const struct brook_broker *b);
int brook_membership_shutdown_announced(const struct brook_broker *b);

/* Whether the live brokers were read (the list above means something). */
int brook_membership_ready(const struct brook_broker *b);

/* Whether this broker's lease surely runs now: renewed less than a TTL
 * ago, counted from when the renewal was sent (the store's clock starts
 * later). A broker paused past its lease (SIGSTOP, a stall) sees this
 * false the moment it runs again, before any answer from the store: it
 * must not act as a leader any more. */
int brook_membership_lease_valid(const struct brook_broker *b);

/* Whether this broker's lease expired and it has not registered again. */
int brook_membership_lost(const struct brook_broker *b);

/* For the rest of the cluster module: the store, this broker's lease (0
 * while it has none) and the cluster's key namespace (<prefix>/<name>). */
struct brook_metastore *brook_membership_store(const struct brook_broker *b);
int64_t brook_membership_lease(const struct brook_broker *b);
const char *brook_membership_namespace(const struct brook_broker *b);

#endif
