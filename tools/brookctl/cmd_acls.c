/* brookctl acls list | add | remove: the authorizer's rules over the
 * native protocol (describe_acls, create_acl, delete_acls), the same rules
 * Kafka's admin clients see (auth-acl keeps them in its file). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "output.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl acls list   [FILTER]\n"
                 "       brookctl acls add    (--allow | --deny) --principal P --operation OP RESOURCE [--prefixed] "
                 "[--host H]\n"
                 "       brookctl acls remove FILTER | --all\n"
                 "RESOURCE: --topic NAME | --group NAME | --transactional-id NAME | --cluster\n"
                 "          (NAME \"*\": every one)\n"
                 "OP: READ, WRITE, CREATE, DELETE, DESCRIBE, ALTER, CLUSTER_ACTION or ALL\n"
                 "FILTER: any of --principal, --host, --operation, --allow/--deny, RESOURCE, --prefixed/--literal,\n"
                 "        and --match NAME (with --topic/--group: every rule that applies to NAME)\n"
                 "Rules are the authorizer's (auth-acl keeps them in its file); changing them needs ALTER on the\n"
                 "cluster, listing DESCRIBE. Principals look like User:alice (User:* is anyone).\n");
}

typedef struct acl_args {
    const char *permission, *principal, *host, *operation, *type, *name, *pattern;
    int all;
} acl_args;

static int set_resource(acl_args *a, const char *type, const char *name)
{
    if (a->type) {
        fprintf(stderr, "brookctl: give one of --topic, --group, --transactional-id, --cluster\n");
        return -1;
    }
    a->type = type;
    a->name = name;
    return 0;
}

static int parse(int argc, char **argv, acl_args *a)
{
    static const struct option longopts[] = {
        {"allow", no_argument, NULL, 'A'},
        {"deny", no_argument, NULL, 'D'},
        {"principal", required_argument, NULL, 'p'},
        {"host", required_argument, NULL, 'H'},
        {"operation", required_argument, NULL, 'o'},
        {"topic", required_argument, NULL, 't'},
        {"group", required_argument, NULL, 'g'},
        {"transactional-id", required_argument, NULL, 'x'},
        {"cluster", no_argument, NULL, 'c'},
        {"prefixed", no_argument, NULL, 'P'},
        {"literal", no_argument, NULL, 'L'},
        {"match", required_argument, NULL, 'm'},
        {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *match = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'A': a->permission = "allow"; break;
        case 'D': a->permission = "deny"; break;
        case 'p': a->principal = optarg; break;
        case 'H': a->host = optarg; break;
        case 'o': a->operation = optarg; break;
        case 't':
            if (set_resource(a, "topic", optarg))
                return EXIT_USAGE;
            break;
        case 'g':
            if (set_resource(a, "group", optarg))
                return EXIT_USAGE;
            break;
        case 'x':
            if (set_resource(a, "transactional_id", optarg))
                return EXIT_USAGE;
            break;
        case 'c':
            if (set_resource(a, "cluster", "kafka-cluster"))
                return EXIT_USAGE;
            break;
        case 'P': a->pattern = "prefixed"; break;
        case 'L': a->pattern = "literal"; break;
        case 'm': match = optarg; break;
        case 'a': a->all = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (match) {
        if (a->pattern) {
            fprintf(stderr, "brookctl: --match picks the rules by name: leave out --prefixed/--literal\n");
            return EXIT_USAGE;
        }
        a->pattern = "match";
        a->name = match;
    }
    return -1;
}

/* The given fields of a rule or filter. */
static size_t pack_fields(msgpack_packer *pk, const acl_args *a, int count_only)
{
    const char *keys[] = {"permission", "principal", "host", "operation", "resource_type", "resource_name", "pattern"};
    const char *vals[] = {a->permission, a->principal, a->host, a->operation, a->type, a->name, a->pattern};
    size_t n = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (!vals[i])
            continue;
        n++;
        if (!count_only)
            pack_kv_str(pk, keys[i], vals[i]);
    }
    return n;
}

static void print_rules(const global_opts *g, const msgpack_object *resp, const char *key)
{
    if (g->json) {
        print_json(stdout, resp);
        return;
    }
    static const char *const headers[] = {"PERMISSION", "PRINCIPAL", "HOST", "OPERATION",
                                          "RESOURCE",   "PATTERN",   "NAME"};
    static const char *const fields[] = {"permission",    "principal", "host",         "operation",
                                         "resource_type", "pattern",   "resource_name"};
    table t;
    table_init(&t, 7, headers);
    const msgpack_object *rules = map_get(resp, key);
    for (uint32_t i = 0; rules && rules->type == MSGPACK_OBJECT_ARRAY && i < rules->via.array.size; i++) {
        char cells[7][1100];
        const char *row[7];
        for (int c = 0; c < 7; c++)
            row[c] = obj_text(map_get(&rules->via.array.ptr[i], fields[c]), cells[c], sizeof cells[c]);
        table_add(&t, row);
    }
    table_print(&t, stdout);
    table_free(&t);
}

int cmd_acls(const global_opts *g, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL;
    acl_args a = {0};
    /* parse: -1 go on, else the exit status (help printed, or bad usage) */
    int rc = sub ? parse(argc - 1, argv + 1, &a) : EXIT_USAGE;
    if (rc < 0 && optind != argc - 1) /* words after the options */
        rc = EXIT_USAGE;
    if (rc >= 0) {
        if (rc)
            usage(stderr);
        return rc;
    }
    const char *op = strcmp(sub, "list") == 0     ? "describe_acls"
                     : strcmp(sub, "add") == 0    ? "create_acl"
                     : strcmp(sub, "remove") == 0 ? "delete_acls"
                                                  : NULL;
    if (!op) {
        fprintf(stderr, "brookctl: unknown acls command \"%s\"\n", sub);
        usage(stderr);
        return EXIT_USAGE;
    }
    size_t fields = pack_fields(NULL, &a, 1);
    if (strcmp(sub, "add") == 0 && (!a.permission || !a.principal || !a.operation || !a.type)) {
        fprintf(stderr, "brookctl: acls add needs --allow or --deny, --principal, --operation and a resource\n");
        return EXIT_USAGE;
    }
    if (strcmp(sub, "remove") == 0 && !fields && !a.all) {
        fprintf(stderr, "brookctl: acls remove without a filter would remove every rule: give one, or --all\n");
        return EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    client_begin(&c, op, fields);
    pack_fields(&c.pk, &a, 0);
    const msgpack_object *resp = client_call(&c);
    char what[64];
    snprintf(what, sizeof what, "acls %s", sub);
    rc = !resp || report_error(resp, what);
    if (!rc && strcmp(sub, "list") == 0)
        print_rules(g, resp, "acls");
    else if (!rc && strcmp(sub, "remove") == 0)
        print_rules(g, resp, "deleted");
    client_close(&c);
    return rc;
}
