/* brookctl groups describe GROUP: the group's state and protocol, its
 * members (member id, instance id, client id, host, and for consumer
 * groups the partitions the leader assigned each), and per committed
 * partition the committed offset, the log end (the high watermark), the
 * lag and the member consuming it. An unknown group is an error (exit 1).
 * As tables, or as one JSON object with --output json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"

#define MAX_ASSIGNED 4096

typedef struct member {
    char id[256], instance[256], client[256], host[256];
    char assignment[1024]; /* "t-0,t-1", "-" */
    size_t first, count;   /* its slice of the assigned partitions */
} member;

typedef struct assigned {
    char topic[256];
    int32_t partition;
    size_t member;
} assigned;

typedef struct offset_row {
    char topic[256];
    int32_t partition;
    int64_t committed, log_end; /* -1: unknown */
} offset_row;

typedef struct description {
    char state[64], protocol[128], protocol_type[64];
    member *members;
    size_t member_count;
    assigned *assigned;
    size_t assigned_count;
    offset_row *offsets;
    size_t offset_count;
} description;

static void copy_text(char *out, size_t len, const msgpack_object *o)
{
    obj_text(o, out, len);
}

/* ---- Kafka's consumer protocol assignment: version, [topic [partition]], user data ---- */

static int be16(const unsigned char *p, size_t n, size_t *at, int *out)
{
    if (*at + 2 > n)
        return -1;
    *out = (int16_t)(p[*at] << 8 | p[*at + 1]);
    *at += 2;
    return 0;
}

static int be32(const unsigned char *p, size_t n, size_t *at, int32_t *out)
{
    if (*at + 4 > n)
        return -1;
    *out = (int32_t)((uint32_t)p[*at] << 24 | (uint32_t)p[*at + 1] << 16 | (uint32_t)p[*at + 2] << 8 | p[*at + 3]);
    *at += 4;
    return 0;
}

/* Append the assignment's partitions to d->assigned for member m; -1 when
 * the bytes are not the consumer protocol (the member shows "-"). */
static int decode_assignment(description *d, size_t m, const unsigned char *p, size_t n)
{
    size_t at = 0;
    int version, len;
    int32_t topics;
    if (be16(p, n, &at, &version) || version < 0 || be32(p, n, &at, &topics) || topics < 0)
        return -1;
    for (int32_t t = 0; t < topics; t++) {
        if (be16(p, n, &at, &len) || len < 0 || at + (size_t)len > n)
            return -1;
        char topic[256];
        snprintf(topic, sizeof topic, "%.*s", len, (const char *)p + at);
        at += (size_t)len;
        int32_t parts;
        if (be32(p, n, &at, &parts) || parts < 0)
            return -1;
        for (int32_t k = 0; k < parts; k++) {
            int32_t partition;
            if (be32(p, n, &at, &partition) || d->assigned_count == MAX_ASSIGNED)
                return -1;
            assigned *a = &d->assigned[d->assigned_count++];
            snprintf(a->topic, sizeof a->topic, "%s", topic);
            a->partition = partition;
            a->member = m;
        }
    }
    return 0;
}

static void assignment_text(const description *d, const member *m, char *out, size_t len)
{
    size_t used = 0;
    snprintf(out, len, "-");
    for (size_t i = 0; i < m->count && used + 20 < len; i++) {
        const assigned *a = &d->assigned[m->first + i];
        used += (size_t)snprintf(out + used, len - used, "%s%s-%d", i ? "," : "", a->topic, a->partition);
    }
}

static void read_members(description *d, const msgpack_object *resp)
{
    const msgpack_object *ms = map_get(resp, "members");
    size_t n = ms && ms->type == MSGPACK_OBJECT_ARRAY ? ms->via.array.size : 0;
    d->members = calloc(n ? n : 1, sizeof *d->members);
    for (size_t i = 0; d->members && i < n; i++) {
        const msgpack_object *o = &ms->via.array.ptr[i], *asg = map_get(o, "assignment");
        member *m = &d->members[d->member_count++];
        copy_text(m->id, sizeof m->id, map_get(o, "member_id"));
        copy_text(m->instance, sizeof m->instance, map_get(o, "instance_id"));
        copy_text(m->client, sizeof m->client, map_get(o, "client_id"));
        copy_text(m->host, sizeof m->host, map_get(o, "client_host"));
        m->first = d->assigned_count;
        if (strcmp(d->protocol_type, "consumer") == 0 && asg && asg->type == MSGPACK_OBJECT_BIN &&
            decode_assignment(d, i, (const unsigned char *)asg->via.bin.ptr, asg->via.bin.size))
            d->assigned_count = m->first; /* not the consumer protocol after all */
        m->count = d->assigned_count - m->first;
        assignment_text(d, m, m->assignment, sizeof m->assignment);
    }
}

/* The committed offsets (copied: each later call reuses the response), with each partition's log end. */
static int read_offsets(client *c, description *d, const char *group)
{
    client_begin(c, "fetch_offsets", 1);
    pack_kv_str(&c->pk, "group", group);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "fetch committed offsets"))
        return -1;
    const msgpack_object *offsets = map_get(resp, "offsets");
    size_t n = offsets && offsets->type == MSGPACK_OBJECT_ARRAY ? offsets->via.array.size : 0;
    if (!(d->offsets = calloc(n ? n : 1, sizeof *d->offsets)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *o = &offsets->via.array.ptr[i];
        offset_row *r = &d->offsets[d->offset_count++];
        copy_text(r->topic, sizeof r->topic, map_get(o, "topic"));
        r->partition = (int32_t)map_int(o, "partition", -1);
        r->committed = map_int(o, "offset", -1);
    }
    for (size_t i = 0; i < d->offset_count; i++) {
        offset_row *r = &d->offsets[i];
        client_begin(c, "list_offsets", 2);
        pack_kv_str(&c->pk, "topic", r->topic);
        pack_kv_int(&c->pk, "partition", r->partition);
        if (!(resp = client_call(c)))
            return -1;
        r->log_end = map_int(resp, "error", 0) ? -1 : map_int(resp, "latest", -1); /* -1: a deleted topic */
    }
    return 0;
}

