/* Metadata, CreateTopics and DeleteTopics. */
#include <string.h>

#include "broker.h"
#include "conn.h"
#include "controller.h"
#include "handlers.h"
#include "membership.h"
#include "partition.h"
#include "strmap.h"

static void describe_topic(brook_req *req, brook_topic *t, brook_topic_meta *tm)
{
    brook_broker *b = req->broker;
    tm->name = t->name;
    tm->partition_count = t->partition_count;
    tm->partitions = brook_request_alloc(&req->pub, sizeof *tm->partitions * (size_t)t->partition_count);
    int32_t *self = brook_request_alloc(&req->pub, sizeof *self);
    if (!tm->partitions || !self) {
        tm->error = BROOK_ERR_NOMEM;
        tm->partition_count = 0;
        return;
    }
    *self = b->st->broker_id;
    for (int32_t i = 0; i < t->partition_count; i++) {
        brook_partition_meta *pm = &tm->partitions[i];
        pm->partition = i;
        pm->leader = b->st->broker_id;
        pm->replicas = pm->isr = self;
        pm->replica_count = pm->isr_count = 1;
        pm->error = t->partitions && t->partitions[i] ? BROOK_OK : BROOK_ERR_LEADER_NOT_AVAILABLE;
        if (pm->error)
            pm->leader = -1;
    }
}

/* Each name once, in first-asked order: Kafka answers a set of topics, and
 * a request naming one topic a million times must not cost a million
 * answers. Returns 0 when out of memory. */
static int unique_names(brook_metadata_req *m)
{
    brook_strmap seen = {0};
    size_t kept = 0;
    int ok = 1;
    for (size_t i = 0; i < m->topic_count && ok; i++) {
        const char *name = m->topics[i].name ? m->topics[i].name : "";
        if (brook_strmap_get(&seen, name))
            continue;
        ok = brook_strmap_put(&seen, name, &m->topics[i]) == BROOK_OK;
        m->topics[kept++] = m->topics[i];
    }
    m->topic_count = kept;
    brook_strmap_free(&seen);
    return ok;
}

/* Missing topics the client may create, created in one batch (one registry
 * write) of at most limits.max_topics_created_per_request; the rest answer
 * LEADER_NOT_AVAILABLE, which clients retry, so a client asking for more
 * gets them over a few requests and no request holds the loop for long.
 * Refusals are set as each topic's error. */
static void auto_create(brook_req *req, brook_metadata_req *m)
{
    brook_broker *b = req->broker;
    size_t cap = (size_t)b->st->max_topics_created_per_request, n = 0;
    const char **names = NULL;
    size_t *which = NULL;
    for (size_t i = 0; i < m->topic_count; i++) {
        brook_topic_meta *tm = &m->topics[i];
        if ((tm->error = brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, tm->name)))
            continue;
        if (!m->allow_auto_create || !b->st->auto_create_topics || !cap || brook_topics_find(&b->topics, tm->name) ||
            !brook_topic_name_valid(tm->name))
            continue;
        if ((tm->error = brook_authorize(req, BROOK_OP_CREATE, BROOK_RESOURCE_TOPIC, tm->name)))
            continue;
        if (n == cap) {
            tm->error = BROOK_ERR_LEADER_NOT_AVAILABLE;
            continue;
        }
        if (!names) {
            size_t room = m->topic_count < cap ? m->topic_count : cap;
            names = brook_request_alloc(&req->pub, sizeof *names * room);
            which = brook_request_alloc(&req->pub, sizeof *which * room);
            if (!names || !which) {
                tm->error = BROOK_ERR_NOMEM;
                return;
            }
        }
        names[n] = tm->name;
        which[n++] = i;
    }
    brook_err *results = n ? brook_request_alloc(&req->pub, sizeof *results * n) : NULL;
    if (n && !results) {
        for (size_t k = 0; k < n; k++)
            m->topics[which[k]].error = BROOK_ERR_NOMEM;
        return;
    }
    brook_broker_create_topics(b, names, n, results);
    for (size_t k = 0; k < n; k++)
        m->topics[which[k]].error = results[k];
}

