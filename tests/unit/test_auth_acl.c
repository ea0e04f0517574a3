/* auth-acl's rules: parsing (with file:line errors) and the decision:
 * literal and prefixed names, wildcards, hosts, ALL, deny over allow,
 * DESCRIBE implied by READ/WRITE/DELETE/ALTER, super users, and what
 * happens when no rule names a resource. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../plugins/auth-acl/acl_filters.h"
#include "../../plugins/auth-acl/acl_rules.h"

static char path[64];

static int write_rules(const char *text, acl_rules *rules, char *err, size_t errlen)
{
    snprintf(path, sizeof path, "/tmp/brook-acl-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    int rc = acl_rules_load(path, rules, err, errlen);
    unlink(path);
    return rc;
}

static const char *const supers[] = {"User:admin"};

static brook_authz_result decide(const acl_rules *r, int open, const char *who, const char *host,
                                 brook_auth_operation op, brook_resource_type type, const char *name)
{
    return acl_decide(r, supers, 1, open, who, host, op, type, name);
}

#define ALLOW BROOK_AUTHZ_ALLOW
#define DENY  BROOK_AUTHZ_DENY
#define TOPIC BROOK_RESOURCE_TOPIC
#define GROUP BROOK_RESOURCE_GROUP

static void literal_prefixed_wildcards_and_hosts(void **state)
{
    (void)state;
    acl_rules r = {0};
    char err[256];
    assert_int_equal(write_rules("# orders for alice\n"
                                 "allow User:alice * WRITE topic literal orders\n"
                                 "allow User:alice * read topic PREFIXED logs-   # case does not matter\n"
                                 "allow * * READ group literal *\n"
                                 "allow User:carol 10.0.0.7 ALL topic literal payments\n"
                                 "\n",
                                 &r, err, sizeof err),
                     0);
    assert_int_equal(r.count, 4);
    assert_int_equal(decide(&r, 0, "User:alice", "1.2.3.4", BROOK_OP_WRITE, TOPIC, "orders"), ALLOW);
    assert_int_equal(decide(&r, 0, "User:alice", "1.2.3.4", BROOK_OP_WRITE, TOPIC, "orders2"), DENY); /* literal */
    assert_int_equal(decide(&r, 0, "User:alice", "1.2.3.4", BROOK_OP_READ, TOPIC, "orders"), DENY);
    assert_int_equal(decide(&r, 0, "User:alice", "1.2.3.4", BROOK_OP_READ, TOPIC, "logs-app"), ALLOW);
    assert_int_equal(decide(&r, 0, "User:alice", "1.2.3.4", BROOK_OP_READ, TOPIC, "logs"), DENY); /* prefix */
    assert_int_equal(decide(&r, 0, "User:bob", "1.2.3.4", BROOK_OP_READ, TOPIC, "logs-app"), DENY);
    assert_int_equal(decide(&r, 0, "User:bob", "1.2.3.4", BROOK_OP_READ, GROUP, "anything"), ALLOW);
    assert_int_equal(decide(&r, 0, "User:carol", "10.0.0.7", BROOK_OP_DELETE, TOPIC, "payments"), ALLOW); /* ALL */
    assert_int_equal(decide(&r, 0, "User:carol", "10.0.0.8", BROOK_OP_DELETE, TOPIC, "payments"), DENY);  /* host */
    acl_rules_free(&r);
}

static void deny_wins_and_describe_is_implied(void **state)
{
    (void)state;
    acl_rules r = {0};
    char err[256];
    assert_int_equal(write_rules("allow * * ALL topic prefixed team-\n"
                                 "deny User:mallory * WRITE topic literal team-a\n"
                                 "deny User:eve * ALL topic prefixed team-\n"
                                 "allow User:bob * READ topic literal reports\n",
                                 &r, err, sizeof err),
                     0);
    assert_int_equal(decide(&r, 0, "User:mallory", "h", BROOK_OP_READ, TOPIC, "team-a"), ALLOW);
    assert_int_equal(decide(&r, 0, "User:mallory", "h", BROOK_OP_WRITE, TOPIC, "team-a"), DENY);
    assert_int_equal(decide(&r, 0, "User:mallory", "h", BROOK_OP_WRITE, TOPIC, "team-b"), ALLOW);
    assert_int_equal(decide(&r, 0, "User:eve", "h", BROOK_OP_READ, TOPIC, "team-b"), DENY);
    assert_int_equal(decide(&r, 0, "User:eve", "h", BROOK_OP_DESCRIBE, TOPIC, "team-b"), DENY);
    assert_int_equal(decide(&r, 0, "User:bob", "h", BROOK_OP_DESCRIBE, TOPIC, "reports"), ALLOW); /* from READ */
    assert_int_equal(decide(&r, 0, "User:bob", "h", BROOK_OP_WRITE, TOPIC, "reports"), DENY);
    /* super users pass even a deny */
    assert_int_equal(decide(&r, 0, "User:admin", "h", BROOK_OP_WRITE, TOPIC, "team-a"), ALLOW);
    acl_rules_free(&r);
}

