/* Log bytes about to be sent from a file: whether they are in the page
 * cache, and reading them in on a worker thread when they are not.
 *
 * A fetch answers with file slices that go to the socket with sendfile on
 * the event loop. Bytes no longer cached (a consumer catching up from old
 * segments, a follower re-reading after a restart) make that sendfile wait
 * for the disk, and every other connection of the loop with it. So before
 * a file slice is sent, its next chunk is checked, and a cold chunk is read
 * into the cache on a worker first; its connection alone waits. */
#ifndef BROOK_CORE_PAGE_CACHE_H
#define BROOK_CORE_PAGE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <brook/errors.h>

#include "workers.h"

/* Whether [offset, offset + len) of `fd` can be read without waiting for
 * the disk, probed every 128 KiB and at its last page (RWF_NOWAIT reads
 * of a byte: a page the kernel is still reading ahead counts as missing,
 * which cachestat(2) would count as cached). A page missing between two
 * probes goes unseen: the send then waits, as it always did. A file
 * system that cannot tell answers yes. */
int brook_page_cache_has(int fd, int64_t offset, size_t len);

/* Read [offset, offset + len) of `fd` into the page cache on a worker, then
 * call done(arg) on the loop. The file is duplicated first: the caller may
 * close its descriptor meanwhile. A read error is left for the send to
 * meet (it reads the same bytes). */
brook_err brook_page_cache_fill(brook_workers *w, int fd, int64_t offset, size_t len, void (*done)(void *arg),
                                void *arg);

#endif
