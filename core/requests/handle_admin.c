/* Metadata, CreateTopics and DeleteTopics. */
#include <stdio.h>
#include <string.h>

#include "broker.h"
#include "conn.h"
#include "cluster_image.h"
#include "cluster_topics.h"
#include "controller.h"
#include "controller_duties.h"
#include "group_coordinator.h"
#include "handlers.h"
#include "membership.h"
#include "partition.h"
#include "strmap.h"

/* The topic's name in the request's arena: the response may be encoded
 * after the topic is gone (behind a long poll on the same connection).
 * Out of memory: the name asked for (or "") and an error. */
static void name_topic(brook_req *req, brook_topic_meta *tm, const char *name)
{
    const char *copy = brook_req_copy_str(req, name);
    if (!copy)
        tm->error = BROOK_ERR_NOMEM;
    tm->name = copy ? copy : tm->name ? tm->name : "";
}

static void describe_topic(brook_req *req, brook_topic *t, brook_topic_meta *tm)
{
    brook_broker *b = req->broker;
    name_topic(req, tm, t->name);
    tm->partition_count = t->partition_count;
    tm->partitions = brook_request_alloc(&req->pub, sizeof *tm->partitions * (size_t)t->partition_count);
    int32_t *self = brook_request_alloc(&req->pub, sizeof *self);
    if (tm->error || !tm->partitions || !self) {
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

const int32_t *brook_req_copy_ids(brook_req *req, const int32_t *ids, int32_t n)
{
    int32_t *copy = brook_request_alloc(&req->pub, sizeof *copy * (size_t)(n > 0 ? n : 1));
    if (copy && n > 0)
        memcpy(copy, ids, sizeof *copy * (size_t)n);
    return copy;
}

const char *brook_req_copy_str(brook_req *req, const char *s)
{
    size_t len = strlen(s);
    char *copy = brook_request_alloc(&req->pub, len + 1);
    if (copy)
        memcpy(copy, s, len + 1);
    return copy;
}

/* A cluster's topic, as its records say (copied: the records may change
 * before the response is encoded). */
static void describe_cluster_topic(brook_req *req, const brook_image_topic *it, brook_topic_meta *tm)
{
    name_topic(req, tm, it->name);
    tm->internal = brook_is_internal_topic(it->name);
    tm->partition_count = it->rec.partitions;
    tm->partitions = brook_request_alloc(&req->pub, sizeof *tm->partitions * (size_t)it->rec.partitions);
    if (tm->error || !tm->partitions) {
        tm->error = BROOK_ERR_NOMEM;
        tm->partition_count = 0;
        return;
    }
    for (int32_t i = 0; i < it->rec.partitions; i++) {
        brook_partition_meta *pm = &tm->partitions[i];
        const brook_image_partition *ip =
            i < it->partition_cap && it->partitions[i].present ? &it->partitions[i] : NULL;
        *pm = (brook_partition_meta){.partition = i, .leader = -1, .error = BROOK_ERR_LEADER_NOT_AVAILABLE};
        if (!ip)
            continue; /* being created */
        pm->leader = ip->rec.leader;
        pm->leader_epoch = ip->rec.leader_epoch;
        pm->replicas = brook_req_copy_ids(req, ip->rec.replicas, ip->rec.replica_count);
        pm->isr = brook_req_copy_ids(req, ip->rec.isr, ip->rec.isr_count);
        pm->adding = brook_req_copy_ids(req, ip->rec.adding, ip->rec.adding_count);
        pm->removing = brook_req_copy_ids(req, ip->rec.removing, ip->rec.removing_count);
        if (!pm->replicas || !pm->isr || !pm->adding || !pm->removing) {
            pm->error = BROOK_ERR_NOMEM;
            continue;
        }
        pm->replica_count = ip->rec.replica_count;
        pm->isr_count = ip->rec.isr_count;
        pm->adding_count = ip->rec.adding_count;
        pm->removing_count = ip->rec.removing_count;
        pm->error = ip->rec.leader >= 0 ? BROOK_OK : BROOK_ERR_LEADER_NOT_AVAILABLE;
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

static int topic_exists(brook_broker *b, const char *name)
{
    return b->st->clustered ? brook_cluster_image_topic(b, name) != NULL : brook_topics_find(&b->topics, name) != NULL;
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
        if (!m->allow_auto_create || !b->st->auto_create_topics || !cap || topic_exists(b, tm->name) ||
            !brook_topic_name_valid(tm->name) || brook_topic_name_reserved(tm->name))
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
    if (b->st->clustered) {
        /* the controller creates them (this broker forwards them to it when
         * it is not); the client asks again meanwhile */
        brook_err e = n ? brook_cluster_auto_create(b, names, n) : BROOK_OK;
        for (size_t k = 0; k < n; k++)
            m->topics[which[k]].error = e == BROOK_OK ? BROOK_ERR_LEADER_NOT_AVAILABLE : BROOK_ERR_NOT_FOUND;
        return;
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

/* Every topic the principal may describe (Metadata hides the others): a
 * cluster's from its records, a single broker's from its registry. */
static void list_all_topics(brook_req *req, brook_metadata_req *m)
{
    brook_broker *b = req->broker;
    size_t n = b->topics.count;
    brook_strmap_iter it = {0};
    if (b->st->clustered)
        for (n = 0; brook_cluster_image_next(b, &it); n++)
            ;
    m->topics = brook_request_alloc(&req->pub, sizeof *m->topics * (n + 1));
    if (!m->topics) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    m->topic_count = 0;
    if (b->st->clustered) {
        const brook_image_topic *t;
        memset(&it, 0, sizeof it);
        while ((t = brook_cluster_image_next(b, &it)))
            if (!brook_authorize_quietly(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, t->name))
                describe_cluster_topic(req, t, &m->topics[m->topic_count++]);
        return;
    }
    for (size_t i = 0; i < b->topics.count; i++) {
        brook_topic *t = b->topics.items[i];
        if (!brook_authorize_quietly(req, BROOK_OP_DESCRIBE, BROOK_RESOURCE_TOPIC, t->name))
            describe_topic(req, t, &m->topics[m->topic_count++]);
    }
}

static void describe_named_topics(brook_req *req, brook_metadata_req *m);

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
                /* copies: a registration that changes before this answer
                 * is encoded frees the list's strings */
                const char *host = brook_req_strdup(req, l->host), *rack = brook_req_strdup(req, brokers[i].rack);
                if (!host || (brokers[i].rack && !rack)) {
                    req->pub.error = BROOK_ERR_NOMEM;
                    return;
                }
                m->brokers[m->broker_count++] =
                    (brook_broker_meta){.id = brokers[i].id, .host = host, .port = l->port, .rack = rack};
                break;
            }
        }
    }
    if (m->all_topics)
        list_all_topics(req, m);
    else
        describe_named_topics(req, m);
    if (m->include_authorized_ops) {
        m->cluster_authorized_ops = brook_authorized_ops(req, BROOK_RESOURCE_CLUSTER, "kafka-cluster");
        for (size_t i = 0; i < m->topic_count; i++)
            if (!m->topics[i].error)
                m->topics[i].authorized_ops = brook_authorized_ops(req, BROOK_RESOURCE_TOPIC, m->topics[i].name);
    }
}

/* The topics a Metadata request names (missing ones created when allowed). */
static void describe_named_topics(brook_req *req, brook_metadata_req *m)
{
    brook_broker *b = req->broker;
    if (!unique_names(m)) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    auto_create(req, m);
    for (size_t i = 0; i < m->topic_count; i++) {
        brook_topic_meta *tm = &m->topics[i];
        if (tm->error)
            continue;
        const brook_image_topic *it = b->st->clustered ? brook_cluster_image_topic(b, tm->name) : NULL;
        brook_topic *t = b->st->clustered ? NULL : brook_topics_find(&b->topics, tm->name);
        if (it)
            describe_cluster_topic(req, it, tm);
        else if (t)
            describe_topic(req, t, tm);
        else
            tm->error = brook_topic_name_valid(tm->name) ? BROOK_ERR_NOT_FOUND : BROOK_ERR_INVALID_TOPIC;
    }
}

/* Refuse a topic with `why` (copied into the request), answered as
 * INVALID_CONFIG by the Kafka codec. */
static brook_err refuse(brook_req *req, brook_topic_create *tc, const char *why)
{
    char *message = brook_request_alloc(&req->pub, strlen(why) + 1);
    tc->error_message = message ? strcpy(message, why) : "a topic config was refused";
    return BROOK_ERR_INVALID;
}

/* The configs a creation asks for: known names with good values, none
 * twice. BROOK_ERR_INVALID with a message naming the key otherwise (the
 * Kafka codec answers it as INVALID_CONFIG). */
static brook_err check_configs(brook_req *req, brook_topic_create *tc)
{
    char why[256];
    for (size_t i = 0; i < tc->config_count; i++) {
        const brook_config_pair *c = &tc->configs[i];
        brook_err e = brook_topic_config_check(c->name, c->value, why, sizeof why);
        for (size_t k = 0; !e && k < i; k++) {
            if (strcmp(tc->configs[k].name, c->name) == 0) {
                snprintf(why, sizeof why, "%s: given twice", c->name);
                e = BROOK_ERR_INVALID;
            }
        }
        if (e)
            return refuse(req, tc, why);
    }
    return BROOK_OK;
}

/* The topic's own settings from checked pairs (NULL values: the default,
 * nothing to keep). */
static brook_err build_config(const brook_topic_create *tc, brook_topic_config *out)
{
    for (size_t i = 0; i < tc->config_count; i++) {
        brook_err e =
            tc->configs[i].value ? brook_topic_config_set(out, tc->configs[i].name, tc->configs[i].value) : BROOK_OK;
        if (e)
            return e;
    }
    return BROOK_OK;
}

/* The value a creation asks for `name`, NULL when none. */
static const char *asked(const brook_topic_create *tc, const char *name)
{
    for (size_t i = 0; i < tc->config_count; i++)
        if (tc->configs[i].name && strcmp(tc->configs[i].name, name) == 0)
            return tc->configs[i].value;
    return NULL;
}

/* The settings the topic's storage applies (retention.ms, ...): asked of
 * the storage instance the topic will run on. */
static brook_err check_storage_settings(brook_req *req, brook_topic_create *tc, brook_plugin_instance *storage)
{
    char why[256];
    for (size_t i = 0; i < tc->config_count; i++) {
        const brook_config_pair *c = &tc->configs[i];
        if (c->value && brook_topic_config_by_storage(c->name) &&
            brook_broker_storage_takes(storage, c->name, c->value, why, sizeof why))
            return refuse(req, tc, why);
    }
    return BROOK_OK;
}

/* The storage instance and strategy a creation names run here, and take
 * its settings. In a cluster the controller checks its own configuration:
 * brokers are expected to run the same plugin blocks (one without them
 * cannot open the topic's replicas and says so in its log). */
static brook_err check_plugins(brook_req *req, brook_topic_create *tc, brook_plugin_instance **strategy)
{
    const char *storage_name = asked(tc, "brook.storage"), *replication = asked(tc, "brook.replication");
    char why[256];
    brook_plugin_instance *storage = brook_plugin_set_storage(&req->broker->plugins, storage_name);
    if (!storage) {
        snprintf(why, sizeof why, "brook.storage: this broker runs no storage named \"%s\"", storage_name);
        return refuse(req, tc, why);
    }
    if (!(*strategy = brook_plugin_set_strategy(&req->broker->plugins, replication))) {
        snprintf(why, sizeof why, "brook.replication: this broker runs no replication strategy named \"%s\"",
                 replication);
        return refuse(req, tc, why);
    }
    return check_storage_settings(req, tc, storage);
}

/* The checks every broker makes; BROOK_OK: the topic may be created. */
static brook_err check_creation(brook_req *req, brook_topic_create *tc)
{
    brook_broker *b = req->broker;
    if (tc->error) /* the codec refused something it cannot express to the core */
        return tc->error;
    if (!tc->name || !brook_topic_name_valid(tc->name)) {
        tc->error_message = "topic names are 1-249 characters of a-z, A-Z, 0-9, '.', '_' and '-'";
        return BROOK_ERR_INVALID_TOPIC;
    }
    if (brook_topic_name_reserved(tc->name)) {
        tc->error_message = "this name is reserved for the committed offsets of consumer groups";
        return BROOK_ERR_INVALID_TOPIC;
    }
    brook_plugin_instance *strategy = NULL;
    brook_err e = brook_authorize(req, BROOK_OP_CREATE, BROOK_RESOURCE_TOPIC, tc->name);
    if (e || (e = check_configs(req, tc)) || (e = check_plugins(req, tc, &strategy)))
        return e;
    if (tc->partitions == -1)
        tc->partitions = b->st->default_partitions;
    if (tc->partitions < 1 || tc->partitions > b->st->max_partitions) {
        tc->error_message = "partition count must be between 1 and topics.max_partitions";
        return BROOK_ERR_INVALID_PARTITIONS;
    }
    if (!b->st->clustered) {
        if (tc->replication_factor != -1 && tc->replication_factor != 1) {
            tc->error_message = "a single broker keeps one replica: replication factor 1 only";
            return BROOK_ERR_INVALID_REPLICATION;
        }
        tc->replication_factor = 1;
    } else {
        if (tc->replication_factor == -1)
            tc->replication_factor = (int16_t)b->st->default_replication_factor;
        if ((e = brook_cluster_check_replication(b, strategy, tc->replication_factor, &tc->error_message)))
            return e;
    }
    return topic_exists(b, tc->name) ? BROOK_ERR_EXISTS : BROOK_OK;
}

/* A cluster's topics are created by the controller; its answer completes
 * the request. */
typedef struct cluster_creation {
    brook_req *req;
    brook_topic_creation *creations;
    size_t *which; /* creations[k] is topics[which[k]] */
    size_t n;
} cluster_creation;

static void cluster_created(void *arg)
{
    cluster_creation *cc = arg;
    brook_create_topics_req *c = &cc->req->pub.u.create_topics;
    for (size_t k = 0; k < cc->n; k++) {
        brook_topic_create *tc = &c->topics[cc->which[k]];
        tc->error = cc->creations[k].error;
        tc->error_message = cc->creations[k].error_message;
    }
    brook_req_release(cc->req);
}

static void create_in_cluster(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_create_topics_req *c = &req->pub.u.create_topics;
    cluster_creation *cc = brook_request_alloc(&req->pub, sizeof *cc);
    brook_topic_creation *creations = brook_request_alloc(&req->pub, sizeof *creations * (c->topic_count + 1));
    size_t *which = brook_request_alloc(&req->pub, sizeof *which * (c->topic_count + 1));
    if (!cc || !creations || !which) {
        req->pub.error = BROOK_ERR_NOMEM;
        return;
    }
    *cc = (cluster_creation){.req = req, .creations = creations, .which = which};
    for (size_t i = 0; i < c->topic_count; i++) {
        brook_topic_create *tc = &c->topics[i];
        if (!brook_is_controller(b)) {
            /* Kafka's clients send it to the controller Metadata names */
            tc->error = BROOK_ERR_NOT_LEADER;
            tc->error_message = "this broker is not the controller";
            continue;
        }
        if ((tc->error = check_creation(req, tc)) || c->validate_only)
            continue;
        creations[cc->n] = (brook_topic_creation){.name = tc->name,
                                                  .partitions = tc->partitions,
                                                  .replication_factor = tc->replication_factor,
                                                  .configs = tc->configs,
                                                  .config_count = tc->config_count};
        which[cc->n++] = i;
    }
    if (!cc->n)
        return;
    req->pending++;
    brook_err e = brook_controller_create_topics(b, creations, cc->n, cluster_created, cc);
    if (e) {
        req->pending--;
        for (size_t k = 0; k < cc->n; k++)
            c->topics[which[k]].error = e;
    }
}

void brook_handle_create_topics(brook_req *req)
{
    brook_create_topics_req *c = &req->pub.u.create_topics;
    if (req->broker->st->clustered) {
        create_in_cluster(req);
        return;
    }
    for (size_t i = 0; i < c->topic_count; i++) {
        brook_topic_create *tc = &c->topics[i];
        brook_topic *t;
        brook_topic_config config = {0};
        if (!(tc->error = check_creation(req, tc)) && !c->validate_only && !(tc->error = build_config(tc, &config)))
            tc->error = brook_broker_create_topic(req->broker, tc->name, tc->partitions, &config, &t);
        brook_topic_config_clear(&config);
    }
}

typedef struct cluster_deletion {
    brook_req *req;
    brook_topic_delete *td;
} cluster_deletion;

static void cluster_deleted(void *arg, brook_err err)
{
    cluster_deletion *cd = arg;
    cd->td->error = err;
    brook_req_release(cd->req);
}

static brook_err delete_in_cluster(brook_req *req, brook_topic_delete *td)
{
    if (!brook_is_controller(req->broker))
        return BROOK_ERR_NOT_LEADER;
    cluster_deletion *cd = brook_request_alloc(&req->pub, sizeof *cd);
    if (!cd)
        return BROOK_ERR_NOMEM;
    *cd = (cluster_deletion){.req = req, .td = td};
    req->pending++;
    brook_err e = brook_controller_delete_topic(req->broker, td->name, cluster_deleted, cd);
    if (e)
        req->pending--;
    return e;
}

void brook_handle_delete_topics(brook_req *req)
{
    brook_broker *b = req->broker;
    brook_delete_topics_req *d = &req->pub.u.delete_topics;
    for (size_t i = 0; i < d->topic_count; i++) {
        brook_topic_delete *td = &d->topics[i];
        if (!td->name || !topic_exists(b, td->name)) {
            td->error = BROOK_ERR_NOT_FOUND;
            continue;
        }
        if ((td->error = brook_authorize(req, BROOK_OP_DELETE, BROOK_RESOURCE_TOPIC, td->name)))
            continue;
        td->error = b->st->clustered ? delete_in_cluster(req, td) : brook_broker_delete_topic(b, td->name);
    }
}

/* ---- CreatePartitions: grow a topic --------------------------------------- */

typedef struct cluster_growth {
    brook_req *req;
    brook_topic_grow *g;
} cluster_growth;

static void cluster_grown(void *arg, brook_err err)
{
    cluster_growth *cg = arg;
    cg->g->error = err;
    if (err == BROOK_ERR_AGAIN)
        cg->g->error_message = "the topic changed meanwhile: try again";
    brook_req_release(cg->req);
}

/* The checks every broker makes before growing `g`. */
static brook_err check_growth(brook_req *req, brook_topic_grow *g)
{
    brook_broker *b = req->broker;
    if (g->error) /* the codec refused something it cannot express to the core */
        return g->error;
    if (!g->name || !topic_exists(b, g->name))
        return BROOK_ERR_NOT_FOUND;
    brook_err e = brook_authorize(req, BROOK_OP_ALTER, BROOK_RESOURCE_TOPIC, g->name);
    if (e)
        return e;
    int32_t has = b->st->clustered ? brook_cluster_image_topic(b, g->name)->rec.partitions
                                   : brook_topics_find(&b->topics, g->name)->partition_count;
    if (g->count <= has) {
        g->error_message = "a topic's partition count can only grow";
        return BROOK_ERR_INVALID_PARTITIONS;
    }
    if (g->count > b->st->max_partitions) {
        g->error_message = "partition count must be at most topics.max_partitions";
        return BROOK_ERR_INVALID_PARTITIONS;
    }
    return BROOK_OK;
}

static void grow_in_cluster(brook_req *req, brook_topic_grow *g)
{
    cluster_growth *cg = brook_request_alloc(&req->pub, sizeof *cg);
    if (!cg) {
        g->error = BROOK_ERR_NOMEM;
        return;
    }
    *cg = (cluster_growth){.req = req, .g = g};
    req->pending++;
    if ((g->error = brook_controller_grow_topic(req->broker, g->name, g->count, cluster_grown, cg))) {
        req->pending--;
        if (g->error == BROOK_ERR_INVALID_REPLICATION)
            g->error_message = "fewer live brokers than the topic's replication factor";
    }
}

void brook_handle_create_partitions(brook_req *req)
{
    brook_create_partitions_req *c = &req->pub.u.create_partitions;
    brook_broker *b = req->broker;
    for (size_t i = 0; i < c->topic_count; i++) {
        brook_topic_grow *g = &c->topics[i];
        if (b->st->clustered && !brook_is_controller(b)) {
            g->error = BROOK_ERR_NOT_LEADER; /* clients retry at the controller Metadata names */
            g->error_message = "this broker is not the controller";
            continue;
        }
        if ((g->error = check_growth(req, g)) || c->validate_only)
            continue;
        if (b->st->clustered)
            grow_in_cluster(req, g);
        else
            g->error = brook_broker_grow_topic(b, g->name, g->count);
    }
}
