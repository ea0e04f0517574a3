/* storage-segment's log cleaner through the plugin's vtable, on a real
 * event loop and I/O threads: the latest record per key survives with its
 * offset, tombstones go after delete.retention.ms, nothing at or past the
 * high watermark is touched, an idempotent producer's last batch stays as
 * an empty header, and a cleaning cut short at either side of its decision
 * point is dropped or finished at the next open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "record_batch.h"

#include "storage_fixture.h"

#define OPTIONS                                                                                                        \
    "segment_bytes = 1024; flush = \"os\"; cleanup_policy = \"compact\"; cleaner_check_ms = 5; "                       \
    "min_cleanable_dirty_ratio = 0.01; "

/* One record key "k<key>": value "v<offset>", or a tombstone (value < 0). */
static int64_t append_keyed_with(env *e, void *log, int key, int tombstone, int64_t ts, int64_t producer_id,
                                 uint16_t attributes);

static int64_t append_keyed(env *e, void *log, int key, int tombstone, int64_t ts, int64_t producer_id)
{
    return append_keyed_with(e, log, key, tombstone, ts, producer_id, 0);
}

/* `attributes` set in the header (transactional 0x10, control 0x20). */
static int64_t append_keyed_with(env *e, void *log, int key, int tombstone, int64_t ts, int64_t producer_id,
                                 uint16_t attributes)
{
    int64_t start, end;
    e->ops->offsets(log, &start, &end);
    char k[16], v[32];
    snprintf(k, sizeof k, "k%d", key);
    snprintf(v, sizeof v, "v%" PRId64, end);
    brook_batch_builder *b;
    brook_batch_builder_new(&b);
    brook_record r = {.timestamp = ts,
                      .key = (const uint8_t *)k,
                      .key_len = (int32_t)strlen(k),
                      .value = tombstone ? NULL : (const uint8_t *)v,
                      .value_len = tombstone ? -1 : (int32_t)strlen(v)};
    brook_batch_builder_add(b, &r, NULL, 0);
    const uint8_t *data;
    size_t len;
    brook_batch_builder_finish(b, &data, &len);
    uint8_t *copy = malloc(len);
    memcpy(copy, data, len);
    brook_batch_builder_free(b);
    brook_put_be64(copy, (uint64_t)end);
    if (producer_id >= 0)
        brook_put_be64(copy + BROOK_BATCH_OFF_PRODUCER_ID, (uint64_t)producer_id);
    brook_put_be16(copy + BROOK_BATCH_OFF_ATTRIBUTES, attributes);
    brook_put_be32(copy + BROOK_BATCH_OFF_CRC, brook_batch_crc(copy, len));
    assert_int_equal(e->ops->append(log, copy, len), BROOK_OK);
    free(copy);
    return end;
}

typedef struct seen {
    int64_t latest_offset[64]; /* per key: the offset read last, -1 none */
    int times[64];             /* per key: how many records were read */
    int tombstones;
    int empty_batches;
    int64_t batches;
    uint8_t present[1024]; /* per offset below 1024: a record read there */
} seen;

