/* The group coordinator: consumer groups, their members and generations,
 * and the classic rebalance protocol, independent of any wire protocol.
 *
 *   Empty --join--> PreparingRebalance --all rejoined or rebalance timeout-->
 *   CompletingRebalance --leader's SyncGroup--> Stable --join/leave/expiry-->
 *   PreparingRebalance ...; a group whose last member goes is Empty again,
 *   and one with neither members nor committed offsets is forgotten (Dead).
 *   A group's past is written down (brook_group_past) when it becomes
 *   Stable, and when it becomes Empty with offsets: after a restart or at
 *   a new coordinator a stable group goes on without a rebalance, and an
 *   empty group's offsets expire on time.
 *
 * JoinGroup and SyncGroup are held until the rebalance gets there: the
 * coordinator fills the request's out fields and calls `done`. Time comes
 * from a clock interface so tests drive every timeout with a fake clock:
 * rebalance timeouts, the initial rebalance delay, the wait for the
 * leader's assignment, and each member's session. */
#ifndef BROOK_CORE_GROUP_H
#define BROOK_CORE_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include <brook/request.h>

typedef struct brook_group_clock {
    void *ctx;
    int64_t (*now_ms)(void *ctx); /* wall-clock ms: when a group became empty is compared with commit times */
    /* 0 on success; *handle identifies the timer for cancel. */
    int (*timer_add)(void *ctx, int64_t ms, void (*cb)(void *arg), void *arg, void **handle);
    void (*timer_cancel)(void *ctx, void *handle);
} brook_group_clock;

/* A member of a stable group as written down: enough for a new coordinator
 * to go on with it (Kafka's MemberMetadata in GroupMetadataValue). */
typedef struct brook_group_past_member {
    const char *member_id;
    const char *instance_id; /* NULL: dynamic */
    const char *client_id;
    const char *client_host;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    const uint8_t *subscription; /* its metadata for the group's protocol */
    size_t subscription_len;
    const uint8_t *assignment;
    size_t assignment_len;
} brook_group_past_member;

/* What must outlive a restart (or a move to another coordinator), Kafka's
 * GroupMetadataValue: for an empty group with committed offsets, what their
 * expiry needs (since when it has been empty, whether it is a standalone
 * consumer's, its protocol type); for a stable group, also its generation,
 * protocol, leader and members with their assignments, so that its
 * consumers go on without a rebalance. Written when a group becomes stable
 * or empty; gone once it is forgotten. */
typedef struct brook_group_past {
    int64_t since_ms; /* wall clock: since when it has been empty (with members: stable) */
    int standalone;
    const char *protocol_type; /* NULL: none */
    /* a stable group's (member_count > 0) */
    int32_t generation;
    const char *protocol_name;
    const char *leader_id;
    const brook_group_past_member *members;
    size_t member_count;
} brook_group_past;

typedef struct brook_groups_config {
    int32_t min_session_timeout_ms;     /* Kafka: group.min.session.timeout.ms (6000) */
    int32_t max_session_timeout_ms;     /* Kafka: group.max.session.timeout.ms (1800000) */
    int32_t initial_rebalance_delay_ms; /* wait this long for more members when an empty group fills */
    /* Whether a group id still has committed offsets: an empty group without
     * any is forgotten. NULL: never. */
    int (*has_offsets)(void *ctx, const char *group_id);
    void *has_offsets_ctx;
    /* Write down a group's past, or that it has none to keep (NULL): the
     * coordinator keeps it beside the offsets (offsets.h); stored(arg, err)
     * once it is as durable as a commit, on the loop, perhaps before this
     * returns (`stored` may be NULL: nobody waits). NULL: nothing kept. */
    void (*remember)(void *ctx, const char *group_id, const brook_group_past *past,
                     void (*stored)(void *arg, brook_err err), void *arg);
    void *remember_ctx;
} brook_groups_config;

typedef struct brook_groups brook_groups;

