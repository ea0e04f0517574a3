/* Consumer groups in the native protocol (docs/native-protocol.md):
 *
 *   commit_offsets  group, offsets: [{topic, partition, offset, metadata?}]
 *                   -> errors: [code per entry]   (a commit from outside any
 *                   generation: refused while the group has members)
 *   fetch_offsets   group, topic? -> offsets: [{topic, partition, offset, metadata}]
 *   list_groups     -> groups: [{group, protocol_type, state}]
 *   describe_group  group -> state, protocol_type, protocol, members: [...]
 *   delete_group    group (empty groups only; their offsets go too) */
#include <string.h>

#include "native.h"

static int decode_commit(decoder *d)
{
    brook_offset_commit_req *c = &d->req->u.offset_commit;
    if (native_get_str(d, d->map, "group", &c->group_id, "\"group\" must be a non-empty string"))
        return -1;
    const msgpack_object *offs = native_field(d->map, "offsets");
    if (!offs || offs->type != MSGPACK_OBJECT_ARRAY || offs->via.array.size == 0 || offs->via.array.size > 100000)
        return native_fail(d, "\"offsets\" must be a non-empty array of {topic, partition, offset, metadata}");
    size_t n = offs->via.array.size;
    /* one neutral topic entry per element keeps the errors in request order */
    c->topics = brook_request_alloc(d->req, sizeof *c->topics * n);
    brook_offset_partition *parts = brook_request_alloc(d->req, sizeof *parts * n);
    if (!c->topics || !parts)
        return native_fail(d, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *e = &offs->via.array.ptr[i];
        if (e->type != MSGPACK_OBJECT_MAP)
            return native_fail(d, "each offset must be a map {topic, partition, offset, metadata}");
        int64_t partition, offset;
        if (native_get_str(d, e, "topic", &c->topics[i].name, "\"topic\" must be a non-empty string") ||
            native_get_int(d, e, "partition", 0, 0, INT32_MAX, &partition, "\"partition\" must be an integer >= 0") ||
            native_get_int(d, e, "offset", -1, 0, INT64_MAX, &offset, "\"offset\" must be an integer >= 0"))
            return -1;
        const msgpack_object *m = native_field(e, "metadata");
        const char *meta = NULL;
        if (m && m->type != MSGPACK_OBJECT_NIL &&
            native_get_str(d, e, "metadata", &meta, "\"metadata\" must be a string"))
            return -1;
        parts[i] = (brook_offset_partition){.partition = (int32_t)partition,
                                            .offset = offset,
                                            .leader_epoch = -1,
                                            .metadata = meta,
                                            .metadata_len = meta ? (int32_t)m->via.str.size : 0}; /* NULs kept */
        c->topics[i].partitions = &parts[i];
        c->topics[i].partition_count = 1;
    }
    c->topic_count = n;
    c->generation_id = -1;
    c->member_id = "";
    d->req->type = BROOK_REQ_OFFSET_COMMIT;
    return 0;
}

static int decode_fetch_offsets(decoder *d)
{
    brook_offset_fetch_req *f = &d->req->u.offset_fetch;
    if (native_get_str(d, d->map, "group", &f->group_id, "\"group\" must be a non-empty string"))
        return -1;
    const msgpack_object *t = native_field(d->map, "topic");
    native_req *nr = d->req->codec_data;
    if (t && t->type != MSGPACK_OBJECT_NIL &&
        native_get_str(d, d->map, "topic", &nr->topic, "\"topic\" must be a non-empty string"))
        return -1;
    f->all_topics = 1; /* filtered by topic when encoding */
    d->req->type = BROOK_REQ_OFFSET_FETCH;
    return 0;
}

static int decode_one_group(decoder *d, const char **group)
{
    return native_get_str(d, d->map, "group", group, "\"group\" must be a non-empty string");
}

int native_decode_group_op(decoder *d, op o)
{
    brook_request *req = d->req;
    switch (o) {
    case OP_COMMIT_OFFSETS: return decode_commit(d);
    case OP_FETCH_OFFSETS: return decode_fetch_offsets(d);
    case OP_LIST_GROUPS: req->type = BROOK_REQ_LIST_GROUPS; return 0;
    case OP_DESCRIBE_GROUP: {
        brook_describe_groups_req *g = &req->u.describe_groups;
        g->groups = brook_request_alloc(req, sizeof *g->groups);
        if (!g->groups)
            return native_fail(d, "out of memory");
        g->group_count = 1;
        req->type = BROOK_REQ_DESCRIBE_GROUPS;
        return decode_one_group(d, &g->groups[0].group_id);
    }
    case OP_DELETE_GROUP: {
        brook_delete_groups_req *g = &req->u.delete_groups;
        g->groups = brook_request_alloc(req, sizeof *g->groups);
        if (!g->groups)
            return native_fail(d, "out of memory");
        g->group_count = 1;
        req->type = BROOK_REQ_DELETE_GROUPS;
        return decode_one_group(d, &g->groups[0].group_id);
    }
    default: return native_fail(d, "unknown \"op\"");
    }
}

