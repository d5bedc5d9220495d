/* fuzz_legacy.c: libFuzzer target for the Python service's memory decoder
 * (recall_legacy_decode in common/legacy.c): the JSON wrapper, hex, gzip
 * (zlib) and the mapping of the state's fields.
 *
 * The input is one Redis value as `recall import legacy` reads it. The seeds
 * (corpus/legacy/) are values the baseline encoder writes, inline and
 * compressed, the service's own field names, variants and damaged ones.
 * Beyond what the sanitizers check, the target holds the decoder to its
 * contract and aborts when it breaks:
 *   - a refusal is RECALL_EINVAL with a "<code>: <detail>" reason and no
 *     state;
 *   - a decoded state has its contact id, every message an id derived from
 *     it, a direction, a body within body_max and a time in 1970..9999;
 *   - decoding the same bytes again gives the same ids (imports recognise
 *     what they stored). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/legacy.h"

#define BODY_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
        fprintf(stderr, "fuzz_legacy: %s: %s\n", what, detail ? detail : "(null)");
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        recall_legacy_state_t *st = NULL, *again = NULL;
        char reason[256] = "";
        int rc;

        rc = recall_legacy_decode("c1", data, size, BODY_MAX, &st, reason, sizeof(reason));
        if (rc) {
                if (rc != RECALL_EINVAL && rc != RECALL_ENOMEM)
                        die("unexpected error code", reason);
                if (st)
                        die("a refusal left a state", reason);
                if (rc == RECALL_EINVAL && !strstr(reason, ": "))
                        die("a refusal without a coded reason", reason);
                return 0;
        }
        if (!st || strcmp(st->contact_id, "c1"))
                die("no state or wrong contact", NULL);
        for (size_t i = 0; i < st->n_messages; i++) {
                const recall_legacy_message_t *m = &st->messages[i];

                if (strncmp(m->id, "legacy-", 7) || !m->body || strlen(m->body) > BODY_MAX)
                        die("a bad message", m->id);
                if (strcmp(m->direction, "inbound") && strcmp(m->direction, "outbound"))
                        die("a bad direction", m->direction);
                if (m->at_ms < 0 || m->at_ms > 253402300799999LL)
                        die("a time out of range", m->id);
        }
        if (st->at_ms < 0 || st->at_ms > 253402300799999LL)
                die("the state's time out of range", NULL);
        if (recall_legacy_decode("c1", data, size, BODY_MAX, &again, reason, sizeof(reason)) ||
            again->n_messages != st->n_messages)
                die("a second decode differs", reason);
        for (size_t i = 0; i < st->n_messages; i++)
                if (strcmp(st->messages[i].id, again->messages[i].id))
                        die("unstable ids", st->messages[i].id);
        recall_legacy_state_destroy(again);
        recall_legacy_state_destroy(st);
        return 0;
}
