/* The transactions coordinators hold (KIP-664) between Kafka's wire and
 * the core's requests: DescribeTransactions (65) and ListTransactions
 * (66), what kafka-transactions.sh and admin clients ask. */
#include "kmap.h"

int kmap_dec_describe_transactions(kreq *kr, brook_request *req)
{
    brook_describe_transactions_req *d = &req->u.describe_transactions;
    kval *ids = &kr->body[DTX_IDS];
    d->count = COUNT_OF(ids);
    d->transactions = kmap_alloc(req, sizeof *d->transactions * (d->count + 1));
    if (!d->transactions)
        return -1;
    for (size_t i = 0; i < d->count; i++)
        d->transactions[i].transactional_id = kmap_str(req, &ids->items[i]); /* NULL: refused by the core */
    req->type = BROOK_REQ_DESCRIBE_TRANSACTIONS;
    return 0;
}

/* An id's error as DescribeTransactions answers it. */
static int16_t describe_error(brook_err e)
{
    switch (e) {
    case BROOK_ERR_NOT_FOUND: return 105; /* TRANSACTIONAL_ID_NOT_FOUND */
    case BROOK_ERR_INVALID: return 42;    /* INVALID_REQUEST: a null or empty id */
    default: return kmap_coordinator_error(e);
    }
}

kval *kmap_enc_describe_transactions(kreq *kr, brook_request *req)
{
    (void)kr;
    const brook_describe_transactions_req *d = &req->u.describe_transactions;
    kval *r = kmap_struct(req, DTX_R__COUNT);
    if (!r || kmap_rows(req, &r[DTX_R_STATES], d->count, DTX_RS__COUNT))
        return NULL;
    for (size_t i = 0; i < d->count; i++) {
        const brook_txn_description *t = &d->transactions[i];
        kval *sv = ROW(&r[DTX_R_STATES], i);
        size_t topics = t->error ? 0 : t->topic_count;
        sv[DTX_RS_ERROR].i = describe_error(t->error);
        kmap_set_str(&sv[DTX_RS_ID], t->transactional_id ? t->transactional_id : "");
        kmap_set_str(&sv[DTX_RS_STATE], t->error || !t->state ? "" : t->state);
        sv[DTX_RS_TIMEOUT].i = t->error ? -1 : t->timeout_ms;
        sv[DTX_RS_START].i = t->error ? -1 : t->start_ms;
        sv[DTX_RS_PRODUCER_ID].i = t->error ? -1 : t->producer_id;
        sv[DTX_RS_EPOCH].i = t->error ? -1 : t->producer_epoch;
        if (kmap_rows(req, &sv[DTX_RS_TOPICS], topics, DTX_RT__COUNT))
            return NULL;
        for (size_t k = 0; k < topics; k++) {
            kval *tv = ROW(&sv[DTX_RS_TOPICS], k);
            kmap_set_str(&tv[DTX_RT_NAME], t->topics[k].name);
            if (kmap_int_array(req, &tv[DTX_RT_PARTITIONS], t->topics[k].partitions,
                               (int32_t)t->topics[k].partition_count))
                return NULL;
        }
    }
    return r;
}

int kmap_dec_list_transactions(kreq *kr, brook_request *req)
{
    brook_list_transactions_req *l = &req->u.list_transactions;
    kval *b = kr->body, *states = &b[LTX_STATES], *pids = &b[LTX_PRODUCER_IDS];
    l->state_filter_count = COUNT_OF(states);
    l->producer_id_filter_count = COUNT_OF(pids);
    const char **names = kmap_alloc(req, sizeof *names * (l->state_filter_count + 1));
    int64_t *ids = kmap_alloc(req, sizeof *ids * (l->producer_id_filter_count + 1));
    if (!names || !ids)
        return -1;
    for (size_t i = 0; i < l->state_filter_count; i++) {
        const char *s = kmap_str(req, &states->items[i]);
        names[i] = s ? s : ""; /* a null name matches nothing: listed as unknown */
    }
    for (size_t i = 0; i < l->producer_id_filter_count; i++)
        ids[i] = pids->items[i].i;
    l->state_filters = names;
    l->producer_id_filters = ids;
    l->min_duration_ms = b[LTX_DURATION].i < 0 ? -1 : b[LTX_DURATION].i;
    req->type = BROOK_REQ_LIST_TRANSACTIONS;
    return 0;
}

kval *kmap_enc_list_transactions(kreq *kr, brook_request *req)
{
    (void)kr;
    const brook_list_transactions_req *l = &req->u.list_transactions;
    size_t n = l->error ? 0 : l->transaction_count, unknown = l->error ? 0 : l->unknown_state_filter_count;
    kval *r = kmap_struct(req, LTX_R__COUNT);
    if (!r || kmap_rows(req, &r[LTX_R_STATES], n, LTX_RS__COUNT) ||
        kmap_rows(req, &r[LTX_R_UNKNOWN_STATES], unknown, 1))
        return NULL;
    r[LTX_R_ERROR].i = kmap_coordinator_error(l->error);
    for (size_t i = 0; i < unknown; i++)
        kmap_set_str(&r[LTX_R_UNKNOWN_STATES].items[i], l->unknown_state_filters[i]);
    for (size_t i = 0; i < n; i++) {
        kval *sv = ROW(&r[LTX_R_STATES], i);
        kmap_set_str(&sv[LTX_RS_ID], l->transactions[i].transactional_id);
        sv[LTX_RS_PRODUCER_ID].i = l->transactions[i].producer_id;
        kmap_set_str(&sv[LTX_RS_STATE], l->transactions[i].state);
    }
    return r;
}
