/* brookctl's transport: plain TCP, or TLS with the broker's certificate
 * checked (against --tls-ca, else the system's CAs; its name or address
 * against the host brookctl was pointed at) and, with --tls-cert and
 * --tls-key, a client certificate for mutual TLS. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "client.h"

int client_write(client *c, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n;
        if (c->ssl) {
            int w = SSL_write(c->ssl, p, len > 1 << 30 ? 1 << 30 : (int)len);
            n = w > 0 ? w : -1;
        } else {
            n = write(c->fd, p, len);
            if (n < 0 && errno == EINTR)
                continue;
        }
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int client_read(client *c, void *data, size_t len)
{
    char *p = data;
    while (len) {
        ssize_t n;
        if (c->ssl) {
            int r = SSL_read(c->ssl, p, len > 1 << 30 ? 1 << 30 : (int)len);
            n = r > 0 ? r : -1;
        } else {
            n = read(c->fd, p, len);
            if (n < 0 && errno == EINTR)
                continue;
        }
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* OpenSSL's reason for the last failure, as text. */
static const char *tls_reason(char *buf, size_t len)
{
    unsigned long e = ERR_get_error();
    if (!e)
        return "the connection closed during the handshake";
    ERR_error_string_n(e, buf, len);
    return buf;
}

static SSL_CTX *context(const client_security *s)
{
    char why[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int ok = s->tls_ca ? SSL_CTX_load_verify_locations(ctx, s->tls_ca, NULL) : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1)
        fprintf(stderr, "brookctl: cannot read the CA certificates %s: %s\n", s->tls_ca ? s->tls_ca : "(system)",
                tls_reason(why, sizeof why));
    if (ok == 1 && s->tls_cert &&
        (SSL_CTX_use_certificate_chain_file(ctx, s->tls_cert) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx, s->tls_key ? s->tls_key : s->tls_cert, SSL_FILETYPE_PEM) != 1 ||
         SSL_CTX_check_private_key(ctx) != 1)) {
        fprintf(stderr, "brookctl: cannot use the client certificate %s and key %s: %s\n", s->tls_cert,
                s->tls_key ? s->tls_key : s->tls_cert, tls_reason(why, sizeof why));
        ok = 0;
    }
    if (ok != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int client_tls_start(client *c, const char *host, const client_security *s)
{
    SSL_CTX *ctx = context(s);
    if (!ctx)
        return -1;
    c->ssl = SSL_new(ctx);
    SSL_CTX_free(ctx); /* the SSL holds its own reference */
    if (!c->ssl)
        return -1;
    unsigned char addr[16];
    int is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
    X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
    if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, host);
    } else {
        X509_VERIFY_PARAM_set1_host(param, host, 0);
        SSL_set_tlsext_host_name(c->ssl, host);
    }
    SSL_set_fd(c->ssl, c->fd);
    if (SSL_connect(c->ssl) != 1) {
        char why[256];
        long verify = SSL_get_verify_result(c->ssl);
        fprintf(stderr, "brookctl: TLS with %s failed: %s\n", c->address,
                verify != X509_V_OK ? X509_verify_cert_error_string(verify) : tls_reason(why, sizeof why));
        return -1;
    }
    return 0;
}

void client_tls_close(client *c)
{
    if (!c->ssl)
        return;
    SSL_shutdown(c->ssl);
    SSL_free(c->ssl);
    c->ssl = NULL;
}
