/* A blocking client for Brook's native protocol (docs/native-protocol.md):
 * one request at a time, msgpack maps framed by a 4-byte length. */
#ifndef BROOKCTL_CLIENT_H
#define BROOKCTL_CLIENT_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

typedef struct client {
    int fd;
    char address[256];
    uint64_t next_id;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    uint8_t *body;
    msgpack_unpacked resp;
} client;

/* Credentials every later client_connect authenticates with (SASL PLAIN);
 * NULL user: none. */
void client_set_credentials(const char *user, const char *password);

/* Connect to "host:port" within timeout_ms, and authenticate when
 * credentials are set; prints the reason on failure. */
int client_connect(client *c, const char *address, int timeout_ms);
void client_close(client *c);

/* Start a request: packs the map header for `fields` extra fields plus
 * "id" and "op". Then pack the fields with c->pk and call client_call. */
void client_begin(client *c, const char *op, size_t fields);

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
