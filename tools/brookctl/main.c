/* brookctl: administer, produce to and consume from a Brook broker over
 * the native protocol. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brook/plugin.h>

#include "commands.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl [-b host:port] [--timeout-ms N] COMMAND ...\n"
                 "\n"
                 "commands:\n"
                 "  topics create NAME [--partitions N] [--replication-factor R] [--config K=V]...\n"
                 "                                        create a topic (with Kafka's topic configs)\n"
                 "  topics delete NAME                    delete a topic and its data\n"
                 "  topics list                           list topics with partition counts\n"
                 "  topics describe NAME                  partitions, offsets, replicas and configs with sources\n"
                 "  topics alter-config NAME --set K=V --delete K   change a topic's configs, live\n"
                 "  topics add-partitions NAME --to N     grow a topic\n"
                 "  topics delete-records NAME --partition P --before OFFSET   move a log's start\n"
                 "  produce TOPIC [options]               send lines from stdin (or --file) as records\n"
                 "  consume TOPIC [options]               print records (--group G: resume and commit)\n"
                 "  groups list | describe G | delete G   consumer groups and their committed offsets\n"
                 "  groups reset-offsets G --topic T ...  move a group's committed offsets\n"
                 "  users add|delete NAME | list --file F edit auth-plain's credentials file\n"
                 "  acls list | add | remove ...          the authorizer's rules (auth-acl)\n"
                 "  quotas list | set | delete ...        client quotas: byte rates per user and client id\n"
                 "  transactions list | describe | abort  the transactions the coordinators hold\n"
                 "  cluster                               the cluster id, the controller and the live brokers\n"
                 "\n"
                 "options:\n"
                 "  -b, --broker host:port   broker's native listener (default $BROOK_BROKER or 127.0.0.1:9093)\n"
                 "      --timeout-ms N       connection timeout (default 5000)\n"
                 "      --user U --password P  authenticate with SASL (default $BROOK_USER, $BROOK_PASSWORD)\n"
                 "      --sasl-mechanism M   PLAIN (default), SCRAM-SHA-256 or SCRAM-SHA-512\n"
                 "      --tls                TLS, the broker's certificate checked against the system's CAs\n"
                 "      --tls-ca F           ... against the CA certificates in F (implies --tls)\n"
                 "      --tls-cert F --tls-key K   a client certificate, for listeners that ask for one\n"
                 "  -o, --output text|json   how read commands print (json: for scripts)\n"
                 "      --version            brookctl's version\n"
                 "  -h, --help               help; `brookctl COMMAND --help` for a command's options\n");
}

int report_error(const msgpack_object *resp, const char *what)
{
    const char *msg;
    size_t len;
    int64_t code = client_error(resp, &msg, &len);
    if (code == 0)
        return 0;
    fprintf(stderr, "brookctl: %s: %.*s (error %lld)\n", what, (int)len, msg, (long long)code);
    return 1;
}

int parse_int_opt(const char *name, const char *value, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    long long v = strtoll(value, &end, 10);
    if (!*value || *end || v < lo || v > hi) {
        fprintf(stderr, "brookctl: %s must be an integer in [%lld, %lld], got \"%s\"\n", name, (long long)lo,
                (long long)hi, value);
        return -1;
    }
    *out = v;
    return 0;
}

int parse_char_opt(const char *name, const char *value, int *out)
{
    if (strcmp(value, "\\t") == 0)
        *out = '\t';
    else if (strcmp(value, "\\n") == 0)
        *out = '\n';
    else if (strcmp(value, "\\0") == 0)
        *out = '\0';
    else if (strlen(value) == 1)
        *out = (unsigned char)value[0];
    else {
        fprintf(stderr, "brookctl: %s must be one character (or \\t, \\n, \\0), got \"%s\"\n", name, value);
        return -1;
    }
    return 0;
}

int32_t topic_partitions(client *c, const char *topic)
{
    client_begin(c, "list_topics", 0);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "list topics"))
        return -1;
    const msgpack_object *topics = map_get(resp, "topics");
    for (uint32_t i = 0; topics && topics->type == MSGPACK_OBJECT_ARRAY && i < topics->via.array.size; i++) {
        const msgpack_object *t = &topics->via.array.ptr[i];
        const msgpack_object *name = map_get(t, "name");
        if (name && name->type == MSGPACK_OBJECT_STR && name->via.str.size == strlen(topic) &&
            memcmp(name->via.str.ptr, topic, name->via.str.size) == 0)
            return (int32_t)map_int(t, "partitions", -1);
    }
    fprintf(stderr,
            "brookctl: unknown topic \"%s\": create it with `brookctl topics create %s` (a broker creates a missing "
            "topic itself only when a Kafka client asks for it and topics.auto_create is true)\n",
            topic, topic);
    return -1;
}

int32_t open_topic(const global_opts *g, client *c, const char *topic, int64_t partition)
{
    if (client_connect(c, g->broker, g->timeout_ms))
        return -1;
    int32_t partitions = topic_partitions(c, topic);
    if (partitions > 0 && partition >= partitions) {
        fprintf(stderr, "brookctl: topic \"%s\" has %d partition(s); there is no partition %lld\n", topic, partitions,
                (long long)partition);
        return -1;
    }
    return partitions;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"broker", required_argument, NULL, 'b'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"user", required_argument, NULL, 'u'},
        {"password", required_argument, NULL, 'p'},
        {"output", required_argument, NULL, 'o'},
        {"version", no_argument, NULL, 'V'},
        {"tls", no_argument, NULL, 'T'},
        {"tls-ca", required_argument, NULL, 'C'},
        {"tls-cert", required_argument, NULL, 'E'},
        {"tls-key", required_argument, NULL, 'K'},
        {"sasl-mechanism", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    client_security sec = {0};
    global_opts g = {.broker = getenv("BROOK_BROKER"), .timeout_ms = 5000};
    const char *user = NULL, *password = NULL;
    if (!g.broker || !*g.broker)
        g.broker = "127.0.0.1:9093";
    int opt;
    /* '+': stop at the command, its options are its own */
    while ((opt = getopt_long(argc, argv, "+b:o:h", longopts, NULL)) != -1) {
        int64_t v;
        switch (opt) {
        case 'b': g.broker = optarg; break;
        case 't':
            if (parse_int_opt("--timeout-ms", optarg, 1, 3600000, &v))
                return EXIT_USAGE;
            g.timeout_ms = (int)v;
            break;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                fprintf(stderr, "brookctl: --output is text or json, got \"%s\"\n", optarg);
                return EXIT_USAGE;
            }
            g.json = strcmp(optarg, "json") == 0;
            break;
        case 'V':
            printf("brookctl %s (native protocol, plugin ABI %d.%d)\n", BROOK_VERSION, BROOK_ABI_MAJOR,
                   BROOK_ABI_MINOR);
            return 0;
        case 'T': sec.tls = 1; break;
        case 'C': sec.tls_ca = optarg, sec.tls = 1; break;
        case 'E': sec.tls_cert = optarg, sec.tls = 1; break;
        case 'K': sec.tls_key = optarg, sec.tls = 1; break;
        case 'M':
            if (strcmp(optarg, "PLAIN") && strcmp(optarg, "SCRAM-SHA-256") && strcmp(optarg, "SCRAM-SHA-512")) {
                fprintf(stderr, "brookctl: --sasl-mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512\n");
                return EXIT_USAGE;
            }
            sec.mechanism = optarg;
            break;
        case 'u': user = optarg; break;
        case 'p': password = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!user)
        user = getenv("BROOK_USER");
    if (!password)
        password = getenv("BROOK_PASSWORD");
    if (user && *user) {
        if (!password) {
            fprintf(stderr, "brookctl: --user needs --password (or $BROOK_PASSWORD)\n");
            return EXIT_USAGE;
        }
        sec.user = user;
        sec.password = password;
    }
    if (sec.tls_key && !sec.tls_cert) {
        fprintf(stderr, "brookctl: --tls-key goes with --tls-cert\n");
        return EXIT_USAGE;
    }
    client_set_security(&sec);
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0; /* reinitialize getopt for the command's own options */
    if (strcmp(cmd, "topics") == 0)
        return cmd_topics(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "produce") == 0)
        return cmd_produce(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "consume") == 0)
        return cmd_consume(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "groups") == 0)
        return cmd_groups(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "users") == 0)
        return cmd_users(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "cluster") == 0)
        return cmd_cluster(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "acls") == 0)
        return cmd_acls(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "quotas") == 0)
        return cmd_quotas(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "transactions") == 0)
        return cmd_transactions(&g, sub_argc, sub_argv);
    if (strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "brookctl: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
