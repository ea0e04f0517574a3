#include "cluster_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "log.h"
#include "membership.h"
#include "prefix_watch.h"

struct brook_cluster_image {
    brook_broker *b;
    const char *ns;
    brook_prefix_watch follow;
    brook_strmap topics; /* name -> brook_image_topic */
    int ready;
    brook_image_changed changed;
    brook_image_reloaded reloaded;
    void *arg;
};

static void free_topic(brook_image_topic *t)
{
    brook_topic_record_clear(&t->rec);
    for (int32_t p = 0; p < t->partition_cap; p++)
        brook_partition_record_clear(&t->partitions[p].rec);
    free(t->partitions);
    free(t);
}

static brook_image_topic *topic_entry(brook_cluster_image *im, const char *name)
{
    brook_image_topic *t = brook_strmap_get(&im->topics, name);
    if (t)
        return t;
    if (!(t = calloc(1, sizeof *t)))
        return NULL;
    snprintf(t->name, sizeof t->name, "%s", name);
    if (brook_strmap_put(&im->topics, name, t)) {
        free(t);
        return NULL;
    }
    return t;
}

/* Drop an entry left with nothing in it. */
static void maybe_forget(brook_cluster_image *im, brook_image_topic *t)
{
    if (t->present)
        return;
    for (int32_t p = 0; p < t->partition_cap; p++)
        if (t->partitions[p].present)
            return;
    brook_strmap_remove(&im->topics, t->name);
    free_topic(t);
}

static brook_image_partition *partition_entry(brook_image_topic *t, int32_t p)
{
    if (p >= t->partition_cap) {
        int32_t cap = p + 1 > t->partition_cap * 2 ? p + 1 : t->partition_cap * 2;
        brook_image_partition *bigger = realloc(t->partitions, sizeof *bigger * (size_t)cap);
        if (!bigger)
            return NULL;
        memset(bigger + t->partition_cap, 0, sizeof *bigger * (size_t)(cap - t->partition_cap));
        t->partitions = bigger;
        t->partition_cap = cap;
    }
    return &t->partitions[p];
}

/* Apply one put or delete; returns 1 when it touched a topic or partition. */
static int apply(brook_cluster_image *im, const brook_mkv *kv, int deleted, char *topic, int32_t *partition)
{
    int kind = brook_record_key_parse(kv->key, im->ns, topic, partition);
    if (!kind)
        return 0;
    brook_image_topic *t = deleted ? brook_strmap_get(&im->topics, topic) : topic_entry(im, topic);
    if (!t)
        return deleted ? 0 : (log_error("cluster: out of memory for topic %s", topic), 0);
    char why[160];
    if (kind == 1) {
        *partition = -1;
        brook_topic_record_clear(&t->rec);
        t->present = 0;
        if (!deleted) {
            if (brook_topic_record_decode(kv->value, kv->value_len, &t->rec, why, sizeof why) == BROOK_OK) {
                t->present = 1;
                t->mod_revision = kv->mod_revision;
            } else {
                log_error("cluster: topic record %s is not valid (%s): ignored", kv->key, why);
            }
        }
    } else {
        brook_image_partition *ip = partition_entry(t, *partition);
        if (!ip)
            return 0;
        brook_partition_record_clear(&ip->rec);
        ip->present = 0;
        if (!deleted) {
            if (brook_partition_record_decode(kv->value, kv->value_len, &ip->rec, why, sizeof why) == BROOK_OK) {
                ip->present = 1;
                ip->mod_revision = kv->mod_revision;
            } else {
                log_error("cluster: partition record %s is not valid (%s): ignored", kv->key, why);
            }
        }
    }
    maybe_forget(im, t);
    return 1;
}

static void clear(brook_cluster_image *im)
{
    brook_strmap_iter it = {0};
    brook_strmap_entry *e;
    while ((e = brook_strmap_next(&im->topics, &it))) {
        brook_image_topic *t = e->value;
        brook_strmap_remove(&im->topics, e->key);
        free_topic(t);
    }
}

