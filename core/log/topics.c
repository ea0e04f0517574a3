#include "topics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Version 2 adds each topic's cluster id ("-": none); version 1 files
 * (name and partition count only) are still read. */
#define REGISTRY_HEADER    "brook-topics 2"
#define REGISTRY_HEADER_V1 "brook-topics 1"

int brook_topic_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > BROOK_TOPIC_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '-'))
            return 0;
    return 1;
}

int brook_topic_name_reserved(const char *name)
{
    return strcmp(name, "__consumer_offsets") == 0;
}

/* Index of `name`, or of where it would go (*found = 0). */
static size_t search(const brook_topics *t, const char *name, int *found)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(t->items[mid]->name, name);
        if (cmp == 0) {
            *found = 1;
            return mid;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

brook_topic *brook_topics_find(const brook_topics *t, const char *name)
{
    int found;
    size_t i = search(t, name, &found);
    return found ? t->items[i] : NULL;
}

static brook_err insert(brook_topics *t, const char *name, int32_t partitions, brook_topic **out)
{
    int found;
    size_t i = search(t, name, &found);
    if (found)
        return BROOK_ERR_EXISTS;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        brook_topic **items = realloc(t->items, cap * sizeof *items);
        if (!items)
            return BROOK_ERR_NOMEM;
        t->items = items;
        t->cap = cap;
    }
    brook_topic *topic = calloc(1, sizeof *topic);
    if (!topic)
        return BROOK_ERR_NOMEM;
    snprintf(topic->name, sizeof topic->name, "%s", name);
    topic->partition_count = partitions;
    memmove(t->items + i + 1, t->items + i, (t->count - i) * sizeof *t->items);
    t->items[i] = topic;
    t->count++;
    if (out)
        *out = topic;
    return BROOK_OK;
}

static brook_err persist(const brook_topics *t)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", t->path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        log_error("topic registry %s: cannot write: %s", tmp, strerror(errno));
        return errno == ENOSPC ? BROOK_ERR_NO_SPACE : BROOK_ERR_IO;
    }
    fprintf(f, "%s\n", REGISTRY_HEADER);
    for (size_t i = 0; i < t->count; i++)
        fprintf(f, "%s %d %s\n", t->items[i]->name, t->items[i]->partition_count,
                t->items[i]->id[0] ? t->items[i]->id : "-");
    int failed = fflush(f) != 0 || fsync(fileno(f)) != 0;
    int saved = errno;
    failed |= fclose(f) != 0;
    if (failed || rename(tmp, t->path) != 0) {
        log_error("topic registry %s: cannot save: %s", t->path, strerror(failed ? saved : errno));
        unlink(tmp);
        return saved == ENOSPC ? BROOK_ERR_NO_SPACE : BROOK_ERR_IO;
    }
    /* Make the rename itself durable. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", t->path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return BROOK_OK;
}

brook_err brook_topics_load(brook_topics *t, const char *data_dir, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s/topics", data_dir);
    FILE *f = fopen(t->path, "r");
    if (!f) {
        if (errno == ENOENT)
            return BROOK_OK;
        snprintf(err, errlen, "%s: cannot read: %s", t->path, strerror(errno));
        return BROOK_ERR_IO;
    }
    char line[512];
    int lineno = 0, version = 2;
    brook_err e = BROOK_OK;
    while (!e && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (lineno == 1) {
            version = strcmp(line, REGISTRY_HEADER_V1) == 0 ? 1 : 2;
            if (version == 2 && strcmp(line, REGISTRY_HEADER) != 0) {
                snprintf(err, errlen, "%s:1: not a Brook topic registry (expected \"%s\")", t->path, REGISTRY_HEADER);
                e = BROOK_ERR_CORRUPT;
            }
            continue;
        }
        char name[512], id[512] = "-";
        int partitions;
        char extra;
        int fields = version == 1 ? sscanf(line, "%511s %d %c", name, &partitions, &extra)
                                  : sscanf(line, "%511s %d %511s %c", name, &partitions, id, &extra);
        brook_topic *topic;
        if (fields != version + 1 || !brook_topic_name_valid(name) || partitions < 1 ||
            strlen(id) > BROOK_TOPIC_ID_MAX) {
            snprintf(err, errlen, "%s:%d: malformed entry \"%s\"", t->path, lineno, line);
            e = BROOK_ERR_CORRUPT;
        } else if ((e = insert(t, name, partitions, &topic)) != BROOK_OK) {
            snprintf(err, errlen, "%s:%d: %s: %s", t->path, lineno, name, brook_err_str(e));
        } else if (strcmp(id, "-") != 0) {
            memcpy(topic->id, id, strlen(id) + 1);
        }
    }
    fclose(f);
    if (e)
        brook_topics_free(t);
    return e;
}

void brook_topics_free(brook_topics *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free(t->items[i]->partitions);
        free(t->items[i]);
    }
    free(t->items);
    t->items = NULL;
    t->count = t->cap = 0;
}

brook_err brook_topics_insert(brook_topics *t, const char *name, int32_t partitions, brook_topic **out)
{
    if (!brook_topic_name_valid(name))
        return BROOK_ERR_INVALID_TOPIC;
    if (partitions < 1)
        return BROOK_ERR_INVALID_PARTITIONS;
    return insert(t, name, partitions, out);
}

brook_err brook_topics_drop(brook_topics *t, const char *name)
{
    int found;
    size_t i = search(t, name, &found);
    if (!found)
        return BROOK_ERR_NOT_FOUND;
    brook_topic *topic = t->items[i];
    memmove(t->items + i, t->items + i + 1, (t->count - i - 1) * sizeof *t->items);
    t->count--;
    free(topic->partitions);
    free(topic);
    return BROOK_OK;
}

brook_err brook_topics_save(const brook_topics *t)
{
    return persist(t);
}

brook_err brook_topics_add(brook_topics *t, const char *name, int32_t partitions, brook_topic **out)
{
    brook_topic *topic;
    brook_err e = brook_topics_insert(t, name, partitions, &topic);
    if (e)
        return e;
    if ((e = persist(t))) {
        brook_topics_drop(t, name);
        return e;
    }
    *out = topic;
    return BROOK_OK;
}

brook_err brook_topics_remove(brook_topics *t, const char *name)
{
    brook_err e = brook_topics_drop(t, name);
    return e ? e : persist(t);
}
