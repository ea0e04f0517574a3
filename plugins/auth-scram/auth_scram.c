/* auth-scram: SASL SCRAM-SHA-256 and SCRAM-SHA-512 (scram.h) against the
 * credentials file `brookctl users add` writes (StoredKey and ServerKey per
 * user; never the password), held in memory and read again whenever it
 * changed (cred_index.h: a login costs a hash probe, not a scan), and changed
 * over the protocol (Kafka's SCRAM user APIs: the client sends the salted
 * password, from which the keys are derived here). Nonces come from
 * OpenSSL's CSPRNG. A success makes the principal "User:<name>". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <brook/auth.h>
#include <brook/plugin.h>

#include "cred_index.h"
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
    int rc = cred_index_find(p->index, user, sha512 ? "scram-sha-512" : "scram-sha-256", &iterations, f, 3);
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

/* ---- administration (Kafka's SCRAM user APIs): the credentials file ------------- */

static const char *scheme_of(brook_scram_mechanism m)
{
    return m == BROOK_SCRAM_SHA_512 ? "scram-sha-512" : "scram-sha-256";
}

typedef struct list_walk {
    const char *user; /* NULL: every user */
    brook_scram_each each;
    void *arg;
    int found;
} list_walk;

static int list_line(void *arg, const char *user, const char *scheme, int iterations)
{
    list_walk *w = arg;
    brook_scram_mechanism m = strcmp(scheme, "scram-sha-256") == 0   ? BROOK_SCRAM_SHA_256
                              : strcmp(scheme, "scram-sha-512") == 0 ? BROOK_SCRAM_SHA_512
                                                                     : 0;
    /* the counts lookup() would take (cred_parse_line's) */
    if (m && (!w->user || strcmp(w->user, user) == 0) && iterations >= 1000 && iterations <= 10000000) {
        w->each(w->arg, user, m, iterations);
        w->found = 1;
    }
    return 0;
}

static brook_err scram_list(void *state, const char *user, brook_scram_each each, void *arg)
{
    cred_plugin *p = state;
    list_walk w = {.user = user, .each = each, .arg = arg};
    if (cred_each(p->file, list_line, &w) < 0 && errno != ENOENT)
        p->host->log(p->host, BROOK_LOG_ERROR, "credentials: cannot read \"%s\"", p->file);
    return user && !w.found ? BROOK_ERR_NOT_FOUND : BROOK_OK;
}

/* Why `user`'s credential cannot be kept in the file, or NULL. */
static const char *unkeepable(const char *user, size_t salt_len)
{
    if (!cred_valid_user(user))
        return "a user name is 1-128 of A-Z a-z 0-9 . _ @ -";
    if (salt_len == 0 || salt_len > 48) /* at most 48 bytes fits a line's field */
        return "the salt is empty or longer than 48 bytes";
    return NULL;
}

#define LINE_MAX_LEN 400

/* The file's line for `user`'s credential `c` for `mechanism`. */
static void credential_line(const char *user, brook_scram_mechanism mechanism, const scram_credential *c,
                            char line[LINE_MAX_LEN])
{
    size_t kl = mechanism == BROOK_SCRAM_SHA_512 ? 64 : 32;
    char salt64[72], stored64[96], server64[96];
    cred_base64(c->salt, c->salt_len, salt64);
    cred_base64(c->stored_key, kl, stored64);
    cred_base64(c->server_key, kl, server64);
    snprintf(line, LINE_MAX_LEN, "%s %s %d %s %s %s", user, scheme_of(mechanism), c->iterations, salt64, stored64,
             server64);
}

