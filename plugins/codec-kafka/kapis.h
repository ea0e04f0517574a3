/* The Kafka APIs Brook speaks, one row each (kapis.c): key, name, the
 * version range advertised in ApiVersions, the first flexible version, the
 * request and response schemas and the functions that map them. Every
 * advertised version is decoded and encoded by the same tables. Adding an
 * API is one row, its schemas and its two mapping functions. */
#ifndef BROOK_KAFKA_KAPIS_H
#define BROOK_KAFKA_KAPIS_H

#include "kschema.h"

/* API keys the codec treats specially (framing, SASL's bare tokens). */
enum { API_KEY_SASL_HANDSHAKE = 17, API_KEY_API_VERSIONS = 18, API_KEY_SASL_AUTHENTICATE = 36 };

typedef struct kreq kreq; /* per request: kmap.h */

/* One row per API (kapis.c): everything the codec knows about it. */
typedef struct kapi {
    int16_t key;
    const char *name;
    int16_t min_ver;
    int16_t max_ver;
    int16_t flexible_from; /* KV_NEVER: no flexible version advertised */
    const kmsg *request;
    const kmsg *response;
    int (*decode)(kreq *kr, brook_request *req);   /* body -> neutral request (kmap.h) */
    kval *(*encode)(kreq *kr, brook_request *req); /* neutral request -> response body */
} kapi;

/* NULL when `key` is not an API Brook speaks. */
const kapi *kapi_find(int16_t key);
/* All of them, for ApiVersions. */
const kapi *kapi_all(size_t *count);

/* Field indexes, in schema order, for the mapping code (kmap.c). Each
 * enum ends with its field count, and the schema table in kapis.c is
 * sized by it and written with these indexes as designated initializers:
 * a field added to a table without its index (or the reverse) does not
 * compile, or leaves a hole the codec's unit test finds, instead of
 * silently shifting reads. */
enum { PRODUCE_TXN_ID, PRODUCE_ACKS, PRODUCE_TIMEOUT, PRODUCE_TOPICS, PRODUCE__COUNT };
enum { PRODUCE_T_NAME, PRODUCE_T_PARTITIONS, PRODUCE_T__COUNT };
enum { PRODUCE_P_INDEX, PRODUCE_P_RECORDS, PRODUCE_P__COUNT };
enum { PRODUCE_R_RESPONSES, PRODUCE_R_THROTTLE, PRODUCE_R__COUNT };
enum { PRODUCE_RT_NAME, PRODUCE_RT_PARTITIONS, PRODUCE_RT__COUNT };
enum { PRODUCE_RE_BATCH_INDEX, PRODUCE_RE_MESSAGE, PRODUCE_RE__COUNT };
enum {
    PRODUCE_RP_INDEX,
    PRODUCE_RP_ERROR,
    PRODUCE_RP_BASE,
    PRODUCE_RP_APPEND_TIME,
    PRODUCE_RP_START,
    PRODUCE_RP_RECORD_ERRORS,
    PRODUCE_RP_MESSAGE,
    PRODUCE_RP__COUNT
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
    FETCH_RACK,
    FETCH__COUNT
};
enum { FETCH_T_NAME, FETCH_T_PARTITIONS, FETCH_T__COUNT };
enum { FETCH_F_TOPIC, FETCH_F_PARTITIONS, FETCH_F__COUNT };
enum { FETCH_P_INDEX, FETCH_P_LEADER_EPOCH, FETCH_P_OFFSET, FETCH_P_LOG_START, FETCH_P_MAX_BYTES, FETCH_P__COUNT };
enum { FETCH_R_THROTTLE, FETCH_R_ERROR, FETCH_R_SESSION, FETCH_R_RESPONSES, FETCH_R__COUNT };
enum { FETCH_RT_NAME, FETCH_RT_PARTITIONS, FETCH_RT__COUNT };
enum { FETCH_RA_PRODUCER_ID, FETCH_RA_FIRST_OFFSET, FETCH_RA__COUNT };
enum {
    FETCH_RP_INDEX,
    FETCH_RP_ERROR,
    FETCH_RP_HW,
    FETCH_RP_LSO,
    FETCH_RP_LOG_START,
    FETCH_RP_ABORTED,
    FETCH_RP_PREFERRED,
    FETCH_RP_RECORDS,
    FETCH_RP__COUNT
};

