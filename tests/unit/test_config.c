/* Configuration: parsing errors with file:line, unknown keys, wrong types,
 * required keys, ranges, --set overrides, plugin option blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_options.h"

#define MINIMAL                                                                                                        \
    "listeners = ( { name = \"n\"; codec = \"native\"; address = \"127.0.0.1:0\"; } );\n"                              \
    "storage = { plugin = \"memory\"; };\n"

static brook_err load(brook_config *c, const char *text, char *err)
{
    brook_err e = brook_config_load(c, NULL, text, "test.conf", err, 1024);
    if (e)
        return e;
    return brook_config_validate(c, err, 1024);
}

static void minimal_config_gets_defaults(void **state)
{
    (void)state;
    brook_config c;
    char err[1024] = "";
    assert_int_equal(load(&c, MINIMAL, err), BROOK_OK);
    const brook_settings *s = &c.settings;
    assert_int_equal(s->broker_id, 0);
    char expected[PATH_MAX + 8];
    assert_non_null(getcwd(expected, PATH_MAX)); /* no file: the working directory's "./data" */
    strcat(expected, "/data");
    assert_string_equal(s->data_dir, expected);
    assert_null(s->plugin_dir);
    assert_int_equal(s->max_frame_bytes, 104857600);
    assert_int_equal(s->default_partitions, 1);
    assert_true(s->auto_create_topics);
    assert_int_equal(s->listener_count, 1);
    assert_string_equal(s->listeners[0].codec, "native");
    assert_string_equal(s->storage[0].name, "memory");
    assert_string_equal(s->replication[0].name, "none");
    assert_int_equal(s->auth_count, 1);
    assert_string_equal(s->auth[0].name, "anonymous");
    assert_int_equal(s->codec_count, 1); /* implied by the listener */
    assert_string_equal(s->codecs[0].name, "native");
    brook_config_free(&c);
}

static void expect_error(const char *text, const char *needle)
{
    brook_config c;
    char err[1024] = "";
    assert_int_not_equal(load(&c, text, err), BROOK_OK);
    if (!strstr(err, needle))
        fail_msg("error \"%s\" does not contain \"%s\"", err, needle);
    brook_config_free(&c);
}

/* Storage and replication as a list of named blocks: the first is the
 * default; every block of a list has its own name. */
static void named_storage_and_strategies(void **state)
{
    (void)state;
    brook_config c;
    char err[1024] = "";
    const char *listeners = "listeners = ( { name = \"n\"; codec = \"native\"; address = \"127.0.0.1:0\"; } );\n";
    char text[2048];
    snprintf(text, sizeof text,
             "%sstorage = ( { name = \"disk\"; plugin = \"segment\"; flush = \"always\"; },\n"
             "            { name = \"ram\"; plugin = \"memory\"; } );\n"
             "replication = { plugin = \"none\"; name = \"local\"; };\n",
             listeners);
    assert_int_equal(load(&c, text, err), BROOK_OK);
    assert_int_equal(c.settings.storage_count, 2);
    assert_string_equal(c.settings.storage[0].instance, "disk");
    assert_string_equal(c.settings.storage[0].name, "segment");
    assert_string_equal(c.settings.storage[1].instance, "ram");
    assert_int_equal(c.settings.replication_count, 1);
    assert_string_equal(c.settings.replication[0].instance, "local");
    brook_config_free(&c);
    /* a lone block is named after its plugin */
    snprintf(text, sizeof text, "%sstorage = { plugin = \"memory\"; };\n", listeners);
    assert_int_equal(load(&c, text, err), BROOK_OK);
    assert_string_equal(c.settings.storage[0].instance, "memory");
    brook_config_free(&c);

    snprintf(text, sizeof text, "%sstorage = ( { plugin = \"memory\"; } );\n", listeners);
    expect_error(text, "test.conf:2: storage.[0]: missing key \"name\"");
    snprintf(text, sizeof text,
             "%sstorage = ( { name = \"a\"; plugin = \"memory\"; }, { name = \"a\"; plugin = \"segment\"; } );\n",
             listeners);
    expect_error(text, "names another block of the list already");
    snprintf(text, sizeof text, "%sstorage = { name = \"no spaces\"; plugin = \"memory\"; };\n", listeners);
    expect_error(text, "must be a name of [a-zA-Z0-9._-] characters");
    snprintf(text, sizeof text, "%sstorage = ();\n", listeners);
    expect_error(text, "storage: must be a plugin block");
}