/* `user`'s line for `mechanism` in the file replaced by one holding `c`. */
static brook_err write_keys(cred_plugin *p, const char *user, brook_scram_mechanism mechanism,
                            const scram_credential *c)
{
    char line[LINE_MAX_LEN];
    credential_line(user, mechanism, c, line);
    int rc = cred_replace_scheme(p->file, user, scheme_of(mechanism), line);
    OPENSSL_cleanse(line, sizeof line);
    if (rc) {
        p->host->log(p->host, BROOK_LOG_ERROR, "credentials: cannot write \"%s\": %s", p->file, strerror(errno));
        return BROOK_ERR_IO;
    }
    p->host->log(p->host, BROOK_LOG_INFO, "credentials: %s's %s credential set", user, scheme_of(mechanism));
    return BROOK_OK;
}

static brook_err scram_set(void *state, const char *user, brook_scram_mechanism mechanism, int32_t iterations,
                           const uint8_t *salt, size_t salt_len, const uint8_t *salted, size_t salted_len,
                           const char **message)
{
    int sha512 = mechanism == BROOK_SCRAM_SHA_512;
    scram_credential c;
    if ((*message = unkeepable(user, salt_len)) || salted_len != (sha512 ? 64u : 32u)) {
        if (!*message)
            *message = "the salted password is not the length of the mechanism's hash";
        return BROOK_ERR_INVALID;
    }
    if (scram_keys(sha512, salted, salt, salt_len, iterations, &c))
        return BROOK_ERR_NOMEM;
    brook_err e = write_keys(state, user, mechanism, &c);
    OPENSSL_cleanse(&c, sizeof c);
    return e;
}

static brook_err scram_get_keys(void *state, const char *user, brook_scram_mechanism mechanism, brook_scram_keys *out)
{
    scram_credential c;
    if (!lookup(state, user, mechanism == BROOK_SCRAM_SHA_512, &c))
        return BROOK_ERR_NOT_FOUND;
    size_t kl = mechanism == BROOK_SCRAM_SHA_512 ? 64 : 32;
    *out = (brook_scram_keys){.iterations = c.iterations, .salt_len = (uint32_t)c.salt_len, .key_len = (uint32_t)kl};
    memcpy(out->salt, c.salt, c.salt_len);
    memcpy(out->stored_key, c.stored_key, kl);
    memcpy(out->server_key, c.server_key, kl);
    OPENSSL_cleanse(&c, sizeof c);
    return BROOK_OK;
}

/* The credential `keys` describes, for the file. */
static scram_credential credential_of(const brook_scram_keys *keys)
{
    scram_credential c = {.salt_len = keys->salt_len, .iterations = keys->iterations};
    memcpy(c.salt, keys->salt, keys->salt_len);
    memcpy(c.stored_key, keys->stored_key, keys->key_len);
    memcpy(c.server_key, keys->server_key, keys->key_len);
    return c;
}

static brook_err scram_set_keys(void *state, const char *user, brook_scram_mechanism mechanism,
                                const brook_scram_keys *keys, int validate_only, const char **message)
{
    size_t kl = mechanism == BROOK_SCRAM_SHA_512 ? 64 : 32;
    if ((*message = unkeepable(user, keys->salt_len)) || keys->key_len != kl || keys->iterations < 4096) {
        if (!*message)
            *message = keys->key_len != kl ? "the keys are not the length of the mechanism's hash"
                                           : "too few iterations (at least 4096)";
        return BROOK_ERR_INVALID;
    }
    if (validate_only)
        return BROOK_OK;
    scram_credential c = credential_of(keys);
    brook_err e = write_keys(state, user, mechanism, &c);
    OPENSSL_cleanse(&c, sizeof c);
    return e;
}

/* Lines of n credentials, LINE_MAX_LEN each, malloc'd. */
static char *credential_lines(const char *const *users, const brook_scram_mechanism *hashes,
                              const brook_scram_keys *const *keys, size_t n)
{
    char *lines = malloc((n ? n : 1) * LINE_MAX_LEN);
    for (size_t i = 0; lines && i < n; i++) {
        if (!keys[i])
            continue;
        scram_credential c = credential_of(keys[i]);
        credential_line(users[i], hashes[i], &c, lines + i * LINE_MAX_LEN);
        OPENSSL_cleanse(&c, sizeof c);
    }
    return lines;
}

