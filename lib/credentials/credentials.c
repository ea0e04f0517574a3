#include "credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "text_rewrite.h"

int cred_valid_user(const char *user)
{
    size_t n = strlen(user);
    if (n == 0 || n > 128)
        return 0;
    for (const char *p = user; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '@' || *p == '-'))
            return 0;
    return 1;
}

static int hash(const char *password, const unsigned char *salt, size_t salt_len, int iterations, unsigned char *out)
{
    return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations, EVP_sha256(),
                             CRED_HASH_BYTES, out) == 1
               ? 0
               : -1;
}

int cred_make_plain(const char *user, const char *password, char *line, size_t linelen)
{
    unsigned char salt[CRED_SALT_BYTES], h[CRED_HASH_BYTES];
    char salt64[64], h64[64];
    if (!cred_valid_user(user) || RAND_bytes(salt, sizeof salt) != 1 ||
        hash(password, salt, sizeof salt, CRED_PLAIN_ITERATIONS, h))
        return -1;
    EVP_EncodeBlock((unsigned char *)salt64, salt, sizeof salt);
    EVP_EncodeBlock((unsigned char *)h64, h, sizeof h);
    int n = snprintf(line, linelen, "%s %s %d %s %s", user, CRED_SCHEME_PLAIN, CRED_PLAIN_ITERATIONS, salt64, h64);
    return n > 0 && (size_t)n < linelen ? 0 : -1;
}

/* base64 -> bytes; the decoded length, or -1 (also when over `cap`). */
static int unbase64(const char *in, unsigned char *out, size_t cap)
{
    unsigned char tmp[256];
    size_t n = strlen(in);
    if (n == 0 || n % 4 || n / 4 * 3 > sizeof tmp)
        return -1;
    int len = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n);
    if (len < 0)
        return -1;
    while (n && in[n - 1] == '=') { /* EVP_DecodeBlock counts padding as bytes */
        len--;
        n--;
    }
    if ((size_t)len > cap)
        return -1;
    memcpy(out, tmp, (size_t)len);
    return len;
}

int cred_check_plain(const char *path, const char *user, const char *password, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024], name[160], scheme[40], salt64[128], h64[128];
    int iterations = CRED_PLAIN_ITERATIONS, found = 0;
    unsigned char salt[64] = {0}, want[CRED_HASH_BYTES] = {0}, got[CRED_HASH_BYTES];
    int salt_len = CRED_SALT_BYTES;
    while (!found && fgets(line, sizeof line, f)) {
        if (line[0] == '#' || sscanf(line, "%159s %39s %d %127s %127s", name, scheme, &iterations, salt64, h64) != 5)
            continue;
        if (strcmp(name, user) || strcmp(scheme, CRED_SCHEME_PLAIN))
            continue;
        salt_len = unbase64(salt64, salt, sizeof salt);
        found = salt_len > 0 && iterations >= 1000 && iterations <= 10000000 &&
                unbase64(h64, want, sizeof want) == CRED_HASH_BYTES;
    }
    fclose(f);
    if (!found) { /* the same work for an unknown user: no timing hint */
        iterations = CRED_PLAIN_ITERATIONS;
        salt_len = CRED_SALT_BYTES;
    }
    if (hash(password, salt, (size_t)salt_len, iterations, got))
        return 0;
    int equal = CRYPTO_memcmp(got, want, sizeof got) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return found && equal;
}

void cred_base64(const unsigned char *in, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int cred_parse_line(const char *line, int *iterations, cred_field *fields, int count)
{
    char copy[1024], *save = NULL;
    snprintf(copy, sizeof copy, "%s", line);
    strtok_r(copy, " \t\r\n", &save); /* user */
    strtok_r(NULL, " \t\r\n", &save); /* scheme */
    char *iter = strtok_r(NULL, " \t\r\n", &save);
    *iterations = iter ? atoi(iter) : 0;
    int ok = *iterations >= 1000 && *iterations <= 10000000;
    for (int i = 0; i < count && ok; i++) {
        char *v = strtok_r(NULL, " \t\r\n", &save);
        ok = v && (fields[i].len = unbase64(v, fields[i].data, sizeof fields[i].data)) > 0;
    }
    OPENSSL_cleanse(copy, sizeof copy);
    return ok;
}

int cred_find(const char *path, const char *user, const char *scheme, int *iterations, cred_field *fields, int count)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024], name[160], sch[40];
    int found = 0;
    while (!found && fgets(line, sizeof line, f))
        found = line[0] != '#' && sscanf(line, "%159s %39s", name, sch) == 2 && strcmp(name, user) == 0 &&
                strcmp(sch, scheme) == 0 && cred_parse_line(line, iterations, fields, count);
    fclose(f);
    OPENSSL_cleanse(line, sizeof line);
    return found;
}

