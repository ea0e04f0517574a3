/* storage_bench: drives a storage plugin directly, the way brookd does, and
 * prints bytes/s or seconds for bench/run.sh to compare against fio.
 *
 *   storage_bench append   DIR MIB          1 MiB batches of 100-byte records,
 *                                           flush interval, one final flush
 *   storage_bench commit   DIR MIB PRODUCERS 64 KiB batches, flush always,
 *                                           each producer waits for its ack
 *   storage_bench startup  DIR PARTITIONS   time to reopen that many small
 *                                           partitions (recovery included)
 *   storage_bench clean    DIR MIB KEYS     one compaction of a log of MIB
 *                                           of 100-byte records over KEYS keys:
 *                                           "log-bytes/s log-bytes written-bytes"
 *   storage_bench commit-cleaning DIR MIB PRODUCERS CLEAN_MIB [IO_BPS]
 *                                           commit's workload while the
 *                                           cleaner compacts CLEAN_MIB beside it
 *                                           (at most IO_BPS bytes/s if given):
 *                                           "bytes/s cleaner-bytes-read"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record_batch.h"
#include "config.h"
#include "config_options.h"
#include "loader.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "plugin_set.h"
#include "workers.h"

typedef struct bench {
    brook_config cfg;
    brook_loop *loop;
    brook_metrics *metrics;
    brook_workers *workers;
    brook_host_env env;
    brook_plugin_conf conf;
    brook_plugin_instance inst;
    const brook_storage_ops *ops;
    void *state;
} bench;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "storage_bench: %s\n", what);
    exit(1);
}

static void start(bench *b, const char *dir, const char *options)
{
    char text[1024], err[1024];
    snprintf(text, sizeof text, "storage = { plugin = \"segment\"; dir = \"%s\"; %s };", dir, options);
    if (brook_config_load(&b->cfg, NULL, text, "bench", err, sizeof err))
        die(err);
    brook_loop_new(&b->loop);
    brook_metrics_new(&b->metrics);
    brook_workers_new(b->loop, 2, &b->workers);
    b->env = (brook_host_env){.loop = b->loop, .metrics = b->metrics, .workers = b->workers, .data_dir = dir};
    b->conf = (brook_plugin_conf){.name = "segment", .block = config_lookup(&b->cfg.cfg, "storage")};
    if (brook_plugin_instance_load(&b->inst, BROOK_PLUGIN_DIR, BROOK_PLUGIN_STORAGE, &b->conf, &b->cfg, &b->env, err,
                                   sizeof err))
        die(err);
    if (b->inst.loaded.desc->init(&b->inst.host, &b->state))
        die("init failed");
    b->ops = brook_storage_of(&b->inst);
}

static void stop(bench *b)
{
    brook_workers_free(b->workers);
    b->inst.state = b->state;
    b->inst.started = 1;
    brook_plugin_instance_unload(&b->inst);
    brook_metrics_free(b->metrics);
    brook_loop_free(b->loop);
    brook_config_free(&b->cfg);
}

/* One batch of `bytes` worth of 100-byte records. */
static uint8_t *make_batch(size_t bytes, size_t *len)
{
    static uint8_t value[100];
    memset(value, 'v', sizeof value);
    brook_batch_builder *bb;
    brook_batch_builder_new(&bb);
    for (size_t n = 0; n + 100 + 16 <= bytes; n += 100 + 16) { /* ~16 bytes of framing per record */
        brook_record r = {.timestamp = 1700000000000, .key_len = -1, .value = value, .value_len = 100};
        brook_batch_builder_add(bb, &r, NULL, 0);
    }
    const uint8_t *data;
    brook_batch_builder_finish(bb, &data, len);
    uint8_t *copy = malloc(*len);
    memcpy(copy, data, *len);
    brook_batch_builder_free(bb);
    return copy;
}

static void append_at_end(bench *b, void *log, uint8_t *batch, size_t len)
{
    int64_t s, end;
    b->ops->offsets(log, &s, &end);
    brook_put_be64(batch, (uint64_t)end);
    if (b->ops->append(log, batch, len))
        die("append failed");
}

static int bench_append(const char *dir, long mib)
{
    bench b = {0};
    start(&b, dir, "flush = \"interval\"; flush_ms = 1000;");
    void *log;
    if (b.ops->open(b.state, "append", 0, 1, &log))
        die("open failed");
    size_t len;
    uint8_t *batch = make_batch(1 << 20, &len);
    double t0 = now_s();
    size_t total = 0;
    while (total < (size_t)mib << 20) {
        append_at_end(&b, log, batch, len);
        total += len;
    }
    if (b.ops->flush(log))
        die("flush failed");
    double t = now_s() - t0;
    printf("%.0f\n", (double)total / t);
    b.ops->close(log);
    free(batch);
    stop(&b);
    return 0;
}

