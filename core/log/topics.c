#include "topics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "log.h"

/* One line per topic: name, partition count, cluster id ("-": none) and
 * the topic's configs as name=value words, each byte that is not printable
 * or is a space, '%' or '=' written as %XX. Version 3 added the configs,
 * version 2 the cluster id; files of versions 1 and 2 are still read. */
#define REGISTRY_VERSION 3
#define REGISTRY_MAGIC   "brook-topics "
#define LINE_MAX_BYTES   65536

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

brook_partition *brook_topics_partition(const brook_topics *t, const char *name, int32_t index)
{
    brook_topic *topic = brook_topics_find(t, name);
    return topic && index >= 0 && index < topic->partition_count && topic->partitions ? topic->partitions[index] : NULL;
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

static void write_escaped(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p >= 0x7f || *p == '%' || *p == '=')
            fprintf(f, "%%%02X", *p);
        else
            fputc(*p, f);
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Undo write_escaped in place; 0 on a malformed escape. */
static int unescape(char *s)
{
    char *out = s;
    for (char *p = s; *p; p++) {
        if (*p != '%') {
            *out++ = *p;
            continue;
        }
        int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
        if (hi < 0 || lo < 0)
            return 0;
        *out++ = (char)(hi * 16 + lo);
        p += 2;
    }
    *out = '\0';
    return 1;
}

static void write_topic(FILE *f, const brook_topic *topic)
{
    fprintf(f, "%s %d %s", topic->name, topic->partition_count, topic->id[0] ? topic->id : "-");
    for (size_t i = 0; i < topic->config.count; i++) {
        fputc(' ', f);
        write_escaped(f, topic->config.items[i].name);
        fputc('=', f);
        write_escaped(f, topic->config.items[i].value);
    }
    fputc('\n', f);
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
    fprintf(f, "%s%d\n", REGISTRY_MAGIC, REGISTRY_VERSION);
    for (size_t i = 0; i < t->count; i++)
        write_topic(f, t->items[i]);
    int failed = fflush(f) != 0 || fsync(fileno(f)) != 0;
    int saved = errno;
    failed |= fclose(f) != 0;
    if (failed || rename(tmp, t->path) != 0) {
        log_error("topic registry %s: cannot save: %s", t->path, strerror(failed ? saved : errno));
        unlink(tmp);
        return saved == ENOSPC ? BROOK_ERR_NO_SPACE : BROOK_ERR_IO;
    }
    brook_sync_parent(t->path); /* the rename itself durable */
    return BROOK_OK;
}

/* The configs of one registry line: name=value words, escaped. */
static brook_err read_configs(brook_topic *topic, char *words)
{
    for (char *save = NULL, *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        if (!eq)
            return BROOK_ERR_CORRUPT;
        *eq = '\0';
        if (!unescape(w) || !unescape(eq + 1) || !w[0])
            return BROOK_ERR_CORRUPT;
        brook_err e = brook_topic_config_set(&topic->config, w, eq + 1);
        if (e)
            return e;
    }
    return BROOK_OK;
}

/* One topic line of a registry of `version`. */
static brook_err read_entry(brook_topics *t, int version, char *line, char *err, size_t errlen, int lineno)
{
    char name[512], id[512] = "-";
    int partitions, consumed = 0;
    int fields = version == 1 ? sscanf(line, "%511s %d%n", name, &partitions, &consumed)
                              : sscanf(line, "%511s %d %511s%n", name, &partitions, id, &consumed);
    char *rest = line + consumed;
    brook_topic *topic;
    brook_err e;
    if (fields != (version == 1 ? 2 : 3) || !brook_topic_name_valid(name) || partitions < 1 ||
        strlen(id) > BROOK_TOPIC_ID_MAX || (version < 3 && rest[strspn(rest, " ")])) {
        snprintf(err, errlen, "%s:%d: malformed entry \"%s\"", t->path, lineno, line);
        return BROOK_ERR_CORRUPT;
    }
    if ((e = insert(t, name, partitions, &topic)) != BROOK_OK) {
        snprintf(err, errlen, "%s:%d: %s: %s", t->path, lineno, name, brook_err_str(e));
        return e;
    }
    if (strcmp(id, "-") != 0)
        memcpy(topic->id, id, strlen(id) + 1);
    if ((e = read_configs(topic, rest)))
        snprintf(err, errlen, "%s:%d: topic %s: malformed configs", t->path, lineno, name);
    return e;
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
    char *line = malloc(LINE_MAX_BYTES);
    if (!line) {
        fclose(f);
        return BROOK_ERR_NOMEM;
    }
    int lineno = 0, version = 0;
    brook_err e = BROOK_OK;
    while (!e && fgets(line, LINE_MAX_BYTES, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: a line longer than %d bytes", t->path, lineno, LINE_MAX_BYTES);
            e = BROOK_ERR_CORRUPT;
            break;
        }
        line[strcspn(line, "\n")] = '\0';
        if (lineno == 1) {
            char extra;
            if (sscanf(line, REGISTRY_MAGIC "%d%c", &version, &extra) != 1 || version < 1 ||
                version > REGISTRY_VERSION) {
                snprintf(err, errlen, "%s:1: not a Brook topic registry of version 1 to %d", t->path, REGISTRY_VERSION);
                e = BROOK_ERR_CORRUPT;
            }
            continue;
        }
        e = read_entry(t, version, line, err, errlen, lineno);
    }
    free(line);
    fclose(f);
    if (e)
        brook_topics_free(t);
    return e;
}

void brook_topics_free(brook_topics *t)
{
    for (size_t i = 0; i < t->count; i++) {
        brook_topic_config_clear(&t->items[i]->config);
        brook_throttled_set_clear(&t->items[i]->throttled_as_leader);
        brook_throttled_set_clear(&t->items[i]->throttled_as_follower);
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
    brook_topic_config_clear(&topic->config);
    brook_throttled_set_clear(&topic->throttled_as_leader);
    brook_throttled_set_clear(&topic->throttled_as_follower);
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
