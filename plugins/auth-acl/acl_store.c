#include "acl_store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copy `in` to `out` line by line, leaving out the rules `drop` picks. */
static int copy_kept(FILE *in, FILE *out, const char *path, acl_store_drop drop, void *arg, char *err, size_t errlen)
{
    char line[ACL_LINE_MAX], work[ACL_LINE_MAX];
    int lineno = 0;
    while (fgets(line, sizeof line, in)) {
        lineno++;
        memcpy(work, line, sizeof work);
        acl_rule rule;
        int parsed = acl_rule_parse(work, &rule, err, errlen);
        if (parsed < 0) {
            char why[256];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, errlen, "%s:%d: %s (fix the file before changing rules)", path, lineno, why);
            return -1;
        }
        int dropped = parsed && drop && drop(arg, &rule);
        if (parsed)
            acl_rule_free(&rule);
        size_t n = strlen(line);
        int unterminated = n && line[n - 1] != '\n'; /* a last line without its newline: appended rules follow it */
        if (!dropped && (fputs(line, out) == EOF || (unterminated && fputc('\n', out) == EOF))) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int sync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -1;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int acl_store_rewrite(const char *path, acl_store_drop drop, void *arg, const char *append, char *err, size_t errlen)
{
    char tmp[4096];
    *err = 0;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "%s: the path is too long", path);
        return -1;
    }
    FILE *in = fopen(path, "r");
    if (!in) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    mode_t mode = fstat(fileno(in), &st) == 0 ? st.st_mode & 07777 : 0600; /* the new file keeps the old one's mode */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd >= 0)
        fchmod(fd, mode); /* past the umask */
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        fclose(in);
        return -1;
    }
    int rc = copy_kept(in, out, path, drop, arg, err, errlen);
    fclose(in);
    if (rc == 0 && append && fputs(append, out) == EOF)
        rc = -1;
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
        rc = -1;
    if (fclose(out) != 0)
        rc = -1;
    if (rc == 0 && (rename(tmp, path) != 0 || sync_dir_of(path) != 0))
        rc = -1;
    if (rc && !*err)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}
