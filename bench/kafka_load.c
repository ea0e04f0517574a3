/* kafka_load: a librdkafka load generator for side-by-side runs.
 *
 *   kafka_load [--mock] [-b host:port] -t TOPIC -m produce|consume|latency
 *              [-n COUNT] [-s SIZE] [-a ACKS] [-p PARTITIONS] [-r REPLICATION_FACTOR] [-k] [-R RATE]
 *              [-L LINGER_MS] [-X PROPERTY=VALUE]... [--from-beginning] [--ack-only] [-T RECORDS_PER_TXN]
 *
 * produce: COUNT records of SIZE bytes, round-robin over PARTITIONS (with
 *          -k keyed "k<i>" and spread by the client's partitioner), then
 *          flush; prints "records/s MB/s client-CPU-s mock-CPU-s": the CPU
 *          seconds this process's client threads and (with --mock) the mock
 *          cluster's threads used while producing, "-" without --mock.
 *          With -T: a transactional producer (acks all, idempotent), a
 *          transaction committed every RECORDS_PER_TXN records.
 * consume: reads COUNT records from offset 0 of every partition (with
 *          --from-beginning: from OFFSET_BEGINNING, which the client resolves);
 *          prints "records/s MB/s wall-s client-CPU-s busiest-thread-CPU-s
 *          mock-CPU-s", timed from the first record on (with
 *          --mock it first fills the mock with COUNT records of SIZE bytes,
 *          untimed: the mock lives and dies with this process).
 * latency: produces COUNT records one at a time (linger 0) while a consumer
 *          reads them; prints end-to-end p50 p99 max in milliseconds. With
 *          -R RATE: produces them at RATE records/s on a fixed schedule
 *          (linger 0), each stamped with the time it was due,
 *          so a stall delays every record behind it in the figures too (no
 *          coordinated omission); prints "e2e p50 p99 p999 max ack p50 p99
 *          p999 max sent/s consumed-share": end-to-end (due -> consumed) and
 *          acknowledgement (due -> delivery report) milliseconds, the rate
 *          achieved and the share of records the consumer received. With
 *          --ack-only there is no consumer (its CPU out of the figures; the
 *          end-to-end ones are "-").
 * --mock:  the peer is librdkafka's in-process mock cluster instead of -b,
 *          the reference for bench/kafka_run.sh.
 * -X:      a librdkafka property for the producers and consumers, over the
 *          settings above (up to 16). */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct opts {
    const char *bootstrap;
    const char *topic;
    const char *mode;
    long count;
    long size;
    int acks;
    int partitions;
    int replication; /* of the topic it creates */
    int mock;
    int keyed;          /* -k: each record keyed ("k<i>"), the client's partitioner spreads them */
    double rate;        /* -R: latency at this many records/s (0: one at a time, ~1000/s) */
    const char *linger; /* -L: the producer's linger.ms (default: produce 5, latency 0) */
    int from_beginning; /* --from-beginning: consume from OFFSET_BEGINNING, resolved by the client */
    int ack_only;       /* --ack-only: latency without the consumer */
    long txn_size;      /* -T: produce in transactions of this many records (0: none) */
    int nprops;         /* -X key=value: client properties, applied after the defaults above */
    const char *prop_key[16], *prop_value[16];
} opts;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "kafka_load: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
        die(k, err);
}

static rd_kafka_conf_t *base_conf(const opts *o)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", o->bootstrap);
    return conf;
}

/* The -X properties, last: they override what a mode sets by default. */
static void set_props(rd_kafka_conf_t *conf, const opts *o)
{
    for (int i = 0; i < o->nprops; i++)
        set(conf, o->prop_key[i], o->prop_value[i]);
}

/* CPU seconds (user + system) of this process's threads so far, read from
 * /proc/self/task: the mock cluster's ("rdk:mock...") apart from the rest,
 * the client's, to tell the reference broker's work from the client's in
 * one process; and each client thread's, to find the busiest. */