/* Read the whole log and check each record is where its value says. */
static void read_all(env *e, void *log, seen *out)
{
    memset(out, 0, sizeof *out);
    for (int k = 0; k < 64; k++)
        out->latest_offset[k] = -1;
    int64_t start, end, at;
    e->ops->offsets(log, &start, &end);
    at = start;
    while (at < end) {
        brook_slice s[16];
        size_t n, bytes;
        assert_int_equal(e->ops->read(log, at, end, 1 << 20, s, 16, &n, &bytes), BROOK_OK);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i++) {
            uint8_t *buf = malloc(s[i].len);
            assert_int_equal(pread(s[i].fd, buf, s[i].len, s[i].file_offset), (ssize_t)s[i].len);
            for (size_t pos = 0; pos < s[i].len;) {
                brook_batch_info info;
                assert_int_equal(brook_batch_check(buf + pos, s[i].len - pos, &info), BROOK_OK);
                out->batches++;
                out->empty_batches += info.record_count == 0;
                brook_batch_iter it;
                brook_record r;
                assert_int_equal(brook_batch_iter_init(&it, buf + pos, info.size), BROOK_OK);
                while (brook_batch_iter_next(&it, &r) == BROOK_OK) {
                    int key = atoi((const char *)r.key + 1);
                    assert_true(key >= 0 && key < 64);
                    if (r.offset >= 0 && r.offset < 1024)
                        out->present[r.offset] = 1;
                    out->times[key]++;
                    out->latest_offset[key] = r.offset;
                    if (r.value_len < 0) {
                        out->tombstones++;
                    } else {
                        char want[32];
                        snprintf(want, sizeof want, "v%" PRId64, r.offset);
                        assert_int_equal(r.value_len, strlen(want)); /* the offset it was given */
                        assert_memory_equal(r.value, want, strlen(want));
                    }
                }
                at = info.last_offset + 1;
                pos += info.size;
            }
            free(buf);
            s[i].release(s[i].owner);
        }
    }
}

/* Compactions finished so far by this test's plugin instance. */
static int64_t cleanings_finished(env *e)
{
    brook_metric *m;
    brook_metrics_register(e->s.metrics, "storage_segment_cleaner_cleanings_total", BROOK_METRIC_COUNTER, "", &m);
    return brook_metric_value(m);
}

/* Spin until a compaction has finished and the log holds at most
 * `max_batches` batches, none of its keys more than `max_per_key` times
 * (bounded). A count alone is not enough: a log is compacted in rounds
 * (a segment still being sealed waits for the next), each putting its
 * groups in the log one by one, so a log half way can already be short
 * while later segments still hold every key. */
static int settle_to(env *e, void *log, int64_t max_batches, int max_per_key)
{
    seen s;
    for (int i = 0; i < 400; i++) {
        spin(e, 5);
        if (cleanings_finished(e) == 0)
            continue;
        read_all(e, log, &s);
        int most = 0;
        for (int k = 0; k < 64; k++)
            most = s.times[k] > most ? s.times[k] : most;
        if (s.batches <= max_batches && most <= max_per_key)
            return 1;
    }
    return 0;
}

static void keeps_the_latest_record_of_each_key_at_its_offset(void **state)
{
    env *e = *state;
    start(e, OPTIONS);
    void *log;
    assert_int_equal(e->ops->open(e->state, "c", 0, 1, &log), BROOK_OK);
    int64_t latest[10];
    for (int i = 0; i < 300; i++)
        latest[i % 10] = append_keyed(e, log, i % 10, 0, 1000 + i, -1);
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    seen before;
    read_all(e, log, &before);
    assert_int_equal(before.batches, 300);
    e->ops->committed(log, end);
    assert_true(settle_to(e, log, 60, 2)); /* 10 keys in the cleaned part + the active segment's */
    seen after;
    read_all(e, log, &after);
    for (int k = 0; k < 10; k++) {
        assert_int_equal(after.latest_offset[k], latest[k]); /* the latest, at its own offset */
        assert_true(after.times[k] <= 1 + before.times[k] - 29);
    }
    int64_t start2, end2;
    e->ops->offsets(log, &start2, &end2);
    assert_int_equal(start2, 0); /* offsets stay: the log still starts and ends where it did */
    assert_int_equal(end2, end);
    /* appends go on after the cleaned segments */
    assert_int_equal(append_keyed(e, log, 3, 0, 5000, -1), end);
    e->ops->close(log);
    /* and a reopen reads the cleaned segments from their files */
    assert_int_equal(e->ops->open(e->state, "c", 0, 0, &log), BROOK_OK);
    seen reopened;
    read_all(e, log, &reopened);
    assert_int_equal(reopened.latest_offset[3], end);
    for (int k = 0; k < 10; k++)
        if (k != 3)
            assert_int_equal(reopened.latest_offset[k], latest[k]);
    e->ops->close(log);
    stop(e);
}

