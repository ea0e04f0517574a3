#include "data_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "log.h"

static brook_err make_dirs(const char *path, char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            goto fail;
        *p = '/';
    }
    if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
        goto fail;
    if (access(path, W_OK) != 0)
        goto fail;
    return BROOK_OK;
fail:
    snprintf(err, errlen, "broker.data_dir %s: %s", path, strerror(errno));
    return BROOK_ERR_IO;
}

/* The holder's pid is written into the lock file for the error message
 * only; the lock itself is the flock. */
static brook_err lock_dir(brook_data_dir *d, const char *path, char *err, size_t errlen)
{
    char lock_path[PATH_MAX];
    snprintf(lock_path, sizeof lock_path, "%s/.lock", path);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "broker.data_dir %s: cannot open %s: %s", path, lock_path, strerror(errno));
        return BROOK_ERR_IO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int saved = errno;
        char holder[32] = "";
        ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        close(fd);
        if (saved == EWOULDBLOCK)
            snprintf(err, errlen,
                     "broker.data_dir %s: failed to acquire lock on %s: another brookd (pid %s) is using this data "
                     "directory",
                     path, lock_path, holder[0] ? holder : "unknown");
        else
            snprintf(err, errlen, "broker.data_dir %s: cannot lock %s: %s", path, lock_path, strerror(saved));
        return BROOK_ERR_IO;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len)
        log_warn("broker.data_dir %s: cannot write the pid into %s: %s", path, lock_path, strerror(errno));
    d->lock_fd = fd;
    return BROOK_OK;
}

static void new_cluster_id(char *out)
{
    unsigned char raw[12] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, raw, sizeof raw) != (ssize_t)sizeof raw)
            memset(raw, 0x5a, sizeof raw);
        close(fd);
    }
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i < 16; i++) {
        unsigned bits = (raw[(i * 6) / 8] | (raw[(i * 6) / 8 + 1 < 12 ? (i * 6) / 8 + 1 : 0] << 8)) >> ((i * 6) % 8);
        out[i] = alphabet[bits & 63];
    }
    out[16] = '\0';
}

/* A value of "key=value" lines; 0 when the key is absent. */
static int property(const char *text, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            size_t vlen = strcspn(line + klen + 1, "\r\n");
            if (vlen >= outlen)
                vlen = outlen - 1;
            memcpy(out, line + klen + 1, vlen);
            out[vlen] = '\0';
            return 1;
        }
    }
    return 0;
}

static int read_small_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, len - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 0;
}

/* Replaced whole, the file and its rename synced: never half there, and
 * never gone back to no file (a new cluster id) after a power cut. */
static brook_err write_meta(const char *path, int32_t broker_id, const char *cluster_id, char *err, size_t errlen)
{
    char meta[PATH_MAX], text[256];
    snprintf(meta, sizeof meta, "%s/meta.properties", path);
    int n = snprintf(text, sizeof text,
                     "# Brook data directory: which broker and cluster it belongs to. Do not edit.\n"
                     "version=1\nbroker.id=%d\ncluster.id=%s\n",
                     broker_id, cluster_id);
    if (brook_atomic_write(meta, text, (size_t)n, BROOK_ATOMIC_SYNC)) {
        snprintf(err, errlen, "broker.data_dir %s: cannot write %s: %s", path, meta, strerror(errno));
        return BROOK_ERR_IO;
    }
    return BROOK_OK;
}

/* `text`, the meta.properties `file` of `path`, names broker_id. */
static brook_err check_owner(const char *path, const char *file, const char *text, int32_t broker_id, char *err,
                             size_t errlen)
{
    char value[64], *end;
    long id = property(text, "broker.id", value, sizeof value) ? strtol(value, &end, 10) : -1;
    if (id < 0 || *end || end == value) {
        snprintf(err, errlen, "broker.data_dir %s: %s lacks broker.id or cluster.id", path, file);
        return BROOK_ERR_INVALID;
    }
    if (id != broker_id) {
        snprintf(err, errlen,
                 "broker.data_dir %s belongs to broker.id %s (%s), not to this broker (broker.id %d): give each "
                 "broker its own data directory",
                 path, value, file, broker_id);
        return BROOK_ERR_INVALID;
    }
    return BROOK_OK;
}

