/* Schemas of the Kafka messages Brook speaks, transcribed field by field
 * (with the versions each field exists in) from Kafka's message JSON files.
 * The field order is the wire order; kapis.h names the indexes. */
#include "kapis.h"

#include "kmap.h"

#include <stdint.h>

#define COUNT(a) ((uint16_t)(sizeof(a) / sizeof((a)[0])))
/* a field present from version `min` (to `max`, KV_ANY = open) */
#define F(n, t, min, max)                                                                                              \
    {                                                                                                                  \
        .name = n, .type = t, .min_ver = min, .max_ver = max, .nullable_from = KV_NEVER                                \
    }
#define FN(n, t, min, max, nullable)                                                                                   \
    {                                                                                                                  \
        .name = n, .type = t, .min_ver = min, .max_ver = max, .nullable_from = nullable                                \
    }
#define FD(n, t, min, max, d)                                                                                          \
    {                                                                                                                  \
        .name = n, .type = t, .min_ver = min, .max_ver = max, .nullable_from = KV_NEVER, .def = d                      \
    }
#define FA(n, el, min, max, nullable)                                                                                  \
    {                                                                                                                  \
        .name = n, .type = KT_ARRAY, .min_ver = min, .max_ver = max, .nullable_from = nullable, .elem = el             \
    }
#define FS(n, sub, min, max, nullable)                                                                                 \
    {                                                                                                                  \
        .name = n, .type = KT_STRUCTS, .min_ver = min, .max_ver = max, .nullable_from = nullable, .fields = sub,       \
        .nfields = COUNT(sub)                                                                                          \
    }
#define MSG(name, f) static const kmsg name = {f, COUNT(f)}

