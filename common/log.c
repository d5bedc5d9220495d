/* log.c: the one logger, JSON lines on stderr.
 *
 * State is three process-wide variables that main() sets once, before any
 * thread starts; after that they are only read. Each line is built in memory
 * and handed to one write(2) so that lines from several threads (librdkafka's
 * log_cb, for instance) never interleave: stderr's stdio buffer would not
 * give that guarantee. The message is formatted into a stack buffer and
 * only goes to the heap when it does not fit; jansson does the escaping. A
 * message that is not valid UTF-8 (a byte from a payload in an error) would
 * make jansson refuse the whole line, so such bytes become '?' instead. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/time.h"

static char log_proc[64] = "recall";
static recall_log_level_t log_level = RECALL_LOG_INFO;
static int log_plain;

static const char *level_names[] = {"debug", "info", "warn", "error"};

void recall_log_init(const char *proc, recall_log_level_t level)
{
        if (proc)
                snprintf(log_proc, sizeof(log_proc), "%s", proc);
        log_level = level;
}

int recall_log_level_parse(const char *s, recall_log_level_t *level)
{
        for (int i = RECALL_LOG_DEBUG; s && i <= RECALL_LOG_ERROR; i++) {
                if (!strcmp(s, level_names[i])) {
                        *level = (recall_log_level_t)i;
                        return 0;
                }
        }
        return RECALL_EINVAL;
}

void recall_log_set_plain(int plain)
{
        log_plain = plain;
}

int recall_log_enabled(recall_log_level_t level)
{
        return level >= log_level;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
        size_t n, i;
        unsigned cp;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        for (i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        /* overlong forms, surrogates and beyond U+10FFFF */
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

static void utf8_sanitize(char *s)
{
        size_t n;

        while (*s) {
                if (!(n = utf8_seq((unsigned char *)s)))
                        *s = '?', n = 1;
                s += n;
        }
}

static void write_all(const char *buf, size_t len)
{
        ssize_t n;

        while (len) {
                n = write(STDERR_FILENO, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return; /* nowhere left to report it */
                buf += n;
                len -= (size_t)n;
        }
}

/* The JSON line for msg, malloc'd, newline included; NULL without memory. */
static char *json_line(recall_log_level_t level, const char *msg)
{
        char ts[32];
        char *json = NULL, *line;
        size_t len;
        json_t *obj;

        recall_time_format_iso8601(recall_time_now_ms(), ts, sizeof(ts));
        obj = json_pack("{s:s, s:s, s:s, s:I, s:s}", "ts", ts, "level", level_names[level],
                        "proc", log_proc, "pid", (json_int_t)getpid(), "msg", msg);
        if (obj)
                json = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(obj);
        if (!json)
                return NULL;
        len = strlen(json);
        if (!(line = realloc(json, len + 2))) {
                free(json);
                return NULL;
        }
        memcpy(line + len, "\n", 2);
        return line;
}

/* Writes msg (modified in place) as one line. */
static void log_emit(recall_log_level_t level, char *msg)
{
        char *line = NULL;

        utf8_sanitize(msg);
        if (log_plain) {
                if (asprintf(&line, "%s: %s: %s\n", log_proc, level_names[level], msg) < 0)
                        line = NULL;
        } else {
                line = json_line(level, msg);
        }
        if (line)
                write_all(line, strlen(line));
        free(line);
}

void recall_log_write(recall_log_level_t level, const char *fmt, ...)
{
        char stack[1024];
        char *msg = stack;
        va_list ap, again;
        int n;

        if (level < RECALL_LOG_DEBUG || level > RECALL_LOG_ERROR || !recall_log_enabled(level))
                return;
        va_start(ap, fmt);
        va_copy(again, ap);
        n = vsnprintf(stack, sizeof(stack), fmt, ap);
        if (n >= (int)sizeof(stack) && (msg = malloc((size_t)n + 1)))
                vsnprintf(msg, (size_t)n + 1, fmt, again);
        va_end(again);
        va_end(ap);
        if (n < 0 || !msg)
                return;
        log_emit(level, msg);
        if (msg != stack)
                free(msg);
}
