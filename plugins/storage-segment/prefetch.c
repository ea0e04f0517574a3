/* storage.h's prefetch: at start-up, what plog_open will read brought into
 * the page cache by the core's helper threads, several at once and ahead
 * of the opens (which run one after another on the event loop).
 *
 * After a reboot nothing is cached and each partition's open waits for
 * its directory, the inodes of its files and the data it reads: with
 * 100,000 partitions that was 28-31 s of start-up, most of it the start-up
 * thread waiting for one read after another. Here each file of the
 * partition's directory is opened (its inode read) and the parts open
 * reads are read ahead without waiting for them (readahead(2)): the last
 * entries of every index file, and of the newest segment what recovery or
 * a clean start reads: all of it up to one recovery read (1 MiB) or else
 * its tail, and its index files. At most about 1 MiB per partition plus
 * what open reads anyway. Reads only; nothing of the backend is touched
 * but its directory name. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "segstore.h"

/* How much of an index file's end a sealed segment's open reads: its last
 * entry, and a page holds it. */
#define INDEX_TAIL_BYTES 4096
/* The newest segment's index files are read whole after a clean stop. */
#define NEWEST_INDEX_MAX_BYTES ((off_t)64 << 20)
/* Of a newest segment larger than one recovery read, a clean start reads
 * the batch headers after its last index entry: an index interval and a
 * batch or so (a crash's recovery reads it all, beyond what is worth
 * reading ahead for every partition). Other files (checkpoints) are small. */
#define TAIL_BYTES ((off_t)64 << 10)

/* Open `name` (its inode in) and read ahead all of it up to `whole` bytes,
 * or else its last `tail` bytes. */
static void warm(int dfd, const char *name, off_t whole, off_t tail)
{
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if ((whole > 0 || tail > 0) && fstat(fd, &st) == 0 && st.st_size > 0) {
        off_t from = st.st_size <= whole ? 0 : st.st_size > tail ? st.st_size - tail : 0;
        (void)readahead(fd, from, (size_t)(st.st_size - from));
    }
    close(fd);
}

static int ends_with(const char *s, const char *ext)
{
    size_t n = strlen(s), e = strlen(ext);
    return n > e && strcmp(s + n - e, ext) == 0;
}

/* The newest segment's files: the tail recovery validates, or that a clean
 * start reads past the last index entry, and its index files whole. */
static void warm_newest(int dfd, const char *base)
{
    char name[SEG_NAME_DIGITS + 16];
    snprintf(name, sizeof name, "%s.log", base);
    warm(dfd, name, (off_t)RECOVERY_READ_BYTES, TAIL_BYTES);
    snprintf(name, sizeof name, "%s.index", base);
    warm(dfd, name, NEWEST_INDEX_MAX_BYTES, 0);
    snprintf(name, sizeof name, "%s.timeindex", base);
    warm(dfd, name, NEWEST_INDEX_MAX_BYTES, 0);
}

void plog_prefetch(const backend *be, const char *topic, int32_t partition)
{
    char dir[PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s/%s-%d", be->dir, topic, partition);
    if (n < 0 || n >= (int)sizeof dir)
        return;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    char newest[SEG_NAME_DIGITS + 1] = "";
    char buf[8192];
    ssize_t got;
    while ((got = getdents64(dfd, buf, sizeof buf)) > 0) {
        for (ssize_t pos = 0; pos < got;) {
            const struct dirent64 *d = (const struct dirent64 *)(buf + pos);
            pos += d->d_reclen;
            if (d->d_name[0] == '.')
                continue;
            if (ends_with(d->d_name, ".log") && strlen(d->d_name) == SEG_NAME_DIGITS + 4) {
                if (strncmp(d->d_name, newest, SEG_NAME_DIGITS) > 0)
                    memcpy(newest, d->d_name, SEG_NAME_DIGITS);
                warm(dfd, d->d_name, 0, 0);
            } else {
                warm(dfd, d->d_name, 0, ends_with(d->d_name, "index") ? INDEX_TAIL_BYTES : TAIL_BYTES);
            }
        }
    }
    if (*newest)
        warm_newest(dfd, newest);
    close(dfd);
}