enum { LO_REPLICA, LO_ISOLATION, LO_TOPICS, LO__COUNT };
enum { LO_T_NAME, LO_T_PARTITIONS, LO_T__COUNT };
enum { LO_P_INDEX, LO_P_LEADER_EPOCH, LO_P_TIMESTAMP, LO_P_MAX_NUM, LO_P__COUNT };
enum { LO_R_THROTTLE, LO_R_TOPICS, LO_R__COUNT };
enum { LO_RT_NAME, LO_RT_PARTITIONS, LO_RT__COUNT };
enum { LO_RP_INDEX, LO_RP_ERROR, LO_RP_OLD_OFFSETS, LO_RP_TIMESTAMP, LO_RP_OFFSET, LO_RP_LEADER_EPOCH, LO_RP__COUNT };

enum { OLE_REPLICA, OLE_TOPICS, OLE__COUNT };
enum { OLE_T_NAME, OLE_T_PARTITIONS, OLE_T__COUNT };
enum { OLE_P_INDEX, OLE_P_CURRENT_EPOCH, OLE_P_LEADER_EPOCH, OLE_P__COUNT };
enum { OLE_R_THROTTLE, OLE_R_TOPICS, OLE_R__COUNT };
enum { OLE_RT_NAME, OLE_RT_PARTITIONS, OLE_RT__COUNT };
enum { OLE_RP_ERROR, OLE_RP_INDEX, OLE_RP_LEADER_EPOCH, OLE_RP_END_OFFSET, OLE_RP__COUNT };

enum { CP_TOPICS, CP_TIMEOUT, CP_VALIDATE_ONLY, CP__COUNT };
enum { CP_T_NAME, CP_T_COUNT, CP_T_ASSIGNMENTS, CP_T__COUNT };
enum { CP_A_BROKERS, CP_A__COUNT };
enum { CP_R_THROTTLE, CP_R_RESULTS, CP_R__COUNT };
enum { CP_RR_NAME, CP_RR_ERROR, CP_RR_MESSAGE, CP_RR__COUNT };

/* AlterConfigs (33) and IncrementalAlterConfigs (44): one request shape,
 * the incremental one with an operation per config */
enum { AC_RESOURCES, AC_VALIDATE_ONLY, AC__COUNT };
enum { AC_RES_TYPE, AC_RES_NAME, AC_RES_CONFIGS, AC_RES__COUNT };
enum { AC_C_NAME, AC_C_OP, AC_C_VALUE, AC_C__COUNT };
enum { AC_R_THROTTLE, AC_R_RESOURCES, AC_R__COUNT };
enum { AC_RR_ERROR, AC_RR_MESSAGE, AC_RR_TYPE, AC_RR_NAME, AC_RR__COUNT };

enum { MD_TOPICS, MD_AUTO_CREATE, MD_CLUSTER_OPS, MD_TOPIC_OPS, MD__COUNT };
enum { MD_T_NAME, MD_T__COUNT };
enum { MD_R_THROTTLE, MD_R_BROKERS, MD_R_CLUSTER_ID, MD_R_CONTROLLER, MD_R_TOPICS, MD_R_CLUSTER_OPS, MD_R__COUNT };
enum { MD_RB_NODE, MD_RB_HOST, MD_RB_PORT, MD_RB_RACK, MD_RB__COUNT };
enum { MD_RT_ERROR, MD_RT_NAME, MD_RT_INTERNAL, MD_RT_PARTITIONS, MD_RT_OPS, MD_RT__COUNT };
enum {
    MD_RP_ERROR,
    MD_RP_INDEX,
    MD_RP_LEADER,
    MD_RP_LEADER_EPOCH,
    MD_RP_REPLICAS,
    MD_RP_ISR,
    MD_RP_OFFLINE,
    MD_RP__COUNT
};

enum { AV_CLIENT_NAME, AV_CLIENT_VERSION, AV__COUNT };
enum { AV_R_ERROR, AV_R_KEYS, AV_R_THROTTLE, AV_R__COUNT };
enum { AV_RK_KEY, AV_RK_MIN, AV_RK_MAX, AV_RK__COUNT };

