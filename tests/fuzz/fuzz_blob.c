/* fuzz_blob.c: libFuzzer target for the Redis memory blob decoder
 * (recall_memory_decode in common/memory.c) and what readers do with a
 * decoded memory (the JSON view, which parses the stored qualification).
 *
 * A blob is LZ4-compressed, so mutating blobs byte by byte mostly breaks the
 * LZ4 block and never reaches the msgpack walk. The first input byte picks
 * the mode: even feeds the rest to the decoder as a blob (header, length
 * claims and LZ4 framing under attack; the checked-in seeds starting 'b' are
 * real blobs from Redis: b4_* of the current format, b_* of format 3, which
 * must be refused), odd treats the rest as the msgpack map and wraps it in a
 * valid header and LZ4 block first (the seeds starting 'm' are those blobs
 * decompressed), so that mutations reach the map's types, keys and strings. Beyond what the sanitizers check, the target holds the codec to
 * its contract and aborts when it breaks:
 *   - a rejection is NULL with a reason;
 *   - a decoded memory has its ids, every turn's strings, message_count at
 *     least the number of turns;
 *   - it re-encodes, and that blob decodes back to an equal memory. */
#include <lz4.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/memory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
        fprintf(stderr, "fuzz_blob: %s: %s\n", what, detail ? detail : "(null)");
        abort();
}

static int str_eq(const char *a, const char *b)
{
        return (!a && !b) || (a && b && !strcmp(a, b));
}

static int memory_eq(const recall_memory_t *a, const recall_memory_t *b)
{
        if (!str_eq(a->tenant_id, b->tenant_id) || !str_eq(a->contact_id, b->contact_id) ||
            a->message_count != b->message_count || a->last_at_ms != b->last_at_ms ||
            a->n_turns != b->n_turns || !str_eq(a->qualification, b->qualification) ||
            !str_eq(a->lead_type, b->lead_type) || a->returning_gap_s != b->returning_gap_s ||
            !str_eq(a->name, b->name) || a->opted_out != b->opted_out ||
            !str_eq(a->summary, b->summary))
                return 0;
        for (size_t i = 0; i < a->n_turns; i++) {
                const recall_turn_t *x = &a->turns[i], *y = &b->turns[i];

                if (!str_eq(x->id, y->id) || !str_eq(x->direction, y->direction) ||
                    !str_eq(x->body, y->body) || x->at_ms != y->at_ms)
                        return 0;
        }
        return 1;
}

static void check_memory(const recall_memory_t *mem)
{
        if (!mem->tenant_id || !mem->contact_id)
                die("decoded memory without its ids", NULL);
        if (mem->message_count < (int64_t)mem->n_turns)
                die("message_count below the number of turns", mem->contact_id);
        if (mem->n_turns > mem->cap_turns)
                die("more turns than the array holds", mem->contact_id);
        /* strlen on every string: ASan flags a pointer that is not a live,
         * terminated copy */
        for (size_t i = 0; i < mem->n_turns; i++) {
                if (!mem->turns[i].id || !mem->turns[i].direction || !mem->turns[i].body)
                        die("decoded turn lacks a string", mem->contact_id);
                (void)strlen(mem->turns[i].id);
                (void)strlen(mem->turns[i].direction);
                (void)strlen(mem->turns[i].body);
        }
}

/* The dictionary id the encoder writes (byte 1 of its blobs). */
static unsigned char dict_id(void)
{
        static int id = -1;
        recall_memory_t *mem;
        unsigned char *blob = NULL;
        size_t len;

        if (id < 0) {
                if (!(mem = recall_memory_new("t", "c")) ||
                    recall_memory_encode(mem, &blob, &len))
                        die("cannot encode an empty memory", NULL);
                id = blob[1];
                free(blob);
                recall_memory_destroy(mem);
        }
        return (unsigned char)id;
}

/* Wraps raw msgpack in the blob header and an LZ4 block (compressed without
 * the dictionary: such a block decodes with any). The caller frees the
 * result; NULL when it cannot be built (the input is then skipped). */
static unsigned char *wrap(const uint8_t *raw, size_t raw_len, size_t *len)
{
        unsigned char *blob;
        int bound, clen;

        if (!raw_len || raw_len > (size_t)LZ4_MAX_INPUT_SIZE)
                return NULL;
        bound = LZ4_compressBound((int)raw_len);
        if (!(blob = malloc(6 + (size_t)bound)))
                return NULL;
        blob[0] = RECALL_MEMORY_FORMAT;
        blob[1] = dict_id();
        blob[2] = (unsigned char)(raw_len >> 24);
        blob[3] = (unsigned char)(raw_len >> 16);
        blob[4] = (unsigned char)(raw_len >> 8);
        blob[5] = (unsigned char)raw_len;
        clen = LZ4_compress_default((const char *)raw, (char *)blob + 6, (int)raw_len, bound);
        if (clen <= 0) {
                free(blob);
                return NULL;
        }
        *len = 6 + (size_t)clen;
        return blob;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        recall_memory_t *mem, *back;
        unsigned char *wrapped = NULL, *again;
        const void *blob;
        char err[256];
        size_t len, again_len;
        json_t *view;

        if (size < 1)
                return 0;
        if (data[0] & 1) {
                if (!(wrapped = wrap(data + 1, size - 1, &len)))
                        return 0;
                blob = wrapped;
        } else {
                blob = data + 1;
                len = size - 1;
        }

        err[0] = '\0';
        mem = recall_memory_decode(blob, len, err, sizeof(err));
        free(wrapped);
        if (!mem) {
                if (!err[0])
                        die("rejection without a reason", NULL);
                return 0;
        }
        check_memory(mem);

        if (recall_memory_encode(mem, &again, &again_len))
                die("cannot encode a decoded memory", mem->contact_id);
        if (!(back = recall_memory_decode(again, again_len, err, sizeof(err))))
                die("cannot decode what encode wrote", err);
        if (!memory_eq(mem, back))
                die("round trip changed the memory", mem->contact_id);

        /* readers show any memory that decoded: the view may refuse a
         * qualification state that does not parse (NULL), never crash */
        view = recall_memory_to_json(mem);
        json_decref(view);

        recall_memory_destroy(back);
        free(again);
        recall_memory_destroy(mem);
        return 0;
}
