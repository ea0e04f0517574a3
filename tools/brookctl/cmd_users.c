/* brookctl users add | set | delete NAME, users list: SASL users, two ways.
 *
 *   over the protocol (the default): the broker's SCRAM users (auth-scram),
 *     as Kafka's admin clients manage them: brookctl derives the salted
 *     password (PBKDF2, a fresh salt per mechanism) and sends only that;
 *   --file F: the credentials file itself, for bootstrapping the first
 *     administrator (a salted PBKDF2 hash for PLAIN and StoredKey/ServerKey
 *     for SCRAM-SHA-256 and -512; never the password; written atomically,
 *     mode 0600), read by auth-plain and auth-scram at every login.
 *
 * `add` refuses a user that exists (`set` changes a password). The
 * password comes from a prompt without echo on a terminal, else from the
 * first line of stdin (or --password, which leaves it in the shell's
 * history and the process list). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "commands.h"
#include "credentials.h"
#include "output.h"
#include "scram.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: brookctl users add NAME       add a user (refused when it exists)\n"
                 "       brookctl users set NAME       change a user's password\n"
                 "       brookctl users delete NAME\n"
                 "       brookctl users list\n"
                 "options: --file F     edit the credentials file F instead of asking the broker\n"
                 "         --password P the password (else a prompt on a terminal, or stdin's first line)\n"
                 "Over the protocol the broker keeps SCRAM-SHA-256 and -512 credentials (auth-scram; ALTER on\n"
                 "the cluster to change them); --file also writes the PLAIN hash auth-plain checks.\n");
}

#define SCRAM_ITERATIONS 4096 /* RFC 7677's minimum; clients derive the key at each login */

/* ---- the password ----------------------------------------------------------------- */

static int prompt(const char *question, char *out, size_t outlen)
{
    struct termios old, quiet;
    fprintf(stderr, "%s", question);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return -1;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    char *got = fgets(out, (int)outlen, stdin);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fprintf(stderr, "\n");
    return got ? 0 : -1;
}

