/* Changing the ACL file as an administrator would: kept lines (comments
 * included) stay as written, removed rules' lines go, new rules are
 * appended; the new file replaces the old one atomically (written beside
 * it, synced, renamed over it, the directory synced), so a crash leaves
 * the old rules or the new ones, never a mix. */
#ifndef BROOK_ACL_STORE_H
#define BROOK_ACL_STORE_H

#include <stddef.h>

#include "acl_rules.h"

/* 1: the line of `rule` goes. */
typedef int (*acl_store_drop)(void *arg, const acl_rule *rule);

/* Rewrite `path` without the rules `drop` picks (NULL: none) and with
 * `append` (whole lines, may be NULL) at its end. A line of the file that
 * does not parse stops it: nothing is written. 0, or -1 with `err`. */
int acl_store_rewrite(const char *path, acl_store_drop drop, void *arg, const char *append, char *err, size_t errlen);

#endif
