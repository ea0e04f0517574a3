/* The credentials file walked line by line (cred_each): every user and
 * scheme in file order with its iteration count, comments and blank lines
 * skipped, a stop value handed back, a missing file told apart; and a
 * file that auth-scram and brookctl rewrite (cred_replace_scheme, and
 * cred_replace_many for many users at once) reads back as written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cred_index.h"
#include "credentials.h"

typedef struct seen {
    char lines[8][200];
    int n;
    int stop_at; /* return 7 at this line (1-based); 0: never */
} seen;

static int note(void *arg, const char *user, const char *scheme, int iterations)
{
    seen *s = arg;
    if (s->n < 8)
        snprintf(s->lines[s->n], sizeof s->lines[0], "%s %s %d", user, scheme, iterations);
    return ++s->n == s->stop_at ? 7 : 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A new file from the template `path` (its name written there) holding `text`. */
static void temp_file_with(char *path, const char *text)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_text(path, text);
}

static void every_line_in_order_comments_skipped(void **state)
{
    (void)state;
    char path[] = "/tmp/brook-cred-XXXXXX";
    temp_file_with(path, "# users\n"
                         "alice pbkdf2-sha256 20000 c2FsdA== aGFzaA==\n"
                         "\n"
                         "bob scram-sha-256 4096 c2FsdA== a2V5 a2V5\n"
                         "carol scram-sha-512\n"
                         "  dave\tscram-sha-256 8192 x y z");
    seen s = {0};
    assert_int_equal(cred_each(path, note, &s), 0);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.lines[0], "alice pbkdf2-sha256 20000");
    assert_string_equal(s.lines[1], "bob scram-sha-256 4096");
    assert_string_equal(s.lines[2], "carol scram-sha-512 0"); /* no count: 0 */
    assert_string_equal(s.lines[3], "dave scram-sha-256 8192");

    seen stop = {.stop_at = 2};
    assert_int_equal(cred_each(path, note, &stop), 7);
    assert_int_equal(stop.n, 2);

    /* rewritten: bob's line replaced (now the last), the others kept */
    assert_int_equal(cred_replace_scheme(path, "bob", "scram-sha-256", "bob scram-sha-256 5000 c2FsdA== a2V5 a2V5"), 0);
    seen again = {0};
    assert_int_equal(cred_each(path, note, &again), 0);
    assert_int_equal(again.n, 4);
    assert_string_equal(again.lines[3], "bob scram-sha-256 5000");
    unlink(path);
}

/* Many changes in one rewrite: replaced lines go (only the scheme named:
 * alice's PLAIN line stays beside her new SCRAM one), removals go, a user
 * changed twice keeps the later line, the rest is kept; comments too. */
static void many_changes_in_one_rewrite(void **state)
{
    (void)state;
    char path[] = "/tmp/brook-cred-XXXXXX";
    temp_file_with(path, "# users\n"
                         "alice pbkdf2-sha256 20000 c2FsdA== aGFzaA==\n"
                         "bob scram-sha-256 4096 c2FsdA== a2V5 a2V5\n"
                         "carol scram-sha-512 4096 c2FsdA== a2V5 a2V5\n");
    cred_change changes[] = {
        {"alice", "scram-sha-256", "alice scram-sha-256 4097 c2FsdA== a2V5 a2V5"},
        {"carol", "scram-sha-512", NULL},
        {"erin", "scram-sha-256", "erin scram-sha-256 4098 c2FsdA== a2V5 a2V5"},
        {"nobody", "scram-sha-512", NULL},
        {"erin", "scram-sha-256", "erin scram-sha-256 4099 c2FsdA== a2V5 a2V5"},
        {"bob", "scram-sha-512", "bob scram-sha-512 8192 c2FsdA== a2V5 a2V5"},
    };
    assert_int_equal(cred_replace_many(path, changes, 6), 0);
    seen got = {0};
    assert_int_equal(cred_each(path, note, &got), 0);
    assert_int_equal(got.n, 5);
    assert_string_equal(got.lines[0], "alice pbkdf2-sha256 20000");
    assert_string_equal(got.lines[1], "bob scram-sha-256 4096");
    assert_string_equal(got.lines[2], "alice scram-sha-256 4097");
    assert_string_equal(got.lines[3], "bob scram-sha-512 8192");
    assert_string_equal(got.lines[4], "erin scram-sha-256 4099");
    FILE *f = fopen(path, "r");
    char first[32] = "";
    assert_non_null(fgets(first, sizeof first, f));
    fclose(f);
    assert_string_equal(first, "# users\n");
    assert_int_equal(cred_replace_many(path, NULL, 0), 0); /* nothing: the same file */
    seen same = {0};
    assert_int_equal(cred_each(path, note, &same), 0);
    assert_int_equal(same.n, 5);
    unlink(path);
}

