/* The Kafka message engine: messages are described by schema tables (one
 * field list per message, each field with the versions it exists in, as in
 * Kafka's own clients/src/main/resources/common/message/ JSON files), and one
 * generic decoder and encoder walk them. Adding a version or a flexible
 * (compact, tagged-fields) version is a change to a table, not new parsing.
 *
 * Decoded messages are "value trees": a struct is an array of kval, one per
 * field of its schema, in schema order (fields absent in a version hold
 * their default). Arrays of structs hold count * nfields values, row-major,
 * and record that width: the encoder refuses an array built with another. */
#ifndef BROOK_KAFKA_KSCHEMA_H
#define BROOK_KAFKA_KSCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include <brook/codec.h>
#include <brook/request.h>

typedef enum ktype {
    KT_BOOL,
    KT_INT8,
    KT_INT16,
    KT_INT32,
    KT_INT64,
    KT_STRING,  /* (nullable) string */
    KT_BYTES,   /* (nullable) bytes */
    KT_RECORDS, /* bytes on decode; storage slices on encode */
    KT_ARRAY,   /* array of `elem` scalars */
    KT_STRUCTS, /* array of structs described by `fields` */
} ktype;

#define KV_ANY   (-1) /* open-ended version bound */
#define KV_NEVER 0x7fff

typedef struct kfield {
    const char *name;
    ktype type;
    int16_t min_ver;
    int16_t max_ver;             /* KV_ANY: no upper bound */
    int16_t nullable_from;       /* KV_NEVER: never nullable */
    ktype elem;                  /* KT_ARRAY */
    const struct kfield *fields; /* KT_STRUCTS */
    uint16_t nfields;
    int64_t def; /* default for absent ints/bools; strings/arrays absent are null */
} kfield;

typedef struct kval {
    int64_t i;
    const uint8_t *ptr;        /* string, bytes, records */
    int32_t len;               /* string/bytes length or array count; -1 = null */
    uint16_t width;            /* arrays: values per element (a struct's field count, else 1) */
    struct kval *items;        /* arrays */
    const brook_slice *slices; /* records to encode from storage */
    size_t nslices;
} kval;

typedef struct kmsg {
    const kfield *fields;
    uint16_t nfields;
} kmsg;

/* Allocation for decoded trees: the request's arena. */
typedef void *(*kalloc_fn)(void *ctx, size_t size);

/* Decode a message body at [*pos, end) into `out` (nfields values).
 * flexible: compact lengths and tagged fields. 0 ok, else the failure is
 * described in *why. Never reads past `end`. */
int kdecode(const kmsg *m, int16_t version, int flexible, const uint8_t **pos, const uint8_t *end, kval *out,
            kalloc_fn alloc, void *ctx, const char **why);

/* A growable output buffer that hands slices to a brook_writer. */
typedef struct kout {
    brook_writer *w;
    uint8_t *buf;
    size_t len;
    size_t cap;
    int failed;
} kout;

void kout_put(kout *o, const void *data, size_t len);
void kout_i8(kout *o, int8_t v);
void kout_i16(kout *o, int16_t v);
void kout_i32(kout *o, int32_t v);
void kout_i64(kout *o, int64_t v);
void kout_uvarint(kout *o, uint64_t v);
/* Send what is buffered to the writer. */
void kout_flush(kout *o);
void kout_free(kout *o);

/* Encode `vals` (nfields values) with the message's schema at `version`. */
void kencode(const kmsg *m, int16_t version, int flexible, const kval *vals, kout *o);

/* Allocate a zeroed struct (or `count` of them) for message or sub-fields. */
kval *knew(kalloc_fn alloc, void *ctx, size_t nfields, size_t count);

#endif
