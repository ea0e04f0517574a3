/* SCRAM users over the protocol (Kafka's DescribeUserScramCredentials and
 * AlterUserScramCredentials, KIP-554): the core checks who asks (DESCRIBE
 * on the cluster to list, ALTER to change) and the values Kafka checks
 * (mechanism, 4096-16384 iterations, a salt, a salted password of the
 * hash's length; a user named twice), then hands each change to the auth
 * plugin that keeps SCRAM users (auth.h, scram_list/scram_set/
 * scram_delete: the first configured that offers them). Without one,
 * every request answers SECURITY_DISABLED. In a cluster a change is a
 * write to the metadata store as the keys a server keeps (computed here
 * from the salted password, as Kafka's broker does), which every broker's
 * plugin follows (cluster_users.h); this broker's applies it at once too. */
#include <string.h>

#include <openssl/crypto.h>

#include "broker.h"
#include "cluster_users.h"
#include "handlers.h"
#include "log.h"
#include "scram.h"

#define MIN_ITERATIONS 4096  /* RFC 7677's minimum */
#define MAX_ITERATIONS 16384 /* Kafka's maximum: a login derives the key this many times */

brook_plugin_instance *brook_user_keeper(brook_broker *b)
{
    brook_plugin_set *set = &b->plugins;
    for (size_t i = 0; i < set->auth_count; i++) {
        brook_plugin_instance *p = &set->auth[i];
        if (brook_has_slot(p, brook_auth_ops, scram_list) && brook_has_slot(p, brook_auth_ops, scram_set) &&
            brook_has_slot(p, brook_auth_ops, scram_delete))
            return p;
    }
    return NULL;
}

static brook_plugin_instance *admit(brook_req *req, brook_auth_operation op, brook_err *error, const char **message)
{
    if ((*error = brook_authorize(req, op, BROOK_RESOURCE_CLUSTER, "kafka-cluster")))
        return NULL;
    brook_plugin_instance *keeper = brook_user_keeper(req->broker);
    if (!keeper) {
        *error = BROOK_ERR_SECURITY_DISABLED;
        *message = "no auth plugin that keeps SCRAM users is configured (auth-scram)";
    }
    return keeper;
}

/* ---- describe ------------------------------------------------------------------------ */

typedef struct user_list {
    brook_req *req;
    brook_scram_user *users; /* grown in the arena: a new array when full */
    size_t count, cap;
    int failed;
} user_list;

static brook_scram_user *user_named(user_list *l, const char *name)
{
    for (size_t i = l->count; i-- > 0;)
        if (strcmp(l->users[i].name, name) == 0)
            return &l->users[i];
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        brook_scram_user *users = brook_request_alloc(&l->req->pub, cap * sizeof *users);
        if (!users)
            return NULL;
        if (l->count)
            memcpy(users, l->users, l->count * sizeof *users);
        l->users = users;
        l->cap = cap;
    }
    brook_scram_user *u = &l->users[l->count];
    size_t n = strlen(name) + 1;
    char *copy = brook_request_alloc(&l->req->pub, n);
    if (!copy)
        return NULL;
    u->name = memcpy(copy, name, n);
    u->credentials = brook_request_alloc(&l->req->pub, 2 * sizeof *u->credentials); /* one per mechanism */
    if (!u->credentials)
        return NULL;
    l->count++;
    return u;
}

static void add_credential(void *arg, const char *user, brook_scram_mechanism mechanism, int32_t iterations)
{
    user_list *l = arg;
    brook_scram_user *u = l->failed ? NULL : user_named(l, user);
    if (!u) {
        l->failed = 1;
        return;
    }
    if (u->credential_count < 2)
        u->credentials[u->credential_count++] = (brook_scram_credential_info){mechanism, iterations, {0}};
}

static int asked_before(const brook_describe_user_scram_req *d, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (d->users[k].name && d->users[i].name && strcmp(d->users[k].name, d->users[i].name) == 0)
            return 1;
    return 0;
}

void brook_handle_describe_user_scram(brook_req *req)
{
    brook_describe_user_scram_req *d = &req->pub.u.describe_user_scram;
    brook_plugin_instance *keeper = admit(req, BROOK_OP_DESCRIBE, &d->error, &d->error_message);
    if (!keeper)
        return;
    const brook_auth_ops *ops = brook_auth_of(keeper);
    if (d->all_users) {
        user_list l = {.req = req};
        d->error = ops->scram_list(keeper->state, NULL, add_credential, &l);
        if (!d->error && l.failed)
            d->error = BROOK_ERR_NOMEM;
        d->users = l.users;
        d->user_count = d->error ? 0 : l.count;
        return;
    }
    for (size_t i = 0; i < d->user_count; i++) {
        brook_scram_user *u = &d->users[i];
        if (!u->name || asked_before(d, i)) {
            u->error = BROOK_ERR_EXISTS;
            u->error_message = "the user is asked for more than once";
            continue;
        }
        user_list l = {.req = req};
        u->error = ops->scram_list(keeper->state, u->name, add_credential, &l);
        if (!u->error && (l.failed || l.count != 1))
            u->error = l.failed ? BROOK_ERR_NOMEM : BROOK_ERR_NOT_FOUND;
        if (u->error == BROOK_ERR_NOT_FOUND)
            u->error_message = "the user has no SCRAM credential";
        if (!u->error) {
            u->credentials = l.users[0].credentials;
            u->credential_count = l.users[0].credential_count;
        }
    }
}

