/* The ACL APIs between Kafka's messages and the neutral ACL requests
 * (acl_request.h): DescribeAcls, CreateAcls, DeleteAcls. Kafka numbers
 * its enums differently from the SDK, and a filter's ANY (1) is the SDK's
 * BROOK_ACL_ANY; a Kafka value Brook has no use for (a delegation token,
 * DESCRIBE_CONFIGS, ...) matches no rule in a filter and is refused, with
 * the reason, in a new rule. */
#include <string.h>

#include "kmap.h"

/* In a filter: a value no rule has. */
#define MATCHES_NOTHING 1000

/* Kafka's ResourceType: 1 ANY, 2 TOPIC, 3 GROUP, 4 CLUSTER, 5
 * TRANSACTIONAL_ID (6 DELEGATION_TOKEN, 7 USER are not Brook's). */
static int from_kafka_type(int64_t k)
{
    switch (k) {
    case 1: return BROOK_ACL_ANY;
    case 2: return BROOK_RESOURCE_TOPIC;
    case 3: return BROOK_RESOURCE_GROUP;
    case 4: return BROOK_RESOURCE_CLUSTER;
    case 5: return BROOK_RESOURCE_TRANSACTIONAL_ID;
    default: return MATCHES_NOTHING;
    }
}

static int64_t to_kafka_type(int t)
{
    return t == BROOK_RESOURCE_TOPIC ? 2 : t == BROOK_RESOURCE_GROUP ? 3 : t == BROOK_RESOURCE_TRANSACTIONAL_ID ? 5 : 4;
}

/* Kafka's AclOperation: 1 ANY, 2 ALL, then READ 3, WRITE 4, CREATE 5,
 * DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9 (not the SDK's order:
 * there DESCRIBE comes before ALTER); 10 and up (DESCRIBE_CONFIGS,
 * ALTER_CONFIGS, IDEMPOTENT_WRITE, tokens) are operations Brook does not
 * check. */
static int from_kafka_operation(int64_t k)
{
    switch (k) {
    case 1: return BROOK_ACL_ANY;
    case 2: return BROOK_ACL_ALL_OPERATIONS;
    default: break;
    }
    for (int op = BROOK_OP_READ; op <= BROOK_OP_CLUSTER_ACTION; op++)
        if (kmap_kafka_operation(op) == k)
            return op;
    return MATCHES_NOTHING;
}

static int64_t to_kafka_operation(int op)
{
    return op == BROOK_ACL_ALL_OPERATIONS ? 2 : kmap_kafka_operation(op);
}

/* Kafka's AclPermissionType: 1 ANY, 2 DENY, 3 ALLOW. */
static int from_kafka_permission(int64_t k)
{
    return k == 1 ? BROOK_ACL_ANY : k == 2 ? 0 : k == 3 ? 1 : MATCHES_NOTHING;
}

/* Kafka's PatternType: 1 ANY, 2 MATCH, 3 LITERAL, 4 PREFIXED. */
static int from_kafka_pattern(int64_t k)
{
    switch (k) {
    case 1: return BROOK_ACL_ANY;
    case 2: return BROOK_ACL_MATCH;
    case 3: return BROOK_ACL_LITERAL;
    case 4: return BROOK_ACL_PREFIXED;
    default: return MATCHES_NOTHING;
    }
}

static int64_t to_kafka_pattern(int p)
{
    return p == BROOK_ACL_PREFIXED ? 4 : 3;
}

static void acl_from_row(brook_request *req, const kval *row, brook_acl *a)
{
    *a = (brook_acl){
        .allow = from_kafka_permission(row[ACL_PERMISSION].i),
        .operation = from_kafka_operation(row[ACL_OPERATION].i),
        .resource_type = from_kafka_type(row[ACL_TYPE].i),
        .pattern = from_kafka_pattern(row[ACL_PATTERN].i),
        .resource_name = kmap_str(req, &row[ACL_NAME]),
        .principal = kmap_str(req, &row[ACL_PRINCIPAL]),
        .host = kmap_str(req, &row[ACL_HOST]),
    };
}

