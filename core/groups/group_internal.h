/* Between group.c (the rebalance state machine), group_past.c (a group
 * written down and read back: brook_group_past) and group_views.c
 * (listings, descriptions and the questions expiry asks). Not for the rest
 * of the core: use group.h. */
#ifndef BROOK_CORE_GROUP_INTERNAL_H
#define BROOK_CORE_GROUP_INTERNAL_H

#include <string.h>

#include "group.h"
#include "strmap.h"

typedef enum group_state { EMPTY, PREPARING, COMPLETING, STABLE } group_state;

typedef struct group group;
typedef struct member member;

struct member {
    member *next; /* join order */
    group *g;
    char *id;
    char *instance_id; /* NULL: dynamic */
    char *client_id;
    char *client_host;
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms;
    brook_group_protocol *protocols; /* deep copies */
    size_t protocol_count;
    uint8_t *assignment;
    size_t assignment_len;
    int restored; /* read back from its group's past: its protocols are the group's one only */
    /* held requests */
    brook_request *join_req;
    brook_group_done join_done;
    void *join_arg;
    brook_request *sync_req;
    brook_group_done sync_done;
    void *sync_arg;
    void *session_timer;
};

struct group {
    brook_groups *owner;
    char *id;
    group_state state;
    int32_t generation;
    char *protocol_type;
    char *protocol_name;
    char *leader_id;
    member *members;
    size_t member_count;
    brook_strmap pending; /* member ids handed out with MEMBER_ID_REQUIRED -> timer */
    void *rebalance_timer;
    void *sync_timer;
    int initial_delay;      /* the rebalance timer is the initial delay */
    int64_t empty_since_ms; /* when it last became Empty (made, loaded, or its last member went) */
    int standalone;         /* made by a commit from outside any generation; no member joined since */
    int remembered;         /* its past is written down (brook_group_past) */
    /* the leader's assignment is being stored: its generation (Completing
     * until the store answers; -1: none) */
    int32_t storing_generation;
};

struct brook_groups {
    brook_group_clock clock;
    brook_groups_config cfg;
    brook_strmap groups;
    uint64_t id_seed;
};

static inline int group_same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* group.c */
group *group_find(const brook_groups *gs, const char *id);
group *group_create(brook_groups *gs, const char *id);
/* Held requests get BROOK_ERR_SHUTDOWN; nothing is written down. */
void group_free(group *g);
member *group_find_member(const group *g, const char *id);
/* A member from its join (`id` taken); NULL when memory ran out. */
member *group_add_member(group *g, const brook_join_group_req *j, char *id);
void group_update_member(member *m, const brook_join_group_req *j);
/* Remove a member; its held requests get `err`. */
void group_remove_member(group *g, member *m, brook_err err);
/* A whole session from now (also after each answer: time to act on it). */
void group_touch(member *m);
const brook_group_protocol *group_member_protocol(const member *m, const char *name);
/* Copies into the request's arena ("" / NULL when it is full). */
const char *group_req_strdup(brook_request *req, const char *s);
const uint8_t *group_req_memdup(brook_request *req, const uint8_t *p, size_t n);

/* group_past.c: write down what the group is now (Empty or Stable), or
 * that what was written no longer holds. */
void group_remember(group *g);
void group_forget_past(group *g);
/* Write down the group as Stable with its members' assignments (it is
 * still Completing); stored(arg, err) once that is durable (at once when
 * nothing is kept). */
void group_remember_stable(group *g, void (*stored)(void *arg, brook_err err), void *arg);

#endif
