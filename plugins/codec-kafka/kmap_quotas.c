/* DescribeClientQuotas (48) and AlterClientQuotas (49), KIP-546, between
 * Kafka's messages and the core's requests. A quota's value is a float64 on
 * the wire: its 8 bytes travel as an int64 field and are read as a double. */
#include <string.h>

#include "kmap.h"

static double as_double(int64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static int64_t as_bits(double d)
{
    int64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

/* An entity's parts from the message; NULL out of memory. */
static const brook_quota_entity_part *entity_of(brook_request *req, const kval *v, size_t *count)
{
    *count = COUNT_OF(v);
    brook_quota_entity_part *parts = kmap_alloc(req, sizeof *parts * (*count + 1));
    for (size_t i = 0; parts && i < *count; i++) {
        const kval *pv = ROW(v, i);
        parts[i] = (brook_quota_entity_part){.type = kmap_str(req, &pv[QE_TYPE]), .name = kmap_str(req, &pv[QE_NAME])};
        if (!parts[i].type || (pv[QE_NAME].len >= 0 && !parts[i].name))
            return NULL;
    }
    return parts;
}

/* An entity's parts into the message. */
static int set_entity(brook_request *req, kval *v, const brook_quota_entity_part *parts, size_t n)
{
    if (kmap_rows(req, v, n, QE__COUNT))
        return -1;
    for (size_t i = 0; i < n; i++) {
        kmap_set_str(&ROW(v, i)[QE_TYPE], parts[i].type);
        kmap_set_str(&ROW(v, i)[QE_NAME], parts[i].name);
    }
    return 0;
}

int kmap_dec_describe_client_quotas(kreq *kr, brook_request *req)
{
    brook_describe_client_quotas_req *d = &req->u.describe_client_quotas;
    kval *components = &kr->body[DCQ_COMPONENTS];
    req->type = BROOK_REQ_DESCRIBE_CLIENT_QUOTAS;
    d->strict = kr->body[DCQ_STRICT].i != 0;
    d->filter_count = COUNT_OF(components);
    brook_quota_filter *filters = kmap_alloc(req, sizeof *filters * (d->filter_count + 1));
    if (!filters)
        return -1;
    for (size_t i = 0; i < d->filter_count; i++) {
        kval *cv = ROW(components, i);
        filters[i] = (brook_quota_filter){.entity_type = kmap_str(req, &cv[DCQ_C_TYPE]),
                                          .match_type = (brook_quota_match)cv[DCQ_C_MATCH_TYPE].i,
                                          .match = kmap_str(req, &cv[DCQ_C_MATCH])};
        if (!filters[i].entity_type)
            return -1;
    }
    d->filters = filters;
    return 0;
}

kval *kmap_enc_describe_client_quotas(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_describe_client_quotas_req *d = &req->u.describe_client_quotas;
    kval *r = kmap_struct(req, DCQ_R__COUNT);
    if (!r)
        return NULL;
    r[DCQ_R_ERROR].i = kmap_error(d->error, 1);
    kmap_set_str(&r[DCQ_R_MESSAGE], d->error ? (d->error_message ? d->error_message : brook_err_str(d->error)) : NULL);
    if (d->error) {
        r[DCQ_R_ENTRIES].len = -1;
        return r;
    }
    if (kmap_rows(req, &r[DCQ_R_ENTRIES], d->entry_count, DCQ_RE__COUNT))
        return NULL;
    for (size_t i = 0; i < d->entry_count; i++) {
        const brook_quota_entry *e = &d->entries[i];
        kval *ev = ROW(&r[DCQ_R_ENTRIES], i);
        if (set_entity(req, &ev[DCQ_RE_ENTITY], e->entity, e->entity_count) ||
            kmap_rows(req, &ev[DCQ_RE_VALUES], e->value_count, DCQ_RV__COUNT))
            return NULL;
        for (size_t k = 0; k < e->value_count; k++) {
            kval *vv = ROW(&ev[DCQ_RE_VALUES], k);
            kmap_set_str(&vv[DCQ_RV_KEY], e->values[k].key);
            vv[DCQ_RV_VALUE].i = as_bits(e->values[k].value);
        }
    }
    return r;
}

int kmap_dec_alter_client_quotas(kreq *kr, brook_request *req)
{
    brook_alter_client_quotas_req *a = &req->u.alter_client_quotas;
    kval *entries = &kr->body[ACQ_ENTRIES];
    req->type = BROOK_REQ_ALTER_CLIENT_QUOTAS;
    a->validate_only = kr->body[ACQ_VALIDATE_ONLY].i != 0;
    a->entry_count = COUNT_OF(entries);
    a->entries = kmap_alloc(req, sizeof *a->entries * (a->entry_count + 1));
    if (!a->entries)
        return -1;
    for (size_t i = 0; i < a->entry_count; i++) {
        kval *ev = ROW(entries, i), *ops = &ev[ACQ_E_OPS];
        brook_quota_alteration *entry = &a->entries[i];
        brook_quota_op *out = kmap_alloc(req, sizeof *out * (COUNT_OF(ops) + 1));
        if (!out || !(entry->entity = entity_of(req, &ev[ACQ_E_ENTITY], &entry->entity_count)))
            return -1;
        for (size_t k = 0; k < COUNT_OF(ops); k++) {
            kval *ov = ROW(ops, k);
            out[k] = (brook_quota_op){.key = kmap_str(req, &ov[ACQ_O_KEY]),
                                      .value = as_double(ov[ACQ_O_VALUE].i),
                                      .remove = ov[ACQ_O_REMOVE].i != 0};
            if (!out[k].key)
                return -1;
        }
        entry->ops = out;
        entry->op_count = COUNT_OF(ops);
    }
    return 0;
}

kval *kmap_enc_alter_client_quotas(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_alter_client_quotas_req *a = &req->u.alter_client_quotas;
    kval *r = kmap_struct(req, ACQ_R__COUNT);
    if (!r || kmap_rows(req, &r[ACQ_R_ENTRIES], a->entry_count, ACQ_RE__COUNT))
        return NULL;
    for (size_t i = 0; i < a->entry_count; i++) {
        const brook_quota_alteration *entry = &a->entries[i];
        kval *ev = ROW(&r[ACQ_R_ENTRIES], i);
        /* a refused value or entity: INVALID_REQUEST with the reason, as Kafka's */
        ev[ACQ_RE_ERROR].i = kmap_error(entry->error, 1);
        kmap_set_str(&ev[ACQ_RE_MESSAGE],
                     entry->error ? (entry->error_message ? entry->error_message : brook_err_str(entry->error)) : NULL);
        if (set_entity(req, &ev[ACQ_RE_ENTITY], entry->entity, entry->entity_count))
            return NULL;
    }
    return r;
}
