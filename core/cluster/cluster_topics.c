#include "cluster_topics.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "controller.h"
#include "controller_duties.h"
#include "log.h"
#include "membership.h"

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

brook_err brook_cluster_check_replication(brook_broker *b, int32_t rf, const char **why)
{
    size_t live;
    brook_membership_live(b, &live);
    if (rf > 1 && !brook_has_slot(&b->plugins.replication, brook_replication_ops, become_follower)) {
        *why = "the replication strategy keeps one replica per partition (replication-isr keeps several)";
        return BROOK_ERR_INVALID_REPLICATION;
    }
    if ((size_t)rf > live) {
        *why = "replication factor larger than the number of live brokers";
        return BROOK_ERR_INVALID_REPLICATION;
    }
    return BROOK_OK;
}

brook_err brook_cluster_auto_create(brook_broker *b, const char *const *names, size_t n)
{
    if (!brook_is_controller(b))
        return BROOK_ERR_NOT_LEADER;
    const char *why;
    int32_t rf = b->st->default_replication_factor;
    brook_err e = brook_cluster_check_replication(b, rf, &why);
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
