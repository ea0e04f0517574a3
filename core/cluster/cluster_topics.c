#include "cluster_topics.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "controller.h"
#include "controller_duties.h"
#include "log.h"
#include "membership.h"
#include "peer_link.h"

typedef struct auto_creation {
    brook_topic_creation *topics;
    char **names;
    size_t n;
} auto_creation;

static void auto_free(auto_creation *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->names[i]);
    free(a->names);
    free(a->topics);
    free(a);
}

static void auto_created(void *arg)
{
    auto_creation *a = arg;
    for (size_t i = 0; i < a->n; i++)
        if (a->topics[i].error && a->topics[i].error != BROOK_ERR_EXISTS)
            log_warn("cluster: auto-creating topic %s failed: %s%s%s", a->names[i], brook_err_str(a->topics[i].error),
                     a->topics[i].error_message ? ": " : "",
                     a->topics[i].error_message ? a->topics[i].error_message : "");
    auto_free(a);
}

brook_err brook_cluster_check_replication(brook_broker *b, brook_plugin_instance *strategy, int32_t rf,
                                          const char **why)
{
    size_t live;
    brook_membership_live(b, &live);
    if (rf > 1 && !brook_has_slot(strategy, brook_replication_ops, become_follower)) {
        *why = "the replication strategy keeps one replica per partition (replication-isr keeps several)";
        return BROOK_ERR_INVALID_REPLICATION;
    }
    if ((size_t)rf > live) {
        *why = "replication factor larger than the number of live brokers";
        return BROOK_ERR_INVALID_REPLICATION;
    }
    return BROOK_OK;
}

/* ---- forwarding to the controller ------------------------------------------
 * A broker that is not the controller sends the creation to it over the
 * controller's inter-broker listener (native create_topic; Kafka forwards
 * the same way since KIP-590), answering its own client at once. */

struct brook_topic_forwarder {
    int32_t controller; /* the link's other end */
    brook_peer_link *link;
};

static void forwarded(void *arg, brook_err err, const msgpack_object *resp)
{
    char *name = arg;
    brook_err e = err ? err : (brook_err)brook_peer_int(resp, "error", BROOK_ERR_CORRUPT);
    if (e && e != BROOK_ERR_EXISTS && e != BROOK_ERR_SHUTDOWN)
        log_warn("cluster: the controller did not create topic %s: %s", name, brook_err_str(e));
    free(name);
}

static brook_peer_link *controller_link(brook_broker *b)
{
    int32_t id = brook_controller_id(b);
    struct brook_topic_forwarder *f = b->forwarder;
    if (!f && !(f = b->forwarder = calloc(1, sizeof *f)))
        return NULL;
    if (f->link && (f->controller != id || brook_peer_link_broken(f->link))) {
        brook_peer_link_free(f->link);
        f->link = NULL;
    }
    if (f->link || id < 0)
        return f->link;
    const char *host;
    int32_t port;
    if (!brook_membership_peer_address(b, id, &host, &port) &&
        brook_peer_link_new(b->loop, host, port, (size_t)b->st->max_frame_bytes, b->peer_tls, &f->link) == BROOK_OK)
        f->controller = id;
    return f->link;
}

static brook_err forward(brook_broker *b, const char *const *names, size_t n)
{
    brook_peer_link *link = controller_link(b);
    if (!link)
        return BROOK_ERR_LEADER_NOT_AVAILABLE;
    for (size_t i = 0; i < n; i++) {
        char *name = strdup(names[i]);
        if (!name)
            return BROOK_ERR_NOMEM;
        msgpack_packer *pk = brook_peer_request_begin(link, "create_topic", 2);
        msgpack_pack_str_with_body(pk, "topic", 5);
        msgpack_pack_str_with_body(pk, name, strlen(name));
        msgpack_pack_str_with_body(pk, "partitions", 10);
        msgpack_pack_int32(pk, b->st->default_partitions);
        brook_err e = brook_peer_request_end(link, 30000, forwarded, name);
        if (e) {
            free(name);
            return e;
        }
    }
    return BROOK_OK;
}

void brook_cluster_topics_stop(brook_broker *b)
{
    struct brook_topic_forwarder *f = b->forwarder;
    if (!f)
        return;
    if (f->link)
        brook_peer_link_free(f->link); /* answers what is in flight: its names are freed */
    free(f);
    b->forwarder = NULL;
}

brook_err brook_cluster_auto_create(brook_broker *b, const char *const *names, size_t n)
{
    if (!brook_is_controller(b))
        return forward(b, names, n);
    const char *why;
    int32_t rf = b->st->default_replication_factor;
    brook_err e = brook_cluster_check_replication(b, brook_broker_strategy_for(b, NULL), rf, &why);
    if (e) {
        log_warn("cluster: cannot auto-create topics with topics.default_replication_factor %d: %s", rf, why);
        return e;
    }
    auto_creation *a = calloc(1, sizeof *a);
    if (!a)
        return BROOK_ERR_NOMEM;
    a->topics = calloc(n ? n : 1, sizeof *a->topics);
    a->names = calloc(n ? n : 1, sizeof *a->names);
    for (size_t i = 0; a->topics && a->names && i < n; i++, a->n++) {
        if (!(a->names[i] = strdup(names[i])))
            break;
        a->topics[i] = (brook_topic_creation){
            .name = a->names[i], .partitions = b->st->default_partitions, .replication_factor = rf};
    }
    if (!a->topics || !a->names || a->n < n) {
        auto_free(a);
        return BROOK_ERR_NOMEM;
    }
    if ((e = brook_controller_create_topics(b, a->topics, n, auto_created, a)))
        auto_free(a);
    return e;
}