static void bad_configs_name_file_line_and_key(void **state)
{
    (void)state;
    expect_error(MINIMAL "broker = { idd = 3; };\n", "test.conf:3: broker.idd: unknown key");
    expect_error(MINIMAL "\nbroker = { id = \"three\"; };\n", "test.conf:4: broker.id: must be an integer");
    expect_error(MINIMAL "topics = { auto_create = 1; };\n", "topics.auto_create: must be a boolean");
    expect_error(MINIMAL "bogus = 1;\n", "test.conf:3: bogus: unknown key");
    expect_error("storage = { plugin = \"memory\"; };\n", "missing required key \"listeners\"");
    expect_error("listeners = ( { name = \"n\"; codec = \"native\"; } );\nstorage = { plugin = \"memory\"; };\n",
                 "listeners.[0]: missing required key \"address\"");
    expect_error(MINIMAL "broker = { id = -1; };\n", "broker.id: -1 is out of range");
    expect_error(MINIMAL "limits = { max_frame_bytes = 10; };\n", "limits.max_frame_bytes: 10 is out of range");
    expect_error(MINIMAL "limits = { idle_memory_trim_ms = -1; };\n", "limits.idle_memory_trim_ms: -1 is out of range");
    expect_error(MINIMAL "limits = { client_fault_log_lines = 0; };\n",
                 "limits.client_fault_log_lines: 0 is out of range");
    expect_error(MINIMAL "limits = { client_fault_log_window_ms = 99; };\n",
                 "limits.client_fault_log_window_ms: 99 is out of range");
    expect_error(MINIMAL "groups = { offsets_retention_ms = -2; };\n",
                 "groups.offsets_retention_ms: -2 is out of range");
    expect_error(MINIMAL "transactions = { max_timeout_ms = 0; };\n", "transactions.max_timeout_ms: 0 is out of range");
    expect_error(MINIMAL "transactions = { abort_timed_out_interval_ms = 5; };\n",
                 "transactions.abort_timed_out_interval_ms: 5 is out of range");
    expect_error(MINIMAL "transactions = { id_expiration_ms = 999; };\n",
                 "transactions.id_expiration_ms: 999 is out of range");
    expect_error(MINIMAL "groups = { offsets_retention_check_ms = 5; };\n",
                 "groups.offsets_retention_check_ms: 5 is out of range");
    expect_error(MINIMAL "broker = { log_level = \"loud\"; };\n", "broker.log_level: must be one of");
    expect_error("listeners = ( { name = \"n\"; codec = \"native\"; address = \"nowhere\"; } );\n"
                 "storage = { plugin = \"memory\"; };\n",
                 "listeners.[0].address: must be host:port");
    expect_error("listeners = ( { name = \"n\"; codec = \"native\"; address = \"127.0.0.1:0\"; },\n"
                 "              { name = \"n\"; codec = \"native\"; address = \"127.0.0.1:0\"; } );\n"
                 "storage = { plugin = \"memory\"; };\n",
                 "duplicate listener name");
    expect_error(MINIMAL "replication = { name = \"none\"; };\n", "missing required key \"plugin\"");
    expect_error("listeners = ( { name = \"n\"; codec = \"kafka\"; address = \"127.0.0.1:0\";\n"
                 "                advertised_address = \"nohost\"; } );\nstorage = { plugin = \"memory\"; };\n",
                 "listeners.[0].advertised_address: must be host:port");
    expect_error(MINIMAL "auth = ( { plugin = 3; } );\n", "auth.[0].plugin: must be a string");
    expect_error("listeners = ();\nstorage = { plugin = \"memory\"; };\n", "at least one listener");
    expect_error(MINIMAL "metrics = { address = \"9644\"; };\n", "test.conf:3: metrics.address: must be host:port");
    expect_error(MINIMAL "metrics = { address = \"127.0.0.1:70000\"; };\n", "metrics.address: must be host:port");
    expect_error(MINIMAL "metrics = { address = 9644; };\n", "metrics.address: must be a string");
    expect_error(MINIMAL "metrics = { port = 9644; };\n", "metrics.port: unknown key");
}