static void tombstones_go_after_delete_retention(void **state)
{
    env *e = *state;
    start(e, OPTIONS "delete_retention_ms = 60000;");
    void *log;
    assert_int_equal(e->ops->open(e->state, "t", 0, 1, &log), BROOK_OK);
    int64_t now = e->s.inst.host.now_ms(&e->s.inst.host);
    /* keys 0-4: values then tombstones, an hour old; keys 5-9: values then fresh tombstones */
    for (int i = 0; i < 100; i++)
        append_keyed(e, log, i % 10, 0, now - 3600000, -1);
    for (int k = 0; k < 5; k++)
        append_keyed(e, log, k, 1, now - 3600000, -1);
    for (int k = 5; k < 10; k++)
        append_keyed(e, log, k, 1, now, -1);
    for (int i = 0; i < 40; i++) /* what rolls the tombstones out of the active segment */
        append_keyed(e, log, 20, 0, now, -1);
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    e->ops->committed(log, end);
    seen s;
    int done = 0;
    for (int i = 0; i < 400 && !done; i++) {
        spin(e, 5);
        read_all(e, log, &s);
        done = s.times[0] == 0 && s.times[5] == 1;
    }
    assert_true(done);
    for (int k = 0; k < 5; k++)
        assert_int_equal(s.times[k], 0); /* old tombstones and what they deleted: gone */
    for (int k = 5; k < 10; k++)
        assert_int_equal(s.times[k], 1); /* fresh tombstones stay, alone */
    assert_int_equal(s.tombstones, 5);
    e->ops->close(log);
    stop(e);
}

static void nothing_at_or_past_the_high_watermark_is_compacted(void **state)
{
    env *e = *state;
    start(e, OPTIONS);
    void *log;
    assert_int_equal(e->ops->open(e->state, "h", 0, 1, &log), BROOK_OK);
    for (int i = 0; i < 300; i++)
        append_keyed(e, log, i % 10, 0, 1000 + i, -1);
    spin(e, 100); /* no high watermark yet: nothing is committed */
    seen s;
    read_all(e, log, &s);
    assert_int_equal(s.batches, 300);
    e->ops->committed(log, 150);
    assert_true(settle_to(e, log, 160, INT_MAX));
    read_all(e, log, &s);
    for (int o = 150; o < 300; o++) /* every record from the high watermark on is still there */
        assert_true(s.present[o]);
    assert_true(s.batches < 300); /* and some before it went */
    e->ops->close(log);
    stop(e);
}

static void a_producers_last_batch_stays_as_an_empty_header(void **state)
{
    env *e = *state;
    start(e, OPTIONS);
    void *log;
    assert_int_equal(e->ops->open(e->state, "p", 0, 1, &log), BROOK_OK);
    append_keyed(e, log, 1, 0, 1000, 7); /* producer 7's first and last batch */
    for (int i = 0; i < 100; i++)
        append_keyed(e, log, 1, 0, 1001 + i, -1); /* supersedes it */
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    e->ops->committed(log, end);
    seen s;
    int done = 0;
    for (int i = 0; i < 400 && !done; i++) {
        spin(e, 5);
        read_all(e, log, &s);
        done = s.empty_batches == 1 && s.batches < 40;
    }
    assert_true(done);
    e->ops->close(log);
    stop(e);
}

static int count_suffix(const env *e, const char *dir, const char *suffix)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", e->dir, dir);
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name), k = strlen(suffix);
        n += l > k && strcmp(de->d_name + l - k, suffix) == 0;
    }
    if (d)
        closedir(d);
    return n;
}

/* Spin until a cleaning of the log in `dir` is writing its output (bounded).
 * The sighting itself is what is checked: the I/O thread may finish that
 * group (renaming its .cleaned away) before a second look. */
static void wait_for_a_cleaning(env *e, const char *dir)
{
    int writing = 0;
    for (int i = 0; i < 400 && writing != 1; i++) {
        writing = count_suffix(e, dir, ".cleaned");
        if (writing != 1)
            spin(e, 5);
    }
    assert_int_equal(writing, 1);
}