static const char *owner(const description *d, const offset_row *r)
{
    for (size_t i = 0; i < d->assigned_count; i++)
        if (d->assigned[i].partition == r->partition && strcmp(d->assigned[i].topic, r->topic) == 0)
            return d->members[d->assigned[i].member].client;
    return "-";
}

static int64_t lag(const offset_row *r)
{
    return r->committed < 0 || r->log_end < 0 ? -1 : r->log_end > r->committed ? r->log_end - r->committed : 0;
}

/* ---- printing ---------------------------------------------------------------------- */

static void json_text(const char *key, const char *value, int comma)
{
    printf("%s\"%s\":", comma ? "," : "", key);
    json_string(stdout, value, strlen(value));
}

static void print_described_json(const char *group, const description *d)
{
    printf("{");
    json_text("group", group, 0);
    json_text("state", d->state, 1);
    json_text("protocol_type", d->protocol_type, 1);
    json_text("protocol", d->protocol, 1);
    printf(",\"members\":[");
    for (size_t i = 0; i < d->member_count; i++) {
        const member *m = &d->members[i];
        printf("%s{", i ? "," : "");
        json_text("member_id", m->id, 0);
        json_text("instance_id", m->instance, 1);
        json_text("client_id", m->client, 1);
        json_text("client_host", m->host, 1);
        printf(",\"assignment\":[");
        for (size_t k = 0; k < m->count; k++) {
            printf("%s{", k ? "," : "");
            json_text("topic", d->assigned[m->first + k].topic, 0);
            printf(",\"partition\":%d}", d->assigned[m->first + k].partition);
        }
        printf("]}");
    }
    printf("],\"offsets\":[");
    for (size_t i = 0; i < d->offset_count; i++) {
        const offset_row *r = &d->offsets[i];
        printf("%s{", i ? "," : "");
        json_text("topic", r->topic, 0);
        printf(",\"partition\":%d,\"committed\":%lld,\"log_end\":%lld,\"lag\":%lld", r->partition,
               (long long)r->committed, (long long)r->log_end, (long long)lag(r));
        json_text("member", owner(d, r), 1);
        printf("}");
    }
    printf("]}\n");
}

static void print_described(const char *group, const description *d)
{
    printf("group %s: %s, protocol %s (%s), %zu member(s)\n\n", group, d->state, *d->protocol ? d->protocol : "-",
           *d->protocol_type ? d->protocol_type : "-", d->member_count);
    static const char *const mh[] = {"MEMBER-ID", "INSTANCE-ID", "CLIENT-ID", "HOST", "ASSIGNMENT"};
    table t;
    table_init(&t, 5, mh);
    for (size_t i = 0; i < d->member_count; i++) {
        const member *m = &d->members[i];
        table_add(&t, (const char *const[]){m->id, m->instance, m->client, m->host, m->assignment});
    }
    if (d->member_count) {
        table_print(&t, stdout);
        printf("\n");
    }
    table_free(&t);
    static const char *const oh[] = {"TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "MEMBER"};
    table_init(&t, 6, oh);
    for (size_t i = 0; i < d->offset_count; i++) {
        const offset_row *r = &d->offsets[i];
        char p[16], c[24], e[24], l[24];
        snprintf(p, sizeof p, "%d", r->partition);
        snprintf(c, sizeof c, "%lld", (long long)r->committed);
        snprintf(e, sizeof e, "%lld", (long long)r->log_end);
        snprintf(l, sizeof l, "%lld", (long long)lag(r));
        table_add(&t,
                  (const char *const[]){r->topic, p, c, r->log_end < 0 ? "-" : e, lag(r) < 0 ? "-" : l, owner(d, r)});
    }
    table_print(&t, stdout);
    table_free(&t);
}

int group_describe(const global_opts *g, client *c, const char *group)
{
    description d = {0};
    client_begin(c, "describe_group", 1);
    pack_kv_str(&c->pk, "group", group);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "describe group"))
        return 1;
    copy_text(d.state, sizeof d.state, map_get(resp, "state"));
    copy_text(d.protocol, sizeof d.protocol, map_get(resp, "protocol"));
    copy_text(d.protocol_type, sizeof d.protocol_type, map_get(resp, "protocol_type"));
    d.assigned = calloc(MAX_ASSIGNED, sizeof *d.assigned);
    int rc = d.assigned ? 0 : 1;
    if (!rc) {
        read_members(&d, resp);
        rc = read_offsets(c, &d, group) ? 1 : 0;
    }
    if (!rc && d.member_count == 0 && d.offset_count == 0 && strcmp(d.state, "Dead") == 0) {
        fprintf(stderr, "brookctl: no group \"%s\" (it has no members and no committed offsets)\n", group);
        rc = 1;
    } else if (!rc) {
        if (g->json)
            print_described_json(group, &d);
        else
            print_described(group, &d);
    }
    free(d.members);
    free(d.assigned);
    free(d.offsets);
    return rc;
}
