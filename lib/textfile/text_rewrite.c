#include "text_rewrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

static int sync_dir_of(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        *(slash == dir ? slash + 1 : slash) = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* The kept lines of `in` into `out`, each with its newline; -1 on a stop or a write error. */
static int copy_kept(FILE *in, FILE *out, text_keep keep, void *arg)
{
    char line[LINE_MAX_BYTES];
    while (in && fgets(line, sizeof line, in)) {
        int k = keep ? keep(arg, line) : 1;
        if (k < 0) {
            errno = EINVAL;
            return -1;
        }
        size_t n = strlen(line);
        if (k && (fputs(line, out) == EOF || (n && line[n - 1] != '\n' && fputc('\n', out) == EOF)))
            return -1;
    }
    return 0;
}

int text_rewrite(const char *path, text_keep keep, void *arg, const char *append, mode_t mode, int missing_ok)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    FILE *in = fopen(path, "r");
    if (!in && !(missing_ok && errno == ENOENT))
        return -1;
    struct stat st;
    if (mode == 0)
        mode = in && fstat(fileno(in), &st) == 0 ? st.st_mode & 07777 : 0600;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!out) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        if (in)
            fclose(in);
        errno = saved;
        return -1;
    }
    fchmod(fd, mode); /* past the umask */
    int rc = copy_kept(in, out, keep, arg);
    int saved = errno;
    if (in)
        fclose(in);
    if (rc == 0 && append && fputs(append, out) == EOF)
        rc = -1;
    if (fflush(out) != 0 || fsync(fileno(out)) != 0)
        rc = -1;
    if (fclose(out) != 0)
        rc = -1;
    if (rc == 0 && (rename(tmp, path) != 0 || sync_dir_of(path) != 0))
        rc = -1;
    if (rc) {
        saved = errno ? errno : saved;
        unlink(tmp);
        errno = saved;
    }
    return rc;
}
