/* Brook SDK: authentication and authorization (kind BROOK_PLUGIN_AUTH).
 *
 * One plugin kind covers both halves; a plugin fills the slots it offers:
 *   authentication  a list of SASL mechanisms and a per-connection session
 *                   that turns client tokens into a principal;
 *   authorization   `authorize`: may this principal do this operation on
 *                   this resource? Allow, deny, or defer to the next one.
 *
 * Authorizers chain (as Mosquitto's plugins do): the core asks every auth
 * plugin that has `authorize`, in configuration order, once per resource
 * per request (never per record); the first to allow or deny decides, and
 * when all defer the request is denied. With no authorizer configured
 * everything is allowed. The core turns a denial into the protocol's
 * authorization error for that resource. Principals look like Kafka's: "User:alice".
 * Every slot after `mechanisms` is optional: NULL when not offered. */
#ifndef BROOK_AUTH_H
#define BROOK_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "types.h"

#define BROOK_PRINCIPAL_ANONYMOUS "User:ANONYMOUS"

typedef enum brook_auth_operation {
    BROOK_OP_READ = 1,
    BROOK_OP_WRITE = 2,
    BROOK_OP_CREATE = 3,
    BROOK_OP_DELETE = 4,
    BROOK_OP_DESCRIBE = 5,
    BROOK_OP_ALTER = 6,
    BROOK_OP_CLUSTER_ACTION = 7,
} brook_auth_operation;

/* An operation's bit in a set of them (since 2.3: what a principal may do
 * on a resource, Kafka's "authorized operations"). */
#define BROOK_OP_BIT(op) (1u << (unsigned)(op))

typedef enum brook_resource_type {
    BROOK_RESOURCE_TOPIC = 1,
    BROOK_RESOURCE_GROUP = 2,
    BROOK_RESOURCE_CLUSTER = 3, /* name is "kafka-cluster" */
    /* since 2.14: a transactional producer's id (Kafka's TransactionalId:
     * WRITE to use it, DESCRIBE to find its coordinator); an authorizer
     * that does not know it answers DEFER */
    BROOK_RESOURCE_TRANSACTIONAL_ID = 4,
} brook_resource_type;

typedef enum brook_authz_result {
    BROOK_AUTHZ_ALLOW = 1,
    BROOK_AUTHZ_DENY = 2,
    BROOK_AUTHZ_DEFER = 3, /* no opinion: ask the next authorizer (all defer: denied) */
} brook_authz_result;

typedef struct brook_authz_request {
    const char *principal;
    const brook_peer *peer;
    brook_auth_operation operation;
    brook_resource_type resource_type;
    const char *resource_name;
    /* Since 2.4: 1 when the core only asks what the principal may do
     * (Metadata's topic list, authorized operations): a "no" is an answer,
     * not a refused attempt, so don't log or count it (Kafka's
     * logIfDenied = false). 0 from older cores. */
    uint32_t question;
    uint32_t reserved32;
    uint64_t reserved[1];
} brook_authz_request;
BROOK_ABI_PIN_SIZE(brook_authz_request, 48);

/* ---- ACL administration (since 2.3) ------------------------------------------ */
/* A rule as an authorizer that keeps ACLs states it (auth-acl's file,
 * Kafka's CreateAcls): who may or may not do what on which resources. The
 * same struct is a filter (DescribeAcls, DeleteAcls): there an int field of
 * BROOK_ACL_ANY and a NULL string match every value. */
#define BROOK_ACL_ANY            (-1) /* filters: any value of the field */
#define BROOK_ACL_ALL_OPERATIONS 0    /* operation: every operation */

typedef enum brook_acl_pattern {
    BROOK_ACL_LITERAL = 1,  /* resource_name is the resource's name, "*" every resource of the type */
    BROOK_ACL_PREFIXED = 2, /* resource_name is a prefix of the names */
    BROOK_ACL_MATCH = 3,    /* filters only: the rules that apply to resource_name (literal, "*" or a prefix of it) */
} brook_acl_pattern;

typedef struct brook_acl {
    int allow;                 /* 1 allow, 0 deny */
    int operation;             /* brook_auth_operation or BROOK_ACL_ALL_OPERATIONS */
    int resource_type;         /* brook_resource_type */
    int pattern;               /* brook_acl_pattern */
    const char *resource_name; /* "kafka-cluster" for the cluster */
    const char *principal;     /* "User:alice"; "*" or "User:*": anyone */
    const char *host;          /* a client address, "*": anywhere */
    uint64_t reserved[2];
} brook_acl;
BROOK_ABI_PIN_SIZE(brook_acl, 56);

