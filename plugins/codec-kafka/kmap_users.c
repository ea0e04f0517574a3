/* The SCRAM user APIs (KIP-554) between Kafka's messages and the neutral
 * user requests (user_request.h): DescribeUserScramCredentials and
 * AlterUserScramCredentials. Kafka numbers the mechanisms as the SDK does
 * (1 SCRAM-SHA-256, 2 SCRAM-SHA-512) and answers an alteration per user. */
#include <string.h>

#include "kmap.h"

static brook_scram_mechanism mechanism(int64_t k)
{
    return k == 1 ? BROOK_SCRAM_SHA_256 : k == 2 ? BROOK_SCRAM_SHA_512 : 0;
}

static int16_t user_error(brook_err e)
{
    switch (e) {
    case BROOK_ERR_NOT_FOUND: return 91;         /* RESOURCE_NOT_FOUND */
    case BROOK_ERR_EXISTS: return 92;            /* DUPLICATE_RESOURCE */
    case BROOK_ERR_INVALID: return 93;           /* UNACCEPTABLE_CREDENTIAL */
    case BROOK_ERR_UNSUPPORTED: return 33;       /* UNSUPPORTED_SASL_MECHANISM */
    case BROOK_ERR_SECURITY_DISABLED: return 54; /* SECURITY_DISABLED */
    case BROOK_ERR_IO: return -1;                /* UNKNOWN_SERVER_ERROR, with the message */
    default: return kmap_error(e, 1);
    }
}

static const char *user_message(brook_err e, const char *message)
{
    return e ? (message ? message : brook_err_str(e)) : NULL;
}

/* ---- DescribeUserScramCredentials -------------------------------------------------- */

int kmap_dec_describe_user_scram(kreq *kr, brook_request *req)
{
    brook_describe_user_scram_req *d = &req->u.describe_user_scram;
    kval *users = &kr->body[DUS_USERS];
    d->all_users = users->len < 0 || users->len == 0; /* null or empty: every user, as Kafka */
    d->user_count = COUNT_OF(users);
    d->users = kmap_alloc(req, sizeof *d->users * (d->user_count + 1));
    if (!d->users)
        return -1;
    for (size_t i = 0; i < d->user_count; i++)
        d->users[i].name = kmap_str(req, &ROW(users, i)[DUS_U_NAME]);
    req->type = BROOK_REQ_DESCRIBE_USER_SCRAM;
    return 0;
}

kval *kmap_enc_describe_user_scram(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_describe_user_scram_req *d = &req->u.describe_user_scram;
    size_t n = d->error ? 0 : d->user_count;
    kval *r = kmap_struct(req, DUS_R__COUNT);
    if (!r || kmap_rows(req, &r[DUS_R_RESULTS], n, DUS_RR__COUNT))
        return NULL;
    r[DUS_R_ERROR].i = user_error(d->error);
    kmap_set_str(&r[DUS_R_MESSAGE], user_message(d->error, d->error_message));
    for (size_t i = 0; i < n; i++) {
        const brook_scram_user *u = &d->users[i];
        kval *uv = ROW(&r[DUS_R_RESULTS], i);
        size_t c = u->error ? 0 : u->credential_count;
        kmap_set_str(&uv[DUS_RR_USER], u->name ? u->name : "");
        uv[DUS_RR_ERROR].i = user_error(u->error);
        kmap_set_str(&uv[DUS_RR_MESSAGE], user_message(u->error, u->error_message));
        if (kmap_rows(req, &uv[DUS_RR_CREDENTIALS], c, DUS_RC__COUNT))
            return NULL;
        for (size_t k = 0; k < c; k++) {
            ROW(&uv[DUS_RR_CREDENTIALS], k)[DUS_RC_MECHANISM].i = u->credentials[k].mechanism;
            ROW(&uv[DUS_RR_CREDENTIALS], k)[DUS_RC_ITERATIONS].i = u->credentials[k].iterations;
        }
    }
    return r;
}

/* ---- AlterUserScramCredentials ------------------------------------------------------ */

int kmap_dec_alter_user_scram(kreq *kr, brook_request *req)
{
    brook_alter_user_scram_req *a = &req->u.alter_user_scram;
    kval *del = &kr->body[AUS_DELETIONS], *ups = &kr->body[AUS_UPSERTIONS];
    size_t nd = COUNT_OF(del), nu = COUNT_OF(ups);
    a->alteration_count = nd + nu;
    a->alterations = kmap_alloc(req, sizeof *a->alterations * (a->alteration_count + 1));
    if (!a->alterations)
        return -1;
    for (size_t i = 0; i < nd; i++) {
        const kval *row = ROW(del, i);
        a->alterations[i] = (brook_scram_alteration){
            .user = kmap_str(req, &row[AUS_D_NAME]), .mechanism = mechanism(row[AUS_D_MECHANISM].i), .remove = 1};
    }
    for (size_t i = 0; i < nu; i++) {
        const kval *row = ROW(ups, i);
        a->alterations[nd + i] = (brook_scram_alteration){
            .user = kmap_str(req, &row[AUS_U_NAME]),
            .mechanism = mechanism(row[AUS_U_MECHANISM].i),
            .iterations = (int32_t)row[AUS_U_ITERATIONS].i,
            .salt = row[AUS_U_SALT].ptr,
            .salt_len = row[AUS_U_SALT].len > 0 ? (size_t)row[AUS_U_SALT].len : 0,
            .salted_password = row[AUS_U_SALTED].ptr,
            .salted_password_len = row[AUS_U_SALTED].len > 0 ? (size_t)row[AUS_U_SALTED].len : 0,
        };
    }
    req->type = BROOK_REQ_ALTER_USER_SCRAM;
    return 0;
}

static int same_user(const brook_scram_alteration *a, const brook_scram_alteration *b)
{
    return a->user && b->user && strcmp(a->user, b->user) == 0;
}

/* One result per user, in the order first named: its first failure, if any. */
kval *kmap_enc_alter_user_scram(kreq *kr, brook_request *req)
{
    (void)kr;
    brook_alter_user_scram_req *a = &req->u.alter_user_scram;
    size_t users = 0;
    for (size_t i = 0; i < a->alteration_count; i++) {
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = !same_user(&a->alterations[k], &a->alterations[i]);
        users += first;
    }
    kval *r = kmap_struct(req, AUS_R__COUNT);
    if (!r || kmap_rows(req, &r[AUS_R_RESULTS], users, AUS_RR__COUNT))
        return NULL;
    for (size_t i = 0, n = 0; i < a->alteration_count; i++) {
        const brook_scram_alteration *x = &a->alterations[i];
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = !same_user(&a->alterations[k], x);
        if (!first)
            continue;
        const brook_scram_alteration *failed = x->error ? x : NULL;
        for (size_t k = i + 1; k < a->alteration_count && !failed; k++)
            if (same_user(&a->alterations[k], x) && a->alterations[k].error)
                failed = &a->alterations[k];
        kval *uv = ROW(&r[AUS_R_RESULTS], n++);
        kmap_set_str(&uv[AUS_RR_USER], x->user ? x->user : "");
        uv[AUS_RR_ERROR].i = failed ? user_error(failed->error) : 0;
        kmap_set_str(&uv[AUS_RR_MESSAGE], failed ? user_message(failed->error, failed->error_message) : NULL);
    }
    return r;
}