/* ---- Produce (0) -------------------------------------------------------- */
static const kfield produce_partition[PRODUCE_P__COUNT] = {
    [PRODUCE_P_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [PRODUCE_P_RECORDS] = FN("Records", KT_RECORDS, 0, KV_ANY, 0),
};
static const kfield produce_topic[PRODUCE_T__COUNT] = {
    [PRODUCE_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [PRODUCE_T_PARTITIONS] = FS("Partitions", produce_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield produce_req[PRODUCE__COUNT] = {
    [PRODUCE_TXN_ID] = FN("TransactionalId", KT_STRING, 3, KV_ANY, 0),
    [PRODUCE_ACKS] = F("Acks", KT_INT16, 0, KV_ANY),
    [PRODUCE_TIMEOUT] = F("TimeoutMs", KT_INT32, 0, KV_ANY),
    [PRODUCE_TOPICS] = FS("Topics", produce_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield produce_record_error[PRODUCE_RE__COUNT] = {
    [PRODUCE_RE_BATCH_INDEX] = F("BatchIndex", KT_INT32, 8, KV_ANY),
    [PRODUCE_RE_MESSAGE] = FN("BatchIndexErrorMessage", KT_STRING, 8, KV_ANY, 8),
};
static const kfield produce_resp_partition[PRODUCE_RP__COUNT] = {
    [PRODUCE_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [PRODUCE_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [PRODUCE_RP_BASE] = F("BaseOffset", KT_INT64, 0, KV_ANY),
    [PRODUCE_RP_APPEND_TIME] = FD("LogAppendTimeMs", KT_INT64, 2, KV_ANY, -1),
    [PRODUCE_RP_START] = FD("LogStartOffset", KT_INT64, 5, KV_ANY, -1),
    [PRODUCE_RP_RECORD_ERRORS] = FS("RecordErrors", produce_record_error, 8, KV_ANY, KV_NEVER),
    [PRODUCE_RP_MESSAGE] = FN("ErrorMessage", KT_STRING, 8, KV_ANY, 8),
};
static const kfield produce_resp_topic[PRODUCE_RT__COUNT] = {
    [PRODUCE_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [PRODUCE_RT_PARTITIONS] = FS("Partitions", produce_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield produce_resp[PRODUCE_R__COUNT] = {
    [PRODUCE_R_RESPONSES] = FS("Responses", produce_resp_topic, 0, KV_ANY, KV_NEVER),
    [PRODUCE_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
};
MSG(produce_request, produce_req);
MSG(produce_response, produce_resp);

/* ---- Fetch (1) ---------------------------------------------------------- */
static const kfield fetch_partition[FETCH_P__COUNT] = {
    [FETCH_P_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [FETCH_P_LEADER_EPOCH] = FD("CurrentLeaderEpoch", KT_INT32, 9, KV_ANY, -1),
    [FETCH_P_OFFSET] = F("FetchOffset", KT_INT64, 0, KV_ANY),
    [FETCH_P_LOG_START] = FD("LogStartOffset", KT_INT64, 5, KV_ANY, -1),
    [FETCH_P_MAX_BYTES] = F("PartitionMaxBytes", KT_INT32, 0, KV_ANY),
};
static const kfield fetch_topic[FETCH_T__COUNT] = {
    [FETCH_T_NAME] = F("Topic", KT_STRING, 0, KV_ANY),
    [FETCH_T_PARTITIONS] = FS("Partitions", fetch_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield fetch_forgotten[FETCH_F__COUNT] = {
    [FETCH_F_TOPIC] = F("Topic", KT_STRING, 7, KV_ANY),
    [FETCH_F_PARTITIONS] = FA("Partitions", KT_INT32, 7, KV_ANY, KV_NEVER),
};
static const kfield fetch_req[FETCH__COUNT] = {
    [FETCH_REPLICA] = F("ReplicaId", KT_INT32, 0, KV_ANY),
    [FETCH_MAX_WAIT] = F("MaxWaitMs", KT_INT32, 0, KV_ANY),
    [FETCH_MIN_BYTES] = F("MinBytes", KT_INT32, 0, KV_ANY),
    [FETCH_MAX_BYTES] = FD("MaxBytes", KT_INT32, 3, KV_ANY, 0x7fffffff),
    [FETCH_ISOLATION] = F("IsolationLevel", KT_INT8, 4, KV_ANY),
    [FETCH_SESSION] = F("SessionId", KT_INT32, 7, KV_ANY),
    [FETCH_EPOCH] = FD("SessionEpoch", KT_INT32, 7, KV_ANY, -1),
    [FETCH_TOPICS] = FS("Topics", fetch_topic, 0, KV_ANY, KV_NEVER),
    [FETCH_FORGOTTEN] = FS("ForgottenTopicsData", fetch_forgotten, 7, KV_ANY, KV_NEVER),
    [FETCH_RACK] = F("RackId", KT_STRING, 11, KV_ANY),
};
static const kfield fetch_aborted[FETCH_RA__COUNT] = {
    [FETCH_RA_PRODUCER_ID] = F("ProducerId", KT_INT64, 4, KV_ANY),
    [FETCH_RA_FIRST_OFFSET] = F("FirstOffset", KT_INT64, 4, KV_ANY),
};
static const kfield fetch_resp_partition[FETCH_RP__COUNT] = {
    [FETCH_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [FETCH_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [FETCH_RP_HW] = F("HighWatermark", KT_INT64, 0, KV_ANY),
    [FETCH_RP_LSO] = FD("LastStableOffset", KT_INT64, 4, KV_ANY, -1),
    [FETCH_RP_LOG_START] = FD("LogStartOffset", KT_INT64, 5, KV_ANY, -1),
    [FETCH_RP_ABORTED] = FS("AbortedTransactions", fetch_aborted, 4, KV_ANY, 4),
    [FETCH_RP_PREFERRED] = FD("PreferredReadReplica", KT_INT32, 11, KV_ANY, -1),
    [FETCH_RP_RECORDS] = FN("Records", KT_RECORDS, 0, KV_ANY, 0),
};
static const kfield fetch_resp_topic[FETCH_RT__COUNT] = {
    [FETCH_RT_NAME] = F("Topic", KT_STRING, 0, KV_ANY),
    [FETCH_RT_PARTITIONS] = FS("Partitions", fetch_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield fetch_resp[FETCH_R__COUNT] = {
    [FETCH_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    [FETCH_R_ERROR] = F("ErrorCode", KT_INT16, 7, KV_ANY),
    [FETCH_R_SESSION] = F("SessionId", KT_INT32, 7, KV_ANY),
    [FETCH_R_RESPONSES] = FS("Responses", fetch_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(fetch_request, fetch_req);
MSG(fetch_response, fetch_resp);

/* ---- ListOffsets (2) ------------------------------------------------------ */
static const kfield lo_partition[LO_P__COUNT] = {
    [LO_P_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [LO_P_LEADER_EPOCH] = FD("CurrentLeaderEpoch", KT_INT32, 4, KV_ANY, -1),
    [LO_P_TIMESTAMP] = F("Timestamp", KT_INT64, 0, KV_ANY),
    [LO_P_MAX_NUM] = FD("MaxNumOffsets", KT_INT32, 0, 0, 1),
};
static const kfield lo_topic[LO_T__COUNT] = {
    [LO_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [LO_T_PARTITIONS] = FS("Partitions", lo_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield lo_req[LO__COUNT] = {
    [LO_REPLICA] = F("ReplicaId", KT_INT32, 0, KV_ANY),
    [LO_ISOLATION] = F("IsolationLevel", KT_INT8, 2, KV_ANY),
    [LO_TOPICS] = FS("Topics", lo_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield lo_resp_partition[LO_RP__COUNT] = {
    [LO_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [LO_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [LO_RP_OLD_OFFSETS] = FA("OldStyleOffsets", KT_INT64, 0, 0, KV_NEVER),
    [LO_RP_TIMESTAMP] = FD("Timestamp", KT_INT64, 1, KV_ANY, -1),
    [LO_RP_OFFSET] = FD("Offset", KT_INT64, 1, KV_ANY, -1),
    [LO_RP_LEADER_EPOCH] = FD("LeaderEpoch", KT_INT32, 4, KV_ANY, -1),
};
static const kfield lo_resp_topic[LO_RT__COUNT] = {
    [LO_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [LO_RT_PARTITIONS] = FS("Partitions", lo_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield lo_resp[LO_R__COUNT] = {
    [LO_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 2, KV_ANY),
    [LO_R_TOPICS] = FS("Topics", lo_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(lo_request, lo_req);
MSG(lo_response, lo_resp);

/* ---- DeleteRecords (21) ---------------------------------------------------- */
static const kfield dr_partition[DR_P__COUNT] = {
    [DR_P_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [DR_P_OFFSET] = F("Offset", KT_INT64, 0, KV_ANY),
};
static const kfield dr_topic[DR_T__COUNT] = {
    [DR_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [DR_T_PARTITIONS] = FS("Partitions", dr_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield dr_req[DR__COUNT] = {
    [DR_TOPICS] = FS("Topics", dr_topic, 0, KV_ANY, KV_NEVER),
    [DR_TIMEOUT] = F("TimeoutMs", KT_INT32, 0, KV_ANY),
};
static const kfield dr_resp_partition[DR_RP__COUNT] = {
    [DR_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [DR_RP_LOW_WATERMARK] = F("LowWatermark", KT_INT64, 0, KV_ANY),
    [DR_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield dr_resp_topic[DR_RT__COUNT] = {
    [DR_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [DR_RT_PARTITIONS] = FS("Partitions", dr_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield dr_resp[DR_R__COUNT] = {
    [DR_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DR_R_TOPICS] = FS("Topics", dr_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(dr_request, dr_req);
MSG(dr_response, dr_resp);

/* ---- CreatePartitions (37) ------------------------------------------------ */
static const kfield cp_assignment[CP_A__COUNT] = {
    [CP_A_BROKERS] = FA("BrokerIds", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield cp_topic[CP_T__COUNT] = {
    [CP_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [CP_T_COUNT] = F("Count", KT_INT32, 0, KV_ANY),
    [CP_T_ASSIGNMENTS] = FS("Assignments", cp_assignment, 0, KV_ANY, 0),
};
static const kfield cp_req[CP__COUNT] = {
    [CP_TOPICS] = FS("Topics", cp_topic, 0, KV_ANY, KV_NEVER),
    [CP_TIMEOUT] = F("TimeoutMs", KT_INT32, 0, KV_ANY),
    [CP_VALIDATE_ONLY] = F("ValidateOnly", KT_BOOL, 0, KV_ANY),
};
static const kfield cp_resp_result[CP_RR__COUNT] = {
    [CP_RR_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [CP_RR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [CP_RR_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
};
static const kfield cp_resp[CP_R__COUNT] = {
    [CP_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [CP_R_RESULTS] = FS("Results", cp_resp_result, 0, KV_ANY, KV_NEVER),
};
MSG(cp_request, cp_req);
MSG(cp_response, cp_resp);

/* ---- AlterConfigs (33), IncrementalAlterConfigs (44) ------------------------ */
static const kfield ac_config[AC_C__COUNT] = {
    [AC_C_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [AC_C_OP] = FD("ConfigOperation", KT_INT8, KV_NEVER, KV_NEVER, 0), /* AlterConfigs: always a set */
    [AC_C_VALUE] = FN("Value", KT_STRING, 0, KV_ANY, 0),
};
static const kfield ac_resource[AC_RES__COUNT] = {
    [AC_RES_TYPE] = F("ResourceType", KT_INT8, 0, KV_ANY),
    [AC_RES_NAME] = F("ResourceName", KT_STRING, 0, KV_ANY),
    [AC_RES_CONFIGS] = FS("Configs", ac_config, 0, KV_ANY, KV_NEVER),
};
static const kfield ac_req[AC__COUNT] = {
    [AC_RESOURCES] = FS("Resources", ac_resource, 0, KV_ANY, KV_NEVER),
    [AC_VALIDATE_ONLY] = F("ValidateOnly", KT_BOOL, 0, KV_ANY),
};
static const kfield iac_config[AC_C__COUNT] = {
    [AC_C_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [AC_C_OP] = F("ConfigOperation", KT_INT8, 0, KV_ANY),
    [AC_C_VALUE] = FN("Value", KT_STRING, 0, KV_ANY, 0),
};
static const kfield iac_resource[AC_RES__COUNT] = {
    [AC_RES_TYPE] = F("ResourceType", KT_INT8, 0, KV_ANY),
    [AC_RES_NAME] = F("ResourceName", KT_STRING, 0, KV_ANY),
    [AC_RES_CONFIGS] = FS("Configs", iac_config, 0, KV_ANY, KV_NEVER),
};
static const kfield iac_req[AC__COUNT] = {
    [AC_RESOURCES] = FS("Resources", iac_resource, 0, KV_ANY, KV_NEVER),
    [AC_VALIDATE_ONLY] = F("ValidateOnly", KT_BOOL, 0, KV_ANY),
};
static const kfield ac_resp_resource[AC_RR__COUNT] = {
    [AC_RR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [AC_RR_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [AC_RR_TYPE] = F("ResourceType", KT_INT8, 0, KV_ANY),
    [AC_RR_NAME] = F("ResourceName", KT_STRING, 0, KV_ANY),
};
static const kfield ac_resp[AC_R__COUNT] = {
    [AC_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [AC_R_RESOURCES] = FS("Responses", ac_resp_resource, 0, KV_ANY, KV_NEVER),
};
MSG(ac_request, ac_req);
MSG(iac_request, iac_req);
MSG(ac_response, ac_resp);

/* ---- OffsetForLeaderEpoch (23) -------------------------------------------- */
static const kfield ole_partition[OLE_P__COUNT] = {
    [OLE_P_INDEX] = F("Partition", KT_INT32, 0, KV_ANY),
    [OLE_P_CURRENT_EPOCH] = FD("CurrentLeaderEpoch", KT_INT32, 2, KV_ANY, -1),
    [OLE_P_LEADER_EPOCH] = F("LeaderEpoch", KT_INT32, 0, KV_ANY),
};
static const kfield ole_topic[OLE_T__COUNT] = {
    [OLE_T_NAME] = F("Topic", KT_STRING, 0, KV_ANY),
    [OLE_T_PARTITIONS] = FS("Partitions", ole_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield ole_req[OLE__COUNT] = {
    [OLE_REPLICA] = FD("ReplicaId", KT_INT32, 3, KV_ANY, -2),
    [OLE_TOPICS] = FS("Topics", ole_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield ole_resp_partition[OLE_RP__COUNT] = {
    [OLE_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [OLE_RP_INDEX] = F("Partition", KT_INT32, 0, KV_ANY),
    [OLE_RP_LEADER_EPOCH] = FD("LeaderEpoch", KT_INT32, 1, KV_ANY, -1),
    [OLE_RP_END_OFFSET] = F("EndOffset", KT_INT64, 0, KV_ANY),
};
static const kfield ole_resp_topic[OLE_RT__COUNT] = {
    [OLE_RT_NAME] = F("Topic", KT_STRING, 0, KV_ANY),
    [OLE_RT_PARTITIONS] = FS("Partitions", ole_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield ole_resp[OLE_R__COUNT] = {
    [OLE_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 2, KV_ANY),
    [OLE_R_TOPICS] = FS("Topics", ole_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(ole_request, ole_req);
MSG(ole_response, ole_resp);

/* ---- Metadata (3) --------------------------------------------------------- */
static const kfield md_topic[MD_T__COUNT] = {
    [MD_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
};
static const kfield md_req[MD__COUNT] = {
    [MD_TOPICS] = FS("Topics", md_topic, 0, KV_ANY, 1),
    [MD_AUTO_CREATE] = FD("AllowAutoTopicCreation", KT_BOOL, 4, KV_ANY, 1),
    [MD_CLUSTER_OPS] = F("IncludeClusterAuthorizedOperations", KT_BOOL, 8, 10),
    [MD_TOPIC_OPS] = F("IncludeTopicAuthorizedOperations", KT_BOOL, 8, KV_ANY),
};
static const kfield md_broker[MD_RB__COUNT] = {
    [MD_RB_NODE] = F("NodeId", KT_INT32, 0, KV_ANY),
    [MD_RB_HOST] = F("Host", KT_STRING, 0, KV_ANY),
    [MD_RB_PORT] = F("Port", KT_INT32, 0, KV_ANY),
    [MD_RB_RACK] = FN("Rack", KT_STRING, 1, KV_ANY, 1),
};
static const kfield md_partition[MD_RP__COUNT] = {
    [MD_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [MD_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [MD_RP_LEADER] = F("LeaderId", KT_INT32, 0, KV_ANY),
    [MD_RP_LEADER_EPOCH] = FD("LeaderEpoch", KT_INT32, 7, KV_ANY, -1),
    [MD_RP_REPLICAS] = FA("ReplicaNodes", KT_INT32, 0, KV_ANY, KV_NEVER),
    [MD_RP_ISR] = FA("IsrNodes", KT_INT32, 0, KV_ANY, KV_NEVER),
    [MD_RP_OFFLINE] = FA("OfflineReplicas", KT_INT32, 5, KV_ANY, KV_NEVER),
};
static const kfield md_resp_topic[MD_RT__COUNT] = {
    [MD_RT_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [MD_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [MD_RT_INTERNAL] = F("IsInternal", KT_BOOL, 1, KV_ANY),
    [MD_RT_PARTITIONS] = FS("Partitions", md_partition, 0, KV_ANY, KV_NEVER),
    [MD_RT_OPS] = FD("TopicAuthorizedOperations", KT_INT32, 8, KV_ANY, INT32_MIN),
};
static const kfield md_resp[MD_R__COUNT] = {
    [MD_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 3, KV_ANY),
    [MD_R_BROKERS] = FS("Brokers", md_broker, 0, KV_ANY, KV_NEVER),
    [MD_R_CLUSTER_ID] = FN("ClusterId", KT_STRING, 2, KV_ANY, 2),
    [MD_R_CONTROLLER] = FD("ControllerId", KT_INT32, 1, KV_ANY, -1),
    [MD_R_TOPICS] = FS("Topics", md_resp_topic, 0, KV_ANY, KV_NEVER),
    [MD_R_CLUSTER_OPS] = FD("ClusterAuthorizedOperations", KT_INT32, 8, 10, INT32_MIN),
};
MSG(md_request, md_req);
MSG(md_response, md_resp);

/* ---- ApiVersions (18) ----------------------------------------------------- */
static const kfield av_req[AV__COUNT] = {
    [AV_CLIENT_NAME] = F("ClientSoftwareName", KT_STRING, 3, KV_ANY),
    [AV_CLIENT_VERSION] = F("ClientSoftwareVersion", KT_STRING, 3, KV_ANY),
};
static const kfield av_key[AV_RK__COUNT] = {
    [AV_RK_KEY] = F("ApiKey", KT_INT16, 0, KV_ANY),
    [AV_RK_MIN] = F("MinVersion", KT_INT16, 0, KV_ANY),
    [AV_RK_MAX] = F("MaxVersion", KT_INT16, 0, KV_ANY),
};
static const kfield av_resp[AV_R__COUNT] = {
    [AV_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [AV_R_KEYS] = FS("ApiKeys", av_key, 0, KV_ANY, KV_NEVER),
    [AV_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
};
MSG(av_request, av_req);
MSG(av_response, av_resp);

/* ---- CreateTopics (19) ---------------------------------------------------- */
static const kfield ct_assignment[CT_A__COUNT] = {
    [CT_A_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [CT_A_BROKERS] = FA("BrokerIds", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield ct_config[CT_C__COUNT] = {
    [CT_C_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [CT_C_VALUE] = FN("Value", KT_STRING, 0, KV_ANY, 0),
};
static const kfield ct_topic[CT_T__COUNT] = {
    [CT_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [CT_T_PARTITIONS] = F("NumPartitions", KT_INT32, 0, KV_ANY),
    [CT_T_REPLICATION] = F("ReplicationFactor", KT_INT16, 0, KV_ANY),
    [CT_T_ASSIGNMENTS] = FS("Assignments", ct_assignment, 0, KV_ANY, KV_NEVER),
    [CT_T_CONFIGS] = FS("Configs", ct_config, 0, KV_ANY, KV_NEVER),
};
static const kfield ct_req[CT__COUNT] = {
    [CT_TOPICS] = FS("Topics", ct_topic, 0, KV_ANY, KV_NEVER),
    [CT_TIMEOUT] = F("TimeoutMs", KT_INT32, 0, KV_ANY),
    [CT_VALIDATE_ONLY] = F("ValidateOnly", KT_BOOL, 1, KV_ANY),
};
static const kfield ct_resp_topic[CT_RT__COUNT] = {
    [CT_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [CT_RT_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [CT_RT_MESSAGE] = FN("ErrorMessage", KT_STRING, 1, KV_ANY, 0),
};
static const kfield ct_resp[CT_R__COUNT] = {
    [CT_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 2, KV_ANY),
    [CT_R_TOPICS] = FS("Topics", ct_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(ct_request, ct_req);
MSG(ct_response, ct_resp);

/* ---- DeleteTopics (20) ---------------------------------------------------- */
static const kfield dt_req[DT__COUNT] = {
    [DT_NAMES] = FA("TopicNames", KT_STRING, 0, KV_ANY, KV_NEVER),
    [DT_TIMEOUT] = F("TimeoutMs", KT_INT32, 0, KV_ANY),
};
static const kfield dt_resp_topic[DT_RT__COUNT] = {
    [DT_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [DT_RT_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield dt_resp[DT_R__COUNT] = {
    [DT_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    [DT_R_RESPONSES] = FS("Responses", dt_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(dt_request, dt_req);
MSG(dt_response, dt_resp);

/* ---- InitProducerId (22) -------------------------------------------------- */
static const kfield ip_req[IP__COUNT] = {
    [IP_TXN_ID] = FN("TransactionalId", KT_STRING, 0, KV_ANY, 0),
    [IP_TXN_TIMEOUT] = F("TransactionTimeoutMs", KT_INT32, 0, KV_ANY),
    [IP_PRODUCER_ID] = FD("ProducerId", KT_INT64, 3, KV_ANY, -1),
    [IP_EPOCH] = FD("ProducerEpoch", KT_INT16, 3, KV_ANY, -1),
};
static const kfield ip_resp[IP_R__COUNT] = {
    [IP_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [IP_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [IP_R_PRODUCER_ID] = FD("ProducerId", KT_INT64, 0, KV_ANY, -1),
    [IP_R_EPOCH] = F("ProducerEpoch", KT_INT16, 0, KV_ANY),
};
MSG(ip_request, ip_req);
MSG(ip_response, ip_resp);

/* ---- DescribeConfigs (32) ------------------------------------------------- */
static const kfield dc_resource[DC_RES__COUNT] = {
    [DC_RES_TYPE] = F("ResourceType", KT_INT8, 0, KV_ANY),
    [DC_RES_NAME] = F("ResourceName", KT_STRING, 0, KV_ANY),
    [DC_RES_KEYS] = FA("ConfigurationKeys", KT_STRING, 0, KV_ANY, 0),
};
static const kfield dc_req[DC__COUNT] = {
    [DC_RESOURCES] = FS("Resources", dc_resource, 0, KV_ANY, KV_NEVER),
    [DC_SYNONYMS] = F("IncludeSynonyms", KT_BOOL, 1, KV_ANY),
    [DC_DOCS] = F("IncludeDocumentation", KT_BOOL, 3, KV_ANY),
};
static const kfield dc_synonym[DC_RS__COUNT] = {
    [DC_RS_NAME] = F("Name", KT_STRING, 1, KV_ANY),
    [DC_RS_VALUE] = FN("Value", KT_STRING, 1, KV_ANY, 0),
    [DC_RS_SOURCE] = F("Source", KT_INT8, 1, KV_ANY),
};
static const kfield dc_config[DC_RC__COUNT] = {
    [DC_RC_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [DC_RC_VALUE] = FN("Value", KT_STRING, 0, KV_ANY, 0),
    [DC_RC_READ_ONLY] = F("ReadOnly", KT_BOOL, 0, KV_ANY),
    [DC_RC_IS_DEFAULT] = F("IsDefault", KT_BOOL, 0, 0),
    [DC_RC_SOURCE] = FD("ConfigSource", KT_INT8, 1, KV_ANY, -1),
    [DC_RC_SENSITIVE] = F("IsSensitive", KT_BOOL, 0, KV_ANY),
    [DC_RC_SYNONYMS] = FS("Synonyms", dc_synonym, 1, KV_ANY, KV_NEVER),
    [DC_RC_TYPE] = FN("ConfigType", KT_STRING, 3, KV_ANY, 0),
};
static const kfield dc_result[DC_RR__COUNT] = {
    [DC_RR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DC_RR_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [DC_RR_TYPE] = F("ResourceType", KT_INT8, 0, KV_ANY),
    [DC_RR_NAME] = F("ResourceName", KT_STRING, 0, KV_ANY),
    [DC_RR_CONFIGS] = FS("Configs", dc_config, 0, KV_ANY, KV_NEVER),
};
static const kfield dc_resp[DC_R__COUNT] = {
    [DC_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DC_R_RESULTS] = FS("Results", dc_result, 0, KV_ANY, KV_NEVER),
};
MSG(dc_request, dc_req);
MSG(dc_response, dc_resp);

/* ---- OffsetCommit (8) ------------------------------------------------------ */
static const kfield oc_partition[OC_P__COUNT] = {
    [OC_P_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [OC_P_OFFSET] = F("CommittedOffset", KT_INT64, 0, KV_ANY),
    [OC_P_LEADER_EPOCH] = FD("CommittedLeaderEpoch", KT_INT32, 6, KV_ANY, -1),
    [OC_P_TIMESTAMP] = FD("CommitTimestamp", KT_INT64, 1, 1, -1),
    [OC_P_METADATA] = FN("CommittedMetadata", KT_STRING, 0, KV_ANY, 0),
};
static const kfield oc_topic[OC_T__COUNT] = {
    [OC_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [OC_T_PARTITIONS] = FS("Partitions", oc_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield oc_req[OC__COUNT] = {
    [OC_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [OC_GENERATION] = FD("GenerationId", KT_INT32, 1, KV_ANY, -1),
    [OC_MEMBER] = F("MemberId", KT_STRING, 1, KV_ANY),
    [OC_INSTANCE] = FN("GroupInstanceId", KT_STRING, 7, KV_ANY, 7),
    [OC_RETENTION] = FD("RetentionTimeMs", KT_INT64, 2, 4, -1),
    [OC_TOPICS] = FS("Topics", oc_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield oc_resp_partition[OC_RP__COUNT] = {
    [OC_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [OC_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield oc_resp_topic[OC_RT__COUNT] = {
    [OC_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [OC_RT_PARTITIONS] = FS("Partitions", oc_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield oc_resp[OC_R__COUNT] = {
    [OC_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 3, KV_ANY),
    [OC_R_TOPICS] = FS("Topics", oc_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(oc_request, oc_req);
MSG(oc_response, oc_resp);

/* ---- OffsetFetch (9) ------------------------------------------------------- */
static const kfield of_topic[OF_T__COUNT] = {
    [OF_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [OF_T_PARTITIONS] = FA("PartitionIndexes", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield of_req[OF__COUNT] = {
    [OF_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [OF_TOPICS] = FS("Topics", of_topic, 0, KV_ANY, 2),
    [OF_REQUIRE_STABLE] = F("RequireStable", KT_BOOL, 7, KV_ANY),
};
static const kfield of_resp_partition[OF_RP__COUNT] = {
    [OF_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [OF_RP_OFFSET] = F("CommittedOffset", KT_INT64, 0, KV_ANY),
    [OF_RP_LEADER_EPOCH] = FD("CommittedLeaderEpoch", KT_INT32, 5, KV_ANY, -1),
    [OF_RP_METADATA] = FN("Metadata", KT_STRING, 0, KV_ANY, 0),
    [OF_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield of_resp_topic[OF_RT__COUNT] = {
    [OF_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [OF_RT_PARTITIONS] = FS("Partitions", of_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield of_resp[OF_R__COUNT] = {
    [OF_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 3, KV_ANY),
    [OF_R_TOPICS] = FS("Topics", of_resp_topic, 0, KV_ANY, KV_NEVER),
    [OF_R_ERROR] = F("ErrorCode", KT_INT16, 2, KV_ANY),
};
MSG(of_request, of_req);
MSG(of_response, of_resp);

/* ---- FindCoordinator (10) ---------------------------------------------------- */
static const kfield fc_req[FC__COUNT] = {
    [FC_KEY] = F("Key", KT_STRING, 0, KV_ANY),
    [FC_KEY_TYPE] = F("KeyType", KT_INT8, 1, KV_ANY),
};
static const kfield fc_resp[FC_R__COUNT] = {
    [FC_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    [FC_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [FC_R_MESSAGE] = FN("ErrorMessage", KT_STRING, 1, KV_ANY, 1),
    [FC_R_NODE] = F("NodeId", KT_INT32, 0, KV_ANY),
    [FC_R_HOST] = F("Host", KT_STRING, 0, KV_ANY),
    [FC_R_PORT] = F("Port", KT_INT32, 0, KV_ANY),
};
MSG(fc_request, fc_req);
MSG(fc_response, fc_resp);

/* ---- DescribeCluster (60) --------------------------------------------------------- */
static const kfield dcl_req[DCL__COUNT] = {
    [DCL_INCLUDE_OPS] = F("IncludeClusterAuthorizedOperations", KT_BOOL, 0, KV_ANY),
    [DCL_ENDPOINT_TYPE] = FD("EndpointType", KT_INT8, 1, KV_ANY, 1),
};
static const kfield dcl_broker[DCL_RB__COUNT] = {
    [DCL_RB_ID] = F("BrokerId", KT_INT32, 0, KV_ANY),
    [DCL_RB_HOST] = F("Host", KT_STRING, 0, KV_ANY),
    [DCL_RB_PORT] = F("Port", KT_INT32, 0, KV_ANY),
    [DCL_RB_RACK] = FN("Rack", KT_STRING, 0, KV_ANY, 0),
};
static const kfield dcl_resp[DCL_R__COUNT] = {
    [DCL_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DCL_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DCL_R_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [DCL_R_ENDPOINT_TYPE] = FD("EndpointType", KT_INT8, 1, KV_ANY, 1),
    [DCL_R_CLUSTER_ID] = F("ClusterId", KT_STRING, 0, KV_ANY),
    [DCL_R_CONTROLLER] = FD("ControllerId", KT_INT32, 0, KV_ANY, -1),
    [DCL_R_BROKERS] = FS("Brokers", dcl_broker, 0, KV_ANY, KV_NEVER),
    [DCL_R_CLUSTER_OPS] = FD("ClusterAuthorizedOperations", KT_INT32, 0, KV_ANY, INT32_MIN),
};
MSG(dcl_request, dcl_req);
MSG(dcl_response, dcl_resp);

/* ---- JoinGroup (11) ------------------------------------------------------------ */
static const kfield jg_protocol[JG_P__COUNT] = {
    [JG_P_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [JG_P_METADATA] = F("Metadata", KT_BYTES, 0, KV_ANY),
};
static const kfield jg_req[JG__COUNT] = {
    [JG_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [JG_SESSION_TIMEOUT] = F("SessionTimeoutMs", KT_INT32, 0, KV_ANY),
    [JG_REBALANCE_TIMEOUT] = FD("RebalanceTimeoutMs", KT_INT32, 1, KV_ANY, -1),
    [JG_MEMBER] = F("MemberId", KT_STRING, 0, KV_ANY),
    [JG_INSTANCE] = FN("GroupInstanceId", KT_STRING, 5, KV_ANY, 5),
    [JG_PROTOCOL_TYPE] = F("ProtocolType", KT_STRING, 0, KV_ANY),
    [JG_PROTOCOLS] = FS("Protocols", jg_protocol, 0, KV_ANY, KV_NEVER),
};
static const kfield jg_member[JG_RM__COUNT] = {
    [JG_RM_MEMBER] = F("MemberId", KT_STRING, 0, KV_ANY),
    [JG_RM_INSTANCE] = FN("GroupInstanceId", KT_STRING, 5, KV_ANY, 5),
    [JG_RM_METADATA] = F("Metadata", KT_BYTES, 0, KV_ANY),
};
static const kfield jg_resp[JG_R__COUNT] = {
    [JG_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 2, KV_ANY),
    [JG_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [JG_R_GENERATION] = F("GenerationId", KT_INT32, 0, KV_ANY),
    [JG_R_PROTOCOL] = F("ProtocolName", KT_STRING, 0, KV_ANY),
    [JG_R_LEADER] = F("Leader", KT_STRING, 0, KV_ANY),
    [JG_R_MEMBER] = F("MemberId", KT_STRING, 0, KV_ANY),
    [JG_R_MEMBERS] = FS("Members", jg_member, 0, KV_ANY, KV_NEVER),
};
MSG(jg_request, jg_req);
MSG(jg_response, jg_resp);

/* ---- Heartbeat (12) ------------------------------------------------------------- */
static const kfield hb_req[HB__COUNT] = {
    [HB_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [HB_GENERATION] = F("GenerationId", KT_INT32, 0, KV_ANY),
    [HB_MEMBER] = F("MemberId", KT_STRING, 0, KV_ANY),
    [HB_INSTANCE] = FN("GroupInstanceId", KT_STRING, 3, KV_ANY, 3),
};
static const kfield hb_resp[HB_R__COUNT] = {
    [HB_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    [HB_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
MSG(hb_request, hb_req);
MSG(hb_response, hb_resp);

/* ---- LeaveGroup (13) ------------------------------------------------------------ */
static const kfield lg_member[LG_M__COUNT] = {
    [LG_M_MEMBER] = F("MemberId", KT_STRING, 3, KV_ANY),
    [LG_M_INSTANCE] = FN("GroupInstanceId", KT_STRING, 3, KV_ANY, 3),
};
static const kfield lg_req[LG__COUNT] = {
    [LG_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [LG_MEMBER] = F("MemberId", KT_STRING, 0, 2),
    [LG_MEMBERS] = FS("Members", lg_member, 3, KV_ANY, KV_NEVER),
};
static const kfield lg_resp_member[LG_RM__COUNT] = {
    [LG_RM_MEMBER] = F("MemberId", KT_STRING, 3, KV_ANY),
    [LG_RM_INSTANCE] = FN("GroupInstanceId", KT_STRING, 3, KV_ANY, 3),
    [LG_RM_ERROR] = F("ErrorCode", KT_INT16, 3, KV_ANY),
};
static const kfield lg_resp[LG_R__COUNT] = {
    [LG_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    [LG_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [LG_R_MEMBERS] = FS("Members", lg_resp_member, 3, KV_ANY, KV_NEVER),
};
MSG(lg_request, lg_req);
MSG(lg_response, lg_resp);

/* ---- SyncGroup (14) ------------------------------------------------------------- */
static const kfield sg_assignment[SG_A__COUNT] = {
    [SG_A_MEMBER] = F("MemberId", KT_STRING, 0, KV_ANY),
    [SG_A_ASSIGNMENT] = F("Assignment", KT_BYTES, 0, KV_ANY),
};
static const kfield sg_req[SG__COUNT] = {
    [SG_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [SG_GENERATION] = F("GenerationId", KT_INT32, 0, KV_ANY),
    [SG_MEMBER] = F("MemberId", KT_STRING, 0, KV_ANY),
    [SG_INSTANCE] = FN("GroupInstanceId", KT_STRING, 3, KV_ANY, 3),
    [SG_ASSIGNMENTS] = FS("Assignments", sg_assignment, 0, KV_ANY, KV_NEVER),
};
static const kfield sg_resp[SG_R__COUNT] = {
    [SG_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    [SG_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [SG_R_ASSIGNMENT] = F("Assignment", KT_BYTES, 0, KV_ANY),
};
MSG(sg_request, sg_req);
MSG(sg_response, sg_resp);

/* ---- DescribeGroups (15) -------------------------------------------------------- */
static const kfield dg_req[DG__COUNT] = {
    [DG_GROUPS] = FA("Groups", KT_STRING, 0, KV_ANY, KV_NEVER),
    [DG_AUTH_OPS] = F("IncludeAuthorizedOperations", KT_BOOL, 3, KV_ANY),
};
static const kfield dg_member[DG_RM__COUNT] = {
    [DG_RM_MEMBER] = F("MemberId", KT_STRING, 0, KV_ANY),
    [DG_RM_INSTANCE] = FN("GroupInstanceId", KT_STRING, 4, KV_ANY, 4),
    [DG_RM_CLIENT_ID] = F("ClientId", KT_STRING, 0, KV_ANY),
    [DG_RM_CLIENT_HOST] = F("ClientHost", KT_STRING, 0, KV_ANY),
    [DG_RM_METADATA] = F("MemberMetadata", KT_BYTES, 0, KV_ANY),
    [DG_RM_ASSIGNMENT] = F("MemberAssignment", KT_BYTES, 0, KV_ANY),
};
static const kfield dg_group[DG_RG__COUNT] = {
    [DG_RG_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DG_RG_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [DG_RG_STATE] = F("GroupState", KT_STRING, 0, KV_ANY),
    [DG_RG_PROTOCOL_TYPE] = F("ProtocolType", KT_STRING, 0, KV_ANY),
    [DG_RG_PROTOCOL] = F("ProtocolData", KT_STRING, 0, KV_ANY),
    [DG_RG_MEMBERS] = FS("Members", dg_member, 0, KV_ANY, KV_NEVER),
    [DG_RG_AUTH_OPS] = FD("AuthorizedOperations", KT_INT32, 3, KV_ANY, INT32_MIN),
};
static const kfield dg_resp[DG_R__COUNT] = {
    [DG_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    [DG_R_GROUPS] = FS("Groups", dg_group, 0, KV_ANY, KV_NEVER),
};
MSG(dg_request, dg_req);
MSG(dg_response, dg_resp);

/* ---- ListGroups (16) ------------------------------------------------------------ */
/* v3 is flexible, v4 filters by state (KIP-518), v5 by type (KIP-848) */
static const kfield lsg_req[LSG__COUNT] = {
    [LSG_STATES] = FA("StatesFilter", KT_STRING, 4, KV_ANY, KV_NEVER),
    [LSG_TYPES] = FA("TypesFilter", KT_STRING, 5, KV_ANY, KV_NEVER),
};
MSG(lsg_request, lsg_req);
static const kfield lsg_group[LSG_RG__COUNT] = {
    [LSG_RG_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [LSG_RG_PROTOCOL_TYPE] = F("ProtocolType", KT_STRING, 0, KV_ANY),
    [LSG_RG_STATE] = F("GroupState", KT_STRING, 4, KV_ANY),
    [LSG_RG_TYPE] = F("GroupType", KT_STRING, 5, KV_ANY),
};
static const kfield lsg_resp[LSG_R__COUNT] = {
    [LSG_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    [LSG_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [LSG_R_GROUPS] = FS("Groups", lsg_group, 0, KV_ANY, KV_NEVER),
};
MSG(lsg_response, lsg_resp);

/* ---- DeleteGroups (42) ---------------------------------------------------------- */
static const kfield dlg_req[DLG__COUNT] = {
    [DLG_GROUPS] = FA("GroupsNames", KT_STRING, 0, KV_ANY, KV_NEVER),
};
static const kfield dlg_result[DLG_RR__COUNT] = {
    [DLG_RR_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [DLG_RR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield dlg_resp[DLG_R__COUNT] = {
    [DLG_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DLG_R_RESULTS] = FS("Results", dlg_result, 0, KV_ANY, KV_NEVER),
};
MSG(dlg_request, dlg_req);
MSG(dlg_response, dlg_resp);

/* ---- OffsetDelete (47) ---------------------------------------------------------- */
static const kfield od_partition[OD_P__COUNT] = {
    [OD_P_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
};
static const kfield od_topic[OD_T__COUNT] = {
    [OD_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [OD_T_PARTITIONS] = FS("Partitions", od_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield od_req[OD__COUNT] = {
    [OD_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [OD_TOPICS] = FS("Topics", od_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield od_resp_partition[OD_RP__COUNT] = {
    [OD_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [OD_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield od_resp_topic[OD_RT__COUNT] = {
    [OD_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [OD_RT_PARTITIONS] = FS("Partitions", od_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield od_resp[OD_R__COUNT] = {
    [OD_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [OD_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [OD_R_TOPICS] = FS("Topics", od_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(od_request, od_req);
MSG(od_response, od_resp);

/* ---- SaslHandshake (17), SaslAuthenticate (36) ------------------------------- */
static const kfield sh_req[SH__COUNT] = {
    [SH_MECHANISM] = F("Mechanism", KT_STRING, 0, KV_ANY),
};
static const kfield sh_resp[SH_R__COUNT] = {
    [SH_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [SH_R_MECHANISMS] = FA("Mechanisms", KT_STRING, 0, KV_ANY, KV_NEVER),
};
MSG(sh_request, sh_req);
MSG(sh_response, sh_resp);

static const kfield sa_req[SA__COUNT] = {
    [SA_BYTES] = F("AuthBytes", KT_BYTES, 0, KV_ANY),
};
static const kfield sa_resp[SA_R__COUNT] = {
    [SA_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [SA_R_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [SA_R_BYTES] = F("AuthBytes", KT_BYTES, 0, KV_ANY),
    [SA_R_LIFETIME] = F("SessionLifetimeMs", KT_INT64, 1, KV_ANY),
};
MSG(sa_request, sa_req);
MSG(sa_response, sa_resp);

/* ---- DescribeAcls (29), CreateAcls (30), DeleteAcls (31) ------------------- */
/* v1 adds the pattern type, v2 is flexible, v3 allows the user resource type */
#define ACL_FIELDS(nullable)                                                                                           \
    [ACL_TYPE] = F("ResourceType", KT_INT8, 0, KV_ANY),                                                                \
    [ACL_NAME] = FN("ResourceName", KT_STRING, 0, KV_ANY, nullable),                                                   \
    [ACL_PATTERN] = FD("PatternType", KT_INT8, 1, KV_ANY, 3),                                                          \
    [ACL_PRINCIPAL] = FN("Principal", KT_STRING, 0, KV_ANY, nullable),                                                 \
    [ACL_HOST] = FN("Host", KT_STRING, 0, KV_ANY, nullable), [ACL_OPERATION] = F("Operation", KT_INT8, 0, KV_ANY),     \
    [ACL_PERMISSION] = F("PermissionType", KT_INT8, 0, KV_ANY)
static const kfield acl_filter[ACL__COUNT] = {ACL_FIELDS(0)};
static const kfield acl_rule[ACL__COUNT] = {ACL_FIELDS(KV_NEVER)};
static const kfield da_resp_acl[DA_RA__COUNT] = {
    [DA_RA_PRINCIPAL] = F("Principal", KT_STRING, 0, KV_ANY),
    [DA_RA_HOST] = F("Host", KT_STRING, 0, KV_ANY),
    [DA_RA_OPERATION] = F("Operation", KT_INT8, 0, KV_ANY),
    [DA_RA_PERMISSION] = F("PermissionType", KT_INT8, 0, KV_ANY),
};
static const kfield da_resp_resource[DA_RR__COUNT] = {
    [DA_RR_TYPE] = F("ResourceType", KT_INT8, 0, KV_ANY),
    [DA_RR_NAME] = F("ResourceName", KT_STRING, 0, KV_ANY),
    [DA_RR_PATTERN] = FD("PatternType", KT_INT8, 1, KV_ANY, 3),
    [DA_RR_ACLS] = FS("Acls", da_resp_acl, 0, KV_ANY, KV_NEVER),
};
static const kfield da_resp[DA_R__COUNT] = {
    [DA_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DA_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DA_R_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [DA_R_RESOURCES] = FS("Resources", da_resp_resource, 0, KV_ANY, KV_NEVER),
};
MSG(da_request, acl_filter);
MSG(da_response, da_resp);
static const kfield ca_req[CA__COUNT] = {
    [CA_CREATIONS] = FS("Creations", acl_rule, 0, KV_ANY, KV_NEVER),
};
static const kfield ca_resp_result[CA_RR__COUNT] = {
    [CA_RR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [CA_RR_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
};
static const kfield ca_resp[CA_R__COUNT] = {
    [CA_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [CA_R_RESULTS] = FS("Results", ca_resp_result, 0, KV_ANY, KV_NEVER),
};
MSG(ca_request, ca_req);
MSG(ca_response, ca_resp);
static const kfield dla_req[DLA__COUNT] = {
    [DLA_FILTERS] = FS("Filters", acl_filter, 0, KV_ANY, KV_NEVER),
};
static const kfield dla_resp_matching[DLA_RM__COUNT] = {
    [DLA_RM_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DLA_RM_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [DLA_RM_ACL + ACL_TYPE] = F("ResourceType", KT_INT8, 0, KV_ANY),
    [DLA_RM_ACL + ACL_NAME] = F("ResourceName", KT_STRING, 0, KV_ANY),
    [DLA_RM_ACL + ACL_PATTERN] = FD("PatternType", KT_INT8, 1, KV_ANY, 3),
    [DLA_RM_ACL + ACL_PRINCIPAL] = F("Principal", KT_STRING, 0, KV_ANY),
    [DLA_RM_ACL + ACL_HOST] = F("Host", KT_STRING, 0, KV_ANY),
    [DLA_RM_ACL + ACL_OPERATION] = F("Operation", KT_INT8, 0, KV_ANY),
    [DLA_RM_ACL + ACL_PERMISSION] = F("PermissionType", KT_INT8, 0, KV_ANY),
};
static const kfield dla_resp_result[DLA_RR__COUNT] = {
    [DLA_RR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DLA_RR_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [DLA_RR_MATCHING] = FS("MatchingAcls", dla_resp_matching, 0, KV_ANY, KV_NEVER),
};
static const kfield dla_resp[DLA_R__COUNT] = {
    [DLA_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DLA_R_RESULTS] = FS("FilterResults", dla_resp_result, 0, KV_ANY, KV_NEVER),
};
MSG(dla_request, dla_req);
MSG(dla_response, dla_resp);

/* ---- DescribeLogDirs (35) ---------------------------------------------------- */
/* v2 is flexible, v3 adds the top-level error, v4 the sizes (KIP-827) */
static const kfield dld_topic[DLD_T__COUNT] = {
    [DLD_T_NAME] = F("Topic", KT_STRING, 0, KV_ANY),
    [DLD_T_PARTITIONS] = FA("Partitions", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield dld_req[DLD__COUNT] = {
    [DLD_TOPICS] = FS("Topics", dld_topic, 0, KV_ANY, 0),
};
static const kfield dld_resp_partition[DLD_RP__COUNT] = {
    [DLD_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [DLD_RP_SIZE] = F("PartitionSize", KT_INT64, 0, KV_ANY),
    [DLD_RP_LAG] = F("OffsetLag", KT_INT64, 0, KV_ANY),
    [DLD_RP_FUTURE] = F("IsFutureKey", KT_BOOL, 0, KV_ANY),
};
static const kfield dld_resp_topic[DLD_RT__COUNT] = {
    [DLD_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [DLD_RT_PARTITIONS] = FS("Partitions", dld_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield dld_resp_result[DLD_RR__COUNT] = {
    [DLD_RR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DLD_RR_DIR] = F("LogDir", KT_STRING, 0, KV_ANY),
    [DLD_RR_TOPICS] = FS("Topics", dld_resp_topic, 0, KV_ANY, KV_NEVER),
    [DLD_RR_TOTAL] = FD("TotalBytes", KT_INT64, 4, KV_ANY, -1),
    [DLD_RR_USABLE] = FD("UsableBytes", KT_INT64, 4, KV_ANY, -1),
};
static const kfield dld_resp[DLD_R__COUNT] = {
    [DLD_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DLD_R_ERROR] = F("ErrorCode", KT_INT16, 3, KV_ANY),
    [DLD_R_RESULTS] = FS("Results", dld_resp_result, 0, KV_ANY, KV_NEVER),
};
MSG(dld_request, dld_req);
MSG(dld_response, dld_resp);

/* ---- DescribeProducers (61) -------------------------------------------------- */
static const kfield dp_topic[DP_T__COUNT] = {
    [DP_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [DP_T_PARTITIONS] = FA("PartitionIndexes", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield dp_req[DP__COUNT] = {
    [DP_TOPICS] = FS("Topics", dp_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield dp_resp_producer[DP_RS__COUNT] = {
    [DP_RS_ID] = F("ProducerId", KT_INT64, 0, KV_ANY),
    [DP_RS_EPOCH] = F("ProducerEpoch", KT_INT32, 0, KV_ANY),
    [DP_RS_LAST_SEQ] = F("LastSequence", KT_INT32, 0, KV_ANY),
    [DP_RS_LAST_TIME] = F("LastTimestamp", KT_INT64, 0, KV_ANY),
    [DP_RS_COORD_EPOCH] = F("CoordinatorEpoch", KT_INT32, 0, KV_ANY),
    [DP_RS_TXN_START] = F("CurrentTxnStartOffset", KT_INT64, 0, KV_ANY),
};
static const kfield dp_resp_partition[DP_RP__COUNT] = {
    [DP_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [DP_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DP_RP_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [DP_RP_PRODUCERS] = FS("ActiveProducers", dp_resp_producer, 0, KV_ANY, KV_NEVER),
};
static const kfield dp_resp_topic[DP_RT__COUNT] = {
    [DP_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [DP_RT_PARTITIONS] = FS("Partitions", dp_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield dp_resp[DP_R__COUNT] = {
    [DP_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DP_R_TOPICS] = FS("Topics", dp_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(dp_request, dp_req);
MSG(dp_response, dp_resp);

/* ---- ElectLeaders (43) ------------------------------------------------------ */
static const kfield el_topic[EL_T__COUNT] = {
    [EL_T_NAME] = F("Topic", KT_STRING, 0, KV_ANY),
    [EL_T_PARTITIONS] = FA("Partitions", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield el_req[EL__COUNT] = {
    [EL_TYPE] = F("ElectionType", KT_INT8, 1, KV_ANY),
    [EL_TOPICS] = FS("TopicPartitions", el_topic, 0, KV_ANY, 0),
    [EL_TIMEOUT] = FD("TimeoutMs", KT_INT32, 0, KV_ANY, 60000),
};
static const kfield el_resp_partition[EL_RP__COUNT] = {
    [EL_RP_INDEX] = F("PartitionId", KT_INT32, 0, KV_ANY),
    [EL_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [EL_RP_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
};
static const kfield el_resp_topic[EL_RT__COUNT] = {
    [EL_RT_NAME] = F("Topic", KT_STRING, 0, KV_ANY),
    [EL_RT_PARTITIONS] = FS("PartitionResult", el_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield el_resp[EL_R__COUNT] = {
    [EL_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [EL_R_ERROR] = F("ErrorCode", KT_INT16, 1, KV_ANY),
    [EL_R_RESULTS] = FS("ReplicaElectionResults", el_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(el_request, el_req);
MSG(el_response, el_resp);

/* ---- AlterPartitionReassignments (45), ListPartitionReassignments (46) ------- */
static const kfield apr_partition[APR_P__COUNT] = {
    [APR_P_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [APR_P_REPLICAS] = FA("Replicas", KT_INT32, 0, KV_ANY, 0), /* null: cancel */
};
static const kfield apr_topic[APR_T__COUNT] = {
    [APR_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [APR_T_PARTITIONS] = FS("Partitions", apr_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield apr_req[APR__COUNT] = {
    [APR_TIMEOUT] = FD("TimeoutMs", KT_INT32, 0, KV_ANY, 60000),
    [APR_TOPICS] = FS("Topics", apr_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield apr_resp_partition[APR_RP__COUNT] = {
    [APR_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [APR_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [APR_RP_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
};
static const kfield apr_resp_topic[APR_RT__COUNT] = {
    [APR_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [APR_RT_PARTITIONS] = FS("Partitions", apr_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield apr_resp[APR_R__COUNT] = {
    [APR_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [APR_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [APR_R_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [APR_R_RESPONSES] = FS("Responses", apr_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(apr_request, apr_req);
MSG(apr_response, apr_resp);

static const kfield lpr_topic[LPR_T__COUNT] = {
    [LPR_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [LPR_T_PARTITIONS] = FA("PartitionIndexes", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield lpr_req[LPR__COUNT] = {
    [LPR_TIMEOUT] = FD("TimeoutMs", KT_INT32, 0, KV_ANY, 60000),
    [LPR_TOPICS] = FS("Topics", lpr_topic, 0, KV_ANY, 0), /* null: every reassignment */
};
static const kfield lpr_resp_partition[LPR_RP__COUNT] = {
    [LPR_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [LPR_RP_REPLICAS] = FA("Replicas", KT_INT32, 0, KV_ANY, KV_NEVER),
    [LPR_RP_ADDING] = FA("AddingReplicas", KT_INT32, 0, KV_ANY, KV_NEVER),
    [LPR_RP_REMOVING] = FA("RemovingReplicas", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield lpr_resp_topic[LPR_RT__COUNT] = {
    [LPR_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [LPR_RT_PARTITIONS] = FS("Partitions", lpr_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield lpr_resp[LPR_R__COUNT] = {
    [LPR_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [LPR_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [LPR_R_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [LPR_R_TOPICS] = FS("Topics", lpr_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(lpr_request, lpr_req);
MSG(lpr_response, lpr_resp);

/* ---- WriteTxnMarkers (27) ---------------------------------------------------- */
static const kfield wtm_topic[WTM_T__COUNT] = {
    [WTM_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [WTM_T_PARTITIONS] = FA("PartitionIndexes", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield wtm_marker[WTM_M__COUNT] = {
    [WTM_M_PRODUCER_ID] = F("ProducerId", KT_INT64, 0, KV_ANY),
    [WTM_M_EPOCH] = F("ProducerEpoch", KT_INT16, 0, KV_ANY),
    [WTM_M_RESULT] = F("TransactionResult", KT_BOOL, 0, KV_ANY),
    [WTM_M_TOPICS] = FS("Topics", wtm_topic, 0, KV_ANY, KV_NEVER),
    [WTM_M_COORDINATOR_EPOCH] = F("CoordinatorEpoch", KT_INT32, 0, KV_ANY),
};
static const kfield wtm_req[WTM__COUNT] = {
    [WTM_MARKERS] = FS("Markers", wtm_marker, 0, KV_ANY, KV_NEVER),
};
static const kfield wtm_resp_partition[WTM_RP__COUNT] = {
    [WTM_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [WTM_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield wtm_resp_topic[WTM_RT__COUNT] = {
    [WTM_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [WTM_RT_PARTITIONS] = FS("Partitions", wtm_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield wtm_resp_marker[WTM_RM__COUNT] = {
    [WTM_RM_PRODUCER_ID] = F("ProducerId", KT_INT64, 0, KV_ANY),
    [WTM_RM_TOPICS] = FS("Topics", wtm_resp_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield wtm_resp[WTM_R__COUNT] = {
    [WTM_R_MARKERS] = FS("Markers", wtm_resp_marker, 0, KV_ANY, KV_NEVER),
};
MSG(wtm_request, wtm_req);
MSG(wtm_response, wtm_resp);

/* ---- AddPartitionsToTxn (24) ------------------------------------------------- */
static const kfield apt_topic[APT_T__COUNT] = {
    [APT_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [APT_T_PARTITIONS] = FA("Partitions", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield apt_req[APT__COUNT] = {
    [APT_TXN_ID] = F("TransactionalId", KT_STRING, 0, KV_ANY),
    [APT_PRODUCER_ID] = F("ProducerId", KT_INT64, 0, KV_ANY),
    [APT_EPOCH] = F("ProducerEpoch", KT_INT16, 0, KV_ANY),
    [APT_TOPICS] = FS("Topics", apt_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield apt_resp_partition[APT_RP__COUNT] = {
    [APT_RP_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [APT_RP_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield apt_resp_topic[APT_RT__COUNT] = {
    [APT_RT_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [APT_RT_RESULTS] = FS("Results", apt_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield apt_resp[APT_R__COUNT] = {
    [APT_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [APT_R_RESULTS] = FS("Results", apt_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(apt_request, apt_req);
MSG(apt_response, apt_resp);

/* ---- AddOffsetsToTxn (25), EndTxn (26) ------------------------------------------ */
static const kfield aot_req[AOT__COUNT] = {
    [AOT_TXN_ID] = F("TransactionalId", KT_STRING, 0, KV_ANY),
    [AOT_PRODUCER_ID] = F("ProducerId", KT_INT64, 0, KV_ANY),
    [AOT_EPOCH] = F("ProducerEpoch", KT_INT16, 0, KV_ANY),
    [AOT_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
};
static const kfield et_req[ET__COUNT] = {
    [ET_TXN_ID] = F("TransactionalId", KT_STRING, 0, KV_ANY),
    [ET_PRODUCER_ID] = F("ProducerId", KT_INT64, 0, KV_ANY),
    [ET_EPOCH] = F("ProducerEpoch", KT_INT16, 0, KV_ANY),
    [ET_COMMITTED] = F("Committed", KT_BOOL, 0, KV_ANY),
};
static const kfield txr_resp[TXR__COUNT] = {
    [TXR_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [TXR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
};
MSG(aot_request, aot_req);
MSG(et_request, et_req);
MSG(txr_response, txr_resp);

/* ---- TxnOffsetCommit (28) --------------------------------------------------------- */
static const kfield toc_partition[TOC_P__COUNT] = {
    [TOC_P_INDEX] = F("PartitionIndex", KT_INT32, 0, KV_ANY),
    [TOC_P_OFFSET] = F("CommittedOffset", KT_INT64, 0, KV_ANY),
    [TOC_P_LEADER_EPOCH] = FD("CommittedLeaderEpoch", KT_INT32, 2, KV_ANY, -1),
    [TOC_P_NO_TIMESTAMP] = F("(none)", KT_INT64, 99, 99), /* OffsetCommit's slot, never on this wire */
    [TOC_P_METADATA] = FN("CommittedMetadata", KT_STRING, 0, KV_ANY, 0),
};
static const kfield toc_topic[TOC_T__COUNT] = {
    [TOC_T_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [TOC_T_PARTITIONS] = FS("Partitions", toc_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield toc_req[TOC__COUNT] = {
    [TOC_TXN_ID] = F("TransactionalId", KT_STRING, 0, KV_ANY),
    [TOC_GROUP] = F("GroupId", KT_STRING, 0, KV_ANY),
    [TOC_PRODUCER_ID] = F("ProducerId", KT_INT64, 0, KV_ANY),
    [TOC_EPOCH] = F("ProducerEpoch", KT_INT16, 0, KV_ANY),
    [TOC_GENERATION] = FD("GenerationId", KT_INT32, 3, KV_ANY, -1),
    [TOC_MEMBER] = F("MemberId", KT_STRING, 3, KV_ANY),
    [TOC_INSTANCE] = FN("GroupInstanceId", KT_STRING, 3, KV_ANY, 3),
    [TOC_TOPICS] = FS("Topics", toc_topic, 0, KV_ANY, KV_NEVER),
};
/* the response in OffsetCommit's layout (kmap_group.c encodes both), its
 * throttle time there from v0 */
static const kfield toc_resp[OC_R__COUNT] = {
    [OC_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [OC_R_TOPICS] = FS("Topics", oc_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(toc_request, toc_req);
MSG(toc_response, toc_resp);

/* ---- DescribeTransactions (65), ListTransactions (66) -------------------------------- */
static const kfield dtx_req[DTX__COUNT] = {
    [DTX_IDS] = FA("TransactionalIds", KT_STRING, 0, KV_ANY, KV_NEVER),
};
static const kfield dtx_resp_topic[DTX_RT__COUNT] = {
    [DTX_RT_NAME] = F("Topic", KT_STRING, 0, KV_ANY),
    [DTX_RT_PARTITIONS] = FA("Partitions", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield dtx_resp_state[DTX_RS__COUNT] = {
    [DTX_RS_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DTX_RS_ID] = F("TransactionalId", KT_STRING, 0, KV_ANY),
    [DTX_RS_STATE] = F("TransactionState", KT_STRING, 0, KV_ANY),
    [DTX_RS_TIMEOUT] = F("TransactionTimeoutMs", KT_INT32, 0, KV_ANY),
    [DTX_RS_START] = F("TransactionStartTimeMs", KT_INT64, 0, KV_ANY),
    [DTX_RS_PRODUCER_ID] = F("ProducerId", KT_INT64, 0, KV_ANY),
    [DTX_RS_EPOCH] = F("ProducerEpoch", KT_INT32, 0, KV_ANY),
    [DTX_RS_TOPICS] = FS("Topics", dtx_resp_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield dtx_resp[DTX_R__COUNT] = {
    [DTX_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DTX_R_STATES] = FS("TransactionStates", dtx_resp_state, 0, KV_ANY, KV_NEVER),
};
MSG(dtx_request, dtx_req);
MSG(dtx_response, dtx_resp);

static const kfield ltx_req[LTX__COUNT] = {
    [LTX_STATES] = FA("StateFilters", KT_STRING, 0, KV_ANY, KV_NEVER),
    [LTX_PRODUCER_IDS] = FA("ProducerIdFilters", KT_INT64, 0, KV_ANY, KV_NEVER),
    [LTX_DURATION] = FD("DurationFilter", KT_INT64, 1, KV_ANY, -1),
};
static const kfield ltx_resp_state[LTX_RS__COUNT] = {
    [LTX_RS_ID] = F("TransactionalId", KT_STRING, 0, KV_ANY),
    [LTX_RS_PRODUCER_ID] = F("ProducerId", KT_INT64, 0, KV_ANY),
    [LTX_RS_STATE] = F("TransactionState", KT_STRING, 0, KV_ANY),
};
static const kfield ltx_resp[LTX_R__COUNT] = {
    [LTX_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [LTX_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [LTX_R_UNKNOWN_STATES] = FA("UnknownStateFilters", KT_STRING, 0, KV_ANY, KV_NEVER),
    [LTX_R_STATES] = FS("TransactionStates", ltx_resp_state, 0, KV_ANY, KV_NEVER),
};
MSG(ltx_request, ltx_req);
MSG(ltx_response, ltx_resp);

/* ---- DescribeClientQuotas (48), AlterClientQuotas (49) ------------------------ */
static const kfield quota_entity[QE__COUNT] = {
    [QE_TYPE] = F("EntityType", KT_STRING, 0, KV_ANY),
    [QE_NAME] = FN("EntityName", KT_STRING, 0, KV_ANY, 0), /* null: the default */
};
static const kfield dcq_component[DCQ_C__COUNT] = {
    [DCQ_C_TYPE] = F("EntityType", KT_STRING, 0, KV_ANY),
    [DCQ_C_MATCH_TYPE] = F("MatchType", KT_INT8, 0, KV_ANY),
    [DCQ_C_MATCH] = FN("Match", KT_STRING, 0, KV_ANY, 0),
};
static const kfield dcq_req[DCQ__COUNT] = {
    [DCQ_COMPONENTS] = FS("Components", dcq_component, 0, KV_ANY, KV_NEVER),
    [DCQ_STRICT] = F("Strict", KT_BOOL, 0, KV_ANY),
};
static const kfield dcq_resp_value[DCQ_RV__COUNT] = {
    [DCQ_RV_KEY] = F("Key", KT_STRING, 0, KV_ANY), [DCQ_RV_VALUE] = F("Value", KT_INT64, 0, KV_ANY), /* float64 */
};
static const kfield dcq_resp_entry[DCQ_RE__COUNT] = {
    [DCQ_RE_ENTITY] = FS("Entity", quota_entity, 0, KV_ANY, KV_NEVER),
    [DCQ_RE_VALUES] = FS("Values", dcq_resp_value, 0, KV_ANY, KV_NEVER),
};
static const kfield dcq_resp[DCQ_R__COUNT] = {
    [DCQ_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DCQ_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DCQ_R_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [DCQ_R_ENTRIES] = FS("Entries", dcq_resp_entry, 0, KV_ANY, 0), /* null with an error */
};
MSG(dcq_request, dcq_req);
MSG(dcq_response, dcq_resp);
static const kfield acq_op[ACQ_O__COUNT] = {
    [ACQ_O_KEY] = F("Key", KT_STRING, 0, KV_ANY),
    [ACQ_O_VALUE] = F("Value", KT_INT64, 0, KV_ANY), /* float64 */
    [ACQ_O_REMOVE] = F("Remove", KT_BOOL, 0, KV_ANY),
};
static const kfield acq_entry[ACQ_E__COUNT] = {
    [ACQ_E_ENTITY] = FS("Entity", quota_entity, 0, KV_ANY, KV_NEVER),
    [ACQ_E_OPS] = FS("Ops", acq_op, 0, KV_ANY, KV_NEVER),
};
static const kfield acq_req[ACQ__COUNT] = {
    [ACQ_ENTRIES] = FS("Entries", acq_entry, 0, KV_ANY, KV_NEVER),
    [ACQ_VALIDATE_ONLY] = F("ValidateOnly", KT_BOOL, 0, KV_ANY),
};
static const kfield acq_resp_entry[ACQ_RE__COUNT] = {
    [ACQ_RE_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [ACQ_RE_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [ACQ_RE_ENTITY] = FS("Entity", quota_entity, 0, KV_ANY, KV_NEVER),
};
static const kfield acq_resp[ACQ_R__COUNT] = {
    [ACQ_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [ACQ_R_ENTRIES] = FS("Entries", acq_resp_entry, 0, KV_ANY, KV_NEVER),
};
MSG(acq_request, acq_req);
MSG(acq_response, acq_resp);

/* ---- DescribeUserScramCredentials (50), AlterUserScramCredentials (51) ------- */
static const kfield dus_user[DUS_U__COUNT] = {
    [DUS_U_NAME] = F("Name", KT_STRING, 0, KV_ANY),
};
static const kfield dus_req[DUS__COUNT] = {
    [DUS_USERS] = FS("Users", dus_user, 0, KV_ANY, 0),
};
static const kfield dus_resp_credential[DUS_RC__COUNT] = {
    [DUS_RC_MECHANISM] = F("Mechanism", KT_INT8, 0, KV_ANY),
    [DUS_RC_ITERATIONS] = F("Iterations", KT_INT32, 0, KV_ANY),
};
static const kfield dus_resp_result[DUS_RR__COUNT] = {
    [DUS_RR_USER] = F("User", KT_STRING, 0, KV_ANY),
    [DUS_RR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DUS_RR_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [DUS_RR_CREDENTIALS] = FS("CredentialInfos", dus_resp_credential, 0, KV_ANY, KV_NEVER),
};
static const kfield dus_resp[DUS_R__COUNT] = {
    [DUS_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [DUS_R_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [DUS_R_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    [DUS_R_RESULTS] = FS("Results", dus_resp_result, 0, KV_ANY, KV_NEVER),
};
MSG(dus_request, dus_req);
MSG(dus_response, dus_resp);
static const kfield aus_deletion[AUS_D__COUNT] = {
    [AUS_D_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [AUS_D_MECHANISM] = F("Mechanism", KT_INT8, 0, KV_ANY),
};
static const kfield aus_upsertion[AUS_U__COUNT] = {
    [AUS_U_NAME] = F("Name", KT_STRING, 0, KV_ANY),
    [AUS_U_MECHANISM] = F("Mechanism", KT_INT8, 0, KV_ANY),
    [AUS_U_ITERATIONS] = F("Iterations", KT_INT32, 0, KV_ANY),
    [AUS_U_SALT] = F("Salt", KT_BYTES, 0, KV_ANY),
    [AUS_U_SALTED] = F("SaltedPassword", KT_BYTES, 0, KV_ANY),
};
static const kfield aus_req[AUS__COUNT] = {
    [AUS_DELETIONS] = FS("Deletions", aus_deletion, 0, KV_ANY, KV_NEVER),
    [AUS_UPSERTIONS] = FS("Upsertions", aus_upsertion, 0, KV_ANY, KV_NEVER),
};
static const kfield aus_resp_result[AUS_RR__COUNT] = {
    [AUS_RR_USER] = F("User", KT_STRING, 0, KV_ANY),
    [AUS_RR_ERROR] = F("ErrorCode", KT_INT16, 0, KV_ANY),
    [AUS_RR_MESSAGE] = FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
};
static const kfield aus_resp[AUS_R__COUNT] = {
    [AUS_R_THROTTLE] = F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    [AUS_R_RESULTS] = FS("Results", aus_resp_result, 0, KV_ANY, KV_NEVER),
};
MSG(aus_request, aus_req);
MSG(aus_response, aus_resp);

/* ---- the registry ----------------------------------------------------------- */
/* Ranges: Produce from v3 and Fetch from v4 (RecordBatch v2 only); the rest
 * from v0. Flexible versions are advertised where the tables support them. */
static const kapi apis[] = {
    {.key = 0,
     .name = "Produce",
     .min_ver = 3,
     .max_ver = 8,
     .flexible_from = KV_NEVER,
     .request = &produce_request,
     .response = &produce_response,
     .decode = kmap_dec_produce,
     .encode = kmap_enc_produce},
    {.key = 1,
     .name = "Fetch",
     .min_ver = 4,
     .max_ver = 11,
     .flexible_from = KV_NEVER,
     .request = &fetch_request,
     .response = &fetch_response,
     .decode = kmap_dec_fetch,
     .encode = kmap_enc_fetch},
    {.key = 2,
     .name = "ListOffsets",
     .min_ver = 0,
     .max_ver = 7,
     .flexible_from = 6,
     .request = &lo_request,
     .response = &lo_response,
     .decode = kmap_dec_list_offsets,
     .encode = kmap_enc_list_offsets},
    {.key = 21,
     .name = "DeleteRecords",
     .min_ver = 0,
     .max_ver = 2,
     .flexible_from = 2,
     .request = &dr_request,
     .response = &dr_response,
     .decode = kmap_dec_delete_records,
     .encode = kmap_enc_delete_records},
    {.key = 37,
     .name = "CreatePartitions",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = KV_NEVER,
     .request = &cp_request,
     .response = &cp_response,
     .decode = kmap_dec_create_partitions,
     .encode = kmap_enc_create_partitions},
    {.key = 33,
     .name = "AlterConfigs",
     .min_ver = 0,
     .max_ver = 2,
     .flexible_from = 2,
     .request = &ac_request,
     .response = &ac_response,
     .decode = kmap_dec_alter_configs,
     .encode = kmap_enc_alter_configs},
    {.key = 44,
     .name = "IncrementalAlterConfigs",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = 1,
     .request = &iac_request,
     .response = &ac_response,
     .decode = kmap_dec_alter_configs,
     .encode = kmap_enc_alter_configs},
    {.key = 23,
     .name = "OffsetForLeaderEpoch",
     .min_ver = 0,
     .max_ver = 4,
     .flexible_from = 4,
     .request = &ole_request,
     .response = &ole_response,
     .decode = kmap_dec_offset_for_leader_epoch,
     .encode = kmap_enc_offset_for_leader_epoch},
    {.key = 3,
     .name = "Metadata",
     .min_ver = 0,
     .max_ver = 8,
     .flexible_from = KV_NEVER,
     .request = &md_request,
     .response = &md_response,
     .decode = kmap_dec_metadata,
     .encode = kmap_enc_metadata},
    {.key = 18,
     .name = "ApiVersions",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = 3,
     .request = &av_request,
     .response = &av_response,
     .decode = kmap_dec_api_versions,
     .encode = kmap_enc_api_versions},
    {.key = 19,
     .name = "CreateTopics",
     .min_ver = 0,
     .max_ver = 4,
     .flexible_from = KV_NEVER,
     .request = &ct_request,
     .response = &ct_response,
     .decode = kmap_dec_create_topics,
     .encode = kmap_enc_create_topics},
    {.key = 20,
     .name = "DeleteTopics",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = KV_NEVER,
     .request = &dt_request,
     .response = &dt_response,
     .decode = kmap_dec_delete_topics,
     .encode = kmap_enc_delete_topics},
    {.key = 22,
     .name = "InitProducerId",
     .min_ver = 0,
     .max_ver = 4,
     .flexible_from = 2,
     .request = &ip_request,
     .response = &ip_response,
     .decode = kmap_dec_init_producer_id,
     .encode = kmap_enc_init_producer_id},
    {.key = 32,
     .name = "DescribeConfigs",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = KV_NEVER,
     .request = &dc_request,
     .response = &dc_response,
     .decode = kmap_dec_describe_configs,
     .encode = kmap_enc_describe_configs},
    {.key = 8,
     .name = "OffsetCommit",
     .min_ver = 0,
     .max_ver = 7,
     .flexible_from = KV_NEVER,
     .request = &oc_request,
     .response = &oc_response,
     .decode = kmap_dec_offset_commit,
     .encode = kmap_enc_offset_commit},
    {.key = 9,
     .name = "OffsetFetch",
     .min_ver = 0,
     .max_ver = 7,
     .flexible_from = 6,
     .request = &of_request,
     .response = &of_response,
     .decode = kmap_dec_offset_fetch,
     .encode = kmap_enc_offset_fetch},
    {.key = 10,
     .name = "FindCoordinator",
     .min_ver = 0,
     .max_ver = 2,
     .flexible_from = KV_NEVER,
     .request = &fc_request,
     .response = &fc_response,
     .decode = kmap_dec_find_coordinator,
     .encode = kmap_enc_find_coordinator},
    {.key = 29,
     .name = "DescribeAcls",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = 2,
     .request = &da_request,
     .response = &da_response,
     .decode = kmap_dec_describe_acls,
     .encode = kmap_enc_describe_acls},
    {.key = 30,
     .name = "CreateAcls",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = 2,
     .request = &ca_request,
     .response = &ca_response,
     .decode = kmap_dec_create_acls,
     .encode = kmap_enc_create_acls},
    {.key = 31,
     .name = "DeleteAcls",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = 2,
     .request = &dla_request,
     .response = &dla_response,
     .decode = kmap_dec_delete_acls,
     .encode = kmap_enc_delete_acls},
    {.key = 35,
     .name = "DescribeLogDirs",
     .min_ver = 0,
     .max_ver = 4,
     .flexible_from = 2,
     .request = &dld_request,
     .response = &dld_response,
     .decode = kmap_dec_describe_log_dirs,
     .encode = kmap_enc_describe_log_dirs},
    {.key = 43,
     .name = "ElectLeaders",
     .min_ver = 0,
     .max_ver = 2,
     .flexible_from = 2,
     .request = &el_request,
     .response = &el_response,
     .decode = kmap_dec_elect_leaders,
     .encode = kmap_enc_elect_leaders},
    {.key = 45,
     .name = "AlterPartitionReassignments",
     .min_ver = 0,
     .max_ver = 0,
     .flexible_from = 0,
     .request = &apr_request,
     .response = &apr_response,
     .decode = kmap_dec_alter_reassignments,
     .encode = kmap_enc_alter_reassignments},
    {.key = 46,
     .name = "ListPartitionReassignments",
     .min_ver = 0,
     .max_ver = 0,
     .flexible_from = 0,
     .request = &lpr_request,
     .response = &lpr_response,
     .decode = kmap_dec_list_reassignments,
     .encode = kmap_enc_list_reassignments},
    {.key = 24,
     .name = "AddPartitionsToTxn",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = 3,
     .request = &apt_request,
     .response = &apt_response,
     .decode = kmap_dec_add_partitions_to_txn,
     .encode = kmap_enc_add_partitions_to_txn},
    {.key = 25,
     .name = "AddOffsetsToTxn",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = 3,
     .request = &aot_request,
     .response = &txr_response,
     .decode = kmap_dec_add_offsets_to_txn,
     .encode = kmap_enc_add_offsets_to_txn},
    {.key = 26,
     .name = "EndTxn",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = 3,
     .request = &et_request,
     .response = &txr_response,
     .decode = kmap_dec_end_txn,
     .encode = kmap_enc_end_txn},
    {.key = 65,
     .name = "DescribeTransactions",
     .min_ver = 0,
     .max_ver = 0,
     .flexible_from = 0,
     .request = &dtx_request,
     .response = &dtx_response,
     .decode = kmap_dec_describe_transactions,
     .encode = kmap_enc_describe_transactions},
    {.key = 66,
     .name = "ListTransactions",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = 0,
     .request = &ltx_request,
     .response = &ltx_response,
     .decode = kmap_dec_list_transactions,
     .encode = kmap_enc_list_transactions},
    {.key = 28,
     .name = "TxnOffsetCommit",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = 3,
     .request = &toc_request,
     .response = &toc_response,
     .decode = kmap_dec_txn_offset_commit,
     .encode = kmap_enc_txn_offset_commit},
    {.key = 27,
     .name = "WriteTxnMarkers",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = 1,
     .request = &wtm_request,
     .response = &wtm_response,
     .decode = kmap_dec_write_txn_markers,
     .encode = kmap_enc_write_txn_markers},
    {.key = 48,
     .name = "DescribeClientQuotas",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = 1,
     .request = &dcq_request,
     .response = &dcq_response,
     .decode = kmap_dec_describe_client_quotas,
     .encode = kmap_enc_describe_client_quotas},
    {.key = 49,
     .name = "AlterClientQuotas",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = 1,
     .request = &acq_request,
     .response = &acq_response,
     .decode = kmap_dec_alter_client_quotas,
     .encode = kmap_enc_alter_client_quotas},
    {.key = 61,
     .name = "DescribeProducers",
     .min_ver = 0,
     .max_ver = 0,
     .flexible_from = 0,
     .request = &dp_request,
     .response = &dp_response,
     .decode = kmap_dec_describe_producers,
     .encode = kmap_enc_describe_producers},
    {.key = 50,
     .name = "DescribeUserScramCredentials",
     .min_ver = 0,
     .max_ver = 0,
     .flexible_from = 0,
     .request = &dus_request,
     .response = &dus_response,
     .decode = kmap_dec_describe_user_scram,
     .encode = kmap_enc_describe_user_scram},
    {.key = 51,
     .name = "AlterUserScramCredentials",
     .min_ver = 0,
     .max_ver = 0,
     .flexible_from = 0,
     .request = &aus_request,
     .response = &aus_response,
     .decode = kmap_dec_alter_user_scram,
     .encode = kmap_enc_alter_user_scram},
    {.key = 60,
     .name = "DescribeCluster",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = 0,
     .request = &dcl_request,
     .response = &dcl_response,
     .decode = kmap_dec_describe_cluster,
     .encode = kmap_enc_describe_cluster},
    {.key = 11,
     .name = "JoinGroup",
     .min_ver = 0,
     .max_ver = 5,
     .flexible_from = KV_NEVER,
     .request = &jg_request,
     .response = &jg_response,
     .decode = kmap_dec_join_group,
     .encode = kmap_enc_join_group},
    {.key = 12,
     .name = "Heartbeat",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = KV_NEVER,
     .request = &hb_request,
     .response = &hb_response,
     .decode = kmap_dec_heartbeat,
     .encode = kmap_enc_heartbeat},
    {.key = 13,
     .name = "LeaveGroup",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = KV_NEVER,
     .request = &lg_request,
     .response = &lg_response,
     .decode = kmap_dec_leave_group,
     .encode = kmap_enc_leave_group},
    {.key = 14,
     .name = "SyncGroup",
     .min_ver = 0,
     .max_ver = 3,
     .flexible_from = KV_NEVER,
     .request = &sg_request,
     .response = &sg_response,
     .decode = kmap_dec_sync_group,
     .encode = kmap_enc_sync_group},
    {.key = 15,
     .name = "DescribeGroups",
     .min_ver = 0,
     .max_ver = 4,
     .flexible_from = KV_NEVER,
     .request = &dg_request,
     .response = &dg_response,
     .decode = kmap_dec_describe_groups,
     .encode = kmap_enc_describe_groups},
    {.key = 16,
     .name = "ListGroups",
     .min_ver = 0,
     .max_ver = 5,
     .flexible_from = 3,
     .request = &lsg_request,
     .response = &lsg_response,
     .decode = kmap_dec_list_groups,
     .encode = kmap_enc_list_groups},
    {.key = 42,
     .name = "DeleteGroups",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = KV_NEVER,
     .request = &dlg_request,
     .response = &dlg_response,
     .decode = kmap_dec_delete_groups,
     .encode = kmap_enc_delete_groups},
    {.key = 47,
     .name = "OffsetDelete",
     .min_ver = 0,
     .max_ver = 0,
     .flexible_from = KV_NEVER,
     .request = &od_request,
     .response = &od_response,
     .decode = kmap_dec_offset_delete,
     .encode = kmap_enc_offset_delete},
    {.key = 17,
     .name = "SaslHandshake",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = KV_NEVER,
     .request = &sh_request,
     .response = &sh_response,
     .decode = kmap_dec_sasl_handshake,
     .encode = kmap_enc_sasl_handshake},
    {.key = 36,
     .name = "SaslAuthenticate",
     .min_ver = 0,
     .max_ver = 1,
     .flexible_from = KV_NEVER,
     .request = &sa_request,
     .response = &sa_response,
     .decode = kmap_dec_sasl_authenticate,
     .encode = kmap_enc_sasl_authenticate},
};

const kapi *kapi_find(int16_t key)
{
    for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++)
        if (apis[i].key == key)
            return &apis[i];
    return NULL;
}

const kapi *kapi_all(size_t *count)
{
    *count = sizeof apis / sizeof apis[0];
    return apis;
}
