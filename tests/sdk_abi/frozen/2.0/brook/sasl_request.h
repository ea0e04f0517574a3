/* Brook SDK: the protocol-neutral SASL requests (included by request.h). A
 * codec decodes its protocol's authentication exchange into these; the core
 * hands the tokens to the auth plugin that offers the mechanism
 * (brook_auth_ops sessions) and sets the connection's principal once it is
 * done. On a listener that requires SASL nothing else is served before. */
#ifndef BROOK_SASL_REQUEST_H
#define BROOK_SASL_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "types.h"

typedef struct brook_sasl_handshake_req {
    const char *mechanism;         /* in: e.g. "PLAIN", "SCRAM-SHA-256" */
    brook_err error;               /* out: BROOK_ERR_UNSUPPORTED when no plugin offers it */
    const char *const *mechanisms; /* out: what the listener offers (NULL-terminated) */
} brook_sasl_handshake_req;

typedef struct brook_sasl_authenticate_req {
    const uint8_t *token; /* in: the client's next token */
    size_t token_len;
    brook_err error;           /* out: BROOK_ERR_AUTH (bad credentials), BROOK_ERR_INVALID (malformed) */
    const char *error_message; /* out: for the client; never names a secret */
    const uint8_t *reply;      /* out: the server's token (may be empty) */
    size_t reply_len;
    int complete;                /* out: authenticated with this step */
    int64_t session_lifetime_ms; /* out: 0 = no re-authentication required */
} brook_sasl_authenticate_req;

#endif
