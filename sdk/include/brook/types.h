/* Brook SDK: small value types shared by every plugin kind. */
#ifndef BROOK_TYPES_H
#define BROOK_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* ABI 2 pins the size of every struct that crosses the plugin boundary
 * without a size field of its own: such a struct keeps its size for the
 * whole major version, and room for later minors is reserved inside it
 * (`reserved` fields: zero, and zero keeps meaning "not set" once a minor
 * names them). Tables that carry their own size instead (the descriptor,
 * vtables, brook_host, brook_batch_ops, brook_writer, brook_replica_ctx)
 * grow at their end. docs/plugin-sdk.md, "Versioning", has the rules. The
 * pins hold on LP64, the data model Brook is built for. */
#if defined(__cplusplus)
#define BROOK_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define BROOK_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#define BROOK_ABI_PIN_SIZE(type, lp64_size)                                                                            \
    BROOK_STATIC_ASSERT(sizeof(void *) != 8 || sizeof(type) == (lp64_size), #type " keeps its ABI 2 size")
#define BROOK_ABI_PIN_OFFSET(type, field, lp64_offset)                                                                 \
    BROOK_STATIC_ASSERT(sizeof(void *) != 8 || offsetof(type, field) == (lp64_offset),                                 \
                        #type "." #field " keeps its ABI 2 offset")

/* Kafka's limits on names, so every codec accepts the same topics. */
#define BROOK_TOPIC_NAME_MAX 249

/* No leader epoch: unknown, or older than every one a log knows. */
#define BROOK_NO_EPOCH (-1)

/* Sentinel offsets understood by list-offsets and fetch. */
#define BROOK_OFFSET_LATEST   (-1)
#define BROOK_OFFSET_EARLIEST (-2)
/* Since 2.2: the log end offset, one past the last record appended,
 * committed or not (Brook's own: no Kafka request carries it). */
#define BROOK_OFFSET_LOG_END (-1000)
/* Since 2.3: the record with the largest timestamp (Kafka's ListOffsets
 * v7 MAX_TIMESTAMP, KIP-734); the first such when several share it. */
#define BROOK_OFFSET_MAX_TIMESTAMP (-3)

/* A read-only run of log bytes handed from storage to the core and on to a
 * codec, so that a fetch can go from file to socket without a copy.
 *
 * Exactly one of the two sources is used:
 *   fd >= 0   the bytes are [file_offset, file_offset + len) of that file;
 *   fd <  0   the bytes are [data, data + len) in memory.
 *
 * Lifetime: the producer of the slice (a storage plugin) guarantees the bytes
 * stay valid and unchanged until `release(owner)` is called, exactly once, by
 * whoever holds the slice last. `release` may be NULL when the bytes outlive
 * every request (static data). */
typedef struct brook_slice {
    int fd;
    int64_t file_offset;
    const void *data;
    size_t len;
    void (*release)(void *owner);
    void *owner;
    uint64_t reserved[2];
} brook_slice;
BROOK_ABI_PIN_SIZE(brook_slice, 64);

/* Who is on the other end of a connection. */
typedef struct brook_peer {
    const char *address;  /* "127.0.0.1:53422" */
    const char *listener; /* the listener's configured name */
    int tls;              /* non-zero when the connection is encrypted */
    uint64_t reserved[2];
} brook_peer;
BROOK_ABI_PIN_SIZE(brook_peer, 40);

#endif
