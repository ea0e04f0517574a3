/* The SDK's published types, reachable from one exported function so that
 * abidw (abigail-tools) records every struct's full layout: the fields,
 * their offsets and sizes, the vtables' slots. check.sh compares the record
 * with the baseline of the ABI version the headers declare. A type that
 * crosses the plugin boundary belongs in this list. */
#include <brook/auth.h>
#include <brook/batch.h>
#include <brook/codec.h>
#include <brook/errors.h>
#include <brook/group_request.h>
#include <brook/plugin.h>
#include <brook/replication.h>
#include <brook/request.h>
#include <brook/sasl_request.h>
#include <brook/storage.h>
#include <brook/types.h>

typedef struct brook_abi_probe {
    const brook_plugin_descriptor *descriptor;
    const brook_host *host;
    const brook_option *option;
    const brook_storage_ops *storage;
    const brook_replication_ops *replication;
    const brook_replica_ctx *replica;
    const brook_auth_ops *auth;
    const brook_authz_request *authz_request;
    const brook_authz_result *authz_result;
    const brook_codec_ops *codec;
    const brook_batch_ops *batch;
    const brook_batch_info *batch_info;
    const brook_batch_iter *batch_iter;
    const brook_record *record;
    const brook_record_header *record_header;
    const brook_slice *slice;
    const brook_peer *peer;
    const brook_request *request; /* the union reaches every request struct */
    brook_err err;
    brook_request_type request_type;
    brook_plugin_kind kind;
    brook_log_level log_level;
    /* later minors' types, at the end: the probe's own layout stays (it
     * also reads frozen copies of older headers) */
#if BROOK_ABI_MINOR >= 3
    const brook_acl *acl;
    brook_acl_each acl_each;
#endif
#if BROOK_ABI_MINOR >= 4
    const brook_scram_keys *scram_keys;
#endif
} brook_abi_probe;

void brook_abi_probe_types(const brook_abi_probe *probe);
void brook_abi_probe_types(const brook_abi_probe *probe)
{
    (void)probe;
}
