/* The credentials file held in memory for lookups, read again whenever it
 * changed (another inode, size, or change time at the lookup): a lookup
 * costs a stat and a hash probe where cred_find scans the file. auth-scram
 * looks a user up on the event loop at every login; with 20,000 users the
 * scan took ~1.5 ms of the loop per login step. Edits take effect at the
 * next lookup, as with cred_find (brookctl and auth-scram write the file
 * by rename, a new inode). Not thread-safe: one owner. */
#ifndef BROOK_CRED_INDEX_H
#define BROOK_CRED_INDEX_H

#include "credentials.h"

typedef struct cred_index cred_index;

/* An index of `path` (read at the first lookup); NULL without memory. */
cred_index *cred_index_new(const char *path);
void cred_index_free(cred_index *x);

/* As cred_find: the fields of `user`'s line for `scheme`, 1 found, 0 not,
 * -1 when the file cannot be read. Of two lines for one user and scheme
 * the first counts (what the rewrites never leave). */
int cred_index_find(cred_index *x, const char *user, const char *scheme, int *iterations, cred_field *fields,
                    int count);

#endif