static void acl_to_row(const brook_acl *a, kval *row)
{
    row[ACL_TYPE].i = to_kafka_type(a->resource_type);
    kmap_set_str(&row[ACL_NAME], a->resource_name);
    row[ACL_PATTERN].i = to_kafka_pattern(a->pattern);
    kmap_set_str(&row[ACL_PRINCIPAL], a->principal);
    kmap_set_str(&row[ACL_HOST], a->host);
    row[ACL_OPERATION].i = to_kafka_operation(a->operation);
    row[ACL_PERMISSION].i = a->allow ? 3 : 2;
}

/* What is wrong with a new rule in Kafka's terms (the core checks the rest). */
static const char *kafka_refusal(const kval *row)
{
    int64_t type = row[ACL_TYPE].i, op = row[ACL_OPERATION].i;
    if (type >= 6 && type <= 7)
        return "Brook authorizes topics, groups, transactional ids and the cluster (no tokens or users)";
    if (op == 10 || op == 11)
        return "Brook checks DESCRIBE for DescribeConfigs and ALTER for AlterConfigs: grant those";
    if (op == 12)
        return "Brook checks WRITE on the cluster for an idempotent producer: grant that";
    if (op >= 13)
        return "delegation tokens are not supported";
    return NULL;
}

static int16_t acl_error(brook_err e)
{
    switch (e) {
    case BROOK_ERR_SECURITY_DISABLED: return 54; /* SECURITY_DISABLED */
    case BROOK_ERR_DENIED: return 31;            /* CLUSTER_AUTHORIZATION_FAILED */
    case BROOK_ERR_TOO_LARGE: return 42;         /* INVALID_REQUEST */
    case BROOK_ERR_IO: return -1;                /* UNKNOWN_SERVER_ERROR, with the message */
    default: return kmap_error(e, 1);
    }
}

static const char *acl_message(brook_err e, const char *message)
{
    return e ? (message ? message : brook_err_str(e)) : NULL;
}

/* ---- DescribeAcls ---------------------------------------------------------------- */

int kmap_dec_describe_acls(kreq *kr, brook_request *req)
{
    acl_from_row(req, kr->body, &req->u.describe_acls.filter);
    req->type = BROOK_REQ_DESCRIBE_ACLS;
    return 0;
}

static int same_resource(const brook_acl *a, const brook_acl *b)
{
    return a->resource_type == b->resource_type && a->pattern == b->pattern &&
           strcmp(a->resource_name, b->resource_name) == 0;
}

kval *kmap_enc_describe_acls(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_describe_acls_req *d = &req->u.describe_acls;
    size_t n = d->error ? 0 : d->acl_count, resources = 0;
    for (size_t i = 0; i < n; i++) /* the core sorted them by resource */
        resources += i == 0 || !same_resource(&d->acls[i - 1], &d->acls[i]);
    kval *r = kmap_struct(req, DA_R__COUNT);
    if (!r || kmap_rows(req, &r[DA_R_RESOURCES], resources, DA_RR__COUNT))
        return NULL;
    r[DA_R_ERROR].i = acl_error(d->error);
    kmap_set_str(&r[DA_R_MESSAGE], acl_message(d->error, d->error_message));
    for (size_t i = 0, res = 0; i < n; res++) {
        size_t end = i + 1;
        while (end < n && same_resource(&d->acls[i], &d->acls[end]))
            end++;
        kval *rv = ROW(&r[DA_R_RESOURCES], res);
        rv[DA_RR_TYPE].i = to_kafka_type(d->acls[i].resource_type);
        kmap_set_str(&rv[DA_RR_NAME], d->acls[i].resource_name);
        rv[DA_RR_PATTERN].i = to_kafka_pattern(d->acls[i].pattern);
        if (kmap_rows(req, &rv[DA_RR_ACLS], end - i, DA_RA__COUNT))
            return NULL;
        for (size_t k = i; k < end; k++) {
            kval *av = ROW(&rv[DA_RR_ACLS], k - i);
            kmap_set_str(&av[DA_RA_PRINCIPAL], d->acls[k].principal);
            kmap_set_str(&av[DA_RA_HOST], d->acls[k].host);
            av[DA_RA_OPERATION].i = to_kafka_operation(d->acls[k].operation);
            av[DA_RA_PERMISSION].i = d->acls[k].allow ? 3 : 2;
        }
        i = end;
    }
    return r;
}

