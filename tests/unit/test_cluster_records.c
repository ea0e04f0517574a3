/* The cluster's records: topic and partition records round-trip through
 * JSON (a reassignment's lists too); malformed ones (wrong types, duplicate or negative ids, a leader
 * outside the in-sync set, an in-sync replica that is not a replica, an
 * assignment of the wrong shape) are refused with a reason; keys parse back
 * into their topic and partition and nothing else does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "records.h"

static brook_err decode_partition(const char *text, brook_partition_record *p)
{
    char err[128];
    return brook_partition_record_decode((const uint8_t *)text, strlen(text), p, err, sizeof err);
}

static brook_err decode_topic(const char *text, brook_topic_record *t)
{
    char err[128];
    return brook_topic_record_decode((const uint8_t *)text, strlen(text), t, err, sizeof err);
}

static void partition_record_round_trips(void **state)
{
    (void)state;
    int32_t replicas[] = {3, 1, 2}, isr[] = {3, 2};
    brook_partition_record in = {.leader = 3,
                                 .leader_epoch = 7,
                                 .partition_epoch = 12,
                                 .replicas = replicas,
                                 .replica_count = 3,
                                 .isr = isr,
                                 .isr_count = 2};
    char *text;
    assert_int_equal(brook_partition_record_encode(&in, &text), BROOK_OK);
    brook_partition_record out;
    assert_int_equal(decode_partition(text, &out), BROOK_OK);
    free(text);
    assert_int_equal(out.leader, 3);
    assert_int_equal(out.leader_epoch, 7);
    assert_int_equal(out.partition_epoch, 12);
    assert_int_equal(out.replica_count, 3);
    assert_memory_equal(out.replicas, replicas, sizeof replicas);
    assert_int_equal(out.isr_count, 2);
    assert_memory_equal(out.isr, isr, sizeof isr);
    brook_partition_record copy;
    assert_int_equal(brook_partition_record_copy(&copy, &out), BROOK_OK);
    brook_partition_record_clear(&out);
    assert_int_equal(copy.isr[1], 2);
    brook_partition_record_clear(&copy);
}

/* A reassignment's lists round-trip and are written only while one runs
 * (so a record without one reads as before reassignments existed). */
static void reassignment_lists_round_trip(void **state)
{
    (void)state;
    int32_t replicas[] = {4, 2, 1}, isr[] = {1, 2}, adding[] = {4}, removing[] = {1};
    brook_partition_record in = {.leader = 1,
                                 .leader_epoch = 3,
                                 .partition_epoch = 5,
                                 .replicas = replicas,
                                 .replica_count = 3,
                                 .isr = isr,
                                 .isr_count = 2,
                                 .adding = adding,
                                 .adding_count = 1,
                                 .removing = removing,
                                 .removing_count = 1};
    char *text;
    assert_int_equal(brook_partition_record_encode(&in, &text), BROOK_OK);
    brook_partition_record out, copy;
    assert_int_equal(decode_partition(text, &out), BROOK_OK);
    free(text);
    assert_true(brook_partition_record_reassigning(&out));
    assert_int_equal(out.adding_count, 1);
    assert_int_equal(out.adding[0], 4);
    assert_int_equal(out.removing_count, 1);
    assert_int_equal(out.removing[0], 1);
    assert_int_equal(brook_partition_record_copy(&copy, &out), BROOK_OK);
    brook_partition_record_clear(&out);
    assert_int_equal(copy.adding[0], 4);
    assert_int_equal(copy.removing[0], 1);
    brook_partition_record_clear(&copy);

    in.adding_count = in.removing_count = 0;
    assert_int_equal(brook_partition_record_encode(&in, &text), BROOK_OK);
    assert_null(strstr(text, "adding"));
    assert_null(strstr(text, "removing"));
    assert_int_equal(decode_partition(text, &out), BROOK_OK);
    free(text);
    assert_false(brook_partition_record_reassigning(&out));
    brook_partition_record_clear(&out);
}