/* A held JoinGroup/SyncGroup is answered through this. */
typedef void (*brook_group_done)(brook_request *req, void *arg);

brook_err brook_groups_new(const brook_group_clock *clock, const brook_groups_config *cfg, brook_groups **out);
/* Held requests are answered with BROOK_ERR_SHUTDOWN. */
void brook_groups_free(brook_groups *g);

/* JoinGroup: answered now (done called before returning) or later. */
void brook_groups_join(brook_groups *g, brook_request *req, brook_group_done done, void *arg);
/* SyncGroup: answered now or once the leader's assignment arrives. */
void brook_groups_sync(brook_groups *g, brook_request *req, brook_group_done done, void *arg);
/* Withdraw a held join or sync (its connection went away): done is not called. */
void brook_groups_cancel(brook_groups *g, brook_request *req);

void brook_groups_heartbeat(brook_groups *g, brook_heartbeat_req *hb);
void brook_groups_leave(brook_groups *g, brook_leave_group_req *lv);

/* May a commit for this generation and member be accepted? Creates the
 * group (Empty) for a commit from outside any generation. */
brook_err brook_groups_check_commit(brook_groups *g, const char *group_id, int32_t generation, const char *member_id,
                                    const char *group_instance_id);
/* A group comes into being for offsets or a past loaded at start-up or by
 * a new coordinator, as the past written down for it says: empty since
 * then, or stable with its members, each given a whole session from now
 * to heartbeat here (NULL: none, so it counts as empty from now, even if
 * known already: what it did meanwhile is not known here). */
brook_err brook_groups_load(brook_groups *g, const char *group_id, const brook_group_past *past);
/* Drop the groups `pick` picks, writing nothing (their coordinator moved
 * away): held requests are answered BROOK_ERR_NOT_LEADER (NOT_COORDINATOR). */
void brook_groups_unload(brook_groups *g, int (*pick)(void *arg, const char *group_id), void *arg);
/* Offsets of an empty group went away: forget the group if nothing else holds it. */
void brook_groups_offsets_gone(brook_groups *g, const char *group_id);

/* Is the group known, and is it empty (no members)? */
int brook_groups_exists(const brook_groups *g, const char *group_id);
int brook_groups_is_empty(const brook_groups *g, const char *group_id);
/* How the group's committed offsets expire now (Kafka's rules, KIP-211). */
typedef enum brook_group_expiry {
    /* Empty: all of them together, retention after it became empty
     * (*empty_since) and after its last commit. Also a group whose past
     * was not written down (it had members when the broker stopped):
     * empty since it was loaded, the rule that never hastens. */
    BROOK_GROUP_EXPIRES_WHOLE,
    /* A standalone consumer's (it commits and never joined): each offset
     * retention after its own commit. */
    BROOK_GROUP_EXPIRES_PER_OFFSET,
    /* A stable consumer group: offsets of topics no member subscribes to,
     * each retention after its own commit; the others stay. */
    BROOK_GROUP_EXPIRES_UNSUBSCRIBED,
    /* Rebalancing, or members of another protocol: none. */
    BROOK_GROUP_KEEPS,
} brook_group_expiry;
brook_group_expiry brook_groups_expiry(const brook_groups *g, const char *group_id, int64_t *empty_since);

/* Delete an empty group: BROOK_ERR_NOT_FOUND, BROOK_ERR_GROUP_NOT_EMPTY. */
brook_err brook_groups_delete(brook_groups *g, const char *group_id);

/* Fill a listing / description; strings and arrays come from `req`'s arena. */
brook_err brook_groups_list(const brook_groups *g, brook_request *req, brook_list_groups_req *out);
void brook_groups_describe(const brook_groups *g, brook_request *req, brook_group_description *d);

/* Does any member of the group subscribe to `topic` (consumer protocol)? */
int brook_groups_subscribed(const brook_groups *g, const char *group_id, const char *topic);

#endif
