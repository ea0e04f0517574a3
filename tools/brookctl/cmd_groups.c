/* brookctl groups list | describe G | delete G | reset-offsets G ...
 * (describe: group_describe.c, reset-offsets: group_reset.c), and the
 * committed-offset helpers `consume --group` uses. */
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
                 "       brookctl groups reset-offsets GROUP --topic T [--partitions P,P...] [--dry-run]\n"
                 "         (--to-earliest | --to-latest | --to-offset N | --to-datetime WHEN | --shift-by N)\n"
                 "describe shows the state, the members (client id, host, assigned partitions) and per\n"
                 "partition the committed offset, the log end, the lag and the member consuming it; an\n"
                 "unknown group exits 1. delete and reset-offsets need a group without members.\n");
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

static int list(const global_opts *g, client *c)
{
    client_begin(c, "list_groups", 0);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "list groups"))
        return 1;
    if (g->json) {
        print_json(stdout, resp);
        return 0;
    }
    static const char *const headers[] = {"GROUP", "STATE", "PROTOCOL-TYPE"};
    table t;
    table_init(&t, 3, headers);
    const msgpack_object *groups = map_get(resp, "groups");
    for (uint32_t i = 0; groups && groups->type == MSGPACK_OBJECT_ARRAY && i < groups->via.array.size; i++) {
        const msgpack_object *o = &groups->via.array.ptr[i];
        char name[256], state[64], type[64];
        table_add(&t, (const char *const[]){obj_text(map_get(o, "group"), name, sizeof name),
                                            obj_text(map_get(o, "state"), state, sizeof state),
                                            obj_text(map_get(o, "protocol_type"), type, sizeof type)});
    }
    table_print(&t, stdout);
    table_free(&t);
    return 0;
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
        rc = group_reset_offsets(g, &c, argv[2], argc - 2, argv + 2);
    } else if (client_connect(&c, g->broker, g->timeout_ms)) {
        return 1;
    } else if (strcmp(sub, "list") == 0) {
        rc = list(g, &c);
    } else if (strcmp(sub, "describe") == 0) {
        rc = group_describe(g, &c, argv[2]);
    } else {
        rc = delete_group(&c, argv[2]);
    }
    client_close(&c);
    return rc;
}
