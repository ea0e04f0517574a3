/* brookctl topics describe NAME: the topic's partitions (leader, leader
 * epoch, replicas, in-sync replicas from describe_cluster; log start, high
 * watermark and log end from list_offsets) and its configs with where
 * each value comes from (describe_configs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"

static int str_is(const msgpack_object *o, const char *s)
{
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
           memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

/* What describe_cluster says of one partition, kept past the next call. */
typedef struct partition_row {
    int64_t partition, leader, epoch;
    char replicas[128], isr[128];
} partition_row;

/* The topic's entry of describe_cluster's topics, NULL after printing why. */
static const msgpack_object *find_topic(const msgpack_object *resp, const char *name)
{
    const msgpack_object *topics = map_get(resp, "topics");
    for (uint32_t i = 0; topics && topics->type == MSGPACK_OBJECT_ARRAY && i < topics->via.array.size; i++)
        if (str_is(map_get(&topics->via.array.ptr[i], "name"), name))
            return &topics->via.array.ptr[i];
    fprintf(stderr, "brookctl: unknown topic \"%s\"\n", name);
    return NULL;
}

/* One partition's offsets: log start, high watermark, log end. */
static int offsets(client *c, const char *topic, int64_t partition, int64_t out[3])
{
    client_begin(c, "list_offsets", 2);
    pack_kv_str(&c->pk, "topic", topic);
    pack_kv_int(&c->pk, "partition", partition);
    const msgpack_object *resp = client_call(c);
    if (!resp)
        return -1;
    const char *msg;
    size_t len;
    if (client_error(resp, &msg, &len)) { /* a partition led elsewhere: shown as unknown */
        out[0] = out[1] = out[2] = -1;
        return 0;
    }
    out[0] = map_int(resp, "earliest", -1);
    out[1] = map_int(resp, "latest", -1);
    out[2] = map_int(resp, "log_end", -1);
    return 0;
}

static void print_offset(int64_t v, int width)
{
    if (v < 0)
        printf("%-*s", width, "-");
    else
        printf("%-*lld", width, (long long)v);
}

static int describe_partitions(client *c, const char *name)
{
    client_begin(c, "describe_cluster", 1);
    pack_str(&c->pk, "topics");
    msgpack_pack_true(&c->pk);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "describe cluster"))
        return 1;
    const msgpack_object *topic = find_topic(resp, name);
    if (!topic)
        return 1;
    const msgpack_object *parts = map_get(topic, "partitions");
    uint32_t n = parts && parts->type == MSGPACK_OBJECT_ARRAY ? parts->via.array.size : 0;
    partition_row *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows) {
        fprintf(stderr, "brookctl: out of memory\n");
        return 1;
    }
    for (uint32_t i = 0; i < n; i++) { /* the next call reuses the response's memory */
        const msgpack_object *p = &parts->via.array.ptr[i];
        rows[i] = (partition_row){.partition = map_int(p, "partition", -1),
                                  .leader = map_int(p, "leader", -1),
                                  .epoch = map_int(p, "leader_epoch", -1)};
        ids_text(map_get(p, "replicas"), rows[i].replicas, sizeof rows[i].replicas);
        ids_text(map_get(p, "isr"), rows[i].isr, sizeof rows[i].isr);
    }
    printf("topic %s\tpartitions %u\n", name, n);
    printf("%-10s %-7s %-6s %-12s %-12s %-10s %-15s %s\n", "PARTITION", "LEADER", "EPOCH", "REPLICAS", "ISR",
           "LOG-START", "HIGH-WATERMARK", "LOG-END");
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        int64_t o[3];
        if ((rc = offsets(c, name, rows[i].partition, o)))
            break;
        printf("%-10lld %-7lld %-6lld %-12s %-12s ", (long long)rows[i].partition, (long long)rows[i].leader,
               (long long)rows[i].epoch, rows[i].replicas, rows[i].isr);
        print_offset(o[0], 10);
        printf(" ");
        print_offset(o[1], 15);
        printf(" ");
        print_offset(o[2], 0);
        printf("\n");
    }
    free(rows);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    const msgpack_object *x = map_get(*(const msgpack_object *const *)a, "name");
    const msgpack_object *y = map_get(*(const msgpack_object *const *)b, "name");
    if (!x || !y || x->type != MSGPACK_OBJECT_STR || y->type != MSGPACK_OBJECT_STR)
        return (x != NULL) - (y != NULL);
    uint32_t n = x->via.str.size < y->via.str.size ? x->via.str.size : y->via.str.size;
    int c = memcmp(x->via.str.ptr, y->via.str.ptr, n);
    return c ? c : (int)x->via.str.size - (int)y->via.str.size;
}

static int describe_configs(client *c, const char *name)
{
    client_begin(c, "describe_configs", 1);
    pack_kv_str(&c->pk, "topic", name);
    const msgpack_object *resp = client_call(c);
    char what[320];
    snprintf(what, sizeof what, "describe the configs of topic \"%s\"", name);
    if (!resp || report_error(resp, what))
        return 1;
    printf("%-32s %-24s %s\n", "CONFIG", "VALUE", "SOURCE");
    const msgpack_object *configs = map_get(resp, "configs");
    uint32_t n = configs && configs->type == MSGPACK_OBJECT_ARRAY ? configs->via.array.size : 0;
    const msgpack_object **sorted = calloc(n ? n : 1, sizeof *sorted);
    if (!sorted) {
        fprintf(stderr, "brookctl: out of memory\n");
        return 1;
    }
    for (uint32_t i = 0; i < n; i++)
        sorted[i] = &configs->via.array.ptr[i];
    qsort(sorted, n, sizeof *sorted, by_name);
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *e = sorted[i];
        print_padded(stdout, map_get(e, "name"), 32);
        printf(" ");
        print_padded(stdout, map_get(e, "value"), 24);
        printf(" ");
        print_padded(stdout, map_get(e, "source"), 0);
        printf("\n");
    }
    free(sorted);
    return 0;
}

int topic_describe(client *c, const char *name)
{
    int rc = describe_partitions(c, name);
    if (!rc) {
        printf("\n");
        rc = describe_configs(c, name);
    }
    return rc;
}
