/* The loader and plugin set: every refusal names the file and both ABI
 * versions; an older-minor plugin loads with only its slots callable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"
#include "loader.h"
#include "loop.h"
#include "metrics.h"
#include "plugin_set.h"

static void expect_refusal(const char *name, const char *needle1, const char *needle2)
{
    brook_loaded p;
    char err[1024] = "";
    assert_int_not_equal(brook_loader_open(BROOK_TEST_PLUGIN_DIR, BROOK_PLUGIN_STORAGE, name, &p, err, sizeof err),
                         BROOK_OK);
    char file[512];
    snprintf(file, sizeof file, "brook_storage_%s.so", name);
    if (!strstr(err, file) || !strstr(err, needle1) || (needle2 && !strstr(err, needle2)))
        fail_msg("refusal of %s: \"%s\" lacks \"%s\" / \"%s\"", name, err, needle1, needle2 ? needle2 : "");
    assert_null(p.dl);
}

#define STR_(x) #x
#define STR(x)  STR_(x)
#define ABI     "ABI " STR(BROOK_ABI_MAJOR) "." STR(BROOK_ABI_MINOR)

static void refusals_name_file_and_versions(void **state)
{
    (void)state;
    char newer[64], other_major[64];
    snprintf(newer, sizeof newer, "built for plugin ABI %d.%d", BROOK_ABI_MAJOR, BROOK_ABI_MINOR + 1);
    snprintf(other_major, sizeof other_major, "built for plugin ABI %d.%d", BROOK_ABI_MAJOR + 98, BROOK_ABI_MINOR);
    expect_refusal("missing", "not found", "brookd " ABI);
    expect_refusal("text", "cannot load", "brookd " ABI);
    expect_refusal("unresolved", "brook_test_symbol_that_does_not_exist", "brookd " ABI);
    expect_refusal("nodesc", "no \"brook_plugin\" descriptor symbol", "brookd " ABI);
    expect_refusal("major", other_major, "this brookd speaks " ABI);
    expect_refusal("minor", newer, "newer than this brookd's " ABI);
    expect_refusal("kind", "is a codec plugin", "configured as storage");
    expect_refusal("misnamed", "names itself \"someone-else\"", NULL);
    expect_refusal("tiny", "vtable of 8 bytes", "brookd " ABI);
    expect_refusal("nullslot", "required storage slot \"when_durable\" is NULL", NULL);
    expect_refusal("../etc", "invalid plugin name", NULL);
}

static void older_plugin_loads_without_its_missing_slots(void **state)
{
    (void)state;
    brook_loaded p;
    char err[1024] = "";
    assert_int_equal(brook_loader_open(BROOK_TEST_PLUGIN_DIR, BROOK_PLUGIN_STORAGE, "old", &p, err, sizeof err),
                     BROOK_OK);
    brook_plugin_instance inst = {.loaded = p};
    assert_true(brook_has_slot(&inst, brook_storage_ops, open));
    assert_true(brook_has_slot(&inst, brook_storage_ops, read));
    assert_false(brook_has_slot(&inst, brook_storage_ops, truncate));
    assert_false(brook_has_slot(&inst, brook_storage_ops, offset_for_timestamp));
    brook_loader_close(&p);
}

/* A plugin set from configuration text, loaded against the real plugins
 * and the broken ones. */
static brook_err load_set(const char *text, const char *dir, brook_plugin_set *set, char *err, size_t errlen, int start)
{
    static brook_config c;
    static brook_host_env env;
    brook_loop *loop = NULL;
    brook_metrics *metrics = NULL;
    brook_loop_new(&loop);
    brook_metrics_new(&metrics);
    env = (brook_host_env){.loop = loop, .metrics = metrics, .config = &c, .data_dir = "/tmp", .broker_id = 0};
    brook_err e = brook_config_load(&c, NULL, text, "set.conf", err, errlen);
    if (!e)
        e = brook_config_validate(&c, err, errlen);
    if (!e)
        e = brook_plugin_set_load(set, &c, dir, &env, err, errlen);
    if (!e && start)
        e = brook_plugin_set_start(set, err, errlen);
    brook_plugin_set_unload(set);
    brook_config_free(&c);
    brook_metrics_free(metrics);
    brook_loop_free(loop);
    return e;
}

#define LISTENER "listeners = ( { name = \"n\"; codec = \"native\"; address = \"127.0.0.1:0\"; } );\n"

static void plugin_set_refusals(void **state)
{
    (void)state;
    brook_plugin_set set;
    char err[2048];
    assert_int_equal(
        load_set(LISTENER "storage = { plugin = \"memory\"; };\n", BROOK_PLUGIN_DIR, &set, err, sizeof err, 1),
        BROOK_OK);

    assert_int_not_equal(load_set(LISTENER "storage = { plugin = \"memory\"; };\n"
                                           "auth = ( { plugin = \"anonymous\"; },\n { plugin = \"anonymous\"; } );\n",
                                  BROOK_PLUGIN_DIR, &set, err, sizeof err, 0),
                         BROOK_OK);
    assert_non_null(strstr(err, "auth plugin \"anonymous\" is configured twice"));

    assert_int_not_equal(load_set(LISTENER "storage = { plugin = \"memory\"; max_bytes = \"lots\"; };\n",
                                  BROOK_PLUGIN_DIR, &set, err, sizeof err, 0),
                         BROOK_OK);
    assert_non_null(strstr(err, "set.conf:2: storage.max_bytes: must be an integer"));

    assert_int_not_equal(load_set(LISTENER "storage = { plugin = \"memory\"; max_bytes = -5; };\n", BROOK_PLUGIN_DIR,
                                  &set, err, sizeof err, 0),
                         BROOK_OK);
    assert_non_null(strstr(err, "set.conf:2: storage.max_bytes: must be >= 1"));

    assert_int_not_equal(
        load_set(LISTENER "storage = { plugin = \"failinit\"; };\n", BROOK_TEST_PLUGIN_DIR, &set, err, sizeof err, 1),
        BROOK_OK);
    assert_non_null(strstr(err, "brook_storage_failinit.so (\"failinit\" 9.9.9): init failed"));

    assert_int_not_equal(
        load_set(LISTENER "storage = { plugin = \"major\"; };\n", BROOK_TEST_PLUGIN_DIR, &set, err, sizeof err, 0),
        BROOK_OK);
    assert_non_null(strstr(err, "set.conf:2: storage plugin"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refusals_name_file_and_versions),
        cmocka_unit_test(older_plugin_loads_without_its_missing_slots),
        cmocka_unit_test(plugin_set_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
