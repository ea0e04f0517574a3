/* Schemas of the Kafka messages Brook speaks, transcribed field by field
 * (with the versions each field exists in) from Kafka's message JSON files.
 * The field order is the wire order; kapis.h names the indexes. */
#include "kapis.h"

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
