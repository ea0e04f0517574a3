/* The cluster's SCRAM users: one metadata-store key per user and
 * mechanism, <ns>/scram/<mechanism>/<user>, holding what a server keeps
 * for it (RFC 5802: "<iterations> <salt> <StoredKey> <ServerKey>", the
 * binary fields in hex). Neither the password nor the salted password is
 * in the store, as in Kafka's. store_mirror.c keeps each broker's auth
 * plugin (auth-scram's credentials file) equal to them, so a user created
 * through any broker can log in to every broker. */
#include "cluster_users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "broker.h"
#include "hex.h"
#include "log.h"

#define NAME_MAX_LEN  400
#define VALUE_MAX_LEN (12 + 2 * (BROOK_SCRAM_SALT_MAX + 2 * BROOK_SCRAM_KEY_MAX) + 4)

/* ---- a credential as a name and a value -------------------------------------------------- */

static const char *mechanism_name(brook_scram_mechanism m)
{
    return m == BROOK_SCRAM_SHA_512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
}

/* "SCRAM-SHA-256/alice" */
static int credential_name(const char *user, brook_scram_mechanism m, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s", mechanism_name(m), user);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The user and mechanism a name holds; the user points into `name`. */
static int parse_name(const char *name, const char **user, brook_scram_mechanism *m)
{
    static const brook_scram_mechanism known[] = {BROOK_SCRAM_SHA_256, BROOK_SCRAM_SHA_512};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(mechanism_name(known[i]));
        if (strncmp(name, mechanism_name(known[i]), n) == 0 && name[n] == '/' && name[n + 1]) {
            *m = known[i];
            *user = name + n + 1;
            return 0;
        }
    }
    return -1;
}

static void credential_value(const brook_scram_keys *k, char *out, size_t len)
{
    char *p = out + snprintf(out, len, "%d ", (int)k->iterations);
    p = brook_hex_encode(k->salt, k->salt_len, p);
    *p++ = ' ';
    p = brook_hex_encode(k->stored_key, k->key_len, p);
    *p++ = ' ';
    brook_hex_encode(k->server_key, k->key_len, p);
}

/* The hex field at *at (up to a space or the end) into `out`; moves *at past it. */
static long get_hex(const char **at, uint8_t *out, size_t max)
{
    const char *end = strchr(*at, ' ');
    size_t len = end ? (size_t)(end - *at) : strlen(*at);
    long n = brook_hex_decode(*at, len, out, max);
    *at += len + (end ? 1 : 0);
    return n;
}

static int parse_value(const char *value, brook_scram_keys *k)
{
    char *end;
    long iterations = strtol(value, &end, 10);
    if (end == value || *end != ' ' || iterations <= 0 || iterations > INT32_MAX)
        return -1;
    const char *at = end + 1;
    long salt = get_hex(&at, k->salt, sizeof k->salt), stored = get_hex(&at, k->stored_key, sizeof k->stored_key),
         server = get_hex(&at, k->server_key, sizeof k->server_key);
    if (salt <= 0 || stored <= 0 || stored != server || *at)
        return -1;
    k->iterations = (int32_t)iterations;
    k->salt_len = (uint32_t)salt;
    k->key_len = (uint32_t)stored;
    return 0;
}

/* ---- the auth plugin as the mirror's keeper ---------------------------------------------- */

static const brook_auth_ops *keeper_ops(const brook_plugin_instance *keeper)
{
    return brook_auth_of(keeper);
}

/* Names (and values: NULL for removals) parsed into `out`, the keys into
 * `keys`, leaving out, with a log line, any the keeper would refuse; how
 * many are kept. */
static size_t parse_changes(brook_plugin_instance *k, const char *const *names, const char *const *values, size_t n,
                            brook_user_change *out, brook_scram_keys *keys)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        brook_user_change *c = &out[kept];
        const char *why = NULL;
        brook_err e = parse_name(names[i], &c->user, &c->mechanism) ? BROOK_ERR_INVALID : BROOK_OK;
        c->keys = values ? &keys[kept] : NULL;
        if (!e && values)
            e = parse_value(values[i], &keys[kept])
                    ? BROOK_ERR_INVALID
                    : keeper_ops(k)->scram_set_keys(k->state, c->user, c->mechanism, &keys[kept], 1, &why);
        if (e)
            log_error("cluster SCRAM users: cannot keep %s here: %s", names[i], why ? why : brook_err_str(e));
        else
            kept++;
    }
    return kept;
}

brook_err brook_cluster_users_apply(brook_plugin_instance *keeper, const brook_user_change *changes, size_t n)
{
    const char **users = calloc(n ? n : 1, sizeof *users);
    brook_scram_mechanism *mechanisms = calloc(n ? n : 1, sizeof *mechanisms);
    const brook_scram_keys **keys = calloc(n ? n : 1, sizeof *keys);
    brook_err e = users && mechanisms && keys ? BROOK_OK : BROOK_ERR_NOMEM;
    for (size_t i = 0; !e && i < n; i++) {
        users[i] = changes[i].user;
        mechanisms[i] = changes[i].mechanism;
        keys[i] = changes[i].keys;
    }
    if (!e)
        e = keeper_ops(keeper)->scram_apply_keys(keeper->state, users, mechanisms, keys, n);
    free(users);
    free(mechanisms);
    free(keys);
    return e;
}

