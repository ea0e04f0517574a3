/* codec-native through its vtable, as the core drives it: framing, decoding
 * of every operation, bad input (wrong types, unknown ops, no id, garbage,
 * hostile container sizes), and response encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "record_batch.h"
#include "config.h"
#include "loader.h"
#include "loop.h"
#include "metrics.h"
#include "plugin_set.h"

#include "codec_fixture.h"

#include "../../plugins/codec-native/msgpack_check.h"

typedef codec_fixture fixture;

static int setup(void **state)
{
    *state = codec_fixture_open("native");
    return *state ? 0 : -1;
}

#define teardown codec_fixture_teardown

/* Frame a packed body and decode it. */
static brook_err decode(fixture *f, const msgpack_sbuffer *body, brook_request *req, uint8_t **frame)
{
    *frame = malloc(body->size + 4);
    brook_put_be32(*frame, (uint32_t)body->size);
    memcpy(*frame + 4, body->data, body->size);
    size_t flen = 0;
    assert_int_equal(f->ops->frame(f->conn, *frame, body->size + 4, &flen), BROOK_OK);
    assert_int_equal(flen, body->size + 4);
    codec_fixture_request(req, &f->arena);
    return f->ops->decode(f->conn, *frame, flen, req);
}

static void pack_s(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str_with_body(pk, s, strlen(s));
}

/* A request map of `fields` entries into a new sb, its "id" and "op"
 * packed (the first two); the caller packs the rest. */
static void begin_request(msgpack_sbuffer *sb, msgpack_packer *pk, uint32_t fields, uint32_t id, const char *op)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(pk, fields);
    pack_s(pk, "id");
    msgpack_pack_uint32(pk, id);
    pack_s(pk, "op");
    pack_s(pk, op);
}

static void framing(void **state)
{
    fixture *f = *state;
    uint8_t hdr[4] = {0, 0, 0, 10};
    size_t len;
    assert_int_equal(f->ops->frame(f->conn, hdr, 3, &len), BROOK_ERR_AGAIN);
    assert_int_equal(f->ops->frame(f->conn, hdr, 4, &len), BROOK_OK);
    assert_int_equal(len, 14);
    uint8_t zero[4] = {0};
    assert_int_not_equal(f->ops->frame(f->conn, zero, 4, &len), BROOK_OK);
    uint8_t huge[4] = {0xff, 0xff, 0xff, 0xff};
    assert_int_equal(f->ops->frame(f->conn, huge, 4, &len), BROOK_OK);
    assert_int_equal(len, 4 + (size_t)0xffffffffu); /* the core refuses it against max_frame_bytes */
}

static void produce_builds_a_valid_batch(void **state)
{
    fixture *f = *state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin_request(&sb, &pk, 6, 42, "produce");
    pack_s(&pk, "topic");
    pack_s(&pk, "t");
    pack_s(&pk, "partition");
    msgpack_pack_int(&pk, 2);
    pack_s(&pk, "acks");
    msgpack_pack_int(&pk, -1);
    pack_s(&pk, "records");
    msgpack_pack_array(&pk, 2);
    msgpack_pack_map(&pk, 4);
    pack_s(&pk, "key");
    msgpack_pack_bin_with_body(&pk, "\x00\xff", 2);
    pack_s(&pk, "value");
    pack_s(&pk, "v1");
    pack_s(&pk, "timestamp");
    msgpack_pack_int64(&pk, 1234);
    pack_s(&pk, "headers");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_array(&pk, 2);
    pack_s(&pk, "hk");
    msgpack_pack_nil(&pk);
    msgpack_pack_map(&pk, 1);
    pack_s(&pk, "value");
    msgpack_pack_nil(&pk);
    brook_request req;
    uint8_t *frame;
    assert_int_equal(decode(f, &sb, &req, &frame), BROOK_OK);
    assert_int_equal(req.type, BROOK_REQ_PRODUCE);
    assert_int_equal(req.u.produce.acks, -1);
    brook_produce_partition *pp = &req.u.produce.topics[0].partitions[0];
    assert_string_equal(req.u.produce.topics[0].name, "t");
    assert_int_equal(pp->partition, 2);
    brook_batch_iter it;
    brook_record r;
    assert_int_equal(brook_batch_iter_init(&it, pp->records, pp->records_len), BROOK_OK);
    assert_int_equal(brook_batch_iter_next(&it, &r), BROOK_OK);
    assert_int_equal(r.key_len, 2);
    assert_memory_equal(r.key, "\x00\xff", 2);
    assert_int_equal(r.timestamp, 1234);
    assert_int_equal(r.header_count, 1);
    assert_int_equal(brook_batch_iter_next(&it, &r), BROOK_OK);
    assert_int_equal(r.key_len, -1);
    assert_int_equal(r.value_len, -1);
    assert_true(r.timestamp > 1600000000000); /* defaulted to now */
    free(frame);
    msgpack_sbuffer_destroy(&sb);
}

