/* The server side of SCRAM (RFC 5802) with SHA-256 and SHA-512 (RFC 7677),
 * without channel binding, as Kafka clients speak it:
 *
 *   client-first  n,,n=<user>,r=<client nonce>
 *   server-first  r=<client nonce><server nonce>,s=<salt>,i=<iterations>
 *   client-final  c=biws,r=<nonce>,p=<proof>
 *   server-final  v=<server signature>
 *
 * The server keeps only StoredKey and ServerKey per user (credentials.h),
 * never the password. An unknown user gets a made-up salt and fails at the
 * proof, like a wrong password: no hint which one it was. */
#ifndef BROOK_SCRAM_H
#define BROOK_SCRAM_H

#include <stddef.h>

#define SCRAM_MAX_KEY 64 /* SHA-512 */

typedef struct scram_credential {
    unsigned char salt[64];
    size_t salt_len;
    int iterations;
    unsigned char stored_key[SCRAM_MAX_KEY];
    unsigned char server_key[SCRAM_MAX_KEY];
} scram_credential;

typedef enum scram_state { SCRAM_FIRST, SCRAM_FINAL, SCRAM_DONE, SCRAM_FAILED } scram_state;

typedef struct scram {
    int sha512;              /* 0: SHA-256 */
    size_t server_nonce_len; /* 0: 24 characters */
    scram_state state;
    char user[160];
    int user_known;
    scram_credential cred;
    char nonce[160]; /* client nonce + server nonce */
    char client_first_bare[600];
    char server_first[600];
    char reply[600];
} scram;

/* Look a user's credential up: 1 found, 0 not (cred untouched). */
typedef int (*scram_lookup)(void *ctx, const char *user, int sha512, scram_credential *cred);
/* Fill `out` with `len` printable random characters (a CSPRNG in brookd;
 * fixed in the RFC 7677 test). */
typedef int (*scram_random)(char *out, size_t len);

/* Feed the client's message; on 0 the reply is `s->reply` (NUL-terminated)
 * and s->state tells whether more is expected (SCRAM_FINAL) or it is done.
 * -1: malformed (*why), -2: authentication failed. */
int scram_step(scram *s, const char *in, size_t in_len, scram_lookup lookup, void *ctx, scram_random rnd,
               const char **why);

/* The credential (StoredKey, ServerKey) from the salted password a client
 * derived (RFC 5802's SaltedPassword, as Kafka's AlterUserScramCredentials
 * carries it: the password never travels); the key's length is the hash's. */
int scram_keys(int sha512, const unsigned char *salted_password, const unsigned char *salt, size_t salt_len,
               int iterations, scram_credential *out);

/* Derive a credential from a password (brookctl users add). */
int scram_derive(int sha512, const char *password, const unsigned char *salt, size_t salt_len, int iterations,
                 scram_credential *out);

#endif