static void syntax_error_has_line(void **state)
{
    (void)state;
    brook_config c;
    char err[1024];
    assert_int_not_equal(brook_config_load(&c, NULL, "a = 1;\nb = ;\n", "x.conf", err, sizeof err), BROOK_OK);
    assert_non_null(strstr(err, "x.conf:2:"));
    brook_config_free(&c);
    /* libconfig 1.5 would wrap these to 32 bits without a word */
    static const char *wide[] = {"a = 1;\n# 99999999999 in a comment\nb = \"4294967296\";\nc = 10000000000;\n",
                                 "a = 2147483648;", "a = -2147483649;", "a = 0x100000000;", "a = [1, 3000000000];"};
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        assert_int_not_equal(brook_config_load(&c, NULL, wide[i], "x.conf", err, sizeof err), BROOK_OK);
        if (!strstr(err, "does not fit in 32 bits") || !strstr(err, "L suffix"))
            fail_msg("%s: %s", wide[i], err);
        brook_config_free(&c);
    }
    assert_non_null(strstr(err, "x.conf:1: 3000000000 does not fit"));
    assert_int_equal(brook_config_load(&c, NULL, wide[0], "x.conf", err, sizeof err), BROOK_ERR_INVALID);
    assert_non_null(strstr(err, "x.conf:4: 10000000000 does not fit in 32 bits"));
    brook_config_free(&c);
    static const char *fine[] = {"a = 2147483647; b = -2147483648; c = 10000000000L; d = 1e12; e = 0x7fffffff;",
                                 "listeners = ( { address = \"127.0.0.1:99999999999\"; } ); x_12345678901 = 1;"};
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) {
        if (brook_config_load(&c, NULL, fine[i], "x.conf", err, sizeof err))
            fail_msg("%s: %s", fine[i], err);
        brook_config_free(&c);
    }
    assert_int_equal(brook_config_load(&c, "/nonexistent/brook.conf", NULL, NULL, err, sizeof err),
                     BROOK_ERR_NOT_FOUND);
    assert_non_null(strstr(err, "/nonexistent/brook.conf: cannot open"));
    brook_config_free(&c);
}

