/* codec-kafka: the schema engine against request bytes captured from real
 * clients (tests/vectors/kafka/<client>/: librdkafka via kcat and
 * confluent-kafka, kafka-python, kafkajs),
 * and the codec through its vtable: ApiVersions, unsupported versions,
 * unknown keys, bad sizes, and every truncation of every vector. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "record_batch.h"
#include "loader.h"
#include "loop.h"
#include "metrics.h"
#include "plugin_set.h"

#include "codec_fixture.h"

#include "../../plugins/codec-kafka/kapis.h"
#include "../../plugins/codec-kafka/kschema.h"

typedef struct vector {
    char client[64]; /* the directory it was captured into */
    char name[300];
    uint8_t *data;
    size_t len;
} vector;

#define MAX_VECTORS 128
static vector vectors[MAX_VECTORS];
static size_t nvectors;

static void load_client_vectors(const char *client)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/%s", BROOK_VECTOR_DIR, client);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) && nvectors < MAX_VECTORS) {
        if (!strstr(de->d_name, ".bin"))
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        vector *v = &vectors[nvectors++];
        snprintf(v->client, sizeof v->client, "%s", client);
        snprintf(v->name, sizeof v->name, "%s/%s", client, de->d_name);
        fseek(f, 0, SEEK_END);
        v->len = (size_t)ftell(f);
        fseek(f, 0, SEEK_SET);
        v->data = malloc(v->len);
        assert_int_equal(fread(v->data, 1, v->len, f), v->len);
        fclose(f);
    }
    closedir(d);
}

static void load_vectors(void)
{
    if (nvectors)
        return;
    const char *clients[] = {"librdkafka", "kafka-python", "kafkajs"};
    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++) {
        size_t before = nvectors;
        load_client_vectors(clients[i]);
        assert_true(nvectors - before >= 7); /* every client's capture covers the basics */
    }
    assert_true(nvectors < MAX_VECTORS);
}

static void *arena_alloc(void *ctx, size_t size)
{
    return brook_arena_alloc(ctx, size);
}

/* Body of a captured request: after size, header v1 (or v2 when flexible). */
static const uint8_t *body_of(const vector *v, const kapi **api, int16_t *version, int *flexible)
{
    const uint8_t *p = v->data + 4;
    *api = kapi_find((int16_t)brook_be16(p));
    *version = (int16_t)brook_be16(p + 2);
    assert_non_null(*api);
    *flexible = *version >= (*api)->flexible_from;
    int16_t id_len = (int16_t)brook_be16(p + 8);
    p += 10 + (id_len > 0 ? id_len : 0);
    if (*flexible)
        p += 1; /* header tagged fields: none in these captures */
    return p;
}

static void captured_requests_round_trip(void **state)
{
    (void)state;
    load_vectors();
    for (size_t i = 0; i < nvectors; i++) {
        const kapi *api;
        int16_t version;
        int flexible;
        const uint8_t *body = body_of(&vectors[i], &api, &version, &flexible);
        const uint8_t *end = vectors[i].data + vectors[i].len, *p = body;
        assert_true(version >= api->min_ver && version <= api->max_ver);
        brook_arena arena = {0};
        kval *vals = knew(arena_alloc, &arena, api->request->nfields, 1);
        const char *why = NULL;
        if (kdecode(api->request, version, flexible, &p, end, vals, arena_alloc, &arena, &why))
            fail_msg("%s: %s", vectors[i].name, why);
        assert_ptr_equal(p, end); /* consumed exactly */
        /* encoding the decoded tree gives the client's bytes back */
        collect c = collect_new();
        kout o = {.w = &c.w};
        kencode(api->request, version, flexible, vals, &o);
        kout_flush(&o);
        kout_free(&o);
        if (c.len != (size_t)(end - body) || (c.len && memcmp(c.buf, body, c.len) != 0))
            fail_msg("%s: re-encoded request differs", vectors[i].name);
        free(c.buf);
        if (api->key == API_KEY_API_VERSIONS && version >= 3) { /* v3 names the client */
            assert_int_equal(vals[AV_CLIENT_NAME].len, strlen(vectors[i].client));
            assert_memory_equal(vals[AV_CLIENT_NAME].ptr, vectors[i].client, strlen(vectors[i].client));
        }
        if (api->key == 0 /* Produce */) {
            kval *t = &vals[PRODUCE_TOPICS];
            assert_true(t->len >= 1);
            kval *part = &t->items[PRODUCE_T_PARTITIONS].items[0];
            brook_batch_info info;
            assert_int_equal(brook_batch_check(part[PRODUCE_P_RECORDS].ptr, (size_t)part[PRODUCE_P_RECORDS].len, &info),
                             BROOK_OK);
            assert_true(info.record_count >= 1);
        }
        brook_arena_free(&arena);
    }
}