/* Receives one rule; its strings are valid during the call only. `filter`
 * is the index of the filter it matched (0 when listing). */
typedef void (*brook_acl_each)(void *arg, size_t filter, const brook_acl *rule);

/* ---- SCRAM credentials administration (since 2.3) ------------------------------- */
typedef enum brook_scram_mechanism {
    BROOK_SCRAM_SHA_256 = 1,
    BROOK_SCRAM_SHA_512 = 2,
} brook_scram_mechanism;

/* Receives one user's credential for one mechanism (no secret). */
typedef void (*brook_scram_each)(void *arg, const char *user, brook_scram_mechanism mechanism, int32_t iterations);

/* A SCRAM credential as a server keeps it (RFC 5802; since 2.4): the salt,
 * the iteration count and the two keys derived from the salted password.
 * Neither the password nor the salted password can be recovered from it. */
#define BROOK_SCRAM_SALT_MAX 64
#define BROOK_SCRAM_KEY_MAX  64
typedef struct brook_scram_keys {
    int32_t iterations;
    uint32_t salt_len; /* bytes of `salt` used, 1 to BROOK_SCRAM_SALT_MAX */
    uint32_t key_len;  /* the hash's length: 32 (SHA-256) or 64 (SHA-512) */
    uint32_t reserved;
    uint8_t salt[BROOK_SCRAM_SALT_MAX];
    uint8_t stored_key[BROOK_SCRAM_KEY_MAX]; /* H(HMAC(SaltedPassword, "Client Key")) */
    uint8_t server_key[BROOK_SCRAM_KEY_MAX]; /* HMAC(SaltedPassword, "Server Key") */
} brook_scram_keys;
BROOK_ABI_PIN_SIZE(brook_scram_keys, 208);

/* Progress of one authentication exchange. */
typedef enum brook_auth_step {
    BROOK_AUTH_CONTINUE = 1, /* send *out to the client and wait for its next token */
    BROOK_AUTH_DONE = 2,     /* authenticated: send *out (may be empty), principal is known */
} brook_auth_step;

/* How a session_step_async ends: the same results session_step gives,
 * delivered later. `out` is the session's, valid during the call. */
typedef void (*brook_auth_step_done)(void *done_arg, brook_err err, const uint8_t *out, size_t out_len,
                                     brook_auth_step step);

