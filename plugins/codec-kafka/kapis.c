/* Schemas of the Kafka messages Brook speaks, transcribed field by field
 * (with the versions each field exists in) from Kafka's message JSON files.
 * The field order is the wire order; kapis.h names the indexes. */
#include "kapis.h"

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
static const kfield produce_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
    FN("Records", KT_RECORDS, 0, KV_ANY, 0),
};
static const kfield produce_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FS("Partitions", produce_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield produce_req[] = {
    FN("TransactionalId", KT_STRING, 3, KV_ANY, 0),
    F("Acks", KT_INT16, 0, KV_ANY),
    F("TimeoutMs", KT_INT32, 0, KV_ANY),
    FS("Topics", produce_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield produce_record_error[] = {
    F("BatchIndex", KT_INT32, 8, KV_ANY),
    FN("BatchIndexErrorMessage", KT_STRING, 8, KV_ANY, 8),
};
static const kfield produce_resp_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),      F("ErrorCode", KT_INT16, 0, KV_ANY),
    F("BaseOffset", KT_INT64, 0, KV_ANY),          FD("LogAppendTimeMs", KT_INT64, 2, KV_ANY, -1),
    FD("LogStartOffset", KT_INT64, 5, KV_ANY, -1), FS("RecordErrors", produce_record_error, 8, KV_ANY, KV_NEVER),
    FN("ErrorMessage", KT_STRING, 8, KV_ANY, 8),
};
static const kfield produce_resp_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FS("Partitions", produce_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield produce_resp[] = {
    FS("Responses", produce_resp_topic, 0, KV_ANY, KV_NEVER),
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
};
MSG(produce_request, produce_req);
MSG(produce_response, produce_resp);

/* ---- Fetch (1) ---------------------------------------------------------- */
static const kfield fetch_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),    FD("CurrentLeaderEpoch", KT_INT32, 9, KV_ANY, -1),
    F("FetchOffset", KT_INT64, 0, KV_ANY),       FD("LogStartOffset", KT_INT64, 5, KV_ANY, -1),
    F("PartitionMaxBytes", KT_INT32, 0, KV_ANY),
};
static const kfield fetch_topic[] = {
    F("Topic", KT_STRING, 0, KV_ANY),
    FS("Partitions", fetch_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield fetch_forgotten[] = {
    F("Topic", KT_STRING, 7, KV_ANY),
    FA("Partitions", KT_INT32, 7, KV_ANY, KV_NEVER),
};
static const kfield fetch_req[] = {
    F("ReplicaId", KT_INT32, 0, KV_ANY),
    F("MaxWaitMs", KT_INT32, 0, KV_ANY),
    F("MinBytes", KT_INT32, 0, KV_ANY),
    FD("MaxBytes", KT_INT32, 3, KV_ANY, 0x7fffffff),
    F("IsolationLevel", KT_INT8, 4, KV_ANY),
    F("SessionId", KT_INT32, 7, KV_ANY),
    FD("SessionEpoch", KT_INT32, 7, KV_ANY, -1),
    FS("Topics", fetch_topic, 0, KV_ANY, KV_NEVER),
    FS("ForgottenTopicsData", fetch_forgotten, 7, KV_ANY, KV_NEVER),
    F("RackId", KT_STRING, 11, KV_ANY),
};
static const kfield fetch_aborted[] = {
    F("ProducerId", KT_INT64, 4, KV_ANY),
    F("FirstOffset", KT_INT64, 4, KV_ANY),
};
static const kfield fetch_resp_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    F("HighWatermark", KT_INT64, 0, KV_ANY),
    FD("LastStableOffset", KT_INT64, 4, KV_ANY, -1),
    FD("LogStartOffset", KT_INT64, 5, KV_ANY, -1),
    FS("AbortedTransactions", fetch_aborted, 4, KV_ANY, 4),
    FD("PreferredReadReplica", KT_INT32, 11, KV_ANY, -1),
    FN("Records", KT_RECORDS, 0, KV_ANY, 0),
};
static const kfield fetch_resp_topic[] = {
    F("Topic", KT_STRING, 0, KV_ANY),
    FS("Partitions", fetch_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield fetch_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    F("ErrorCode", KT_INT16, 7, KV_ANY),
    F("SessionId", KT_INT32, 7, KV_ANY),
    FS("Responses", fetch_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(fetch_request, fetch_req);
MSG(fetch_response, fetch_resp);

/* ---- ListOffsets (2) ------------------------------------------------------ */
static const kfield lo_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
    FD("CurrentLeaderEpoch", KT_INT32, 4, KV_ANY, -1),
    F("Timestamp", KT_INT64, 0, KV_ANY),
    FD("MaxNumOffsets", KT_INT32, 0, 0, 1),
};
static const kfield lo_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FS("Partitions", lo_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield lo_req[] = {
    F("ReplicaId", KT_INT32, 0, KV_ANY),
    F("IsolationLevel", KT_INT8, 2, KV_ANY),
    FS("Topics", lo_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield lo_resp_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),        F("ErrorCode", KT_INT16, 0, KV_ANY),
    FA("OldStyleOffsets", KT_INT64, 0, 0, KV_NEVER), FD("Timestamp", KT_INT64, 1, KV_ANY, -1),
    FD("Offset", KT_INT64, 1, KV_ANY, -1),           FD("LeaderEpoch", KT_INT32, 4, KV_ANY, -1),
};
static const kfield lo_resp_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FS("Partitions", lo_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield lo_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 2, KV_ANY),
    FS("Topics", lo_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(lo_request, lo_req);
MSG(lo_response, lo_resp);

/* ---- Metadata (3) --------------------------------------------------------- */
static const kfield md_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
};
static const kfield md_req[] = {
    FS("Topics", md_topic, 0, KV_ANY, 1),
    FD("AllowAutoTopicCreation", KT_BOOL, 4, KV_ANY, 1),
    F("IncludeClusterAuthorizedOperations", KT_BOOL, 8, 10),
    F("IncludeTopicAuthorizedOperations", KT_BOOL, 8, KV_ANY),
};
static const kfield md_broker[] = {
    F("NodeId", KT_INT32, 0, KV_ANY),
    F("Host", KT_STRING, 0, KV_ANY),
    F("Port", KT_INT32, 0, KV_ANY),
    FN("Rack", KT_STRING, 1, KV_ANY, 1),
};
static const kfield md_partition[] = {
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
    F("LeaderId", KT_INT32, 0, KV_ANY),
    FD("LeaderEpoch", KT_INT32, 7, KV_ANY, -1),
    FA("ReplicaNodes", KT_INT32, 0, KV_ANY, KV_NEVER),
    FA("IsrNodes", KT_INT32, 0, KV_ANY, KV_NEVER),
    FA("OfflineReplicas", KT_INT32, 5, KV_ANY, KV_NEVER),
};
static const kfield md_resp_topic[] = {
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    F("Name", KT_STRING, 0, KV_ANY),
    F("IsInternal", KT_BOOL, 1, KV_ANY),
    FS("Partitions", md_partition, 0, KV_ANY, KV_NEVER),
    FD("TopicAuthorizedOperations", KT_INT32, 8, KV_ANY, INT32_MIN),
};
static const kfield md_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 3, KV_ANY),         FS("Brokers", md_broker, 0, KV_ANY, KV_NEVER),
    FN("ClusterId", KT_STRING, 2, KV_ANY, 2),         FD("ControllerId", KT_INT32, 1, KV_ANY, -1),
    FS("Topics", md_resp_topic, 0, KV_ANY, KV_NEVER), FD("ClusterAuthorizedOperations", KT_INT32, 8, 10, INT32_MIN),
};
MSG(md_request, md_req);
MSG(md_response, md_resp);

/* ---- ApiVersions (18) ----------------------------------------------------- */
static const kfield av_req[] = {
    F("ClientSoftwareName", KT_STRING, 3, KV_ANY),
    F("ClientSoftwareVersion", KT_STRING, 3, KV_ANY),
};
static const kfield av_key[] = {
    F("ApiKey", KT_INT16, 0, KV_ANY),
    F("MinVersion", KT_INT16, 0, KV_ANY),
    F("MaxVersion", KT_INT16, 0, KV_ANY),
};
static const kfield av_resp[] = {
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    FS("ApiKeys", av_key, 0, KV_ANY, KV_NEVER),
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
};
MSG(av_request, av_req);
MSG(av_response, av_resp);

/* ---- CreateTopics (19) ---------------------------------------------------- */
static const kfield ct_assignment[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
    FA("BrokerIds", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield ct_config[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FN("Value", KT_STRING, 0, KV_ANY, 0),
};
static const kfield ct_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    F("NumPartitions", KT_INT32, 0, KV_ANY),
    F("ReplicationFactor", KT_INT16, 0, KV_ANY),
    FS("Assignments", ct_assignment, 0, KV_ANY, KV_NEVER),
    FS("Configs", ct_config, 0, KV_ANY, KV_NEVER),
};
static const kfield ct_req[] = {
    FS("Topics", ct_topic, 0, KV_ANY, KV_NEVER),
    F("TimeoutMs", KT_INT32, 0, KV_ANY),
    F("ValidateOnly", KT_BOOL, 1, KV_ANY),
};
static const kfield ct_resp_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    FN("ErrorMessage", KT_STRING, 1, KV_ANY, 0),
};
static const kfield ct_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 2, KV_ANY),
    FS("Topics", ct_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(ct_request, ct_req);
MSG(ct_response, ct_resp);

/* ---- DeleteTopics (20) ---------------------------------------------------- */
static const kfield dt_req[] = {
    FA("TopicNames", KT_STRING, 0, KV_ANY, KV_NEVER),
    F("TimeoutMs", KT_INT32, 0, KV_ANY),
};
static const kfield dt_resp_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield dt_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    FS("Responses", dt_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(dt_request, dt_req);
MSG(dt_response, dt_resp);

/* ---- InitProducerId (22) -------------------------------------------------- */
static const kfield ip_req[] = {
    FN("TransactionalId", KT_STRING, 0, KV_ANY, 0),
    F("TransactionTimeoutMs", KT_INT32, 0, KV_ANY),
};
static const kfield ip_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    FD("ProducerId", KT_INT64, 0, KV_ANY, -1),
    F("ProducerEpoch", KT_INT16, 0, KV_ANY),
};
MSG(ip_request, ip_req);
MSG(ip_response, ip_resp);

/* ---- DescribeConfigs (32) ------------------------------------------------- */
static const kfield dc_resource[] = {
    F("ResourceType", KT_INT8, 0, KV_ANY),
    F("ResourceName", KT_STRING, 0, KV_ANY),
    FA("ConfigurationKeys", KT_STRING, 0, KV_ANY, 0),
};
static const kfield dc_req[] = {
    FS("Resources", dc_resource, 0, KV_ANY, KV_NEVER),
    F("IncludeSynonyms", KT_BOOL, 1, KV_ANY),
    F("IncludeDocumentation", KT_BOOL, 3, KV_ANY),
};
static const kfield dc_synonym[] = {
    F("Name", KT_STRING, 1, KV_ANY),
    FN("Value", KT_STRING, 1, KV_ANY, 0),
    F("Source", KT_INT8, 1, KV_ANY),
};
static const kfield dc_config[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FN("Value", KT_STRING, 0, KV_ANY, 0),
    F("ReadOnly", KT_BOOL, 0, KV_ANY),
    F("IsDefault", KT_BOOL, 0, 0),
    FD("ConfigSource", KT_INT8, 1, KV_ANY, -1),
    F("IsSensitive", KT_BOOL, 0, KV_ANY),
    FS("Synonyms", dc_synonym, 1, KV_ANY, KV_NEVER),
    FN("ConfigType", KT_STRING, 3, KV_ANY, 0),
};
static const kfield dc_result[] = {
    F("ErrorCode", KT_INT16, 0, KV_ANY),           FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    F("ResourceType", KT_INT8, 0, KV_ANY),         F("ResourceName", KT_STRING, 0, KV_ANY),
    FS("Configs", dc_config, 0, KV_ANY, KV_NEVER),
};
static const kfield dc_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    FS("Results", dc_result, 0, KV_ANY, KV_NEVER),
};
MSG(dc_request, dc_req);
MSG(dc_response, dc_resp);

/* ---- OffsetCommit (8) ------------------------------------------------------ */
static const kfield oc_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
    F("CommittedOffset", KT_INT64, 0, KV_ANY),
    FD("CommittedLeaderEpoch", KT_INT32, 6, KV_ANY, -1),
    FD("CommitTimestamp", KT_INT64, 1, 1, -1),
    FN("CommittedMetadata", KT_STRING, 0, KV_ANY, 0),
};
static const kfield oc_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FS("Partitions", oc_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield oc_req[] = {
    F("GroupId", KT_STRING, 0, KV_ANY),        FD("GenerationId", KT_INT32, 1, KV_ANY, -1),
    F("MemberId", KT_STRING, 1, KV_ANY),       FN("GroupInstanceId", KT_STRING, 7, KV_ANY, 7),
    FD("RetentionTimeMs", KT_INT64, 2, 4, -1), FS("Topics", oc_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield oc_resp_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield oc_resp_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FS("Partitions", oc_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield oc_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 3, KV_ANY),
    FS("Topics", oc_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(oc_request, oc_req);
MSG(oc_response, oc_resp);

/* ---- OffsetFetch (9) ------------------------------------------------------- */
static const kfield of_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FA("PartitionIndexes", KT_INT32, 0, KV_ANY, KV_NEVER),
};
static const kfield of_req[] = {
    F("GroupId", KT_STRING, 0, KV_ANY),
    FS("Topics", of_topic, 0, KV_ANY, 2),
};
static const kfield of_resp_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
    F("CommittedOffset", KT_INT64, 0, KV_ANY),
    FD("CommittedLeaderEpoch", KT_INT32, 5, KV_ANY, -1),
    FN("Metadata", KT_STRING, 0, KV_ANY, 0),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield of_resp_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FS("Partitions", of_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield of_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 3, KV_ANY),
    FS("Topics", of_resp_topic, 0, KV_ANY, KV_NEVER),
    F("ErrorCode", KT_INT16, 2, KV_ANY),
};
MSG(of_request, of_req);
MSG(of_response, of_resp);

/* ---- FindCoordinator (10) ---------------------------------------------------- */
static const kfield fc_req[] = {
    F("Key", KT_STRING, 0, KV_ANY),
    F("KeyType", KT_INT8, 1, KV_ANY),
};
static const kfield fc_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    FN("ErrorMessage", KT_STRING, 1, KV_ANY, 1),
    F("NodeId", KT_INT32, 0, KV_ANY),
    F("Host", KT_STRING, 0, KV_ANY),
    F("Port", KT_INT32, 0, KV_ANY),
};
MSG(fc_request, fc_req);
MSG(fc_response, fc_resp);

/* ---- JoinGroup (11) ------------------------------------------------------------ */
static const kfield jg_protocol[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    F("Metadata", KT_BYTES, 0, KV_ANY),
};
static const kfield jg_req[] = {
    F("GroupId", KT_STRING, 0, KV_ANY),
    F("SessionTimeoutMs", KT_INT32, 0, KV_ANY),
    FD("RebalanceTimeoutMs", KT_INT32, 1, KV_ANY, -1),
    F("MemberId", KT_STRING, 0, KV_ANY),
    FN("GroupInstanceId", KT_STRING, 5, KV_ANY, 5),
    F("ProtocolType", KT_STRING, 0, KV_ANY),
    FS("Protocols", jg_protocol, 0, KV_ANY, KV_NEVER),
};
static const kfield jg_member[] = {
    F("MemberId", KT_STRING, 0, KV_ANY),
    FN("GroupInstanceId", KT_STRING, 5, KV_ANY, 5),
    F("Metadata", KT_BYTES, 0, KV_ANY),
};
static const kfield jg_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 2, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    F("GenerationId", KT_INT32, 0, KV_ANY),
    F("ProtocolName", KT_STRING, 0, KV_ANY),
    F("Leader", KT_STRING, 0, KV_ANY),
    F("MemberId", KT_STRING, 0, KV_ANY),
    FS("Members", jg_member, 0, KV_ANY, KV_NEVER),
};
MSG(jg_request, jg_req);
MSG(jg_response, jg_resp);

