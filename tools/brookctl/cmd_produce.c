/* brookctl produce: records from stdin or a file, one per delimiter
 * (newline by default), optionally "key<SEP>value", sent in batches. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "partitioner.h"

#define BATCH_RECORDS 1000
#define BATCH_BYTES   (1u << 20)

typedef struct produce_opts {
    const char *topic;
    int64_t partition; /* -1: by key, else round-robin per batch */
    int key_sep;       /* -1: no keys */
    int delimiter;
    int64_t acks;
    const char *file;
} produce_opts;

typedef struct pending {
    char **records;
    size_t *lens;
    size_t count;
    size_t bytes;
} pending;

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl produce TOPIC [--partition P] [--key-separator C] [--delimiter C]\n"
                 "                        [--acks -1|1] [--file F]\n"
                 "Each line (or --delimiter-separated chunk) of stdin or F becomes one record; with\n"
                 "--key-separator the text before the first C is the key. Without --partition a keyed\n"
                 "record goes to murmur2(key) %% partitions (as Kafka's clients do), unkeyed batches\n"
                 "rotate over the partitions. Bytes are sent as they are: binary data works as long as\n"
                 "it does not contain the delimiter.\n");
}

/* Send the records for one partition in one request. */
static int send_batch(client *c, const produce_opts *o, int32_t partition, char **records, size_t *lens, size_t n)
{
    client_begin(c, "produce", 4);
    pack_kv_str(&c->pk, "topic", o->topic);
    pack_kv_int(&c->pk, "partition", partition);
    pack_kv_int(&c->pk, "acks", o->acks);
    pack_str(&c->pk, "records");
    msgpack_pack_array(&c->pk, n);
    for (size_t i = 0; i < n; i++) {
        const char *rec = records[i];
        size_t len = lens[i];
        const char *sep = o->key_sep >= 0 ? memchr(rec, o->key_sep, len) : NULL;
        msgpack_pack_map(&c->pk, 2);
        pack_str(&c->pk, "key");
        if (sep)
            msgpack_pack_bin_with_body(&c->pk, rec, (size_t)(sep - rec));
        else
            msgpack_pack_nil(&c->pk);
        pack_str(&c->pk, "value");
        if (sep)
            msgpack_pack_bin_with_body(&c->pk, sep + 1, len - (size_t)(sep - rec) - 1);
        else
            msgpack_pack_bin_with_body(&c->pk, rec, len);
    }
    const msgpack_object *resp = client_call(c);
    if (!resp)
        return 1;
    char what[320];
    snprintf(what, sizeof what, "produce to %s-%d", o->topic, partition);
    return report_error(resp, what);
}

/* Group the pending records by partition and send each group. */
static int flush_pending(client *c, const produce_opts *o, int32_t partitions, pending *p, uint32_t *rr)
{
    if (p->count == 0)
        return 0;
    int rc = 0;
    int32_t *part = malloc(p->count * sizeof *part);
    char **recs = malloc(p->count * sizeof *recs);
    size_t *lens = malloc(p->count * sizeof *lens);
    if (!part || !recs || !lens) {
        fprintf(stderr, "brookctl: out of memory\n");
        rc = 1;
        goto out;
    }
    int32_t unkeyed = (int32_t)((*rr)++ % (uint32_t)partitions);
    for (size_t i = 0; i < p->count; i++) {
        const char *sep = o->key_sep >= 0 ? memchr(p->records[i], o->key_sep, p->lens[i]) : NULL;
        if (o->partition >= 0)
            part[i] = (int32_t)o->partition;
        else if (sep)
            part[i] = partition_for_key(p->records[i], (size_t)(sep - p->records[i]), partitions);
        else
            part[i] = unkeyed;
    }
    for (int32_t target = 0; target < partitions && !rc; target++) {
        size_t n = 0;
        for (size_t i = 0; i < p->count; i++)
            if (part[i] == target) {
                recs[n] = p->records[i];
                lens[n++] = p->lens[i];
            }
        if (n)
            rc = send_batch(c, o, target, recs, lens, n);
    }
out:
    for (size_t i = 0; i < p->count; i++)
        free(p->records[i]);
    p->count = 0;
    p->bytes = 0;
    free(part);
    free(recs);
    free(lens);
    return rc;
}

static int produce_stream(client *c, const produce_opts *o, FILE *in, int32_t partitions)
{
    pending p = {.records = calloc(BATCH_RECORDS, sizeof(char *)), .lens = calloc(BATCH_RECORDS, sizeof(size_t))};
    if (!p.records || !p.lens) {
        free(p.records);
        free(p.lens);
        return 1;
    }
    uint32_t rr = 0;
    int rc = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (!rc && (n = getdelim(&line, &cap, o->delimiter, in)) >= 0) {
        size_t len = (size_t)n;
        if (len && line[len - 1] == (char)o->delimiter)
            len--;
        else if (len == 0)
            continue;
        p.records[p.count] = malloc(len ? len : 1);
        if (!p.records[p.count]) {
            rc = 1;
            break;
        }
        memcpy(p.records[p.count], line, len);
        p.lens[p.count++] = len;
        p.bytes += len;
        if (p.count == BATCH_RECORDS || p.bytes >= BATCH_BYTES)
            rc = flush_pending(c, o, partitions, &p, &rr);
    }
    if (!rc && ferror(in)) {
        fprintf(stderr, "brookctl: reading input: %s\n", strerror(errno));
        rc = 1;
    }
    if (!rc)
        rc = flush_pending(c, o, partitions, &p, &rr);
    for (size_t i = 0; i < p.count; i++)
        free(p.records[i]);
    free(line);
    free(p.records);
    free(p.lens);
    return rc;
}

int cmd_produce(const global_opts *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"partition", required_argument, NULL, 'p'},
        {"key-separator", required_argument, NULL, 'K'},
        {"delimiter", required_argument, NULL, 'D'},
        {"acks", required_argument, NULL, 'a'},
        {"file", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    produce_opts o = {.partition = -1, .key_sep = -1, .delimiter = '\n', .acks = -1};
    int opt;
    while ((opt = getopt_long(argc, argv, "p:K:D:a:f:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (parse_int_opt("--partition", optarg, 0, INT32_MAX, &o.partition))
                return EXIT_USAGE;
            break;
        case 'K':
            if (parse_char_opt("--key-separator", optarg, &o.key_sep))
                return EXIT_USAGE;
            break;
        case 'D':
            if (parse_char_opt("--delimiter", optarg, &o.delimiter))
                return EXIT_USAGE;
            break;
        case 'a':
            if (parse_int_opt("--acks", optarg, -1, 1, &o.acks) || o.acks == 0) {
                fprintf(stderr, "brookctl: --acks must be -1 (all) or 1 (leader)\n");
                return EXIT_USAGE;
            }
            break;
        case 'f': o.file = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    o.topic = argv[optind];
    FILE *in = stdin;
    if (o.file && !(in = fopen(o.file, "rb"))) {
        fprintf(stderr, "brookctl: cannot open %s: %s\n", o.file, strerror(errno));
        return 1;
    }
    client c;
    int rc = 1;
    int32_t partitions = open_topic(g, &c, o.topic, o.partition);
    if (partitions > 0)
        rc = produce_stream(&c, &o, in, partitions);
    client_close(&c);
    if (in != stdin)
        fclose(in);
    return rc;
}
