/* librdkafka's Admin API from the command line, for the integration tests:
 * confluent-kafka's engine (Debian's python3-confluent-kafka binding is
 * older than its ACL API), driven the way an application drives it.
 *
 *   rdkafka_admin BOOTSTRAP acl-create TYPE NAME PATTERN PRINCIPAL HOST OPERATION PERMISSION
 *   rdkafka_admin BOOTSTRAP acl-describe TYPE NAME|- PATTERN PRINCIPAL|- HOST|- OPERATION PERMISSION
 *   rdkafka_admin BOOTSTRAP acl-delete   TYPE NAME|- PATTERN PRINCIPAL|- HOST|- OPERATION PERMISSION
 *   rdkafka_admin BOOTSTRAP groups-list [STATE...]      ("GROUP STATE" per group)
 *   rdkafka_admin BOOTSTRAP delete-records TOPIC PARTITION OFFSET
 *
 * Enum arguments are librdkafka's names (TOPIC, LITERAL, WRITE, ALLOW,
 * ANY, ...); "-" is a NULL filter string. Prints one line per ACL
 * ("TYPE NAME PATTERN PRINCIPAL HOST OPERATION PERMISSION") or
 * "error NAME: message", and exits 0 when the request itself succeeded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <librdkafka/rdkafka.h>

#define TIMEOUT_MS 15000

typedef const char *(*enum_name_fn)(int);

static int parse_enum(const char *arg, int count, enum_name_fn name, const char *what)
{
    for (int i = 0; i < count; i++)
        if (strcasecmp(arg, name(i)) == 0)
            return i;
    fprintf(stderr, "unknown %s \"%s\"\n", what, arg);
    exit(2);
}

static const char *restype_name(int v)
{
    return rd_kafka_ResourceType_name((rd_kafka_ResourceType_t)v);
}
static const char *pattern_name(int v)
{
    return rd_kafka_ResourcePatternType_name((rd_kafka_ResourcePatternType_t)v);
}
static const char *operation_name(int v)
{
    return rd_kafka_AclOperation_name((rd_kafka_AclOperation_t)v);
}
static const char *permission_name(int v)
{
    return rd_kafka_AclPermissionType_name((rd_kafka_AclPermissionType_t)v);
}

static const char *nullable(const char *s)
{
    return strcmp(s, "-") == 0 ? NULL : s;
}

/* argv: TYPE NAME PATTERN PRINCIPAL HOST OPERATION PERMISSION */
static rd_kafka_AclBinding_t *binding(char **argv, int filter)
{
    char err[512];
    rd_kafka_ResourceType_t type = parse_enum(argv[0], RD_KAFKA_RESOURCE__CNT, restype_name, "resource type");
    rd_kafka_ResourcePatternType_t pattern =
        parse_enum(argv[2], RD_KAFKA_RESOURCE_PATTERN_TYPE__CNT, pattern_name, "pattern type");
    rd_kafka_AclOperation_t op = parse_enum(argv[5], RD_KAFKA_ACL_OPERATION__CNT, operation_name, "operation");
    rd_kafka_AclPermissionType_t perm =
        parse_enum(argv[6], RD_KAFKA_ACL_PERMISSION_TYPE__CNT, permission_name, "permission");
    rd_kafka_AclBinding_t *b =
        filter ? rd_kafka_AclBindingFilter_new(type, nullable(argv[1]), pattern, nullable(argv[3]), nullable(argv[4]),
                                               op, perm, err, sizeof err)
               : rd_kafka_AclBinding_new(type, argv[1], pattern, argv[3], argv[4], op, perm, err, sizeof err);
    if (!b) {
        fprintf(stderr, "librdkafka refused the binding: %s\n", err);
        exit(2);
    }
    return b;
}

static void print_acl(const rd_kafka_AclBinding_t *a)
{
    printf("%s %s %s %s %s %s %s\n", rd_kafka_ResourceType_name(rd_kafka_AclBinding_restype(a)),
           rd_kafka_AclBinding_name(a), rd_kafka_ResourcePatternType_name(rd_kafka_AclBinding_resource_pattern_type(a)),
           rd_kafka_AclBinding_principal(a), rd_kafka_AclBinding_host(a),
           rd_kafka_AclOperation_name(rd_kafka_AclBinding_operation(a)),
           rd_kafka_AclPermissionType_name(rd_kafka_AclBinding_permission_type(a)));
}

static int print_error(const rd_kafka_error_t *e)
{
    if (!e)
        return 0;
    printf("error %s: %s\n", rd_kafka_err2name(rd_kafka_error_code(e)), rd_kafka_error_string(e));
    return 1;
}

/* Wait for the one result event of an admin call. */
static rd_kafka_event_t *result(rd_kafka_queue_t *q)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, TIMEOUT_MS + 5000);
    if (!ev) {
        fprintf(stderr, "no result in time\n");
        exit(1);
    }
    if (rd_kafka_event_error(ev)) {
        printf("error %s: %s\n", rd_kafka_err2name(rd_kafka_event_error(ev)), rd_kafka_event_error_string(ev));
        exit(1);
    }
    return ev;
}

static void acl_create(rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_AdminOptions_t *o, char **argv)
{
    rd_kafka_AclBinding_t *b = binding(argv, 0);
    rd_kafka_CreateAcls(rk, &b, 1, o, q);
    rd_kafka_event_t *ev = result(q);
    size_t n;
    const rd_kafka_acl_result_t **r = rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &n);
    for (size_t i = 0; i < n; i++)
        if (!print_error(rd_kafka_acl_result_error(r[i])))
            printf("ok\n");
    rd_kafka_event_destroy(ev);
    rd_kafka_AclBinding_destroy(b);
}

