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
} kreq;

void *kmap_alloc(void *ctx, size_t size); /* ctx: the brook_request */

/* Map a decoded body into `req`; 0, or -1 with *why. */
int kmap_decode(kreq *kr, brook_request *req, const char **why);

/* Build the response body for `req` (allocated in its arena). */
kval *kmap_encode(kreq *kr, brook_request *req);

/* brook_err -> Kafka error code; `cluster` picks the cluster flavour of
 * authorization failures. */
int16_t kmap_error(brook_err e, int cluster);

#endif