/* The keeper takes n changes: in one call when it can (2.7), else one by one. */
static void keeper_apply(brook_plugin_instance *k, const brook_user_change *c, size_t n)
{
    const brook_auth_ops *ops = keeper_ops(k);
    if (brook_has_slot(k, brook_auth_ops, scram_apply_keys)) {
        brook_err e = brook_cluster_users_apply(k, c, n);
        if (e)
            log_error("cluster SCRAM users: cannot keep %zu changes here: %s; they follow the next snapshot", n,
                      brook_err_str(e));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        brook_err e = c[i].keys ? ops->scram_set_keys(k->state, c[i].user, c[i].mechanism, c[i].keys, 0, &why)
                                : ops->scram_delete(k->state, c[i].user, c[i].mechanism);
        if (e && e != BROOK_ERR_NOT_FOUND)
            log_error("cluster SCRAM users: cannot keep %s here: %s", c[i].user, why ? why : brook_err_str(e));
    }
}

static void keeper_change(void *keeper, const char *const *names, const char *const *values, size_t n)
{
    brook_plugin_instance *k = keeper;
    brook_user_change *changes = calloc(n ? n : 1, sizeof *changes);
    brook_scram_keys *keys = calloc(n ? n : 1, sizeof *keys);
    if (changes && keys) {
        size_t kept = parse_changes(k, names, values, n, changes, keys);
        if (kept)
            keeper_apply(k, changes, kept);
        OPENSSL_cleanse(keys, (n ? n : 1) * sizeof *keys);
    } else {
        log_error("cluster SCRAM users: out of memory applying %zu changes; they follow the next snapshot", n);
    }
    free(changes);
    free(keys);
}

static void keeper_put(void *keeper, const char *const *names, const char *const *values, size_t n)
{
    keeper_change(keeper, names, values, n);
}

static void keeper_remove(void *keeper, const char *const *names, size_t n)
{
    keeper_change(keeper, names, NULL, n);
}

typedef struct listing {
    brook_plugin_instance *keeper;
    brook_mirror_each each;
    void *arg;
} listing;

static void list_credential(void *arg, const char *user, brook_scram_mechanism m, int32_t iterations)
{
    (void)iterations;
    listing *l = arg;
    brook_scram_keys keys;
    char name[NAME_MAX_LEN], value[VALUE_MAX_LEN];
    if (credential_name(user, m, name, sizeof name) == 0 &&
        keeper_ops(l->keeper)->scram_get_keys(l->keeper->state, user, m, &keys) == BROOK_OK) {
        credential_value(&keys, value, sizeof value);
        l->each(l->arg, name, value);
        OPENSSL_cleanse(value, sizeof value);
    }
    OPENSSL_cleanse(&keys, sizeof keys);
}

static void keeper_list(void *keeper, brook_mirror_each each, void *arg)
{
    brook_plugin_instance *k = keeper;
    keeper_ops(k)->scram_list(k->state, NULL, list_credential, &(listing){k, each, arg});
}

static const brook_store_mirror_ops mirror_ops = {.list = keeper_list, .put = keeper_put, .remove = keeper_remove};

/* ---- the broker's side --------------------------------------------------------------------- */

brook_err brook_cluster_users_start(brook_broker *b, brook_plugin_instance *keeper)
{
    if (!keeper)
        return BROOK_OK;
    if (!brook_has_slot(keeper, brook_auth_ops, scram_get_keys) ||
        !brook_has_slot(keeper, brook_auth_ops, scram_set_keys)) {
        log_warn("cluster SCRAM users: auth plugin %s (ABI 2.%u) cannot hand over keys (2.4): its users stay this "
                 "broker's own",
                 keeper->log_name, (unsigned)keeper->loaded.desc->abi_minor);
        return BROOK_OK;
    }
    return brook_store_mirror_start(b, "scram", "SCRAM users", &mirror_ops, keeper, &b->cluster_users);
}

void brook_cluster_users_stop(brook_broker *b)
{
    brook_store_mirror_stop(b->cluster_users);
    b->cluster_users = NULL;
}

int brook_cluster_users_following(const brook_broker *b)
{
    return b->cluster_users != NULL;
}

brook_err brook_cluster_users_write(brook_broker *b, const brook_user_change *changes, size_t n,
                                    void (*done)(void *arg, brook_err err), void *arg)
{
    brook_store_change *c = brook_store_change_new(b->cluster_users, n);
    brook_err e = c ? BROOK_OK : BROOK_ERR_NOMEM;
    char name[NAME_MAX_LEN], value[VALUE_MAX_LEN];
    for (size_t i = 0; !e && i < n; i++) {
        if (credential_name(changes[i].user, changes[i].mechanism, name, sizeof name))
            e = BROOK_ERR_INVALID;
        else if (changes[i].keys)
            credential_value(changes[i].keys, value, sizeof value);
        if (!e && brook_store_change_set(c, i, name, changes[i].keys ? value : NULL)) /* NULL: removed */
            e = BROOK_ERR_NOMEM;
    }
    OPENSSL_cleanse(value, sizeof value);
    if (e) {
        brook_store_change_free(c);
        return e;
    }
    return brook_store_change_write(c, done, arg);
}
