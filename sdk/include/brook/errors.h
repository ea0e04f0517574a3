/* Brook SDK: the one error type shared by the core and every plugin.
 *
 * Every SDK function that can fail returns a brook_err; BROOK_OK is zero so
 * `if (err)` reads naturally. Outputs travel through out-parameters.
 * The values are part of the ABI: new codes are only ever appended. */
#ifndef BROOK_ERRORS_H
#define BROOK_ERRORS_H

typedef enum brook_err {
    BROOK_OK = 0,
    BROOK_ERR_NOMEM = 1,                    /* allocation failed */
    BROOK_ERR_INVALID = 2,                  /* argument or input is malformed */
    BROOK_ERR_CORRUPT = 3,                  /* stored or received data fails its checks (CRC, magic, length) */
    BROOK_ERR_NOT_FOUND = 4,                /* topic, partition, key or file does not exist */
    BROOK_ERR_EXISTS = 5,                   /* already exists */
    BROOK_ERR_OUT_OF_RANGE = 6,             /* offset below the log start or past the log end */
    BROOK_ERR_IO = 7,                       /* the operating system refused (see the log line for errno) */
    BROOK_ERR_TOO_LARGE = 8,                /* over a configured size limit */
    BROOK_ERR_UNSUPPORTED = 9,              /* operation or version not supported */
    BROOK_ERR_DENIED = 10,                  /* authorization refused */
    BROOK_ERR_AUTH = 11,                    /* authentication failed */
    BROOK_ERR_TIMEOUT = 12,                 /* a deadline passed */
    BROOK_ERR_AGAIN = 13,                   /* not ready yet; try again later */
    BROOK_ERR_NOT_LEADER = 14,              /* this broker does not lead the partition */
    BROOK_ERR_SHUTDOWN = 15,                /* the broker is stopping */
    BROOK_ERR_NO_SPACE = 16,                /* the disk is full */
    BROOK_ERR_INVALID_TOPIC = 17,           /* topic name breaks the naming rules */
    BROOK_ERR_INVALID_PARTITIONS = 18,      /* partition count out of range */
    BROOK_ERR_INVALID_REPLICATION = 19,     /* replication factor out of range */
    BROOK_ERR_LEADER_NOT_AVAILABLE = 20,    /* partition has no leader right now */
    BROOK_ERR_OUT_OF_ORDER_SEQUENCE = 21,   /* idempotent producer: a sequence number was skipped */
    BROOK_ERR_INVALID_PRODUCER_EPOCH = 22,  /* idempotent producer: an older epoch was fenced */
    BROOK_ERR_UNKNOWN_MEMBER = 23,          /* group: no such member (or it expired) */
    BROOK_ERR_ILLEGAL_GENERATION = 24,      /* group: the member's generation is not the current one */
    BROOK_ERR_REBALANCING = 25,             /* group: a rebalance is in progress; rejoin */
    BROOK_ERR_MEMBER_ID_REQUIRED = 26,      /* group: join again with the member id given */
    BROOK_ERR_GROUP_NOT_EMPTY = 27,         /* group: it still has members */
    BROOK_ERR_FENCED_INSTANCE = 28,         /* group: another member took over this instance id */
    BROOK_ERR_INCONSISTENT_PROTOCOL = 29,   /* group: protocol type or protocols do not match the group's */
    BROOK_ERR_INVALID_SESSION_TIMEOUT = 30, /* group: session timeout outside the broker's bounds */
    BROOK_ERR_GROUP_SUBSCRIBED = 31,        /* group: offsets of a topic it consumes cannot be deleted */
    BROOK_ERR_INVALID_RECORD = 32,          /* a record batch passes its CRC but breaks the format */
    BROOK_ERR_NOT_ENOUGH_REPLICAS = 33,     /* acks=all: fewer in-sync replicas than required; nothing appended */
    BROOK_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND =
        34,                              /* acks=all: appended, but the in-sync set shrank below the minimum */
    BROOK_ERR_FENCED_LEADER_EPOCH = 35,  /* the caller's leader epoch is older than this replica's */
    BROOK_ERR_UNKNOWN_LEADER_EPOCH = 36, /* the caller's leader epoch is newer than this replica knows */
    BROOK_ERR_SECURITY_DISABLED = 37,    /* since 2.3: no authorizer keeps rules that can be changed */
    BROOK_ERR_ELECTION_NOT_NEEDED = 38,  /* since 2.10: the partition already has the leader asked for */
    BROOK_ERR_PREFERRED_LEADER_NOT_AVAILABLE = 39, /* since 2.10: the preferred replica is dead or not in sync */
    BROOK_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE = 40, /* since 2.10: no live replica could lead */
    BROOK_ERR_INVALID_REPLICA_ASSIGNMENT = 41,     /* since 2.11: replicas a partition cannot be moved to */
    BROOK_ERR_NO_REASSIGNMENT_IN_PROGRESS = 42,    /* since 2.11: no reassignment of the partition to cancel */
    BROOK_ERR_INVALID_TXN_STATE = 43,              /* since 2.14: not allowed in the producer's transaction state */
    BROOK_ERR_TRANSACTION_COORDINATOR_FENCED = 44, /* since 2.14: a newer transaction coordinator took over */
    BROOK_ERR_CONCURRENT_TRANSACTIONS = 45,        /* since 2.14: the transaction is still ending: retry */
    BROOK_ERR_INVALID_PRODUCER_ID_MAPPING = 46,    /* since 2.14: the producer id is not the transactional id's */
    BROOK_ERR_INVALID_TRANSACTION_TIMEOUT = 47,    /* since 2.14: over the broker's maximum */
    BROOK_ERR_PRODUCER_FENCED = 48,                /* since 2.14: a newer producer epoch took over the id */
    BROOK_ERR_OPERATION_NOT_ATTEMPTED = 49,        /* since 2.14: another item of the request failed */
    BROOK_ERR_TRANSACTIONAL_ID_DENIED = 50,        /* since 2.14: authorization refused on the transactional id */
    BROOK_ERR_UNSTABLE_OFFSET_COMMIT = 51,         /* since 2.14: offsets of a transaction not yet ended: retry */
    BROOK_ERR__COUNT
} brook_err;

