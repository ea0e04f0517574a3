/* brook-storage-conformance: runs the storage contract of
 * sdk/include/brook/storage.h against any storage plugin, through the same
 * loader and host services brookd uses. A plugin author runs it against
 * their own .so:
 *
 *   brook-storage-conformance --plugin-dir DIR --name NAME [--option 'k = v;']...
 *                             [--volatile] [--scratch DIR]
 *
 * Each check prints "ok N - what" or "not ok N - what: why" (TAP); the
 * exit status is 0 only when all pass. --volatile: the backend keeps
 * nothing across a restart of the plugin (storage-memory); everything
 * else must survive fini + init. Optional slots (truncate,
 * offset_for_timestamp, size, max_timestamp, prepare_read, prefetch,
 * prepare_timestamp) are
 * checked when the plugin has them. */
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record_batch.h"
#include "slice.h"
#include "standalone.h"

typedef struct bench {
    const char *plugin_dir;
    const char *name;
    char options[4096];
    int volatile_backend;
    char scratch[PATH_MAX];
    brook_standalone s; /* the plugin, as brookd loads it */
    const brook_storage_ops *ops;
    void *state;
    int started;
    int failures;
    int checks;
} bench;

/* ---- reporting --------------------------------------------------------------- */

static int check(bench *b, int ok, const char *what, const char *fmt, ...)
{
    b->checks++;
    if (ok) {
        printf("ok %d - %s\n", b->checks, what);
        return 1;
    }
    b->failures++;
    printf("not ok %d - %s: ", b->checks, what);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    return 0;
}

static int expect_err(bench *b, brook_err got, brook_err want, const char *what)
{
    return check(b, got == want, what, "got %s, want %s", brook_err_str(got), brook_err_str(want));
}

/* ---- the plugin ------------------------------------------------------------- */

static int start_plugin(bench *b)
{
    char err[2048];
    if (brook_standalone_start(&b->s, b->plugin_dir, b->name, b->options, b->scratch, err, sizeof err)) {
        fprintf(stderr, "brook-storage-conformance: %s\n", err);
        return -1;
    }
    b->ops = b->s.ops;
    b->state = b->s.state;
    b->started = 1;
    return 0;
}

static void stop_plugin(bench *b)
{
    if (b->started)
        brook_standalone_stop(&b->s);
    b->started = 0;
}

#define HAS(b, slot) brook_has_slot(&(b)->s.inst, brook_storage_ops, slot)

/* ---- batches ---------------------------------------------------------------- */

/* `n` records with timestamps ts0, ts0+1, ... and `value_len`-byte values,
 * at base offset `base`. */
static uint8_t *make_batch(int n, int64_t base, int64_t ts0, size_t value_len, size_t *len)
{
    brook_batch_builder *bb;
    if (brook_batch_builder_new(&bb))
        return NULL;
    uint8_t *value = calloc(1, value_len + 1);
    for (int i = 0; value && i < n; i++) {
        memset(value, 'a' + (int)((base + i) % 26), value_len);
        brook_record r = {.timestamp = ts0 + i, .key_len = -1, .value = value, .value_len = (int32_t)value_len};
        brook_batch_builder_add(bb, &r, NULL, 0);
    }
    const uint8_t *data;
    uint8_t *copy = NULL;
    if (value && brook_batch_builder_finish(bb, &data, len) == BROOK_OK && (copy = malloc(*len))) {
        memcpy(copy, data, *len);
        brook_put_be64(copy + BROOK_BATCH_OFF_BASE_OFFSET, (uint64_t)base);
    }
    brook_batch_builder_free(bb);
    free(value);
    return copy;
}

static int64_t log_end(bench *b, void *log)
{
    int64_t start, end;
    return b->ops->offsets(log, &start, &end) ? -1 : end;
}

/* Append a batch of `n` records at the log end; its bytes in *out if asked. */
static brook_err append_n(bench *b, void *log, int n, int64_t ts0, size_t value_len, uint8_t **out, size_t *out_len)
{
    size_t len;
    uint8_t *batch = make_batch(n, log_end(b, log), ts0, value_len, &len);
    if (!batch)
        return BROOK_ERR_NOMEM;
    brook_err e = b->ops->append(log, batch, len);
    if (out && !e) {
        *out = batch;
        *out_len = len;
    } else {
        free(batch);
    }
    return e;
}

