/* The client side of SCRAM (RFC 5802) with SHA-256 and SHA-512 (RFC 7677),
 * as brookctl authenticates with it: the client-first message, the
 * client-final message with its proof, and the check of the server's
 * signature (so a server that does not know the password is caught too).
 * No channel binding ("n,,"). */
#ifndef BROOK_SCRAM_CLIENT_H
#define BROOK_SCRAM_CLIENT_H

#include <stddef.h>

typedef struct scram_client {
    int sha512;
    char client_first_bare[400];
    char server_signature[128]; /* base64, expected in server-final */
    char message[600];          /* the message to send next */
} scram_client;

/* The client-first message for `user` with `nonce` (printable, no ',');
 * in c->message. -1 when the user name does not fit. */
int scram_client_first(scram_client *c, int sha512, const char *user, const char *nonce);

/* From the server-first message: the client-final message (in
 * c->message), proving `password`. -1 with *why when server-first is
 * malformed or its nonce does not extend ours. */
int scram_client_final(scram_client *c, const char *server_first, const char *password, const char **why);

/* Does server-final carry the signature only a server with our keys can
 * compute? 0 yes, -1 no (*why says what it said instead). */
int scram_client_verify(const scram_client *c, const char *server_final, const char **why);

#endif
