/* brookctl groups list | describe G | delete G | reset-offsets G --topic T
 * (--to-earliest | --to-latest | --to-offset N), and the committed-offset
 * helpers `consume --group` uses. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl groups list\n"
                 "       brookctl groups describe GROUP\n"
                 "       brookctl groups delete GROUP\n"
                 "       brookctl groups reset-offsets GROUP --topic T (--to-earliest | --to-latest | --to-offset N)\n"
                 "describe shows the state, the members and per partition the committed offset, the log end\n"
                 "and the lag (\"offset TOPIC PARTITION COMMITTED LOG-END LAG\"); delete and reset-offsets need\n"
                 "a group without members.\n");
}

int group_commit(client *c, const char *group, const char *topic, const int64_t *offsets, int32_t first, int32_t count)
{
    client_begin(c, "commit_offsets", 2);
    pack_kv_str(&c->pk, "group", group);
    pack_str(&c->pk, "offsets");
    int32_t n = 0;
    for (int32_t i = 0; i < count; i++)
        n += offsets[i] >= 0;
    msgpack_pack_array(&c->pk, (size_t)n);
    for (int32_t i = 0; i < count; i++) {
        if (offsets[i] < 0)
            continue;
        msgpack_pack_map(&c->pk, 3);
        pack_kv_str(&c->pk, "topic", topic);
        pack_kv_int(&c->pk, "partition", first + i);
        pack_kv_int(&c->pk, "offset", offsets[i]);
    }
    const msgpack_object *resp = client_call(c);
    char what[320];
    snprintf(what, sizeof what, "commit offsets of group \"%s\"", group);
    return !resp || report_error(resp, what) ? -1 : 0;
}

int group_committed(client *c, const char *group, const char *topic, int64_t *offsets, int32_t first, int32_t count)
{
    for (int32_t i = 0; i < count; i++)
        offsets[i] = -1;
    client_begin(c, "fetch_offsets", 2);
    pack_kv_str(&c->pk, "group", group);
    pack_kv_str(&c->pk, "topic", topic);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "fetch committed offsets"))
        return -1;
    const msgpack_object *list = map_get(resp, "offsets");
    for (uint32_t i = 0; list && list->type == MSGPACK_OBJECT_ARRAY && i < list->via.array.size; i++) {
        int64_t p = map_int(&list->via.array.ptr[i], "partition", -1) - first;
        if (p >= 0 && p < count)
            offsets[p] = map_int(&list->via.array.ptr[i], "offset", -1);
    }
    return 0;
}

static int list(client *c)
{
    client_begin(c, "list_groups", 0);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "list groups"))
        return 1;
    const msgpack_object *groups = map_get(resp, "groups");
    for (uint32_t i = 0; groups && groups->type == MSGPACK_OBJECT_ARRAY && i < groups->via.array.size; i++) {
        const msgpack_object *g = &groups->via.array.ptr[i];
        print_str(stdout, map_get(g, "group"));
        printf("\t");
        print_str(stdout, map_get(g, "state"));
        printf("\t");
        print_str(stdout, map_get(g, "protocol_type"));
        printf("\n");
    }
    return 0;
}

typedef struct committed {
    char topic[256];
    int32_t partition;
    int64_t offset;
} committed;

/* "offset  TOPIC  PARTITION  COMMITTED  LOG-END  LAG", the log end being the
 * high watermark (what a consumer can reach); "-" when it cannot be read
 * (a deleted topic). */
static int print_offset_row(client *c, const committed *r)
{
    client_begin(c, "list_offsets", 2);
    pack_kv_str(&c->pk, "topic", r->topic);
    pack_kv_int(&c->pk, "partition", r->partition);
    const msgpack_object *resp = client_call(c);
    if (!resp)
        return 1;
    printf("offset\t%s\t%d\t%lld\t", r->topic, r->partition, (long long)r->offset);
    if (map_int(resp, "error", 0) != 0) {
        printf("-\t-\n");
        return 0;
    }
    int64_t end = map_int(resp, "latest", 0);
    printf("%lld\t%lld\n", (long long)end, (long long)(r->offset >= 0 && end > r->offset ? end - r->offset : 0));
    return 0;
}