static void offline_partition_has_no_leader(void **state)
{
    (void)state;
    brook_partition_record p;
    assert_int_equal(
        decode_partition("{\"leader\":-1,\"leader_epoch\":2,\"partition_epoch\":4,\"replicas\":[1,2],\"isr\":[2]}", &p),
        BROOK_OK);
    assert_int_equal(p.leader, -1);
    brook_partition_record_clear(&p);
}

static void malformed_partition_records_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "[]",
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1],\"isr\":[2]}",   /* isr not replica */
        "{\"leader\":2,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1,2],\"isr\":[1]}", /* leader not in sync
                                                                                                   */
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1,1],\"isr\":[1]}", /* duplicate */
        "{\"leader\":1,\"leader_epoch\":-1,\"partition_epoch\":0,\"replicas\":[1],\"isr\":[1]}",  /* epoch */
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[],\"isr\":[]}",     /* no replica */
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[-1],\"isr\":[]}",   /* negative id */
        "{\"leader\":\"1\",\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1],\"isr\":[1]}",
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1],\"isr\":[1]",
        /* a reassignment adding or removing what is not a replica, both, or every replica */
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1],\"isr\":[1],\"adding\":[2]}",
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1,2],\"isr\":[1],\"removing\":[3]}",
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1,2],\"isr\":[1],\"adding\":[2],"
        "\"removing\":[2]}",
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1,2],\"isr\":[1],\"removing\":[1,2]}",
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1,2],\"isr\":[1],\"adding\":[2,2]}",
        "{\"leader\":1,\"leader_epoch\":0,\"partition_epoch\":0,\"replicas\":[1,2],\"isr\":[1],\"adding\":2}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        brook_partition_record p;
        if (decode_partition(bad[i], &p) != BROOK_ERR_CORRUPT)
            fail_msg("accepted: %s", bad[i]);
        assert_null(p.replicas);
    }
}

static void topic_record_round_trips(void **state)
{
    (void)state;
    int32_t assignment[] = {1, 2, 2, 3, 3, 1};
    brook_topic_record in = {.partitions = 3, .replication_factor = 2, .assignment = assignment};
    assert_int_equal(brook_topic_id_new(in.id), BROOK_OK);
    assert_int_equal(strlen(in.id), BROOK_TOPIC_ID_LEN);
    char *text;
    assert_int_equal(brook_topic_record_encode(&in, &text), BROOK_OK);
    brook_topic_record out;
    assert_int_equal(decode_topic(text, &out), BROOK_OK);
    free(text);
    assert_string_equal(out.id, in.id);
    assert_int_equal(out.partitions, 3);
    assert_int_equal(out.replication_factor, 2);
    assert_memory_equal(out.assignment, assignment, sizeof assignment);
    assert_int_equal(out.configs.count, 0); /* none: no "configs" written */
    brook_topic_record_clear(&out);

    /* with the topic's configs */
    assert_int_equal(brook_topic_config_set(&in.configs, "min.insync.replicas", "2"), BROOK_OK);
    assert_int_equal(brook_topic_config_set(&in.configs, "unclean.leader.election.enable", "true"), BROOK_OK);
    assert_int_equal(brook_topic_record_encode(&in, &text), BROOK_OK);
    assert_non_null(strstr(text, "\"configs\":{"));
    assert_int_equal(decode_topic(text, &out), BROOK_OK);
    free(text);
    assert_true(brook_topic_config_equal(&out.configs, &in.configs));
    brook_topic_record_clear(&out);
    brook_topic_config_clear(&in.configs);

    char other[BROOK_TOPIC_ID_LEN + 1];
    assert_int_equal(brook_topic_id_new(other), BROOK_OK);
    assert_string_not_equal(other, in.id);
}

