/* The topic registry (names, persistence, corrupt files) and the router. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "partition.h"
#include "router.h"
#include "throttled_replicas.h"
#include "topics.h"

static char dir[] = "/tmp/brook-topics-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static void names_follow_kafka_rules(void **state)
{
    (void)state;
    assert_true(brook_topic_name_valid("orders"));
    assert_true(brook_topic_name_valid("a.b_c-D9"));
    assert_false(brook_topic_name_valid(""));
    assert_false(brook_topic_name_valid("."));
    assert_false(brook_topic_name_valid(".."));
    assert_false(brook_topic_name_valid("a/b"));
    assert_false(brook_topic_name_valid("a b"));
    assert_true(brook_topic_name_reserved("__consumer_offsets"));
    assert_false(brook_topic_name_reserved("__consumer_offsets2"));
    char long_name[300];
    memset(long_name, 'x', sizeof long_name);
    long_name[249] = '\0';
    assert_true(brook_topic_name_valid(long_name));
    long_name[249] = 'x';
    long_name[250] = '\0';
    assert_false(brook_topic_name_valid(long_name));
}

static void registry_persists_and_reloads(void **state)
{
    (void)state;
    brook_topics t;
    char err[512];
    brook_topic *topic;
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_OK);
    assert_int_equal(t.count, 0);
    assert_int_equal(brook_topics_add(&t, "b", 3, &topic), BROOK_OK);
    assert_int_equal(brook_topics_add(&t, "a", 1, &topic), BROOK_OK);
    assert_int_equal(brook_topics_add(&t, "c", 2, &topic), BROOK_OK);
    assert_int_equal(brook_topics_add(&t, "a", 5, &topic), BROOK_ERR_EXISTS);
    assert_int_equal(brook_topics_add(&t, "bad/name", 5, &topic), BROOK_ERR_INVALID_TOPIC);
    assert_int_equal(brook_topics_add(&t, "zero", 0, &topic), BROOK_ERR_INVALID_PARTITIONS);
    assert_int_equal(brook_topics_remove(&t, "c"), BROOK_OK);
    assert_int_equal(brook_topics_remove(&t, "c"), BROOK_ERR_NOT_FOUND);
    brook_topics_free(&t);

    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_OK);
    assert_int_equal(t.count, 2);
    assert_string_equal(t.items[0]->name, "a"); /* sorted */
    assert_int_equal(brook_topics_find(&t, "b")->partition_count, 3);
    assert_null(brook_topics_find(&t, "c"));
    brook_topics_free(&t);
}

/* A cluster's topics keep their id; a version 1 registry (no ids) still loads. */
static void registry_keeps_topic_ids_and_reads_version_1(void **state)
{
    (void)state;
    char path[256], err[512] = "";
    snprintf(path, sizeof path, "%s/topics", dir);
    FILE *f = fopen(path, "w");
    fputs("brook-topics 1\nold 2\n", f);
    fclose(f);
    brook_topics t;
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_OK);
    assert_string_equal(brook_topics_find(&t, "old")->id, "");
    brook_topic *topic;
    assert_int_equal(brook_topics_insert(&t, "new", 3, &topic), BROOK_OK);
    strcpy(topic->id, "0123456789abcdef0123456789abcdef");
    assert_int_equal(brook_topics_save(&t), BROOK_OK);
    brook_topics_free(&t);
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_OK);
    assert_string_equal(brook_topics_find(&t, "new")->id, "0123456789abcdef0123456789abcdef");
    assert_string_equal(brook_topics_find(&t, "old")->id, "");
    brook_topics_free(&t);
    f = fopen(path, "r");
    char header[64];
    assert_non_null(fgets(header, sizeof header, f));
    fclose(f);
    assert_string_equal(header, "brook-topics 3\n");
    unlink(path);
}

/* A topic's configs survive a restart, whatever bytes a value holds; a
 * version 2 registry (ids, no configs) still loads. */
