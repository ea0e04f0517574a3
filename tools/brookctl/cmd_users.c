/* brookctl users add NAME | delete NAME | list --file F: edits the
 * credentials file auth-plain and auth-scram read (a salted PBKDF2 hash for
 * PLAIN, StoredKey/ServerKey for SCRAM-SHA-256 and -512; never the
 * password; written atomically, mode 0600). The broker reads the file at
 * every authentication: no restart, no reload. The password comes from
 * --password or the first line of stdin. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "scram.h"
#include "credentials.h"
#include "commands.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl users add NAME --file F [--password P]   (else the first line of stdin)\n"
                 "       brookctl users delete NAME --file F\n"
                 "       brookctl users list --file F\n"
                 "Edits the credentials file of the auth-plain and auth-scram plugins: for each user a salted\n"
                 "PBKDF2-SHA256 hash (PLAIN) and SCRAM-SHA-256/512 keys, never the password.\n");
}

#define SCRAM_ITERATIONS 4096 /* RFC 7677's minimum; clients derive the key at each login */

/* "name scram-sha-NNN iterations salt StoredKey ServerKey" */
static int scram_line(const char *name, const char *password, int sha512, char *out, size_t outlen)
{
    unsigned char salt[16];
    scram_credential c;
    char salt64[32], stored64[96], server64[96];
    size_t kl = sha512 ? 64 : 32;
    if (RAND_bytes(salt, sizeof salt) != 1 || scram_derive(sha512, password, salt, sizeof salt, SCRAM_ITERATIONS, &c))
        return -1;
    cred_base64(salt, sizeof salt, salt64);
    cred_base64(c.stored_key, kl, stored64);
    cred_base64(c.server_key, kl, server64);
    int n = snprintf(out, outlen, "%s scram-sha-%d %d %s %s %s", name, sha512 ? 512 : 256, SCRAM_ITERATIONS, salt64,
                     stored64, server64);
    OPENSSL_cleanse(&c, sizeof c);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static int read_password(const char *given, char *out, size_t outlen)
{
    if (given) {
        snprintf(out, outlen, "%s", given);
    } else if (!fgets(out, (int)outlen, stdin)) {
        fprintf(stderr, "brookctl: no password on stdin\n");
        return -1;
    }
    out[strcspn(out, "\r\n")] = 0;
    if (!*out) {
        fprintf(stderr, "brookctl: the password is empty\n");
        return -1;
    }
    return 0;
}

int cmd_users(const global_opts *g, int argc, char **argv)
{
    (void)g;
    static const struct option longopts[] = {
        {"file", required_argument, NULL, 'f'},
        {"password", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *file = NULL, *password = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "f:p:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f': file = optarg; break;
        case 'p': password = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    const char *sub = optind < argc ? argv[optind] : NULL;
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int wants_name = sub && (strcmp(sub, "add") == 0 || strcmp(sub, "delete") == 0);
    if (!sub || !file || (wants_name ? !name || optind + 2 != argc : optind + 1 != argc) ||
        (!wants_name && strcmp(sub, "list") != 0)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (name && !cred_valid_user(name)) {
        fprintf(stderr, "brookctl: \"%s\" is not a valid user name (1-128 of A-Z a-z 0-9 . _ @ -)\n", name);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "list") == 0) {
        char user[160], scheme[40];
        for (int at = 0; (at = cred_next_user(file, at, user, sizeof user, scheme, sizeof scheme)) >= 0;)
            printf("%s\t%s\n", user, scheme);
        return 0;
    }
    char line[2048] = "";
    if (strcmp(sub, "add") == 0) {
        char pw[1024], l256[512], l512[640];
        if (read_password(password, pw, sizeof pw))
            return EXIT_USAGE;
        int rc = cred_make_plain(name, pw, line, sizeof line) || scram_line(name, pw, 0, l256, sizeof l256) ||
                 scram_line(name, pw, 1, l512, sizeof l512);
        OPENSSL_cleanse(pw, sizeof pw);
        if (!rc) { /* one line per scheme */
            size_t n = strlen(line);
            snprintf(line + n, sizeof line - n, "\n%s\n%s", l256, l512);
        }
        if (rc) {
            fprintf(stderr, "brookctl: cannot hash the password\n");
            return 1;
        }
    }
    if (cred_replace(file, name, line[0] ? line : NULL)) {
        fprintf(stderr, "brookctl: cannot write %s: %s\n", file, strerror(errno));
        return 1;
    }
    printf("%s user %s in %s\n", line[0] ? "saved" : "deleted", name, file);
    return 0;
}