typedef struct producer {
    bench *b;
    void *log;
    uint8_t *batch;
    size_t len;
    size_t *remaining;
    size_t *done_bytes;
    int *active;
} producer;

static void produce_next(producer *p);

static void acked(void *arg, brook_err err)
{
    producer *p = arg;
    if (err)
        die("durability failed");
    *p->done_bytes += p->len;
    produce_next(p);
}

static void produce_next(producer *p)
{
    if (*p->remaining < p->len) {
        if (--*p->active == 0)
            brook_loop_stop(p->b->loop);
        return;
    }
    *p->remaining -= p->len;
    append_at_end(p->b, p->log, p->batch, p->len);
    p->b->ops->when_durable(p->log, acked, p);
}

/* `producers` each appending 64 KiB batches to `log` and waiting for
 * their acknowledgement, `mib` MiB in all: bytes/s. */
static double run_producers(bench *b, void *log, long mib, int producers)
{
    size_t len;
    uint8_t *batch = make_batch(64 << 10, &len);
    size_t remaining = (size_t)mib << 20, done = 0;
    int active = producers;
    producer *ps = calloc((size_t)producers, sizeof *ps);
    double t0 = now_s();
    for (int i = 0; i < producers; i++) {
        ps[i] = (producer){b, log, batch, len, &remaining, &done, &active};
        produce_next(&ps[i]);
    }
    brook_loop_run(b->loop);
    double t = now_s() - t0;
    free(ps);
    free(batch);
    return (double)done / t;
}

static int bench_commit(const char *dir, long mib, int producers)
{
    bench b = {0};
    start(&b, dir, "flush = \"always\";");
    void *log;
    if (b.ops->open(b.state, "commit", 0, 1, &log))
        die("open failed");
    printf("%.0f\n", run_producers(&b, log, mib, producers));
    b.ops->close(log);
    stop(&b);
    return 0;
}

static int bench_startup(const char *dir, int partitions)
{
    if (partitions < 1 || partitions > 1000000)
        die("partitions must be between 1 and 1000000");
    bench b = {0};
    start(&b, dir, "flush = \"os\";");
    size_t len;
    uint8_t *batch = make_batch(4096, &len);
    for (int p = 0; p < partitions; p++) {
        void *log;
        if (b.ops->open(b.state, "small", p, 1, &log))
            die("open failed");
        for (int i = 0; i < 4; i++)
            append_at_end(&b, log, batch, len);
        b.ops->close(log);
    }
    stop(&b);
    /* what start-up does: init, then open every partition */
    double t0 = now_s();
    bench c = {0};
    start(&c, dir, "flush = \"os\";");
    void **logs = calloc((size_t)partitions, sizeof *logs);
    for (int p = 0; p < partitions; p++)
        if (c.ops->open(c.state, "small", p, 0, &logs[p]))
            die("reopen failed");
    double t = now_s() - t0;
    printf("%.3f\n", t);
    for (int p = 0; p < partitions; p++)
        c.ops->close(logs[p]);
    free(logs);
    free(batch);
    stop(&c);
    return 0;
}

/* ---- compaction ------------------------------------------------------------ */

static int64_t metric(bench *b, const char *name)
{
    brook_metric *m;
    brook_metrics_register(b->metrics, name, BROOK_METRIC_COUNTER, "", &m);
    return brook_metric_value(m);
}

/* A compacted log of `mib` MiB of 100-byte records over `keys` keys in
 * 64 KiB batches, its active segment rolled to one small batch, committed
 * (the cleaner may start); returns the bytes a cleaning can take. */