static void registry_keeps_topic_configs_and_reads_version_2(void **state)
{
    (void)state;
    char path[256], err[512] = "";
    snprintf(path, sizeof path, "%s/topics", dir);
    FILE *f = fopen(path, "w");
    fputs("brook-topics 2\nold 2 -\n", f);
    fclose(f);
    brook_topics t;
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_OK);
    brook_topic *old = brook_topics_find(&t, "old");
    assert_int_equal(old->config.count, 0);
    assert_int_equal(brook_topic_config_set(&old->config, "min.insync.replicas", "2"), BROOK_OK);
    assert_int_equal(brook_topic_config_set(&old->config, "odd", "a b=c%d\n"), BROOK_OK);
    assert_int_equal(brook_topics_save(&t), BROOK_OK);
    brook_topics_free(&t);
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_OK);
    old = brook_topics_find(&t, "old");
    assert_int_equal(old->config.count, 2);
    assert_string_equal(brook_topic_config_get(&old->config, "min.insync.replicas"), "2");
    assert_string_equal(brook_topic_config_get(&old->config, "odd"), "a b=c%d\n");
    brook_topics_free(&t);
    f = fopen(path, "w");
    fputs("brook-topics 3\nx 1 - novalue\n", f);
    fclose(f);
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_ERR_CORRUPT);
    assert_non_null(strstr(err, "topics:2: topic x: malformed configs"));
    f = fopen(path, "w");
    fputs("brook-topics 2\nx 1 - extra\n", f);
    fclose(f);
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_ERR_CORRUPT);
    assert_non_null(strstr(err, "topics:2: malformed entry"));
    f = fopen(path, "w");
    fputs("brook-topics 4\n", f);
    fclose(f);
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_ERR_CORRUPT);
    unlink(path);
}

