/* A replication throttle's budget (Kafka's leader.replication.throttled.rate
 * and follower.replication.throttled.rate): bytes per second a broker moves
 * for replicas that are throttled (throttled_replicas.h) and out of sync,
 * as their leader serving them or as the follower fetching them. A token
 * bucket that holds up to BROOK_QUOTA_BURST_MS of the rate: a read may take
 * what is left (a whole batch at least, so it can go below zero), and none
 * is made while it is spent. A short burst keeps even a short copy at the
 * rate (a second's burst moved 500 MB at 1.6x a 200 MB/s throttle). In-sync replicas are never held back, so a throttle
 * never slows acks=all produces. Pure: the caller gives the clock. */
#ifndef BROOK_CORE_REPLICATION_QUOTA_H
#define BROOK_CORE_REPLICATION_QUOTA_H

#include <stdint.h>

#define BROOK_QUOTA_UNLIMITED INT64_MAX /* Kafka's default rate */
#define BROOK_QUOTA_BURST_MS  100

typedef struct brook_quota {
    int64_t rate;   /* bytes per second (BROOK_QUOTA_UNLIMITED, or 0 when never set: unlimited) */
    double tokens;  /* bytes that may go now; below 0 after a read that took more */
    int64_t now_ms; /* when tokens were last brought up to date */
} brook_quota;

/* A new rate (<= 0 or BROOK_QUOTA_UNLIMITED: none); a bucket starts full. */
void brook_quota_set_rate(brook_quota *q, int64_t rate, int64_t now_ms);
int brook_quota_limited(const brook_quota *q);
/* Bytes a read may take now (0: spent); INT64_MAX when unlimited. */
int64_t brook_quota_available(brook_quota *q, int64_t now_ms);
/* A read took `bytes`. */
void brook_quota_spend(brook_quota *q, int64_t bytes, int64_t now_ms);
/* Whether the bucket is full again (it owes nothing: a new one would be the same). */
int brook_quota_full(brook_quota *q, int64_t now_ms);
/* Milliseconds until a read may take something again (0: now). */
int64_t brook_quota_wait_ms(brook_quota *q, int64_t now_ms);

#endif