/* ---- Heartbeat (12) ------------------------------------------------------------- */
static const kfield hb_req[] = {
    F("GroupId", KT_STRING, 0, KV_ANY),
    F("GenerationId", KT_INT32, 0, KV_ANY),
    F("MemberId", KT_STRING, 0, KV_ANY),
    FN("GroupInstanceId", KT_STRING, 3, KV_ANY, 3),
};
static const kfield hb_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
};
MSG(hb_request, hb_req);
MSG(hb_response, hb_resp);

/* ---- LeaveGroup (13) ------------------------------------------------------------ */
static const kfield lg_member[] = {
    F("MemberId", KT_STRING, 3, KV_ANY),
    FN("GroupInstanceId", KT_STRING, 3, KV_ANY, 3),
};
static const kfield lg_req[] = {
    F("GroupId", KT_STRING, 0, KV_ANY),
    F("MemberId", KT_STRING, 0, 2),
    FS("Members", lg_member, 3, KV_ANY, KV_NEVER),
};
static const kfield lg_resp_member[] = {
    F("MemberId", KT_STRING, 3, KV_ANY),
    FN("GroupInstanceId", KT_STRING, 3, KV_ANY, 3),
    F("ErrorCode", KT_INT16, 3, KV_ANY),
};
static const kfield lg_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    FS("Members", lg_resp_member, 3, KV_ANY, KV_NEVER),
};
MSG(lg_request, lg_req);
MSG(lg_response, lg_resp);

