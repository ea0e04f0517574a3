/* A bounded set of open segment files. Ten thousand partitions must not
 * need ten thousand descriptors: at most max_open_files are open, the
 * least recently used one is closed to open another, and files in use
 * (pinned by a slice on its way to a socket, or by a sync job) are never
 * closed under their user, so a descriptor number is never reused while a
 * slice still names it: they leave the LRU list while pinned. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "segstore.h"

static void lru_unlink(segment *s)
{
    backend *be = s->be;
    if (s->lru_prev)
        s->lru_prev->lru_next = s->lru_next;
    else if (be->lru_head == s)
        be->lru_head = s->lru_next;
    if (s->lru_next)
        s->lru_next->lru_prev = s->lru_prev;
    else if (be->lru_tail == s)
        be->lru_tail = s->lru_prev;
    s->lru_prev = s->lru_next = NULL;
}

static void lru_push_front(segment *s)
{
    backend *be = s->be;
    s->lru_next = be->lru_head;
    s->lru_prev = NULL;
    if (be->lru_head)
        be->lru_head->lru_prev = s;
    be->lru_head = s;
    if (!be->lru_tail)
        be->lru_tail = s;
}

void seg_close_fd(segment *s)
{
    if (s->fd < 0)
        return;
    lru_unlink(s);
    close(s->fd);
    s->fd = -1;
    s->be->open_fds--;
    s->be->host->metric_set(s->be->m_open_files, s->be->open_fds);
}

/* Close the least recently used file nobody is using; 0 when none can go.
 * Files in use are kept off the list, so its tail is the one: with
 * thousands of partitions a sync job pins a thousand files, and walking
 * past them on every open cost a sixth of the broker's CPU. */
static int evict_one(backend *be)
{
    if (!be->lru_tail)
        return 0;
    seg_close_fd(be->lru_tail);
    return 1;
}

int seg_fd(segment *s)
{
    backend *be = s->be;
    if (s->fd >= 0) {
        if (s->pins == 0 && be->lru_head != s) {
            lru_unlink(s);
            lru_push_front(s);
        }
        return s->fd;
    }
    while (be->open_fds >= be->max_open_files && evict_one(be))
        ;
    char path[PATH_MAX + 16];
    seg_path(s, ".log", path, sizeof path);
    s->fd = open(path, O_RDWR | O_CLOEXEC);
    if (s->fd < 0 && errno == EMFILE && evict_one(be))
        s->fd = open(path, O_RDWR | O_CLOEXEC);
    if (s->fd < 0)
        return -1;
    be->open_fds++;
    be->host->metric_set(be->m_open_files, be->open_fds);
    if (s->pins == 0)
        lru_push_front(s);
    return s->fd;
}

static void seg_free(segment *s)
{
    seg_close_fd(s);
    index_cache_forget(s);
    free(s->idx);
    free(s);
}

/* In use: off the list of files that may be closed. */
void seg_pin(segment *s)
{
    if (s->pins++ == 0)
        lru_unlink(s);
}

void seg_unpin(segment *s)
{
    if (--s->pins > 0)
        return;
    if (!s->log) {
        if (!s->idx_loading)
            seg_free(s);
        return;
    }
    index_cache_trim(s->be);
    if (s->be->open_fds > s->be->max_open_files)
        seg_close_fd(s); /* over budget while it was in use: give it back now */
    else if (s->fd >= 0)
        lru_push_front(s); /* used just now */
}

void seg_release(segment *s)
{
    s->log = NULL;
    if (s->pins == 0 && !s->idx_loading)
        seg_free(s);
}

void seg_load_ended(segment *s)
{
    s->idx_loading = 0;
    if (!s->log && s->pins == 0)
        seg_free(s);
}
