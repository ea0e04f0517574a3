/* brookctl cluster: the brokers the broker knows are live, which one is
 * the controller, and the cluster id (native op describe_cluster). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl cluster\n"
                 "  the cluster id, the controller and every live broker (id, address, rack), as the broker\n"
                 "  given with -b sees them; a single broker lists itself as its own controller\n");
}

static void print_str(const msgpack_object *o)
{
    if (o && o->type == MSGPACK_OBJECT_STR)
        printf("%.*s", (int)o->via.str.size, o->via.str.ptr);
    else
        printf("-");
}

int cmd_cluster(const global_opts *g, int argc, char **argv)
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    client_begin(&c, "describe_cluster", 0);
    const msgpack_object *resp = client_call(&c);
    int rc = !resp || report_error(resp, "describe cluster");
    if (!rc) {
        int64_t controller = map_int(resp, "controller", -1);
        printf("cluster ");
        print_str(map_get(resp, "cluster_id"));
        printf("\ncontroller %lld\n", (long long)controller);
        const msgpack_object *brokers = map_get(resp, "brokers");
        for (uint32_t i = 0; brokers && brokers->type == MSGPACK_OBJECT_ARRAY && i < brokers->via.array.size; i++) {
            const msgpack_object *b = &brokers->via.array.ptr[i];
            int64_t id = map_int(b, "id", -1);
            printf("broker %lld\t", (long long)id);
            print_str(map_get(b, "host"));
            printf(":%lld\track ", (long long)map_int(b, "port", -1));
            print_str(map_get(b, "rack"));
            printf("%s\n", id == controller ? "\tcontroller" : "");
        }
    }
    client_close(&c);
    return rc;
}