static void acl_describe(rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_AdminOptions_t *o, char **argv)
{
    rd_kafka_AclBindingFilter_t *f = binding(argv, 1);
    rd_kafka_DescribeAcls(rk, f, o, q);
    rd_kafka_event_t *ev = result(q);
    size_t n;
    const rd_kafka_AclBinding_t **acls = rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &n);
    for (size_t i = 0; i < n; i++)
        print_acl(acls[i]);
    rd_kafka_event_destroy(ev);
    rd_kafka_AclBinding_destroy(f);
}

static void acl_delete(rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_AdminOptions_t *o, char **argv)
{
    rd_kafka_AclBindingFilter_t *f = binding(argv, 1);
    rd_kafka_DeleteAcls(rk, &f, 1, o, q);
    rd_kafka_event_t *ev = result(q);
    size_t n, m;
    const rd_kafka_DeleteAcls_result_response_t **r =
        rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(ev), &n);
    for (size_t i = 0; i < n; i++) {
        if (print_error(rd_kafka_DeleteAcls_result_response_error(r[i])))
            continue;
        const rd_kafka_AclBinding_t **acls = rd_kafka_DeleteAcls_result_response_matching_acls(r[i], &m);
        for (size_t k = 0; k < m; k++)
            print_acl(acls[k]);
    }
    rd_kafka_event_destroy(ev);
    rd_kafka_AclBinding_destroy(f);
}

/* argv: the states to list (none: every group), then NULL */
static void groups_list(rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_AdminOptions_t *o, char **argv)
{
    rd_kafka_consumer_group_state_t states[8];
    size_t n = 0;
    for (; argv[n] && n < 8; n++)
        states[n] = rd_kafka_consumer_group_state_code(argv[n]);
    if (n && print_error(rd_kafka_AdminOptions_set_match_consumer_group_states(o, states, n)))
        exit(2);
    rd_kafka_ListConsumerGroups(rk, o, q);
    rd_kafka_event_t *ev = result(q);
    const rd_kafka_ListConsumerGroups_result_t *r = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t count;
    const rd_kafka_ConsumerGroupListing_t **groups = rd_kafka_ListConsumerGroups_result_valid(r, &count);
    for (size_t i = 0; i < count; i++)
        printf("%s %s\n", rd_kafka_ConsumerGroupListing_group_id(groups[i]),
               rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(groups[i])));
    const rd_kafka_error_t **errors = rd_kafka_ListConsumerGroups_result_errors(r, &count);
    for (size_t i = 0; i < count; i++)
        print_error(errors[i]);
    rd_kafka_event_destroy(ev);
}

/* argv: TOPIC PARTITION OFFSET (-1: the high watermark); prints "TOPIC
 * PARTITION LOW_WATERMARK ERROR" per partition */
static void delete_records(rd_kafka_t *rk, rd_kafka_queue_t *q, rd_kafka_AdminOptions_t *o, char **argv)
{
    char err[512];
    rd_kafka_topic_partition_list_t *want = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(want, argv[0], atoi(argv[1]))->offset = atoll(argv[2]);
    rd_kafka_DeleteRecords_t *del = rd_kafka_DeleteRecords_new(want);
    rd_kafka_topic_partition_list_destroy(want);
    /* the broker waits for the followers up to this long (the request's TimeoutMs) */
    rd_kafka_AdminOptions_set_operation_timeout(o, TIMEOUT_MS - 5000, err, sizeof err);
    rd_kafka_DeleteRecords(rk, &del, 1, o, q);
    rd_kafka_DeleteRecords_destroy(del);
    rd_kafka_event_t *ev = result(q);
    const rd_kafka_topic_partition_list_t *got =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(ev));
    for (int i = 0; got && i < got->cnt; i++)
        printf("%s %d %lld %s\n", got->elems[i].topic, (int)got->elems[i].partition, (long long)got->elems[i].offset,
               rd_kafka_err2name(got->elems[i].err));
    rd_kafka_event_destroy(ev);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int args;
        void (*run)(rd_kafka_t *, rd_kafka_queue_t *, rd_kafka_AdminOptions_t *, char **);
        rd_kafka_admin_op_t op;
    } commands[] = {
        {"acl-create", 7, acl_create, RD_KAFKA_ADMIN_OP_CREATEACLS},
        {"acl-describe", 7, acl_describe, RD_KAFKA_ADMIN_OP_DESCRIBEACLS},
        {"acl-delete", 7, acl_delete, RD_KAFKA_ADMIN_OP_DELETEACLS},
        {"groups-list", -1, groups_list, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS},
        {"delete-records", 3, delete_records, RD_KAFKA_ADMIN_OP_DELETERECORDS},
    };
    for (size_t c = 0; argc >= 3 && c < sizeof commands / sizeof commands[0]; c++) {
        if (strcmp(argv[2], commands[c].name) != 0)
            continue;
        if (commands[c].args >= 0 && argc != 3 + commands[c].args) {
            fprintf(stderr, "%s takes %d arguments\n", commands[c].name, commands[c].args);
            return 2;
        }
        char err[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        if (!rk) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, commands[c].op);
        rd_kafka_AdminOptions_set_request_timeout(o, TIMEOUT_MS, err, sizeof err);
        commands[c].run(rk, q, o, argv + 3);
        rd_kafka_AdminOptions_destroy(o);
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
        return 0;
    }
    fprintf(stderr,
            "usage: rdkafka_admin BOOTSTRAP acl-create|acl-describe|acl-delete|groups-list|delete-records ARGS...\n");
    return 2;
}
