/* time.h: the clocks and the one timestamp format of recall.
 *
 * Wall-clock times are int64 milliseconds since the epoch, UTC, written as
 * ISO-8601 "YYYY-MM-DDTHH:MM:SS.mmmZ". Durations and deadlines use the
 * monotonic clock, which does not jump when the wall clock is set. */
#ifndef RECALL_TIME_H
#define RECALL_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Parses ISO-8601 with a zone (Z, +hh:mm, +hhmm, -hh:mm) and optional
 * fractional seconds (milliseconds kept). 0, or RECALL_EINVAL. */
int recall_time_parse_iso8601(const char *s, int64_t *at_ms);

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (at least 25 bytes). */
void recall_time_format_iso8601(int64_t at_ms, char *buf, size_t size);

/* Milliseconds since the epoch, wall clock. */
int64_t recall_time_now_ms(void);

/* Milliseconds on the monotonic clock (for durations and deadlines). */
int64_t recall_time_mono_ms(void);

/* Microseconds on the monotonic clock (for latencies). */
int64_t recall_time_mono_us(void);

/* Sleeps ms milliseconds (less when a signal interrupts it). */
void recall_time_sleep_ms(int64_t ms);

#endif
