#include "topic_config_writes.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "cluster_image.h"
#include "log.h"
#include "membership.h"
#include "metastore.h"
#include "records.h"

typedef struct topic_write {
    struct topic_write *next, *prev;
    brook_broker *b;
    char topic[256];
    void (*done)(void *arg, brook_err err);
    void *arg;
} topic_write;

struct brook_config_writes {
    topic_write head; /* a ring of what is in flight */
};

static topic_write *ring(brook_broker *b)
{
    if (!b->config_writes) {
        if (!(b->config_writes = calloc(1, sizeof *b->config_writes)))
            return NULL;
        b->config_writes->head.next = b->config_writes->head.prev = &b->config_writes->head;
    }
    return &b->config_writes->head;
}

static void finish(topic_write *w, brook_err err)
{
    w->prev->next = w->next;
    w->next->prev = w->prev;
    w->done(w->arg, err);
    free(w);
}

static void written(void *arg, const brook_mresult *r)
{
    topic_write *w = arg;
    brook_err err = r->err ? BROOK_ERR_IO : r->succeeded ? BROOK_OK : BROOK_ERR_AGAIN;
    if (!err)
        log_info("topic %s: configs changed in the cluster", w->topic);
    finish(w, err);
}

/* The topic's record as the image has it, with `now` as its configs. */
static brook_err encode_with(const brook_image_topic *it, const brook_topic_config *now, char **value)
{
    brook_topic_record rec = it->rec; /* shallow: only read */
    rec.configs = *now;
    return brook_topic_record_encode(&rec, value);
}

brook_err brook_cluster_write_topic_configs(brook_broker *b, const char *topic, const brook_topic_config *now,
                                            void (*done)(void *arg, brook_err err), void *arg)
{
    const brook_image_topic *it = brook_cluster_image_topic(b, topic);
    if (!it || !it->present)
        return BROOK_ERR_NOT_FOUND;
    topic_write *head = ring(b), *w = calloc(1, sizeof *w);
    char key[512], *value = NULL;
    brook_err e = head && w ? BROOK_OK : BROOK_ERR_NOMEM;
    if (!e && !(e = brook_topic_key(key, sizeof key, brook_membership_namespace(b), topic)))
        e = encode_with(it, now, &value);
    if (e) {
        free(w);
        free(value);
        return e;
    }
    *w = (topic_write){.b = b, .done = done, .arg = arg, .next = head->next, .prev = head};
    snprintf(w->topic, sizeof w->topic, "%s", topic);
    head->next->prev = w;
    head->next = w;
    brook_metastore *store = brook_membership_store(b);
    brook_mcmp same = {.key = key, .target = BROOK_MCMP_MOD_REVISION, .number = it->mod_revision};
    brook_mop put = {.kind = BROOK_MOP_PUT, .key = key, .value = (const uint8_t *)value, .value_len = strlen(value)};
    e = store->ops->txn(store, &same, 1, &put, 1, NULL, 0, written, w);
    free(value);
    if (e) {
        w->prev->next = w->next;
        w->next->prev = w->prev;
        free(w);
    }
    return e;
}

void brook_cluster_config_writes_stop(brook_broker *b)
{
    if (!b->config_writes)
        return;
    topic_write *head = &b->config_writes->head;
    while (head->next != head)
        finish(head->next, BROOK_ERR_SHUTDOWN);
    free(b->config_writes);
    b->config_writes = NULL;
}
