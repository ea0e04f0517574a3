/* brookctl groups reset-offsets GROUP --topic T [--partitions 0,2]
 *   (--to-earliest | --to-latest | --to-offset N | --to-datetime WHEN | --shift-by N) [--dry-run]
 *
 * Moves a group's committed offsets, as kafka-consumer-groups does: each
 * new offset lies within the partition's log (earliest to latest; a
 * --to-offset or --shift-by past either end stops there), --to-datetime
 * is the first record at or after that time (the log end when none),
 * --shift-by moves from the committed offset (from the log end where
 * nothing is committed). Only an empty group's offsets can move (its
 * consumers would overwrite them): a group with members is refused with
 * the reason. --dry-run prints the plan and commits nothing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "output.h"

typedef enum reset_to { RESET_EARLIEST, RESET_LATEST, RESET_OFFSET, RESET_DATETIME, RESET_SHIFT } reset_to;

typedef struct reset_plan {
    const char *group, *topic;
    reset_to to;
    int64_t value; /* the offset, the time (ms) or the shift */
    int dry_run;
    int32_t *partitions; /* selected, NULL: all */
    size_t partition_count;
} reset_plan;

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl groups reset-offsets GROUP --topic T [--partitions P,P...] [--dry-run]\n"
                 "         (--to-earliest | --to-latest | --to-offset N | --to-datetime WHEN | --shift-by N)\n"
                 "WHEN: 2026-11-29T10:00:00Z (or +01:00, .123 milliseconds), or milliseconds since the epoch.\n"
                 "New offsets stay within each log; --shift-by moves from the committed offset (the log end\n"
                 "where none). The group must have no members: stop its consumers first.\n");
}

/* "YYYY-MM-DDTHH:MM:SS[.mmm](Z|+HH:MM|-HH:MM)" or an integer (ms); -1 when neither. */
static int parse_datetime(const char *s, int64_t *ms)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s && !*end) {
        *ms = v;
        return v >= 0 ? 0 : -1;
    }
    struct tm tm = {0};
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return -1;
    int64_t millis = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3)
                millis = millis * 10 + (*p - '0');
        while (digits++ < 3)
            millis *= 10;
    }
    int64_t offset_s = 0;
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int hh = atoi(p + 1), mm = atoi(p + 4);
        offset_s = (*p == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
        p += 6;
    } else {
        return -1; /* a time without its zone means different instants on different machines */
    }
    if (*p)
        return -1;
    *ms = ((int64_t)timegm(&tm) - offset_s) * 1000 + millis;
    return 0;
}

static int parse_partitions(const char *list, reset_plan *plan)
{
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    plan->partitions = calloc(n, sizeof *plan->partitions);
    if (!plan->partitions)
        return -1;
    char *copy = strdup(list), *save = NULL;
    int rc = copy ? 0 : -1;
    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && !rc; t = strtok_r(NULL, ",", &save)) {
        int64_t v;
        rc = parse_int_opt("--partitions", t, 0, INT32_MAX, &v);
        plan->partitions[plan->partition_count++] = (int32_t)v;
    }
    free(copy);
    return rc || plan->partition_count == 0 ? -1 : 0;
}

/* -1 with the reason printed when the group has members. */
static int group_is_empty(client *c, const char *group)
{
    client_begin(c, "describe_group", 1);
    pack_kv_str(&c->pk, "group", group);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "describe group"))
        return -1;
    const msgpack_object *members = map_get(resp, "members");
    uint32_t n = members && members->type == MSGPACK_OBJECT_ARRAY ? members->via.array.size : 0;
    if (n == 0)
        return 0;
    char state[64];
    fprintf(stderr,
            "brookctl: group \"%s\" has %u active member(s) (state %s): stop its consumers first; a group's "
            "offsets can be reset only while it is empty (its members would commit over them)\n",
            group, n, obj_text(map_get(resp, "state"), state, sizeof state));
    return -1;
}

/* The new offset of one partition; -1 after printing why. */
static int plan_partition(client *c, const reset_plan *plan, int32_t p, int64_t committed, int64_t *out)
{
    client_begin(c, "list_offsets", plan->to == RESET_DATETIME ? 3 : 2);
    pack_kv_str(&c->pk, "topic", plan->topic);
    pack_kv_int(&c->pk, "partition", p);
    if (plan->to == RESET_DATETIME)
        pack_kv_int(&c->pk, "timestamp", plan->value);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "list offsets"))
        return -1;
    int64_t earliest = map_int(resp, "earliest", 0), latest = map_int(resp, "latest", 0), v;
    switch (plan->to) {
    case RESET_EARLIEST: v = earliest; break;
    case RESET_LATEST: v = latest; break;
    case RESET_OFFSET: v = plan->value; break;
    case RESET_DATETIME: v = map_int(resp, "offset", -1) >= 0 ? map_int(resp, "offset", -1) : latest; break;
    default: v = (committed >= 0 ? committed : latest) + plan->value; break;
    }
    *out = v < earliest ? earliest : v > latest ? latest : v;
    return 0;
}