#define MAX_THREADS 64
typedef struct cpu_snapshot {
    double client, mock;
    int n;
    long tid[MAX_THREADS];
    double cpu[MAX_THREADS];
} cpu_snapshot;

static void cpu_now(cpu_snapshot *s)
{
    memset(s, 0, sizeof *s);
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return;
    double tick = (double)sysconf(_SC_CLK_TCK);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], comm[64] = "", stat[1024];
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(comm, sizeof comm, f))
                comm[0] = 0;
            fclose(f);
        }
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = 0;
        /* fields after the parenthesised name: state is 3rd, utime 14th, stime 15th */
        const char *p = strrchr(stat, ')');
        unsigned long long ut, st;
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
            continue;
        double cpu = (double)(ut + st) / tick;
        if (strncmp(comm, "rdk:mock", 8) == 0) {
            s->mock += cpu;
            continue;
        }
        s->client += cpu;
        if (s->n < MAX_THREADS) {
            s->tid[s->n] = atol(e->d_name);
            s->cpu[s->n++] = cpu;
        }
    }
    closedir(d);
}

static void thread_cpu_s(double *client, double *mock)
{
    cpu_snapshot s;
    cpu_now(&s);
    *client = s.client;
    *mock = s.mock;
}

/* The CPU seconds the busiest client thread used between two snapshots. */
static double busiest_thread_s(const cpu_snapshot *before, const cpu_snapshot *after)
{
    double most = 0;
    for (int i = 0; i < after->n; i++) {
        double used = after->cpu[i];
        for (int k = 0; k < before->n; k++)
            if (before->tid[k] == after->tid[i])
                used -= before->cpu[k];
        if (used > most)
            most = used;
    }
    return most;
}

/* ---- topic ------------------------------------------------------------------ */