void brook_handle_metadata(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_metadata_req *m = &req->pub.u.metadata;
    m->controller_id = brook_controller_id(b); /* a single broker: itself */
    m->cluster_id = b->data_dir.cluster_id;
    size_t live;
    const brook_live_broker *brokers = brook_membership_live(b, &live);
    m->brokers = brook_request_alloc(&req->pub, sizeof *m->brokers * (live + 1));
    if (!m->brokers) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    /* this broker, then every other live one on the listener of the same name */
    const brook_listener *own = req->conn->listener;
    m->broker_count = 1;
    m->brokers[0] = (brook_broker_meta){
        .id = b->st->broker_id, .host = own->advertised_host, .port = own->advertised_port, .rack = b->st->rack};
    for (size_t i = 0; i < live; i++) {
        if (brokers[i].id == b->st->broker_id)
            continue;
        for (size_t k = 0; k < brokers[i].listener_count; k++) {
            const brook_live_listener *l = &brokers[i].listeners[k];
            if (strcmp(l->name, own->conf->name) == 0) {
                m->brokers[m->broker_count++] =
                    (brook_broker_meta){.id = brokers[i].id, .host = l->host, .port = l->port, .rack = brokers[i].rack};
                break;
            }
        }
    }
    if (m->all_topics) {
        m->topics = brook_request_alloc(&req->pub, sizeof *m->topics * (b->topics.count + 1));
        if (!m->topics) {
            req->pub.error = BROOK_ERR_NOMEM;
            return;
        }
        m->topic_count = 0;
        for (size_t i = 0; i < b->topics.count; i++) {
            brook_topic *t = b->topics.items[i];
            /* Metadata hides topics the principal may not describe. */
            if (brook_authorize(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, t->name))
                continue;
            describe_topic(req, t, &m->topics[m->topic_count++]);
        }
        return;
    }
    if (!unique_names(m)) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    auto_create(req, m);
    for (size_t i = 0; i < m->topic_count; i++) {
        brook_topic_meta *tm = &m->topics[i];
        if (tm->error)
            continue;
        brook_topic *t = brook_topics_find(&b->topics, tm->name);
        if (!t)
            tm->error = brook_topic_name_valid(tm->name) ? BROOK_ERR_NOT_FOUND : BROOK_ERR_INVALID_TOPIC;
        else
            describe_topic(req, t, tm);
    }
}

static brook_err create_one(brook_req *req, brook_topic_create *tc, int validate_only)
{
    brook_broker *b = req->broker;
    if (tc->error) /* the codec refused something it cannot express to the core */
        return tc->error;
    if (!tc->name || !brook_topic_name_valid(tc->name)) {
        tc->error_message = "topic names are 1-249 characters of a-z, A-Z, 0-9, '.', '_' and '-'";
        return BROOK_ERR_INVALID_TOPIC;
    }
    brook_err e = brook_authorize(req, BROOK_OP_CREATE, BROOK_RESOURCE_TOPIC, tc->name);
    if (e)
        return e;
    if (tc->partitions == -1)
        tc->partitions = b->st->default_partitions;
    if (tc->partitions < 1 || tc->partitions > b->st->max_partitions) {
        tc->error_message = "partition count must be between 1 and topics.max_partitions";
        return BROOK_ERR_INVALID_PARTITIONS;
    }
    if (tc->replication_factor != -1 && tc->replication_factor != 1) {
        tc->error_message = "this single-node broker supports replication factor 1 only";
        return BROOK_ERR_INVALID_REPLICATION;
    }
    if (brook_topics_find(&b->topics, tc->name))
        return BROOK_ERR_EXISTS;
    if (validate_only)
        return BROOK_OK;
    brook_topic *t;
    return brook_broker_create_topic(b, tc->name, tc->partitions, &t);
}

void brook_handle_create_topics(brook_req *req)
{
    brook_create_topics_req *c = &req->pub.u.create_topics;
    for (size_t i = 0; i < c->topic_count; i++)
        c->topics[i].error = create_one(req, &c->topics[i], c->validate_only);
}

void brook_handle_delete_topics(brook_req *req)
{
    brook_delete_topics_req *d = &req->pub.u.delete_topics;
    for (size_t i = 0; i < d->topic_count; i++) {
        brook_topic_delete *td = &d->topics[i];
        if (!td->name || !brook_topics_find(&req->broker->topics, td->name)) {
            td->error = BROOK_ERR_NOT_FOUND;
            continue;
        }
        td->error = brook_authorize(req, BROOK_OP_DELETE, BROOK_RESOURCE_TOPIC, td->name);
        if (!td->error)
            td->error = brook_broker_delete_topic(req->broker, td->name);
    }
}
