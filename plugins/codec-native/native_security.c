/* codec-native: ACLs and SCRAM users (what brookctl's acls and users
 * commands send), onto the same neutral requests as Kafka's ACL and SCRAM
 * user APIs, so either protocol administers the same rules and users.
 *
 *   describe_acls   filter fields (all optional)     -> "acls": [rule]
 *   create_acl      a rule                           -> error only
 *   delete_acls     filter fields                    -> "deleted": [rule]
 *   describe_users  "user" (optional)                -> "users": [{name, mechanisms: [{mechanism, iterations}]}]
 *   alter_users     "set": [{user, mechanism, iterations, salt, salted_password}],
 *                   "delete": [{user, mechanism}]    -> "results": [{user, mechanism, error, message}]
 *
 * A rule: resource_type ("topic", "group", "cluster", "transactional_id"), resource_name,
 * pattern ("literal", "prefixed"; filters also "match"), principal, host
 * ("*" when absent in a rule), operation ("READ" ... "CLUSTER_ACTION",
 * "ALL"), permission ("allow", "deny"). Text is matched in any case. */
#include <string.h>
#include <strings.h>

#include "native.h"

#define MAX_USERS 64

static const char *const operations[] = {"ALL",    "READ",     "WRITE", "CREATE",
                                         "DELETE", "DESCRIBE", "ALTER", "CLUSTER_ACTION"};
static const char *const resource_types[] = {NULL, "topic", "group", "cluster", "transactional_id"};
static const char *const patterns[] = {NULL, "literal", "prefixed", "match"};
static const char *const permissions[] = {"deny", "allow"};
static const char *const mechanisms[] = {NULL, "SCRAM-SHA-256", "SCRAM-SHA-512"};

#define COUNT(a) (int)(sizeof(a) / sizeof((a)[0]))

/* The index of `o`'s text in `names` (any case); `absent` when the field
 * is missing or nil; -1 (and the decode fails) when unknown. */
static int name_index(decoder *d, const char *key, const char *const *names, int n, int absent, const char *msg)
{
    const msgpack_object *o = native_field(d->map, key);
    if (!o || o->type == MSGPACK_OBJECT_NIL)
        return absent;
    for (int i = 0; o->type == MSGPACK_OBJECT_STR && i < n; i++)
        if (names[i] && o->via.str.size == strlen(names[i]) &&
            strncasecmp(o->via.str.ptr, names[i], o->via.str.size) == 0)
            return i;
    native_fail(d, msg);
    return -1;
}

/* A rule (filter: BROOK_ACL_ANY / NULL for what is absent) from the request's fields. */
static int decode_acl(decoder *d, int filter, brook_acl *a)
{
    int any = filter ? BROOK_ACL_ANY : -2; /* -2: required, absent */
    a->resource_type = name_index(d, "resource_type", resource_types, COUNT(resource_types), any,
                                  "\"resource_type\" is topic, group, cluster or transactional_id");
    a->pattern =
        name_index(d, "pattern", patterns, COUNT(patterns) - !filter, filter ? BROOK_ACL_ANY : BROOK_ACL_LITERAL,
                   filter ? "\"pattern\" is literal, prefixed or match" : "\"pattern\" is literal or prefixed");
    a->operation = name_index(d, "operation", operations, COUNT(operations), any,
                              "\"operation\" is READ, WRITE, CREATE, DELETE, DESCRIBE, ALTER, CLUSTER_ACTION or ALL");
    a->allow = name_index(d, "permission", permissions, COUNT(permissions), any, "\"permission\" is allow or deny");
    if (d->error)
        return -1;
    if (a->resource_type == -2 || a->operation == -2 || a->allow == -2)
        return native_fail(d, "a rule gives resource_type, operation and permission");
    if (native_copy_str(d, native_field(d->map, "resource_name"), filter, 1024, &a->resource_name,
                        "\"resource_name\" must be a non-empty string") ||
        native_copy_str(d, native_field(d->map, "principal"), filter, 1024, &a->principal,
                        "\"principal\" must be a non-empty string (User:alice)") ||
        native_copy_str(d, native_field(d->map, "host"), 1, 1024, &a->host, "\"host\" must be a non-empty string"))
        return -1;
    if (!filter && !a->host)
        a->host = "*";
    return 0;
}

static int decode_describe_acls(decoder *d)
{
    d->req->type = BROOK_REQ_DESCRIBE_ACLS;
    return decode_acl(d, 1, &d->req->u.describe_acls.filter);
}

static int decode_create_acl(decoder *d)
{
    brook_acl_creation *c = brook_request_alloc(d->req, sizeof *c);
    if (!c)
        return native_fail(d, "out of memory");
    d->req->u.create_acls.creations = c;
    d->req->u.create_acls.creation_count = 1;
    d->req->type = BROOK_REQ_CREATE_ACLS;
    return decode_acl(d, 0, &c->acl);
}

