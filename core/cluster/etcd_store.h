/* The metadata store (metastore.h) on etcd, through its v3 JSON gateway
 * and the loop's HTTP client: no threads, no gRPC. */
#ifndef BROOK_CORE_ETCD_STORE_H
#define BROOK_CORE_ETCD_STORE_H

#include "http_client.h"
#include "loop.h"
#include "metastore.h"

/* A store talking to `endpoints`, comma-separated client URLs of one etcd
 * cluster ("http://10.0.0.1:2379,http://10.0.0.2:2379"). Requests go to one
 * of them; when it fails, later requests go to the next, and a request that
 * could not even connect is sent to the next at once (nothing was sent, so
 * it cannot have been applied twice). https:// endpoints use `tls` (NULL:
 * libcurl's defaults). Nothing is sent until the first call. */
brook_err brook_etcd_store_new(brook_loop *loop, const char *endpoints, const brook_http_tls *tls,
                               brook_metastore **out);

#endif