/* Truncation, then close, while a slow cleaning is under way: each settles
 * it, and the log reads back whole and right. */
static void truncation_and_close_during_a_cleaning_settle_it(void **state)
{
    env *e = *state;
    start(e, OPTIONS "cleaner_io_bytes_per_second = 20000;"); /* a step of 2000 bytes every tenth of a second */
    void *log;
    assert_int_equal(e->ops->open(e->state, "slow", 0, 1, &log), BROOK_OK);
    int64_t latest[10];
    for (int i = 0; i < 300; i++)
        latest[i % 10] = append_keyed(e, log, i % 10, 0, 1000 + i, -1);
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    e->ops->committed(log, end);
    wait_for_a_cleaning(e, "slow-0"); /* a cleaning is writing */
    assert_int_equal(e->ops->truncate(log, 290), BROOK_OK);
    e->ops->offsets(log, &start_off, &end);
    assert_int_equal(end, 290);
    seen s;
    read_all(e, log, &s);
    for (int k = 0; k < 10; k++) /* records 280-289 are each key's latest now */
        assert_int_equal(s.latest_offset[k], latest[k] < 290 ? latest[k] : latest[k] - 10);
    e->ops->committed(log, end);
    wait_for_a_cleaning(e, "slow-0");
    e->ops->close(log); /* in the middle of the next one */
    assert_int_equal(e->ops->open(e->state, "slow", 0, 0, &log), BROOK_OK);
    assert_int_equal(count_suffix(e, "slow-0", ".cleaned") + count_suffix(e, "slow-0", ".swap"), 0);
    read_all(e, log, &s);
    for (int k = 0; k < 10; k++)
        assert_int_equal(s.latest_offset[k], latest[k] < 290 ? latest[k] : latest[k] - 10);
    e->ops->close(log);
    stop(e);
}

/* A compacted log has gaps: a cleaned segment made active again by a
 * truncation, and a follower's copy that appends past its end, both come
 * back whole after a restart (recovery wants offsets in order, not
 * contiguous). */
static int64_t segment_bases(const env *e, const char *dir, int64_t *bases, int max);

static void gaps_survive_recovery(void **state)
{
    env *e = *state;
    start(e, OPTIONS);
    void *log;
    assert_int_equal(e->ops->open(e->state, "gap", 0, 1, &log), BROOK_OK);
    for (int i = 0; i < 300; i++)
        append_keyed(e, log, i % 10, 0, 1000 + i, -1);
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    e->ops->committed(log, end);
    assert_true(settle_to(e, log, 60, INT_MAX));
    int64_t bases[64];
    int n = segment_bases(e, "gap-0", bases, 64);
    assert_true(n >= 2);
    e->ops->committed(log, 0); /* no more cleaning: the truncation below is what is tested */
    /* the active segment goes, the last cleaned one (the latest of each key, gaps between) takes appends again */
    assert_int_equal(e->ops->truncate(log, bases[n - 1]), BROOK_OK);
    seen before;
    read_all(e, log, &before);
    assert_true(before.batches > 0);
    int64_t start2, end2;
    e->ops->offsets(log, &start2, &end2);
    /* a follower's copy of a compacted log: the next batch starts past the end */
    int64_t gap_at = end2 + 5;
    brook_batch_builder *bb;
    brook_batch_builder_new(&bb);
    brook_record r = {.timestamp = 5000, .key = (const uint8_t *)"k7", .key_len = 2, .value = NULL, .value_len = -1};
    brook_batch_builder_add(bb, &r, NULL, 0);
    const uint8_t *data;
    size_t len;
    brook_batch_builder_finish(bb, &data, &len);
    uint8_t *copy = malloc(len);
    memcpy(copy, data, len);
    brook_put_be64(copy, (uint64_t)gap_at);
    brook_put_be32(copy + BROOK_BATCH_OFF_CRC, brook_batch_crc(copy, len));
    assert_int_equal(e->ops->append(log, copy, len), BROOK_OK);
    free(copy);
    brook_batch_builder_free(bb);
    e->ops->close(log);
    assert_int_equal(e->ops->open(e->state, "gap", 0, 0, &log), BROOK_OK);
    e->ops->offsets(log, &start2, &end2);
    assert_int_equal(end2, gap_at + 1);
    seen after;
    read_all(e, log, &after);
    assert_int_equal(after.batches, before.batches + 1);
    for (int k = 0; k < 10; k++)
        if (k != 7)
            assert_int_equal(after.latest_offset[k], before.latest_offset[k]);
    assert_int_equal(after.latest_offset[7], gap_at);
    e->ops->close(log);
    stop(e);
}

