/* A controlled shutdown (Kafka's controlled.shutdown.enable). On SIGTERM a
 * broker of a cluster first hands the leadership of its partitions to
 * other in-sync replicas while it still serves, and only then stops as a
 * single broker does. Clients learn the new leaders from a broker that
 * still answers (NOT_LEADER_OR_FOLLOWER, then Metadata) instead of
 * finding its port closed while the cluster's metadata still names it,
 * and its partitions never go without a leader.
 *
 * First it takes no more produce requests for the partitions it will hand
 * over (NOT_LEADER_OR_FOLLOWER, which clients retry after asking for
 * metadata) until their in-sync followers hold the whole log (high
 * watermark = log end), so the next leader has every record it
 * acknowledged, acks=1 ones included: Kafka loses those. Then it marks its
 * registration shutting_down (membership.h); the controller moves every
 * partition it leads to an in-sync replica that stays, and gives it no
 * leadership, new replica or controller role. It waits until its own view
 * of the partitions shows it leading none that another live in-sync
 * replica could take, serves a moment longer (clients that ask it for
 * metadata learn the new leaders), and stops; after
 * cluster.controlled_shutdown_timeout_ms (no controller, the store
 * unreachable; half of it at most for the followers) it stops anyway. */
#ifndef BROOK_CORE_CONTROLLED_SHUTDOWN_H
#define BROOK_CORE_CONTROLLED_SHUTDOWN_H

struct brook_broker;
struct brook_partition;

/* Begin it. 0: nothing to hand over (a single broker, the timeout set to
 * 0, a lost lease, no partition another replica could lead): the caller
 * stops now. 1: `then(b)` runs from the loop once it is done. */
int brook_controlled_shutdown_begin(struct brook_broker *b, void (*then)(struct brook_broker *b));

/* Whether a produce to `p`, which this broker leads, must be refused
 * (NOT_LEADER_OR_FOLLOWER): it is being handed over. */
int brook_controlled_shutdown_holds_writes(struct brook_broker *b, const struct brook_partition *p);

/* Stop waiting (a second signal, or the broker is freed): `then` is not
 * called. */
void brook_controlled_shutdown_cancel(struct brook_broker *b);

#endif