static void resources_no_rule_names_follow_allow_if_no_acl(void **state)
{
    (void)state;
    acl_rules r = {0};
    char err[256];
    assert_int_equal(write_rules("allow User:alice * READ topic literal guarded\n", &r, err, sizeof err), 0);
    assert_int_equal(decide(&r, 0, "User:bob", "h", BROOK_OP_READ, TOPIC, "open"), DENY);
    assert_int_equal(decide(&r, 1, "User:bob", "h", BROOK_OP_READ, TOPIC, "open"), ALLOW);
    assert_int_equal(decide(&r, 1, "User:bob", "h", BROOK_OP_READ, TOPIC, "guarded"), DENY); /* named: closed */
    acl_rules_free(&r);
}

/* The index (acl_index.h) decides as the walk of every rule does: random
 * rule files over a few names that prefix each other, "*" and a prefixed
 * "*" among them, each asked every question (principal, host, operation,
 * type, name, allow_if_no_acl) with and without the index. */
static void the_index_decides_as_the_walk_of_every_rule(void **state)
{
    (void)state;
    static const char *const names[] = {"a", "ab", "abc", "b", "ba", "*", "*x", "abd"};
    static const char *const asked[] = {"a", "ab", "abc", "abcd", "b", "ba", "bab", "*", "*x", "x", "", "abd"};
    static const char *const who[] = {"User:a", "User:b", "*"};
    static const char *const types[] = {"topic", "group", "cluster"};
    static const char *const ops[] = {"ALL", "READ", "WRITE", "CREATE", "DELETE", "DESCRIBE", "ALTER"};
    static const char *const hosts[] = {"*", "10.0.0.1"};
    srand(7);
    for (int round = 0; round < 200; round++) {
        char text[8192] = "";
        int rules = 1 + rand() % 24;
        for (int i = 0; i < rules; i++) {
            char line[160];
            snprintf(line, sizeof line, "%s %s %s %s %s %s %s\n", rand() % 3 ? "allow" : "deny", who[rand() % 3],
                     hosts[rand() % 2], ops[rand() % 7], types[rand() % 3], rand() % 2 ? "prefixed" : "literal",
                     names[rand() % 8]);
            strcat(text, line);
        }
        acl_rules indexed = {0};
        char err[256];
        assert_int_equal(write_rules(text, &indexed, err, sizeof err), 0);
        assert_non_null(indexed.index);
        acl_rules walked = indexed;
        walked.index = NULL;
        for (size_t n = 0; n < sizeof asked / sizeof asked[0]; n++)
            for (int t = BROOK_RESOURCE_TOPIC; t <= BROOK_RESOURCE_CLUSTER; t++)
                for (int op = BROOK_OP_READ; op <= BROOK_OP_ALTER; op++)
                    for (int w = 0; w < 2; w++)
                        for (int open = 0; open < 2; open++) {
                            const char *host = w ? "10.0.0.1" : "10.0.0.2";
                            brook_authz_result a = decide(&indexed, open, who[w], host, op, t, asked[n]);
                            brook_authz_result b = decide(&walked, open, who[w], host, op, t, asked[n]);
                            if (a != b)
                                fail_msg("rules:\n%s%s %s op %d type %d \"%s\" open %d: index %d, walk %d", text,
                                         who[w], host, op, t, asked[n], open, a, b);
                        }
        acl_rules_free(&indexed);
    }
}

/* Filters sorted by resource (acl_filters.h) match every rule as checking
 * every filter does: random rule files and random filter sets, exact ones
 * (some twice) among filters with "any" in each field. */
typedef struct hits {
    unsigned char hit[64];
    size_t count;
} hits;

static void note_hit(void *arg, size_t filter)
{
    hits *h = arg;
    h->hit[filter]++;
    h->count++;
}

