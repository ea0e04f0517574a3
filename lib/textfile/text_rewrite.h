/* Rewriting a small text file of lines (credentials, ACL rules) the way
 * an operator's editor should: the new version is written beside it
 * (<path>.tmp), synced, renamed over it and the directory synced, so a
 * crash leaves the old file or the new one, never a mix. Used by the
 * credentials library (brookctl users, auth-scram) and auth-acl. */
#ifndef BROOK_TEXT_REWRITE_H
#define BROOK_TEXT_REWRITE_H

#include <sys/types.h>

/* 1: the line stays, 0: it goes, -1: stop (nothing is written). `line`
 * ends with its newline, except perhaps the file's last one. */
typedef int (*text_keep)(void *arg, const char *line);

/* Rewrite `path`: its lines that `keep` keeps (NULL: all), each ending
 * with a newline, then `append` (whole lines; NULL: none). A missing file
 * is an empty one when `missing_ok`. The new file gets `mode`, or with
 * mode 0 the old file's. 0, or -1 with errno (EINVAL when keep stopped). */
int text_rewrite(const char *path, text_keep keep, void *arg, const char *append, mode_t mode, int missing_ok);

#endif