/* Read and release; the batches' first base offset in *first (-1 none). */
static brook_err read_all(bench *b, void *log, int64_t offset, int64_t max_offset, size_t max_bytes, size_t *n,
                          size_t *bytes, int64_t *first, uint8_t *copy, size_t copy_cap)
{
    brook_slice slices[256];
    brook_err e = b->ops->read(log, offset, max_offset, max_bytes, slices, 256, n, bytes);
    *first = -1;
    size_t at = 0;
    for (size_t i = 0; !e && i < *n; i++) {
        uint8_t *owned = NULL;
        const uint8_t *data = brook_slice_bytes(&slices[i], &owned);
        if (data && i == 0 && slices[i].len >= 8)
            *first = (int64_t)brook_be64(data);
        if (data && copy && at + slices[i].len <= copy_cap)
            memcpy(copy + at, data, slices[i].len);
        at += slices[i].len;
        free(owned);
    }
    for (size_t i = 0; !e && i < *n; i++)
        if (slices[i].release)
            slices[i].release(slices[i].owner);
    return e;
}

/* ---- the checks ------------------------------------------------------------- */

static int durable_calls;
static brook_err durable_err;

static void on_durable(void *arg, brook_err err)
{
    (void)arg;
    durable_calls++;
    durable_err = err;
}

static void check_open_and_append(bench *b)
{
    void *log = NULL;
    expect_err(b, b->ops->open(b->state, "conf-a", 0, 0, &log), BROOK_ERR_NOT_FOUND,
               "open without create finds no partition");
    brook_err e = b->ops->open(b->state, "conf-a", 0, 1, &log);
    if (!expect_err(b, e, BROOK_OK, "open with create makes an empty log"))
        return;
    int64_t start = -1, end = -1;
    b->ops->offsets(log, &start, &end);
    check(b, start == 0 && end == 0, "a new log starts and ends at 0", "start %lld end %lld", (long long)start,
          (long long)end);
    uint8_t *first;
    size_t first_len;
    e = append_n(b, log, 3, 1000, 10, &first, &first_len);
    expect_err(b, e, BROOK_OK, "append a batch of 3 records at offset 0");
    check(b, log_end(b, log) == 3, "the log end moves past the batch", "end %lld", (long long)log_end(b, log));
    size_t n, bytes;
    int64_t base;
    uint8_t copy[4096];
    e = read_all(b, log, 0, 3, 1 << 20, &n, &bytes, &base, copy, sizeof copy);
    check(b, !e && n >= 1 && bytes == first_len && memcmp(copy, first, first_len) == 0,
          "what was appended reads back byte for byte at once", "%s, %zu slices, %zu bytes", brook_err_str(e), n,
          bytes);
    free(first);
    durable_calls = 0;
    b->ops->when_durable(log, on_durable, NULL);
    brook_standalone_spin(&b->s, 300);
    check(b, durable_calls == 1 && durable_err == BROOK_OK, "when_durable calls back exactly once, with ok",
          "%d calls, %s", durable_calls, brook_err_str(durable_err));
    expect_err(b, b->ops->flush(log), BROOK_OK, "flush");
    b->ops->close(log);
}

static void check_reads(bench *b)
{
    void *log = NULL;
    if (!expect_err(b, b->ops->open(b->state, "conf-b", 0, 1, &log), BROOK_OK, "open a second partition"))
        return;
    /* batches at 0-4, 5-9, 10-14, 15-19 of 100-byte records */
    for (int i = 0; i < 4; i++)
        append_n(b, log, 5, 2000 + 5 * i, 100, NULL, NULL);
    size_t n, bytes;
    int64_t base;
    brook_err e = read_all(b, log, 7, 20, 1 << 20, &n, &bytes, &base, NULL, 0);
    check(b, !e && base == 5, "a read from inside a batch starts with that whole batch", "%s, first base %lld",
          brook_err_str(e), (long long)base);
    e = read_all(b, log, 0, 10, 1 << 20, &n, &bytes, &base, NULL, 0);
    size_t two_batches = bytes;
    check(b, !e && base == 0 && two_batches > 0, "max_offset bounds the read", "%s", brook_err_str(e));
    e = read_all(b, log, 0, 20, two_batches / 2 + 1, &n, &bytes, &base, NULL, 0);
    check(b, !e && base == 0 && bytes > 0 && bytes < two_batches, "max_bytes stops before the batch that passes it",
          "%s, %zu bytes of %zu", brook_err_str(e), bytes, two_batches);
    e = read_all(b, log, 0, 20, 1, &n, &bytes, &base, NULL, 0);
    check(b, !e && base == 0 && bytes > 1, "the first batch comes whole however small max_bytes is", "%s, %zu bytes",
          brook_err_str(e), bytes);
    e = read_all(b, log, 20, 20, 1 << 20, &n, &bytes, &base, NULL, 0);
    check(b, !e && n == 0 && bytes == 0, "a read at the log end returns nothing, ok", "%s, %zu slices",
          brook_err_str(e), n);
    e = read_all(b, log, 21, 30, 1 << 20, &n, &bytes, &base, NULL, 0);
    expect_err(b, e, BROOK_ERR_OUT_OF_RANGE, "a read past the log end is out of range");

    /* slices handed out stay valid after close */
    brook_slice slices[8];
    e = b->ops->read(log, 0, 20, 1 << 20, slices, 8, &n, &bytes);
    b->ops->close(log);
    int ok = !e && n > 0;
    for (size_t i = 0; ok && i < n; i++) {
        uint8_t *owned = NULL;
        const uint8_t *data = brook_slice_bytes(&slices[i], &owned);
        brook_batch_info info;
        ok = data && brook_batch_check(data, slices[i].len, &info) == BROOK_OK;
        free(owned);
    }
    for (size_t i = 0; !e && i < n; i++)
        if (slices[i].release)
            slices[i].release(slices[i].owner);
    check(b, ok, "slices read before close stay readable until released", "%s", brook_err_str(e));
}

