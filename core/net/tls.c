#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct brook_tls_server {
    SSL_CTX *ctx;
};

struct brook_tls_client {
    SSL_CTX *ctx;
};

struct brook_tls_conn {
    SSL *ssl;
    int client;       /* this end connected: the certificate checked is the server's */
    char reason[256]; /* why the last read or write failed */
};

/* OpenSSL's most recent reason, cleared. */
static const char *ssl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    if (!e) {
        snprintf(buf, len, "unknown reason");
    } else {
        ERR_error_string_n(e, buf, len);
    }
    ERR_clear_error();
    return buf;
}

static brook_err fail(SSL_CTX *ctx, char *err, size_t errlen, const char *what, const char *path)
{
    char reason[256];
    snprintf(err, errlen, "%s %s: %s", what, path ? path : "", ssl_reason(reason, sizeof reason));
    SSL_CTX_free(ctx);
    return BROOK_ERR_INVALID;
}

/* A context with the listener's versions, ciphers, certificate and key. */
static brook_err context_new(const SSL_METHOD *method, const brook_tls_conf *conf, SSL_CTX **out, char *err,
                             size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (!ctx)
        return fail(NULL, err, errlen, "cannot create a TLS context", NULL);
    int min = strcmp(conf->min_version, "1.3") == 0 ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(ctx, min);
    /* no renegotiation: a read never has to write and the other way round */
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (conf->ciphers && *conf->ciphers && SSL_CTX_set_cipher_list(ctx, conf->ciphers) != 1)
        return fail(ctx, err, errlen, "bad cipher list", conf->ciphers);
    if (SSL_CTX_use_certificate_chain_file(ctx, conf->cert) != 1)
        return fail(ctx, err, errlen, "cannot load certificate", conf->cert);
    if (SSL_CTX_use_PrivateKey_file(ctx, conf->key, SSL_FILETYPE_PEM) != 1)
        return fail(ctx, err, errlen, "cannot load private key", conf->key);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return fail(ctx, err, errlen, "the private key does not match the certificate", conf->key);
    *out = ctx;
    return BROOK_OK;
}

brook_err brook_tls_server_new(const brook_tls_conf *conf, brook_tls_server **out, char *err, size_t errlen)
{
    SSL_CTX *ctx;
    brook_err e = context_new(TLS_server_method(), conf, &ctx, err, errlen);
    if (e)
        return e;
    if (conf->ca && *conf->ca) {
        if (SSL_CTX_load_verify_locations(ctx, conf->ca, NULL) != 1)
            return fail(ctx, err, errlen, "cannot load CA certificates", conf->ca);
        int mode = SSL_VERIFY_PEER;
        if (strcmp(conf->client_auth, "required") == 0)
            mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        if (strcmp(conf->client_auth, "none") != 0)
            SSL_CTX_set_verify(ctx, mode, NULL);
    }
    brook_tls_server *s = calloc(1, sizeof *s);
    if (!s) {
        SSL_CTX_free(ctx);
        return BROOK_ERR_NOMEM;
    }
    s->ctx = ctx;
    *out = s;
    return BROOK_OK;
}

void brook_tls_server_free(brook_tls_server *s)
{
    if (!s)
        return;
    SSL_CTX_free(s->ctx);
    free(s);
}

brook_err brook_tls_client_new(const brook_tls_conf *conf, brook_tls_client **out, char *err, size_t errlen)
{
    SSL_CTX *ctx;
    brook_err e = context_new(TLS_client_method(), conf, &ctx, err, errlen);
    if (e)
        return e;
    if (!conf->ca || !*conf->ca || SSL_CTX_load_verify_locations(ctx, conf->ca, NULL) != 1)
        return fail(ctx, err, errlen, "cannot load CA certificates", conf->ca);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    brook_tls_client *c = calloc(1, sizeof *c);
    if (!c) {
        SSL_CTX_free(ctx);
        return BROOK_ERR_NOMEM;
    }
    c->ctx = ctx;
    *out = c;
    return BROOK_OK;
}

void brook_tls_client_free(brook_tls_client *c)
{
    if (!c)
        return;
    SSL_CTX_free(c->ctx);
    free(c);
}

static brook_err conn_new(SSL_CTX *ctx, int fd, brook_tls_conn **out)
{
    brook_tls_conn *t = calloc(1, sizeof *t);
    if (!t)
        return BROOK_ERR_NOMEM;
    if (!(t->ssl = SSL_new(ctx)) || SSL_set_fd(t->ssl, fd) != 1) {
        brook_tls_conn_free(t);
        ERR_clear_error();
        return BROOK_ERR_NOMEM;
    }
    *out = t;
    return BROOK_OK;
}

