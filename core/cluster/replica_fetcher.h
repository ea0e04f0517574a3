/* The replica fetcher: this broker's follower replicas copy their leader's
 * log. One session per leader broker, over one link to its inter-broker
 * listener (peer_link.h): a single long-polling replica_fetch names every
 * partition this broker follows on that leader, with its log end and leader
 * epochs; the answer's batches are appended as they are, a diverged log is
 * truncated where the leader says its epoch ended (KIP-279/320), and the
 * next fetch goes out at once, which is also how the leader learns what
 * the follower holds. A broken link is made again after a pause. */
#ifndef BROOK_CORE_REPLICA_FETCHER_H
#define BROOK_CORE_REPLICA_FETCHER_H

struct brook_broker;
struct brook_partition;

/* Fetch `p` from its leader (p->leader_id) from now on; a partition
 * without a leader (-1) is only dropped from its old session. */
void brook_replica_fetcher_follow(struct brook_broker *b, struct brook_partition *p);
/* Stop fetching `p` (it leads now, or goes away). */
void brook_replica_fetcher_unfollow(struct brook_broker *b, struct brook_partition *p);
/* Every session ends (the broker stops). */
void brook_replica_fetcher_stop(struct brook_broker *b);

#endif
