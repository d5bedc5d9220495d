/* offsets.h: which offset of each partition may be stored when messages
 * finish out of order (many requests in flight in one consumer).
 *
 * Per partition, the offsets taken and not yet finished are kept in the
 * order they were taken (offsets grow within a partition). Finishing one
 * marks it; the low watermark is the offset after the longest finished
 * prefix: everything below it is done, so storing it can skip nothing on a
 * restart, while anything unfinished is redelivered. */
#ifndef RECALL_OFFSETS_H
#define RECALL_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

typedef struct recall_offsets recall_offsets_t;

recall_offsets_t *recall_offsets_new(void);
void recall_offsets_destroy(recall_offsets_t *o); /* accepts NULL */

/* Records a taken message. 0 or RECALL_ENOMEM. An offset not above the
 * partition's last taken one (a redelivery after a seek) restarts that
 * partition's tracking from it. */
int recall_offsets_take(recall_offsets_t *o, const char *topic,
                        int32_t partition, int64_t offset);

/* Marks a taken message finished. Returns 1 and sets *store to the new low
 * watermark when it moved, 0 when it did not (an earlier message is still
 * unfinished, or the offset is not tracked: a revoked partition). */
int recall_offsets_finish(recall_offsets_t *o, const char *topic,
                          int32_t partition, int64_t offset, int64_t *store);

/* Unfinished messages of one partition (all partitions: topic NULL). */
size_t recall_offsets_pending(const recall_offsets_t *o, const char *topic,
                              int32_t partition);

/* Forgets a partition (revoked or lost). */
void recall_offsets_forget(recall_offsets_t *o, const char *topic,
                           int32_t partition);

#endif
