/* codec-native: client quotas (what `brookctl quotas` sends), mapped onto
 * the neutral requests:
 *   {op: "alter_client_quotas", user?, client_id?, set: {key: rate}, delete: [key]}
 *     one entity: a part absent is not in it, nil is its default, a
 *     string its name; answered with error and message;
 *   {op: "describe_client_quotas"}
 *     answered with quotas: [{user?, client_id?, values: {key: rate}}]
 *     (every rule; a part absent is not in the entity, nil is the default). */
#include <string.h>

#include "native.h"

#define MAX_OPS 16

static const char *const entity_shape =
    "\"user\" and \"client_id\" must each be a name, or nil for the default (one of them at least)";

/* One part of the entity: absent, nil (the default) or a name. */
static int decode_part(decoder *d, const char *field, const char *type, brook_quota_entity_part *parts, size_t *n)
{
    const msgpack_object *o = native_field(d->map, field);
    if (!o)
        return 0;
    parts[*n] = (brook_quota_entity_part){.type = type};
    if (o->type != MSGPACK_OBJECT_NIL && native_copy_str(d, o, 0, 255, &parts[*n].name, entity_shape))
        return -1;
    (*n)++;
    return 0;
}

/* "set" {key: rate} and "delete" [key] into ops. */
static int decode_ops(decoder *d, brook_quota_alteration *a)
{
    const msgpack_object *set = native_field(d->map, "set"), *del = native_field(d->map, "delete");
    size_t n_set = set && set->type == MSGPACK_OBJECT_MAP ? set->via.map.size : 0,
           n_del = del && del->type == MSGPACK_OBJECT_ARRAY ? del->via.array.size : 0;
    if ((set && set->type != MSGPACK_OBJECT_MAP) || (del && del->type != MSGPACK_OBJECT_ARRAY) || n_set + n_del == 0 ||
        n_set + n_del > MAX_OPS)
        return native_fail(d, "give \"set\" (a map of quota names to rates) and/or \"delete\" (quota names)");
    brook_quota_op *ops = brook_request_alloc(d->req, sizeof *ops * (n_set + n_del));
    if (!ops)
        return native_fail(d, "out of memory");
    for (size_t i = 0; i < n_set; i++) {
        const msgpack_object *k = &set->via.map.ptr[i].key, *v = &set->via.map.ptr[i].val;
        if (native_copy_str(d, k, 0, 64, &ops[i].key, "a quota name must be a non-empty string"))
            return -1;
        if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            ops[i].value = (double)v->via.u64;
        else if (v->type == MSGPACK_OBJECT_FLOAT64 || v->type == MSGPACK_OBJECT_FLOAT32)
            ops[i].value = v->via.f64;
        else
            return native_fail(d, "a quota's rate must be a number");
    }
    for (size_t i = 0; i < n_del; i++) {
        brook_quota_op *removal = &ops[n_set + i];
        removal->remove = 1;
        if (native_copy_str(d, &del->via.array.ptr[i], 0, 64, &removal->key, "a quota name must be a non-empty string"))
            return -1;
    }
    a->ops = ops;
    a->op_count = n_set + n_del;
    return 0;
}

int native_decode_alter_client_quotas(decoder *d)
{
    brook_alter_client_quotas_req *q = &d->req->u.alter_client_quotas;
    brook_quota_alteration *a = brook_request_alloc(d->req, sizeof *a);
    brook_quota_entity_part *parts = brook_request_alloc(d->req, sizeof *parts * 2);
    d->req->type = BROOK_REQ_ALTER_CLIENT_QUOTAS;
    if (!a || !parts)
        return native_fail(d, "out of memory");
    size_t n = 0;
    if (decode_part(d, "user", "user", parts, &n) || decode_part(d, "client_id", "client-id", parts, &n) ||
        decode_ops(d, a))
        return -1;
    a->entity = parts;
    a->entity_count = n;
    q->entries = a;
    q->entry_count = 1;
    return 0;
}

int native_decode_describe_client_quotas(decoder *d)
{
    d->req->type = BROOK_REQ_DESCRIBE_CLIENT_QUOTAS; /* no filters: every rule */
    return 0;
}

void native_encode_alter_client_quotas(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_quota_alteration *a = &req->u.alter_client_quotas.entries[0];
    native_pack_head(pk, nr, a->error, a->error_message, 0);
}

void native_encode_describe_client_quotas(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    const brook_describe_client_quotas_req *d = &req->u.describe_client_quotas;
    if (d->error) {
        native_pack_head(pk, nr, d->error, d->error_message, 0);
        return;
    }
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "quotas");
    msgpack_pack_array(pk, d->entry_count);
    for (size_t i = 0; i < d->entry_count; i++) {
        const brook_quota_entry *e = &d->entries[i];
        msgpack_pack_map(pk, e->entity_count + 1);
        for (size_t k = 0; k < e->entity_count; k++) {
            native_pack_str(pk, strcmp(e->entity[k].type, "user") == 0 ? "user" : "client_id");
            if (e->entity[k].name)
                native_pack_str(pk, e->entity[k].name);
            else
                msgpack_pack_nil(pk);
        }
        native_pack_str(pk, "values");
        msgpack_pack_map(pk, e->value_count);
        for (size_t k = 0; k < e->value_count; k++) {
            native_pack_str(pk, e->values[k].key);
            msgpack_pack_int64(pk, (int64_t)e->values[k].value);
        }
    }
}
