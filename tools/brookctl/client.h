/* A blocking client for Brook's native protocol (docs/native-protocol.md):
 * one request at a time, msgpack maps framed by a 4-byte length. */
#ifndef BROOKCTL_CLIENT_H
#define BROOKCTL_CLIENT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ssl_st SSL;

typedef struct client {
    int fd;
    SSL *ssl; /* NULL: plain TCP */
    char address[256];
    int timeout_ms;
    uint64_t next_id;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    uint8_t *body;
    msgpack_unpacked resp;
} client;

/* How every later client_connect secures its connection (NULL fields:
 * not used). */
typedef struct client_security {
    const char *user, *password; /* SASL when user is set */
    const char *mechanism;       /* PLAIN (default), SCRAM-SHA-256 or SCRAM-SHA-512 */
    int tls;                     /* TLS, the broker's certificate checked against tls_ca (else the system's CAs) */
    const char *tls_ca, *tls_cert, *tls_key;
} client_security;

void client_set_security(const client_security *s);

/* Connect to "host:port" within timeout_ms, with TLS and SASL as set;
 * prints the reason on failure. */
int client_connect(client *c, const char *address, int timeout_ms);
/* Only the TCP connection (for looking at what a listener speaks). */
int client_tcp_connect(client *c, const char *address, int timeout_ms);
void client_close(client *c);

/* The transport under the protocol (client_tls.c): the whole buffer or -1. */
int client_write(client *c, const void *data, size_t len);
int client_read(client *c, void *data, size_t len);
/* Start TLS on the connected c->fd for `host`; -1 after printing why. */
int client_tls_start(client *c, const char *host, const client_security *s);
void client_tls_close(client *c);

/* SASL on a connected client (client_auth.c); -1 after printing why. */
int client_authenticate(client *c, const client_security *s);

/* The broker at c->address closed the connection before answering: say
 * why, if a second look tells (client_diagnose.c): a Kafka listener, a
 * TLS one reached without --tls, one that wants SASL credentials. */
void client_diagnose_close(const client *c, const client_security *s);

/* Start a request: packs the map header for `fields` extra fields plus
 * "id" and "op". Then pack the fields with c->pk and call client_call. */
void client_begin(client *c, const char *op, size_t fields);

/* Send the request begun with client_begin (no answer awaited); -1 on failure. */
int client_send(client *c);

/* Send the request and wait for its response. Returns the response map
 * (valid until the next call), or NULL after printing why (connection
 * lost, malformed response). Broker errors are returned, not printed:
 * check them with client_error. */
const msgpack_object *client_call(client *c);

/* The response's error code (0 = ok), with its message in *message. */
int64_t client_error(const msgpack_object *resp, const char **message, size_t *message_len);

/* Field access on a msgpack map. */
const msgpack_object *map_get(const msgpack_object *map, const char *key);
int64_t map_int(const msgpack_object *map, const char *key, int64_t def);

/* Helpers for packing. */
void pack_str(msgpack_packer *pk, const char *s);
void pack_kv_str(msgpack_packer *pk, const char *key, const char *value);
void pack_kv_int(msgpack_packer *pk, const char *key, int64_t value);

#endif