static void filters_match_as_checking_every_filter(void **state)
{
    (void)state;
    static const char *const names[] = {"a", "ab", "b", "*"};
    static const char *const who[] = {"User:a", "User:b", "*", "User:*"};
    static const char *const types[] = {"topic", "group"};
    static const char *const ops[] = {"ALL", "READ", "WRITE"};
    static const char *const hosts[] = {"*", "10.0.0.1"};
    srand(11);
    for (int round = 0; round < 200; round++) {
        char text[8192] = "";
        int rules = 1 + rand() % 24;
        for (int i = 0; i < rules; i++) {
            char line[160];
            snprintf(line, sizeof line, "%s %s %s %s %s %s %s\n", rand() % 3 ? "allow" : "deny", who[rand() % 4],
                     hosts[rand() % 2], ops[rand() % 3], types[rand() % 2], rand() % 2 ? "prefixed" : "literal",
                     names[rand() % 4]);
            strcat(text, line);
        }
        acl_rules r = {0};
        char err[256];
        assert_int_equal(write_rules(text, &r, err, sizeof err), 0);
        brook_acl filters[40];
        size_t n = 1 + (size_t)(rand() % 40);
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && rand() % 8 == 0) { /* a filter twice */
                filters[i] = filters[rand() % (int)i];
                continue;
            }
            const acl_rule *like = &r.rules[rand() % (int)r.count];
            int exact = rand() % 2;
            filters[i] =
                (brook_acl){.allow = exact || rand() % 2 ? like->allow : BROOK_ACL_ANY,
                            .operation = exact || rand() % 2 ? like->operation : BROOK_ACL_ANY,
                            .resource_type = exact || rand() % 2 ? like->resource_type : BROOK_ACL_ANY,
                            .pattern = exact ? (like->prefixed ? BROOK_ACL_PREFIXED : BROOK_ACL_LITERAL)
                                             : (int[]){BROOK_ACL_ANY, BROOK_ACL_LITERAL, BROOK_ACL_PREFIXED,
                                                       BROOK_ACL_MATCH}[rand() % 4],
                            .resource_name = exact || rand() % 2 ? (rand() % 4 ? like->name : names[rand() % 4]) : NULL,
                            .principal = exact || rand() % 2 ? (rand() % 4 ? like->principal : who[rand() % 4]) : NULL,
                            .host = exact || rand() % 2 ? like->host : NULL};
        }
        acl_filters *fs = acl_filters_new(filters, n);
        assert_non_null(fs);
        for (size_t k = 0; k < r.count; k++) {
            hits sorted = {0}, every = {0};
            size_t matched = acl_filters_match(fs, &r.rules[k], note_hit, &sorted);
            assert_int_equal(matched, sorted.count);
            for (size_t i = 0; i < n; i++)
                if (acl_rule_matches(&r.rules[k], &filters[i]))
                    note_hit(&every, i);
            if (memcmp(&sorted, &every, sizeof sorted) != 0)
                fail_msg("rules:\n%srule %zu: %zu filters matched sorted, %zu checking each", text, k, sorted.count,
                         every.count);
        }
        acl_filters_free(fs);
        acl_rules_free(&r);
    }
}

static void bad_files_name_the_line_and_keep_the_old_rules(void **state)
{
    (void)state;
    acl_rules r = {0};
    char err[256];
    assert_int_equal(write_rules("allow * * READ topic literal x\n", &r, err, sizeof err), 0);
    const char *bad[] = {
        "allow * * READ topic literal\n",
        "maybe * * READ topic literal x\n",
        "allow * * FLY topic literal x\n",
        "allow * * READ queue literal x\n",
        "allow * * READ topic exact x\n",
        "allow alice * READ topic literal x\n",
        "allow * * READ topic literal x extra-field\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[300];
        snprintf(text, sizeof text, "# fine\n%s", bad[i]);
        assert_int_equal(write_rules(text, &r, err, sizeof err), -1);
        assert_non_null(strstr(err, ":2: "));
        assert_int_equal(r.count, 1); /* untouched */
    }
    assert_int_equal(acl_rules_load("/nonexistent/acl", &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    acl_rules_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_prefixed_wildcards_and_hosts),
        cmocka_unit_test(deny_wins_and_describe_is_implied),
        cmocka_unit_test(resources_no_rule_names_follow_allow_if_no_acl),
        cmocka_unit_test(the_index_decides_as_the_walk_of_every_rule),
        cmocka_unit_test(filters_match_as_checking_every_filter),
        cmocka_unit_test(bad_files_name_the_line_and_keep_the_old_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
