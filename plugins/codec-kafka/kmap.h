/* Between Kafka's messages (value trees, kschema.h) and the core's neutral
 * requests (request.h): one decode and one encode function per API. */
#ifndef BROOK_KAFKA_KMAP_H
#define BROOK_KAFKA_KMAP_H

#include <brook/request.h>

#include "kapis.h"

/* What the codec keeps per request. */
typedef struct kreq {
    const kapi *api;
    int16_t version;
    int32_t correlation_id;
    int flexible;
    int unsupported_version; /* ApiVersions asked in a version we do not speak */
    kval *body;              /* the decoded request */
    kval client_id;          /* from the request header: points into the frame */
    int raw_sasl;            /* a bare SASL token, not a Kafka request */
} kreq;

void *kmap_alloc(void *ctx, size_t size); /* ctx: the brook_request */

/* Map a decoded body into `req`; 0, or -1 with *why. */
int kmap_decode(kreq *kr, brook_request *req, const char **why);

/* Build the response body for `req` (allocated in its arena). */
kval *kmap_encode(kreq *kr, brook_request *req);

/* The consumer-group APIs (kmap_group.c): -1 when out of memory. */
int kmap_group_decode(kreq *kr, brook_request *req);
kval *kmap_group_encode(kreq *kr, brook_request *req);

/* Helpers shared by the mapping files. */
/* A NUL-terminated copy of a string value (NULL for null). */
const char *kmap_str(brook_request *req, const kval *v);
void kmap_set_str(kval *v, const char *s);
/* Allocate `count` rows of `nfields` for an array value; -1 out of memory. */
int kmap_rows(brook_request *req, kval *v, size_t count, size_t nfields);
/* Element k of a struct array of width n. */
#define ROW(v, k, n) ((v)->items + (size_t)(k) * (n))
#define COUNT_OF(v)  ((v)->len > 0 ? (size_t)(v)->len : 0)

/* brook_err -> Kafka error code; `cluster` picks the cluster flavour of
 * authorization failures. */
int16_t kmap_error(brook_err e, int cluster);

#endif
