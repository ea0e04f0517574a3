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

#include "credentials.h"
#include "credentials_option.h"

typedef struct session session;

/* One password check: parsed on the loop, run on an I/O thread by
 * step_async (PBKDF2 is too slow for the loop), or inline by step. */
typedef struct check {
    session *s;
    char user[160];
    char password[512];
    const char *file;
    int result; /* cred_check_plain's */
    char err[512];
    brook_auth_step_done done;
    void *done_arg;
} check;

struct session {
    cred_plugin *p;
    const brook_peer *peer;
    char principal[168]; /* "User:" + a name of at most 128 */
    check *pending;      /* the outstanding async step, if any */
    int closed;          /* session_close came while `pending` */
};

static const brook_option options[] = {
    CRED_OPTION,
    BROOK_OPTION_END,
};

static const char *const mechanisms[] = {"PLAIN", NULL};

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

/* [authzid] NUL authcid NUL passwd (RFC 4616: exactly two NULs, the
 * password non-empty and last): the names and the password, or
 * BROOK_ERR_INVALID (logged). */
static brook_err parse_token(session *s, const uint8_t *in, size_t in_len, check *out)
{
    char buf[1024];
    if (in_len >= sizeof buf)
        return BROOK_ERR_INVALID;
    memcpy(buf, in, in_len);
    buf[in_len] = 0;
    const char *authzid = buf;
    const char *user = memchr(buf, 0, in_len) ? buf + strlen(buf) + 1 : NULL;
    const char *password = user && user < buf + in_len ? user + strlen(user) + 1 : NULL;
    brook_err e = BROOK_OK;
    if (!password || password >= buf + in_len || password + strlen(password) != buf + in_len ||
        !cred_valid_user(user) || (*authzid && strcmp(authzid, user) != 0) ||
        strlen(password) >= sizeof out->password) {
        const brook_host *host = s->p->host;
        host->log(host, BROOK_LOG_WARN, "PLAIN from %s: malformed token or authorization id", s->peer->address);
        e = BROOK_ERR_INVALID;
    } else {
        snprintf(out->user, sizeof out->user, "%s", user);
        snprintf(out->password, sizeof out->password, "%s", password);
        out->file = s->p->file;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    return e;
}

/* Reads the file and hashes: the slow part (PBKDF2, 20,000 rounds). */
static void run_check(void *arg)
{
    check *k = arg;
    k->result = cred_check_plain(k->file, k->user, k->password, k->err, sizeof k->err);
    OPENSSL_cleanse(k->password, sizeof k->password);
}

/* The check's verdict into the session: BROOK_OK with the principal set,
 * or BROOK_ERR_AUTH (logged, without the password). */
static brook_err conclude(session *s, const check *k)
{
    const brook_host *host = s->p->host;
    if (k->result < 0)
        host->log(host, BROOK_LOG_ERROR, "%s", k->err);
    if (k->result != 1) {
        host->log(host, BROOK_LOG_WARN, "PLAIN from %s: authentication failed for User:%s", s->peer->address, k->user);
        return BROOK_ERR_AUTH;
    }
    snprintf(s->principal, sizeof s->principal, "User:%s", k->user);
    return BROOK_OK;
}

static brook_err step(void *sess, const uint8_t *in, size_t in_len, const uint8_t **out, size_t *out_len,
                      brook_auth_step *st)
{
    session *s = sess;
    *out = NULL;
    *out_len = 0;
    check k;
    brook_err e = parse_token(s, in, in_len, &k);
    if (e)
        return e;
    run_check(&k);
    e = conclude(s, &k);
    if (!e)
        *st = BROOK_AUTH_DONE;
    return e;
}

/* Back on the loop. A session closed meanwhile still answers (the broker
 * ignores it) and is freed now. Nothing touches the session after `done`:
 * a failed step makes the broker close it. */
static void checked(void *arg)
{
    check *k = arg;
    session *s = k->s;
    brook_auth_step_done done = k->done;
    void *done_arg = k->done_arg;
    s->pending = NULL;
    brook_err e = BROOK_ERR_AUTH;
    if (s->closed)
        free(s);
    else
        e = conclude(s, k);
    OPENSSL_cleanse(k, sizeof *k);
    free(k);
    done(done_arg, e, NULL, 0, e ? BROOK_AUTH_CONTINUE : BROOK_AUTH_DONE);
}

static void step_async(void *sess, const uint8_t *in, size_t in_len, brook_auth_step_done done, void *done_arg)
{
    session *s = sess;
    check *k = calloc(1, sizeof *k);
    brook_err e = k ? parse_token(s, in, in_len, k) : BROOK_ERR_NOMEM;
    if (e) {
        free(k);
        done(done_arg, e, NULL, 0, BROOK_AUTH_CONTINUE);
        return;
    }
    k->s = s;
    k->done = done;
    k->done_arg = done_arg;
    s->pending = k;
    const brook_host *host = s->p->host;
    if (host->run_blocking(host, run_check, checked, k)) { /* no I/O thread took it: check here */
        run_check(k);
        checked(k);
    }
}

static const char *principal(void *sess)
{
    return ((session *)sess)->principal;
}

static void close_session(void *sess)
{
    session *s = sess;
    if (s->pending)
        s->closed = 1; /* `checked` frees it */
    else
        free(s);
}

static const brook_auth_ops ops = {
    .mechanisms = mechanisms,
    .session_open = open_session,
    .session_step = step,
    .session_principal = principal,
    .session_close = close_session,
    .session_step_async = step_async,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_AUTH, brook_auth_ops, ops, .name = "plain", .version = "1.0.0",
                        .description = "SASL PLAIN against a file of salted PBKDF2 hashes", .options = options,
                        .init = cred_plugin_init, .fini = cred_plugin_fini, .validate = cred_plugin_validate);