/* Transactions are not compacted yet: their batches (and control
 * batches) stay whole, however superseded their keys are. */
static void transactional_and_control_batches_stay_whole(void **state)
{
    env *e = *state;
    start(e, OPTIONS);
    void *log;
    assert_int_equal(e->ops->open(e->state, "tx", 0, 1, &log), BROOK_OK);
    append_keyed_with(e, log, 1, 0, 1000, 9, 0x10); /* transactional, key 1 */
    append_keyed_with(e, log, 2, 0, 1000, 9, 0x30); /* a control batch */
    for (int i = 0; i < 200; i++)
        append_keyed(e, log, 1 + i % 2, 0, 1001 + i, -1);
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    e->ops->committed(log, end);
    assert_true(settle_to(e, log, 40, INT_MAX));
    seen s;
    read_all(e, log, &s);
    int64_t start2, end2;
    e->ops->offsets(log, &start2, &end2);
    brook_slice sl[4];
    size_t n, bytes;
    assert_int_equal(e->ops->read(log, 0, end2, 1, sl, 4, &n, &bytes), BROOK_OK);
    uint8_t head[2][BROOK_BATCH_HEADER_SIZE];
    assert_int_equal(pread(sl[0].fd, head[0], sizeof head[0], sl[0].file_offset), (ssize_t)sizeof head[0]);
    sl[0].release(sl[0].owner);
    assert_int_equal(brook_be64(head[0]), 0); /* still first, at offset 0 */
    assert_int_equal(brook_be16(head[0] + BROOK_BATCH_OFF_ATTRIBUTES), 0x10);
    assert_int_equal(e->ops->read(log, 1, end2, 1, sl, 4, &n, &bytes), BROOK_OK);
    assert_int_equal(pread(sl[0].fd, head[1], sizeof head[1], sl[0].file_offset), (ssize_t)sizeof head[1]);
    sl[0].release(sl[0].owner);
    assert_int_equal(brook_be64(head[1]), 1);
    assert_int_equal(brook_be16(head[1] + BROOK_BATCH_OFF_ATTRIBUTES), 0x30);
    e->ops->close(log);
    stop(e);
}

/* ---- a cleaning cut short ------------------------------------------------------ */

static void segment_path(const env *e, const char *dir, int64_t base, const char *ext, char *out, size_t len)
{
    snprintf(out, len, "%s/%s/%020" PRId64 "%s", e->dir, dir, base, ext);
}

static int64_t segment_bases(const env *e, const char *dir, int64_t *bases, int max)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", e->dir, dir);
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d)))
        if (strlen(de->d_name) == 24 && strcmp(de->d_name + 20, ".log") == 0 && n < max)
            bases[n++] = strtoll(de->d_name, NULL, 10);
    closedir(d);
    for (int i = 0; i < n; i++) /* sorted */
        for (int k = i + 1; k < n; k++)
            if (bases[k] < bases[i]) {
                int64_t t = bases[i];
                bases[i] = bases[k];
                bases[k] = t;
            }
    return n;
}

static void copy_file(const char *from, const char *to)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