static void malformed_topic_records_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"id\":\"a\",\"partitions\":2,\"replication_factor\":1,\"assignment\":[[1]]}",     /* too few */
        "{\"id\":\"a\",\"partitions\":1,\"replication_factor\":2,\"assignment\":[[1]]}",     /* too short */
        "{\"id\":\"a\",\"partitions\":1,\"replication_factor\":2,\"assignment\":[[1,1]]}",   /* duplicate */
        "{\"id\":\"a\",\"partitions\":0,\"replication_factor\":1,\"assignment\":[]}",        /* no partition */
        "{\"partitions\":1,\"replication_factor\":1,\"assignment\":[[1]]}",                  /* no id */
        "{\"id\":\"a\",\"partitions\":1,\"replication_factor\":1,\"assignment\":[[\"1\"]]}", /* type */
        "{\"id\":\"a\",\"partitions\":1,\"replication_factor\":1,\"assignment\":[[1]],\"configs\":[]}",
        "{\"id\":\"a\",\"partitions\":1,\"replication_factor\":1,\"assignment\":[[1]],\"configs\":{\"x\":1}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        brook_topic_record t;
        if (decode_topic(bad[i], &t) != BROOK_ERR_CORRUPT)
            fail_msg("accepted: %s", bad[i]);
        assert_null(t.assignment);
        assert_int_equal(t.configs.count, 0);
    }
}

static void keys_parse_back(void **state)
{
    (void)state;
    char key[512], topic[256];
    int32_t partition = -1;
    assert_int_equal(brook_topic_key(key, sizeof key, "/brook/c1", "orders.v2"), BROOK_OK);
    assert_int_equal(brook_record_key_parse(key, "/brook/c1", topic, &partition), 1);
    assert_string_equal(topic, "orders.v2");
    assert_int_equal(brook_partition_key(key, sizeof key, "/brook/c1", "orders.v2", 17), BROOK_OK);
    assert_int_equal(brook_record_key_parse(key, "/brook/c1", topic, &partition), 2);
    assert_string_equal(topic, "orders.v2");
    assert_int_equal(partition, 17);
    const char *other[] = {"/brook/c1/brokers/1",     "/brook/c1/controller",      "/brook/c2/topics/x",
                           "/brook/c1/partitions/x/", "/brook/c1/partitions/x/1a", "/brook/c1/partitions/x/-1",
                           "/brook/c1/topics/",       "/brook/c1/topics/a/b",      "/brook/c10/topics/x"};
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (brook_record_key_parse(other[i], "/brook/c1", topic, &partition))
            fail_msg("parsed: %s", other[i]);
    char small[8];
    assert_int_equal(brook_topic_key(small, sizeof small, "/brook/c1", "t"), BROOK_ERR_TOO_LARGE);
}

/* The hex the store's ACL and SCRAM keys use: round trips, refuses what is not hex. */
static void hex_round_trips_and_refuses_bad_text(void **state)
{
    (void)state;
    const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff, '\t'};
    char text[2 * sizeof bytes + 1];
    assert_ptr_equal(brook_hex_encode(bytes, sizeof bytes, text), text + 2 * sizeof bytes);
    assert_string_equal(text, "000fa5ff09");
    uint8_t back[8];
    assert_int_equal(brook_hex_decode(text, strlen(text), back, sizeof back), (long)sizeof bytes);
    assert_memory_equal(back, bytes, sizeof bytes);
    assert_int_equal(brook_hex_decode("0FA5", 4, back, sizeof back), 2); /* either case */
    assert_int_equal(back[0], 0x0f);
    assert_int_equal(brook_hex_decode("", 0, back, sizeof back), 0);
    assert_int_equal(brook_hex_decode("abc", 3, back, sizeof back), -1);       /* odd */
    assert_int_equal(brook_hex_decode("zz", 2, back, sizeof back), -1);        /* not hex */
    assert_int_equal(brook_hex_decode("0g", 2, back, sizeof back), -1);        /* half hex */
    assert_int_equal(brook_hex_decode("000102030405060708", 18, back, 8), -1); /* too many */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(partition_record_round_trips),
        cmocka_unit_test(reassignment_lists_round_trip),
        cmocka_unit_test(offline_partition_has_no_leader),
        cmocka_unit_test(malformed_partition_records_are_refused),
        cmocka_unit_test(topic_record_round_trips),
        cmocka_unit_test(malformed_topic_records_are_refused),
        cmocka_unit_test(keys_parse_back),
        cmocka_unit_test(hex_round_trips_and_refuses_bad_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