/* A request of {"id": 7, "op": op, key: <value packed by fn>} must decode
 * to BROOK_REQ_INVALID with a message naming `needle`. */
static void expect_invalid(fixture *f, const char *op, const char *key, void (*fn)(msgpack_packer *),
                           const char *needle)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin_request(&sb, &pk, key ? 4 : 2, 7, op);
    if (key) {
        pack_s(&pk, "topic");
        pack_s(&pk, "t");
        pack_s(&pk, key);
        fn(&pk);
    }
    brook_request req;
    uint8_t *frame;
    assert_int_equal(decode(f, &sb, &req, &frame), BROOK_OK);
    assert_int_equal(req.type, BROOK_REQ_INVALID);
    assert_int_not_equal(req.error, BROOK_OK);
    if (!req.error_message || !strstr(req.error_message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", req.error_message ? req.error_message : "(null)", needle);
    free(frame);
    msgpack_sbuffer_destroy(&sb);
}

static void p_string(msgpack_packer *pk)
{
    pack_s(pk, "seven");
}
static void p_negative(msgpack_packer *pk)
{
    msgpack_pack_int(pk, -5);
}
static void p_int(msgpack_packer *pk)
{
    msgpack_pack_int(pk, 5);
}
static void p_empty_array(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 0);
}
static void p_bad_record(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 1);
    pack_s(pk, "value");
    msgpack_pack_int(pk, 3);
}

static void wrong_types_get_error_responses(void **state)
{
    fixture *f = *state;
    expect_invalid(f, "fetch", "partition", p_string, "\"partition\" must be an integer");
    expect_invalid(f, "fetch", "offset", p_negative, "\"offset\" must be an integer >= 0");
    expect_invalid(f, "fetch", "max_wait_ms", p_string, "max_wait_ms");
    expect_invalid(f, "produce", "acks", p_int, "\"acks\" must be -1, 0 or 1");
    expect_invalid(f, "produce", "records", p_empty_array, "\"records\" must be a non-empty array");
    expect_invalid(f, "produce", "records", p_bad_record, "\"value\" must be bytes");
    expect_invalid(f, "produce", "batch", p_int, "\"batch\" must be RecordBatch v2 bytes");
    expect_invalid(f, "create_topic", "partitions", p_string, "\"partitions\"");
    expect_invalid(f, "explode", NULL, NULL, "unknown \"op\"");
    expect_invalid(f, "list_offsets", "timestamp", p_string, "timestamp");
    expect_invalid(f, "delete_records", "timeout_ms", p_negative, "\"timeout_ms\" must be an integer >= 0");
}

/* A follower's replica_fetch of one partition, with `log_start` as the
 * follower's log start. */
static void decode_replica_fetch(fixture *f, int64_t log_start, brook_request *req, uint8_t **frame)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin_request(&sb, &pk, 4, 9, "replica_fetch");
    pack_s(&pk, "replica_id");
    msgpack_pack_int(&pk, 2);
    pack_s(&pk, "partitions");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 4);
    pack_s(&pk, "topic");
    pack_s(&pk, "t");
    pack_s(&pk, "partition");
    msgpack_pack_int(&pk, 0);
    pack_s(&pk, "offset");
    msgpack_pack_int(&pk, 20);
    pack_s(&pk, "log_start_offset");
    msgpack_pack_int64(&pk, log_start);
    assert_int_equal(decode(f, &sb, req, frame), BROOK_OK);
    msgpack_sbuffer_destroy(&sb);
}

/* A follower says where its log starts (the leader answers DeleteRecords
 * once every live replica's start passed the offset); a negative start is
 * refused by name. */
static void replica_fetch_carries_the_followers_log_start(void **state)
{
    fixture *f = *state;
    brook_request req;
    uint8_t *frame;
    decode_replica_fetch(f, 12, &req, &frame);
    assert_int_equal(req.type, BROOK_REQ_FETCH);
    assert_int_equal(req.u.fetch.replica_id, 2);
    assert_int_equal(req.u.fetch.topics[0].partitions[0].fetch_offset, 20);
    assert_int_equal(req.u.fetch.topics[0].partitions[0].replica_log_start_offset, 12);
    free(frame);
    decode_replica_fetch(f, -1, &req, &frame);
    assert_int_equal(req.type, BROOK_REQ_INVALID);
    assert_non_null(strstr(req.error_message, "\"log_start_offset\" must be an integer >= 0"));
    free(frame);
}

