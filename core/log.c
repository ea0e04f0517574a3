#include "log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* Process-wide by nature: set once from the configuration at start-up. */
static brook_log_level current_level = BROOK_LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

void brook_log_set_level(brook_log_level level)
{
    current_level = level;
}

brook_log_level brook_log_get_level(void)
{
    return current_level;
}

int brook_log_level_parse(const char *name)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

void brook_vlog(brook_log_level level, const char *component, const char *fmt, va_list ap)
{
    if (level > current_level)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char line[2048];
    int n =
        snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s: ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000), level_names[level], component);
    if (n < 0)
        return;
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    /* One fputs per line so concurrent writers never interleave mid-line. */
    size_t len = strlen(line);
    if (len < sizeof line - 1) {
        line[len] = '\n';
        line[len + 1] = '\0';
    } else {
        line[sizeof line - 2] = '\n';
    }
    fputs(line, stderr);
}

void brook_log(brook_log_level level, const char *component, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    brook_vlog(level, component, fmt, ap);
    va_end(ap);
}

void brook_log_limited(brook_log_limiter *l, int64_t now_ms, int64_t interval_ms, brook_log_level level,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    brook_vlog_limited(l, now_ms, interval_ms, 1, level, fmt, ap);
    va_end(ap);
}

void brook_vlog_limited(brook_log_limiter *l, int64_t now_ms, int64_t interval_ms, uint64_t lines,
                        brook_log_level level, const char *fmt, va_list ap)
{
    if (l->last_ms && now_ms - l->last_ms < interval_ms) {
        if (l->lines >= lines) {
            l->suppressed++;
            return;
        }
    } else {
        l->last_ms = now_ms;
        l->lines = 0;
    }
    l->lines++;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (l->suppressed)
        brook_log(level, "core", "%s (and %llu more like it since the last such line)", msg,
                  (unsigned long long)l->suppressed);
    else
        brook_log(level, "core", "%s", msg);
    l->suppressed = 0;
}
