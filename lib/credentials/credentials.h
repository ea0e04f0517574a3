/* The credentials file shared by auth-plain, auth-scram and brookctl users:
 * one user and scheme per line, secrets only as salted hashes, never the
 * password:
 *
 *   alice pbkdf2-sha256 20000 <salt> <PBKDF2-HMAC-SHA256(password)>     (PLAIN)
 *   alice scram-sha-256 4096 <salt> <StoredKey> <ServerKey>              (SCRAM, RFC 5802)
 *   alice scram-sha-512 4096 <salt> <StoredKey> <ServerKey>
 *
 * (binary fields in base64).
 * Lines starting with '#' are comments. The file is read at every
 * authentication (auth-scram through cred_index.h, again whenever it
 * changed), so `brookctl users add` takes effect at once. */
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

/* Every line's user, scheme and iteration count (0 when the line has
 * none that parses), in file order, comments skipped, with one read of the
 * file (a listing walked line by line before read the file once per line,
 * and again per user for its count: n^2 for n users). `each` returns 0 to
 * go on; anything else stops the walk and is returned. 0 at the end, -1
 * when the file cannot be read. */
typedef int (*cred_each_fn)(void *arg, const char *user, const char *scheme, int iterations);
int cred_each(const char *path, cred_each_fn each, void *arg);

/* The fields of `user`'s line for `scheme`: up to `max` base64-decoded
 * values after the iteration count. 1 found, 0 not, -1 unreadable. */
typedef struct cred_field {
    unsigned char data[64];
    int len;
} cred_field;
int cred_find(const char *path, const char *user, const char *scheme, int *iterations, cred_field *fields, int count);
/* The iteration count and fields of one line (its user and scheme already
 * matched): 1 when they parse, 0 not. */
int cred_parse_line(const char *line, int *iterations, cred_field *fields, int count);

/* Rewrite the file without `user` (all schemes) and, when `line` is given,
 * with it appended (it may hold several lines); atomically, mode 0600.
 * 0, or -1 with errno. */
int cred_replace(const char *path, const char *user, const char *line);
/* The same for one scheme of `user` (NULL: all of them); the directory is
 * synced after the rename, so a crash keeps the old file or the new. */
int cred_replace_scheme(const char *path, const char *user, const char *scheme, const char *line);

/* Many users' lines for one scheme each, changed in one rewrite: every
 * line of changes[i].user for changes[i].scheme goes, and changes[i].line
 * (NULL: none) is appended; a user listed twice takes its last line. One
 * read and one synced rewrite of the file whatever n is (a cluster broker
 * taking thousands of users rewrote the file once per user: n^2 bytes
 * and n fsyncs). 0, or -1 with errno. */
typedef struct cred_change {
    const char *user, *scheme, *line;
} cred_change;
int cred_replace_many(const char *path, const cred_change *changes, size_t n);

/* base64 of n bytes into out (room for 4*ceil(n/3)+1). */
void cred_base64(const unsigned char *in, size_t n, char *out);

/* A valid user name: 1-128 of [A-Za-z0-9._@-]. */
int cred_valid_user(const char *user);

#endif