/* ---- the codec through its vtable ------------------------------------------- */

typedef codec_fixture fixture;

static int setup(void **state)
{
    *state = codec_fixture_open("kafka");
    return *state ? 0 : -1;
}

#define teardown codec_fixture_teardown

static brook_err decode(fixture *f, const uint8_t *frame, size_t len, brook_request *req, brook_arena *arena)
{
    codec_fixture_request(req, arena);
    return f->ops->decode(f->conn, frame, len, req);
}

static void frames_with_bad_sizes_are_refused(void **state)
{
    fixture *f = *state;
    size_t len;
    uint8_t neg[4] = {0xff, 0xff, 0xff, 0xfe}, small[4] = {0, 0, 0, 7}, ok[4] = {0, 0, 0, 20};
    assert_int_equal(f->ops->frame(f->conn, neg, 2, &len), BROOK_ERR_AGAIN);
    assert_int_not_equal(f->ops->frame(f->conn, neg, 4, &len), BROOK_OK);
    assert_int_not_equal(f->ops->frame(f->conn, small, 4, &len), BROOK_OK);
    assert_int_equal(f->ops->frame(f->conn, ok, 4, &len), BROOK_OK);
    assert_int_equal(len, 24);
}

static void api_versions_answers_and_unsupported_versions_get_error_35(void **state)
{
    fixture *f = *state;
    for (int16_t version = 0; version <= 9; version += 3) {
        /* v0/v3 requests as librdkafka and kafka-python send them; v6 and v9 are not ours */
        uint8_t frame[64];
        size_t n = 0;
        n += 4;
        brook_put_be16(frame + n, API_KEY_API_VERSIONS);
        brook_put_be16(frame + n + 2, (uint16_t)version);
        brook_put_be32(frame + n + 4, 77);
        brook_put_be16(frame + n + 8, 1);
        frame[n + 10] = 'c';
        n += 11;
        if (version == 3) {
            frame[n++] = 0;                   /* header tags */
            frame[n++] = 2, frame[n++] = 'x'; /* compact "x" */
            frame[n++] = 2, frame[n++] = '1'; /* compact "1" */
            frame[n++] = 0;                   /* body tags */
        }
        brook_put_be32(frame, (uint32_t)(n - 4));
        brook_arena arena = {0};
        brook_request req;
        assert_int_equal(decode(f, frame, n, &req, &arena), BROOK_OK);
        assert_int_equal(req.type, BROOK_REQ_LOCAL);
        collect c = collect_new();
        assert_int_equal(f->ops->encode(f->conn, &req, &c.w), BROOK_OK);
        assert_int_equal(brook_be32(c.buf), c.len - 4);
        assert_int_equal(brook_be32(c.buf + 4), 77);
        /* the header has no tagged fields even for v3; error code follows */
        int16_t error = (int16_t)brook_be16(c.buf + 8);
        assert_int_equal(error, version > 3 ? 35 : 0);
        /* v0 layout when unsupported: error, array (int32 count), no throttle */
        if (version != 3) {
            int32_t count = (int32_t)brook_be32(c.buf + 10);
            assert_true(count >= 9);
            int found_produce = 0;
            for (int32_t k = 0; k < count; k++) {
                const uint8_t *e = c.buf + 14 + 6 * k;
                if (brook_be16(e) == 0 /* Produce */) {
                    found_produce = 1;
                    assert_int_equal(brook_be16(e + 2), 3); /* Produce from v3: RecordBatch v2 only */
                }
            }
            assert_true(found_produce);
            assert_int_equal(c.len, 14 + 6 * (size_t)count + (version >= 1 && version <= 3 ? 4 : 0));
        }
        free(c.buf);
        brook_arena_free(&arena);
    }
}

