/* auth-plain: SASL PLAIN (RFC 4616) against a credentials file of salted
 * PBKDF2 hashes (credentials.h), which `brookctl users` edits. The file is
 * read at each authentication. PLAIN sends the password itself: use it on
 * TLS listeners. A success makes the principal "User:<name>". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include <brook/auth.h>
#include <brook/plugin.h>

#include "../credentials/credentials.h"
#include "../credentials/credentials_option.h"

typedef struct plain {
    const brook_host *host;
    const char *file;
} plain;

typedef struct session {
    plain *p;
    const brook_peer *peer;
    char principal[168]; /* "User:" + a name of at most 128 */
} session;

static const brook_option options[] = {
    CRED_OPTION,
    {NULL, 0, NULL, NULL},
};

static const char *const mechanisms[] = {"PLAIN", NULL};

static brook_err plain_init(const brook_host *host, void **state)
{
    plain *p = calloc(1, sizeof *p);
    if (!p)
        return BROOK_ERR_NOMEM;
    p->host = host;
    if (cred_option_read(host, &p->file)) {
        free(p);
        return BROOK_ERR_INVALID;
    }
    *state = p;
    return BROOK_OK;
}

static void plain_fini(void *state)
{
    free(state);
}

static brook_err open_session(void *state, const char *mechanism, const brook_peer *peer, void **out)
{
    if (strcmp(mechanism, "PLAIN") != 0)
        return BROOK_ERR_UNSUPPORTED;
    session *s = calloc(1, sizeof *s);
    if (!s)
        return BROOK_ERR_NOMEM;
    s->p = state;
    s->peer = peer;
    *out = s;
    return BROOK_OK;
}

/* [authzid] NUL authcid NUL passwd */
static brook_err step(void *sess, const uint8_t *in, size_t in_len, const uint8_t **out, size_t *out_len,
                      brook_auth_step *st)
{
    session *s = sess;
    const brook_host *host = s->p->host;
    *out = NULL;
    *out_len = 0;
    char buf[1024];
    if (in_len >= sizeof buf)
        return BROOK_ERR_INVALID;
    memcpy(buf, in, in_len);
    buf[in_len] = 0;
    const char *authzid = buf;
    const char *user = memchr(buf, 0, in_len) ? buf + strlen(buf) + 1 : NULL;
    if (!user || user >= buf + in_len)
        return BROOK_ERR_INVALID;
    const char *password = user + strlen(user) + 1;
    if (password > buf + in_len || !cred_valid_user(user) || (*authzid && strcmp(authzid, user) != 0)) {
        OPENSSL_cleanse(buf, sizeof buf);
        host->log(host, BROOK_LOG_WARN, "PLAIN from %s: malformed token or authorization id", s->peer->address);
        return BROOK_ERR_INVALID;
    }
    char err[512], name[160];
    snprintf(name, sizeof name, "%s", user);
    int ok = cred_check_plain(s->p->file, user, password, err, sizeof err);
    OPENSSL_cleanse(buf, sizeof buf); /* the password goes; the name stays in `name` */
    user = name;
    if (ok < 0)
        host->log(host, BROOK_LOG_ERROR, "%s", err);
    if (ok != 1) {
        host->log(host, BROOK_LOG_WARN, "PLAIN from %s: authentication failed for User:%s", s->peer->address, user);
        return BROOK_ERR_AUTH;
    }
    snprintf(s->principal, sizeof s->principal, "User:%s", user);
    *st = BROOK_AUTH_DONE;
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

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_AUTH, brook_auth_ops, ops, "plain", "1.0.0",
                        "SASL PLAIN against a file of salted PBKDF2 hashes", options, plain_init, plain_fini);