static int ready_calls;
static brook_err ready_err;

static void on_ready(void *arg, brook_err err)
{
    (void)arg;
    ready_calls++;
    ready_err = err;
}

/* Wait for a prepare_* call that said so: one callback, on the loop, not
 * before it returned; 1 when that is what happened. */
static int ready_after(bench *b, brook_err e)
{
    if (e != BROOK_ERR_AGAIN)
        return 1;
    int ok = ready_calls == 0;
    for (int i = 0; i < 500 && !ready_calls; i++)
        brook_standalone_spin(&b->s, 10);
    return ok && ready_calls == 1 && ready_err == BROOK_OK;
}

/* prepare_read at each offset of [0, end]: read at once, or wait and be
 * called back once, on the loop and not before it returns; a read follows. */
static void check_prepare_read(bench *b, void *log, int64_t end)
{
    int ok = 1;
    char why[128] = "";
    for (int64_t o = 0; o <= end && ok; o++) {
        ready_calls = 0;
        ok = ready_after(b, b->ops->prepare_read(log, o, on_ready, NULL));
        size_t n, bytes;
        int64_t base;
        brook_err e = read_all(b, log, o, end, 1 << 20, &n, &bytes, &base, NULL, 0);
        ok = ok && !e && (o == end || bytes > 0);
        if (!ok)
            snprintf(why, sizeof why, "at offset %lld: %d callbacks (%s), then read %s, %zu bytes", (long long)o,
                     ready_calls, brook_err_str(ready_err), brook_err_str(e), bytes);
    }
    check(b, ok, "prepare_read says read, or wait and calls back once, on the loop, after it returns", "%s", why);
}

/* prepare_timestamp before each lookup of the records' times (2000 + i
 * for record i) and past them: look up at once, or wait and be called back
 * once; the lookup then answers as without it. */
static void check_prepare_timestamp(bench *b, void *log, int64_t end)
{
    int ok = 1;
    char why[128] = "";
    for (int64_t i = 0; i <= end && ok; i++) {
        int64_t off = -1, ts = -1;
        ready_calls = 0;
        ok = ready_after(b, b->ops->prepare_timestamp(log, 2000 + i, on_ready, NULL));
        brook_err e = b->ops->offset_for_timestamp(log, 2000 + i, &off, &ts);
        ok = ok && (i == end ? e == BROOK_ERR_NOT_FOUND : !e && off == i && ts == 2000 + i);
        if (!ok)
            snprintf(why, sizeof why, "at %lld: %d callbacks (%s), then %s, offset %lld", (long long)(2000 + i),
                     ready_calls, brook_err_str(ready_err), brook_err_str(e), (long long)off);
    }
    check(b, ok, "prepare_timestamp says look up, or wait and calls back once, on the loop, after it returns", "%s",
          why);
}

