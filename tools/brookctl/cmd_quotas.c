/* brookctl quotas list | set ENTITY KEY=RATE... | delete ENTITY KEY...
 *
 * Kafka's client quotas (native ops describe_client_quotas and
 * alter_client_quotas): producer_byte_rate and consumer_byte_rate, in
 * bytes per second, for a user (--user NAME, or --default-user), a client
 * id (--client-id ID, or --default-client-id), or both. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "output.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl quotas list\n"
                 "       brookctl quotas set ENTITY KEY=RATE...\n"
                 "       brookctl quotas delete ENTITY KEY...\n"
                 "  ENTITY: --user NAME or --default-user, --client-id ID or --default-client-id, or one\n"
                 "  of each; KEY: producer_byte_rate or consumer_byte_rate (bytes per second). A client\n"
                 "  gets the most specific quota that matches it (Kafka's order: user and client id,\n"
                 "  user, default user, client id, default client id; docs/operations.md)\n");
}

/* One part of the entity: absent (0), the default (1) or a name (2). */
typedef struct part {
    int kind;
    const char *name;
} part;

static void pack_part(msgpack_packer *pk, const char *field, const part *p)
{
    if (!p->kind)
        return;
    pack_str(pk, field);
    if (p->kind == 2)
        pack_str(pk, p->name);
    else
        msgpack_pack_nil(pk);
}

/* "--user alice" / "user (default)" */
static void print_part(const msgpack_object *q, const char *field, const char *label, int *first)
{
    const msgpack_object *v = map_get(q, field);
    if (!v)
        return;
    printf("%s%s ", *first ? "" : "\t", label);
    *first = 0;
    if (v->type == MSGPACK_OBJECT_NIL)
        printf("(default)");
    else
        print_str(stdout, v);
}

static int list(const global_opts *g, client *c)
{
    client_begin(c, "describe_client_quotas", 0);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "describe client quotas"))
        return 1;
    if (g->json) {
        print_json(stdout, resp);
        return 0;
    }
    const msgpack_object *quotas = map_get(resp, "quotas");
    for (uint32_t i = 0; quotas && quotas->type == MSGPACK_OBJECT_ARRAY && i < quotas->via.array.size; i++) {
        const msgpack_object *q = &quotas->via.array.ptr[i], *values = map_get(q, "values");
        int first = 1;
        print_part(q, "user", "user", &first);
        print_part(q, "client_id", "client-id", &first);
        for (uint32_t k = 0; values && values->type == MSGPACK_OBJECT_MAP && k < values->via.map.size; k++) {
            printf("\t");
            print_str(stdout, &values->via.map.ptr[k].key);
            printf(" %lld", (long long)values->via.map.ptr[k].val.via.i64);
        }
        printf("\n");
    }
    return 0;
}

static int change(client *c, const part *user, const part *client_id, int set, char **args, int n)
{
    int64_t rates[16];
    for (int i = 0; set && i < n; i++) {
        char *eq = strchr(args[i], '=');
        if (!eq || eq == args[i]) {
            fprintf(stderr, "brookctl: %s: expected KEY=RATE\n", args[i]);
            return EXIT_USAGE;
        }
        *eq = 0;
        if (parse_int_opt(args[i], eq + 1, 1, INT64_MAX, &rates[i]))
            return EXIT_USAGE;
    }
    client_begin(c, "alter_client_quotas", (user->kind != 0) + (client_id->kind != 0) + 1);
    pack_part(&c->pk, "user", user);
    pack_part(&c->pk, "client_id", client_id);
    pack_str(&c->pk, set ? "set" : "delete");
    if (set)
        msgpack_pack_map(&c->pk, (size_t)n);
    else
        msgpack_pack_array(&c->pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        pack_str(&c->pk, args[i]);
        if (set)
            msgpack_pack_int64(&c->pk, rates[i]);
    }
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, set ? "set client quotas" : "delete client quotas"))
        return 1;
    printf("%s\n", set ? "set" : "deleted");
    return 0;
}

int cmd_quotas(const global_opts *g, int argc, char **argv)
{
    static const struct option longopts[] = {{"user", required_argument, NULL, 'u'},
                                             {"default-user", no_argument, NULL, 'U'},
                                             {"client-id", required_argument, NULL, 'c'},
                                             {"default-client-id", no_argument, NULL, 'C'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    part user = {0}, client_id = {0};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'u': user = (part){2, optarg}; break;
        case 'U': user = (part){1, NULL}; break;
        case 'c': client_id = (part){2, optarg}; break;
        case 'C': client_id = (part){1, NULL}; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    const char *act = optind < argc ? argv[optind] : "";
    int n = argc - optind - 1, is_list = strcmp(act, "list") == 0, set = strcmp(act, "set") == 0;
    if (!(is_list && n == 0 && !user.kind && !client_id.kind) &&
        !((set || strcmp(act, "delete") == 0) && n > 0 && n <= 16 && (user.kind || client_id.kind))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    int rc = is_list ? list(g, &c) : change(&c, &user, &client_id, set, argv + optind + 1, n);
    client_close(&c);
    return rc;
}
