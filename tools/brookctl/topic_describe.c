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

static void num(char *buf, size_t len, int64_t v)
{
    if (v < 0)
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%lld", (long long)v);
}

/* The partitions as a table, or as the JSON array of {partition, leader,
 * leader_epoch, replicas, isr, log_start, high_watermark, log_end}. */
static int describe_partitions(const global_opts *g, client *c, const char *name)
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
    static const char *const headers[] = {"PARTITION", "LEADER",    "EPOCH",          "REPLICAS",
                                          "ISR",       "LOG-START", "HIGH-WATERMARK", "LOG-END"};
    table t;
    table_init(&t, 8, headers);
    if (g->json) {
        printf("{\"name\":");
        json_string(stdout, name, strlen(name));
        printf(",\"partitions\":[");
    } else {
        printf("topic %s\tpartitions %u\n", name, n);
    }
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        int64_t o[3];
        if ((rc = offsets(c, name, rows[i].partition, o)))
            break;
        const partition_row *r = &rows[i];
        if (g->json) {
            printf("%s{\"partition\":%lld,\"leader\":%lld,\"leader_epoch\":%lld,\"replicas\":[%s],\"isr\":[%s],"
                   "\"log_start\":%lld,\"high_watermark\":%lld,\"log_end\":%lld}",
                   i ? "," : "", (long long)r->partition, (long long)r->leader, (long long)r->epoch,
                   strcmp(r->replicas, "-") ? r->replicas : "", strcmp(r->isr, "-") ? r->isr : "", (long long)o[0],
                   (long long)o[1], (long long)o[2]);
            continue;
        }
        char cells[6][24];
        num(cells[0], sizeof cells[0], r->partition);
        num(cells[1], sizeof cells[1], r->leader);
        num(cells[2], sizeof cells[2], r->epoch);
        for (int k = 0; k < 3; k++)
            num(cells[3 + k], sizeof cells[3 + k], o[k]);
        table_add(
            &t, (const char *const[]){cells[0], cells[1], cells[2], r->replicas, r->isr, cells[3], cells[4], cells[5]});
    }
    if (g->json)
        printf("],");
    else
        table_print(&t, stdout);
    table_free(&t);
    free(rows);
    return rc;
}

/* The configs as a table sorted by name, or as the JSON "configs" array
 * of {name, value, source, read_only} closing the topic's object. */
static int describe_configs(const global_opts *g, client *c, const char *name)
{
    client_begin(c, "describe_configs", 1);
    pack_kv_str(&c->pk, "topic", name);
    const msgpack_object *resp = client_call(c);
    char what[320];
    snprintf(what, sizeof what, "describe the configs of topic \"%s\"", name);
    if (!resp || report_error(resp, what))
        return 1;
    const msgpack_object *configs = map_get(resp, "configs");
    if (g->json) {
        printf("\"configs\":");
        print_json(stdout, configs ? configs : &(msgpack_object){.type = MSGPACK_OBJECT_NIL});
        return 0;
    }
    static const char *const headers[] = {"CONFIG", "VALUE", "SOURCE"};
    table t;
    table_init(&t, 3, headers);
    for (uint32_t i = 0; configs && configs->type == MSGPACK_OBJECT_ARRAY && i < configs->via.array.size; i++) {
        const msgpack_object *e = &configs->via.array.ptr[i];
        char n[256], v[1024], src[32];
        table_add(&t, (const char *const[]){obj_text(map_get(e, "name"), n, sizeof n),
                                            obj_text(map_get(e, "value"), v, sizeof v),
                                            obj_text(map_get(e, "source"), src, sizeof src)});
    }
    table_print(&t, stdout);
    table_free(&t);
    return 0;
}

int topic_describe(const global_opts *g, client *c, const char *name)
{
    int rc = describe_partitions(g, c, name);
    if (!rc) {
        if (!g->json)
            printf("\n");
        rc = describe_configs(g, c, name);
    }
    if (!rc && g->json)
        printf("}\n");
    return rc;
}
