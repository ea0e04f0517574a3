/* brookctl topics create | delete | list */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl topics create NAME [--partitions N]\n"
                 "       brookctl topics delete NAME\n"
                 "       brookctl topics list\n");
}

/* Send a request already begun and filled, report the outcome for `name`. */
static int finish_topic_call(client *c, const char *verb, const char *done, const char *name)
{
    const msgpack_object *resp = client_call(c);
    if (!resp)
        return 1;
    char what[320];
    snprintf(what, sizeof what, "%s topic \"%s\"", verb, name);
    if (report_error(resp, what))
        return 1;
    printf("%s topic %s\n", done, name);
    return 0;
}

static int create(client *c, const char *name, int64_t partitions)
{
    client_begin(c, "create_topic", partitions > 0 ? 2 : 1);
    pack_kv_str(&c->pk, "topic", name);
    if (partitions > 0)
        pack_kv_int(&c->pk, "partitions", partitions);
    return finish_topic_call(c, "create", "created", name);
}

static int delete_topic(client *c, const char *name)
{
    client_begin(c, "delete_topic", 1);
    pack_kv_str(&c->pk, "topic", name);
    return finish_topic_call(c, "delete", "deleted", name);
}

static int list(client *c)
{
    client_begin(c, "list_topics", 0);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "list topics"))
        return 1;
    const msgpack_object *topics = map_get(resp, "topics");
    for (uint32_t i = 0; topics && topics->type == MSGPACK_OBJECT_ARRAY && i < topics->via.array.size; i++) {
        const msgpack_object *t = &topics->via.array.ptr[i];
        const msgpack_object *name = map_get(t, "name");
        if (name && name->type == MSGPACK_OBJECT_STR)
            printf("%.*s\t%lld\n", (int)name->via.str.size, name->via.str.ptr, (long long)map_int(t, "partitions", -1));
    }
    return 0;
}

int cmd_topics(const global_opts *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"partitions", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int64_t partitions = -1;
    int opt;
    while ((opt = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (parse_int_opt("--partitions", optarg, 1, 100000, &partitions))
                return EXIT_USAGE;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    const char *action = optind < argc ? argv[optind] : NULL;
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int want_name = action && (strcmp(action, "create") == 0 || strcmp(action, "delete") == 0);
    int is_list = action && strcmp(action, "list") == 0;
    if (!action || (!want_name && !is_list) || (want_name && (!name || optind + 2 != argc)) ||
        (is_list && optind + 1 != argc) || (partitions > 0 && (!action || strcmp(action, "create") != 0))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms)) {
        client_close(&c);
        return 1;
    }
    int rc;
    if (strcmp(action, "create") == 0)
        rc = create(&c, name, partitions);
    else if (strcmp(action, "delete") == 0)
        rc = delete_topic(&c, name);
    else
        rc = list(&c);
    client_close(&c);
    return rc;
}
