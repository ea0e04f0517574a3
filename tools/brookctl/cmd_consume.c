/* brookctl consume: print records of one partition or of all of them.
 * Without --follow it stops at the end of every partition (the high
 * watermark); with --follow it waits for more, by long poll. With
 * --group it starts where the group committed and commits as it prints
 * (a commit from outside any generation: the group must have no Kafka
 * members at the time). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "record_format.h"

#define FOLLOW_WAIT_MS 500

typedef struct consume_opts {
    const char *topic;
    int64_t partition; /* -1: all */
    int from_beginning;
    int64_t offset; /* -1: not given */
    int64_t count;  /* -1: unlimited */
    int follow;
    record_format print; /* how each record is printed */
    const char *group;   /* NULL: no committed offsets */
    int read_committed;  /* skip aborted transactions, stop at the last stable offset */
} consume_opts;

typedef struct cursor {
    int64_t next;
    int at_end;
} cursor;

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl consume TOPIC [--partition P] [--from-beginning | --offset N]\n"
                 "                        [--count N] [--follow] [--key-separator C] [--delimiter C] [--group G]\n"
                 "                        [--format FMT] [--encoding text|hex|base64]\n"
                 "                        [--isolation-level read_uncommitted|read_committed]\n"
                 "Starts where group G committed (with --group), else at the end of each partition unless\n"
                 "--from-beginning or --offset N; with --group, commits what it printed. Prints each\n"
                 "record's value (\"key<C>value\" with --key-separator) followed by the delimiter (newline),\n"
                 "or --format's placeholders as kcat has them: %%t topic, %%p partition, %%o offset,\n"
                 "%%T timestamp, %%k key, %%v value, %%K/%%S key/value length, %%h headers (k=v,...), %%%%, \\n, \\t;\n"
                 "with --output json one object per record. --encoding shows keys and values (and header\n"
                 "values) as hex or base64 instead of their bytes.\n"
                 "Stops at the end of the partitions, after N records with --count, or never with --follow.\n"
                 "read_committed shows no record of an aborted transaction and none past the last stable\n"
                 "offset (a transaction still open holds it back); transactions' markers are never shown.\n");
}

/* Where a partition starts: earliest, latest or the given offset. */
static int start_offset(client *c, const consume_opts *o, int32_t partition, int64_t *out)
{
    if (o->offset >= 0) {
        *out = o->offset;
        return 0;
    }
    client_begin(c, "list_offsets", 2 + o->read_committed);
    pack_kv_str(&c->pk, "topic", o->topic);
    pack_kv_int(&c->pk, "partition", partition);
    if (o->read_committed)
        pack_kv_str(&c->pk, "isolation", "read_committed");
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "list offsets"))
        return -1;
    *out = map_int(resp, o->from_beginning ? "earliest" : "latest", 0);
    return 0;
}

/* Fetch once from one partition and print. Returns records printed, or -1. */
static int64_t fetch_once(client *c, const consume_opts *o, int32_t partition, cursor *cur, int wait_ms, int64_t limit)
{
    client_begin(c, "fetch", 4 + o->read_committed);
    pack_kv_str(&c->pk, "topic", o->topic);
    pack_kv_int(&c->pk, "partition", partition);
    pack_kv_int(&c->pk, "offset", cur->next);
    pack_kv_int(&c->pk, "max_wait_ms", wait_ms);
    if (o->read_committed)
        pack_kv_str(&c->pk, "isolation", "read_committed");
    const msgpack_object *resp = client_call(c);
    char what[320];
    snprintf(what, sizeof what, "fetch from %s-%d at offset %lld", o->topic, partition, (long long)cur->next);
    if (!resp || report_error(resp, what))
        return -1;
    const msgpack_object *records = map_get(resp, "records");
    int64_t printed = 0;
    for (uint32_t i = 0; records && records->type == MSGPACK_OBJECT_ARRAY && i < records->via.array.size; i++) {
        if (limit >= 0 && printed >= limit)
            break;
        const msgpack_object *r = &records->via.array.ptr[i];
        record_print(stdout, &o->print, o->topic, partition, r);
        cur->next = map_int(r, "offset", cur->next) + 1;
        printed++;
    }
    if (limit < 0 || printed < limit) {
        int64_t next = map_int(resp, "next_offset", cur->next);
        if (next > cur->next)
            cur->next = next;
    }
    cur->at_end = cur->next >= map_int(resp, o->read_committed ? "last_stable_offset" : "high_watermark", 0);
    return printed;
}