typedef struct brook_auth_ops {
    /* NULL-terminated SASL mechanism names this plugin authenticates
     * ("PLAIN", "SCRAM-SHA-256"), or NULL for a pure authorizer. */
    const char *const *mechanisms;

    /* Begin authenticating one connection with `mechanism`. */
    brook_err (*session_open)(void *state, const char *mechanism, const brook_peer *peer, void **session);
    /* Feed the client's next token. On BROOK_OK, *step says whether to
     * continue; (out, out_len) is the reply, owned by the session and valid
     * until the next call. BROOK_ERR_AUTH: bad credentials (log the reason,
     * never the secret); BROOK_ERR_INVALID: malformed token. */
    brook_err (*session_step)(void *session, const uint8_t *in, size_t in_len, const uint8_t **out, size_t *out_len,
                              brook_auth_step *step);
    /* After BROOK_AUTH_DONE: the authenticated principal, valid until close. */
    const char *(*session_principal)(void *session);
    void (*session_close)(void *session);

    /* Decide one request: allow, deny, or defer to the next authorizer in
     * the chain. An error counts as a denial. NULL when the plugin is not
     * an authorizer. */
    brook_err (*authorize)(void *state, const brook_authz_request *req, brook_authz_result *result);

    /* Re-read configuration files (ACLs, credentials) when brookd gets
     * SIGHUP; on failure keep what is in force and log why. Optional. */
    brook_err (*reload)(void *state);

    /* Like session_step, for steps too slow for the event loop (password
     * hashing): start the step and return; call done(done_arg, ...)
     * exactly once, on the event loop, when its result is known (possibly
     * before returning). Run the slow part with host->run_blocking; the
     * loop serves other connections meanwhile. `in` stays valid until done
     * is called. If the connection goes away first, session_close is
     * called while the step is outstanding: still call done (its result is
     * ignored), then free the session. The broker uses this slot instead
     * of session_step when a plugin offers it, and never starts a second
     * step of one session before the first is done. Optional. */
    void (*session_step_async)(void *session, const uint8_t *in, size_t in_len, brook_auth_step_done done,
                               void *done_arg);

    /* ACL administration (since 2.3): an authorizer whose rules can be
     * changed while it runs offers all three (the Kafka protocol's
     * CreateAcls, DescribeAcls and DeleteAcls; brookctl acls). The core
     * checks the caller's authority and each rule's fields first. Called
     * on the event loop: a change is durable and in force when the call
     * returns (a rule file is small; rewriting it is quick).
     *
     * acl_create: add `count` rules (one that exists already is kept
     * once). results[i] is acls[i]'s outcome: BROOK_OK, or an error with
     * messages[i] a static string saying why (the others are still added).
     * An error returned (e.g. the store cannot be written) added none. */
    brook_err (*acl_create)(void *state, const brook_acl *acls, size_t count, brook_err *results,
                            const char **messages);
    /* Call each(arg, 0, rule) for every rule `filter` matches. */
    brook_err (*acl_list)(void *state, const brook_acl *filter, brook_acl_each each, void *arg);
    /* Remove every rule any of `filters` matches, calling each(arg, i,
     * rule) once per filter i a removed rule matched. An error returned
     * removed none (and `each` may have been called). */
    brook_err (*acl_delete)(void *state, const brook_acl *filters, size_t count, brook_acl_each each, void *arg);

    /* SCRAM credentials administration (since 2.3): a plugin that keeps
     * SCRAM users offers all three (Kafka's DescribeUserScramCredentials
     * and AlterUserScramCredentials, KIP-554). The core checks the caller
     * (DESCRIBE / ALTER on the cluster) and the values (iterations 4096 to
     * 16384, a salt, a salted password of the hash's length) first. On
     * the event loop; durable and in force when the call returns.
     *
     * scram_list: each(arg, ...) for every credential of `user` (NULL:
     * every user); BROOK_ERR_NOT_FOUND when `user` has none. */
    brook_err (*scram_list)(void *state, const char *user, brook_scram_each each, void *arg);
    /* scram_set: add or replace `user`'s credential for `mechanism` from
     * the salted password the client derived (SaltedPassword of RFC 5802:
     * the password itself never travels). BROOK_ERR_INVALID with *message
     * (a static string) for a value the plugin refuses, e.g. the name. */
    brook_err (*scram_set)(void *state, const char *user, brook_scram_mechanism mechanism, int32_t iterations,
                           const uint8_t *salt, size_t salt_len, const uint8_t *salted_password, size_t salted_len,
                           const char **message);
    /* scram_delete: BROOK_ERR_NOT_FOUND when there is no such credential. */
    brook_err (*scram_delete)(void *state, const char *user, brook_scram_mechanism mechanism);

    /* SCRAM credentials as keys (since 2.4): a plugin that keeps SCRAM
     * users offers both so that a cluster's brokers share one set of users
     * (held in the metadata store as keys, as Kafka keeps them; each
     * broker's plugin follows). Without them each broker keeps its own.
     *
     * scram_get_keys: `user`'s credential for `mechanism`;
     * BROOK_ERR_NOT_FOUND when there is none. */
    brook_err (*scram_get_keys)(void *state, const char *user, brook_scram_mechanism mechanism, brook_scram_keys *out);
    /* scram_set_keys: add or replace it. With `validate_only` nothing
     * changes: the answer says whether it would be kept (BROOK_ERR_INVALID
     * with *message, a static string, for a name or salt the plugin cannot
     * keep). The core asks before it writes the cluster's copy, so a
     * credential the brokers would refuse is refused at once. */
    brook_err (*scram_set_keys)(void *state, const char *user, brook_scram_mechanism mechanism,
                                const brook_scram_keys *keys, int validate_only, const char **message);

    /* Since 2.7, optional beside the two above: n credentials set
     * (users[i]'s for mechanisms[i] to keys[i]) or removed (keys[i] NULL;
     * one that is not there is no error) in one durable change. A cluster's
     * broker takes the cluster's users through it: one that joins takes
     * every user at once, which one call per user made n rewrites of a
     * plugin's whole file. The core asked scram_set_keys (validate_only)
     * about each credential it sets; a user and mechanism listed twice
     * takes the later. */
    brook_err (*scram_apply_keys)(void *state, const char *const *users, const brook_scram_mechanism *mechanisms,
                                  const brook_scram_keys *const *keys, size_t n);
} brook_auth_ops;

#endif