int cred_each(const char *path, cred_each_fn each, void *arg)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        char *save = NULL, *name = strtok_r(line, " \t\r\n", &save), *sch = strtok_r(NULL, " \t\r\n", &save);
        char *iter = strtok_r(NULL, " \t\r\n", &save);
        if (name && name[0] != '#' && sch)
            rc = each(arg, name, sch, iter ? atoi(iter) : 0);
    }
    fclose(f);
    return rc;
}

int cred_replace(const char *path, const char *user, const char *line)
{
    return cred_replace_scheme(path, user, NULL, line);
}

typedef struct replaced {
    const char *user, *scheme;
} replaced;

/* Keep every line but `user`'s (for `scheme`, or all of them). */
static int keep_others(void *arg, const char *line)
{
    const replaced *r = arg;
    char name[160], sch[40];
    int fields = line[0] == '#' ? 0 : sscanf(line, "%159s %39s", name, sch);
    return !(fields >= 1 && strcmp(name, r->user) == 0 && (!r->scheme || (fields == 2 && strcmp(sch, r->scheme) == 0)));
}

int cred_replace_scheme(const char *path, const char *user, const char *scheme, const char *line)
{
    replaced r = {user, scheme};
    char *append = NULL;
    if (line && !(append = malloc(strlen(line) + 2)))
        return -1;
    if (append)
        sprintf(append, "%s\n", line);
    int rc = text_rewrite(path, keep_others, &r, append, 0600, 1);
    free(append);
    return rc;
}

/* ---- many users at once ------------------------------------------------------------------ */

typedef struct ordered_change {
    cred_change c;
    size_t i; /* its place among the changes: of two for one user and scheme, the later wins */
} ordered_change;

static int by_user_and_scheme(const ordered_change *x, const ordered_change *y)
{
    int c = strcmp(x->c.user, y->c.user);
    return c ? c : strcmp(x->c.scheme, y->c.scheme);
}

static int by_user_scheme_and_place(const void *a, const void *b)
{
    const ordered_change *x = a, *y = b;
    int c = by_user_and_scheme(x, y);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int same_user_and_scheme(const void *a, const void *b)
{
    return by_user_and_scheme(a, b);
}

typedef struct change_set {
    const ordered_change *sorted;
    size_t n;
} change_set;

/* Keep a line unless its user and scheme are among the changes. */
static int keep_unchanged(void *arg, const char *line)
{
    const change_set *set = arg;
    char name[160], sch[40];
    if (line[0] == '#' || sscanf(line, "%159s %39s", name, sch) != 2)
        return 1;
    ordered_change key = {.c = {.user = name, .scheme = sch}};
    return bsearch(&key, set->sorted, set->n, sizeof *set->sorted, same_user_and_scheme) == NULL;
}

int cred_replace_many(const char *path, const cred_change *changes, size_t n)
{
    ordered_change *sorted = malloc((n ? n : 1) * sizeof *sorted);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += changes[i].line ? strlen(changes[i].line) + 1 : 0;
    char *append = malloc(len);
    if (!sorted || !append) {
        free(sorted);
        free(append);
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = (ordered_change){changes[i], i};
    qsort(sorted, n, sizeof *sorted, by_user_scheme_and_place);
    char *at = append;
    for (size_t i = 0; i < n; i++) {
        int superseded = i + 1 < n && by_user_and_scheme(&sorted[i], &sorted[i + 1]) == 0;
        if (sorted[i].c.line && !superseded)
            at += sprintf(at, "%s\n", sorted[i].c.line);
    }
    *at = 0;
    change_set set = {sorted, n};
    int rc = text_rewrite(path, keep_unchanged, &set, append, 0600, 1);
    free(sorted);
    free(append);
    return rc;
}