static void check_optional_slots(bench *b)
{
    void *log = NULL;
    if (HAS(b, prefetch)) { /* reads only: the log below opens as it was */
        b->ops->prefetch(b->state, "conf-b", 0);
        b->ops->prefetch(b->state, "conf-none", 7);
    }
    if (!expect_err(b, b->ops->open(b->state, "conf-b", 0, 0, &log), BROOK_OK,
                    "open may follow close for the same partition"))
        return;
    check(b, log_end(b, log) == 20, "a reopened log ends where it did", "end %lld", (long long)log_end(b, log));
    if (HAS(b, offset_for_timestamp)) {
        int64_t off, ts;
        brook_err e = b->ops->offset_for_timestamp(log, 2007, &off, &ts);
        check(b, !e && off == 7 && ts == 2007, "offset_for_timestamp finds the first record at or after a time",
              "%s, offset %lld", brook_err_str(e), (long long)off);
        expect_err(b, b->ops->offset_for_timestamp(log, 999999, &off, &ts), BROOK_ERR_NOT_FOUND,
                   "offset_for_timestamp past every record is not found");
        if (HAS(b, prepare_timestamp))
            check_prepare_timestamp(b, log, 20);
    }
    if (HAS(b, prepare_read))
        check_prepare_read(b, log, 20);
    if (HAS(b, max_timestamp)) {
        int64_t ts = 0;
        brook_err e = b->ops->max_timestamp(log, &ts);
        check(b, !e && ts == 2019, "max_timestamp is the largest timestamp of the log's batches", "%s, %lld",
              brook_err_str(e), (long long)ts);
    }
    if (HAS(b, size)) {
        uint64_t before = 0, after = 0;
        b->ops->size(log, &before);
        append_n(b, log, 5, 2020, 100, NULL, NULL);
        b->ops->size(log, &after);
        check(b, after > before && before > 0, "size grows with appends", "%llu then %llu", (unsigned long long)before,
              (unsigned long long)after);
    } else {
        append_n(b, log, 5, 2020, 100, NULL, NULL);
    }
    if (HAS(b, truncate)) {
        uint64_t before = 0, after = 0;
        if (HAS(b, size))
            b->ops->size(log, &before);
        brook_err e = b->ops->truncate(log, 12);
        check(b, !e && log_end(b, log) == 10, "truncate cuts at the batch holding the offset", "%s, end %lld",
              brook_err_str(e), (long long)log_end(b, log));
        if (HAS(b, size)) {
            b->ops->size(log, &after);
            check(b, after < before && after > 0, "size shrinks with a truncation", "%llu then %llu",
                  (unsigned long long)before, (unsigned long long)after);
        }
        e = append_n(b, log, 2, 3000, 10, NULL, NULL);
        check(b, !e && log_end(b, log) == 12, "appends go on from the truncated end", "%s", brook_err_str(e));
        size_t n, bytes;
        int64_t base;
        e = read_all(b, log, 10, 12, 1 << 20, &n, &bytes, &base, NULL, 0);
        check(b, !e && base == 10, "the new batch reads back after a truncation", "%s, base %lld", brook_err_str(e),
              (long long)base);
    }
    b->ops->close(log);
}

static int64_t log_start(bench *b, void *log)
{
    int64_t start = -1, end;
    b->ops->offsets(log, &start, &end);
    return start;
}

/* The log start moved forward: reads before it are out of range, the end
 * stays; past the end the log starts afresh there. Checked again after a
 * restart (check_restart_list_and_remove). */
static void check_delete_before(bench *b)
{
    if (!HAS(b, delete_before))
        return;
    void *log = NULL;
    if (!expect_err(b, b->ops->open(b->state, "conf-d", 0, 1, &log), BROOK_OK, "open a log for delete_before"))
        return;
    for (int i = 0; i < 3; i++)
        append_n(b, log, 10, 4000, 10, NULL, NULL);
    brook_err e = b->ops->delete_before(log, 15);
    check(b, !e && log_start(b, log) == 15 && log_end(b, log) == 30, "delete_before moves the start, not the end",
          "%s, %lld-%lld", brook_err_str(e), (long long)log_start(b, log), (long long)log_end(b, log));
    size_t n, bytes;
    int64_t base;
    expect_err(b, read_all(b, log, 14, 30, 1 << 20, &n, &bytes, &base, NULL, 0), BROOK_ERR_OUT_OF_RANGE,
               "a read before the start is out of range");
    e = read_all(b, log, 15, 30, 1 << 20, &n, &bytes, &base, NULL, 0);
    check(b, !e && n > 0 && base <= 15, "a read from the start gets the batch holding it", "%s, base %lld",
          brook_err_str(e), (long long)base);
    e = b->ops->delete_before(log, 3);
    check(b, !e && log_start(b, log) == 15, "an offset before the start changes nothing", "%s, start %lld",
          brook_err_str(e), (long long)log_start(b, log));
    e = b->ops->delete_before(log, 100);
    check(b, !e && log_start(b, log) == 100 && log_end(b, log) == 100, "past the end the log starts afresh there",
          "%s, %lld-%lld", brook_err_str(e), (long long)log_start(b, log), (long long)log_end(b, log));
    e = append_n(b, log, 5, 5000, 10, NULL, NULL);
    check(b, !e && log_end(b, log) == 105, "appends go on from the new start", "%s, end %lld", brook_err_str(e),
          (long long)log_end(b, log));
    b->ops->close(log);
}