static int describe(client *c, const char *group)
{
    client_begin(c, "describe_group", 1);
    pack_kv_str(&c->pk, "group", group);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "describe group"))
        return 1;
    printf("group %s: ", group);
    print_str(stdout, map_get(resp, "state"));
    printf(", protocol ");
    print_str(stdout, map_get(resp, "protocol"));
    printf("\n");
    const msgpack_object *members = map_get(resp, "members");
    for (uint32_t i = 0; members && members->type == MSGPACK_OBJECT_ARRAY && i < members->via.array.size; i++) {
        const msgpack_object *m = &members->via.array.ptr[i];
        printf("member\t");
        print_str(stdout, map_get(m, "member_id"));
        printf("\t");
        print_str(stdout, map_get(m, "client_id"));
        printf("\t");
        print_str(stdout, map_get(m, "client_host"));
        printf("\n");
    }
    client_begin(c, "fetch_offsets", 1);
    pack_kv_str(&c->pk, "group", group);
    if (!(resp = client_call(c)) || report_error(resp, "fetch committed offsets"))
        return 1;
    const msgpack_object *offsets = map_get(resp, "offsets");
    uint32_t n = offsets && offsets->type == MSGPACK_OBJECT_ARRAY ? offsets->via.array.size : 0;
    committed *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        return 1;
    /* copied out: the next call reuses the response buffer */
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *o = &offsets->via.array.ptr[i], *t = map_get(o, "topic");
        if (t && t->type == MSGPACK_OBJECT_STR)
            snprintf(rows[i].topic, sizeof rows[i].topic, "%.*s", (int)t->via.str.size, t->via.str.ptr);
        rows[i].partition = (int32_t)map_int(o, "partition", -1);
        rows[i].offset = map_int(o, "offset", -1);
    }
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = print_offset_row(c, &rows[i]);
    free(rows);
    return rc;
}

static int delete_group(client *c, const char *group)
{
    client_begin(c, "delete_group", 1);
    pack_kv_str(&c->pk, "group", group);
    const msgpack_object *resp = client_call(c);
    char what[320];
    snprintf(what, sizeof what, "delete group \"%s\"", group);
    if (!resp || report_error(resp, what))
        return 1;
    printf("deleted group %s\n", group);
    return 0;
}

typedef enum reset_to { RESET_NONE, RESET_EARLIEST, RESET_LATEST, RESET_OFFSET } reset_to;

static int reset_offsets(const global_opts *g, client *c, const char *group, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"topic", required_argument, NULL, 't'}, {"to-earliest", no_argument, NULL, 'E'},
        {"to-latest", no_argument, NULL, 'L'},   {"to-offset", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *topic = NULL;
    reset_to to = RESET_NONE;
    int64_t offset = -1;
    int opt, choices = 0;
    while ((opt = getopt_long(argc, argv, "t:ELO:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 't': topic = optarg; break;
        case 'E': to = RESET_EARLIEST, choices++; break;
        case 'L': to = RESET_LATEST, choices++; break;
        case 'O':
            if (parse_int_opt("--to-offset", optarg, 0, INT64_MAX, &offset))
                return EXIT_USAGE;
            to = RESET_OFFSET, choices++;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!topic || choices != 1 || optind != argc) {
        fprintf(stderr, "brookctl: reset-offsets needs --topic and exactly one of --to-earliest, --to-latest, "
                        "--to-offset N\n");
        return EXIT_USAGE;
    }
    int32_t partitions = open_topic(g, c, topic, -1);
    if (partitions <= 0)
        return 1;
    int64_t *offsets = calloc((size_t)partitions, sizeof *offsets);
    if (!offsets)
        return 1;
    int rc = 0;
    for (int32_t p = 0; p < partitions && !rc; p++) {
        if (to == RESET_OFFSET) {
            offsets[p] = offset;
            continue;
        }
        client_begin(c, "list_offsets", 2);
        pack_kv_str(&c->pk, "topic", topic);
        pack_kv_int(&c->pk, "partition", p);
        const msgpack_object *resp = client_call(c);
        if (!resp || report_error(resp, "list offsets"))
            rc = 1;
        else
            offsets[p] = map_int(resp, to == RESET_EARLIEST ? "earliest" : "latest", 0);
    }
    if (!rc && group_commit(c, group, topic, offsets, 0, partitions))
        rc = 1;
    for (int32_t p = 0; p < partitions && !rc; p++)
        printf("%s\t%d\t%lld\n", topic, p, (long long)offsets[p]);
    free(offsets);
    return rc;
}

int cmd_groups(const global_opts *g, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    const char *sub = argv[1];
    int needs_group = strcmp(sub, "list") != 0;
    if (needs_group && (argc < 3 || argv[2][0] == '-')) {
        fprintf(stderr, "brookctl: groups %s needs a GROUP\n", sub);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "list") && strcmp(sub, "describe") && strcmp(sub, "delete") && strcmp(sub, "reset-offsets")) {
        fprintf(stderr, "brookctl: unknown groups command \"%s\"\n", sub);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "reset-offsets") != 0 && argc != (needs_group ? 3 : 2)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    client c = {.fd = -1}; /* safe to close before it connects */
    int rc;
    if (strcmp(sub, "reset-offsets") == 0) {
        optind = 0;
        rc = reset_offsets(g, &c, argv[2], argc - 2, argv + 2);
    } else if (client_connect(&c, g->broker, g->timeout_ms)) {
        return 1;
    } else if (strcmp(sub, "list") == 0) {
        rc = list(&c);
    } else if (strcmp(sub, "describe") == 0) {
        rc = describe(&c, argv[2]);
    } else {
        rc = delete_group(&c, argv[2]);
    }
    client_close(&c);
    return rc;
}
