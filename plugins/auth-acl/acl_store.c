#include "acl_store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "text_rewrite.h"

typedef struct rewrite {
    acl_store_drop drop;
    void *arg;
    int lineno;
    char why[256]; /* a line that does not parse */
} rewrite;

static int keep_rule(void *arg, const char *line)
{
    rewrite *w = arg;
    char work[ACL_LINE_MAX];
    acl_rule rule;
    w->lineno++;
    snprintf(work, sizeof work, "%s", line);
    int parsed = acl_rule_parse(work, &rule, w->why, sizeof w->why);
    if (parsed < 0)
        return -1;
    int dropped = parsed && w->drop && w->drop(w->arg, &rule);
    if (parsed)
        acl_rule_free(&rule);
    return !dropped;
}

int acl_store_rewrite(const char *path, acl_store_drop drop, void *arg, const char *append, char *err, size_t errlen)
{
    rewrite w = {.drop = drop, .arg = arg};
    if (text_rewrite(path, keep_rule, &w, append, 0, 0) == 0)
        return 0;
    if (w.why[0])
        snprintf(err, errlen, "%s:%d: %s (fix the file before changing rules)", path, w.lineno, w.why);
    else
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
}
