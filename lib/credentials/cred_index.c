#include "cred_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cred_index {
    char *path;
    struct stat seen; /* the file the index holds; st_ino 0: none yet */
    char *text;       /* the file, each line's end a NUL */
    char **slots;     /* open addressing: each slot a line (NULL: free) */
    size_t nslots;    /* a power of two, at least twice the lines */
};

/* A line's user and scheme: the first two blank-separated words. */
static int words(const char *line, const char **user, size_t *ulen, const char **scheme, size_t *slen)
{
    const char *p = line + strspn(line, " \t\r");
    *user = p;
    *ulen = strcspn(p, " \t\r");
    p += *ulen;
    p += strspn(p, " \t\r");
    *scheme = p;
    *slen = strcspn(p, " \t\r");
    return *ulen && *slen && **user != '#';
}

static size_t hash(const char *user, size_t ulen, const char *scheme, size_t slen)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < ulen; i++)
        h = (h ^ (unsigned char)user[i]) * 1099511628211ull;
    h = (h ^ ' ') * 1099511628211ull;
    for (size_t i = 0; i < slen; i++)
        h = (h ^ (unsigned char)scheme[i]) * 1099511628211ull;
    return (size_t)h;
}

/* The slot holding `user` and `scheme`'s line, or the free slot where it would go. */
static char **slot_of(const cred_index *x, const char *user, size_t ulen, const char *scheme, size_t slen)
{
    for (size_t i = hash(user, ulen, scheme, slen) & (x->nslots - 1);; i = (i + 1) & (x->nslots - 1)) {
        const char *u, *s;
        size_t ul, sl;
        if (!x->slots[i] || (words(x->slots[i], &u, &ul, &s, &sl) && ul == ulen && sl == slen &&
                             memcmp(u, user, ulen) == 0 && memcmp(s, scheme, slen) == 0))
            return &x->slots[i];
    }
}

static void drop(cred_index *x)
{
    free(x->text);
    free(x->slots);
    x->text = NULL;
    x->slots = NULL;
    x->nslots = 0;
    memset(&x->seen, 0, sizeof x->seen);
}

static char *read_file(int fd, size_t size)
{
    char *text = malloc(size + 1);
    size_t got = 0;
    while (text && got < size) {
        ssize_t n = read(fd, text + got, size - got);
        if (n <= 0) {
            free(text);
            return NULL;
        }
        got += (size_t)n;
    }
    if (text)
        text[got] = '\0';
    return text;
}

/* Index the lines of x->text (NULs put at their ends). */
static int index_lines(cred_index *x)
{
    size_t lines = 1;
    for (const char *p = x->text; (p = strchr(p, '\n')); p++)
        lines++;
    x->nslots = 16;
    while (x->nslots < 2 * lines)
        x->nslots *= 2;
    if (!(x->slots = calloc(x->nslots, sizeof *x->slots)))
        return -1;
    for (char *line = x->text, *end; line; line = end ? end + 1 : NULL) {
        if ((end = strchr(line, '\n')))
            *end = '\0';
        const char *user, *scheme;
        size_t ulen, slen;
        if (!words(line, &user, &ulen, &scheme, &slen))
            continue;
        char **slot = slot_of(x, user, ulen, scheme, slen);
        if (!*slot) /* the first line counts */
            *slot = line;
    }
    return 0;
}

/* Hold the file as it is now: 0, or -1 with errno. */
static int refresh(cred_index *x)
{
    int fd = open(x->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        drop(x);
        errno = e;
        return -1;
    }
    if (x->slots && st.st_dev == x->seen.st_dev && st.st_ino == x->seen.st_ino && st.st_size == x->seen.st_size &&
        st.st_mtim.tv_sec == x->seen.st_mtim.tv_sec && st.st_mtim.tv_nsec == x->seen.st_mtim.tv_nsec &&
        st.st_ctim.tv_sec == x->seen.st_ctim.tv_sec && st.st_ctim.tv_nsec == x->seen.st_ctim.tv_nsec) {
        close(fd);
        return 0;
    }
    drop(x);
    x->text = read_file(fd, (size_t)st.st_size);
    close(fd);
    if (!x->text || index_lines(x) != 0) {
        drop(x);
        errno = ENOMEM;
        return -1;
    }
    x->seen = st;
    return 0;
}

cred_index *cred_index_new(const char *path)
{
    cred_index *x = calloc(1, sizeof *x);
    if (x && !(x->path = strdup(path))) {
        free(x);
        x = NULL;
    }
    return x;
}

void cred_index_free(cred_index *x)
{
    if (!x)
        return;
    drop(x);
    free(x->path);
    free(x);
}

int cred_index_find(cred_index *x, const char *user, const char *scheme, int *iterations, cred_field *fields, int count)
{
    if (refresh(x) != 0)
        return -1;
    const char *line = *slot_of(x, user, strlen(user), scheme, strlen(scheme));
    return line ? cred_parse_line(line, iterations, fields, count) : 0;
}
