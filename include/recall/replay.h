/* replay.h: the pure parts of `recall replay`: its options, finding where
 * to start in a partition by time, and the progress line.
 *
 * No broker and no store here: the time search takes a function that
 * reads one message's timestamp, so it runs against a real partition in
 * the CLI and against a table in the unit tests. */
#ifndef RECALL_REPLAY_H
#define RECALL_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/* ---- options ----------------------------------------------------------- */

typedef enum recall_replay_start {
        RECALL_REPLAY_START_NONE = 0, /* not given yet: an error */
        RECALL_REPLAY_START_TIME,     /* --from TIME */
        RECALL_REPLAY_START_OFFSET,   /* --from-offset N */
        RECALL_REPLAY_START_BEGINNING /* --from-beginning */
} recall_replay_start_t;

typedef enum recall_replay_source {
        RECALL_REPLAY_SOURCE_KAFKA = 0, /* the topics' history */
        RECALL_REPLAY_SOURCE_STORE,     /* PostgreSQL's message log */
} recall_replay_source_t;

typedef struct recall_replay_opts {
        recall_replay_start_t start;
        int64_t from_ms;     /* START_TIME: ms since the epoch */
        int64_t from_offset; /* START_OFFSET: Kafka offset (kafka) or
                                messages.seq (store) */
        int64_t to_ms;       /* INT64_MAX: no end */
        const char *tenant;  /* NULL: every tenant; points into argv */
        int rebuild;
        recall_replay_source_t source;
} recall_replay_opts_t;

/* Every option unset: no start, no end, every tenant, kafka. */
void recall_replay_opts_init(recall_replay_opts_t *o);

/* Consumes the replay option at argv[*i] (advancing *i past its value):
 * --from TIME, --from-offset N, --from-beginning, --to TIME, --tenant T,
 * --rebuild, --source kafka|store. TIME is ISO-8601 with a zone. Returns 1
 * when it was one, 0 when argv[*i] is not a replay option, RECALL_EINVAL
 * with a one-line reason in err (a missing or bad value, a start given
 * twice). */
int recall_replay_opt(recall_replay_opts_t *o, int argc, char **argv, int *i,
                      char *err, size_t err_size);

/* After every option: exactly one start, --to after --from, --from-offset
 * not negative. 0, or RECALL_EINVAL with a one-line reason in err. */
int recall_replay_opts_check(const recall_replay_opts_t *o, char *err,
                             size_t err_size);

/* ---- where to start, by time ------------------------------------------- */

/* Reads the first message at or after offset: *found its offset (-1 when
 * there is none before the end) and *ts_ms its timestamp. 0, or a negative
 * RECALL_E* that stops the search. */
typedef int (*recall_replay_ts_fn)(void *opaque, int64_t offset,
                                   int64_t *found, int64_t *ts_ms);

/* Where to start in [lo, hi] (hi: the end) so that the first message read
 * is the first with a timestamp at or after target_ms (an offset in a gap
 * just before it may be answered), assuming timestamps do not decrease
 * along the partition. hint (what offsets-for-times answered, -1 for the end) is
 * taken when the messages around it confirm it (two reads); otherwise, as
 * on a broker that answers -1 for every time, a binary search finds it in
 * about log2(hi - lo) reads. 0 with *out, or fn's error. */
int recall_replay_find_offset(int64_t lo, int64_t hi, int64_t target_ms,
                              int64_t hint, recall_replay_ts_fn fn,
                              void *opaque, int64_t *out);

/* ---- progress ---------------------------------------------------------- */

/* One progress line into buf (no newline), of done of total messages
 * (total 0: unknown, so no share and no ETA) after elapsed_s seconds. With
 * bar, the terminal form "[=====>     ]  45%  1234/2700 msgs  850 msg/s
 * ETA 0:02"; without, the log form "replay: 1234/2700 messages (45%), 850
 * msg/s, eta 2s". Returns what snprintf returns. */
int recall_replay_progress_format(char *buf, size_t size, uint64_t done,
                                  uint64_t total, double elapsed_s, int bar);

#endif
