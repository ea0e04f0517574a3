/* The metadata store (metastore.h) on etcd, through its v3 JSON gateway
 * and the loop's HTTP client: no threads, no gRPC. */
#ifndef BROOK_CORE_ETCD_STORE_H
#define BROOK_CORE_ETCD_STORE_H

#include "loop.h"
#include "metastore.h"

/* A store talking to `endpoint` ("http://127.0.0.1:2379"). Nothing is sent
 * until the first call. */
brook_err brook_etcd_store_new(brook_loop *loop, const char *endpoint, brook_metastore **out);

#endif