/* ---- SyncGroup (14) ------------------------------------------------------------- */
static const kfield sg_assignment[] = {
    F("MemberId", KT_STRING, 0, KV_ANY),
    F("Assignment", KT_BYTES, 0, KV_ANY),
};
static const kfield sg_req[] = {
    F("GroupId", KT_STRING, 0, KV_ANY),
    F("GenerationId", KT_INT32, 0, KV_ANY),
    F("MemberId", KT_STRING, 0, KV_ANY),
    FN("GroupInstanceId", KT_STRING, 3, KV_ANY, 3),
    FS("Assignments", sg_assignment, 0, KV_ANY, KV_NEVER),
};
static const kfield sg_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    F("Assignment", KT_BYTES, 0, KV_ANY),
};
MSG(sg_request, sg_req);
MSG(sg_response, sg_resp);

/* ---- DescribeGroups (15) -------------------------------------------------------- */
static const kfield dg_req[] = {
    FA("Groups", KT_STRING, 0, KV_ANY, KV_NEVER),
    F("IncludeAuthorizedOperations", KT_BOOL, 3, KV_ANY),
};
static const kfield dg_member[] = {
    F("MemberId", KT_STRING, 0, KV_ANY),      FN("GroupInstanceId", KT_STRING, 4, KV_ANY, 4),
    F("ClientId", KT_STRING, 0, KV_ANY),      F("ClientHost", KT_STRING, 0, KV_ANY),
    F("MemberMetadata", KT_BYTES, 0, KV_ANY), F("MemberAssignment", KT_BYTES, 0, KV_ANY),
};
static const kfield dg_group[] = {
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    F("GroupId", KT_STRING, 0, KV_ANY),
    F("GroupState", KT_STRING, 0, KV_ANY),
    F("ProtocolType", KT_STRING, 0, KV_ANY),
    F("ProtocolData", KT_STRING, 0, KV_ANY),
    FS("Members", dg_member, 0, KV_ANY, KV_NEVER),
    FD("AuthorizedOperations", KT_INT32, 3, KV_ANY, INT32_MIN),
};
static const kfield dg_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    FS("Groups", dg_group, 0, KV_ANY, KV_NEVER),
};
MSG(dg_request, dg_req);
MSG(dg_response, dg_resp);

