#include "kmap.h"

#include <string.h>

void *kmap_alloc(void *ctx, size_t size)
{
    return brook_request_alloc(ctx, size);
}

int16_t kmap_error(brook_err e, int cluster)
{
    switch (e) {
    case BROOK_OK: return 0;
    case BROOK_ERR_OUT_OF_RANGE: return 1;         /* OFFSET_OUT_OF_RANGE */
    case BROOK_ERR_CORRUPT: return 2;              /* CORRUPT_MESSAGE */
    case BROOK_ERR_NOT_FOUND: return 3;            /* UNKNOWN_TOPIC_OR_PARTITION */
    case BROOK_ERR_LEADER_NOT_AVAILABLE: return 5; /* LEADER_NOT_AVAILABLE */
    case BROOK_ERR_NOT_LEADER:
    case BROOK_ERR_SHUTDOWN: return 6;             /* NOT_LEADER_OR_FOLLOWER: clients retry elsewhere */
    case BROOK_ERR_TIMEOUT: return 7;              /* REQUEST_TIMED_OUT */
    case BROOK_ERR_NOT_ENOUGH_REPLICAS: return 19; /* NOT_ENOUGH_REPLICAS */
    case BROOK_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: return 20;
    case BROOK_ERR_FENCED_LEADER_EPOCH: return 74;
    case BROOK_ERR_UNKNOWN_LEADER_EPOCH: return 75;
    case BROOK_ERR_TOO_LARGE: return 10;              /* MESSAGE_TOO_LARGE */
    case BROOK_ERR_INVALID_TOPIC: return 17;          /* INVALID_TOPIC_EXCEPTION */
    case BROOK_ERR_DENIED: return cluster ? 31 : 29;  /* CLUSTER_ / TOPIC_AUTHORIZATION_FAILED */
    case BROOK_ERR_UNSUPPORTED: return 35;            /* UNSUPPORTED_VERSION */
    case BROOK_ERR_EXISTS: return 36;                 /* TOPIC_ALREADY_EXISTS */
    case BROOK_ERR_INVALID_PARTITIONS: return 37;     /* INVALID_PARTITIONS */
    case BROOK_ERR_INVALID_REPLICATION: return 38;    /* INVALID_REPLICATION_FACTOR */
    case BROOK_ERR_INVALID: return 42;                /* INVALID_REQUEST */
    case BROOK_ERR_OUT_OF_ORDER_SEQUENCE: return 45;  /* OUT_OF_ORDER_SEQUENCE_NUMBER */
    case BROOK_ERR_INVALID_PRODUCER_EPOCH: return 47; /* INVALID_PRODUCER_EPOCH */
    case BROOK_ERR_INVALID_TXN_STATE: return 48;
    case BROOK_ERR_INVALID_PRODUCER_ID_MAPPING: return 49;
    case BROOK_ERR_INVALID_TRANSACTION_TIMEOUT: return 50;
    case BROOK_ERR_CONCURRENT_TRANSACTIONS: return 51;
    case BROOK_ERR_TRANSACTION_COORDINATOR_FENCED: return 52;
    case BROOK_ERR_TRANSACTIONAL_ID_DENIED: return 53; /* TRANSACTIONAL_ID_AUTHORIZATION_FAILED */
    case BROOK_ERR_OPERATION_NOT_ATTEMPTED: return 55;
    case BROOK_ERR_PRODUCER_FENCED: return 90;
    case BROOK_ERR_UNSTABLE_OFFSET_COMMIT: return 88;
    case BROOK_ERR_IO:
    case BROOK_ERR_NO_SPACE: return 56;       /* KAFKA_STORAGE_ERROR */
    case BROOK_ERR_AUTH: return 58;           /* SASL_AUTHENTICATION_FAILED */
    case BROOK_ERR_INVALID_RECORD: return 87; /* INVALID_RECORD */
    case BROOK_ERR_PREFERRED_LEADER_NOT_AVAILABLE: return 80;
    case BROOK_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE: return 83;
    case BROOK_ERR_ELECTION_NOT_NEEDED: return 84;
    case BROOK_ERR_INVALID_REPLICA_ASSIGNMENT: return 39;
    case BROOK_ERR_NO_REASSIGNMENT_IN_PROGRESS: return 85;
    default: return -1; /* UNKNOWN_SERVER_ERROR */
    }
}

int64_t kmap_kafka_operation(int op)
{
    switch (op) {
    case BROOK_OP_READ: return 3;
    case BROOK_OP_WRITE: return 4;
    case BROOK_OP_CREATE: return 5;
    case BROOK_OP_DELETE: return 6;
    case BROOK_OP_ALTER: return 7;
    case BROOK_OP_DESCRIBE: return 8;
    case BROOK_OP_CLUSTER_ACTION: return 9;
    default: return 0; /* UNKNOWN */
    }
}

/* The config operations (of topics and the cluster) follow the ones Brook
 * checks for them (DESCRIBE, ALTER), as does IDEMPOTENT_WRITE (WRITE on
 * the cluster, which Kafka does not list for the cluster). */
int64_t kmap_authorized_ops(int asked, uint32_t allowed, brook_resource_type type)
{
    if (!asked)
        return INT32_MIN;
    int cluster = type == BROOK_RESOURCE_CLUSTER, configs = type != BROOK_RESOURCE_GROUP;
    uint32_t k = 0;
    for (int op = BROOK_OP_READ; op <= BROOK_OP_CLUSTER_ACTION; op++)
        if (allowed & BROOK_OP_BIT(op) && !(cluster && op == BROOK_OP_WRITE))
            k |= 1u << kmap_kafka_operation(op);
    if (configs && allowed & BROOK_OP_BIT(BROOK_OP_DESCRIBE))
        k |= 1u << 10; /* DESCRIBE_CONFIGS */
    if (configs && allowed & BROOK_OP_BIT(BROOK_OP_ALTER))
        k |= 1u << 11; /* ALTER_CONFIGS */
    if (cluster && allowed & BROOK_OP_BIT(BROOK_OP_WRITE))
        k |= 1u << 12; /* IDEMPOTENT_WRITE */
    return (int64_t)(int32_t)k;
}

/* ---- helpers -------------------------------------------------------------- */

const char *kmap_str(brook_request *req, const kval *v)
{
    if (v->len < 0)
        return NULL;
    char *s = brook_request_alloc(req, (size_t)v->len + 1);
    if (s && v->len)
        memcpy(s, v->ptr, (size_t)v->len);
    return s;
}

void kmap_set_str(kval *v, const char *s)
{
    v->ptr = (const uint8_t *)s;
    v->len = s ? (int32_t)strlen(s) : -1;
}

int kmap_rows(brook_request *req, kval *v, size_t count, size_t nfields)
{
    v->len = (int32_t)count;
    v->width = (uint16_t)nfields;
    if (!count)
        return 0;
    v->items = kmap_alloc(req, sizeof(kval) * count * nfields);
    return v->items ? 0 : -1;
}

kval *kmap_struct(brook_request *req, size_t nfields)
{
    return kmap_alloc(req, sizeof(kval) * nfields);
}

/* ---- decode ---------------------------------------------------------------- */

