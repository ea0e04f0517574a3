/* A group's past as its record in the offsets log (past_record.h): an
 * empty group's as version 0 (what the previous release writes and
 * reads), a stable group's with its members as version 1, read back field
 * for field; every truncation, a later version and absurd counts are
 * refused rather than misread; too large a past is not encoded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "past_record.h"

static const brook_group_past_member two[2] = {
    {.member_id = "c-1",
     .client_id = "c",
     .client_host = "/127.0.0.1",
     .session_timeout_ms = 45000,
     .rebalance_timeout_ms = 300000,
     .subscription = (const uint8_t *)"sub\0one",
     .subscription_len = 7,
     .assignment = (const uint8_t *)"A",
     .assignment_len = 1},
    {.member_id = "c-2", .instance_id = "static-2", .client_id = "", .client_host = "h", .session_timeout_ms = 6000}};

static const brook_group_past stable = {.since_ms = 1700000000123,
                                        .protocol_type = "consumer",
                                        .generation = 7,
                                        .protocol_name = "range",
                                        .leader_id = "c-1",
                                        .members = two,
                                        .member_count = 2};

static void a_stable_past_reads_back_whole(void **state)
{
    (void)state;
    brook_group_past *p = past_record_copy(&stable);
    assert_non_null(p);
    assert_int_equal(p->since_ms, 1700000000123);
    assert_false(p->standalone);
    assert_string_equal(p->protocol_type, "consumer");
    assert_int_equal(p->generation, 7);
    assert_string_equal(p->protocol_name, "range");
    assert_string_equal(p->leader_id, "c-1");
    assert_int_equal(p->member_count, 2);
    const brook_group_past_member *m = &p->members[0];
    assert_string_equal(m->member_id, "c-1");
    assert_null(m->instance_id);
    assert_string_equal(m->client_host, "/127.0.0.1");
    assert_int_equal(m->session_timeout_ms, 45000);
    assert_int_equal(m->rebalance_timeout_ms, 300000);
    assert_int_equal(m->subscription_len, 7);
    assert_memory_equal(m->subscription, "sub\0one", 7); /* bytes, NULs included */
    assert_int_equal(m->assignment_len, 1);
    m = &p->members[1];
    assert_string_equal(m->instance_id, "static-2");
    assert_string_equal(m->client_id, "");
    assert_null(m->subscription);
    assert_int_equal(m->assignment_len, 0);
    free(p);
}

static void an_empty_past_is_version_0_as_the_previous_release_writes_it(void **state)
{
    (void)state;
    brook_group_past empty = {.since_ms = 5, .standalone = 1, .generation = 3};
    uint8_t *v;
    size_t len;
    assert_int_equal(past_record_encode(&empty, &v, &len), BROOK_OK);
    const uint8_t want[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 1, 0xff, 0xff};
    assert_int_equal(len, sizeof want);
    assert_memory_equal(v, want, sizeof want);
    free(v);
    const uint8_t old[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 8, 'c', 'o', 'n', 's', 'u', 'm', 'e', 'r'};
    brook_group_past *p = past_record_decode(old, sizeof old);
    assert_non_null(p);
    assert_int_equal(p->since_ms, 9);
    assert_string_equal(p->protocol_type, "consumer");
    assert_int_equal(p->member_count, 0);
    free(p);
}

static void damaged_or_later_values_are_refused(void **state)
{
    (void)state;
    uint8_t *v;
    size_t len;
    assert_int_equal(past_record_encode(&stable, &v, &len), BROOK_OK);
    for (size_t cut = 0; cut < len; cut++)
        assert_null(past_record_decode(v, cut));
    v[0] = 0, v[1] = 2; /* a later version */
    assert_null(past_record_decode(v, len));
    v[1] = 1;
    brook_group_past *p = past_record_decode(v, len);
    assert_non_null(p);
    free(p);
    /* the member count sits after the leader id: claim a million members */
    size_t count_at = 2 + 8 + 1 + (2 + 8) + 4 + (2 + 5) + (2 + 3);
    assert_int_equal(v[count_at + 3], 2);
    v[count_at + 1] = 0x0f;
    assert_null(past_record_decode(v, len));
    free(v);
    /* a member without an id */
    uint8_t none[] = {0, 1, 0, 0,   0,    0,    0, 0, 0, 0, 0,    0,    1,    'c',  0, 0, 0,
                      1, 0, 1, 'r', 0xff, 0xff, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0,
                      0, 0, 0, 0,   0,    0,    0, 0, 0, 0, 0,    0,    0,    0,    0, 0, 0};
    assert_null(past_record_decode(none, sizeof none));
    none[27] = 0, none[28] = 0; /* an empty id: allowed */
    p = past_record_decode(none, sizeof none);
    assert_non_null(p);
    assert_string_equal(p->members[0].member_id, "");
    free(p);
}

static void too_large_a_past_is_not_encoded(void **state)
{
    (void)state;
    size_t big = BROOK_GROUP_PAST_MAX_BYTES;
    uint8_t *assignment = calloc(1, big);
    brook_group_past_member m = two[0];
    m.assignment = assignment;
    m.assignment_len = big;
    brook_group_past p = stable;
    p.members = &m;
    p.member_count = 1;
    uint8_t *v = NULL;
    size_t len;
    assert_int_equal(past_record_encode(&p, &v, &len), BROOK_ERR_TOO_LARGE);
    assert_null(past_record_copy(&p));
    m.assignment_len = big / 2;
    assert_int_equal(past_record_encode(&p, &v, &len), BROOK_OK);
    free(v);
    char name[40000];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = 0;
    m.assignment_len = 0;
    m.client_id = name; /* longer than an int16 length says */
    assert_int_equal(past_record_encode(&p, &v, &len), BROOK_ERR_INVALID);
    free(assignment);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_stable_past_reads_back_whole),
        cmocka_unit_test(an_empty_past_is_version_0_as_the_previous_release_writes_it),
        cmocka_unit_test(damaged_or_later_values_are_refused),
        cmocka_unit_test(too_large_a_past_is_not_encoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
