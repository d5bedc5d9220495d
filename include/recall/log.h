/* log.h: the one logger. JSON lines on stderr, one object per line:
 *   {"ts":"2026-11-21T15:53:52.123Z","level":"info","proc":"recall-memory",
 *    "pid":1234,"msg":"..."}
 * The level check happens before any formatting. The logger is process-wide
 * state set once by main(); it is safe to call from any thread (one write(2)
 * per line). Never log secrets or message bodies above debug level. */
#ifndef RECALL_LOG_H
#define RECALL_LOG_H

typedef enum {
        RECALL_LOG_DEBUG = 0,
        RECALL_LOG_INFO  = 1,
        RECALL_LOG_WARN  = 2,
        RECALL_LOG_ERROR = 3,
} recall_log_level_t;

/* Sets the process name shown in every line and the minimum level.
 * proc is copied. */
void recall_log_init(const char *proc, recall_log_level_t level);

/* "debug", "info", "warn", "error" -> level. 0, or RECALL_EINVAL. */
int recall_log_level_parse(const char *s, recall_log_level_t *level);

/* When set, lines are written as plain "proc: level: msg" text instead of
 * JSON (for interactive CLI use). */
void recall_log_set_plain(int plain);

int recall_log_enabled(recall_log_level_t level);

void recall_log_write(recall_log_level_t level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#define RECALL_LOG_AT(lvl, ...)                                                \
        do {                                                                   \
                if (recall_log_enabled(lvl))                                   \
                        recall_log_write(lvl, __VA_ARGS__);                    \
        } while (0)
#define recall_log_debug(...) RECALL_LOG_AT(RECALL_LOG_DEBUG, __VA_ARGS__)
#define recall_log_info(...) RECALL_LOG_AT(RECALL_LOG_INFO, __VA_ARGS__)
#define recall_log_warn(...) RECALL_LOG_AT(RECALL_LOG_WARN, __VA_ARGS__)
#define recall_log_error(...) RECALL_LOG_AT(RECALL_LOG_ERROR, __VA_ARGS__)

#endif