enum { CT_TOPICS, CT_TIMEOUT, CT_VALIDATE_ONLY, CT__COUNT };
enum { CT_A_INDEX, CT_A_BROKERS, CT_A__COUNT };
enum { CT_C_NAME, CT_C_VALUE, CT_C__COUNT };
enum { CT_T_NAME, CT_T_PARTITIONS, CT_T_REPLICATION, CT_T_ASSIGNMENTS, CT_T_CONFIGS, CT_T__COUNT };
enum { CT_R_THROTTLE, CT_R_TOPICS, CT_R__COUNT };
enum { CT_RT_NAME, CT_RT_ERROR, CT_RT_MESSAGE, CT_RT__COUNT };

enum { DT_NAMES, DT_TIMEOUT, DT__COUNT };
enum { DT_R_THROTTLE, DT_R_RESPONSES, DT_R__COUNT };
enum { DT_RT_NAME, DT_RT_ERROR, DT_RT__COUNT };

enum { IP_TXN_ID, IP_TXN_TIMEOUT, IP__COUNT };
enum { IP_R_THROTTLE, IP_R_ERROR, IP_R_PRODUCER_ID, IP_R_EPOCH, IP_R__COUNT };

enum { DC_RESOURCES, DC_SYNONYMS, DC_DOCS, DC__COUNT };
enum { DC_RES_TYPE, DC_RES_NAME, DC_RES_KEYS, DC_RES__COUNT };
enum { DC_R_THROTTLE, DC_R_RESULTS, DC_R__COUNT };
enum { DC_RR_ERROR, DC_RR_MESSAGE, DC_RR_TYPE, DC_RR_NAME, DC_RR_CONFIGS, DC_RR__COUNT };
enum { DC_RS_NAME, DC_RS_VALUE, DC_RS_SOURCE, DC_RS__COUNT };
enum {
    DC_RC_NAME,
    DC_RC_VALUE,
    DC_RC_READ_ONLY,
    DC_RC_IS_DEFAULT,
    DC_RC_SOURCE,
    DC_RC_SENSITIVE,
    DC_RC_SYNONYMS,
    DC_RC_TYPE,
    DC_RC__COUNT
};

enum { OC_GROUP, OC_GENERATION, OC_MEMBER, OC_INSTANCE, OC_RETENTION, OC_TOPICS, OC__COUNT };
enum { OC_T_NAME, OC_T_PARTITIONS, OC_T__COUNT };
enum { OC_P_INDEX, OC_P_OFFSET, OC_P_LEADER_EPOCH, OC_P_TIMESTAMP, OC_P_METADATA, OC_P__COUNT };
enum { OC_R_THROTTLE, OC_R_TOPICS, OC_R__COUNT };
enum { OC_RT_NAME, OC_RT_PARTITIONS, OC_RT__COUNT };
enum { OC_RP_INDEX, OC_RP_ERROR, OC_RP__COUNT };

enum { OF_GROUP, OF_TOPICS, OF__COUNT };
enum { OF_T_NAME, OF_T_PARTITIONS, OF_T__COUNT };
enum { OF_R_THROTTLE, OF_R_TOPICS, OF_R_ERROR, OF_R__COUNT };
enum { OF_RT_NAME, OF_RT_PARTITIONS, OF_RT__COUNT };
enum { OF_RP_INDEX, OF_RP_OFFSET, OF_RP_LEADER_EPOCH, OF_RP_METADATA, OF_RP_ERROR, OF_RP__COUNT };

enum { FC_KEY, FC_KEY_TYPE, FC__COUNT };
enum { FC_R_THROTTLE, FC_R_ERROR, FC_R_MESSAGE, FC_R_NODE, FC_R_HOST, FC_R_PORT, FC_R__COUNT };

/* DescribeCluster (60) */
enum { DCL_INCLUDE_OPS, DCL_ENDPOINT_TYPE, DCL__COUNT };
enum {
    DCL_R_THROTTLE,
    DCL_R_ERROR,
    DCL_R_MESSAGE,
    DCL_R_ENDPOINT_TYPE,
    DCL_R_CLUSTER_ID,
    DCL_R_CONTROLLER,
    DCL_R_BROKERS,
    DCL_R_CLUSTER_OPS,
    DCL_R__COUNT
};
enum { DCL_RB_ID, DCL_RB_HOST, DCL_RB_PORT, DCL_RB_RACK, DCL_RB__COUNT };