/* ---- CreateAcls ------------------------------------------------------------------ */

int kmap_dec_create_acls(kreq *kr, brook_request *req)
{
    brook_create_acls_req *c = &req->u.create_acls;
    kval *rows = &kr->body[CA_CREATIONS];
    c->creation_count = COUNT_OF(rows);
    c->creations = kmap_alloc(req, sizeof *c->creations * (c->creation_count + 1));
    if (!c->creations)
        return -1;
    for (size_t i = 0; i < c->creation_count; i++) {
        acl_from_row(req, ROW(rows, i), &c->creations[i].acl);
        if ((c->creations[i].error_message = kafka_refusal(ROW(rows, i))))
            c->creations[i].error = BROOK_ERR_INVALID;
    }
    req->type = BROOK_REQ_CREATE_ACLS;
    return 0;
}

kval *kmap_enc_create_acls(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_create_acls_req *c = &req->u.create_acls;
    kval *r = kmap_struct(req, CA_R__COUNT);
    if (!r || kmap_rows(req, &r[CA_R_RESULTS], c->creation_count, CA_RR__COUNT))
        return NULL;
    for (size_t i = 0; i < c->creation_count; i++) {
        kval *rv = ROW(&r[CA_R_RESULTS], i);
        rv[CA_RR_ERROR].i = acl_error(c->creations[i].error);
        kmap_set_str(&rv[CA_RR_MESSAGE], acl_message(c->creations[i].error, c->creations[i].error_message));
    }
    return r;
}

/* ---- DeleteAcls ------------------------------------------------------------------ */

int kmap_dec_delete_acls(kreq *kr, brook_request *req)
{
    brook_delete_acls_req *d = &req->u.delete_acls;
    kval *rows = &kr->body[DLA_FILTERS];
    d->filter_count = COUNT_OF(rows);
    d->filters = kmap_alloc(req, sizeof *d->filters * (d->filter_count + 1));
    if (!d->filters)
        return -1;
    for (size_t i = 0; i < d->filter_count; i++)
        acl_from_row(req, ROW(rows, i), &d->filters[i].filter);
    req->type = BROOK_REQ_DELETE_ACLS;
    return 0;
}

kval *kmap_enc_delete_acls(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_delete_acls_req *d = &req->u.delete_acls;
    kval *r = kmap_struct(req, DLA_R__COUNT);
    if (!r || kmap_rows(req, &r[DLA_R_RESULTS], d->filter_count, DLA_RR__COUNT))
        return NULL;
    for (size_t i = 0; i < d->filter_count; i++) {
        const brook_acl_deletion *f = &d->filters[i];
        kval *rv = ROW(&r[DLA_R_RESULTS], i);
        rv[DLA_RR_ERROR].i = acl_error(f->error);
        kmap_set_str(&rv[DLA_RR_MESSAGE], acl_message(f->error, f->error_message));
        size_t n = f->error ? 0 : f->deleted_count;
        if (kmap_rows(req, &rv[DLA_RR_MATCHING], n, DLA_RM__COUNT))
            return NULL;
        for (size_t k = 0; k < n; k++) {
            kval *mv = ROW(&rv[DLA_RR_MATCHING], k);
            kmap_set_str(&mv[DLA_RM_MESSAGE], NULL);
            acl_to_row(&f->deleted[k], mv + DLA_RM_ACL);
        }
    }
    return r;
}
