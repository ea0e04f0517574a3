/* A connection from this broker to another broker's inter-broker listener
 * (the native protocol, over TLS with this broker's certificate when the
 * inter-broker listener has TLS), on the event loop: requests go out pipelined,
 * each answered in order through its callback with the decoded response
 * map. When the link fails (refused, reset, a frame that does not parse,
 * no answer within the request's timeout) every request still in flight is
 * answered with BROOK_ERR_IO and the link stays broken: its owner frees it
 * and makes a new one after a pause. */
#ifndef BROOK_CORE_PEER_LINK_H
#define BROOK_CORE_PEER_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include <brook/errors.h>

#include "loop.h"

typedef struct brook_peer_link brook_peer_link;
struct brook_tls_client;

/* The response map (valid during the call only), or NULL with `err`. */
typedef void (*brook_peer_answer)(void *arg, brook_err err, const msgpack_object *response);

/* Connect (asynchronously) to host:port, through TLS when `tls` is not
 * NULL (the other broker's certificate must chain to its CA and name
 * `host`); `max_frame` bounds a response. */
brook_err brook_peer_link_new(brook_loop *loop, const char *host, int32_t port, size_t max_frame,
                              struct brook_tls_client *tls, brook_peer_link **out);
/* Drop the connection; requests in flight are answered with BROOK_ERR_SHUTDOWN. */
void brook_peer_link_free(brook_peer_link *l);
int brook_peer_link_broken(const brook_peer_link *l);
/* Log this link's connecting and failing at debug level only: its owner
 * reports a run of failures itself. */
void brook_peer_link_quiet(brook_peer_link *l);
/* Why the link failed ("" while it has not). */
const char *brook_peer_link_why(const brook_peer_link *l);

/* A request: begin gives a packer positioned after "id" and "op", for
 * `fields` more key/value pairs; end sends it. `timeout_ms` bounds the
 * wait for its answer (then the link is taken for broken). */
msgpack_packer *brook_peer_request_begin(brook_peer_link *l, const char *op, uint32_t fields);
brook_err brook_peer_request_end(brook_peer_link *l, int64_t timeout_ms, brook_peer_answer answer, void *arg);

/* Look up a key of a response map (NULL when absent). */
const msgpack_object *brook_peer_field(const msgpack_object *map, const char *key);
int64_t brook_peer_int(const msgpack_object *map, const char *key, int64_t def);

#endif