static int run(const global_opts *g, client *c, reset_plan *plan)
{
    int32_t partitions = open_topic(g, c, plan->topic, -1);
    if (partitions <= 0 || group_is_empty(c, plan->group))
        return 1;
    for (size_t i = 0; i < plan->partition_count; i++) {
        if (plan->partitions[i] >= partitions) {
            fprintf(stderr, "brookctl: topic \"%s\" has %d partition(s); there is no partition %d\n", plan->topic,
                    partitions, plan->partitions[i]);
            return EXIT_USAGE;
        }
    }
    int64_t *committed = calloc((size_t)partitions, sizeof *committed);
    int64_t *next = calloc((size_t)partitions, sizeof *next);
    int rc = committed && next ? 0 : 1;
    if (!rc && group_committed(c, plan->group, plan->topic, committed, 0, partitions))
        rc = 1;
    for (int32_t p = 0; p < partitions && !rc; p++) {
        int selected = plan->partition_count == 0;
        for (size_t i = 0; i < plan->partition_count; i++)
            selected |= plan->partitions[i] == p;
        next[p] = -1; /* group_commit skips it */
        if (selected && plan_partition(c, plan, p, committed[p], &next[p]))
            rc = 1;
    }
    if (!rc && !plan->dry_run && group_commit(c, plan->group, plan->topic, next, 0, partitions))
        rc = 1;
    if (!rc) {
        static const char *const headers[] = {"TOPIC", "PARTITION", "CURRENT", "NEW"};
        table t;
        table_init(&t, 4, headers);
        for (int32_t p = 0; p < partitions; p++) {
            if (next[p] < 0)
                continue;
            char ps[16], cur[24], nw[24];
            snprintf(ps, sizeof ps, "%d", p);
            snprintf(cur, sizeof cur, "%lld", (long long)committed[p]);
            snprintf(nw, sizeof nw, "%lld", (long long)next[p]);
            table_add(&t, (const char *const[]){plan->topic, ps, committed[p] < 0 ? "-" : cur, nw});
        }
        table_print(&t, stdout);
        table_free(&t);
        if (plan->dry_run)
            printf("(dry run: nothing committed)\n");
    }
    free(committed);
    free(next);
    return rc;
}

int group_reset_offsets(const global_opts *g, client *c, const char *group, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"topic", required_argument, NULL, 't'},
        {"partitions", required_argument, NULL, 'P'},
        {"to-earliest", no_argument, NULL, 'E'},
        {"to-latest", no_argument, NULL, 'L'},
        {"to-offset", required_argument, NULL, 'O'},
        {"to-datetime", required_argument, NULL, 'D'},
        {"shift-by", required_argument, NULL, 'S'},
        {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    reset_plan plan = {.group = group};
    int opt, choices = 0, rc = -1;
    while (rc < 0 && (opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
        case 't': plan.topic = optarg; break;
        case 'P':
            if (parse_partitions(optarg, &plan))
                rc = EXIT_USAGE;
            break;
        case 'E': plan.to = RESET_EARLIEST, choices++; break;
        case 'L': plan.to = RESET_LATEST, choices++; break;
        case 'O':
            plan.to = RESET_OFFSET, choices++;
            if (parse_int_opt("--to-offset", optarg, 0, INT64_MAX, &plan.value))
                rc = EXIT_USAGE;
            break;
        case 'D':
            plan.to = RESET_DATETIME, choices++;
            if (parse_datetime(optarg, &plan.value)) {
                fprintf(stderr,
                        "brookctl: --to-datetime \"%s\": give 2026-11-29T10:00:00Z (a zone: Z or +HH:MM) "
                        "or milliseconds since the epoch\n",
                        optarg);
                rc = EXIT_USAGE;
            }
            break;
        case 'S':
            plan.to = RESET_SHIFT, choices++;
            if (parse_int_opt("--shift-by", optarg, INT64_MIN / 2, INT64_MAX / 2, &plan.value))
                rc = EXIT_USAGE;
            break;
        case 'n': plan.dry_run = 1; break;
        case 'h':
            usage(stdout);
            rc = 0;
            break;
        default:
            usage(stderr);
            rc = EXIT_USAGE;
            break;
        }
    }
    if (rc < 0 && (!plan.topic || choices != 1 || optind != argc)) {
        fprintf(stderr, "brookctl: reset-offsets needs --topic and exactly one of --to-earliest, --to-latest, "
                        "--to-offset N, --to-datetime WHEN, --shift-by N\n");
        rc = EXIT_USAGE;
    }
    if (rc < 0)
        rc = run(g, c, &plan);
    free(plan.partitions);
    return rc;
}
