/* The files the core keeps for each partition beside its log: the
 * leader-epoch checkpoint (<data_dir>/leader-epochs/<topic>-<n>) and the
 * producer-state snapshots (<data_dir>/producer-state/<topic>-<n>/).
 *
 * And reading them ahead at start-up. Opening a partition is about twenty
 * system calls on one thread, half of them for these files; with 100,000
 * partitions that was most of start-up. Helper threads read them, in the
 * order the partitions will be opened, while the start-up thread opens the
 * logs (the storage plugin's work, which stays on that thread): the two
 * halves run on two cores. The helpers also have the storage plugin
 * prefetch what its open will read (storage.h's prefetch): after a reboot
 * the page cache is cold and every file is a disk read, which several
 * helpers at once keep in flight instead of the start-up thread waiting
 * for each. The helpers only read; whatever a load decides to change (a
 * snapshot past the log end, a crashed write's temporary file) is still
 * changed by the start-up thread. */
#ifndef BROOK_CORE_PARTITION_FILES_H
#define BROOK_CORE_PARTITION_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "producer_snapshot.h"
#include "topics.h"

void brook_partition_epochs_path(const char *data_dir, const char *topic, int32_t index, char *out, size_t len);
void brook_partition_state_dir(const char *data_dir, const char *topic, int32_t index, char *out, size_t len);

/* One partition's files, read. */
typedef struct brook_partition_files {
    char *epochs_text; /* the checkpoint's text; NULL: epochs_errno says why */
    int epochs_errno;
    brook_snapshot_listing snapshots;
} brook_partition_files;

void brook_partition_files_read(const char *data_dir, const char *topic, int32_t index, brook_partition_files *out);
void brook_partition_files_free(brook_partition_files *f);

/* Reading ahead the files of every partition of topics[0..count), in
 * order: topic by topic, partition 0 up. NULL when there are none or no
 * thread could be started: the partitions read their own. Used for every
 * start-up, however small, so that the path is the one always tested. */
typedef struct brook_read_ahead brook_read_ahead;
/* Called by the helpers for each partition before its files are read
 * (topics[topic], partition `index`), from several threads at once. */
typedef void (*brook_prefetch_fn)(void *arg, size_t topic, int32_t index);
brook_read_ahead *brook_read_ahead_start(const char *data_dir, brook_topic *const *topics, size_t count,
                                         brook_prefetch_fn prefetch, void *prefetch_arg);
/* The next partition's files, which must be (topic, index): waits for them
 * if needed and moves them to *out. 0 (nothing moved) when `ra` is NULL or
 * the order was not kept; the read-ahead is useless from then on. */
int brook_read_ahead_next(brook_read_ahead *ra, const brook_topic *topic, int32_t index, brook_partition_files *out);
/* Stop the helpers and free what was read and not taken. */
void brook_read_ahead_stop(brook_read_ahead *ra);

#endif