/* ---- alter ----------------------------------------------------------------------------- */

static size_t hash_len(brook_scram_mechanism m)
{
    return m == BROOK_SCRAM_SHA_512 ? 64 : 32;
}

/* Why Kafka would refuse this change, or NULL. */
static const char *alteration_problem(const brook_scram_alteration *a, brook_err *error)
{
    *error = BROOK_ERR_INVALID;
    if (!a->user || !*a->user)
        return "a user name is required";
    if (a->mechanism != BROOK_SCRAM_SHA_256 && a->mechanism != BROOK_SCRAM_SHA_512) {
        *error = BROOK_ERR_UNSUPPORTED;
        return "the mechanism is SCRAM-SHA-256 or SCRAM-SHA-512";
    }
    if (a->remove)
        return NULL;
    if (a->iterations < MIN_ITERATIONS)
        return "too few iterations (at least 4096)";
    if (a->iterations > MAX_ITERATIONS)
        return "too many iterations (at most 16384)";
    if (!a->salt || a->salt_len == 0)
        return "a salt is required";
    if (!a->salted_password || a->salted_password_len != hash_len(a->mechanism))
        return "the salted password is not the length of the mechanism's hash";
    return NULL;
}

/* Kafka refuses a user whose credential for one mechanism is both set and
 * deleted in one request. */
static int contradicted(const brook_alter_user_scram_req *r, size_t i)
{
    const brook_scram_alteration *a = &r->alterations[i];
    for (size_t k = 0; k < r->alteration_count; k++) {
        const brook_scram_alteration *b = &r->alterations[k];
        if (k != i && a->user && b->user && strcmp(a->user, b->user) == 0 && a->mechanism == b->mechanism)
            return 1;
    }
    return 0;
}

static void log_change(brook_req *req, const brook_scram_alteration *a)
{
    log_info("SCRAM users: %s %s %s's SCRAM-SHA-%d credential%s%s",
             req->pub.principal ? req->pub.principal : BROOK_PRINCIPAL_ANONYMOUS, a->remove ? "removed" : "set",
             a->user, a->mechanism == BROOK_SCRAM_SHA_512 ? 512 : 256,
             brook_cluster_users_following(req->broker) ? " in the cluster" : "", a->error ? " - failed" : "");
}

/* The change into the plugin here (a single broker's only copy). */
static void alter_here(brook_req *req, brook_plugin_instance *keeper, brook_scram_alteration *a)
{
    const brook_auth_ops *ops = brook_auth_of(keeper);
    a->error = a->remove ? ops->scram_delete(keeper->state, a->user, a->mechanism)
                         : ops->scram_set(keeper->state, a->user, a->mechanism, a->iterations, a->salt, a->salt_len,
                                          a->salted_password, a->salted_password_len, &a->error_message);
    if (a->error == BROOK_ERR_NOT_FOUND)
        a->error_message = "the user has no credential for that mechanism";
    log_change(req, a);
}

/* ---- alter, in a cluster: the keys to the store, then here ------------------------------ */

typedef struct user_changes {
    brook_req *req;
    brook_plugin_instance *keeper;
    size_t *index; /* each change's alteration */
    brook_user_change *changes;
    brook_scram_keys *keys;
    size_t count;
} user_changes;

/* Alteration `a` as a change of the store (its keys in *keys), or an error in `a`. */
static int as_change(user_changes *uc, brook_scram_alteration *a, brook_scram_keys *keys)
{
    const brook_auth_ops *ops = brook_auth_of(uc->keeper);
    brook_user_change *c = &uc->changes[uc->count];
    *c = (brook_user_change){a->user, a->mechanism, a->remove ? NULL : keys};
    if (a->remove) {
        if ((a->error = ops->scram_get_keys(uc->keeper->state, a->user, a->mechanism, keys)))
            a->error_message = a->error == BROOK_ERR_NOT_FOUND ? "the user has no credential for that mechanism" : NULL;
        OPENSSL_cleanse(keys, sizeof *keys);
        return a->error ? -1 : 0;
    }
    scram_credential cred;
    if (scram_keys(a->mechanism == BROOK_SCRAM_SHA_512, a->salted_password, a->salt, a->salt_len, a->iterations,
                   &cred)) {
        a->error = BROOK_ERR_INVALID;
        a->error_message = "the salt is longer than 64 bytes";
        return -1;
    }
    *keys = (brook_scram_keys){
        .iterations = a->iterations, .salt_len = (uint32_t)a->salt_len, .key_len = (uint32_t)a->salted_password_len};
    memcpy(keys->salt, cred.salt, cred.salt_len);
    memcpy(keys->stored_key, cred.stored_key, keys->key_len);
    memcpy(keys->server_key, cred.server_key, keys->key_len);
    OPENSSL_cleanse(&cred, sizeof cred);
    a->error = ops->scram_set_keys(uc->keeper->state, a->user, a->mechanism, keys, 1, &a->error_message);
    return a->error ? -1 : 0;
}