/* meta.properties, or the `cluster_id` file of data directories made
 * before it existed (its id is kept), or a new one. */
static brook_err stamp(brook_data_dir *d, const char *path, int32_t broker_id, char *err, size_t errlen)
{
    char file[PATH_MAX], text[1024];
    snprintf(file, sizeof file, "%s/meta.properties", path);
    if (read_small_file(file, text, sizeof text) == 0) {
        brook_err e = check_owner(path, file, text, broker_id, err, errlen);
        if (!e && (!property(text, "cluster.id", d->cluster_id, sizeof d->cluster_id) || !d->cluster_id[0])) {
            snprintf(err, errlen, "broker.data_dir %s: %s lacks broker.id or cluster.id", path, file);
            e = BROOK_ERR_INVALID;
        }
        return e;
    }
    snprintf(file, sizeof file, "%s/cluster_id", path);
    if (read_small_file(file, text, sizeof text) == 0 && text[0] && text[0] != '\n') {
        text[strcspn(text, "\n")] = '\0';
        snprintf(d->cluster_id, sizeof d->cluster_id, "%.63s", text);
    } else {
        new_cluster_id(d->cluster_id);
        d->fresh = 1;
    }
    brook_err e = write_meta(path, broker_id, d->cluster_id, err, errlen);
    if (!e)
        unlink(file);
    return e;
}

brook_err brook_data_dir_join_cluster(brook_data_dir *d, const char *path, int32_t broker_id, const char *cluster_id,
                                      char *err, size_t errlen)
{
    if (strcmp(d->cluster_id, cluster_id) == 0)
        return BROOK_OK;
    if (!d->fresh) {
        snprintf(err, errlen,
                 "broker.data_dir %s belongs to cluster %s, but the metadata store's cluster is %s: a data directory "
                 "cannot move to another cluster (give this broker a new one)",
                 path, d->cluster_id, cluster_id);
        return BROOK_ERR_INVALID;
    }
    char previous[sizeof d->cluster_id];
    snprintf(previous, sizeof previous, "%s", d->cluster_id);
    snprintf(d->cluster_id, sizeof d->cluster_id, "%s", cluster_id);
    brook_err e = write_meta(path, broker_id, d->cluster_id, err, errlen);
    if (e)
        snprintf(d->cluster_id, sizeof d->cluster_id, "%s", previous);
    return e;
}

brook_err brook_data_dir_check(const char *path, int32_t broker_id, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode) || access(path, W_OK | X_OK) != 0) {
            snprintf(err, errlen, "broker.data_dir %s: %s", path,
                     S_ISDIR(st.st_mode) ? strerror(errno) : "not a directory");
            return BROOK_ERR_IO;
        }
        char file[PATH_MAX], text[1024];
        snprintf(file, sizeof file, "%s/meta.properties", path);
        return read_small_file(file, text, sizeof text) == 0 ? check_owner(path, file, text, broker_id, err, errlen)
                                                             : BROOK_OK;
    }
    /* Absent: the nearest directory above it that exists must let us make it. */
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", path);
    for (;;) {
        char *slash = strrchr(parent, '/');
        if (!slash)
            snprintf(parent, sizeof parent, ".");
        else if (slash == parent)
            parent[1] = '\0';
        else
            *slash = '\0';
        if (stat(parent, &st) == 0)
            break;
        if (!slash || slash == parent)
            break;
    }
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode) || access(parent, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "broker.data_dir %s cannot be made: %s is %s", path, parent,
                 stat(parent, &st) != 0 ? "missing"
                 : !S_ISDIR(st.st_mode) ? "not a directory"
                                        : "not writable");
        return BROOK_ERR_IO;
    }
    return BROOK_OK;
}

brook_err brook_data_dir_open(brook_data_dir *d, const char *path, int32_t broker_id, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    d->lock_fd = -1;
    brook_err e;
    if ((e = make_dirs(path, err, errlen)) || (e = lock_dir(d, path, err, errlen)) ||
        (e = stamp(d, path, broker_id, err, errlen))) {
        brook_data_dir_close(d);
        return e;
    }
    return BROOK_OK;
}

void brook_data_dir_close(brook_data_dir *d)
{
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    d->lock_fd = -1;
}