static void set_overrides_and_creates(void **state)
{
    (void)state;
    brook_config c;
    char err[1024] = "";
    assert_int_equal(brook_config_load(&c, NULL, MINIMAL, "t", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_config_set(&c, "broker.id=7", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_config_set(&c, "broker.data_dir=/tmp/x", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_config_set(&c, "topics.auto_create=false", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_config_set(&c, "listeners.[0].address=127.0.0.1:1234", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_config_set(&c, "limits.max_frame_bytes=5000000000", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_config_set(&c, "storage.max_bytes=4096", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_config_set(&c, "storage.label=\"quoted\"", err, sizeof err), BROOK_OK);
    /* out of range only after validation, with the key named */
    assert_int_not_equal(brook_config_validate(&c, err, sizeof err), BROOK_OK);
    assert_non_null(strstr(err, "limits.max_frame_bytes"));
    assert_int_equal(brook_config_set(&c, "limits.max_frame_bytes=2048", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_config_validate(&c, err, sizeof err), BROOK_OK);
    assert_int_equal(c.settings.broker_id, 7);
    assert_string_equal(c.settings.data_dir, "/tmp/x");
    assert_false(c.settings.auto_create_topics);
    assert_string_equal(c.settings.listeners[0].address, "127.0.0.1:1234");
    config_setting_t *label = config_setting_get_member(c.settings.storage[0].block, "label");
    assert_string_equal(config_setting_get_string(label), "quoted");

    assert_int_not_equal(brook_config_set(&c, "broker.id=abc", err, sizeof err), BROOK_OK);
    assert_non_null(strstr(err, "broker.id: expected an integer"));
    assert_int_not_equal(brook_config_set(&c, "novalue", err, sizeof err), BROOK_OK);
    assert_int_not_equal(brook_config_set(&c, "listeners.[5].name=x", err, sizeof err), BROOK_OK);
    assert_int_not_equal(brook_config_set(&c, "broker=3", err, sizeof err), BROOK_OK);
    assert_int_not_equal(brook_config_set(&c, "topics.auto_create=maybe", err, sizeof err), BROOK_OK);
    assert_int_equal(brook_config_set(&c, "brokr.id=1", err, sizeof err), BROOK_OK);
    assert_int_not_equal(brook_config_validate(&c, err, sizeof err), BROOK_OK);
    assert_non_null(strstr(err, "--set: brokr: unknown key"));
    brook_config_free(&c);
}

static const brook_option opts[] = {
    BROOK_OPTION_INT("size", "10", NULL, NULL, "a size"),
    BROOK_OPTION_STRING("label", NULL, "a label"),
    BROOK_OPTION_BOOL("on", "true", "a switch"),
    BROOK_OPTION_DOUBLE("ratio", "0.5", NULL, NULL, "a ratio"),
    BROOK_OPTION_END,
};

static void plugin_options_checked_against_declared_table(void **state)
{
    (void)state;
    brook_config c;
    char err[1024] = "";
    assert_int_equal(load(&c, MINIMAL "codecs = ( { plugin = \"native\"; size = 3; ratio = 2; } );\n", err), BROOK_OK);
    const config_setting_t *block = c.settings.codecs[0].block;
    assert_int_equal(brook_options_validate(&c, block, opts, "native", err, sizeof err), BROOK_OK);
    int64_t i;
    double d;
    int b;
    const char *s;
    assert_int_equal(brook_options_int(block, opts, "size", &i), BROOK_OK);
    assert_int_equal(i, 3);
    assert_int_equal(brook_options_double(block, opts, "ratio", &d), BROOK_OK);
    assert_true(d == 2.0);
    assert_int_equal(brook_options_bool(block, opts, "on", &b), BROOK_OK);
    assert_true(b);
    assert_int_equal(brook_options_string(block, opts, "label", &s), BROOK_ERR_NOT_FOUND);
    assert_int_equal(brook_options_int(block, opts, "label", &i), BROOK_ERR_INVALID);
    assert_int_equal(brook_options_int(block, opts, "undeclared", &i), BROOK_ERR_INVALID);
    assert_int_equal(brook_options_int(NULL, opts, "size", &i), BROOK_OK);
    assert_int_equal(i, 10);
    brook_config_free(&c);

    assert_int_equal(load(&c, MINIMAL "codecs = ( { plugin = \"native\";\n sise = 3; } );\n", err), BROOK_OK);
    assert_int_not_equal(brook_options_validate(&c, c.settings.codecs[0].block, opts, "native", err, sizeof err),
                         BROOK_OK);
    assert_non_null(
        strstr(err, "test.conf:4: codecs.[0].sise: unknown key (plugin \"native\" has no option \"sise\")"));
    brook_config_free(&c);

    assert_int_equal(load(&c, MINIMAL "codecs = ( { plugin = \"native\"; size = \"big\"; } );\n", err), BROOK_OK);
    assert_int_not_equal(brook_options_validate(&c, c.settings.codecs[0].block, opts, "native", err, sizeof err),
                         BROOK_OK);
    assert_non_null(strstr(err, "codecs.[0].size: must be an integer"));
    brook_config_free(&c);

    static const brook_option bad_default[] = {BROOK_OPTION_INT("n", "ten", NULL, NULL, "x"), BROOK_OPTION_END};
    assert_int_equal(load(&c, MINIMAL, err), BROOK_OK);
    assert_int_not_equal(brook_options_validate(&c, NULL, bad_default, "p", err, sizeof err), BROOK_OK);
    assert_non_null(strstr(err, "plugin \"p\" declares option \"n\" with a default that does not parse"));
    brook_config_free(&c);
}

static const char *const colours[] = {"red", "green", "blue", NULL};
static const brook_option ranged[] = {
    BROOK_OPTION_INT("segment_bytes", "1024", "1024", "4294967295", "a bounded size"),
    BROOK_OPTION_INT("floor", "0", "-1", NULL, "only a lower bound"),
    BROOK_OPTION_DOUBLE("ratio", "0.5", "0", "1", "a fraction"),
    BROOK_OPTION_ENUM("colour", "red", colours, "one of three"),
    BROOK_OPTION_REQUIRED_STRING("file", "a file that must be named"),
    BROOK_OPTION_END,
};

/* The declared bounds, allowed values and required keys: each refusal
 * names file:line, the key and what would be accepted. */
static void plugin_options_checked_against_bounds_and_allowed_values(void **state)
{
    (void)state;
    static const struct {
        const char *block;
        const char *message; /* NULL: accepted */
    } cases[] = {
        {"file = \"f\";", NULL},
        {"file = \"f\"; segment_bytes = 4294967295L; floor = -1; ratio = 1; colour = \"blue\";", NULL},
        {"file = \"f\"; segment_bytes = 10;",
         "test.conf:5: codecs.[0].segment_bytes: must be between 1024 and 4294967295"},
        {"file = \"f\"; segment_bytes = 4294967296L;", "codecs.[0].segment_bytes: must be between 1024 and 4294967295"},
        {"file = \"f\"; floor = -2;", "codecs.[0].floor: must be >= -1"},
        {"file = \"f\"; ratio = 1.5;", "codecs.[0].ratio: must be between 0 and 1"},
        {"file = \"f\"; ratio = -1;", "codecs.[0].ratio: must be between 0 and 1"},
        {"file = \"f\"; colour = \"sometimes\";",
         "codecs.[0].colour: must be one of \"red\", \"green\" or \"blue\", not \"sometimes\""},
        {"colour = \"red\";",
         "test.conf:3: codecs.[0]: plugin \"p\" needs option \"file\" (a file that must be named)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        brook_config c;
        char conf[512], err[1024] = "";
        snprintf(conf, sizeof conf, MINIMAL "codecs = ( {\n plugin = \"p\";\n %s } );\n", cases[i].block);
        if (load(&c, conf, err))
            fail_msg("case %zu: %s", i, err);
        brook_err e = brook_options_validate(&c, c.settings.codecs[0].block, ranged, "p", err, sizeof err);
        if (!cases[i].message) {
            if (e)
                fail_msg("case %zu refused: %s", i, err);
        } else {
            assert_int_not_equal(e, BROOK_OK);
            if (!strstr(err, cases[i].message))
                fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].message);
        }
        brook_config_free(&c);
    }
}

/* A plugin whose own table is wrong is refused by name, whatever the block. */
static void plugin_option_tables_are_checked(void **state)
{
    (void)state;
    static const brook_option out_of_bounds[] = {BROOK_OPTION_INT("n", "0", "1", NULL, "x"), BROOK_OPTION_END};
    static const brook_option bounds_on_string[] = {
        {.name = "s", .type = BROOK_OPT_STRING, .default_value = "a", .min = "1"}, BROOK_OPTION_END};
    static const brook_option not_allowed[] = {BROOK_OPTION_ENUM("colour", "pink", colours, "x"), BROOK_OPTION_END};
    static const brook_option required_default[] = {
        {.name = "f", .type = BROOK_OPT_STRING, .flags = BROOK_OPT_F_REQUIRED, .default_value = "x"}, BROOK_OPTION_END};
    static const brook_option bad_bound[] = {BROOK_OPTION_INT("n", "5", "one", NULL, "x"), BROOK_OPTION_END};
    static const struct {
        const brook_option *table;
        const char *message;
    } cases[] = {
        {out_of_bounds, "declares option \"n\" with a default outside its bounds"},
        {bounds_on_string, "declares option \"s\" with bounds on an option that is not a number"},
        {not_allowed, "declares option \"colour\" with a default that is not among its allowed values"},
        {required_default, "declares option \"f\" with a default although it is required"},
        {bad_bound, "declares option \"n\" with bounds that do not parse as its type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        brook_config c;
        char err[1024] = "";
        assert_int_equal(load(&c, MINIMAL, err), BROOK_OK);
        assert_int_not_equal(brook_options_validate(&c, NULL, cases[i].table, "p", err, sizeof err), BROOK_OK);
        if (!strstr(err, cases[i].message))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].message);
        brook_config_free(&c);
    }
}

/* A cluster needs a listener the brokers reach each other on: the first
 * native one without SASL and either without TLS or with TLS that requires
 * client certificates, or the one named. */
static void cluster_needs_an_inter_broker_listener(void **state)
{
    (void)state;
#define CLUSTER_WITH(x)                                                                                                \
    "cluster = { endpoints = \"http://127.0.0.1:2379\"; " x " };\nstorage = { plugin = \"memory\"; };\n"
#define CLUSTER CLUSTER_WITH("")
#define KAFKA   "{ name = \"k\"; codec = \"kafka\"; address = \"127.0.0.1:0\"; }"
#define NATIVE  "{ name = \"n\"; codec = \"native\"; address = \"127.0.0.1:0\"; }"
#define SASL    "{ name = \"s\"; codec = \"native\"; address = \"127.0.0.1:0\"; sasl = true; }"
#define TLS(name, auth)                                                                                                \
    "{ name = \"" name                                                                                                 \
    "\"; codec = \"native\"; address = \"127.0.0.1:0\"; tls = { cert = \"c.pem\"; key = \"c.key\"; ca = "              \
    "\"ca.pem\"; client_auth = \"" auth "\"; }; }"
    brook_config c;
    char err[1024] = "";
    assert_int_equal(load(&c, CLUSTER "listeners = ( " KAFKA ", " SASL ", " NATIVE " );\n", err), BROOK_OK);
    assert_string_equal(c.settings.inter_broker_listener, "n");
    assert_int_equal(c.settings.default_replication_factor, 1);
    brook_config_free(&c);
    expect_error(CLUSTER "listeners = ( " KAFKA " );\n", "needs a listener with codec \"native\"");
    expect_error(CLUSTER "listeners = ( " KAFKA ", " SASL " );\n", "no SASL, and either no TLS or TLS that requires");
    expect_error(CLUSTER "listeners = ( " KAFKA ", " TLS("r", "requested") " );\n",
                 "TLS that requires client certificates");
    /* TLS requiring client certificates: brokers authenticate each other */
    assert_int_equal(
        load(&c, CLUSTER "listeners = ( " SASL ", " TLS("r", "requested") ", " TLS("t", "required") " );\n", err),
        BROOK_OK);
    assert_string_equal(c.settings.inter_broker_listener, "t");
    brook_config_free(&c);
    expect_error(CLUSTER_WITH("inter_broker_listener = \"r\";") "listeners = ( " TLS("r", "requested") " );\n",
                 "cluster.inter_broker_listener: an inter-broker listener with TLS must require client certificates");
    expect_error(CLUSTER_WITH("inter_broker_listener = \"k\";") "listeners = ( " KAFKA ", " NATIVE " );\n",
                 "codec \"native\"");
    expect_error(CLUSTER_WITH("inter_broker_listener = \"s\";") "listeners = ( " KAFKA ", " SASL " );\n",
                 "test.conf:1: cluster.inter_broker_listener: the inter-broker listener cannot have SASL");
    expect_error(CLUSTER_WITH("inter_broker_listener = \"x\";") "listeners = ( " NATIVE " );\n", "names no listener");
    expect_error(MINIMAL "topics = { default_replication_factor = 0; };\n", "topics.default_replication_factor");
    assert_int_equal(load(&c, CLUSTER "listeners = ( " NATIVE " );\n", err), BROOK_OK);
    assert_int_equal(c.settings.replica_fetch_wait_ms, 500);
    assert_int_equal(c.settings.rack_aware_reads, 0); /* consumers read from leaders, as Kafka's default */
    assert_int_equal(c.settings.controlled_shutdown_timeout_ms, 10000);
    brook_config_free(&c);
    assert_int_equal(load(&c, CLUSTER_WITH("controlled_shutdown_timeout_ms = 0;") "listeners = ( " NATIVE " );\n", err),
                     BROOK_OK); /* 0: SIGTERM stops at once */
    assert_int_equal(c.settings.controlled_shutdown_timeout_ms, 0);
    brook_config_free(&c);
    expect_error(CLUSTER_WITH("controlled_shutdown_timeout_ms = -1;") "listeners = ( " NATIVE " );\n",
                 "cluster.controlled_shutdown_timeout_ms: -1 is out of range");
    expect_error(CLUSTER_WITH("controlled_shutdown_timeout_ms = 600001;") "listeners = ( " NATIVE " );\n",
                 "cluster.controlled_shutdown_timeout_ms: 600001 is out of range");
    assert_int_equal(load(&c, CLUSTER_WITH("replica_selector = \"rack\";") "listeners = ( " NATIVE " );\n", err),
                     BROOK_OK);
    assert_int_equal(c.settings.rack_aware_reads, 1);
    brook_config_free(&c);
    expect_error(CLUSTER_WITH("replica_selector = \"nearest\";") "listeners = ( " NATIVE " );\n",
                 "test.conf:1: cluster.replica_selector: must be leader or rack");
    /* etcd over TLS: https:// endpoints, with etcd_tls for its CA and this broker's certificate */
#define HTTPS_WITH(x)                                                                                                  \
    "cluster = { endpoints = \"https://10.0.0.1:2379,https://10.0.0.2:2379\"; " x " };\nstorage = { plugin = "         \
    "\"memory\"; };\nlisteners = ( " NATIVE " );\n"
    assert_int_equal(load(&c, HTTPS_WITH("etcd_tls = { ca = \"ca.pem\"; cert = \"b.pem\"; key = \"b.key\"; };"), err),
                     BROOK_OK);
    assert_string_equal(c.settings.etcd_ca, "ca.pem");
    assert_string_equal(c.settings.etcd_cert, "b.pem");
    assert_string_equal(c.settings.etcd_key, "b.key");
    brook_config_free(&c);
    assert_int_equal(load(&c, HTTPS_WITH(""), err), BROOK_OK); /* the system's CAs, no client certificate */
    assert_null(c.settings.etcd_ca);
    brook_config_free(&c);
    expect_error(HTTPS_WITH("etcd_tls = { cert = \"b.pem\"; };"), "cluster.etcd_tls: needs both cert and key");
    expect_error(CLUSTER_WITH("etcd_tls = { ca = \"ca.pem\"; };") "listeners = ( " NATIVE " );\n",
                 "cluster.etcd_tls: is for https:// endpoints");
#define ENDPOINTS(x)                                                                                                   \
    "cluster = { endpoints = \"" x "\"; };\nstorage = { plugin = \"memory\"; };\nlisteners = ( " NATIVE " );\n"
    expect_error(ENDPOINTS("http://a:1,https://b:2"), "cluster.endpoints: must be all http:// or all https://");
    expect_error(ENDPOINTS("ftp://a:1"), "cluster.endpoints: must be http:// or https:// URLs");
#undef HTTPS_WITH
#undef ENDPOINTS
    expect_error(CLUSTER_WITH("replica_fetch_wait_ms = 5;") "listeners = ( " NATIVE " );\n",
                 "cluster.replica_fetch_wait_ms: 5 is out of range");
    expect_error(CLUSTER_WITH("replica_fetch_wait_ms = 60001;") "listeners = ( " NATIVE " );\n",
                 "cluster.replica_fetch_wait_ms: 60001 is out of range");
#undef CLUSTER
#undef CLUSTER_WITH
#undef KAFKA
#undef NATIVE
#undef SASL
#undef TLS
}

static void shipped_default_config_is_valid(void **state)
{
    (void)state;
    brook_config c;
    char err[1024] = "";
    assert_int_equal(brook_config_load(&c, BROOK_SOURCE_DIR "/config/brook.conf", NULL, NULL, err, sizeof err),
                     BROOK_OK);
    assert_int_equal(brook_config_validate(&c, err, sizeof err), BROOK_OK);
    assert_string_equal(c.settings.listeners[0].codec, "kafka");
    assert_string_equal(c.settings.listeners[0].address, "127.0.0.1:9092");
    assert_string_equal(c.settings.listeners[1].codec, "native");
    assert_string_equal(c.settings.listeners[1].address, "127.0.0.1:9093");
    assert_string_equal(c.settings.storage[0].name, "segment");
    brook_config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(minimal_config_gets_defaults),
        cmocka_unit_test(bad_configs_name_file_line_and_key),
        cmocka_unit_test(named_storage_and_strategies),
        cmocka_unit_test(syntax_error_has_line),
        cmocka_unit_test(set_overrides_and_creates),
        cmocka_unit_test(plugin_options_checked_against_declared_table),
        cmocka_unit_test(plugin_options_checked_against_bounds_and_allowed_values),
        cmocka_unit_test(plugin_option_tables_are_checked),
        cmocka_unit_test(cluster_needs_an_inter_broker_listener),
        cmocka_unit_test(shipped_default_config_is_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