static void written_to_store(void *arg, brook_err err)
{
    user_changes *uc = arg;
    brook_alter_user_scram_req *r = &uc->req->pub.u.alter_user_scram;
    const brook_auth_ops *ops = brook_auth_of(uc->keeper);
    /* in force here at once (the watch may have been quicker, which is the
     * same): in one change when the plugin can, else one by one */
    int at_once = !err && brook_has_slot(uc->keeper, brook_auth_ops, scram_apply_keys);
    brook_err all = at_once ? brook_cluster_users_apply(uc->keeper, uc->changes, uc->count) : BROOK_OK;
    for (size_t k = 0; k < uc->count; k++) {
        brook_scram_alteration *a = &r->alterations[uc->index[k]];
        const brook_user_change *c = &uc->changes[k];
        a->error = err ? err : all;
        if (err) /* not here; in the store, changes written before the failure hold (retrying is safe) */
            a->error_message = "the cluster's users could not all be written (see the log)";
        else if (at_once)
            a->error_message = all ? "the cluster has it, this broker's plugin could not keep it (see the log)" : NULL;
        else if (c->keys)
            a->error = ops->scram_set_keys(uc->keeper->state, c->user, c->mechanism, c->keys, 0, &a->error_message);
        else if (ops->scram_delete(uc->keeper->state, c->user, c->mechanism) == BROOK_ERR_IO)
            a->error = BROOK_ERR_IO;
        log_change(uc->req, a);
    }
    OPENSSL_cleanse(uc->keys, uc->count * sizeof *uc->keys);
}

static void written_later(void *arg, brook_err err)
{
    user_changes *uc = arg;
    written_to_store(uc, err);
    brook_req_release(uc->req);
}

static void alter_in_cluster(brook_req *req, brook_plugin_instance *keeper, const size_t *valid, size_t n)
{
    brook_alter_user_scram_req *r = &req->pub.u.alter_user_scram;
    user_changes *uc = brook_request_alloc(&req->pub, sizeof *uc);
    size_t *index = brook_request_alloc(&req->pub, sizeof *index * n);
    brook_user_change *changes = brook_request_alloc(&req->pub, sizeof *changes * n);
    brook_scram_keys *keys = brook_request_alloc(&req->pub, sizeof *keys * n);
    if (!uc || !index || !changes || !keys) {
        for (size_t k = 0; k < n; k++)
            r->alterations[valid[k]].error = BROOK_ERR_NOMEM;
        return;
    }
    *uc = (user_changes){.req = req, .keeper = keeper, .index = index, .changes = changes, .keys = keys};
    for (size_t k = 0; k < n; k++) {
        brook_scram_alteration *a = &r->alterations[valid[k]];
        if (as_change(uc, a, &keys[uc->count]) == 0)
            index[uc->count++] = valid[k];
        else
            log_change(req, a);
    }
    if (!uc->count)
        return;
    req->pending++;
    brook_err e = brook_cluster_users_write(req->broker, changes, uc->count, written_later, uc);
    if (e) {
        req->pending--;
        written_to_store(uc, e);
    }
}

void brook_handle_alter_user_scram(brook_req *req)
{
    brook_alter_user_scram_req *r = &req->pub.u.alter_user_scram;
    brook_err denied = BROOK_OK;
    const char *why = NULL;
    brook_plugin_instance *keeper = admit(req, BROOK_OP_ALTER, &denied, &why);
    size_t *valid = brook_request_alloc(&req->pub, sizeof *valid * (r->alteration_count + 1)), n = 0;
    if (keeper && !valid) {
        keeper = NULL;
        denied = BROOK_ERR_NOMEM;
    }
    for (size_t i = 0; i < r->alteration_count; i++) {
        brook_scram_alteration *a = &r->alterations[i];
        if (!keeper) {
            a->error = denied;
            a->error_message = why;
        } else if ((a->error_message = alteration_problem(a, &a->error))) {
            continue;
        } else if (contradicted(r, i)) {
            a->error = BROOK_ERR_EXISTS;
            a->error_message = "a credential is changed twice in one request";
        } else if (brook_cluster_users_following(req->broker)) {
            valid[n++] = i;
        } else {
            alter_here(req, keeper, a);
        }
    }
    if (n)
        alter_in_cluster(req, keeper, valid, n);
}
