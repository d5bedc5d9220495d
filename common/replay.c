/* replay.c: the pure parts of `recall replay` (see replay.h).
 *
 * The time search is a lower bound over offsets on the predicate "the
 * first message at or after this offset is at or after the target time"
 * (true at the end). Offsets may have gaps (compaction, transaction
 * markers), which is why fn answers with the message it found: a probe
 * that lands on a gap still moves the bound past the message it read. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/replay.h"
#include "recall/time.h"

#define BAR_WIDTH 24

void recall_replay_opts_init(recall_replay_opts_t *o)
{
        memset(o, 0, sizeof(*o));
        o->to_ms = INT64_MAX;
        o->source = RECALL_REPLAY_SOURCE_KAFKA;
}

static int set_start(recall_replay_opts_t *o, recall_replay_start_t start, const char *name,
                     char *err, size_t err_size)
{
        if (o->start != RECALL_REPLAY_START_NONE) {
                snprintf(err, err_size,
                         "%s: give only one of --from, --from-offset and --from-beginning", name);
                return RECALL_EINVAL;
        }
        o->start = start;
        return 0;
}

/* The value of option name at argv[*i + 1]; NULL with err when missing. */
static const char *value_of(int argc, char **argv, int *i, const char *name, char *err,
                            size_t err_size)
{
        if (*i + 1 >= argc) {
                snprintf(err, err_size, "%s needs a value", name);
                return NULL;
        }
        return argv[++*i];
}

static int parse_time(const char *name, const char *v, int64_t *ms, char *err, size_t err_size)
{
        if (recall_time_parse_iso8601(v, ms)) {
                snprintf(err, err_size, "%s: '%s' is not an ISO-8601 time with a zone "
                         "(e.g. 2026-11-21T15:00:00Z)", name, v);
                return RECALL_EINVAL;
        }
        return 0;
}

int recall_replay_opt(recall_replay_opts_t *o, int argc, char **argv, int *i, char *err,
                      size_t err_size)
{
        const char *arg = argv[*i], *v;
        char *end;

        if (!strcmp(arg, "--rebuild")) {
                o->rebuild = 1;
                return 1;
        }
        if (!strcmp(arg, "--from-beginning"))
                return set_start(o, RECALL_REPLAY_START_BEGINNING, arg, err, err_size) ? RECALL_EINVAL
                                                                                       : 1;
        if (strcmp(arg, "--from") && strcmp(arg, "--from-offset") && strcmp(arg, "--to") &&
            strcmp(arg, "--tenant") && strcmp(arg, "--source"))
                return 0;
        if (!(v = value_of(argc, argv, i, arg, err, err_size)))
                return RECALL_EINVAL;
        if (!strcmp(arg, "--from")) {
                if (set_start(o, RECALL_REPLAY_START_TIME, arg, err, err_size) ||
                    parse_time(arg, v, &o->from_ms, err, err_size))
                        return RECALL_EINVAL;
        } else if (!strcmp(arg, "--to")) {
                if (parse_time(arg, v, &o->to_ms, err, err_size))
                        return RECALL_EINVAL;
        } else if (!strcmp(arg, "--from-offset")) {
                if (set_start(o, RECALL_REPLAY_START_OFFSET, arg, err, err_size))
                        return RECALL_EINVAL;
                o->from_offset = strtoll(v, &end, 10);
                if (!*v || *end || o->from_offset < 0) {
                        snprintf(err, err_size, "--from-offset: '%s' is not an offset (0 or more)",
                                 v);
                        return RECALL_EINVAL;
                }
        } else if (!strcmp(arg, "--tenant")) {
                if (recall_envelope_check_id(v)) {
                        snprintf(err, err_size, "--tenant: invalid tenant ID '%s'", v);
                        return RECALL_EINVAL;
                }
                o->tenant = v;
        } else if (!strcmp(v, "kafka") || !strcmp(v, "store")) {
                o->source = !strcmp(v, "kafka") ? RECALL_REPLAY_SOURCE_KAFKA
                                                : RECALL_REPLAY_SOURCE_STORE;
        } else {
                snprintf(err, err_size, "--source: '%s' is not kafka or store", v);
                return RECALL_EINVAL;
        }
        return 1;
}

