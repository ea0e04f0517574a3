/* The partitions' own files read ahead on a helper thread at start-up
 * (partition_files.c): every partition gets exactly its own files, in the
 * order it is opened, past the helper's bounded ring and across topics
 * with no partitions; a caller that breaks the order reads its own; loading
 * from what was read ahead decides as loading from disk does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leader_epochs.h"
#include "partition_files.h"
#include "producer_snapshot.h"
#include "producer_state.h"

static char data_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(data_dir, sizeof data_dir, "/tmp/brook-partition-files-XXXXXX");
    assert_non_null(mkdtemp(data_dir));
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/leader-epochs", data_dir);
    assert_int_equal(mkdir(path, 0755), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
    return system(cmd);
}

static brook_topic *topic(const char *name, int32_t partitions)
{
    brook_topic *t = calloc(1, sizeof *t);
    assert_non_null(t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->partition_count = partitions;
    return t;
}

/* partition `index` of `name`: an epoch checkpoint naming the index, and a
 * snapshot at log end index + 1 holding one producer whose id is the index */
static void write_files(const char *name, int32_t index)
{
    char path[PATH_MAX];
    brook_partition_epochs_path(data_dir, name, index, path, sizeof path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "0\n1\n0 %d\n", index);
    fclose(f);
    brook_producers *ps = brook_producers_new(1000, 0);
    brook_batch_info b = {.base_offset = index, .last_offset = index, .producer_id = index, .record_count = 1};
    brook_producers_record(ps, &b, index, 0);
    brook_partition_state_dir(data_dir, name, index, path, sizeof path);
    assert_int_equal(brook_producer_snapshot_write(path, index + 1, ps), BROOK_OK);
    brook_producers_free(ps);
}

static void assert_files_of(const char *name, int32_t index, brook_partition_files *f)
{
    char path[PATH_MAX], want[64];
    snprintf(want, sizeof want, "0\n1\n0 %d\n", index);
    assert_non_null(f->epochs_text);
    assert_string_equal(f->epochs_text, want);
    brook_leader_epochs le;
    brook_partition_epochs_path(data_dir, name, index, path, sizeof path);
    assert_int_equal(brook_leader_epochs_load_text(&le, path, f->epochs_text, 0), BROOK_OK);
    f->epochs_text = NULL;
    assert_int_equal(le.count, 1);
    assert_int_equal(le.entries[0].start_offset, index);
    brook_leader_epochs_free(&le);
    assert_int_equal(f->snapshots.n, 1);
    assert_int_equal(f->snapshots.offsets[0], index + 1);
    assert_non_null(f->snapshots.newest);
    brook_producers *ps;
    int64_t at;
    brook_partition_state_dir(data_dir, name, index, path, sizeof path);
    assert_int_equal(brook_producer_snapshot_load_listed(path, &f->snapshots, index + 1, 1000, 0, &ps, &at), BROOK_OK);
    assert_int_equal(at, index + 1);
    assert_int_equal(brook_producers_count(ps), 1);
    brook_producers_free(ps);
}

/* What the helpers prefetched: per topic index and partition (topic "a"
 * has 1,500), counted from several threads. */
static atomic_int prefetched[3][1500];

static void count_prefetch(void *arg, size_t topic, int32_t index)
{
    (void)arg;
    prefetched[topic][index]++;
}

/* A prefetch that finds the disk: 200 us, more than a cached one takes. */
static void disk_prefetch(void *arg, size_t topic, int32_t index)
{
    usleep(200);
    count_prefetch(arg, topic, index);
}

/* Cached for the first `arg` partitions of topic "a", the disk after. */
static void cached_then_disk_prefetch(void *arg, size_t topic, int32_t index)
{
    if (index >= *(const int32_t *)arg)
        usleep(200);
    count_prefetch(arg, topic, index);
}

/* Every partition's files, in order, each prefetched once before its files
 * come back, by helpers running several at once. */
static void every_partition_gets_its_own_files_in_order(void **state)
{
    (void)state;
    memset(prefetched, 0, sizeof prefetched);
    /* more partitions than the helper's ring holds, a topic with none
     * between two with some, one partition with no files at all */
    brook_topic *topics[] = {topic("a", 1500), topic("b", 0), topic("c", 3)};
    for (int32_t i = 0; i < 1500; i++)
        write_files("a", i);
    write_files("c", 0);
    write_files("c", 2);
    brook_read_ahead *ra = brook_read_ahead_start(data_dir, topics, 3, disk_prefetch, NULL);
    assert_non_null(ra);
    brook_partition_files f;
    for (int32_t i = 0; i < 1500; i++) {
        assert_int_equal(brook_read_ahead_next(ra, topics[0], i, &f), 1);
        assert_int_equal(prefetched[0][i], 1);
        assert_files_of("a", i, &f);
        brook_partition_files_free(&f);
    }
    assert_int_equal(brook_read_ahead_next(ra, topics[2], 0, &f), 1);
    assert_files_of("c", 0, &f);
    brook_partition_files_free(&f);
    assert_int_equal(brook_read_ahead_next(ra, topics[2], 1, &f), 1);
    assert_null(f.epochs_text); /* none: an empty history, as when read at open */
    assert_int_equal(f.epochs_errno, ENOENT);
    assert_int_equal(f.snapshots.n, 0);
    brook_partition_files_free(&f);
    assert_int_equal(brook_read_ahead_next(ra, topics[2], 2, &f), 1);
    assert_files_of("c", 2, &f);
    brook_partition_files_free(&f);
    /* past the last one: nothing */
    assert_int_equal(brook_read_ahead_next(ra, topics[2], 3, &f), 0);
    brook_read_ahead_stop(ra);
    for (int32_t i = 0; i < 3; i++)
        assert_int_equal(prefetched[2][i], 1);
    assert_int_equal(prefetched[1][0], 0); /* b has none */
    for (size_t i = 0; i < 3; i++)
        free(topics[i]);
}