static int listed_a, listed_b;

static void on_listed(void *arg, const char *topic, int32_t partition)
{
    (void)arg;
    if (partition == 0 && strcmp(topic, "conf-a") == 0)
        listed_a++;
    if (partition == 0 && strcmp(topic, "conf-b") == 0)
        listed_b++;
}

static void check_restart_list_and_remove(bench *b)
{
    int64_t end_b = -1;
    void *log;
    if (b->ops->open(b->state, "conf-b", 0, 0, &log) == BROOK_OK) {
        end_b = log_end(b, log);
        b->ops->close(log);
    }
    stop_plugin(b);
    if (start_plugin(b)) {
        check(b, 0, "the plugin starts again on its own data", "init failed");
        return;
    }
    brook_err e = b->ops->open(b->state, "conf-b", 0, 0, &log);
    if (b->volatile_backend) {
        check(b, e == BROOK_ERR_NOT_FOUND || e == BROOK_OK, "a volatile backend starts again", "%s", brook_err_str(e));
        if (!e)
            b->ops->close(log);
        return;
    }
    if (check(b, !e, "a partition survives a restart of the plugin", "%s", brook_err_str(e))) {
        check(b, log_end(b, log) == end_b, "and ends where it did", "end %lld, was %lld", (long long)log_end(b, log),
              (long long)end_b);
        b->ops->close(log);
    }
    if (HAS(b, delete_before) && b->ops->open(b->state, "conf-d", 0, 0, &log) == BROOK_OK) {
        check(b, log_start(b, log) == 100 && log_end(b, log) == 105, "a moved start survives a restart", "%lld-%lld",
              (long long)log_start(b, log), (long long)log_end(b, log));
        b->ops->close(log);
        b->ops->remove(b->state, "conf-d", 0);
    }
    listed_a = listed_b = 0;
    e = b->ops->list(b->state, on_listed, NULL);
    check(b, !e && listed_a == 1 && listed_b == 1, "list names every partition once", "%s, %d and %d", brook_err_str(e),
          listed_a, listed_b);
    expect_err(b, b->ops->remove(b->state, "conf-a", 0), BROOK_OK, "remove a closed partition");
    expect_err(b, b->ops->open(b->state, "conf-a", 0, 0, &log), BROOK_ERR_NOT_FOUND, "a removed partition is gone");
    expect_err(b, b->ops->remove(b->state, "conf-a", 0), BROOK_ERR_NOT_FOUND, "removing it again: not found");
}

/* ---- main --------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out, "usage: brook-storage-conformance --plugin-dir DIR --name NAME [--option 'key = value;']...\n"
                 "                                 [--volatile] [--scratch DIR]\n"
                 "Runs the storage contract (sdk/include/brook/storage.h) against brook_storage_NAME.so.\n");
}

int main(int argc, char **argv)
{
    static bench b;
    static const struct option longopts[] = {
        {"plugin-dir", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        {"option", required_argument, NULL, 'o'},
        {"volatile", no_argument, NULL, 'v'},
        {"scratch", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *scratch = NULL;
    for (int opt; (opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1;) {
        switch (opt) {
        case 'd': b.plugin_dir = optarg; break;
        case 'n': b.name = optarg; break;
        case 'o':
            strncat(b.options, optarg, sizeof b.options - strlen(b.options) - 2);
            strcat(b.options, " ");
            break;
        case 'v': b.volatile_backend = 1; break;
        case 's': scratch = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!b.plugin_dir || !b.name) {
        usage(stderr);
        return 2;
    }
    if (scratch)
        snprintf(b.scratch, sizeof b.scratch, "%s", scratch);
    else if (!mkdtemp(strcpy(b.scratch, "/tmp/brook-storage-conformance-XXXXXX")))
        return 1;
    if (start_plugin(&b))
        return 1;
    printf("# storage plugin \"%s\" from %s, scratch %s\n", b.name, b.plugin_dir, b.scratch);
    check_open_and_append(&b);
    check_reads(&b);
    check_optional_slots(&b);
    check_delete_before(&b);
    check_restart_list_and_remove(&b);
    stop_plugin(&b);
    if (!scratch) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", b.scratch);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", b.scratch);
    }
    printf("1..%d\n# %d of %d checks failed\n", b.checks, b.failures, b.checks);
    return b.failures ? 1 : 0;
}