/* What a topic may set, and the refusals naming the key. */
static void topic_configs_are_checked_by_name_and_value(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(brook_topic_config_check("min.insync.replicas", "2", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check("min.insync.replicas", NULL, err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check("min.insync.replicas", "0", err, sizeof err), BROOK_ERR_INVALID);
    assert_non_null(strstr(err, "min.insync.replicas: \"0\" is not an integer from 1"));
    assert_int_equal(brook_topic_config_check("min.insync.replicas", "2x", err, sizeof err), BROOK_ERR_INVALID);
    assert_int_equal(brook_topic_config_check("unclean.leader.election.enable", "true", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check("unclean.leader.election.enable", "yes", err, sizeof err),
                     BROOK_ERR_INVALID);
    assert_non_null(strstr(err, "unclean.leader.election.enable: \"yes\" is not true or false"));
    assert_int_equal(brook_topic_config_check("compression.type", "lz4", err, sizeof err), BROOK_ERR_INVALID);
    assert_non_null(strstr(err, "compression.type: per-topic values are not supported yet"));
    /* cleanup.policy: a list of delete and compact, each once */
    assert_int_equal(brook_topic_config_check("cleanup.policy", "compact", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check("cleanup.policy", "compact,delete", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check("cleanup.policy", "delete,compact", err, sizeof err), BROOK_OK);
    static const char *const bad_policies[] = {"",       "compact,",      ",delete", "compact,compact",
                                               "squash", "delete compact"};
    for (size_t i = 0; i < sizeof bad_policies / sizeof *bad_policies; i++) {
        assert_int_equal(brook_topic_config_check("cleanup.policy", bad_policies[i], err, sizeof err),
                         BROOK_ERR_INVALID);
        assert_non_null(strstr(err, "cleanup.policy: \""));
    }
    assert_int_equal(brook_topic_config_check("min.cleanable.dirty.ratio", "0.25", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check("min.cleanable.dirty.ratio", "1.5", err, sizeof err), BROOK_ERR_INVALID);
    assert_non_null(strstr(err, "min.cleanable.dirty.ratio: \"1.5\" is not a number from 0 to 1"));
    assert_int_equal(brook_topic_config_check("max.compaction.lag.ms", "0", err, sizeof err), BROOK_ERR_INVALID);
    assert_true(brook_topic_config_by_storage("cleanup.policy"));
    /* IncrementalAlterConfigs' APPEND and SUBTRACT on a list */
    char *list;
    assert_int_equal(brook_topic_config_list_edit("cleanup.policy", "delete", "compact", 1, &list, err, sizeof err),
                     BROOK_OK);
    assert_string_equal(list, "delete,compact");
    free(list);
    assert_int_equal(
        brook_topic_config_list_edit("cleanup.policy", "delete,compact", "delete", 1, &list, err, sizeof err),
        BROOK_OK);
    assert_string_equal(list, "delete,compact"); /* nothing twice */
    free(list);
    assert_int_equal(
        brook_topic_config_list_edit("cleanup.policy", "compact,delete", "delete", 0, &list, err, sizeof err),
        BROOK_OK);
    assert_string_equal(list, "compact");
    free(list);
    assert_int_equal(brook_topic_config_list_edit("cleanup.policy", "compact", "compact", 0, &list, err, sizeof err),
                     BROOK_ERR_INVALID); /* emptied */
    assert_null(list);
    assert_non_null(strstr(err, "cleanup.policy: \"\" is not"));
    assert_int_equal(brook_topic_config_list_edit("cleanup.policy", NULL, "squash", 1, &list, err, sizeof err),
                     BROOK_ERR_INVALID);
    assert_int_equal(brook_topic_config_list_edit("retention.ms", "1", "2", 1, &list, err, sizeof err),
                     BROOK_ERR_INVALID);
    assert_non_null(strstr(err, "retention.ms: not a list config"));
    assert_int_equal(brook_topic_config_check("retention.ms", "-1", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check("retention.ms", "-2", err, sizeof err), BROOK_ERR_INVALID);
    assert_true(brook_topic_config_by_storage("retention.ms"));
    assert_false(brook_topic_config_by_storage("min.insync.replicas"));
    assert_int_equal(brook_topic_config_check("no.such.thing", "1", err, sizeof err), BROOK_ERR_INVALID);
    assert_non_null(strstr(err, "no.such.thing: not a topic config"));

    brook_topic_config a = {0}, b = {0};
    assert_int_equal(brook_topic_config_set(&a, "unclean.leader.election.enable", "true"), BROOK_OK);
    assert_int_equal(brook_topic_config_set(&a, "min.insync.replicas", "3"), BROOK_OK);
    assert_int_equal(brook_topic_config_set(&a, "min.insync.replicas", "2"), BROOK_OK); /* replaced */
    assert_int_equal(a.count, 2);
    assert_string_equal(a.items[0].name, "min.insync.replicas"); /* sorted */
    assert_true(brook_topic_config_flag(&a, "unclean.leader.election.enable", 0));
    assert_false(brook_topic_config_flag(&b, "unclean.leader.election.enable", 0));
    assert_int_equal(brook_topic_config_copy(&b, &a), BROOK_OK);
    assert_true(brook_topic_config_equal(&a, &b));
    assert_int_equal(brook_topic_config_set(&b, "min.insync.replicas", NULL), BROOK_OK); /* back to the default */
    assert_null(brook_topic_config_get(&b, "min.insync.replicas"));
    assert_false(brook_topic_config_equal(&a, &b));
    brook_topic_config_clear(&a);
    brook_topic_config_clear(&b);
}

/* Kafka's throttled-replica lists: checked, edited, and read by one broker. */
static void throttled_replica_lists_are_checked_edited_and_read(void **state)
{
    (void)state;
    char err[256], *list;
    const char *name = "follower.replication.throttled.replicas";
    assert_int_equal(brook_topic_config_check(name, "0:1, 1:2 ,2:3", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check(name, "*", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check(name, "", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_topic_config_check("leader.replication.throttled.replicas", "3:0", err, sizeof err),
                     BROOK_OK);
    const char *bad[] = {"0", "0:", ":1", "a:1", "0:1:2", "*,0:1", "-1:2", "0:99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(brook_topic_config_check(name, bad[i], err, sizeof err), BROOK_ERR_INVALID);
        assert_non_null(strstr(err, "is not \"*\" or a list of PARTITION:BROKER items"));
    }
    /* too long for a topic record */
    size_t len = BROOK_THROTTLED_REPLICAS_MAX_LEN + 4;
    char *huge = malloc(len + 1);
    assert_non_null(huge);
    for (size_t i = 0; i < len; i += 4)
        memcpy(huge + i, "1:1,", 4);
    huge[len - 1] = 0;
    assert_int_equal(brook_topic_config_check(name, huge, err, sizeof err), BROOK_ERR_INVALID);
    free(huge);

    assert_true(brook_topic_config_is_list(name));
    assert_int_equal(brook_topic_config_list_edit(name, "2:1,0:3", "1:1,0:3", 1, &list, err, sizeof err), BROOK_OK);
    assert_string_equal(list, "0:3,1:1,2:1"); /* in order, none twice */
    free(list);
    assert_int_equal(brook_topic_config_list_edit(name, "0:3,1:1,2:1", " 1:1 ", 0, &list, err, sizeof err), BROOK_OK);
    assert_string_equal(list, "0:3,2:1");
    free(list);
    assert_int_equal(brook_topic_config_list_edit(name, "0:3", "0:3", 0, &list, err, sizeof err), BROOK_OK);
    assert_string_equal(list, ""); /* none throttled: fine, unlike an empty cleanup.policy */
    free(list);
    assert_int_equal(brook_topic_config_list_edit(name, NULL, "*", 1, &list, err, sizeof err), BROOK_OK);
    assert_string_equal(list, "*");
    free(list);
    assert_int_equal(brook_topic_config_list_edit(name, "*", "0:1", 0, &list, err, sizeof err), BROOK_OK);
    assert_string_equal(list, "*"); /* one cannot be taken out of every */
    free(list);
    assert_int_equal(brook_topic_config_list_edit(name, "*", "*", 0, &list, err, sizeof err), BROOK_OK);
    assert_string_equal(list, "");
    free(list);
    assert_int_equal(brook_topic_config_list_edit(name, "0:1", "x", 1, &list, err, sizeof err), BROOK_ERR_INVALID);
    assert_non_null(strstr(err, name));

    /* one broker's reading: the partitions named with its id */
    brook_throttled_set set = {0};
    assert_int_equal(brook_throttled_set_update(&set, "5:1,0:2,3:1,5:1", 1), BROOK_OK);
    assert_true(brook_throttled_set_has(&set, 3));
    assert_true(brook_throttled_set_has(&set, 5));
    assert_false(brook_throttled_set_has(&set, 0));
    assert_int_equal(set.count, 2);
    assert_int_equal(brook_throttled_set_update(&set, "*", 1), BROOK_OK);
    assert_true(brook_throttled_set_has(&set, 77));
    assert_int_equal(brook_throttled_set_update(&set, "", 1), BROOK_OK);
    assert_false(brook_throttled_set_has(&set, 77));
    assert_null(set.source);
    brook_throttled_set_clear(&set);
}

static void corrupt_registry_is_reported_with_line(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/topics", dir);
    FILE *f = fopen(path, "w");
    fputs("brook-topics 1\ngood 2\nbad line here\n", f);
    fclose(f);
    brook_topics t;
    char err[512] = "";
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_ERR_CORRUPT);
    assert_non_null(strstr(err, "/topics:3: malformed entry"));
    f = fopen(path, "w");
    fputs("something else\n", f);
    fclose(f);
    assert_int_equal(brook_topics_load(&t, dir, err, sizeof err), BROOK_ERR_CORRUPT);
    assert_non_null(strstr(err, "not a Brook topic registry"));
    unlink(path);
}

static void router_maps_topic_and_partition(void **state)
{
    (void)state;
    brook_broker b;
    memset(&b, 0, sizeof b);
    brook_settings single = {0}; /* no cluster block */
    b.st = &single;
    char err[512];
    assert_int_equal(brook_topics_load(&b.topics, dir, err, sizeof err), BROOK_OK);
    brook_topic *t;
    assert_int_equal(brook_topics_add(&b.topics, "r", 2, &t), BROOK_OK);
    brook_partition parts[2];
    memset(parts, 0, sizeof parts);
    brook_partition *ptrs[2] = {&parts[0], &parts[1]};
    t->partitions = ptrs;
    brook_partition *p;
    assert_int_equal(brook_route(&b, "r", 1, &p), BROOK_OK);
    assert_ptr_equal(p, &parts[1]);
    assert_int_equal(brook_route(&b, "r", 2, &p), BROOK_ERR_NOT_FOUND);
    assert_int_equal(brook_route(&b, "r", -1, &p), BROOK_ERR_NOT_FOUND);
    assert_int_equal(brook_route(&b, "nope", 0, &p), BROOK_ERR_NOT_FOUND);
    assert_int_equal(brook_route(&b, NULL, 0, &p), BROOK_ERR_NOT_FOUND);
    parts[0].closing = 1;
    assert_int_equal(brook_route(&b, "r", 0, &p), BROOK_ERR_LEADER_NOT_AVAILABLE);
    assert_int_equal(brook_route_exists(&b, "r", 1), BROOK_OK);
    assert_int_equal(brook_route_exists(&b, "r", 2), BROOK_ERR_NOT_FOUND);
    t->partitions = NULL;
    brook_topics_free(&b.topics);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_follow_kafka_rules),
        cmocka_unit_test(registry_persists_and_reloads),
        cmocka_unit_test(corrupt_registry_is_reported_with_line),
        cmocka_unit_test(router_maps_topic_and_partition),
        cmocka_unit_test(registry_keeps_topic_ids_and_reads_version_1),
        cmocka_unit_test(registry_keeps_topic_configs_and_reads_version_2),
        cmocka_unit_test(topic_configs_are_checked_by_name_and_value),
        cmocka_unit_test(throttled_replica_lists_are_checked_edited_and_read),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