/* ---- encoding ------------------------------------------------------------ */

static void encode_commit(msgpack_packer *pk, const native_req *nr, const brook_offset_commit_req *c)
{
    brook_err first = BROOK_OK;
    for (size_t i = 0; i < c->topic_count && !first; i++)
        first = c->topics[i].partitions[0].error;
    native_pack_head(pk, nr, first, NULL, 1);
    native_pack_str(pk, "errors");
    msgpack_pack_array(pk, c->topic_count);
    for (size_t i = 0; i < c->topic_count; i++)
        msgpack_pack_int(pk, (int)c->topics[i].partitions[0].error);
}

/* The topic the request asked for, NULL for all: kept in the codec state. */
static void encode_fetch_offsets(msgpack_packer *pk, const native_req *nr, const brook_offset_fetch_req *f)
{
    if (f->error) {
        native_pack_head(pk, nr, f->error, NULL, 0);
        return;
    }
    size_t n = 0;
    for (size_t t = 0; t < f->topic_count; t++)
        if (!nr->topic || strcmp(nr->topic, f->topics[t].name) == 0)
            n += f->topics[t].partition_count;
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "offsets");
    msgpack_pack_array(pk, n);
    for (size_t t = 0; t < f->topic_count; t++) {
        if (nr->topic && strcmp(nr->topic, f->topics[t].name) != 0)
            continue;
        for (size_t i = 0; i < f->topics[t].partition_count; i++) {
            const brook_offset_partition *p = &f->topics[t].partitions[i];
            msgpack_pack_map(pk, 4);
            native_pack_kv_str(pk, "topic", f->topics[t].name);
            native_pack_kv_int(pk, "partition", p->partition);
            native_pack_kv_int(pk, "offset", p->offset);
            native_pack_str(pk, "metadata");
            msgpack_pack_str_with_body(pk, p->metadata ? p->metadata : "", brook_offset_metadata_len(p));
        }
    }
}

static void encode_list_groups(msgpack_packer *pk, const native_req *nr, const brook_list_groups_req *l)
{
    if (l->error) {
        native_pack_head(pk, nr, l->error, NULL, 0);
        return;
    }
    native_pack_head(pk, nr, BROOK_OK, NULL, 1);
    native_pack_str(pk, "groups");
    msgpack_pack_array(pk, l->group_count);
    for (size_t i = 0; i < l->group_count; i++) {
        msgpack_pack_map(pk, 3);
        native_pack_kv_str(pk, "group", l->groups[i].group_id);
        native_pack_kv_str(pk, "protocol_type", l->groups[i].protocol_type ? l->groups[i].protocol_type : "");
        native_pack_kv_str(pk, "state", l->groups[i].state);
    }
}

static void encode_describe(msgpack_packer *pk, const native_req *nr, const brook_group_description *g)
{
    if (g->error) {
        native_pack_head(pk, nr, g->error, NULL, 0);
        return;
    }
    native_pack_head(pk, nr, BROOK_OK, NULL, 4);
    native_pack_kv_str(pk, "state", g->state ? g->state : "");
    native_pack_kv_str(pk, "protocol_type", g->protocol_type ? g->protocol_type : "");
    native_pack_kv_str(pk, "protocol", g->protocol_name ? g->protocol_name : "");
    native_pack_str(pk, "members");
    msgpack_pack_array(pk, g->member_count);
    for (size_t i = 0; i < g->member_count; i++) {
        const brook_group_member_info *m = &g->members[i];
        msgpack_pack_map(pk, 5);
        native_pack_kv_str(pk, "member_id", m->member_id);
        native_pack_str(pk, "assignment"); /* the leader's, as given: Kafka's consumer protocol for "consumer" */
        msgpack_pack_bin_with_body(pk, m->assignment ? (const char *)m->assignment : "", m->assignment_len);
        native_pack_str(pk, "instance_id");
        if (m->group_instance_id)
            native_pack_str(pk, m->group_instance_id);
        else
            msgpack_pack_nil(pk);
        native_pack_kv_str(pk, "client_id", m->client_id ? m->client_id : "");
        native_pack_kv_str(pk, "client_host", m->client_host ? m->client_host : "");
    }
}

void native_encode_group_op(msgpack_packer *pk, const native_req *nr, const brook_request *req)
{
    switch (nr->op) {
    case OP_COMMIT_OFFSETS: encode_commit(pk, nr, &req->u.offset_commit); return;
    case OP_FETCH_OFFSETS: encode_fetch_offsets(pk, nr, &req->u.offset_fetch); return;
    case OP_LIST_GROUPS: encode_list_groups(pk, nr, &req->u.list_groups); return;
    case OP_DESCRIBE_GROUP: encode_describe(pk, nr, &req->u.describe_groups.groups[0]); return;
    case OP_DELETE_GROUP: native_pack_head(pk, nr, req->u.delete_groups.groups[0].error, NULL, 0); return;
    default: native_pack_head(pk, nr, BROOK_ERR_UNSUPPORTED, NULL, 0); return;
    }
}