brook_err brook_tls_conn_new(brook_tls_server *s, int fd, brook_tls_conn **out)
{
    brook_err e = conn_new(s->ctx, fd, out);
    if (!e)
        SSL_set_accept_state((*out)->ssl);
    return e;
}

brook_err brook_tls_conn_connect(brook_tls_client *c, int fd, const char *host, brook_tls_conn **out)
{
    brook_err e = conn_new(c->ctx, fd, out);
    if (e)
        return e;
    brook_tls_conn *t = *out;
    t->client = 1;
    SSL_set_connect_state(t->ssl);
    /* the server's certificate must name the address it was reached at:
     * an IP address among its IP names, a host name among its DNS names */
    X509_VERIFY_PARAM *param = SSL_get0_param(t->ssl);
    int named = X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1;
    if (!named) {
        ERR_clear_error();
        named = SSL_set1_host(t->ssl, host) == 1 && SSL_set_tlsext_host_name(t->ssl, host) == 1;
    }
    if (!named) {
        ERR_clear_error();
        brook_tls_conn_free(t);
        *out = NULL;
        return BROOK_ERR_INVALID;
    }
    return BROOK_OK;
}

void brook_tls_conn_free(brook_tls_conn *t)
{
    if (!t)
        return;
    if (t->ssl)
        SSL_free(t->ssl);
    free(t);
}

/* SSL_get_error -> our codes; -1 for a real failure. */
static int classify(brook_tls_conn *t, int rc)
{
    switch (SSL_get_error(t->ssl, rc)) {
    case SSL_ERROR_WANT_READ: return BROOK_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return BROOK_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return 0;
    default: return -1;
    }
}

int brook_tls_handshake(brook_tls_conn *t, char *why, size_t whylen)
{
    int rc = SSL_do_handshake(t->ssl);
    if (rc == 1)
        return 1;
    int c = classify(t, rc);
    if (c == BROOK_TLS_WANT_READ || c == BROOK_TLS_WANT_WRITE)
        return c;
    long verify = SSL_get_verify_result(t->ssl);
    if (verify != X509_V_OK)
        snprintf(why, whylen, "TLS handshake failed: %s certificate: %s", t->client ? "the server's" : "client",
                 X509_verify_cert_error_string(verify));
    else {
        char reason[256];
        snprintf(why, whylen, "TLS handshake failed: %s", ssl_reason(reason, sizeof reason));
    }
    ERR_clear_error();
    return -1;
}

/* A read or write that did not move bytes, as read(2)/write(2) would
 * say it; the reason of a failure kept. */
static ssize_t io_result(brook_tls_conn *t, int rc, int writing, int *wants_write)
{
    int c = classify(t, rc);
    if (c == -1)
        ssl_reason(t->reason, sizeof t->reason);
    ERR_clear_error();
    if (c == BROOK_TLS_WANT_READ || c == BROOK_TLS_WANT_WRITE) {
        if (wants_write && c == BROOK_TLS_WANT_WRITE)
            *wants_write = 1;
        errno = EAGAIN;
        return -1;
    }
    if (c == 0 && !writing)
        return 0; /* the peer's close */
    errno = c == 0 ? EPIPE : EPROTO;
    return -1;
}

ssize_t brook_tls_read(brook_tls_conn *t, void *buf, size_t len, int *wants_write)
{
    size_t n = 0;
    int rc = SSL_read_ex(t->ssl, buf, len, &n);
    return rc == 1 ? (ssize_t)n : io_result(t, rc, 0, wants_write);
}

ssize_t brook_tls_write(brook_tls_conn *t, const void *buf, size_t len, int *wants_write)
{
    size_t n = 0;
    int rc = SSL_write_ex(t->ssl, buf, len, &n);
    return rc == 1 ? (ssize_t)n : io_result(t, rc, 1, wants_write);
}

const char *brook_tls_error(const brook_tls_conn *t)
{
    return t->reason[0] ? t->reason : "unknown reason";
}

int brook_tls_pending(brook_tls_conn *t)
{
    return SSL_pending(t->ssl) > 0;
}

const char *brook_tls_peer_subject(brook_tls_conn *t, char *out, size_t outlen)
{
    X509 *cert = SSL_get1_peer_certificate(t->ssl);
    if (!cert)
        return NULL;
    const char *result = NULL;
    if (SSL_get_verify_result(t->ssl) == X509_V_OK) {
        BIO *bio = BIO_new(BIO_s_mem());
        if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
            int n = BIO_read(bio, out, (int)outlen - 1);
            if (n > 0) {
                out[n] = 0;
                result = out;
            }
        }
        BIO_free(bio);
    }
    X509_free(cert);
    return result;
}