int kmap_dec_produce(kreq *kr, brook_request *req)
{
    kval *b = kr->body;
    brook_produce_req *p = &req->u.produce;
    p->acks = (int16_t)b[PRODUCE_ACKS].i;
    p->transactional_id = kmap_str(req, &b[PRODUCE_TXN_ID]); /* NULL for null, and before v3 */
    req->timeout_ms = (int32_t)b[PRODUCE_TIMEOUT].i;
    kval *topics = &b[PRODUCE_TOPICS];
    p->topic_count = COUNT_OF(topics);
    p->topics = kmap_alloc(req, sizeof *p->topics * (p->topic_count + 1));
    if (!p->topics)
        return -1;
    for (size_t t = 0; t < p->topic_count; t++) {
        kval *tv = ROW(topics, t);
        brook_produce_topic *pt = &p->topics[t];
        pt->name = kmap_str(req, &tv[PRODUCE_T_NAME]);
        kval *parts = &tv[PRODUCE_T_PARTITIONS];
        pt->partition_count = COUNT_OF(parts);
        pt->partitions = kmap_alloc(req, sizeof *pt->partitions * (pt->partition_count + 1));
        if (!pt->partitions)
            return -1;
        for (size_t i = 0; i < pt->partition_count; i++) {
            kval *pv = ROW(parts, i);
            pt->partitions[i].partition = (int32_t)pv[PRODUCE_P_INDEX].i;
            pt->partitions[i].records = pv[PRODUCE_P_RECORDS].ptr;
            pt->partitions[i].records_len = pv[PRODUCE_P_RECORDS].len > 0 ? (size_t)pv[PRODUCE_P_RECORDS].len : 0;
        }
    }
    if (p->acks != 0 && p->acks != 1 && p->acks != -1) {
        /* answered per partition with INVALID_REQUIRED_ACKS */
        req->type = BROOK_REQ_INVALID;
        req->error = BROOK_ERR_INVALID;
        req->error_message = "acks must be 0, 1 or -1";
        return 0;
    }
    if (p->acks == 0)
        req->flags |= BROOK_REQ_F_NO_RESPONSE;
    req->type = BROOK_REQ_PRODUCE;
    return 0;
}

int kmap_dec_fetch(kreq *kr, brook_request *req)
{
    kval *b = kr->body;
    brook_fetch_req *f = &req->u.fetch;
    f->max_wait_ms = (int32_t)b[FETCH_MAX_WAIT].i;
    f->min_bytes = (int32_t)b[FETCH_MIN_BYTES].i;
    f->max_bytes = (int32_t)b[FETCH_MAX_BYTES].i;
    f->replica_id = (int32_t)b[FETCH_REPLICA].i;
    f->isolation = b[FETCH_ISOLATION].i == 1 ? BROOK_READ_COMMITTED : BROOK_READ_UNCOMMITTED; /* v4+ */
    if (kr->version >= 11) { /* a consumer that may fetch from the closest replica (KIP-392) */
        f->rack_id = kmap_str(req, &b[FETCH_RACK]);
        if (!f->rack_id)
            f->rack_id = b[FETCH_RACK].len < 0 ? "" : NULL; /* (NULL here: out of memory) */
        if (!f->rack_id)
            return -1;
    }
    kval *topics = &b[FETCH_TOPICS];
    f->topic_count = COUNT_OF(topics);
    f->topics = kmap_alloc(req, sizeof *f->topics * (f->topic_count + 1));
    if (!f->topics)
        return -1;
    for (size_t t = 0; t < f->topic_count; t++) {
        kval *tv = ROW(topics, t);
        brook_fetch_topic *ft = &f->topics[t];
        ft->name = kmap_str(req, &tv[FETCH_T_NAME]);
        kval *parts = &tv[FETCH_T_PARTITIONS];
        ft->partition_count = COUNT_OF(parts);
        ft->partitions = kmap_alloc(req, sizeof *ft->partitions * (ft->partition_count + 1));
        if (!ft->partitions)
            return -1;
        for (size_t i = 0; i < ft->partition_count; i++) {
            kval *pv = ROW(parts, i);
            ft->partitions[i].partition = (int32_t)pv[FETCH_P_INDEX].i;
            ft->partitions[i].fetch_offset = pv[FETCH_P_OFFSET].i;
            ft->partitions[i].max_bytes = (int32_t)pv[FETCH_P_MAX_BYTES].i;
            ft->partitions[i].current_leader_epoch = (int32_t)pv[FETCH_P_LEADER_EPOCH].i;
            ft->partitions[i].last_fetched_epoch = -1; /* Fetch v12+, not offered yet */
            /* a follower's own start (v5+; consumers send -1) */
            ft->partitions[i].replica_log_start_offset = pv[FETCH_P_LOG_START].i > 0 ? pv[FETCH_P_LOG_START].i : 0;
        }
    }
    req->type = BROOK_REQ_FETCH;
    return 0;
}

int kmap_dec_list_offsets(kreq *kr, brook_request *req)
{
    brook_list_offsets_req *l = &req->u.list_offsets;
    l->isolation = kr->body[LO_ISOLATION].i == 1 ? BROOK_READ_COMMITTED : BROOK_READ_UNCOMMITTED; /* v2+ */
    kval *topics = &kr->body[LO_TOPICS];
    l->topic_count = COUNT_OF(topics);
    l->topics = kmap_alloc(req, sizeof *l->topics * (l->topic_count + 1));
    if (!l->topics)
        return -1;
    for (size_t t = 0; t < l->topic_count; t++) {
        kval *tv = ROW(topics, t);
        brook_list_offsets_topic *lt = &l->topics[t];
        lt->name = kmap_str(req, &tv[LO_T_NAME]);
        kval *parts = &tv[LO_T_PARTITIONS];
        lt->partition_count = COUNT_OF(parts);
        lt->partitions = kmap_alloc(req, sizeof *lt->partitions * (lt->partition_count + 1));
        if (!lt->partitions)
            return -1;
        for (size_t i = 0; i < lt->partition_count; i++) {
            kval *pv = ROW(parts, i);
            lt->partitions[i].partition = (int32_t)pv[LO_P_INDEX].i;
            lt->partitions[i].timestamp = pv[LO_P_TIMESTAMP].i;
            lt->partitions[i].current_leader_epoch = (int32_t)pv[LO_P_LEADER_EPOCH].i;
        }
    }
    req->type = BROOK_REQ_LIST_OFFSETS;
    return 0;
}

int kmap_dec_offset_for_leader_epoch(kreq *kr, brook_request *req)
{
    brook_offset_for_leader_epoch_req *o = &req->u.offset_for_leader_epoch;
    int32_t replica = (int32_t)kr->body[OLE_REPLICA].i;
    o->replica_id = replica >= 0 ? replica : -1; /* -2 (a "debug" consumer, the pre-v3 default) is a consumer */
    kval *topics = &kr->body[OLE_TOPICS];
    o->topic_count = COUNT_OF(topics);
    o->topics = kmap_alloc(req, sizeof *o->topics * (o->topic_count + 1));
    if (!o->topics)
        return -1;
    for (size_t t = 0; t < o->topic_count; t++) {
        kval *tv = ROW(topics, t);
        brook_epoch_end_topic *et = &o->topics[t];
        et->name = kmap_str(req, &tv[OLE_T_NAME]);
        kval *parts = &tv[OLE_T_PARTITIONS];
        et->partition_count = COUNT_OF(parts);
        et->partitions = kmap_alloc(req, sizeof *et->partitions * (et->partition_count + 1));
        if (!et->partitions)
            return -1;
        for (size_t i = 0; i < et->partition_count; i++) {
            kval *pv = ROW(parts, i);
            et->partitions[i].partition = (int32_t)pv[OLE_P_INDEX].i;
            et->partitions[i].current_leader_epoch = (int32_t)pv[OLE_P_CURRENT_EPOCH].i;
            et->partitions[i].leader_epoch = (int32_t)pv[OLE_P_LEADER_EPOCH].i;
        }
    }
    req->type = BROOK_REQ_OFFSET_FOR_LEADER_EPOCH;
    return 0;
}