static void snapshot(void *arg, const brook_mkv *kvs, size_t n, int64_t revision)
{
    brook_cluster_image *im = arg;
    clear(im);
    char topic[BROOK_TOPIC_NAME_MAX + 1];
    int32_t partition;
    for (size_t i = 0; i < n; i++)
        apply(im, &kvs[i], 0, topic, &partition);
    (void)revision;
    im->ready = 1;
    if (im->reloaded)
        im->reloaded(im->arg);
}

static void changed(void *arg, const brook_mevent *ev, size_t n, int64_t revision)
{
    brook_cluster_image *im = arg;
    (void)revision;
    /* the whole batch first: a handler then sees one consistent revision */
    char(*topics)[BROOK_TOPIC_NAME_MAX + 1] = malloc(sizeof *topics * (n ? n : 1));
    int32_t *partitions = malloc(sizeof *partitions * (n ? n : 1));
    size_t touched = 0;
    for (size_t i = 0; i < n; i++) {
        char topic[BROOK_TOPIC_NAME_MAX + 1];
        int32_t partition;
        if (!apply(im, &ev[i].kv, ev[i].deleted, topic, &partition) || !topics || !partitions)
            continue;
        memcpy(topics[touched], topic, sizeof topic);
        partitions[touched++] = partition;
    }
    if (!topics || !partitions) {
        /* cannot tell which: treat it as a new snapshot */
        log_error("cluster: out of memory applying changes; reading the cluster state again");
        brook_prefix_watch_restart(&im->follow, 100);
    }
    for (size_t i = 0; i < touched; i++)
        im->changed(im->arg, topics[i], partitions[i]);
    free(topics);
    free(partitions);
}

brook_err brook_cluster_image_start(brook_broker *b, brook_image_changed on_changed, brook_image_reloaded reloaded,
                                    void *arg)
{
    brook_cluster_image *im = calloc(1, sizeof *im);
    if (!im)
        return BROOK_ERR_NOMEM;
    *im = (brook_cluster_image){
        .b = b, .ns = brook_membership_namespace(b), .changed = on_changed, .reloaded = reloaded, .arg = arg};
    b->image = im;
    char prefix[300];
    snprintf(prefix, sizeof prefix, "%s/", im->ns);
    static const brook_prefix_watch_ops ops = {.snapshot = snapshot, .changed = changed};
    brook_prefix_watch_start(&im->follow, brook_membership_store(b), b->loop, prefix, 0, "the topics and partitions",
                             &ops, im);
    return BROOK_OK;
}

void brook_cluster_image_stop(brook_broker *b)
{
    brook_cluster_image *im = b->image;
    if (!im)
        return;
    brook_prefix_watch_stop(&im->follow);
    clear(im);
    brook_strmap_free(&im->topics);
    free(im);
    b->image = NULL;
}

int brook_cluster_image_ready(const brook_broker *b)
{
    return b->image && b->image->ready;
}

const brook_image_topic *brook_cluster_image_topic(const brook_broker *b, const char *name)
{
    const brook_image_topic *t = b->image ? brook_strmap_get(&b->image->topics, name) : NULL;
    return t && t->present ? t : NULL;
}

const brook_image_partition *brook_cluster_image_partition(const brook_broker *b, const char *topic, int32_t partition)
{
    const brook_image_topic *t = brook_cluster_image_topic(b, topic);
    if (!t || partition < 0 || partition >= t->partition_cap || !t->partitions[partition].present)
        return NULL;
    return &t->partitions[partition];
}

size_t brook_cluster_image_topic_room(const brook_broker *b)
{
    return b->image ? b->image->topics.count : 0;
}

const brook_image_topic *brook_cluster_image_next(const brook_broker *b, brook_strmap_iter *it)
{
    brook_strmap_entry *e;
    while (b->image && (e = brook_strmap_next(&b->image->topics, it))) {
        const brook_image_topic *t = e->value;
        if (t->present)
            return t;
    }
    return NULL;
}
