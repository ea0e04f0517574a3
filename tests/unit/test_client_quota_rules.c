/* Client quota rules: Kafka's order of precedence among the eight kinds
 * of rule, the budget each match spends, the store's keys, and rules set,
 * changed and removed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "client_quota_rules.h"

#define NAMED(n)                                                                                                       \
    (brook_quota_part)                                                                                                 \
    {                                                                                                                  \
        .kind = BROOK_QUOTA_NAMED, .name = n                                                                           \
    }
#define DEFAULT                                                                                                        \
    (brook_quota_part)                                                                                                 \
    {                                                                                                                  \
        .kind = BROOK_QUOTA_DEFAULT                                                                                    \
    }
#define ABSENT                                                                                                         \
    (brook_quota_part)                                                                                                 \
    {                                                                                                                  \
        .kind = BROOK_QUOTA_ABSENT                                                                                     \
    }

static void set(brook_quota_rules *r, brook_quota_part user, brook_quota_part client, int64_t rate)
{
    brook_quota_entity e = {.user = user, .client = client};
    assert_int_equal(brook_quota_rules_set(r, &e, BROOK_QUOTA_PRODUCE, rate), BROOK_OK);
}

static char *key_of(brook_quota_part user, brook_quota_part client)
{
    static char key[BROOK_QUOTA_KEY_MAX];
    brook_quota_entity e = {.user = user, .client = client};
    brook_quota_entity_key(&e, key);
    return key;
}

/* Rules added from the least specific up: each new one wins, as Kafka's order says. */
static void the_most_specific_rule_wins(void **state)
{
    (void)state;
    brook_quota_rules r = {0};
    char bucket[BROOK_QUOTA_KEY_MAX];
    assert_int_equal(brook_quota_rules_resolve(&r, "alice", "app", BROOK_QUOTA_PRODUCE, bucket), 0);
    struct {
        brook_quota_part user, client;
        int64_t rate;
        brook_quota_part bucket_user, bucket_client; /* whose budget it spends */
    } steps[] = {
        {ABSENT, DEFAULT, 8, ABSENT, NAMED("app")},                      /* 8 default client id */
        {ABSENT, NAMED("app"), 7, ABSENT, NAMED("app")},                 /* 7 client id */
        {DEFAULT, ABSENT, 6, NAMED("alice"), ABSENT},                    /* 6 default user */
        {DEFAULT, DEFAULT, 5, NAMED("alice"), NAMED("app")},             /* 5 default user, default client */
        {DEFAULT, NAMED("app"), 4, NAMED("alice"), NAMED("app")},        /* 4 default user and client id */
        {NAMED("alice"), ABSENT, 3, NAMED("alice"), ABSENT},             /* 3 user: all its clients share */
        {NAMED("alice"), DEFAULT, 2, NAMED("alice"), NAMED("app")},      /* 2 user, default client id */
        {NAMED("alice"), NAMED("app"), 1, NAMED("alice"), NAMED("app")}, /* 1 user and client id */
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        set(&r, steps[i].user, steps[i].client, steps[i].rate);
        assert_int_equal(brook_quota_rules_resolve(&r, "alice", "app", BROOK_QUOTA_PRODUCE, bucket), steps[i].rate);
        assert_string_equal(bucket, key_of(steps[i].bucket_user, steps[i].bucket_client));
    }
    /* another kind has its own rules */
    assert_int_equal(brook_quota_rules_resolve(&r, "alice", "app", BROOK_QUOTA_FETCH, bucket), 0);
    /* other clients fall through to what matches them */
    assert_int_equal(brook_quota_rules_resolve(&r, "alice", "other", BROOK_QUOTA_PRODUCE, bucket), 2);
    assert_int_equal(brook_quota_rules_resolve(&r, "bob", "app", BROOK_QUOTA_PRODUCE, bucket), 4);
    assert_int_equal(brook_quota_rules_resolve(&r, "bob", "x", BROOK_QUOTA_PRODUCE, bucket), 5);
    assert_string_equal(bucket, key_of(NAMED("bob"), NAMED("x"))); /* each name its own budget */
    /* no user (no principal): only default user rules match, one budget for all */
    assert_int_equal(brook_quota_rules_resolve(&r, NULL, "x", BROOK_QUOTA_PRODUCE, bucket), 5);
    brook_quota_rules_clear(&r);
}

static void rules_are_set_changed_and_removed(void **state)
{
    (void)state;
    brook_quota_rules r = {0};
    brook_quota_entity e = {.user = NAMED("alice"), .client = ABSENT};
    assert_int_equal(brook_quota_rules_set(&r, &e, BROOK_QUOTA_PRODUCE, 1000), BROOK_OK);
    assert_int_equal(brook_quota_rules_set(&r, &e, BROOK_QUOTA_FETCH, 2000), BROOK_OK);
    assert_int_equal(brook_quota_rules_get(&r, &e, BROOK_QUOTA_FETCH), 2000);
    assert_int_equal(brook_quota_rules_set(&r, &e, BROOK_QUOTA_PRODUCE, 0), BROOK_OK);
    assert_int_equal(brook_quota_rules_get(&r, &e, BROOK_QUOTA_PRODUCE), 0);
    assert_false(brook_quota_rules_empty(&r));
    assert_int_equal(brook_quota_rules_set(&r, &e, BROOK_QUOTA_FETCH, -1), BROOK_OK);
    assert_true(brook_quota_rules_empty(&r)); /* no rate left: the rule went */
    brook_quota_entity none = {.user = ABSENT, .client = ABSENT};
    assert_int_equal(brook_quota_rules_set(&r, &none, BROOK_QUOTA_FETCH, 1), BROOK_ERR_INVALID);
    brook_quota_entity unnamed = {.user = NAMED(""), .client = ABSENT};
    assert_int_equal(brook_quota_rules_set(&r, &unnamed, BROOK_QUOTA_FETCH, 1), BROOK_ERR_INVALID);
    brook_quota_rules_clear(&r);
}

static void keys_name_entities_both_ways(void **state)
{
    (void)state;
    char names[2 * (BROOK_QUOTA_NAME_MAX + 1)];
    brook_quota_entity e;
    assert_string_equal(key_of(NAMED("a/b"), DEFAULT), "612f62/*");
    assert_int_equal(brook_quota_entity_parse("612f62/*", &e, names), 0);
    assert_int_equal(e.user.kind, BROOK_QUOTA_NAMED);
    assert_string_equal(e.user.name, "a/b");
    assert_int_equal(e.client.kind, BROOK_QUOTA_DEFAULT);
    assert_int_equal(brook_quota_entity_parse("-/-", &e, names), -1);  /* nothing named */
    assert_int_equal(brook_quota_entity_parse("zz/-", &e, names), -1); /* not hex */
    assert_int_equal(brook_quota_entity_parse("61/62/63", &e, names), -1);
    assert_int_equal(brook_quota_entity_parse("6100/-", &e, names), -1); /* a NUL in a name */
    assert_int_equal(brook_quota_kind_of("consumer_byte_rate"), BROOK_QUOTA_FETCH);
    assert_int_equal(brook_quota_kind_of("request_percentage"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_most_specific_rule_wins),
        cmocka_unit_test(rules_are_set_changed_and_removed),
        cmocka_unit_test(keys_name_entities_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