static int decode_delete_acls(decoder *d)
{
    brook_acl_deletion *f = brook_request_alloc(d->req, sizeof *f);
    if (!f)
        return native_fail(d, "out of memory");
    d->req->u.delete_acls.filters = f;
    d->req->u.delete_acls.filter_count = 1;
    d->req->type = BROOK_REQ_DELETE_ACLS;
    return decode_acl(d, 1, &f->filter);
}

/* ---- users --------------------------------------------------------------------------- */

static int decode_describe_users(decoder *d)
{
    brook_describe_user_scram_req *r = &d->req->u.describe_user_scram;
    const char *user;
    if (native_copy_str(d, native_field(d->map, "user"), 1, 128, &user, "\"user\" must be a user name"))
        return -1;
    r->all_users = user == NULL;
    if (user) {
        if (!(r->users = brook_request_alloc(d->req, sizeof *r->users)))
            return native_fail(d, "out of memory");
        r->users[0].name = user;
        r->user_count = 1;
    }
    d->req->type = BROOK_REQ_DESCRIBE_USER_SCRAM;
    return 0;
}

/* bin (or str) bytes, copied into the request (the msgpack object goes before the request is answered). */
static int copy_bytes(decoder *d, const msgpack_object *o, const uint8_t **out, size_t *len, const char *msg)
{
    if (!o || (o->type != MSGPACK_OBJECT_BIN && o->type != MSGPACK_OBJECT_STR) || o->via.bin.size == 0 ||
        o->via.bin.size > 128)
        return native_fail(d, msg);
    uint8_t *copy = brook_request_alloc(d->req, o->via.bin.size);
    if (!copy)
        return native_fail(d, "out of memory");
    memcpy(copy, o->via.bin.ptr, o->via.bin.size);
    *out = copy;
    *len = o->via.bin.size;
    return 0;
}

static int decode_alteration(decoder *d, const msgpack_object *m, int remove, brook_scram_alteration *a)
{
    if (m->type != MSGPACK_OBJECT_MAP)
        return native_fail(d, "each of \"set\" and \"delete\" is a map");
    decoder inner = {.req = d->req, .map = m};
    int mech = name_index(&inner, "mechanism", mechanisms, COUNT(mechanisms), -1,
                          "\"mechanism\" is SCRAM-SHA-256 or SCRAM-SHA-512");
    int64_t iterations = 0;
    int rc = inner.error || mech < 0 ||
             native_copy_str(&inner, native_field(m, "user"), 0, 128, &a->user, "\"user\" must be a user name") ||
             (!remove &&
              (native_get_int(&inner, m, "iterations", 4096, 1, INT32_MAX, &iterations,
                              "\"iterations\" must be a positive integer") ||
               copy_bytes(&inner, native_field(m, "salt"), &a->salt, &a->salt_len, "\"salt\" must be 1-128 bytes") ||
               copy_bytes(&inner, native_field(m, "salted_password"), &a->salted_password, &a->salted_password_len,
                          "\"salted_password\" must be 1-128 bytes")));
    if (rc)
        return native_fail(d, inner.error ? inner.error : "\"mechanism\" is SCRAM-SHA-256 or SCRAM-SHA-512");
    a->mechanism = (brook_scram_mechanism)mech;
    a->remove = remove;
    a->iterations = (int32_t)iterations;
    return 0;
}

static int decode_alter_users(decoder *d)
{
    brook_alter_user_scram_req *r = &d->req->u.alter_user_scram;
    const msgpack_object *set = native_field(d->map, "set"), *del = native_field(d->map, "delete");
    size_t ns = set && set->type == MSGPACK_OBJECT_ARRAY ? set->via.array.size : 0;
    size_t nd = del && del->type == MSGPACK_OBJECT_ARRAY ? del->via.array.size : 0;
    if ((set && set->type != MSGPACK_OBJECT_ARRAY) || (del && del->type != MSGPACK_OBJECT_ARRAY) || ns + nd == 0 ||
        ns + nd > MAX_USERS)
        return native_fail(d, "give \"set\" and/or \"delete\": arrays of at most 64 changes");
    if (!(r->alterations = brook_request_alloc(d->req, sizeof *r->alterations * (ns + nd))))
        return native_fail(d, "out of memory");
    for (size_t i = 0; i < nd; i++)
        if (decode_alteration(d, &del->via.array.ptr[i], 1, &r->alterations[i]))
            return -1;
    for (size_t i = 0; i < ns; i++)
        if (decode_alteration(d, &set->via.array.ptr[i], 0, &r->alterations[nd + i]))
            return -1;
    r->alteration_count = ns + nd;
    d->req->type = BROOK_REQ_ALTER_USER_SCRAM;
    return 0;
}