/* The file held in memory answers as a scan of it does, and sees every
 * way the file changes: a rewrite by rename (a new inode), an append in
 * place (the same inode, a new size), an edit in place of the same size,
 * the file gone and back. */
static void the_index_answers_as_the_file_does_and_follows_it(void **state)
{
    (void)state;
    char path[] = "/tmp/brook-cred-XXXXXX";
    temp_file_with(path, "# users\n"
                         "bob scram-sha-256 4096 c2FsdA== a2V5 a2V5\n"
                         "  carol\tscram-sha-512 8192 c2FsdA== a2V5 a2V5\n"
                         "bob scram-sha-256 9999 c2FsdA== a2V5 a2V5\n"
                         "dave scram-sha-256 12 c2FsdA== a2V5 a2V5\n");
    cred_index *x = cred_index_new(path);
    assert_non_null(x);
    cred_field f[3];
    int it = 0;
    assert_int_equal(cred_index_find(x, "bob", "scram-sha-256", &it, f, 3), 1);
    assert_int_equal(it, 4096); /* the first line counts, as cred_find's scan */
    assert_int_equal(f[0].len, 4);
    assert_memory_equal(f[0].data, "salt", 4);
    assert_int_equal(cred_index_find(x, "carol", "scram-sha-512", &it, f, 3), 1);
    assert_int_equal(it, 8192);
    assert_int_equal(cred_index_find(x, "carol", "scram-sha-256", &it, f, 3), 0);
    assert_int_equal(cred_index_find(x, "dave", "scram-sha-256", &it, f, 3), 0); /* too few iterations */
    assert_int_equal(cred_index_find(x, "nobody", "scram-sha-256", &it, f, 3), 0);
    assert_int_equal(cred_index_find(x, "#", "users", &it, f, 3), 0);

    /* rewritten by rename */
    assert_int_equal(cred_replace_scheme(path, "bob", "scram-sha-256", "bob scram-sha-256 5000 c2FsdA== a2V5 a2V5"), 0);
    assert_int_equal(cred_index_find(x, "bob", "scram-sha-256", &it, f, 3), 1);
    assert_int_equal(it, 5000);
    /* appended to in place */
    FILE *a = fopen(path, "a");
    fputs("erin scram-sha-256 4096 c2FsdA== a2V5 a2V5\n", a);
    fclose(a);
    assert_int_equal(cred_index_find(x, "erin", "scram-sha-256", &it, f, 3), 1);
    /* edited in place, same size: the change time moves (the clock's tick apart) */
    usleep(20000);
    FILE *e = fopen(path, "r+");
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, e);
    text[n] = 0;
    char *at = strstr(text, "erin scram-sha-256 4096");
    assert_non_null(at);
    memcpy(at + strlen("erin scram-sha-256 "), "4097", 4);
    rewind(e);
    fwrite(text, 1, n, e);
    fclose(e);
    assert_int_equal(cred_index_find(x, "erin", "scram-sha-256", &it, f, 3), 1);
    assert_int_equal(it, 4097);
    /* gone, then back */
    unlink(path);
    assert_int_equal(cred_index_find(x, "erin", "scram-sha-256", &it, f, 3), -1);
    write_text(path, "frank scram-sha-256 4096 c2FsdA== a2V5 a2V5\n");
    assert_int_equal(cred_index_find(x, "frank", "scram-sha-256", &it, f, 3), 1);
    assert_int_equal(cred_index_find(x, "erin", "scram-sha-256", &it, f, 3), 0);
    cred_index_free(x);
    unlink(path);
}

static void a_missing_file_is_minus_one(void **state)
{
    (void)state;
    seen s = {0};
    assert_int_equal(cred_each("/nonexistent/brook-credentials", note, &s), -1);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_line_in_order_comments_skipped),
        cmocka_unit_test(many_changes_in_one_rewrite),
        cmocka_unit_test(the_index_answers_as_the_file_does_and_follows_it),
        cmocka_unit_test(a_missing_file_is_minus_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
