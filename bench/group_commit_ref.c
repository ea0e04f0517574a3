/* The disk's own latency for a group-committing log: the reference for
 * flush = "always" in bench/latency_run.sh.
 *
 * One thread appends WRITE-byte writes to a fresh file on a fixed schedule
 * (RATE bytes/s for SECONDS); a second thread runs fdatasync back to back
 * while writes are waiting, each sync covering every write that finished
 * before it began, as a broker's group commit does. A write's latency is
 * from the time it was due to the end of the first sync that covers it, so
 * a slow sync counts once for every write that waited for it (fio's
 * per-call sync percentiles count it once). No network, no parsing, no
 * broker: what is left is what the disk and file system cost.
 *
 *   group_commit_ref FILE WRITE_BYTES RATE_BYTES_PER_S SECONDS
 * prints: write-latency ms p50 p99 p999 max, writes, syncs, sync ms p50 p99 max */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct ref {
    int fd;
    pthread_mutex_t mu;
    pthread_cond_t written_cv;
    uint64_t written; /* writes finished */
    int done;
    double *due;     /* per write */
    double *latency; /* per write, filled by the syncer */
    uint64_t durable;
    double *sync_ms;
    size_t syncs, syncs_cap;
} ref;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
    for (double left; (left = t - now_s()) > 0;) {
        struct timespec s = {.tv_sec = (time_t)left, .tv_nsec = (long)((left - (double)(time_t)left) * 1e9)};
        nanosleep(&s, NULL);
    }
}

static void *syncer(void *arg)
{
    ref *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->done && r->written <= r->durable)
            pthread_cond_wait(&r->written_cv, &r->mu);
        if (r->written <= r->durable)
            break; /* done, all covered */
        uint64_t covers = r->written;
        pthread_mutex_unlock(&r->mu);
        double start = now_s();
        if (fdatasync(r->fd) < 0) {
            perror("fdatasync");
            exit(1);
        }
        double end = now_s();
        pthread_mutex_lock(&r->mu);
        for (uint64_t i = r->durable; i < covers; i++)
            r->latency[i] = end - r->due[i];
        r->durable = covers;
        if (r->syncs < r->syncs_cap)
            r->sync_ms[r->syncs++] = (end - start) * 1e3;
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double at(const double *sorted, size_t n, double q)
{
    size_t i = (size_t)(q * (double)n);
    return sorted[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s FILE WRITE_BYTES RATE_BYTES_PER_S SECONDS\n", argv[0]);
        return 2;
    }
    size_t size = strtoul(argv[2], NULL, 10);
    double rate = strtod(argv[3], NULL), seconds = strtod(argv[4], NULL);
    uint64_t n = (uint64_t)(rate * seconds / (double)size);
    if (!size || n == 0) {
        fprintf(stderr, "nothing to write\n");
        return 2;
    }
    ref r = {.syncs_cap = (size_t)n};
    r.fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    r.due = calloc(n, sizeof *r.due);
    r.latency = calloc(n, sizeof *r.latency);
    r.sync_ms = calloc(n, sizeof *r.sync_ms);
    char *buf = malloc(size);
    if (r.fd < 0 || !r.due || !r.latency || !r.sync_ms || !buf) {
        perror(argv[1]);
        return 1;
    }
    memset(buf, 'x', size);
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.written_cv, NULL);
    pthread_t t;
    pthread_create(&t, NULL, syncer, &r);
    double t0 = now_s(), every = (double)size / rate;
    for (uint64_t i = 0; i < n; i++) {
        double due = t0 + (double)i * every;
        sleep_until(due);
        if (write(r.fd, buf, size) != (ssize_t)size) {
            perror("write");
            return 1;
        }
        pthread_mutex_lock(&r.mu);
        r.due[i] = due;
        r.written = i + 1;
        pthread_cond_signal(&r.written_cv);
        pthread_mutex_unlock(&r.mu);
    }
    pthread_mutex_lock(&r.mu);
    r.done = 1;
    pthread_cond_signal(&r.written_cv);
    pthread_mutex_unlock(&r.mu);
    pthread_join(t, NULL);
    close(r.fd);
    unlink(argv[1]);
    for (uint64_t i = 0; i < n; i++)
        r.latency[i] *= 1e3;
    qsort(r.latency, n, sizeof *r.latency, by_value);
    qsort(r.sync_ms, r.syncs, sizeof *r.sync_ms, by_value);
    printf("%.2f %.2f %.2f %.2f %llu %zu %.2f %.2f %.2f\n", at(r.latency, n, 0.5), at(r.latency, n, 0.99),
           at(r.latency, n, 0.999), r.latency[n - 1], (unsigned long long)n, r.syncs, at(r.sync_ms, r.syncs, 0.5),
           at(r.sync_ms, r.syncs, 0.99), r.syncs ? r.sync_ms[r.syncs - 1] : 0.0);
    pthread_cond_destroy(&r.written_cv);
    pthread_mutex_destroy(&r.mu);
    free(buf);
    free(r.due);
    free(r.latency);
    free(r.sync_ms);
    return 0;
}