int native_decode_security_op(decoder *d, op o)
{
    switch (o) {
    case OP_DESCRIBE_ACLS: return decode_describe_acls(d);
    case OP_CREATE_ACL: return decode_create_acl(d);
    case OP_DELETE_ACLS: return decode_delete_acls(d);
    case OP_DESCRIBE_USERS: return decode_describe_users(d);
    case OP_ALTER_USERS: return decode_alter_users(d);
    default: return native_fail(d, "unknown \"op\"");
    }
}

/* ---- responses -------------------------------------------------------------------------- */

static void pack_acl(msgpack_packer *pk, const brook_acl *a)
{
    msgpack_pack_map(pk, 7);
    native_pack_str(pk, "resource_type");
    native_pack_str(
        pk, a->resource_type >= 1 && a->resource_type < COUNT(resource_types) ? resource_types[a->resource_type] : "?");
    native_pack_kv_str(pk, "resource_name", a->resource_name);
    native_pack_kv_str(pk, "pattern", a->pattern == BROOK_ACL_PREFIXED ? "prefixed" : "literal");
    native_pack_kv_str(pk, "principal", a->principal);
    native_pack_kv_str(pk, "host", a->host);
    native_pack_kv_str(pk, "operation",
                       a->operation >= 0 && a->operation < COUNT(operations) ? operations[a->operation] : "?");
    native_pack_kv_str(pk, "permission", a->allow ? "allow" : "deny");
}

static void pack_acls(msgpack_packer *pk, const native_req *nr, brook_err e, const char *message, const char *key,
                      const brook_acl *acls, size_t n)
{
    if (e) {
        native_pack_head(pk, nr, e, message, 0);
        return;
    }
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, key);
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++)
        pack_acl(pk, &acls[i]);
}

static void encode_describe_users(msgpack_packer *pk, const native_req *nr, const brook_describe_user_scram_req *r)
{
    const brook_scram_user *one = !r->all_users && r->user_count ? &r->users[0] : NULL;
    brook_err e = r->error ? r->error : one ? one->error : BROOK_OK;
    if (e) {
        native_pack_head(pk, nr, e, r->error ? r->error_message : one->error_message, 0);
        return;
    }
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "users");
    msgpack_pack_array(pk, r->user_count);
    for (size_t i = 0; i < r->user_count; i++) {
        const brook_scram_user *u = &r->users[i];
        msgpack_pack_map(pk, 2);
        native_pack_kv_str(pk, "name", u->name);
        native_pack_str(pk, "mechanisms");
        msgpack_pack_array(pk, u->credential_count);
        for (size_t k = 0; k < u->credential_count; k++) {
            msgpack_pack_map(pk, 2);
            native_pack_kv_str(pk, "mechanism",
                               u->credentials[k].mechanism == BROOK_SCRAM_SHA_512 ? mechanisms[2] : mechanisms[1]);
            native_pack_kv_int(pk, "iterations", u->credentials[k].iterations);
        }
    }
}

static void encode_alter_users(msgpack_packer *pk, const native_req *nr, const brook_alter_user_scram_req *r)
{
    brook_err first = BROOK_OK;
    for (size_t i = 0; i < r->alteration_count && !first; i++)
        first = r->alterations[i].error;
    native_pack_head(pk, nr, first, first ? "a change failed: see \"results\"" : NULL, 1);
    native_pack_str(pk, "results");
    msgpack_pack_array(pk, r->alteration_count);
    for (size_t i = 0; i < r->alteration_count; i++) {
        const brook_scram_alteration *a = &r->alterations[i];
        msgpack_pack_map(pk, a->error ? 4 : 3);
        native_pack_kv_str(pk, "user", a->user);
        native_pack_kv_str(pk, "mechanism", a->mechanism == BROOK_SCRAM_SHA_512 ? mechanisms[2] : mechanisms[1]);
        native_pack_kv_int(pk, "error", a->error);
        if (a->error) {
            native_pack_kv_str(pk, "message", a->error_message ? a->error_message : brook_err_str(a->error));
        }
    }
}

void native_encode_security_op(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    switch (nr->op) {
    case OP_DESCRIBE_ACLS: {
        const brook_describe_acls_req *r = &req->u.describe_acls;
        pack_acls(pk, nr, r->error, r->error_message, "acls", r->acls, r->acl_count);
        return;
    }
    case OP_CREATE_ACL: {
        const brook_acl_creation *c = &req->u.create_acls.creations[0];
        native_pack_head(pk, nr, c->error, c->error_message, 0);
        return;
    }
    case OP_DELETE_ACLS: {
        const brook_acl_deletion *f = &req->u.delete_acls.filters[0];
        pack_acls(pk, nr, f->error, f->error_message, "deleted", f->deleted, f->deleted_count);
        return;
    }
    case OP_DESCRIBE_USERS: encode_describe_users(pk, nr, &req->u.describe_user_scram); return;
    case OP_ALTER_USERS: encode_alter_users(pk, nr, &req->u.alter_user_scram); return;
    default: native_pack_head(pk, nr, BROOK_ERR_UNSUPPORTED, NULL, 0); return;
    }
}