static brook_err scram_apply_keys(void *state, const char *const *users, const brook_scram_mechanism *hashes,
                                  const brook_scram_keys *const *keys, size_t n)
{
    cred_plugin *p = state;
    const char *why = NULL;
    for (size_t i = 0; i < n && !why; i++)
        if (keys[i] && scram_set_keys(state, users[i], hashes[i], keys[i], 1, &why))
            p->host->log(p->host, BROOK_LOG_ERROR, "credentials: cannot keep %s's credential: %s", users[i], why);
    if (why)
        return BROOK_ERR_INVALID;
    char *lines = credential_lines(users, hashes, keys, n);
    cred_change *changes = malloc((n ? n : 1) * sizeof *changes);
    brook_err e = lines && changes ? BROOK_OK : BROOK_ERR_NOMEM;
    size_t set = 0;
    for (size_t i = 0; !e && i < n; i++) {
        changes[i] = (cred_change){users[i], scheme_of(hashes[i]), keys[i] ? lines + i * LINE_MAX_LEN : NULL};
        set += keys[i] != NULL;
    }
    if (!e && cred_replace_many(p->file, changes, n)) {
        p->host->log(p->host, BROOK_LOG_ERROR, "credentials: cannot write \"%s\": %s", p->file, strerror(errno));
        e = BROOK_ERR_IO;
    }
    if (!e)
        p->host->log(p->host, BROOK_LOG_INFO, "credentials: %zu SCRAM credentials set, %zu removed, in one rewrite",
                     set, n - set);
    if (lines)
        OPENSSL_cleanse(lines, (n ? n : 1) * LINE_MAX_LEN);
    free(lines);
    free(changes);
    return e;
}

static brook_err scram_delete(void *state, const char *user, brook_scram_mechanism mechanism)
{
    cred_plugin *p = state;
    cred_field f[1];
    int iterations;
    if (cred_index_find(p->index, user, scheme_of(mechanism), &iterations, f, 1) != 1)
        return BROOK_ERR_NOT_FOUND;
    if (cred_replace_scheme(p->file, user, scheme_of(mechanism), NULL)) {
        p->host->log(p->host, BROOK_LOG_ERROR, "credentials: cannot write \"%s\": %s", p->file, strerror(errno));
        return BROOK_ERR_IO;
    }
    p->host->log(p->host, BROOK_LOG_INFO, "credentials: %s's %s credential removed", user, scheme_of(mechanism));
    return BROOK_OK;
}

static brook_err scram_init(const brook_host *host, void **state)
{
    brook_err e = cred_plugin_init(host, state);
    if (e)
        return e;
    cred_plugin *p = *state;
    if (!(p->index = cred_index_new(p->file))) {
        cred_plugin_fini(p);
        return BROOK_ERR_NOMEM;
    }
    return BROOK_OK;
}

static void scram_fini(void *state)
{
    cred_plugin *p = state;
    cred_index_free(p->index);
    cred_plugin_fini(p);
}

static const brook_auth_ops ops = {
    .mechanisms = mechanisms,
    .session_open = open_session,
    .session_step = step,
    .session_principal = principal,
    .session_close = close_session,
    .scram_list = scram_list,
    .scram_set = scram_set,
    .scram_delete = scram_delete,
    .scram_get_keys = scram_get_keys,
    .scram_set_keys = scram_set_keys,
    .scram_apply_keys = scram_apply_keys,
};

BROOK_PLUGIN_DESCRIPTOR(BROOK_PLUGIN_AUTH, brook_auth_ops, ops, .name = "scram", .version = "1.1.0",
                        .description = "SASL SCRAM-SHA-256 and SCRAM-SHA-512 against stored keys", .options = options,
                        .init = scram_init, .fini = scram_fini, .validate = cred_plugin_validate);
