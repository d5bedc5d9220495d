/* offsets.c: low watermarks of partitions whose messages finish out of
 * order.
 *
 * Each partition has a queue of taken offsets with a finished flag, oldest
 * first; finishing pops the finished prefix and the watermark is the last
 * popped offset + 1. Partitions are few (a consumer's assignment), so a
 * linear search over them is cheaper than any map; the queue is an array
 * with a head index, compacted when the head passes half of it. */
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/offsets.h"

typedef struct part {
        char *topic;
        int32_t partition;
        int64_t *offs;
        unsigned char *done;
        size_t head, n, cap; /* live entries are [head, n) */
} part_t;

struct recall_offsets {
        part_t *parts;
        size_t n_parts, cap_parts;
};

recall_offsets_t *recall_offsets_new(void)
{
        return calloc(1, sizeof(recall_offsets_t));
}

static void part_release(part_t *p)
{
        free(p->topic);
        free(p->offs);
        free(p->done);
}

void recall_offsets_destroy(recall_offsets_t *o)
{
        if (!o)
                return;
        for (size_t i = 0; i < o->n_parts; i++)
                part_release(&o->parts[i]);
        free(o->parts);
        free(o);
}

static part_t *find(const recall_offsets_t *o, const char *topic, int32_t partition)
{
        for (size_t i = 0; i < o->n_parts; i++)
                if (o->parts[i].partition == partition && !strcmp(o->parts[i].topic, topic))
                        return &o->parts[i];
        return NULL;
}

static part_t *find_or_add(recall_offsets_t *o, const char *topic, int32_t partition)
{
        part_t *p = find(o, topic, partition), *parts;
        size_t cap;

        if (p)
                return p;
        if (o->n_parts == o->cap_parts) {
                cap = o->cap_parts ? o->cap_parts * 2 : 8;
                if (!(parts = realloc(o->parts, cap * sizeof(*parts))))
                        return NULL;
                o->parts = parts;
                o->cap_parts = cap;
        }
        p = &o->parts[o->n_parts];
        memset(p, 0, sizeof(*p));
        p->partition = partition;
        if (!(p->topic = strdup(topic)))
                return NULL;
        o->n_parts++;
        return p;
}

int recall_offsets_take(recall_offsets_t *o, const char *topic, int32_t partition,
                        int64_t offset)
{
        part_t *p = find_or_add(o, topic, partition);
        size_t cap, live;
        int64_t *offs;
        unsigned char *done;

        if (!p)
                return RECALL_ENOMEM;
        if (p->n > p->head && offset <= p->offs[p->n - 1])
                p->head = p->n = 0; /* a seek back: what was pending comes again */
        if (p->head > p->cap / 2) {
                live = p->n - p->head;
                memmove(p->offs, p->offs + p->head, live * sizeof(*p->offs));
                memmove(p->done, p->done + p->head, live);
                p->head = 0;
                p->n = live;
        }
        if (p->n == p->cap) {
                cap = p->cap ? p->cap * 2 : 64;
                if (!(offs = realloc(p->offs, cap * sizeof(*offs))))
                        return RECALL_ENOMEM;
                p->offs = offs;
                if (!(done = realloc(p->done, cap)))
                        return RECALL_ENOMEM;
                p->done = done;
                p->cap = cap;
        }
        p->offs[p->n] = offset;
        p->done[p->n++] = 0;
        return 0;
}

int recall_offsets_finish(recall_offsets_t *o, const char *topic, int32_t partition,
                          int64_t offset, int64_t *store)
{
        part_t *p = find(o, topic, partition);
        size_t lo, hi, mid;
        int moved = 0;

        if (!p || p->n == p->head)
                return 0;
        lo = p->head;
        hi = p->n;
        while (lo < hi) { /* offsets ascend: binary search */
                mid = lo + (hi - lo) / 2;
                if (p->offs[mid] < offset)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == p->n || p->offs[lo] != offset)
                return 0;
        p->done[lo] = 1;
        while (p->head < p->n && p->done[p->head]) {
                *store = p->offs[p->head] + 1;
                p->head++;
                moved = 1;
        }
        return moved;
}

size_t recall_offsets_pending(const recall_offsets_t *o, const char *topic, int32_t partition)
{
        size_t n = 0;

        for (size_t i = 0; i < o->n_parts; i++) {
                const part_t *p = &o->parts[i];

                if (topic && (p->partition != partition || strcmp(p->topic, topic)))
                        continue;
                for (size_t k = p->head; k < p->n; k++)
                        n += !p->done[k];
        }
        return n;
}

void recall_offsets_forget(recall_offsets_t *o, const char *topic, int32_t partition)
{
        part_t *p = find(o, topic, partition);

        if (!p)
                return;
        part_release(p);
        *p = o->parts[--o->n_parts];
}