static void unknown_keys_and_unsupported_versions_close(void **state)
{
    fixture *f = *state;
    uint8_t frame[] = {0, 0, 0, 10, 0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0xff, 0xff}; /* key 999 */
    brook_arena arena = {0};
    brook_request req;
    assert_int_equal(decode(f, frame, sizeof frame, &req, &arena), BROOK_ERR_UNSUPPORTED);
    assert_non_null(strstr(req.error_message, "unknown Kafka API key 999"));
    uint8_t produce_v2[] = {0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff};
    assert_int_equal(decode(f, produce_v2, sizeof produce_v2, &req, &arena), BROOK_ERR_UNSUPPORTED);
    assert_non_null(strstr(req.error_message, "unsupported version 2 of Kafka API key 0"));
    brook_arena_free(&arena);
}

static void every_truncation_of_every_vector_is_refused_cleanly(void **state)
{
    fixture *f = *state;
    load_vectors();
    for (size_t i = 0; i < nvectors; i++) {
        const vector *v = &vectors[i];
        brook_arena arena = {0};
        brook_request req;
        assert_int_equal(decode(f, v->data, v->len, &req, &arena), BROOK_OK);
        brook_arena_free(&arena);
        for (size_t cut = 12; cut < v->len; cut++) {
            /* the frame claims less than the client sent: the body ends early */
            uint8_t *copy = malloc(cut);
            memcpy(copy, v->data, cut);
            brook_put_be32(copy, (uint32_t)(cut - 4));
            brook_arena a2 = {0};
            brook_err e = decode(f, copy, cut, &req, &a2);
            /* a shorter body can still be valid (trailing optional fields);
             * what matters is no crash and no read past the end (ASan) */
            (void)e;
            brook_arena_free(&a2);
            free(copy);
        }
    }
}

/* Every field of every schema has a name (no hole left by an index with
 * no table entry), struct arrays point at their sub-schema, and every row
 * of the registry is whole, with a unique key. */
static void check_fields(const char *api, const kfield *fields, uint16_t n)
{
    for (uint16_t k = 0; k < n; k++) {
        if (!fields[k].name)
            fail_msg("%s: field %u of a schema has no entry (an index without its table row)", api, k);
        if (fields[k].type == KT_STRUCTS) {
            if (!fields[k].fields || !fields[k].nfields)
                fail_msg("%s.%s: a struct array without its fields", api, fields[k].name);
            check_fields(api, fields[k].fields, fields[k].nfields);
        }
    }
}

static void every_api_row_is_whole(void **state)
{
    (void)state;
    size_t n;
    const kapi *apis = kapi_all(&n);
    assert_true(n >= 22);
    for (size_t i = 0; i < n; i++) {
        const kapi *a = &apis[i];
        assert_non_null(a->name);
        if (!a->request || !a->response || !a->decode || !a->encode)
            fail_msg("%s: incomplete row", a->name);
        if (a->min_ver > a->max_ver)
            fail_msg("%s: versions %d..%d", a->name, a->min_ver, a->max_ver);
        check_fields(a->name, a->request->fields, a->request->nfields);
        check_fields(a->name, a->response->fields, a->response->nfields);
        assert_ptr_equal(kapi_find(a->key), a);
        for (size_t j = i + 1; j < n; j++)
            if (apis[j].key == a->key)
                fail_msg("%s and %s share key %d", a->name, apis[j].name, a->key);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(captured_requests_round_trip),
        cmocka_unit_test(every_api_row_is_whole),
        cmocka_unit_test_setup_teardown(frames_with_bad_sizes_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(api_versions_answers_and_unsupported_versions_get_error_35, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_keys_and_unsupported_versions_close, setup, teardown),
        cmocka_unit_test_setup_teardown(every_truncation_of_every_vector_is_refused_cleanly, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    for (size_t i = 0; i < nvectors; i++)
        free(vectors[i].data);
    return rc;
}