int kmap_dec_metadata(kreq *kr, brook_request *req)
{
    brook_metadata_req *m = &req->u.metadata;
    kval *topics = &kr->body[MD_TOPICS];
    /* v0: an empty list means all topics; v1+: null means all */
    m->all_topics = topics->len < 0 || (kr->version == 0 && topics->len == 0);
    m->allow_auto_create = kr->body[MD_AUTO_CREATE].i != 0;
    m->topic_count = m->all_topics ? 0 : COUNT_OF(topics);
    m->topics = kmap_alloc(req, sizeof *m->topics * (m->topic_count + 1));
    if (!m->topics)
        return -1;
    for (size_t t = 0; t < m->topic_count; t++)
        m->topics[t].name = kmap_str(req, &ROW(topics, t)[MD_T_NAME]);
    m->include_authorized_ops = kr->body[MD_CLUSTER_OPS].i || kr->body[MD_TOPIC_OPS].i;
    req->type = BROOK_REQ_METADATA;
    return 0;
}

/* DescribeCluster (KIP-700) is a Metadata request without topics: the
 * brokers, the controller and the cluster id. */
int kmap_dec_describe_cluster(kreq *kr, brook_request *req)
{
    req->u.metadata.topic_count = 0;
    req->u.metadata.include_authorized_ops = kr->body[DCL_INCLUDE_OPS].i != 0;
    req->type = BROOK_REQ_METADATA;
    if (kr->body[DCL_ENDPOINT_TYPE].i != 1) { /* 2: controllers (KRaft), which Brook does not expose */
        req->type = BROOK_REQ_INVALID;
        req->error = BROOK_ERR_UNSUPPORTED;
        req->error_message = "only the brokers' endpoints (endpoint type 1) are described";
    }
    return 0;
}

kval *kmap_enc_describe_cluster(kreq *kr, brook_request *req)
{
    brook_metadata_req *m = &req->u.metadata;
    kval *r = kmap_struct(req, DCL_R__COUNT);
    if (!r || kmap_rows(req, &r[DCL_R_BROKERS], req->error ? 0 : m->broker_count, DCL_RB__COUNT))
        return NULL;
    r[DCL_R_ERROR].i = kmap_error(req->error, 1);
    kmap_set_str(&r[DCL_R_MESSAGE], req->error ? req->error_message : NULL);
    r[DCL_R_ENDPOINT_TYPE].i = kr->body[DCL_ENDPOINT_TYPE].i;
    kmap_set_str(&r[DCL_R_CLUSTER_ID], req->error || !m->cluster_id ? "" : m->cluster_id);
    r[DCL_R_CONTROLLER].i = req->error ? -1 : m->controller_id;
    r[DCL_R_CLUSTER_OPS].i = kmap_authorized_ops(!req->error && m->include_authorized_ops, m->cluster_authorized_ops,
                                                 BROOK_RESOURCE_CLUSTER);
    for (size_t i = 0; !req->error && i < m->broker_count; i++) {
        kval *bv = ROW(&r[DCL_R_BROKERS], i);
        bv[DCL_RB_ID].i = m->brokers[i].id;
        kmap_set_str(&bv[DCL_RB_HOST], m->brokers[i].host);
        bv[DCL_RB_PORT].i = m->brokers[i].port;
        kmap_set_str(&bv[DCL_RB_RACK], m->brokers[i].rack);
    }
    return r;
}

/* DescribeLogDirs: Brook keeps one data directory, so one result. */
int kmap_dec_describe_log_dirs(kreq *kr, brook_request *req)
{
    brook_describe_log_dirs_req *d = &req->u.describe_log_dirs;
    kval *topics = &kr->body[DLD_TOPICS];
    d->all_topics = topics->len < 0;
    d->topic_count = COUNT_OF(topics);
    d->topics = kmap_alloc(req, sizeof *d->topics * (d->topic_count + 1));
    if (!d->topics)
        return -1;
    for (size_t t = 0; t < d->topic_count; t++) {
        kval *tv = ROW(topics, t), *parts = &tv[DLD_T_PARTITIONS];
        brook_log_dir_topic *lt = &d->topics[t];
        lt->name = kmap_str(req, &tv[DLD_T_NAME]);
        lt->partition_count = COUNT_OF(parts);
        int32_t *p = kmap_alloc(req, sizeof *p * (lt->partition_count + 1));
        if (!p)
            return -1;
        for (size_t i = 0; i < lt->partition_count; i++)
            p[i] = (int32_t)parts->items[i].i;
        lt->partitions = p;
    }
    req->type = BROOK_REQ_DESCRIBE_LOG_DIRS;
    return 0;
}