/* A short, stable, human-readable name for an error code. Never NULL. */
static inline const char *brook_err_str(brook_err err)
{
    switch (err) {
    case BROOK_OK: return "ok";
    case BROOK_ERR_NOMEM: return "out of memory";
    case BROOK_ERR_INVALID: return "invalid argument";
    case BROOK_ERR_CORRUPT: return "corrupt data";
    case BROOK_ERR_NOT_FOUND: return "not found";
    case BROOK_ERR_EXISTS: return "already exists";
    case BROOK_ERR_OUT_OF_RANGE: return "offset out of range";
    case BROOK_ERR_IO: return "i/o error";
    case BROOK_ERR_TOO_LARGE: return "too large";
    case BROOK_ERR_UNSUPPORTED: return "unsupported";
    case BROOK_ERR_DENIED: return "not authorized";
    case BROOK_ERR_AUTH: return "authentication failed";
    case BROOK_ERR_TIMEOUT: return "timed out";
    case BROOK_ERR_AGAIN: return "try again";
    case BROOK_ERR_NOT_LEADER: return "not leader";
    case BROOK_ERR_SHUTDOWN: return "shutting down";
    case BROOK_ERR_NO_SPACE: return "no space left on device";
    case BROOK_ERR_INVALID_TOPIC: return "invalid topic name";
    case BROOK_ERR_INVALID_PARTITIONS: return "invalid partition count";
    case BROOK_ERR_INVALID_REPLICATION: return "invalid replication factor";
    case BROOK_ERR_LEADER_NOT_AVAILABLE: return "leader not available";
    case BROOK_ERR_OUT_OF_ORDER_SEQUENCE: return "out of order sequence number";
    case BROOK_ERR_INVALID_PRODUCER_EPOCH: return "producer epoch is fenced";
    case BROOK_ERR_UNKNOWN_MEMBER: return "unknown group member";
    case BROOK_ERR_ILLEGAL_GENERATION: return "illegal group generation";
    case BROOK_ERR_REBALANCING: return "group rebalance in progress";
    case BROOK_ERR_MEMBER_ID_REQUIRED: return "member id required";
    case BROOK_ERR_GROUP_NOT_EMPTY: return "group is not empty";
    case BROOK_ERR_FENCED_INSTANCE: return "group instance id fenced";
    case BROOK_ERR_INCONSISTENT_PROTOCOL: return "inconsistent group protocol";
    case BROOK_ERR_INVALID_SESSION_TIMEOUT: return "invalid session timeout";
    case BROOK_ERR_GROUP_SUBSCRIBED: return "group is subscribed to the topic";
    case BROOK_ERR_INVALID_RECORD: return "invalid record";
    case BROOK_ERR_NOT_ENOUGH_REPLICAS: return "not enough in-sync replicas";
    case BROOK_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND: return "not enough in-sync replicas after append";
    case BROOK_ERR_FENCED_LEADER_EPOCH: return "fenced leader epoch";
    case BROOK_ERR_UNKNOWN_LEADER_EPOCH: return "unknown leader epoch";
    case BROOK_ERR_SECURITY_DISABLED: return "no authorizer that keeps ACLs is configured";
    case BROOK_ERR_ELECTION_NOT_NEEDED: return "the partition already has that leader";
    case BROOK_ERR_PREFERRED_LEADER_NOT_AVAILABLE: return "the preferred replica is not live and in sync";
    case BROOK_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE: return "no live replica can lead";
    case BROOK_ERR_INVALID_REPLICA_ASSIGNMENT: return "invalid replica assignment";
    case BROOK_ERR_NO_REASSIGNMENT_IN_PROGRESS: return "no reassignment in progress";
    case BROOK_ERR_INVALID_TXN_STATE: return "not allowed in the transaction's state";
    case BROOK_ERR_TRANSACTION_COORDINATOR_FENCED: return "a newer transaction coordinator took over";
    case BROOK_ERR_CONCURRENT_TRANSACTIONS: return "the producer's last transaction is still ending";
    case BROOK_ERR_INVALID_PRODUCER_ID_MAPPING: return "the producer id is not the transactional id's";
    case BROOK_ERR_INVALID_TRANSACTION_TIMEOUT: return "transaction timeout over the broker's maximum";
    case BROOK_ERR_PRODUCER_FENCED: return "a newer producer with the same transactional id fenced this one";
    case BROOK_ERR_OPERATION_NOT_ATTEMPTED: return "not attempted: another part of the request failed";
    case BROOK_ERR_TRANSACTIONAL_ID_DENIED: return "not authorized on the transactional id";
    case BROOK_ERR_UNSTABLE_OFFSET_COMMIT: return "offsets committed in a transaction not yet ended";
    case BROOK_ERR__COUNT: break;
    }
    return "unknown error";
}

#endif