int recall_replay_opts_check(const recall_replay_opts_t *o, char *err, size_t err_size)
{
        if (o->start == RECALL_REPLAY_START_NONE) {
                snprintf(err, err_size,
                         "where to start is missing: --from TIME, --from-offset N or "
                         "--from-beginning");
                return RECALL_EINVAL;
        }
        if (o->start == RECALL_REPLAY_START_TIME && o->to_ms < o->from_ms) {
                snprintf(err, err_size, "--to is before --from");
                return RECALL_EINVAL;
        }
        return 0;
}

/* P(offset): the first message at or after offset is at or after target
 * (or there is none). *next is where a false answer lets the search go. */
static int at_or_after(int64_t offset, int64_t target_ms, recall_replay_ts_fn fn, void *opaque,
                       int *yes, int64_t *next)
{
        int64_t found = -1, ts = 0;
        int rc = fn(opaque, offset, &found, &ts);

        if (rc)
                return rc;
        *yes = found < 0 || ts >= target_ms;
        *next = found < offset ? offset + 1 : found + 1;
        return 0;
}

int recall_replay_find_offset(int64_t lo, int64_t hi, int64_t target_ms, int64_t hint,
                              recall_replay_ts_fn fn, void *opaque, int64_t *out)
{
        int64_t next, mid;
        int yes, rc;

        if (hint < 0 || hint > hi)
                hint = hi; /* -1 is "the end" */
        if (hint >= lo) {
                /* confirmed when P(hint) and not P(hint - 1) */
                if ((rc = at_or_after(hint, target_ms, fn, opaque, &yes, &next)))
                        return rc;
                if (yes && hint == lo) {
                        *out = hint;
                        return 0;
                }
                if (yes) {
                        if ((rc = at_or_after(hint - 1, target_ms, fn, opaque, &yes, &next)))
                                return rc;
                        if (!yes) {
                                *out = hint;
                                return 0;
                        }
                        hi = hint - 1; /* the answer lies before the hint */
                } else {
                        lo = next;     /* the answer lies after it */
                }
        }
        while (lo < hi) {
                mid = lo + (hi - lo) / 2;
                if ((rc = at_or_after(mid, target_ms, fn, opaque, &yes, &next)))
                        return rc;
                if (yes)
                        hi = mid;
                else
                        lo = next < hi ? next : hi;
        }
        *out = lo;
        return 0;
}

static void duration(char *buf, size_t size, double s, int clock)
{
        uint64_t t = (uint64_t)(s + 0.5);

        if (clock && t >= 3600)
                snprintf(buf, size, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, t / 3600,
                         t / 60 % 60, t % 60);
        else if (clock)
                snprintf(buf, size, "%" PRIu64 ":%02" PRIu64, t / 60, t % 60);
        else
                snprintf(buf, size, "%" PRIu64 "s", t);
}

int recall_replay_progress_format(char *buf, size_t size, uint64_t done, uint64_t total,
                                  double elapsed_s, int bar)
{
        double rate = elapsed_s > 0 ? (double)done / elapsed_s : 0;
        unsigned pct = total ? (unsigned)(done >= total ? 100 : done * 100 / total) : 0;
        char eta[32] = "", bars[BAR_WIDTH + 1];
        size_t fill;

        if (total && rate > 0)
                duration(eta, sizeof(eta), done >= total ? 0 : (double)(total - done) / rate, bar);
        if (!bar) {
                if (!total)
                        return snprintf(buf, size, "replay: %" PRIu64 " messages, %.0f msg/s",
                                        done, rate);
                return snprintf(buf, size, "replay: %" PRIu64 "/%" PRIu64
                                " messages (%u%%), %.0f msg/s, eta %s",
                                done, total, pct, rate, *eta ? eta : "?");
        }
        fill = total ? (size_t)pct * BAR_WIDTH / 100 : 0;
        for (size_t i = 0; i < BAR_WIDTH; i++)
                bars[i] = i < fill ? '=' : i == fill && total ? '>' : ' ';
        bars[BAR_WIDTH] = '\0';
        if (!total)
                return snprintf(buf, size, "%" PRIu64 " msgs  %.0f msg/s", done, rate);
        return snprintf(buf, size, "[%s] %3u%%  %" PRIu64 "/%" PRIu64 " msgs  %.0f msg/s  ETA %s",
                        bars, pct, done, total, rate, *eta ? eta : "-");
}