kval *kmap_enc_describe_log_dirs(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_describe_log_dirs_req *d = &req->u.describe_log_dirs;
    kval *r = kmap_struct(req, DLD_R__COUNT);
    if (!r || kmap_rows(req, &r[DLD_R_RESULTS], 1, DLD_RR__COUNT))
        return NULL;
    r[DLD_R_ERROR].i = kmap_error(d->error, 1);
    kval *dir = ROW(&r[DLD_R_RESULTS], 0);
    dir[DLD_RR_ERROR].i = kmap_error(d->error, 1);
    kmap_set_str(&dir[DLD_RR_DIR], d->log_dir ? d->log_dir : "");
    dir[DLD_RR_TOTAL].i = d->error ? -1 : d->total_bytes;
    dir[DLD_RR_USABLE].i = d->error ? -1 : d->usable_bytes;
    size_t n = 0;
    for (size_t t = 0; !d->error && t < d->topic_count; t++)
        n += d->topics[t].replica_count > 0;
    if (kmap_rows(req, &dir[DLD_RR_TOPICS], n, DLD_RT__COUNT))
        return NULL;
    for (size_t t = 0, k = 0; !d->error && t < d->topic_count; t++) {
        const brook_log_dir_topic *lt = &d->topics[t];
        if (!lt->replica_count)
            continue; /* a topic without replicas here is not in this directory */
        kval *tv = ROW(&dir[DLD_RR_TOPICS], k++);
        kmap_set_str(&tv[DLD_RT_NAME], lt->name);
        if (kmap_rows(req, &tv[DLD_RT_PARTITIONS], lt->replica_count, DLD_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < lt->replica_count; i++) {
            kval *pv = ROW(&tv[DLD_RT_PARTITIONS], i);
            pv[DLD_RP_INDEX].i = lt->replicas[i].partition;
            pv[DLD_RP_SIZE].i = lt->replicas[i].size_bytes;
            pv[DLD_RP_LAG].i = lt->replicas[i].offset_lag;
        }
    }
    return r;
}

int kmap_dec_describe_producers(kreq *kr, brook_request *req)
{
    brook_describe_producers_req *d = &req->u.describe_producers;
    kval *topics = &kr->body[DP_TOPICS];
    d->topic_count = COUNT_OF(topics);
    d->topics = kmap_alloc(req, sizeof *d->topics * (d->topic_count + 1));
    if (!d->topics)
        return -1;
    for (size_t t = 0; t < d->topic_count; t++) {
        kval *tv = ROW(topics, t), *parts = &tv[DP_T_PARTITIONS];
        brook_producers_topic *pt = &d->topics[t];
        pt->name = kmap_str(req, &tv[DP_T_NAME]);
        pt->partition_count = COUNT_OF(parts);
        pt->partitions = kmap_alloc(req, sizeof *pt->partitions * (pt->partition_count + 1));
        if (!pt->partitions)
            return -1;
        for (size_t i = 0; i < pt->partition_count; i++)
            pt->partitions[i].partition = (int32_t)parts->items[i].i;
    }
    req->type = BROOK_REQ_DESCRIBE_PRODUCERS;
    return 0;
}

kval *kmap_enc_describe_producers(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_describe_producers_req *d = &req->u.describe_producers;
    kval *r = kmap_struct(req, DP_R__COUNT);
    if (!r || kmap_rows(req, &r[DP_R_TOPICS], d->topic_count, DP_RT__COUNT))
        return NULL;
    for (size_t t = 0; t < d->topic_count; t++) {
        const brook_producers_topic *pt = &d->topics[t];
        kval *tv = ROW(&r[DP_R_TOPICS], t);
        kmap_set_str(&tv[DP_RT_NAME], pt->name);
        if (kmap_rows(req, &tv[DP_RT_PARTITIONS], pt->partition_count, DP_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < pt->partition_count; i++) {
            const brook_producers_partition *pp = &pt->partitions[i];
            kval *pv = ROW(&tv[DP_RT_PARTITIONS], i);
            size_t n = pp->error ? 0 : pp->producer_count;
            pv[DP_RP_INDEX].i = pp->partition;
            pv[DP_RP_ERROR].i = kmap_error(pp->error, 0);
            kmap_set_str(&pv[DP_RP_MESSAGE], pp->error ? brook_err_str(pp->error) : NULL);
            if (kmap_rows(req, &pv[DP_RP_PRODUCERS], n, DP_RS__COUNT))
                return NULL;
            for (size_t k = 0; k < n; k++) {
                kval *sv = ROW(&pv[DP_RP_PRODUCERS], k);
                sv[DP_RS_ID].i = pp->producers[k].producer_id;
                sv[DP_RS_EPOCH].i = pp->producers[k].producer_epoch;
                sv[DP_RS_LAST_SEQ].i = pp->producers[k].last_sequence;
                sv[DP_RS_LAST_TIME].i = pp->producers[k].last_timestamp;
                sv[DP_RS_COORD_EPOCH].i = pp->producers[k].coordinator_epoch;
                sv[DP_RS_TXN_START].i = pp->producers[k].current_txn_start_offset;
            }
        }
    }
    return r;
}

int kmap_dec_create_topics(kreq *kr, brook_request *req)
{
    brook_create_topics_req *c = &req->u.create_topics;
    kval *topics = &kr->body[CT_TOPICS];
    c->topic_count = COUNT_OF(topics);
    c->validate_only = kr->body[CT_VALIDATE_ONLY].i != 0;
    req->timeout_ms = (int32_t)kr->body[CT_TIMEOUT].i;
    c->topics = kmap_alloc(req, sizeof *c->topics * (c->topic_count + 1));
    if (!c->topics)
        return -1;
    for (size_t t = 0; t < c->topic_count; t++) {
        kval *tv = ROW(topics, t);
        brook_topic_create *tc = &c->topics[t];
        tc->name = kmap_str(req, &tv[CT_T_NAME]);
        tc->partitions = (int32_t)tv[CT_T_PARTITIONS].i;
        tc->replication_factor = (int16_t)tv[CT_T_REPLICATION].i;
        if (tv[CT_T_ASSIGNMENTS].len > 0) {
            tc->error = BROOK_ERR_INVALID_REPLICATION;
            tc->error_message = "manual replica assignments are not supported";
        }
        kval *configs = &tv[CT_T_CONFIGS];
        tc->config_count = COUNT_OF(configs);
        brook_config_pair *pairs = kmap_alloc(req, sizeof *pairs * (tc->config_count + 1));
        if (!pairs)
            return -1;
        for (size_t i = 0; i < tc->config_count; i++) {
            pairs[i].name = kmap_str(req, &ROW(configs, i)[CT_C_NAME]);
            pairs[i].value = kmap_str(req, &ROW(configs, i)[CT_C_VALUE]); /* null: the default */
        }
        tc->configs = pairs;
    }
    req->type = BROOK_REQ_CREATE_TOPICS;
    return 0;
}

int kmap_dec_delete_records(kreq *kr, brook_request *req)
{
    brook_delete_records_req *d = &req->u.delete_records;
    kval *topics = &kr->body[DR_TOPICS];
    req->timeout_ms = (int32_t)kr->body[DR_TIMEOUT].i;
    d->topic_count = COUNT_OF(topics);
    d->topics = kmap_alloc(req, sizeof *d->topics * (d->topic_count + 1));
    if (!d->topics)
        return -1;
    for (size_t t = 0; t < d->topic_count; t++) {
        kval *tv = ROW(topics, t);
        brook_delete_records_topic *dt = &d->topics[t];
        dt->name = kmap_str(req, &tv[DR_T_NAME]);
        kval *parts = &tv[DR_T_PARTITIONS];
        dt->partition_count = COUNT_OF(parts);
        dt->partitions = kmap_alloc(req, sizeof *dt->partitions * (dt->partition_count + 1));
        if (!dt->partitions)
            return -1;
        for (size_t i = 0; i < dt->partition_count; i++) {
            dt->partitions[i].partition = (int32_t)ROW(parts, i)[DR_P_INDEX].i;
            dt->partitions[i].offset = ROW(parts, i)[DR_P_OFFSET].i;
        }
    }
    req->type = BROOK_REQ_DELETE_RECORDS;
    return 0;
}

int kmap_dec_create_partitions(kreq *kr, brook_request *req)
{
    brook_create_partitions_req *c = &req->u.create_partitions;
    kval *topics = &kr->body[CP_TOPICS];
    c->topic_count = COUNT_OF(topics);
    c->validate_only = kr->body[CP_VALIDATE_ONLY].i != 0;
    req->timeout_ms = (int32_t)kr->body[CP_TIMEOUT].i;
    c->topics = kmap_alloc(req, sizeof *c->topics * (c->topic_count + 1));
    if (!c->topics)
        return -1;
    for (size_t t = 0; t < c->topic_count; t++) {
        kval *tv = ROW(topics, t);
        c->topics[t].name = kmap_str(req, &tv[CP_T_NAME]);
        c->topics[t].count = (int32_t)tv[CP_T_COUNT].i;
        if (tv[CP_T_ASSIGNMENTS].len > 0) {
            c->topics[t].error = BROOK_ERR_INVALID_REPLICATION;
            c->topics[t].error_message = "manual replica assignments are not supported";
        }
    }
    req->type = BROOK_REQ_CREATE_PARTITIONS;
    return 0;
}

int kmap_dec_delete_topics(kreq *kr, brook_request *req)
{
    brook_delete_topics_req *d = &req->u.delete_topics;
    kval *names = &kr->body[DT_NAMES];
    d->topic_count = COUNT_OF(names);
    d->topics = kmap_alloc(req, sizeof *d->topics * (d->topic_count + 1));
    if (!d->topics)
        return -1;
    for (size_t t = 0; t < d->topic_count; t++)
        d->topics[t].name = kmap_str(req, &names->items[t]);
    req->timeout_ms = (int32_t)kr->body[DT_TIMEOUT].i;
    req->type = BROOK_REQ_DELETE_TOPICS;
    return 0;
}

/* Kafka's resource types: 2 topic, 4 broker. */
static brook_config_resource_type resource_type(int64_t kafka)
{
    return kafka == 2 ? BROOK_CONFIG_TOPIC : kafka == 4 ? BROOK_CONFIG_BROKER : 0;
}

int kmap_dec_describe_configs(kreq *kr, brook_request *req)
{
    brook_describe_configs_req *d = &req->u.describe_configs;
    kval *res = &kr->body[DC_RESOURCES];
    d->resource_count = COUNT_OF(res);
    d->resources = kmap_alloc(req, sizeof *d->resources * (d->resource_count + 1));
    if (!d->resources)
        return -1;
    for (size_t r = 0; r < d->resource_count; r++) {
        kval *rv = ROW(res, r);
        brook_config_resource *cr = &d->resources[r];
        cr->type = resource_type(rv[DC_RES_TYPE].i);
        cr->name = kmap_str(req, &rv[DC_RES_NAME]);
        kval *keys = &rv[DC_RES_KEYS];
        if (keys->len >= 0) {
            const char **k = kmap_alloc(req, sizeof *k * ((size_t)keys->len + 1));
            if (!k)
                return -1;
            for (int32_t i = 0; i < keys->len; i++)
                k[i] = kmap_str(req, &keys->items[i]);
            cr->keys = k;
            cr->key_count = (size_t)keys->len;
        }
    }
    req->type = BROOK_REQ_DESCRIBE_CONFIGS;
    return 0;
}

int kmap_dec_alter_configs(kreq *kr, brook_request *req)
{
    brook_alter_configs_req *a = &req->u.alter_configs;
    a->incremental = kr->api->key == 44;
    a->validate_only = kr->body[AC_VALIDATE_ONLY].i != 0;
    kval *res = &kr->body[AC_RESOURCES];
    a->resource_count = COUNT_OF(res);
    a->resources = kmap_alloc(req, sizeof *a->resources * (a->resource_count + 1));
    if (!a->resources)
        return -1;
    for (size_t r = 0; r < a->resource_count; r++) {
        kval *rv = ROW(res, r);
        brook_alter_resource *ar = &a->resources[r];
        ar->type = resource_type(rv[AC_RES_TYPE].i);
        ar->name = kmap_str(req, &rv[AC_RES_NAME]);
        kval *configs = &rv[AC_RES_CONFIGS];
        ar->change_count = COUNT_OF(configs);
        brook_config_change *changes = kmap_alloc(req, sizeof *changes * (ar->change_count + 1));
        if (!changes)
            return -1;
        for (size_t i = 0; i < ar->change_count; i++) {
            kval *cv = ROW(configs, i);
            changes[i].name = kmap_str(req, &cv[AC_C_NAME]);
            changes[i].value = kmap_str(req, &cv[AC_C_VALUE]);
            /* Kafka's operations are Brook's: 0 set, 1 delete, 2 append, 3 subtract;
             * AlterConfigs sets, a null value meaning the default */
            int64_t op = cv[AC_C_OP].i;
            changes[i].op = op >= 0 && op <= 3 ? (brook_config_op)op : (brook_config_op)99;
            if (changes[i].op == BROOK_CONFIG_OP_SET && !changes[i].value)
                changes[i].op = BROOK_CONFIG_OP_DELETE;
        }
        ar->changes = changes;
    }
    req->type = BROOK_REQ_ALTER_CONFIGS;
    return 0;
}

int kmap_dec_sasl_handshake(kreq *kr, brook_request *req)
{
    req->u.sasl_handshake.mechanism = kmap_str(req, &kr->body[SH_MECHANISM]);
    req->type = BROOK_REQ_SASL_HANDSHAKE;
    return req->u.sasl_handshake.mechanism ? 0 : -1;
}

int kmap_dec_sasl_authenticate(kreq *kr, brook_request *req)
{
    kval *b = &kr->body[SA_BYTES];
    req->u.sasl_authenticate.token = b->ptr;
    req->u.sasl_authenticate.token_len = b->len > 0 ? (size_t)b->len : 0;
    req->type = BROOK_REQ_SASL_AUTHENTICATE;
    return 0;
}

int kmap_dec_api_versions(kreq *kr, brook_request *req)
{
    (void)kr;
    req->type = BROOK_REQ_LOCAL; /* the codec answers it alone */
    return 0;
}

int kmap_decode(kreq *kr, brook_request *req, const char **why)
{
    if (kr->api->decode(kr, req)) {
        *why = "out of memory decoding the request";
        return -1;
    }
    return 0;
}

/* ---- encode ----------------------------------------------------------------- */

kval *kmap_enc_api_versions(kreq *kr, brook_request *req)
{
    kval *r = kmap_struct(req, AV_R__COUNT);
    size_t n;
    const kapi *apis = kapi_all(&n);
    if (!r || kmap_rows(req, &r[AV_R_KEYS], n, AV_RK__COUNT))
        return NULL;
    r[AV_R_ERROR].i = kr->unsupported_version ? 35 : 0;
    for (size_t i = 0; i < n; i++) {
        kval *k = ROW(&r[AV_R_KEYS], i);
        k[AV_RK_KEY].i = apis[i].key;
        k[AV_RK_MIN].i = apis[i].min_ver;
        k[AV_RK_MAX].i = apis[i].max_ver;
    }
    return r;
}

kval *kmap_enc_produce(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_produce_req *p = &req->u.produce;
    kval *r = kmap_struct(req, PRODUCE_R__COUNT);
    if (!r || kmap_rows(req, &r[PRODUCE_R_RESPONSES], p->topic_count, PRODUCE_RT__COUNT))
        return NULL;
    r[PRODUCE_R_THROTTLE].i = req->throttle_time_ms; /* a client quota's (the core holds the connection too) */
    for (size_t t = 0; t < p->topic_count; t++) {
        kval *tv = ROW(&r[PRODUCE_R_RESPONSES], t);
        kmap_set_str(&tv[PRODUCE_RT_NAME], p->topics[t].name);
        if (kmap_rows(req, &tv[PRODUCE_RT_PARTITIONS], p->topics[t].partition_count, PRODUCE_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < p->topics[t].partition_count; i++) {
            brook_produce_partition *pp = &p->topics[t].partitions[i];
            kval *pv = ROW(&tv[PRODUCE_RT_PARTITIONS], i);
            pv[PRODUCE_RP_INDEX].i = pp->partition;
            pv[PRODUCE_RP_ERROR].i = req->type == BROOK_REQ_INVALID ? 21 /* INVALID_REQUIRED_ACKS */
                                                                    : kmap_error(pp->error, 0);
            pv[PRODUCE_RP_BASE].i = pp->error || req->type == BROOK_REQ_INVALID ? -1 : pp->base_offset;
            pv[PRODUCE_RP_APPEND_TIME].i = -1;
            pv[PRODUCE_RP_START].i = pp->log_start_offset;
            kmap_set_str(&pv[PRODUCE_RP_MESSAGE], pp->error ? pp->error_message : NULL);
        }
    }
    return r;
}

/* A read_committed fetch's aborted transactions (null when there are none,
 * as Kafka sends them). */
static int kmap_aborted(brook_request *req, kval *v, const brook_fetch_partition *fp)
{
    if (!fp->aborted_count || fp->error) {
        v->len = -1;
        return 0;
    }
    if (kmap_rows(req, v, fp->aborted_count, FETCH_RA__COUNT))
        return -1;
    for (size_t k = 0; k < fp->aborted_count; k++) {
        kval *a = ROW(v, k);
        a[FETCH_RA_PRODUCER_ID].i = fp->aborted[k].producer_id;
        a[FETCH_RA_FIRST_OFFSET].i = fp->aborted[k].first_offset;
    }
    return 0;
}

kval *kmap_enc_fetch(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_fetch_req *f = &req->u.fetch;
    kval *r = kmap_struct(req, FETCH_R__COUNT);
    if (!r || kmap_rows(req, &r[FETCH_R_RESPONSES], f->topic_count, FETCH_RT__COUNT))
        return NULL;
    r[FETCH_R_THROTTLE].i = req->throttle_time_ms;
    for (size_t t = 0; t < f->topic_count; t++) {
        kval *tv = ROW(&r[FETCH_R_RESPONSES], t);
        kmap_set_str(&tv[FETCH_RT_NAME], f->topics[t].name);
        if (kmap_rows(req, &tv[FETCH_RT_PARTITIONS], f->topics[t].partition_count, FETCH_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < f->topics[t].partition_count; i++) {
            brook_fetch_partition *fp = &f->topics[t].partitions[i];
            kval *pv = ROW(&tv[FETCH_RT_PARTITIONS], i);
            pv[FETCH_RP_INDEX].i = fp->partition;
            pv[FETCH_RP_ERROR].i = kmap_error(fp->error, 0);
            pv[FETCH_RP_HW].i = fp->high_watermark;
            pv[FETCH_RP_LSO].i = fp->error ? -1 : fp->last_stable_offset;
            pv[FETCH_RP_LOG_START].i = fp->log_start_offset;
            if (kmap_aborted(req, &pv[FETCH_RP_ABORTED], fp))
                return NULL;
            pv[FETCH_RP_PREFERRED].i =
                f->topics[t].preferred_read_replicas ? f->topics[t].preferred_read_replicas[i] : -1;
            pv[FETCH_RP_RECORDS].len = 0; /* size 0 when empty, never null */
            pv[FETCH_RP_RECORDS].slices = fp->slices;
            pv[FETCH_RP_RECORDS].nslices = fp->error ? 0 : fp->slice_count;
        }
    }
    return r;
}

kval *kmap_enc_list_offsets(kreq *kr, brook_request *req)
{
    brook_list_offsets_req *l = &req->u.list_offsets;
    kval *r = kmap_struct(req, LO_R__COUNT);
    if (!r || kmap_rows(req, &r[LO_R_TOPICS], l->topic_count, LO_RT__COUNT))
        return NULL;
    for (size_t t = 0; t < l->topic_count; t++) {
        kval *tv = ROW(&r[LO_R_TOPICS], t);
        kmap_set_str(&tv[LO_RT_NAME], l->topics[t].name);
        if (kmap_rows(req, &tv[LO_RT_PARTITIONS], l->topics[t].partition_count, LO_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < l->topics[t].partition_count; i++) {
            brook_list_offsets_partition *lp = &l->topics[t].partitions[i];
            kval *pv = ROW(&tv[LO_RT_PARTITIONS], i);
            pv[LO_RP_INDEX].i = lp->partition;
            pv[LO_RP_ERROR].i = kmap_error(lp->error, 0);
            pv[LO_RP_TIMESTAMP].i = lp->found_timestamp;
            pv[LO_RP_OFFSET].i = lp->offset;
            pv[LO_RP_LEADER_EPOCH].i = lp->error ? -1 : lp->leader_epoch;
            if (kr->version == 0 && !lp->error && lp->offset >= 0) { /* v0: a list of offsets */
                if (kmap_rows(req, &pv[LO_RP_OLD_OFFSETS], 1, 1))
                    return NULL;
                pv[LO_RP_OLD_OFFSETS].items[0].i = lp->offset;
            }
        }
    }
    return r;
}

kval *kmap_enc_offset_for_leader_epoch(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_offset_for_leader_epoch_req *o = &req->u.offset_for_leader_epoch;
    kval *r = kmap_struct(req, OLE_R__COUNT);
    if (!r || kmap_rows(req, &r[OLE_R_TOPICS], o->topic_count, OLE_RT__COUNT))
        return NULL;
    for (size_t t = 0; t < o->topic_count; t++) {
        kval *tv = ROW(&r[OLE_R_TOPICS], t);
        kmap_set_str(&tv[OLE_RT_NAME], o->topics[t].name);
        if (kmap_rows(req, &tv[OLE_RT_PARTITIONS], o->topics[t].partition_count, OLE_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < o->topics[t].partition_count; i++) {
            brook_epoch_end_partition *ep = &o->topics[t].partitions[i];
            kval *pv = ROW(&tv[OLE_RT_PARTITIONS], i);
            pv[OLE_RP_ERROR].i = kmap_error(ep->error, 0);
            pv[OLE_RP_INDEX].i = ep->partition;
            pv[OLE_RP_LEADER_EPOCH].i = ep->error ? -1 : ep->end_epoch;
            pv[OLE_RP_END_OFFSET].i = ep->error ? -1 : ep->end_offset;
        }
    }
    return r;
}

int kmap_int_array(brook_request *req, kval *v, const int32_t *ids, int32_t n)
{
    if (kmap_rows(req, v, (size_t)(n > 0 ? n : 0), 1))
        return -1;
    for (int32_t k = 0; k < n; k++)
        v->items[k].i = ids[k];
    return 0;
}

kval *kmap_enc_metadata(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_metadata_req *m = &req->u.metadata;
    kval *r = kmap_struct(req, MD_R__COUNT);
    if (!r || kmap_rows(req, &r[MD_R_BROKERS], m->broker_count, MD_RB__COUNT) ||
        kmap_rows(req, &r[MD_R_TOPICS], m->topic_count, MD_RT__COUNT))
        return NULL;
    for (size_t i = 0; i < m->broker_count; i++) {
        kval *bv = ROW(&r[MD_R_BROKERS], i);
        bv[MD_RB_NODE].i = m->brokers[i].id;
        kmap_set_str(&bv[MD_RB_HOST], m->brokers[i].host);
        bv[MD_RB_PORT].i = m->brokers[i].port;
        kmap_set_str(&bv[MD_RB_RACK], m->brokers[i].rack); /* NULL: null */
    }
    kmap_set_str(&r[MD_R_CLUSTER_ID], m->cluster_id);
    r[MD_R_CONTROLLER].i = m->controller_id;
    r[MD_R_CLUSTER_OPS].i =
        kmap_authorized_ops(kr->body[MD_CLUSTER_OPS].i != 0, m->cluster_authorized_ops, BROOK_RESOURCE_CLUSTER);
    for (size_t t = 0; t < m->topic_count; t++) {
        brook_topic_meta *tm = &m->topics[t];
        kval *tv = ROW(&r[MD_R_TOPICS], t);
        tv[MD_RT_ERROR].i = kmap_error(tm->error, 0);
        kmap_set_str(&tv[MD_RT_NAME], tm->name);
        tv[MD_RT_INTERNAL].i = tm->internal;
        tv[MD_RT_OPS].i =
            kmap_authorized_ops(kr->body[MD_TOPIC_OPS].i && !tm->error, tm->authorized_ops, BROOK_RESOURCE_TOPIC);
        if (kmap_rows(req, &tv[MD_RT_PARTITIONS], (size_t)tm->partition_count, MD_RP__COUNT))
            return NULL;
        for (int32_t i = 0; i < tm->partition_count; i++) {
            brook_partition_meta *pm = &tm->partitions[i];
            kval *pv = ROW(&tv[MD_RT_PARTITIONS], i);
            pv[MD_RP_ERROR].i = kmap_error(pm->error, 0);
            pv[MD_RP_INDEX].i = pm->partition;
            pv[MD_RP_LEADER].i = pm->leader;
            pv[MD_RP_LEADER_EPOCH].i = pm->leader_epoch;
            if (kmap_int_array(req, &pv[MD_RP_REPLICAS], pm->replicas, pm->replica_count) ||
                kmap_int_array(req, &pv[MD_RP_ISR], pm->isr, pm->isr_count) || kmap_rows(req, &pv[MD_RP_OFFLINE], 0, 1))
                return NULL;
        }
    }
    return r;
}

kval *kmap_enc_create_topics(kreq *kr, brook_request *req)
{
    brook_create_topics_req *c = &req->u.create_topics;
    kval *r = kmap_struct(req, CT_R__COUNT);
    if (!r || kmap_rows(req, &r[CT_R_TOPICS], c->topic_count, CT_RT__COUNT))
        return NULL;
    for (size_t t = 0; t < c->topic_count; t++) {
        kval *tv = ROW(&r[CT_R_TOPICS], t);
        kmap_set_str(&tv[CT_RT_NAME], c->topics[t].name);
        tv[CT_RT_ERROR].i = kmap_error(c->topics[t].error, 0);
        kmap_set_str(&tv[CT_RT_MESSAGE], c->topics[t].error ? c->topics[t].error_message : NULL);
        /* refusals with a code of their own in Kafka */
        const kval *asked = ROW(&kr->body[CT_TOPICS], t);
        if (c->topics[t].error == BROOK_ERR_INVALID && c->topics[t].error_message)
            tv[CT_RT_ERROR].i = 40; /* INVALID_CONFIG: the core names the key */
        else if (c->topics[t].error == BROOK_ERR_INVALID_REPLICATION && asked[CT_T_ASSIGNMENTS].len > 0)
            tv[CT_RT_ERROR].i = 39; /* INVALID_REPLICA_ASSIGNMENT */
        else if (c->topics[t].error == BROOK_ERR_NOT_LEADER)
            tv[CT_RT_ERROR].i = 41; /* NOT_CONTROLLER: clients retry at the controller */
    }
    return r;
}

kval *kmap_enc_delete_records(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_delete_records_req *d = &req->u.delete_records;
    kval *r = kmap_struct(req, DR_R__COUNT);
    if (!r || kmap_rows(req, &r[DR_R_TOPICS], d->topic_count, DR_RT__COUNT))
        return NULL;
    for (size_t t = 0; t < d->topic_count; t++) {
        kval *tv = ROW(&r[DR_R_TOPICS], t);
        kmap_set_str(&tv[DR_RT_NAME], d->topics[t].name);
        if (kmap_rows(req, &tv[DR_RT_PARTITIONS], d->topics[t].partition_count, DR_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < d->topics[t].partition_count; i++) {
            const brook_delete_records_partition *dp = &d->topics[t].partitions[i];
            kval *pv = ROW(&tv[DR_RT_PARTITIONS], i);
            pv[DR_RP_INDEX].i = dp->partition;
            pv[DR_RP_LOW_WATERMARK].i = dp->error ? -1 : dp->low_watermark;
            pv[DR_RP_ERROR].i = kmap_error(dp->error, 0);
        }
    }
    return r;
}

kval *kmap_enc_create_partitions(kreq *kr, brook_request *req)
{
    brook_create_partitions_req *c = &req->u.create_partitions;
    kval *r = kmap_struct(req, CP_R__COUNT);
    if (!r || kmap_rows(req, &r[CP_R_RESULTS], c->topic_count, CP_RR__COUNT))
        return NULL;
    for (size_t t = 0; t < c->topic_count; t++) {
        const brook_topic_grow *g = &c->topics[t];
        kval *tv = ROW(&r[CP_R_RESULTS], t);
        kmap_set_str(&tv[CP_RR_NAME], g->name ? g->name : "");
        tv[CP_RR_ERROR].i = kmap_error(g->error, 0);
        if (g->error == BROOK_ERR_NOT_LEADER)
            tv[CP_RR_ERROR].i = 41; /* NOT_CONTROLLER: clients retry at the controller */
        else if (g->error == BROOK_ERR_INVALID_REPLICATION && ROW(&kr->body[CP_TOPICS], t)[CP_T_ASSIGNMENTS].len > 0)
            tv[CP_RR_ERROR].i = 39; /* INVALID_REPLICA_ASSIGNMENT */
        kmap_set_str(&tv[CP_RR_MESSAGE], g->error ? g->error_message : NULL);
    }
    return r;
}

kval *kmap_enc_delete_topics(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_delete_topics_req *d = &req->u.delete_topics;
    kval *r = kmap_struct(req, DT_R__COUNT);
    if (!r || kmap_rows(req, &r[DT_R_RESPONSES], d->topic_count, DT_RT__COUNT))
        return NULL;
    for (size_t t = 0; t < d->topic_count; t++) {
        kval *tv = ROW(&r[DT_R_RESPONSES], t);
        kmap_set_str(&tv[DT_RT_NAME], d->topics[t].name);
        tv[DT_RT_ERROR].i = d->topics[t].error == BROOK_ERR_NOT_LEADER ? 41 /* NOT_CONTROLLER */
                                                                       : kmap_error(d->topics[t].error, 0);
    }
    return r;
}

/* Kafka's ConfigSource: 1 DYNAMIC_TOPIC_CONFIG, 2 DYNAMIC_BROKER_CONFIG,
 * 3 DYNAMIC_DEFAULT_BROKER_CONFIG, 4 STATIC_BROKER_CONFIG, 5 DEFAULT_CONFIG
 * (a 2.0 core says only is_default). */
static int64_t config_source(const brook_config_entry *e)
{
    switch (e->source) {
    case BROOK_CONFIG_SOURCE_TOPIC: return 1;
    case BROOK_CONFIG_SOURCE_DYNAMIC_BROKER: return 2;
    case BROOK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER: return 3;
    case BROOK_CONFIG_SOURCE_BROKER: return 4;
    case BROOK_CONFIG_SOURCE_DEFAULT: return 5;
    default: return e->is_default ? 5 : 4;
    }
}

/* The entry's synonyms, when the request asked for them (v1+). */
static int encode_synonyms(brook_request *req, kval *out, const brook_config_entry *e, int asked)
{
    size_t n = asked && e->synonyms ? e->synonym_count : 0;
    if (kmap_rows(req, out, n, DC_RS__COUNT))
        return -1;
    for (size_t i = 0; i < n; i++) {
        kval *sv = ROW(out, i);
        const brook_config_entry as_entry = {.source = e->synonyms[i].source};
        kmap_set_str(&sv[DC_RS_NAME], e->synonyms[i].name);
        kmap_set_str(&sv[DC_RS_VALUE], e->synonyms[i].value);
        sv[DC_RS_SOURCE].i = config_source(&as_entry);
    }
    return 0;
}

kval *kmap_enc_describe_configs(kreq *kr, brook_request *req)
{
    brook_describe_configs_req *d = &req->u.describe_configs;
    kval *r = kmap_struct(req, DC_R__COUNT);
    if (!r || kmap_rows(req, &r[DC_R_RESULTS], d->resource_count, DC_RR__COUNT))
        return NULL;
    for (size_t i = 0; i < d->resource_count; i++) {
        brook_config_resource *cr = &d->resources[i];
        kval *rv = ROW(&r[DC_R_RESULTS], i);
        rv[DC_RR_ERROR].i = kmap_error(cr->error, cr->type == BROOK_CONFIG_BROKER);
        kmap_set_str(&rv[DC_RR_MESSAGE],
                     cr->error ? (cr->error_message ? cr->error_message : brook_err_str(cr->error)) : NULL);
        /* the type as asked, also for one Brook does not handle (librdkafka
         * fails the whole request on a result of another type) */
        rv[DC_RR_TYPE].i = ROW(&kr->body[DC_RESOURCES], i)[DC_RES_TYPE].i;
        kmap_set_str(&rv[DC_RR_NAME], cr->name ? cr->name : "");
        size_t n = cr->error ? 0 : cr->entry_count;
        if (kmap_rows(req, &rv[DC_RR_CONFIGS], n, DC_RC__COUNT))
            return NULL;
        for (size_t k = 0; k < n; k++) {
            kval *cv = ROW(&rv[DC_RR_CONFIGS], k);
            kmap_set_str(&cv[DC_RC_NAME], cr->entries[k].name);
            kmap_set_str(&cv[DC_RC_VALUE], cr->entries[k].value);
            cv[DC_RC_READ_ONLY].i = cr->entries[k].read_only;
            cv[DC_RC_IS_DEFAULT].i = cr->entries[k].is_default;
            cv[DC_RC_SOURCE].i = config_source(&cr->entries[k]);
            cv[DC_RC_SENSITIVE].i = cr->entries[k].sensitive;
            if (encode_synonyms(req, &cv[DC_RC_SYNONYMS], &cr->entries[k], kr->body[DC_SYNONYMS].i != 0))
                return NULL;
            cv[DC_RC_TYPE].len = -1;
        }
    }
    return r;
}

kval *kmap_enc_alter_configs(kreq *kr, brook_request *req)
{
    brook_alter_configs_req *a = &req->u.alter_configs;
    kval *r = kmap_struct(req, AC_R__COUNT);
    if (!r || kmap_rows(req, &r[AC_R_RESOURCES], a->resource_count, AC_RR__COUNT))
        return NULL;
    for (size_t i = 0; i < a->resource_count; i++) {
        const brook_alter_resource *ar = &a->resources[i];
        kval *rv = ROW(&r[AC_R_RESOURCES], i);
        /* a refusal with a reason is a config Kafka's tools call invalid */
        rv[AC_RR_ERROR].i = ar->error == BROOK_ERR_INVALID && ar->error_message ? 40 /* INVALID_CONFIG */
                            : ar->error == BROOK_ERR_UNSUPPORTED                ? 42 /* INVALID_REQUEST */
                                                                                : kmap_error(ar->error, 0);
        kmap_set_str(&rv[AC_RR_MESSAGE], ar->error ? ar->error_message : NULL);
        rv[AC_RR_TYPE].i = ROW(&kr->body[AC_RESOURCES], i)[AC_RES_TYPE].i; /* the type asked, as Kafka answers */
        kmap_set_str(&rv[AC_RR_NAME], ar->name ? ar->name : "");
    }
    return r;
}

kval *kmap_enc_sasl_handshake(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_sasl_handshake_req *h = &req->u.sasl_handshake;
    kval *r = kmap_struct(req, SH_R__COUNT);
    size_t n = 0;
    while (h->mechanisms && h->mechanisms[n])
        n++;
    if (!r || kmap_rows(req, &r[SH_R_MECHANISMS], n, 1))
        return NULL;
    r[SH_R_ERROR].i = h->error == BROOK_ERR_UNSUPPORTED ? 33 /* UNSUPPORTED_SASL_MECHANISM */
                      : h->error                        ? 34 /* ILLEGAL_SASL_STATE */
                                                        : 0;
    for (size_t i = 0; i < n; i++)
        kmap_set_str(&r[SH_R_MECHANISMS].items[i], h->mechanisms[i]);
    return r;
}

kval *kmap_enc_sasl_authenticate(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_sasl_authenticate_req *a = &req->u.sasl_authenticate;
    kval *r = kmap_struct(req, SA_R__COUNT);
    if (!r)
        return NULL;
    /* bad credentials and malformed tokens: SASL_AUTHENTICATION_FAILED; else ILLEGAL_SASL_STATE */
    int failed = a->error == BROOK_ERR_AUTH || a->error == BROOK_ERR_INVALID;
    r[SA_R_ERROR].i = !a->error ? 0 : failed ? 58 : 34;
    kmap_set_str(&r[SA_R_MESSAGE], a->error ? (a->error_message ? a->error_message : brook_err_str(a->error)) : NULL);
    r[SA_R_BYTES].ptr = a->reply;
    r[SA_R_BYTES].len = a->error ? 0 : (int32_t)a->reply_len;
    r[SA_R_LIFETIME].i = a->session_lifetime_ms;
    return r;
}

kval *kmap_encode(kreq *kr, brook_request *req)
{
    return kr->api->encode(kr, req);
}

/* ---- ElectLeaders (43) ------------------------------------------------------------ */

int kmap_dec_elect_leaders(kreq *kr, brook_request *req)
{
    brook_elect_leaders_req *e = &req->u.elect_leaders;
    kval *topics = &kr->body[EL_TOPICS];
    req->type = BROOK_REQ_ELECT_LEADERS;
    e->election_type = (brook_election_type)kr->body[EL_TYPE].i;
    e->timeout_ms = (int32_t)kr->body[EL_TIMEOUT].i;
    if (topics->len < 0)
        return 0; /* null: every partition */
    e->topic_count = COUNT_OF(topics);
    e->topics = kmap_alloc(req, sizeof *e->topics * (e->topic_count + 1));
    if (!e->topics)
        return -1;
    for (size_t t = 0; t < e->topic_count; t++) {
        kval *tv = ROW(topics, t), *parts = &tv[EL_T_PARTITIONS];
        brook_elect_topic *et = &e->topics[t];
        et->name = kmap_str(req, &tv[EL_T_NAME]);
        et->partition_count = COUNT_OF(parts);
        et->partitions = kmap_alloc(req, sizeof *et->partitions * (et->partition_count + 1));
        if (!et->name || !et->partitions)
            return -1;
        for (size_t i = 0; i < et->partition_count; i++)
            et->partitions[i] = (brook_elect_partition){.partition = (int32_t)parts->items[i].i};
    }
    return 0;
}

int16_t kmap_controller_error(brook_err e)
{
    return e == BROOK_ERR_NOT_LEADER ? 41 : kmap_error(e, 1);
}

kval *kmap_enc_elect_leaders(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_elect_leaders_req *e = &req->u.elect_leaders;
    kval *r = kmap_struct(req, EL_R__COUNT);
    if (!r || kmap_rows(req, &r[EL_R_RESULTS], e->topics ? e->topic_count : 0, EL_RT__COUNT))
        return NULL;
    r[EL_R_ERROR].i = kmap_controller_error(e->error);
    for (size_t t = 0; e->topics && t < e->topic_count; t++) {
        const brook_elect_topic *et = &e->topics[t];
        kval *tv = ROW(&r[EL_R_RESULTS], t);
        kmap_set_str(&tv[EL_RT_NAME], et->name);
        if (kmap_rows(req, &tv[EL_RT_PARTITIONS], et->partition_count, EL_RP__COUNT))
            return NULL;
        for (size_t i = 0; i < et->partition_count; i++) {
            const brook_elect_partition *ep = &et->partitions[i];
            brook_err err = e->error ? e->error : ep->error; /* v0 has no request-level error */
            kval *pv = ROW(&tv[EL_RT_PARTITIONS], i);
            pv[EL_RP_INDEX].i = ep->partition;
            pv[EL_RP_ERROR].i = kmap_controller_error(err);
            kmap_set_str(&pv[EL_RP_MESSAGE], err ? (ep->message ? ep->message : brook_err_str(err)) : NULL);
        }
    }
    return r;
}