static void create_topic(const opts *o)
{
    rd_kafka_conf_t *conf = base_conf(o);
    char err[256];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        die("admin client", err);
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(o->topic, o->partitions, o->replication, err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    if (ev) {
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t n;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
        if (n && rd_kafka_topic_result_error(tr[0]) &&
            rd_kafka_topic_result_error(tr[0]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            die("create topic", rd_kafka_topic_result_error_string(tr[0]));
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_queue_destroy(q);
    rd_kafka_destroy(rk);
}

/* ---- produce ------------------------------------------------------------------ */

static long delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        failed++;
    else
        delivered++;
}

/* Block until the client knows a leader for every partition of the topic,
 * so the clock starts on a producer that can send at once. Without this,
 * librdkafka (2.0) sometimes asks for the topic's metadata only on its
 * one-second refresh timer (its first request, sent on connect, races the
 * topic's creation in the client), and a run measures that second instead
 * of the broker: the "collapsed" rounds of earlier measurements. */
static void await_leaders(rd_kafka_t *rk, const opts *o)
{
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    /* creating a topic of many partitions takes a while: 30 s, plus 1 s a thousand partitions */
    for (double deadline = now_s() + 30 + o->partitions / 1000.0; now_s() < deadline;) {
        const struct rd_kafka_metadata *md;
        int ready = 0;
        if (rd_kafka_metadata(rk, 0, rkt, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const struct rd_kafka_metadata_topic *t = md->topic_cnt == 1 ? &md->topics[0] : NULL;
            ready = t && !t->err && t->partition_cnt >= o->partitions;
            for (int p = 0; ready && p < t->partition_cnt; p++)
                ready = t->partitions[p].leader >= 0;
            rd_kafka_metadata_destroy(md);
        }
        if (ready) {
            rd_kafka_topic_destroy(rkt);
            return;
        }
        struct timespec d = {0, 50000000};
        nanosleep(&d, NULL);
    }
    die("no leader for every partition of", o->topic);
}

static rd_kafka_t *producer_with(const opts *o, const char *linger,
                                 void (*dr)(rd_kafka_t *, const rd_kafka_message_t *, void *))
{
    rd_kafka_conf_t *conf = base_conf(o);
    char acks[8], err[256];
    snprintf(acks, sizeof acks, "%d", o->acks);
    set(conf, "acks", acks);
    set(conf, "linger.ms", linger);
    set(conf, "queue.buffering.max.messages", "1000000");
    set(conf, "queue.buffering.max.kbytes", "1048576");
    set(conf, "batch.num.messages", "10000");
    rd_kafka_conf_set_dr_msg_cb(conf, dr);
    if (o->txn_size)
        set(conf, "transactional.id", "kafka_load");
    set_props(conf, o);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk)
        die("producer", err);
    await_leaders(rk, o);
    return rk;
}

static rd_kafka_t *producer(const opts *o, const char *linger)
{
    return producer_with(o, linger, on_delivery);
}

/* A transactional call that must succeed. */
static void txn_call(const char *what, rd_kafka_error_t *error)
{
    if (error)
        die(what, rd_kafka_error_string(error));
}

/* Produce COUNT records and wait for every delivery: the seconds it took
 * and the CPU seconds the client's and the mock's threads used. */
static double produce_all(const opts *o, double *client_cpu, double *mock_cpu)
{
    rd_kafka_t *rk = producer(o, o->linger ? o->linger : "5");
    char *payload = malloc((size_t)o->size);
    memset(payload, 'p', (size_t)o->size);
    if (o->txn_size)
        txn_call("init_transactions", rd_kafka_init_transactions(rk, 60000));
    double c0, m0;
    thread_cpu_s(&c0, &m0);
    double t0 = now_s();
    for (long i = 0; i < o->count; i++) {
        if (o->txn_size && i % o->txn_size == 0)
            txn_call("begin_transaction", rd_kafka_begin_transaction(rk));
        rd_kafka_resp_err_t e;
        char key[24];
        int key_len = snprintf(key, sizeof key, "k%ld", i);
        /* librdkafka's argument macros cast without parentheses: plain variables only */
        const char *record_key = o->keyed ? key : NULL;
        size_t record_key_len = o->keyed ? (size_t)key_len : 0;
        int32_t partition = o->keyed ? RD_KAFKA_PARTITION_UA : (int32_t)(i % o->partitions);
        while ((e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION(partition),
                                      RD_KAFKA_V_KEY(record_key, record_key_len),
                                      RD_KAFKA_V_VALUE(payload, (size_t)o->size), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 10);
        if (e)
            die("produce", rd_kafka_err2str(e));
        rd_kafka_poll(rk, 0);
        if (o->txn_size && ((i + 1) % o->txn_size == 0 || i + 1 == o->count))
            txn_call("commit_transaction", rd_kafka_commit_transaction(rk, 60000));
    }
    rd_kafka_flush(rk, 120000);
    double t = now_s() - t0;
    thread_cpu_s(client_cpu, mock_cpu);
    *client_cpu -= c0;
    *mock_cpu -= m0;
    if (failed || delivered != o->count)
        fprintf(stderr, "kafka_load: %ld delivered, %ld failed\n", delivered, failed);
    free(payload);
    rd_kafka_destroy(rk);
    return t;
}

static void produce(const opts *o)
{
    double client_cpu, mock_cpu;
    double t = produce_all(o, &client_cpu, &mock_cpu);
    printf("%.0f %.1f %.2f ", (double)delivered / t, (double)delivered * (double)o->size / t / 1e6, client_cpu);
    if (o->mock)
        printf("%.2f\n", mock_cpu);
    else
        printf("-\n");
}

/* ---- consume ------------------------------------------------------------------ */

static rd_kafka_t *consumer(const opts *o, int64_t start)
{
    rd_kafka_conf_t *conf = base_conf(o);
    char err[256];
    set(conf, "group.id", "kafka_load");
    set(conf, "enable.auto.commit", "false");
    set(conf, "fetch.wait.max.ms", "100");
    set(conf, "auto.offset.reset", "earliest"); /* offset 0 of a log that starts later: its start */
    set_props(conf, o);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk)
        die("consumer", err);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(o->partitions);
    for (int p = 0; p < o->partitions; p++)
        rd_kafka_topic_partition_list_add(parts, o->topic, p)->offset = start;
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    return rk;
}

static void consume(const opts *o)
{
    if (o->mock) { /* the mock lives in this process: fill it first, untimed */
        double client_cpu, mock_cpu;
        produce_all(o, &client_cpu, &mock_cpu);
    }
    /* Offset 0 rather than OFFSET_BEGINNING, unless asked: librdkafka
     * (2.0) resolves BEGINNING with one ListOffsets request per partition,
     * and with 10,000 partitions its broker thread sent some of those
     * requests 10-27 s after queueing them, while it fetched the others
     * (docs/benchmarks.md, "Many partitions"). The topics measured here
     * start at 0, so both read the same records. */
    rd_kafka_t *rk = consumer(o, o->from_beginning ? RD_KAFKA_OFFSET_BEGINNING : 0);
    long got = 0;
    double bytes = 0, t0 = 0, deadline = now_s() + 300;
    cpu_snapshot before, after;
    while (got < o->count && now_s() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (!m->err && got++ == 0) { /* the clock starts with the first record: connecting is not consuming */
            t0 = now_s();
            cpu_now(&before);
        }
        if (!m->err)
            bytes += (double)m->len;
        rd_kafka_message_destroy(m);
    }
    double t = now_s() - t0;
    cpu_now(&after);
    printf("%.0f %.1f %.2f %.2f %.2f ", (double)got / t, bytes / t / 1e6, t, after.client - before.client,
           busiest_thread_s(&before, &after));
    if (o->mock)
        printf("%.2f\n", after.mock - before.mock);
    else
        printf("-\n");
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

/* ---- latency ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct lat_state {
    const opts *o;
    double *samples;
    long n;
    int ready;
} lat_state;

/* Reads the topic from its start: a first record stamped -1 says the
 * consumer is there (the run starts only then: a consumer asked to start
 * at the log end may find it only after its first metadata refresh, a
 * second later, and miss what came before); the others are timed. */
static void *latency_reader(void *arg)
{
    lat_state *st = arg;
    rd_kafka_t *rk = consumer(st->o, RD_KAFKA_OFFSET_BEGINNING);
    double deadline = now_s() + 120;
    while (st->n < st->o->count && now_s() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
        if (!m)
            continue;
        double sent;
        if (!m->err && m->len >= sizeof sent) {
            memcpy(&sent, m->payload, sizeof sent);
            if (sent < 0)
                __atomic_store_n(&st->ready, 1, __ATOMIC_RELEASE);
            else
                st->samples[st->n++] = (now_s() - sent) * 1000;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return NULL;
}

/* Send the record that tells the reader's consumer is there, and wait
 * (at most 30 s) until it has it. */
static void await_reader(rd_kafka_t *rk, const opts *o, lat_state *st, char *payload, size_t len)
{
    double first = -1;
    memcpy(payload, &first, sizeof first);
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(payload, len),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    for (double deadline = now_s() + 30; !__atomic_load_n(&st->ready, __ATOMIC_ACQUIRE) && now_s() < deadline;)
        rd_kafka_poll(rk, 10);
    if (!__atomic_load_n(&st->ready, __ATOMIC_ACQUIRE))
        die("the latency reader never started", NULL);
}

/* Milliseconds at quantile q of sorted samples. */
static double quantile(const double *sorted, long n, double q)
{
    long i = (long)((double)n * q);
    return sorted[i < n ? i : n - 1];
}

static void print_quantiles(double *samples, long n)
{
    qsort(samples, (size_t)n, sizeof(double), cmp_double);
    if (n)
        printf("%.2f %.2f %.2f %.2f", quantile(samples, n, 0.5), quantile(samples, n, 0.99),
               quantile(samples, n, 0.999), samples[n - 1]);
    else
        printf("- - - -");
}

/* Acknowledgement latencies of the paced run, from delivery reports. */
static double *ack_samples;
static long ack_n;

static void on_paced_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    on_delivery(rk, m, opaque);
    double due;
    if (m->err && failed == 1)
        fprintf(stderr, "kafka_load: delivery failed: %s\n", rd_kafka_err2str(m->err));
    if (!m->err && m->len >= sizeof due) {
        memcpy(&due, m->payload, sizeof due);
        if (due >= 0) /* not the reader's first record */
            ack_samples[ack_n++] = (now_s() - due) * 1000;
    }
}

/* Produce on a fixed schedule of o->rate records/s: every record whose
 * time has come goes out, stamped with that time, then a short sleep.
 * Records are copied (F_COPY): without it librdkafka sends from the
 * caller's buffer, which the next stamp overwrites after the batch's CRC
 * was computed, and the broker rightly refuses the batch as corrupt. */
static double produce_paced(const opts *o, rd_kafka_t *rk, char *payload, size_t len)
{
    double t0 = now_s();
    for (long i = 0; i < o->count;) {
        double now = now_s();
        for (; i < o->count && t0 + (double)i / o->rate <= now; i++) {
            double due = t0 + (double)i / o->rate;
            memcpy(payload, &due, sizeof due);
            while (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION((int32_t)(i % o->partitions)),
                                     RD_KAFKA_V_VALUE(payload, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                     RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(rk, 1);
        }
        rd_kafka_poll(rk, 0);
        struct timespec d = {0, 200000};
        nanosleep(&d, NULL);
    }
    return now_s() - t0;
}

static void latency(const opts *o)
{
    lat_state st = {.o = o, .samples = calloc((size_t)o->count, sizeof(double))};
    pthread_t reader;
    if (!o->ack_only)
        pthread_create(&reader, NULL, latency_reader, &st);
    size_t len = (size_t)(o->size < 8 ? 8 : o->size);
    char *payload = calloc(1, len);
    if (o->rate > 0)
        ack_samples = calloc((size_t)o->count, sizeof(double));
    /* linger 0 by default: what waits is the broker, not the client (under
     * load the client still batches what queued while a request was out) */
    const char *linger = o->linger ? o->linger : "0";
    rd_kafka_t *rk = o->rate > 0 ? producer_with(o, linger, on_paced_delivery) : producer(o, linger);
    if (!o->ack_only)
        await_reader(rk, o, &st, payload, len);
    double took = 0;
    if (o->rate > 0) {
        took = produce_paced(o, rk, payload, len);
    } else {
        for (long i = 0; i < o->count; i++) {
            double t = now_s();
            memcpy(payload, &t, sizeof t);
            rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o->topic), RD_KAFKA_V_PARTITION((int32_t)(i % o->partitions)),
                              RD_KAFKA_V_VALUE(payload, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            rd_kafka_poll(rk, 0);
            struct timespec d = {0, 1000000}; /* ~1000 records/s: latency, not throughput */
            nanosleep(&d, NULL);
        }
    }
    rd_kafka_flush(rk, 30000);
    if (!o->ack_only)
        pthread_join(reader, NULL);
    if (o->rate > 0) {
        long expected = o->count + !o->ack_only; /* and the reader's first record */
        if (failed || delivered != expected)
            fprintf(stderr, "kafka_load: %ld delivered, %ld failed of %ld\n", delivered, failed, expected);
        long consumed = st.n;
        print_quantiles(st.samples, st.n);
        printf(" ");
        print_quantiles(ack_samples, ack_n);
        printf(" %.0f %.3f\n", (double)o->count / took, (double)consumed / (double)o->count);
        free(ack_samples);
    } else {
        qsort(st.samples, (size_t)st.n, sizeof(double), cmp_double);
        if (st.n)
            printf("%.2f %.2f %.2f\n", st.samples[st.n / 2], st.samples[(size_t)(st.n * 0.99)], st.samples[st.n - 1]);
        else
            printf("- - -\n");
    }
    free(st.samples);
    free(payload);
    rd_kafka_destroy(rk);
}

int main(int argc, char **argv)
{
    opts o = {
        .bootstrap = "127.0.0.1:9092", .count = 1000000, .size = 100, .acks = 1, .partitions = 1, .replication = 1};
    static const struct option longopts[] = {
        {"mock", no_argument, NULL, 'M'},           {"keyed", no_argument, NULL, 'k'},
        {"from-beginning", no_argument, NULL, 'B'}, {"ack-only", no_argument, NULL, 'A'},
        {"txn-size", required_argument, NULL, 'T'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "b:t:m:n:s:a:p:r:kR:L:X:T:", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': o.bootstrap = optarg; break;
        case 't': o.topic = optarg; break;
        case 'm': o.mode = optarg; break;
        case 'n': o.count = atol(optarg); break;
        case 's': o.size = atol(optarg); break;
        case 'a': o.acks = atoi(optarg); break;
        case 'p': o.partitions = atoi(optarg); break;
        case 'r': o.replication = atoi(optarg); break;
        case 'M': o.mock = 1; break;
        case 'k': o.keyed = 1; break;
        case 'B': o.from_beginning = 1; break;
        case 'A': o.ack_only = 1; break;
        case 'R': o.rate = atof(optarg); break;
        case 'L': o.linger = optarg; break;
        case 'T': o.txn_size = atol(optarg); break;
        case 'X': {
            char *eq = strchr(optarg, '=');
            if (!eq || o.nprops == (int)(sizeof o.prop_key / sizeof o.prop_key[0]))
                die("-X takes key=value, at most 16 times", optarg);
            *eq = '\0';
            o.prop_key[o.nprops] = optarg;
            o.prop_value[o.nprops++] = eq + 1;
            break;
        }
        default: return 2;
        }
    }
    if (!o.topic || !o.mode || o.count < 1 || o.size < 1 || o.partitions < 1 || o.replication < 1)
        die("usage: kafka_load [--mock] [-b host:port] -t TOPIC -m create|produce|consume|latency [-n N] [-s SIZE] "
            "[-a ACKS] [-p PARTITIONS] [-r RF] [-k] [-R RATE] [-L LINGER_MS] [-X property=value]... [--from-beginning] "
            "[--ack-only] [-T RECORDS_PER_TXN]",
            NULL);
    rd_kafka_t *mock_rk = NULL;
    rd_kafka_mock_cluster_t *mock = NULL;
    char bootstraps[256];
    if (o.mock) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char err[256];
        mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        mock = rd_kafka_mock_cluster_new(mock_rk, 1);
        if (!mock)
            die("mock cluster", NULL);
        snprintf(bootstraps, sizeof bootstraps, "%s", rd_kafka_mock_cluster_bootstraps(mock));
        o.bootstrap = bootstraps;
        rd_kafka_mock_topic_create(mock, o.topic, o.partitions, 1);
    } else {
        create_topic(&o);
    }
    if (strcmp(o.mode, "create") == 0)
        rd_kafka_destroy(producer(&o, "5")); /* created, every partition led */
    else if (strcmp(o.mode, "produce") == 0)
        produce(&o);
    else if (strcmp(o.mode, "consume") == 0)
        consume(&o);
    else if (strcmp(o.mode, "latency") == 0)
        latency(&o);
    else
        die("unknown mode", o.mode);
    if (mock) {
        rd_kafka_mock_cluster_destroy(mock);
        rd_kafka_destroy(mock_rk);
    }
    return 0;
}
