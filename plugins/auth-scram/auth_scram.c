/* auth-scram: SASL SCRAM-SHA-256 and SCRAM-SHA-512 (scram.h) against the
 * credentials file `brookctl users add` writes (StoredKey and ServerKey per
 * user; never the password), read at each authentication. Nonces come from
 * OpenSSL's CSPRNG. A success makes the principal "User:<name>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include <brook/auth.h>
#include <brook/plugin.h>

#include "credentials.h"
#include "credentials_option.h"
#include "scram.h"

typedef struct session {
    cred_plugin *p;
    const brook_peer *peer;
    scram s;
    char principal[168];
} session;

static const brook_option options[] = {
    CRED_OPTION,
    BROOK_OPTION_END,
};

static const char *const mechanisms[] = {"SCRAM-SHA-256", "SCRAM-SHA-512", NULL};

static int lookup(void *ctx, const char *user, int sha512, scram_credential *cred)
{
    cred_plugin *p = ctx;
    cred_field f[3];
    int iterations;
    int rc = cred_find(p->file, user, sha512 ? "scram-sha-512" : "scram-sha-256", &iterations, f, 3);
    if (rc < 0)
        p->host->log(p->host, BROOK_LOG_ERROR, "credentials: cannot read \"%s\"", p->file);
    size_t kl = sha512 ? 64 : 32;
    if (rc != 1 || iterations < 4096 || f[1].len != (int)kl || f[2].len != (int)kl)
        return 0;
    memcpy(cred->salt, f[0].data, (size_t)f[0].len);
    cred->salt_len = (size_t)f[0].len;
    cred->iterations = iterations;
    memcpy(cred->stored_key, f[1].data, kl);
    memcpy(cred->server_key, f[2].data, kl);
    return 1;
}

/* Printable nonce characters from the CSPRNG (no ','). */
static int random_nonce(char *out, size_t len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char raw[64];
    if (len > sizeof raw || RAND_bytes(raw, (int)len) != 1)
        return -1;
    for (size_t i = 0; i < len; i++)
        out[i] = alphabet[raw[i] & 63];
    return 0;
}

static brook_err open_session(void *state, const char *mechanism, const brook_peer *peer, void **out)
{
    int sha512 = strcmp(mechanism, "SCRAM-SHA-512") == 0;
    if (!sha512 && strcmp(mechanism, "SCRAM-SHA-256") != 0)
        return BROOK_ERR_UNSUPPORTED;
    session *s = calloc(1, sizeof *s);
    if (!s)
        return BROOK_ERR_NOMEM;
    s->p = state;
    s->peer = peer;
    s->s.sha512 = sha512;
    *out = s;
    return BROOK_OK;
}

static brook_err step(void *sess, const uint8_t *in, size_t in_len, const uint8_t **out, size_t *out_len,
                      brook_auth_step *st)
{
    session *s = sess;
    const brook_host *host = s->p->host;
    const char *why = NULL;
    int rc = scram_step(&s->s, (const char *)in, in_len, lookup, s->p, random_nonce, &why);
    if (rc == -1) {
        host->log(host, BROOK_LOG_WARN, "SCRAM from %s: %s", s->peer->address, why ? why : "malformed message");
        return BROOK_ERR_INVALID;
    }
    if (rc == -2) {
        host->log(host, BROOK_LOG_WARN, "SCRAM from %s: authentication failed for User:%s", s->peer->address,
                  s->s.user);
        return BROOK_ERR_AUTH;
    }
    *out = (const uint8_t *)s->s.reply;
    *out_len = strlen(s->s.reply);
    if (s->s.state == SCRAM_DONE) {
        snprintf(s->principal, sizeof s->principal, "User:%s", s->s.user);
        *st = BROOK_AUTH_DONE;
    } else {
        *st = BROOK_AUTH_CONTINUE;
    }
    return BROOK_OK;
}

static const char *principal(void *sess)
{
    return ((session *)sess)->principal;
}

static void close_session(void *sess)
{
    free(sess);
}

static const brook_auth_ops ops = {
    .mechanisms = mechanisms,
    .session_open = open_session,
    .session_step = step,
    .session_principal = principal,
    .session_close = close_session,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_AUTH, brook_auth_ops, ops, .name = "scram", .version = "1.0.0",
                        .description = "SASL SCRAM-SHA-256 and SCRAM-SHA-512 against stored keys", .options = options,
                        .init = cred_plugin_init, .fini = cred_plugin_fini, .validate = cred_plugin_validate);
