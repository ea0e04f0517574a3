/* The credentials file shared by auth-plain and brookctl users: one user
 * and scheme per line, secrets only as salted hashes, never plain text:
 *
 *   alice pbkdf2-sha256 20000 <salt, base64> <PBKDF2-HMAC-SHA256(password), base64>
 *
 * Lines starting with '#' are comments. The file is read at every
 * authentication, so `brookctl users add` takes effect at once. */
#ifndef BROOK_CREDENTIALS_H
#define BROOK_CREDENTIALS_H

#include <stddef.h>

#define CRED_SCHEME_PLAIN     "pbkdf2-sha256"
#define CRED_PLAIN_ITERATIONS 20000
#define CRED_SALT_BYTES       16
#define CRED_HASH_BYTES       32

/* A new line for `user` with a fresh random salt; 0 or -1. */
int cred_make_plain(const char *user, const char *password, char *line, size_t linelen);

/* Check `password` against the file's entry for `user`: 1 yes, 0 no (or no
 * such user: the same work is done either way), -1 when the file cannot
 * be read (why in `err`). Comparison in constant time. */
int cred_check_plain(const char *path, const char *user, const char *password, char *err, size_t errlen);

/* Users (and schemes) in the file, one per call: returns the next line
 * index or -1 at the end. */
int cred_next_user(const char *path, int from, char *user, size_t userlen, char *scheme, size_t schemelen);

/* Rewrite the file without `user` (all schemes) and, when `line` is given,
 * with it appended; atomically, mode 0600. 0, or -1 with errno. */
int cred_replace(const char *path, const char *user, const char *line);

/* A valid user name: 1-128 of [A-Za-z0-9._@-]. */
int cred_valid_user(const char *user);

#endif