static void a_cleaning_cut_short_is_dropped_or_finished_at_open(void **state)
{
    env *e = *state;
    /* delete policy: no cleaner of its own runs; the files are made by hand */
    start(e, "segment_bytes = 1024; flush = \"os\";");
    void *log;
    assert_int_equal(e->ops->open(e->state, "x", 0, 1, &log), BROOK_OK);
    for (int i = 0; i < 100; i++)
        append_keyed(e, log, i % 10, 0, 1000 + i, -1);
    e->ops->close(log);
    int64_t bases[64];
    int n = segment_bases(e, "x-0", bases, 64);
    assert_true(n >= 4);
    char from[512], to[600];
    /* before the decision: a half-written .cleaned goes */
    segment_path(e, "x-0", bases[0], ".log", from, sizeof from);
    segment_path(e, "x-0", bases[0], ".cleaned", to, sizeof to);
    copy_file(from, to);
    /* after it: segments 0 and 1 replaced by "segment 0 alone" (as if every
     * record of segment 1 had been superseded), segment 1's files half gone */
    snprintf(to, sizeof to, "%s/x-0/%020" PRId64 ".%020" PRId64 ".swap", e->dir, bases[0], bases[2]);
    copy_file(from, to);
    segment_path(e, "x-0", bases[1], ".index", from, sizeof from);
    unlink(from);
    assert_int_equal(e->ops->open(e->state, "x", 0, 0, &log), BROOK_OK);
    int64_t after[64];
    int m = segment_bases(e, "x-0", after, 64);
    assert_int_equal(m, n - 1);
    assert_int_equal(after[0], bases[0]);
    assert_int_equal(after[1], bases[2]);
    segment_path(e, "x-0", bases[0], ".cleaned", to, sizeof to);
    assert_int_not_equal(access(to, F_OK), 0);
    seen s;
    read_all(e, log, &s); /* reads go from segment 0 straight to segment 2 */
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    assert_int_equal(end, 100);
    assert_int_equal(s.batches, 100 - (bases[2] - bases[1]));
    e->ops->close(log);
    stop(e);
}

static void topic_settings_choose_the_policy(void **state)
{
    env *e = *state;
    start(e, "segment_bytes = 1024; flush = \"os\"; cleaner_check_ms = 5; min_cleanable_dirty_ratio = 0.01;");
    assert_int_equal(e->ops->topic_setting(e->state, NULL, "cleanup.policy", "compact,delete"), BROOK_OK);
    assert_int_equal(e->ops->topic_setting(e->state, NULL, "cleanup.policy", "squash"), BROOK_ERR_INVALID);
    assert_int_equal(e->ops->topic_setting(e->state, NULL, "min.cleanable.dirty.ratio", "1.5"), BROOK_ERR_INVALID);
    void *log;
    assert_int_equal(e->ops->open(e->state, "s", 0, 1, &log), BROOK_OK);
    for (int i = 0; i < 200; i++)
        append_keyed(e, log, i % 5, 0, 1000 + i, -1);
    int64_t start_off, end;
    e->ops->offsets(log, &start_off, &end);
    e->ops->committed(log, end);
    spin(e, 60); /* delete policy: nothing happens */
    seen s;
    read_all(e, log, &s);
    assert_int_equal(s.batches, 200);
    assert_int_equal(e->ops->topic_setting(e->state, log, "cleanup.policy", "compact"), BROOK_OK);
    assert_true(settle_to(e, log, 40, INT_MAX));
    e->ops->close(log);
    stop(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(keeps_the_latest_record_of_each_key_at_its_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(tombstones_go_after_delete_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(nothing_at_or_past_the_high_watermark_is_compacted, setup, teardown),
        cmocka_unit_test_setup_teardown(a_producers_last_batch_stays_as_an_empty_header, setup, teardown),
        cmocka_unit_test_setup_teardown(truncation_and_close_during_a_cleaning_settle_it, setup, teardown),
        cmocka_unit_test_setup_teardown(transactional_and_control_batches_stay_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(gaps_survive_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(a_cleaning_cut_short_is_dropped_or_finished_at_open, setup, teardown),
        cmocka_unit_test_setup_teardown(topic_settings_choose_the_policy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
