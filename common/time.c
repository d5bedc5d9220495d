/* time.c: ISO-8601 timestamps and the clocks. Parsing is strict (upper-case
 * T and Z, a zone required, real calendar dates) because a timestamp recall
 * accepts is stored and compared, never guessed at. */
#include <ctype.h>
#include <stdio.h>
#include <time.h>

#include "recall/error.h"
#include "recall/time.h"

/* Exactly n digits at *p, advancing it. */
static int digits(const char **p, int n, int *out)
{
        *out = 0;
        for (int i = 0; i < n; i++) {
                if (!isdigit((unsigned char)(*p)[i]))
                        return -1;
                *out = *out * 10 + ((*p)[i] - '0');
        }
        *p += n;
        return 0;
}

static int days_in_month(int year, int month)
{
        static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

        return month == 2 && leap ? 29 : days[month - 1];
}

int recall_time_parse_iso8601(const char *s, int64_t *at_ms)
{
        int year, mon, day, hour, min, sec, ms = 0, oh = 0, om = 0, sign = 0, n;
        struct tm tm = {0};
        const char *p = s;
        time_t t;

        if (!s || digits(&p, 4, &year) || *p++ != '-' || digits(&p, 2, &mon) ||
            *p++ != '-' || digits(&p, 2, &day) || *p++ != 'T' || digits(&p, 2, &hour) ||
            *p++ != ':' || digits(&p, 2, &min) || *p++ != ':' || digits(&p, 2, &sec))
                return RECALL_EINVAL;
        if (*p == '.') {
                /* any number of digits; milliseconds are kept, finer ones dropped */
                for (n = 0, p++; isdigit((unsigned char)p[n]); n++) {
                        if (n < 3)
                                ms = ms * 10 + (p[n] - '0');
                }
                if (!n)
                        return RECALL_EINVAL;
                for (int i = n; i < 3; i++)
                        ms *= 10;
                p += n;
        }
        if (*p == 'Z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                sign = *p++ == '+' ? 1 : -1;
                if (digits(&p, 2, &oh))
                        return RECALL_EINVAL;
                if (*p == ':')
                        p++;
                if (digits(&p, 2, &om))
                        return RECALL_EINVAL;
        } else {
                return RECALL_EINVAL;
        }
        if (*p || mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) ||
            hour > 23 || min > 59 || sec > 59 || oh > 23 || om > 59)
                return RECALL_EINVAL;
        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = min;
        tm.tm_sec = sec;
        t = timegm(&tm);
        *at_ms = ((int64_t)t - (int64_t)sign * (oh * 3600 + om * 60)) * 1000 + ms;
        return 0;
}

void recall_time_format_iso8601(int64_t at_ms, char *buf, size_t size)
{
        int64_t secs = at_ms / 1000;
        int ms = (int)(at_ms % 1000);
        struct tm tm;
        time_t t;

        if (ms < 0) {
                ms += 1000;
                secs--;
        }
        t = (time_t)secs;
        if (!gmtime_r(&t, &tm)) {
                snprintf(buf, size, "invalid time");
                return;
        }
        snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

int64_t recall_time_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t recall_time_mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t recall_time_mono_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void recall_time_sleep_ms(int64_t ms)
{
        struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
}