static uint64_t fill_compacted(bench *b, void *log, long mib, long keys)
{
    if (b->ops->topic_setting(b->state, log, "cleanup.policy", "compact"))
        die("cannot make the log compacted");
    static uint8_t value[100];
    memset(value, 'c', sizeof value);
    long next_key = 0;
    for (size_t total = 0; total < (size_t)mib << 20;) {
        brook_batch_builder *bb;
        brook_batch_builder_new(&bb);
        for (int i = 0; i < 64 * 1024 / 130; i++) {
            char key[16];
            int klen = snprintf(key, sizeof key, "k%09ld", next_key++ % keys);
            brook_record r = {.timestamp = 1700000000000,
                              .key = (const uint8_t *)key,
                              .key_len = klen,
                              .value = value,
                              .value_len = 100};
            brook_batch_builder_add(bb, &r, NULL, 0);
        }
        const uint8_t *data;
        size_t len;
        brook_batch_builder_finish(bb, &data, &len);
        uint8_t *copy = malloc(len);
        memcpy(copy, data, len);
        append_at_end(b, log, copy, len);
        free(copy);
        brook_batch_builder_free(bb);
        total += len;
    }
    uint64_t bytes;
    b->ops->size(log, &bytes);
    b->ops->topic_setting(b->state, log, "segment.ms", "1");
    struct timespec pause = {0, 2000000};
    nanosleep(&pause, NULL);
    size_t len;
    uint8_t *tail = make_batch(1024, &len);
    append_at_end(b, log, tail, len); /* rolls: everything before is cleanable */
    free(tail);
    if (b->ops->flush(log))
        die("flush failed");
    int64_t start_off, end;
    b->ops->offsets(log, &start_off, &end);
    b->ops->committed(log, end);
    return bytes;
}

static const char *const clean_options = "flush = \"always\"; segment_bytes = 67108864; cleaner_check_ms = 10; "
                                         "min_cleanable_dirty_ratio = 0.01; cleaner_buffer_bytes = 268435456;";

static void spin_until_cleaned(bench *b, int64_t cleanings)
{
    for (int i = 0; i < 600000 && metric(b, "storage_segment_cleaner_cleanings_total") < cleanings; i++) {
        brook_loop_timer_add(b->loop, 1, (brook_timer_cb)brook_loop_stop, b->loop, NULL);
        brook_loop_run(b->loop);
    }
}

static int bench_clean(const char *dir, long mib, long keys)
{
    bench b = {0};
    start(&b, dir, clean_options);
    void *log;
    if (b.ops->open(b.state, "compacted", 0, 1, &log))
        die("open failed");
    double t0 = now_s();
    uint64_t bytes = fill_compacted(&b, log, mib, keys);
    t0 = now_s();
    spin_until_cleaned(&b, 1);
    double t = now_s() - t0;
    if (metric(&b, "storage_segment_cleaner_cleanings_total") < 1)
        die("the cleaner did not finish");
    printf("%.0f %llu %lld\n", (double)bytes / t, (unsigned long long)bytes,
           (long long)metric(&b, "storage_segment_cleaner_written_bytes_total"));
    b.ops->close(log);
    stop(&b);
    return 0;
}

static int bench_commit_cleaning(const char *dir, long mib, int producers, long clean_mib, long io_bps)
{
    bench b = {0};
    char options[512];
    snprintf(options, sizeof options, "%s cleaner_io_bytes_per_second = %ld;", clean_options, io_bps > 0 ? io_bps : -1);
    start(&b, dir, options);
    void *compacted = NULL, *log = NULL;
    if (b.ops->open(b.state, "compacted", 0, 1, &compacted) || b.ops->open(b.state, "commit", 0, 1, &log))
        die("open failed");
    fill_compacted(&b, compacted, clean_mib, 1000);
    double rate = run_producers(&b, log, mib, producers);
    printf("%.0f %lld\n", rate, (long long)metric(&b, "storage_segment_cleaner_read_bytes_total"));
    b.ops->close(log);
    b.ops->close(compacted);
    stop(&b);
    return 0;
}

int main(int argc, char **argv)
{
    brook_log_set_level(BROOK_LOG_WARN);
    if (argc == 4 && strcmp(argv[1], "append") == 0)
        return bench_append(argv[2], atol(argv[3]));
    if (argc == 5 && strcmp(argv[1], "commit") == 0 && atoi(argv[4]) > 0)
        return bench_commit(argv[2], atol(argv[3]), atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "startup") == 0)
        return bench_startup(argv[2], atoi(argv[3]));
    if (argc == 5 && strcmp(argv[1], "clean") == 0 && atol(argv[4]) > 0)
        return bench_clean(argv[2], atol(argv[3]), atol(argv[4]));
    if ((argc == 6 || argc == 7) && strcmp(argv[1], "commit-cleaning") == 0 && atoi(argv[4]) > 0)
        return bench_commit_cleaning(argv[2], atol(argv[3]), atoi(argv[4]), atol(argv[5]),
                                     argc == 7 ? atol(argv[6]) : -1);
    fprintf(stderr, "usage: storage_bench append DIR MIB | commit DIR MIB PRODUCERS | startup DIR PARTITIONS | "
                    "clean DIR MIB KEYS | commit-cleaning DIR MIB PRODUCERS CLEAN_MIB [IO_BPS]\n");
    return 2;
}
