/* Brook SDK: the protocol-neutral SCRAM user requests (since 2.3; included
 * by request.h): list users' SCRAM credentials and change them through the
 * plugin that keeps them (auth.h, scram_list/scram_set/scram_delete).
 * "in" fields come from the codec, "out" fields from the core. */
#ifndef BROOK_USER_REQUEST_H
#define BROOK_USER_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "errors.h"
#include "types.h"

/* ---- describe ---------------------------------------------------------------- */
typedef struct brook_scram_credential_info {
    brook_scram_mechanism mechanism;
    int32_t iterations;
    uint64_t reserved[1];
} brook_scram_credential_info;
BROOK_ABI_PIN_SIZE(brook_scram_credential_info, 16);

typedef struct brook_scram_user {
    const char *name;          /* in (out when listing every user) */
    brook_err error;           /* out: BROOK_ERR_NOT_FOUND (no credential), BROOK_ERR_EXISTS (asked twice) */
    const char *error_message; /* out, may be NULL */
    brook_scram_credential_info *credentials; /* out */
    size_t credential_count;                  /* out */
    uint64_t reserved[2];
} brook_scram_user;
BROOK_ABI_PIN_SIZE(brook_scram_user, 56);

typedef struct brook_describe_user_scram_req {
    int all_users;           /* in: every user (then `users` is replaced) */
    brook_scram_user *users; /* in (names) and out */
    size_t user_count;
    brook_err error;           /* out: the whole request */
    const char *error_message; /* out, may be NULL */
} brook_describe_user_scram_req;

/* ---- alter ------------------------------------------------------------------- */
typedef struct brook_scram_alteration {
    const char *user;
    brook_scram_mechanism mechanism; /* 0: one the codec could not map */
    int remove;                      /* 1: delete the credential; 0: add or replace it */
    int32_t iterations;
    int32_t reserved32;
    const uint8_t *salt;
    size_t salt_len;
    const uint8_t *salted_password; /* RFC 5802's SaltedPassword, derived by the client */
    size_t salted_password_len;
    brook_err error;           /* out */
    const char *error_message; /* out, may be NULL */
    uint64_t reserved[2];
} brook_scram_alteration;
BROOK_ABI_PIN_SIZE(brook_scram_alteration, 88);

typedef struct brook_alter_user_scram_req {
    brook_scram_alteration *alterations; /* deletions and upsertions, in the order given */
    size_t alteration_count;
} brook_alter_user_scram_req;

#endif