/* ---- ListGroups (16) ------------------------------------------------------------ */
static const kfield lsg_req[1];
static const kmsg lsg_request = {lsg_req, 0};
static const kfield lsg_group[] = {
    F("GroupId", KT_STRING, 0, KV_ANY),
    F("ProtocolType", KT_STRING, 0, KV_ANY),
};
static const kfield lsg_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 1, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    FS("Groups", lsg_group, 0, KV_ANY, KV_NEVER),
};
MSG(lsg_response, lsg_resp);

/* ---- DeleteGroups (42) ---------------------------------------------------------- */
static const kfield dlg_req[] = {
    FA("GroupsNames", KT_STRING, 0, KV_ANY, KV_NEVER),
};
static const kfield dlg_result[] = {
    F("GroupId", KT_STRING, 0, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield dlg_resp[] = {
    F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    FS("Results", dlg_result, 0, KV_ANY, KV_NEVER),
};
MSG(dlg_request, dlg_req);
MSG(dlg_response, dlg_resp);

/* ---- OffsetDelete (47) ---------------------------------------------------------- */
static const kfield od_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
};
static const kfield od_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FS("Partitions", od_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield od_req[] = {
    F("GroupId", KT_STRING, 0, KV_ANY),
    FS("Topics", od_topic, 0, KV_ANY, KV_NEVER),
};
static const kfield od_resp_partition[] = {
    F("PartitionIndex", KT_INT32, 0, KV_ANY),
    F("ErrorCode", KT_INT16, 0, KV_ANY),
};
static const kfield od_resp_topic[] = {
    F("Name", KT_STRING, 0, KV_ANY),
    FS("Partitions", od_resp_partition, 0, KV_ANY, KV_NEVER),
};
static const kfield od_resp[] = {
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    F("ThrottleTimeMs", KT_INT32, 0, KV_ANY),
    FS("Topics", od_resp_topic, 0, KV_ANY, KV_NEVER),
};
MSG(od_request, od_req);
MSG(od_response, od_resp);

/* ---- SaslHandshake (17), SaslAuthenticate (36) ------------------------------- */
static const kfield sh_req[] = {
    F("Mechanism", KT_STRING, 0, KV_ANY),
};
static const kfield sh_resp[] = {
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    FA("Mechanisms", KT_STRING, 0, KV_ANY, KV_NEVER),
};
MSG(sh_request, sh_req);
MSG(sh_response, sh_resp);

static const kfield sa_req[] = {
    F("AuthBytes", KT_BYTES, 0, KV_ANY),
};
static const kfield sa_resp[] = {
    F("ErrorCode", KT_INT16, 0, KV_ANY),
    FN("ErrorMessage", KT_STRING, 0, KV_ANY, 0),
    F("AuthBytes", KT_BYTES, 0, KV_ANY),
    F("SessionLifetimeMs", KT_INT64, 1, KV_ANY),
};
MSG(sa_request, sa_req);
MSG(sa_response, sa_resp);

/* ---- the registry ----------------------------------------------------------- */
/* Ranges: Produce from v3 and Fetch from v4 (RecordBatch v2 only); the rest
 * from v0. Flexible versions are advertised where the tables support them. */
static const kapi apis[] = {
    {API_PRODUCE, "Produce", 3, 8, KV_NEVER, &produce_request, &produce_response},
    {API_FETCH, "Fetch", 4, 11, KV_NEVER, &fetch_request, &fetch_response},
    {API_LIST_OFFSETS, "ListOffsets", 0, 5, KV_NEVER, &lo_request, &lo_response},
    {API_METADATA, "Metadata", 0, 8, KV_NEVER, &md_request, &md_response},
    {API_API_VERSIONS, "ApiVersions", 0, 3, 3, &av_request, &av_response},
    {API_CREATE_TOPICS, "CreateTopics", 0, 4, KV_NEVER, &ct_request, &ct_response},
    {API_DELETE_TOPICS, "DeleteTopics", 0, 3, KV_NEVER, &dt_request, &dt_response},
    {API_INIT_PRODUCER_ID, "InitProducerId", 0, 1, KV_NEVER, &ip_request, &ip_response},
    {API_DESCRIBE_CONFIGS, "DescribeConfigs", 0, 3, KV_NEVER, &dc_request, &dc_response},
    {API_OFFSET_COMMIT, "OffsetCommit", 0, 7, KV_NEVER, &oc_request, &oc_response},
    {API_OFFSET_FETCH, "OffsetFetch", 0, 5, KV_NEVER, &of_request, &of_response},
    {API_FIND_COORDINATOR, "FindCoordinator", 0, 2, KV_NEVER, &fc_request, &fc_response},
    {API_JOIN_GROUP, "JoinGroup", 0, 5, KV_NEVER, &jg_request, &jg_response},
    {API_HEARTBEAT, "Heartbeat", 0, 3, KV_NEVER, &hb_request, &hb_response},
    {API_LEAVE_GROUP, "LeaveGroup", 0, 3, KV_NEVER, &lg_request, &lg_response},
    {API_SYNC_GROUP, "SyncGroup", 0, 3, KV_NEVER, &sg_request, &sg_response},
    {API_DESCRIBE_GROUPS, "DescribeGroups", 0, 4, KV_NEVER, &dg_request, &dg_response},
    {API_LIST_GROUPS, "ListGroups", 0, 2, KV_NEVER, &lsg_request, &lsg_response},
    {API_DELETE_GROUPS, "DeleteGroups", 0, 1, KV_NEVER, &dlg_request, &dlg_response},
    {API_OFFSET_DELETE, "OffsetDelete", 0, 0, KV_NEVER, &od_request, &od_response},
    {API_SASL_HANDSHAKE, "SaslHandshake", 0, 1, KV_NEVER, &sh_request, &sh_response},
    {API_SASL_AUTHENTICATE, "SaslAuthenticate", 0, 1, KV_NEVER, &sa_request, &sa_response},
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