enum {
    JG_GROUP,
    JG_SESSION_TIMEOUT,
    JG_REBALANCE_TIMEOUT,
    JG_MEMBER,
    JG_INSTANCE,
    JG_PROTOCOL_TYPE,
    JG_PROTOCOLS,
    JG__COUNT
};
enum { JG_P_NAME, JG_P_METADATA, JG_P__COUNT };
enum { JG_R_THROTTLE, JG_R_ERROR, JG_R_GENERATION, JG_R_PROTOCOL, JG_R_LEADER, JG_R_MEMBER, JG_R_MEMBERS, JG_R__COUNT };
enum { JG_RM_MEMBER, JG_RM_INSTANCE, JG_RM_METADATA, JG_RM__COUNT };

enum { HB_GROUP, HB_GENERATION, HB_MEMBER, HB_INSTANCE, HB__COUNT };
enum { HB_R_THROTTLE, HB_R_ERROR, HB_R__COUNT };

enum { LG_GROUP, LG_MEMBER, LG_MEMBERS, LG__COUNT };
enum { LG_M_MEMBER, LG_M_INSTANCE, LG_M__COUNT };
enum { LG_R_THROTTLE, LG_R_ERROR, LG_R_MEMBERS, LG_R__COUNT };
enum { LG_RM_MEMBER, LG_RM_INSTANCE, LG_RM_ERROR, LG_RM__COUNT };

enum { SG_GROUP, SG_GENERATION, SG_MEMBER, SG_INSTANCE, SG_ASSIGNMENTS, SG__COUNT };
enum { SG_A_MEMBER, SG_A_ASSIGNMENT, SG_A__COUNT };
enum { SG_R_THROTTLE, SG_R_ERROR, SG_R_ASSIGNMENT, SG_R__COUNT };

enum { DG_GROUPS, DG_AUTH_OPS, DG__COUNT };
enum { DG_R_THROTTLE, DG_R_GROUPS, DG_R__COUNT };
enum {
    DG_RG_ERROR,
    DG_RG_GROUP,
    DG_RG_STATE,
    DG_RG_PROTOCOL_TYPE,
    DG_RG_PROTOCOL,
    DG_RG_MEMBERS,
    DG_RG_AUTH_OPS,
    DG_RG__COUNT
};
enum {
    DG_RM_MEMBER,
    DG_RM_INSTANCE,
    DG_RM_CLIENT_ID,
    DG_RM_CLIENT_HOST,
    DG_RM_METADATA,
    DG_RM_ASSIGNMENT,
    DG_RM__COUNT
};

enum { LSG_R_THROTTLE, LSG_R_ERROR, LSG_R_GROUPS, LSG_R__COUNT };
enum { LSG_RG_GROUP, LSG_RG_PROTOCOL_TYPE, LSG_RG__COUNT };

enum { DLG_GROUPS, DLG__COUNT };
enum { DLG_R_THROTTLE, DLG_R_RESULTS, DLG_R__COUNT };
enum { DLG_RR_GROUP, DLG_RR_ERROR, DLG_RR__COUNT };

enum { SH_MECHANISM, SH__COUNT };
enum { SH_R_ERROR, SH_R_MECHANISMS, SH_R__COUNT };
enum { SA_BYTES, SA__COUNT };
enum { SA_R_ERROR, SA_R_MESSAGE, SA_R_BYTES, SA_R_LIFETIME, SA_R__COUNT };

enum { OD_GROUP, OD_TOPICS, OD__COUNT };
enum { OD_P_INDEX, OD_P__COUNT };
enum { OD_T_NAME, OD_T_PARTITIONS, OD_T__COUNT };
enum { OD_R_ERROR, OD_R_THROTTLE, OD_R_TOPICS, OD_R__COUNT };
enum { OD_RT_NAME, OD_RT_PARTITIONS, OD_RT__COUNT };
enum { OD_RP_INDEX, OD_RP_ERROR, OD_RP__COUNT };

#endif
