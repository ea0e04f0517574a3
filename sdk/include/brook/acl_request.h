/* Brook SDK: the protocol-neutral ACL requests (since 2.3; included by
 * request.h): list, add and remove the rules of the authorizer that keeps
 * ACLs (auth.h, acl_create/acl_list/acl_delete). "in" fields come from the
 * codec, "out" fields from the core; strings live in the request's arena. */
#ifndef BROOK_ACL_REQUEST_H
#define BROOK_ACL_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "errors.h"
#include "types.h"

/* ---- describe ---------------------------------------------------------------- */
typedef struct brook_describe_acls_req {
    brook_acl filter;          /* in: BROOK_ACL_ANY / NULL fields match anything */
    brook_err error;           /* out */
    const char *error_message; /* out, may be NULL */
    brook_acl *acls;           /* out: the matching rules, by resource type, pattern, name */
    size_t acl_count;          /* out */
} brook_describe_acls_req;

/* ---- create -------------------------------------------------------------------- */
typedef struct brook_acl_creation {
    brook_acl acl;             /* in */
    brook_err error;           /* out; a codec may preset it to refuse the rule */
    const char *error_message; /* out, may be NULL */
    uint64_t reserved[2];
} brook_acl_creation;
BROOK_ABI_PIN_SIZE(brook_acl_creation, 88);

typedef struct brook_create_acls_req {
    brook_acl_creation *creations;
    size_t creation_count;
} brook_create_acls_req;

/* ---- delete -------------------------------------------------------------------- */
typedef struct brook_acl_deletion {
    brook_acl filter;          /* in */
    brook_err error;           /* out */
    const char *error_message; /* out, may be NULL */
    brook_acl *deleted;        /* out: the rules this filter matched, now removed */
    size_t deleted_count;      /* out */
    uint64_t reserved[2];
} brook_acl_deletion;
BROOK_ABI_PIN_SIZE(brook_acl_deletion, 104);

typedef struct brook_delete_acls_req {
    brook_acl_deletion *filters;
    size_t filter_count;
} brook_delete_acls_req;

#endif