/* Prefetching partitions whose files are all cached is as many system
 * calls as opening them, for nothing: once it keeps finding them cached,
 * only one partition in 64 is prefetched, until one finds the disk again;
 * every partition's own files still come. */
static void prefetching_pauses_while_everything_is_cached(void **state)
{
    (void)state;
    brook_topic *t = topic("a", 1500);
    for (int32_t i = 0; i < 1500; i++)
        write_files("a", i);
    int32_t cached_below[] = {1500, 500};
    for (int run = 0; run < 2; run++) {
        memset(prefetched, 0, sizeof prefetched);
        brook_read_ahead *ra = brook_read_ahead_start(data_dir, &t, 1, run ? cached_then_disk_prefetch : count_prefetch,
                                                      &cached_below[run]);
        brook_partition_files f;
        for (int32_t i = 0; i < 1500; i++) {
            assert_int_equal(brook_read_ahead_next(ra, t, i, &f), 1);
            assert_files_of("a", i, &f);
            brook_partition_files_free(&f);
        }
        brook_read_ahead_stop(ra);
        int early = 0, late = 0; /* prefetched among the first 500 and the last 500 */
        for (int32_t i = 0; i < 1500; i++) {
            assert_true(prefetched[0][i] <= 1);
            early += i < 500 && prefetched[0][i];
            late += i >= 1000 && prefetched[0][i];
        }
        /* the first 64 and about one in 64 after; a busy machine may make a
         * cached prefetch look slow now and then, costing 64 more each time */
        assert_true(early >= 64 && early <= 250);
        if (run == 0)
            assert_true(late <= 150);
        else
            assert_int_equal(late, 500); /* the disk again: every one */
    }
    free(t);
}

static void a_caller_out_of_order_reads_its_own(void **state)
{
    (void)state;
    brook_topic *t = topic("a", 1000);
    for (int32_t i = 0; i < 10; i++)
        write_files("a", i);
    brook_read_ahead *ra = brook_read_ahead_start(data_dir, &t, 1, NULL, NULL);
    brook_partition_files f;
    assert_int_equal(brook_read_ahead_next(ra, t, 0, &f), 1);
    brook_partition_files_free(&f);
    assert_int_equal(brook_read_ahead_next(ra, t, 2, &f), 0); /* skipped 1 */
    assert_int_equal(brook_read_ahead_next(ra, t, 1, &f), 0); /* broken from then on */
    /* stopped with the helper blocked on a full ring: it ends, and what it
     * read is freed (the sanitizers' leak check) */
    brook_read_ahead_stop(ra);
    brook_read_ahead_stop(NULL);
    assert_null(brook_read_ahead_start(data_dir, &t, 0, NULL, NULL));
    free(t);
}

static void loading_what_was_read_ahead_tidies_as_loading_does(void **state)
{
    (void)state;
    char dir[PATH_MAX], path[PATH_MAX + 64];
    brook_partition_state_dir(data_dir, "t", 0, dir, sizeof dir);
    brook_producers *ps = brook_producers_new(1000, 0), *loaded;
    for (int64_t off = 100; off <= 300; off += 100)
        assert_int_equal(brook_producer_snapshot_write(dir, off, ps), BROOK_OK);
    snprintf(path, sizeof path, "%s/%020d.snapshot.tmp", dir, 400); /* a crashed write's */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    brook_snapshot_listing l;
    brook_producer_snapshot_list(dir, &l);
    /* listing changes nothing */
    assert_int_equal(l.n, 2);
    assert_int_equal(l.has_temporary, 1);
    assert_int_equal(access(path, F_OK), 0);
    /* loading with the log ending at 250: the temporary file and the
     * snapshot past the end go; 200 is used */
    int64_t at;
    assert_int_equal(brook_producer_snapshot_load_listed(dir, &l, 250, 1000, 0, &loaded, &at), BROOK_OK);
    assert_int_equal(at, 200);
    brook_producers_free(loaded);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/%020d.snapshot", dir, 300);
    assert_int_equal(access(path, F_OK), -1);
    /* the newest damaged after it was listed and read: the bytes read are
     * what is checked, and an older one is used */
    assert_int_equal(brook_producer_snapshot_write(dir, 300, ps), BROOK_OK);
    brook_producer_snapshot_list(dir, &l);
    assert_non_null(l.newest);
    l.newest[20] ^= 0x55;
    assert_int_equal(brook_producer_snapshot_load_listed(dir, &l, 1000, 1000, 0, &loaded, &at), BROOK_OK);
    assert_int_equal(at, 200);
    brook_producers_free(loaded);
    brook_producers_free(ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_partition_gets_its_own_files_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(prefetching_pauses_while_everything_is_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(a_caller_out_of_order_reads_its_own, setup, teardown),
        cmocka_unit_test_setup_teardown(loading_what_was_read_ahead_tidies_as_loading_does, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
