/* Leveled, timestamped log lines on stderr, one line per event. */
#ifndef BROOK_CORE_LOG_H
#define BROOK_CORE_LOG_H

#include <stdarg.h>
#include <stdint.h>

#include <brook/plugin.h>

/* Lines above `level` are dropped. */
void brook_log_set_level(brook_log_level level);
brook_log_level brook_log_get_level(void);
/* Parse "error", "warn", "info", "debug"; returns -1 when unknown. */
int brook_log_level_parse(const char *name);

/* "2026-11-25T06:15:15.123Z INFO  <component>: <message>" */
void brook_log(brook_log_level level, const char *component, const char *fmt, ...) BROOK_PRINTF(3, 4);
void brook_vlog(brook_log_level level, const char *component, const char *fmt, va_list ap);

/* One line per interval for an event that can recur without bound (refused
 * connections, failed accepts): the first occurrence is logged, later ones
 * within `interval_ms` are counted, and the next line says how many were
 * left out. A limiter starts zeroed. */
typedef struct brook_log_limiter {
    int64_t last_ms; /* when its window began (the first line of it) */
    uint64_t lines;  /* logged in that window */
    uint64_t suppressed;
} brook_log_limiter;
void brook_log_limited(brook_log_limiter *l, int64_t now_ms, int64_t interval_ms, brook_log_level level,
                       const char *fmt, ...) BROOK_PRINTF(5, 6);
/* The same with up to `lines` lines per window of `interval_ms`. */
void brook_vlog_limited(brook_log_limiter *l, int64_t now_ms, int64_t interval_ms, uint64_t lines,
                        brook_log_level level, const char *fmt, va_list ap);

#define log_error(...) brook_log(BROOK_LOG_ERROR, "core", __VA_ARGS__)
#define log_warn(...)  brook_log(BROOK_LOG_WARN, "core", __VA_ARGS__)
#define log_info(...)  brook_log(BROOK_LOG_INFO, "core", __VA_ARGS__)
#define log_debug(...) brook_log(BROOK_LOG_DEBUG, "core", __VA_ARGS__)

#endif
