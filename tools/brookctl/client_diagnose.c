/* Why did the broker close the connection before answering? A second,
 * short look on fresh connections tells the common mistakes apart: a
 * Kafka listener (it answers Kafka's ApiVersions), a TLS one reached in
 * the clear (it completes a TLS handshake), one that wants SASL first (it
 * answers sasl_handshake). Each probe is bounded by the timeout. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <openssl/ssl.h>

#include "client.h"

static int probe_connect(client *p, const client *c)
{
    if (client_tcp_connect(p, c->address, c->timeout_ms))
        return -1;
    struct timeval tv = {.tv_sec = c->timeout_ms / 1000, .tv_usec = (c->timeout_ms % 1000) * 1000};
    setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return 0;
}

/* Kafka's ApiVersions v0, correlation id "brok": does the answer carry it? */
static int speaks_kafka(const client *c)
{
    static const unsigned char request[] = {0,   0, 0, 18,  0,   18,  0,   0,   'b', 'r', 'o',
                                            'k', 0, 8, 'b', 'r', 'o', 'o', 'k', 'c', 't', 'l'};
    client p;
    unsigned char head[8];
    int yes = probe_connect(&p, c) == 0 && client_write(&p, request, sizeof request) == 0 &&
              client_read(&p, head, sizeof head) == 0 && memcmp(head + 4, "brok", 4) == 0;
    client_close(&p);
    return yes;
}

/* Does it complete a TLS handshake (whoever signed its certificate)? */
static int speaks_tls(const client *c)
{
    client p;
    int yes = 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx && probe_connect(&p, c) == 0) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        SSL *ssl = SSL_new(ctx);
        if (ssl) {
            SSL_set_fd(ssl, p.fd);
            yes = SSL_connect(ssl) == 1;
            SSL_free(ssl);
        }
    }
    SSL_CTX_free(ctx);
    client_close(&p);
    return yes;
}

/* Does it answer a native sasl_handshake (so it wants SASL before anything)? */
static int wants_sasl(const client *c, const client_security *s)
{
    client p;
    int yes = 0;
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(c->address, ':') - c->address), c->address);
    if (probe_connect(&p, c) == 0 && (!s->tls || client_tls_start(&p, host, s) == 0)) {
        client_begin(&p, "sasl_handshake", 1);
        pack_kv_str(&p.pk, "mechanism", "PLAIN");
        unsigned char len[4];
        yes = client_send(&p) == 0 && client_read(&p, len, 4) == 0;
    }
    client_close(&p);
    return yes;
}

void client_diagnose_close(const client *c, const client_security *s)
{
    const char *why = NULL;
    if (!c->ssl && speaks_kafka(c))
        why = "this is a Kafka listener; brookctl speaks the native protocol (default port 9093)";
    else if (!c->ssl && speaks_tls(c))
        why = "this listener speaks TLS: give --tls (and --tls-ca FILE unless the system trusts its certificate)";
    else if (!s->user && wants_sasl(c, s))
        why = "authentication required (--user/--password, or $BROOK_USER/$BROOK_PASSWORD)";
    if (why)
        fprintf(stderr, "brookctl: %s: %s\n", c->address, why);
    else
        fprintf(stderr, "brookctl: the broker at %s closed the connection (see its log)\n", c->address);
}