static void undecodable_frames_are_refused(void **state)
{
    fixture *f = *state;
    const struct {
        const char *bytes;
        size_t len;
    } cases[] = {
        {"\xc1", 1},                     /* never-used type byte */
        {"\x93\x01\x02\x03", 4},         /* an array, not a map */
        {"\x81\xa2id\xa1x", 6},          /* id is a string */
        {"\x80", 1},                     /* empty map: no id */
        {"\x81\xa2id\x07\x00", 6},       /* trailing bytes */
        {"\xdd\xff\xff\xff\xff", 5},     /* array32 claiming 4 billion elements */
        {"\xdf\x7f\xff\xff\xff\x01", 6}, /* map32 claiming 2 billion pairs */
        {"\xdb\xff\xff\xff\xff", 5},     /* str32 longer than the frame */
        {"\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\x91\xc0", 21}, /* too deep */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msgpack_sbuffer sb = {.data = (char *)cases[i].bytes, .size = cases[i].len};
        brook_request req;
        uint8_t *frame;
        if (decode(f, &sb, &req, &frame) == BROOK_OK)
            fail_msg("case %zu was accepted", i);
        assert_non_null(req.error_message);
        free(frame);
    }
}

static void msgpack_check_bounds(void **state)
{
    (void)state;
    size_t used;
    assert_int_equal(native_msgpack_check((const uint8_t *)"\x81\xa1"
                                                           "a\x01",
                                          4, 8, &used),
                     0);
    assert_int_equal(used, 4);
    assert_int_not_equal(native_msgpack_check((const uint8_t *)"\x81\xa1"
                                                               "a",
                                              3, 8, &used),
                         0);
    assert_int_not_equal(native_msgpack_check((const uint8_t *)"", 0, 8, &used), 0);
    assert_int_equal(native_msgpack_check((const uint8_t *)"\xc4\x02xy", 4, 8, &used), 0);
    assert_int_not_equal(native_msgpack_check((const uint8_t *)"\xc4\x03xy", 4, 8, &used), 0);
    assert_int_equal(native_msgpack_check((const uint8_t *)"\x91\x91\xc0", 3, 2, &used), 0);
    assert_int_not_equal(native_msgpack_check((const uint8_t *)"\x91\x91\x91\xc0", 4, 2, &used), 0);
}

static const msgpack_object *field(const msgpack_object *map, const char *key)
{
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (map->via.map.ptr[i].key.via.str.size == strlen(key) &&
            memcmp(map->via.map.ptr[i].key.via.str.ptr, key, strlen(key)) == 0)
            return &map->via.map.ptr[i].val;
    return NULL;
}

static void fetch_response_decodes_records(void **state)
{
    fixture *f = *state;
    /* decode a fetch request, then fill it as the core would */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    begin_request(&sb, &pk, 4, 9, "fetch");
    pack_s(&pk, "topic");
    pack_s(&pk, "t");
    pack_s(&pk, "offset");
    msgpack_pack_int(&pk, 11);
    brook_request req;
    uint8_t *frame;
    assert_int_equal(decode(f, &sb, &req, &frame), BROOK_OK);
    assert_int_equal(req.type, BROOK_REQ_FETCH);
    brook_fetch_partition *fp = &req.u.fetch.topics[0].partitions[0];
    assert_int_equal(fp->fetch_offset, 11);

    brook_batch_builder *b;
    brook_batch_builder_new(&b);
    for (int i = 0; i < 3; i++) {
        brook_record r = {.timestamp = 100 + i, .key_len = -1, .value = (const uint8_t *)"abc", .value_len = i};
        brook_batch_builder_add(b, &r, NULL, 0);
    }
    const uint8_t *data;
    size_t len;
    brook_batch_builder_finish(b, &data, &len);
    uint8_t *batch = malloc(len);
    memcpy(batch, data, len);
    brook_put_be64(batch, 10); /* offsets 10..12: the fetch starts inside */
    brook_slice slice = {.fd = -1, .data = batch, .len = len};
    fp->slices = &slice;
    fp->slice_count = 1;
    fp->high_watermark = 13;
    collect c = collect_new();
    assert_int_equal(f->ops->encode(f->conn, &req, &c.w), BROOK_OK);
    assert_int_equal(brook_be32(c.buf), c.len - 4);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&up, (const char *)c.buf + 4, c.len - 4, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(field(&up.data, "id")->via.u64, 9);
    assert_int_equal(field(&up.data, "error")->via.u64, 0);
    assert_int_equal(field(&up.data, "high_watermark")->via.u64, 13);
    assert_int_equal(field(&up.data, "next_offset")->via.u64, 13);
    const msgpack_object *recs = field(&up.data, "records");
    assert_int_equal(recs->via.array.size, 2);
    assert_int_equal(field(&recs->via.array.ptr[0], "offset")->via.u64, 11);
    assert_int_equal(field(&recs->via.array.ptr[1], "value")->via.bin.size, 2);
    msgpack_unpacked_destroy(&up);
    free(c.buf);
    brook_batch_builder_free(b);
    free(batch);
    free(frame);
    msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(framing),
        cmocka_unit_test(produce_builds_a_valid_batch),
        cmocka_unit_test(wrong_types_get_error_responses),
        cmocka_unit_test(replica_fetch_carries_the_followers_log_start),
        cmocka_unit_test(undecodable_frames_are_refused),
        cmocka_unit_test(msgpack_check_bounds),
        cmocka_unit_test(fetch_response_decodes_records),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