static int read_password(const char *given, const char *name, char *out, size_t outlen)
{
    if (given) {
        snprintf(out, outlen, "%s", given);
    } else if (isatty(STDIN_FILENO)) {
        char question[200], again[1024];
        snprintf(question, sizeof question, "password for %s: ", name);
        if (prompt(question, out, outlen) || prompt("again: ", again, sizeof again))
            return -1;
        int same = strcmp(out, again) == 0;
        OPENSSL_cleanse(again, sizeof again);
        if (!same) {
            fprintf(stderr, "brookctl: the passwords differ\n");
            return -1;
        }
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

/* ---- the credentials file ----------------------------------------------------------- */

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

static int is_user(void *name, const char *user, const char *scheme, int iterations)
{
    (void)scheme;
    (void)iterations;
    return strcmp(user, name) == 0;
}

static int file_has_user(const char *file, const char *name)
{
    return cred_each(file, is_user, (void *)name) == 1;
}

typedef struct list_out {
    const global_opts *g;
    table t;
} list_out;

static int list_line(void *arg, const char *user, const char *scheme, int iterations)
{
    list_out *o = arg;
    (void)iterations;
    if (o->g->json)
        printf("{\"user\":\"%s\",\"scheme\":\"%s\"}\n", user, scheme); /* names are [A-Za-z0-9._@-] */
    else
        table_add(&o->t, (const char *const[]){user, scheme});
    return 0;
}

static int file_list(const global_opts *g, const char *file)
{
    static const char *const headers[] = {"USER", "MECHANISM"};
    list_out o = {.g = g};
    table_init(&o.t, 2, headers);
    cred_each(file, list_line, &o);
    if (!g->json)
        table_print(&o.t, stdout);
    table_free(&o.t);
    return 0;
}

static int file_change(const char *sub, const char *file, const char *name, const char *password)
{
    int exists = file_has_user(file, name);
    if (strcmp(sub, "add") == 0 && exists) {
        fprintf(stderr, "brookctl: user %s exists in %s: `users set %s` changes the password\n", name, file, name);
        return 1;
    }
    if (strcmp(sub, "add") != 0 && !exists) {
        fprintf(stderr, "brookctl: no user %s in %s\n", name, file);
        return 1;
    }
    char line[2048] = "";
    if (strcmp(sub, "delete") != 0) {
        char pw[1024], l256[512], l512[640];
        if (read_password(password, name, pw, sizeof pw))
            return EXIT_USAGE;
        int rc = cred_make_plain(name, pw, line, sizeof line) || scram_line(name, pw, 0, l256, sizeof l256) ||
                 scram_line(name, pw, 1, l512, sizeof l512);
        OPENSSL_cleanse(pw, sizeof pw);
        if (rc) {
            fprintf(stderr, "brookctl: cannot hash the password\n");
            return 1;
        }
        size_t n = strlen(line); /* one line per scheme */
        snprintf(line + n, sizeof line - n, "\n%s\n%s", l256, l512);
    }
    if (cred_replace(file, name, line[0] ? line : NULL)) {
        fprintf(stderr, "brookctl: cannot write %s: %s\n", file, strerror(errno));
        return 1;
    }
    printf("%s user %s in %s\n", line[0] ? "saved" : "deleted", name, file);
    return 0;
}

/* ---- over the protocol ------------------------------------------------------------------ */

/* The broker's answer for `name`: 1 it has SCRAM credentials, 0 not, -1 failed (printed). */
static int broker_has_user(client *c, const char *name)
{
    client_begin(c, "describe_users", 1);
    pack_kv_str(&c->pk, "user", name);
    const msgpack_object *resp = client_call(c);
    if (!resp)
        return -1;
    const char *msg;
    size_t len;
    int64_t code = client_error(resp, &msg, &len);
    if (code == 4) /* BROOK_ERR_NOT_FOUND */
        return 0;
    return report_error(resp, "describe user") ? -1 : 1;
}

/* One "set" entry: the mechanism's salted password from a fresh salt. */
static int pack_credential(msgpack_packer *pk, const char *name, const char *password, int sha512)
{
    unsigned char salt[16], salted[64];
    size_t kl = sha512 ? 64 : 32;
    if (RAND_bytes(salt, sizeof salt) != 1 ||
        PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, SCRAM_ITERATIONS,
                          sha512 ? EVP_sha512() : EVP_sha256(), (int)kl, salted) != 1)
        return -1;
    msgpack_pack_map(pk, 5);
    pack_kv_str(pk, "user", name);
    pack_kv_str(pk, "mechanism", sha512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256");
    pack_kv_int(pk, "iterations", SCRAM_ITERATIONS);
    pack_str(pk, "salt");
    msgpack_pack_bin(pk, sizeof salt);
    msgpack_pack_bin_body(pk, salt, sizeof salt);
    pack_str(pk, "salted_password");
    msgpack_pack_bin(pk, kl);
    msgpack_pack_bin_body(pk, salted, kl);
    OPENSSL_cleanse(salted, sizeof salted);
    return 0;
}

static int broker_change(client *c, const char *sub, const char *name, const char *password)
{
    int exists = broker_has_user(c, name);
    if (exists < 0)
        return 1;
    if (strcmp(sub, "add") == 0 && exists) {
        fprintf(stderr, "brookctl: user %s exists: `users set %s` changes the password\n", name, name);
        return 1;
    }
    if (strcmp(sub, "add") != 0 && !exists) {
        fprintf(stderr, "brookctl: the broker has no SCRAM user %s\n", name);
        return 1;
    }
    int delete = strcmp(sub, "delete") == 0;
    char pw[1024];
    if (!delete &&read_password(password, name, pw, sizeof pw))
        return EXIT_USAGE;
    client_begin(c, "alter_users", 1);
    pack_str(&c->pk, delete ? "delete" : "set");
    msgpack_pack_array(&c->pk, 2);
    int rc = 0;
    for (int sha512 = 0; sha512 <= 1; sha512++) {
        if (delete) {
            msgpack_pack_map(&c->pk, 2);
            pack_kv_str(&c->pk, "user", name);
            pack_kv_str(&c->pk, "mechanism", sha512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256");
        } else {
            rc |= pack_credential(&c->pk, name, pw, sha512);
        }
    }
    if (!delete)
        OPENSSL_cleanse(pw, sizeof pw);
    if (rc) {
        fprintf(stderr, "brookctl: cannot derive the salted password\n");
        return 1;
    }
    const msgpack_object *resp = client_call(c);
    const msgpack_object *results = resp ? map_get(resp, "results") : NULL;
    int failed = !resp;
    for (uint32_t i = 0; results && results->type == MSGPACK_OBJECT_ARRAY && i < results->via.array.size; i++) {
        const msgpack_object *r = &results->via.array.ptr[i];
        if (map_int(r, "error", 0) == 0 || (delete &&map_int(r, "error", 0) == 4)) /* one mechanism may be absent */
            continue;
        fprintf(stderr, "brookctl: %s ", sub);
        print_str(stderr, map_get(r, "mechanism"));
        fprintf(stderr, ": ");
        print_str(stderr, map_get(r, "message"));
        fprintf(stderr, "\n");
        failed = 1;
    }
    if (!failed && !results)
        failed = report_error(resp, "users");
    if (!failed)
        printf("%s user %s (SCRAM-SHA-256, SCRAM-SHA-512)\n", delete ? "deleted" : "saved", name);
    return failed;
}

static int broker_list(const global_opts *g, client *c)
{
    client_begin(c, "describe_users", 0);
    const msgpack_object *resp = client_call(c);
    if (!resp || report_error(resp, "list users"))
        return 1;
    if (g->json) {
        print_json(stdout, resp);
        return 0;
    }
    static const char *const headers[] = {"USER", "MECHANISM", "ITERATIONS"};
    table t;
    table_init(&t, 3, headers);
    const msgpack_object *users = map_get(resp, "users");
    for (uint32_t i = 0; users && users->type == MSGPACK_OBJECT_ARRAY && i < users->via.array.size; i++) {
        const msgpack_object *u = &users->via.array.ptr[i], *mechs = map_get(u, "mechanisms");
        for (uint32_t k = 0; mechs && mechs->type == MSGPACK_OBJECT_ARRAY && k < mechs->via.array.size; k++) {
            char name[160], mech[40], iter[24];
            table_add(&t, (const char *const[]){
                              obj_text(map_get(u, "name"), name, sizeof name),
                              obj_text(map_get(&mechs->via.array.ptr[k], "mechanism"), mech, sizeof mech),
                              obj_text(map_get(&mechs->via.array.ptr[k], "iterations"), iter, sizeof iter)});
        }
    }
    table_print(&t, stdout);
    table_free(&t);
    return 0;
}

int cmd_users(const global_opts *g, int argc, char **argv)
{
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
    int wants_name = sub && (strcmp(sub, "add") == 0 || strcmp(sub, "set") == 0 || strcmp(sub, "delete") == 0);
    if (!sub || (wants_name ? !name || optind + 2 != argc : optind + 1 != argc) ||
        (!wants_name && strcmp(sub, "list") != 0)) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (name && !cred_valid_user(name)) {
        fprintf(stderr, "brookctl: \"%s\" is not a valid user name (1-128 of A-Z a-z 0-9 . _ @ -)\n", name);
        return EXIT_USAGE;
    }
    if (file)
        return name ? file_change(sub, file, name, password) : file_list(g, file);
    client c;
    if (client_connect(&c, g->broker, g->timeout_ms))
        return 1;
    int rc = name ? broker_change(&c, sub, name, password) : broker_list(g, &c);
    client_close(&c);
    return rc;
}
