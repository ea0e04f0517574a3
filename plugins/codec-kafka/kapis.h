/* The Kafka APIs Brook speaks: their keys, the version ranges advertised in
 * ApiVersions, the first flexible version, and the request and response
 * schemas (kapis.c). Every advertised version is decoded and encoded by the
 * same tables. */
#ifndef BROOK_KAFKA_KAPIS_H
#define BROOK_KAFKA_KAPIS_H

#include "kschema.h"

enum {
    API_PRODUCE = 0,
    API_FETCH = 1,
    API_LIST_OFFSETS = 2,
    API_METADATA = 3,
    API_DESCRIBE_CONFIGS = 32,
    API_API_VERSIONS = 18,
    API_CREATE_TOPICS = 19,
    API_DELETE_TOPICS = 20,
    API_INIT_PRODUCER_ID = 22,
};

typedef struct kapi {
    int16_t key;
    const char *name;
    int16_t min_ver;
    int16_t max_ver;
    int16_t flexible_from; /* KV_NEVER: no flexible version advertised */
    const kmsg *request;
    const kmsg *response;
} kapi;

/* NULL when `key` is not an API Brook speaks. */
const kapi *kapi_find(int16_t key);
/* All of them, for ApiVersions. */
const kapi *kapi_all(size_t *count);

/* Field indexes, in schema order, for the mapping code (kmap.c). */
enum { PRODUCE_TXN_ID, PRODUCE_ACKS, PRODUCE_TIMEOUT, PRODUCE_TOPICS };
enum { PRODUCE_T_NAME, PRODUCE_T_PARTITIONS };
enum { PRODUCE_P_INDEX, PRODUCE_P_RECORDS };
enum { PRODUCE_R_RESPONSES, PRODUCE_R_THROTTLE };
enum { PRODUCE_RT_NAME, PRODUCE_RT_PARTITIONS };
enum {
    PRODUCE_RP_INDEX,
    PRODUCE_RP_ERROR,
    PRODUCE_RP_BASE,
    PRODUCE_RP_APPEND_TIME,
    PRODUCE_RP_START,
    PRODUCE_RP_RECORD_ERRORS,
    PRODUCE_RP_MESSAGE
};

enum {
    FETCH_REPLICA,
    FETCH_MAX_WAIT,
    FETCH_MIN_BYTES,
    FETCH_MAX_BYTES,
    FETCH_ISOLATION,
    FETCH_SESSION,
    FETCH_EPOCH,
    FETCH_TOPICS,
    FETCH_FORGOTTEN,
    FETCH_RACK
};
enum { FETCH_T_NAME, FETCH_T_PARTITIONS };
enum { FETCH_P_INDEX, FETCH_P_LEADER_EPOCH, FETCH_P_OFFSET, FETCH_P_LOG_START, FETCH_P_MAX_BYTES };
enum { FETCH_R_THROTTLE, FETCH_R_ERROR, FETCH_R_SESSION, FETCH_R_RESPONSES };
enum { FETCH_RT_NAME, FETCH_RT_PARTITIONS };
enum {
    FETCH_RP_INDEX,
    FETCH_RP_ERROR,
    FETCH_RP_HW,
    FETCH_RP_LSO,
    FETCH_RP_LOG_START,
    FETCH_RP_ABORTED,
    FETCH_RP_PREFERRED,
    FETCH_RP_RECORDS
};

enum { LO_REPLICA, LO_ISOLATION, LO_TOPICS };
enum { LO_T_NAME, LO_T_PARTITIONS };
enum { LO_P_INDEX, LO_P_LEADER_EPOCH, LO_P_TIMESTAMP, LO_P_MAX_NUM };
enum { LO_R_THROTTLE, LO_R_TOPICS };
enum { LO_RT_NAME, LO_RT_PARTITIONS };
enum { LO_RP_INDEX, LO_RP_ERROR, LO_RP_OLD_OFFSETS, LO_RP_TIMESTAMP, LO_RP_OFFSET, LO_RP_LEADER_EPOCH };

enum { MD_TOPICS, MD_AUTO_CREATE, MD_CLUSTER_OPS, MD_TOPIC_OPS };
enum { MD_T_NAME };
enum { MD_R_THROTTLE, MD_R_BROKERS, MD_R_CLUSTER_ID, MD_R_CONTROLLER, MD_R_TOPICS, MD_R_CLUSTER_OPS };
enum { MD_RB_NODE, MD_RB_HOST, MD_RB_PORT, MD_RB_RACK };
enum { MD_RT_ERROR, MD_RT_NAME, MD_RT_INTERNAL, MD_RT_PARTITIONS, MD_RT_OPS };
enum { MD_RP_ERROR, MD_RP_INDEX, MD_RP_LEADER, MD_RP_LEADER_EPOCH, MD_RP_REPLICAS, MD_RP_ISR, MD_RP_OFFLINE };

enum { AV_CLIENT_NAME, AV_CLIENT_VERSION };
enum { AV_R_ERROR, AV_R_KEYS, AV_R_THROTTLE };
enum { AV_RK_KEY, AV_RK_MIN, AV_RK_MAX };

enum { CT_TOPICS, CT_TIMEOUT, CT_VALIDATE_ONLY };
enum { CT_T_NAME, CT_T_PARTITIONS, CT_T_REPLICATION, CT_T_ASSIGNMENTS, CT_T_CONFIGS };
enum { CT_R_THROTTLE, CT_R_TOPICS };
enum { CT_RT_NAME, CT_RT_ERROR, CT_RT_MESSAGE };

enum { DT_NAMES, DT_TIMEOUT };
enum { DT_R_THROTTLE, DT_R_RESPONSES };
enum { DT_RT_NAME, DT_RT_ERROR };

enum { IP_TXN_ID, IP_TXN_TIMEOUT };
enum { IP_R_THROTTLE, IP_R_ERROR, IP_R_PRODUCER_ID, IP_R_EPOCH };

enum { DC_RESOURCES, DC_SYNONYMS, DC_DOCS };
enum { DC_RES_TYPE, DC_RES_NAME, DC_RES_KEYS };
enum { DC_R_THROTTLE, DC_R_RESULTS };
enum { DC_RR_ERROR, DC_RR_MESSAGE, DC_RR_TYPE, DC_RR_NAME, DC_RR_CONFIGS };
enum {
    DC_RC_NAME,
    DC_RC_VALUE,
    DC_RC_READ_ONLY,
    DC_RC_IS_DEFAULT,
    DC_RC_SOURCE,
    DC_RC_SENSITIVE,
    DC_RC_SYNONYMS,
    DC_RC_TYPE
};

#endif
