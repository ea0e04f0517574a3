/* What storing a log costs the CPU by itself: the reference for brookd's
 * CPU per GB of 10 KiB records in bench/kafka_run.sh.
 *
 * One thread appends TOTAL bytes to a fresh file in WRITE-byte pwrites
 * from one warm buffer, as fast as it can; a second thread, every FLUSH_MS,
 * fdatasyncs what was written and then drops from the page cache the
 * synced bytes older than the newest KEEP bytes (POSIX_FADV_DONTNEED), as
 * storage-segment does with flush = "interval" and cache_keep_bytes. No
 * network, no parsing, no checksums: the CPU left is what the page cache
 * and the file system charge a broker that writes what it is sent (the
 * librdkafka mock, the other reference, writes nothing).
 *
 * WRITE_BYTES should be what the broker writes per call: on this machine
 * (Linux 6.18, ext4) writes of exactly 1 MiB at 1 MiB-aligned offsets cost
 * 2-4 times the CPU per GB of any other size tried (1,000,003, 1,048,577,
 * 1,052,672 bytes), and brookd's writes are a produce request's batches,
 * not aligned.
 *
 *   log_writer_ref FILE TOTAL_BYTES WRITE_BYTES FLUSH_MS KEEP_BYTES
 * prints: MB/s CPU-seconds-per-GB (user + system, both threads; the
 *         kernel's writeback threads are not counted, as for brookd),
 *         up to the last write: bytes of the last interval stay unsynced,
 *         as a produce run's are when kafka_run.sh reads brookd's CPU */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

typedef struct writer {
    int fd;
    int64_t keep;
    int flush_ms;
    pthread_mutex_t mu;
    pthread_cond_t done_cv;
    int64_t written; /* bytes appended so far */
    int done;
} writer;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* Sync what was written, then let go of the synced bytes behind the newest
 * keep: the pages a broker's consumers no longer read from memory. */
static void sync_and_drop(writer *w, int64_t upto, int64_t *dropped_to)
{
    if (fdatasync(w->fd) != 0) {
        perror("fdatasync");
        exit(1);
    }
    int64_t drop_to = upto - w->keep;
    if (w->keep >= 0 && drop_to > *dropped_to) {
        posix_fadvise(w->fd, (off_t)*dropped_to, (off_t)(drop_to - *dropped_to), POSIX_FADV_DONTNEED);
        *dropped_to = drop_to;
    }
}

static void *flusher(void *arg)
{
    writer *w = arg;
    int64_t dropped_to = 0;
    pthread_mutex_lock(&w->mu);
    while (!w->done) {
        struct timespec at;
        clock_gettime(CLOCK_REALTIME, &at);
        at.tv_nsec += (long)w->flush_ms * 1000000L;
        at.tv_sec += at.tv_nsec / 1000000000L;
        at.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&w->done_cv, &w->mu, &at);
        int64_t upto = w->written;
        pthread_mutex_unlock(&w->mu);
        sync_and_drop(w, upto, &dropped_to);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: log_writer_ref FILE TOTAL_BYTES WRITE_BYTES FLUSH_MS KEEP_BYTES\n");
        return 2;
    }
    int64_t total = atoll(argv[2]), size = atoll(argv[3]);
    writer w = {.keep = atoll(argv[5]), .flush_ms = atoi(argv[4])};
    if (total < 1 || size < 1 || w.flush_ms < 1) {
        fprintf(stderr, "log_writer_ref: TOTAL_BYTES, WRITE_BYTES and FLUSH_MS must be positive\n");
        return 2;
    }
    w.fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char *buf = malloc((size_t)size);
    if (w.fd < 0 || !buf) {
        perror(argv[1]);
        return 1;
    }
    memset(buf, 'x', (size_t)size); /* warm: the source pages cost nothing in the loop */
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.done_cv, NULL);
    double t0 = now_s(), c0 = cpu_s();
    pthread_t flush_thread;
    pthread_create(&flush_thread, NULL, flusher, &w);
    for (int64_t off = 0; off < total;) {
        size_t n = (size_t)(total - off < size ? total - off : size);
        if (pwrite(w.fd, buf, n, (off_t)off) != (ssize_t)n) {
            perror("pwrite");
            return 1;
        }
        off += (int64_t)n;
        pthread_mutex_lock(&w.mu);
        w.written = off;
        pthread_mutex_unlock(&w.mu);
    }
    double t = now_s() - t0, cpu = cpu_s() - c0;
    pthread_mutex_lock(&w.mu);
    w.done = 1;
    pthread_cond_signal(&w.done_cv);
    pthread_mutex_unlock(&w.mu);
    pthread_join(flush_thread, NULL);
    printf("%.1f %.3f\n", (double)total / t / 1e6, cpu / ((double)total / 1e9));
    close(w.fd);
    free(buf);
    pthread_cond_destroy(&w.done_cv);
    pthread_mutex_destroy(&w.mu);
    return 0;
}
