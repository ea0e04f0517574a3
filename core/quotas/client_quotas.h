/* The broker's client quotas (Kafka's, KIP-13/KIP-55): the rules
 * (client_quota_rules.h) and the budgets clients spend. A cluster keeps
 * the rules in the metadata store, one key per rule and quota
 * (<ns>/client_quotas/<entity key>/<quota key>), which every broker follows
 * (store_mirror.h); a single broker in <data_dir>/client_quotas. A
 * produce spends its records' bytes, a fetch the bytes it returns, from
 * the budget the client's rule gives it (replication_quota.h's bucket); a
 * client over its budget is held back (throttle_time_ms in the response,
 * its connection not read meanwhile: KIP-219), and a fetch that finds its
 * client over budget returns nothing. A budget nobody spent lately is
 * full again and goes: memory follows the active clients. */
#ifndef BROOK_CORE_CLIENT_QUOTAS_H
#define BROOK_CORE_CLIENT_QUOTAS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <brook/errors.h>

#include "client_quota_rules.h"

struct brook_broker;

brook_err brook_client_quotas_start(struct brook_broker *b, char *err, size_t errlen);
void brook_client_quotas_stop(struct brook_broker *b);

/* The rules in force here (never NULL once started). */
const brook_quota_rules *brook_client_quotas_rules(const struct brook_broker *b);

/* One rule's rate set (rate > 0) or removed. */
typedef struct brook_quota_change {
    brook_quota_entity entity;
    brook_quota_kind kind;
    int64_t rate;
} brook_quota_change;

/* Keep n changes (the cluster's store, or this broker's file) and apply
 * them here; done(arg, err) once, on the loop (perhaps before this
 * returns). */
brook_err brook_client_quotas_write(struct brook_broker *b, const brook_quota_change *changes, size_t n,
                                    void (*done)(void *arg, brook_err err), void *arg);

/* The client of `req` (its principal, "User:<name>", and client id) spent
 * `bytes` of `kind` (0: it only asks whether it may go on): how long it
 * must wait, in ms (0: it may go on). The response says so, and its
 * connection is not read until then, from now: a request it sent behind
 * this one waits too (KIP-219's mute; Brook reads ahead of the request in
 * progress, Kafka does not). */
struct brook_req;
int32_t brook_client_quotas_charge_request(struct brook_req *req, brook_quota_kind kind, int64_t bytes);

/* Each budget in use (labelled by its quota and the user and client id
 * of the rule's grouping; "" for a part the rule does not name): its
 * rate, the bytes spent and the holds, for the metrics endpoint. */
void brook_client_quotas_write_metrics(const struct brook_broker *b, FILE *out);

#endif