static int consume(client *c, const consume_opts *o, int32_t first, int32_t last)
{
    int32_t n = last - first + 1;
    cursor *cur = calloc((size_t)n, sizeof *cur);
    if (!cur)
        return 1;
    int64_t *committed = calloc((size_t)n, sizeof *committed);
    int rc = committed ? 0 : 1;
    if (!rc && o->group && o->offset < 0)
        rc = group_committed(c, o->group, o->topic, committed, first, n) ? 1 : 0;
    else
        for (int32_t p = 0; p < n && committed; p++)
            committed[p] = -1;
    for (int32_t p = 0; p < n && !rc; p++) {
        if (committed[p] >= 0)
            cur[p].next = committed[p];
        else
            rc = start_offset(c, o, first + p, &cur[p].next) ? 1 : 0;
    }
    int64_t remaining = o->count;
    while (!rc && remaining != 0) {
        int all_at_end = 1;
        for (int32_t p = 0; p < n && !rc && remaining != 0; p++) {
            if (cur[p].at_end && !o->follow)
                continue;
            /* Long poll only when following a single partition; with several,
             * a short wait keeps the others moving. */
            int wait = o->follow ? (n == 1 ? FOLLOW_WAIT_MS : 50) : 0;
            int64_t got = fetch_once(c, o, first + p, &cur[p], wait, remaining);
            if (got < 0) {
                rc = 1;
                break;
            }
            if (remaining > 0)
                remaining -= got;
            all_at_end &= cur[p].at_end;
            if (got > 0 && o->group) { /* printed: commit where to go on */
                fflush(stdout);
                rc = group_commit(c, o->group, o->topic, &cur[p].next, first + p, 1) ? 1 : 0;
            }
        }
        fflush(stdout);
        if (all_at_end && !o->follow)
            break;
    }
    free(cur);
    free(committed);
    return rc;
}

int cmd_consume(const global_opts *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"partition", required_argument, NULL, 'p'},
        {"from-beginning", no_argument, NULL, 'B'},
        {"offset", required_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'n'},
        {"follow", no_argument, NULL, 'F'},
        {"key-separator", required_argument, NULL, 'K'},
        {"delimiter", required_argument, NULL, 'D'},
        {"group", required_argument, NULL, 'G'},
        {"format", required_argument, NULL, 'f'},
        {"encoding", required_argument, NULL, 'e'},
        {"isolation-level", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    consume_opts o = {
        .partition = -1, .offset = -1, .count = -1, .print = {.key_sep = -1, .delimiter = '\n', .json = g->json}};
    const char *problem;
    int opt;
    while ((opt = getopt_long(argc, argv, "p:Bo:n:FK:D:G:f:e:I:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (parse_int_opt("--partition", optarg, 0, INT32_MAX, &o.partition))
                return EXIT_USAGE;
            break;
        case 'B': o.from_beginning = 1; break;
        case 'o':
            if (parse_int_opt("--offset", optarg, 0, INT64_MAX, &o.offset))
                return EXIT_USAGE;
            break;
        case 'n':
            if (parse_int_opt("--count", optarg, 1, INT64_MAX, &o.count))
                return EXIT_USAGE;
            break;
        case 'F': o.follow = 1; break;
        case 'K':
            if (parse_char_opt("--key-separator", optarg, &o.print.key_sep))
                return EXIT_USAGE;
            break;
        case 'D':
            if (parse_char_opt("--delimiter", optarg, &o.print.delimiter))
                return EXIT_USAGE;
            break;
        case 'G': o.group = optarg; break;
        case 'f':
            if ((problem = record_format_problem(optarg))) {
                fprintf(stderr, "brookctl: --format \"%s\": %s\n", optarg, problem);
                return EXIT_USAGE;
            }
            o.print.format = optarg;
            break;
        case 'e':
            if (strcmp(optarg, "text") && strcmp(optarg, "hex") && strcmp(optarg, "base64")) {
                fprintf(stderr, "brookctl: --encoding is text, hex or base64\n");
                return EXIT_USAGE;
            }
            o.print.encoding = optarg[0] == 'h' ? ENC_HEX : optarg[0] == 'b' ? ENC_BASE64 : ENC_TEXT;
            break;
        case 'I':
            if (strcmp(optarg, "read_committed") && strcmp(optarg, "read_uncommitted")) {
                fprintf(stderr, "brookctl: --isolation-level is read_uncommitted or read_committed\n");
                return EXIT_USAGE;
            }
            o.read_committed = optarg[5] == 'c';
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || (o.from_beginning && o.offset >= 0)) {
        if (o.from_beginning && o.offset >= 0)
            fprintf(stderr, "brookctl: --from-beginning and --offset exclude each other\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    o.topic = argv[optind];
    client c;
    int rc = 1;
    int32_t partitions = open_topic(g, &c, o.topic, o.partition);
    if (partitions > 0)
        rc = consume(&c, &o, o.partition >= 0 ? (int32_t)o.partition : 0,
                     o.partition >= 0 ? (int32_t)o.partition : partitions - 1);
    client_close(&c);
    return rc;
}
