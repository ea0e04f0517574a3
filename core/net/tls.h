/* TLS for listeners (OpenSSL 3): one server context per TLS listener
 * (certificate, key, optional CA for client certificates, minimum version,
 * ciphers) and one non-blocking session per connection. The connection
 * code (conn.c) drives the handshake from the event loop and then reads
 * and writes through it; file slices are read into memory first, since
 * sendfile cannot encrypt.
 *
 * A broker also connects to the others' inter-broker listeners with a
 * client context made from its own inter-broker listener's settings: the
 * same certificate and key (presented as its client certificate), the same
 * CA (which the other broker's certificate must chain to, naming the
 * address it was reached at). */
#ifndef BROOK_CORE_TLS_H
#define BROOK_CORE_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include <brook/errors.h>

#include "config.h"

typedef struct brook_tls_server brook_tls_server;
typedef struct brook_tls_client brook_tls_client;
typedef struct brook_tls_conn brook_tls_conn;

/* Load the listener's certificate and key (and CA); a clear error in `err`
 * (naming the file and OpenSSL's reason) when they do not load or match. */
brook_err brook_tls_server_new(const brook_tls_conf *conf, brook_tls_server **out, char *err, size_t errlen);
void brook_tls_server_free(brook_tls_server *s);

/* The client side (peer links): `conf` must name a CA. */
brook_err brook_tls_client_new(const brook_tls_conf *conf, brook_tls_client **out, char *err, size_t errlen);
void brook_tls_client_free(brook_tls_client *c);

/* A session accepted on `fd` (server side). */
brook_err brook_tls_conn_new(brook_tls_server *s, int fd, brook_tls_conn **out);
/* A session connecting on `fd` to `host` (an IP address or a DNS name,
 * which the server's certificate must name). */
brook_err brook_tls_conn_connect(brook_tls_client *c, int fd, const char *host, brook_tls_conn **out);
void brook_tls_conn_free(brook_tls_conn *t);

/* Results of the handshake that cannot finish now. */
enum { BROOK_TLS_WANT_READ = -2, BROOK_TLS_WANT_WRITE = -3 };

/* Advance the handshake: 1 done, BROOK_TLS_WANT_*, or -1 failed with the
 * reason in `why`. */
int brook_tls_handshake(brook_tls_conn *t, char *why, size_t whylen);

/* Like read(2)/write(2): bytes moved, 0 at the peer's close (read), or -1
 * with errno EAGAIN when OpenSSL needs the socket readable or writable
 * first (*wants_write, when given, set to 1 for writable: a read can need
 * to write), EPIPE for a write after the peer's close, EPROTO for a TLS
 * failure (brook_tls_error says why). A write that could not finish must
 * be repeated with the same bytes. */
ssize_t brook_tls_read(brook_tls_conn *t, void *buf, size_t len, int *wants_write);
ssize_t brook_tls_write(brook_tls_conn *t, const void *buf, size_t len, int *wants_write);

/* Decrypted bytes OpenSSL holds that a read would return without the
 * socket becoming readable again. */
int brook_tls_pending(brook_tls_conn *t);

/* Why the last read or write that returned -1 failed (OpenSSL's reason:
 * an alert from the other end, say). */
const char *brook_tls_error(const brook_tls_conn *t);

/* The verified client certificate's subject ("CN=alice,O=..."), or NULL. */
const char *brook_tls_peer_subject(brook_tls_conn *t, char *out, size_t outlen);

#endif
