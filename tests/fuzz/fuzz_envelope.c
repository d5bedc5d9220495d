/* fuzz_envelope.c: libFuzzer target for the envelope: decode, validate, re-encode.
 *
 * The first input byte picks the content type (even: JSON, odd: msgpack; the
 * checked-in seeds start with 'j' or 'm' so they stay readable), the rest is
 * the payload. Beyond "no crash, no leak, no read out of bounds", which the
 * sanitizers check, the target holds the envelope to its contract and aborts
 * when it breaks:
 *   - a rejection is RECALL_EINVAL with a reason "<code>: ..." whose code is
 *     one of envelope.h's;
 *   - a parsed inbound message has every required string, valid ids, a
 *     direction that matches its type;
 *   - a decoded tree re-encodes in both content types, and each encoding
 *     decodes back to an equal tree (the one exception: msgpack-c refuses
 *     nesting deeper than its parser stack, which JSON allows). */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/envelope.h"
#include "recall/error.h"

/* msgpack-c's unpacker stack (MSGPACK_EMBED_STACK_SIZE): deeper trees come
 * from JSON only and cannot round-trip through msgpack. */
#define MSGPACK_MAX_DEPTH 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
        fprintf(stderr, "fuzz_envelope: %s: %s\n", what, detail ? detail : "(null)");
        abort();
}

static void check_reason(const char *reason)
{
        static const char *codes[] = {"too_large", "invalid_encoding", "invalid_json",
                                      "invalid_msgpack", "not_object", "missing_field",
                                      "invalid_field", "invalid_id", "invalid_utf8"};
        size_t n;

        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
                n = strlen(codes[i]);
                if (!strncmp(reason, codes[i], n) && reason[n] == ':')
                        return;
        }
        die("rejection without a known code", reason);
}

static size_t depth(const json_t *v)
{
        const char *key;
        json_t *child;
        size_t i, d, max = 0;

        if (json_is_object(v)) {
                json_object_foreach((json_t *)v, key, child) {
                        if ((d = depth(child)) > max)
                                max = d;
                }
                return max + 1;
        }
        if (json_is_array(v)) {
                json_array_foreach(v, i, child) {
                        if ((d = depth(child)) > max)
                                max = d;
                }
                return max + 1;
        }
        return 0;
}

static void check_inbound(const recall_inbound_t *msg, size_t body_max)
{
        const char *required[] = {msg->type, msg->tenant_id, msg->contact_id, msg->message_id,
                                  msg->body, msg->message_type, msg->direction};
        const char *optional[] = {msg->conversation_id, msg->contact_name, msg->contact_phone,
                                  msg->contact_email, msg->lead_type};
        int inbound;

        /* strlen on every string: ASan flags any pointer that is not into
         * the live tree */
        for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
                if (!required[i])
                        die("parsed message lacks a required field", NULL);
                (void)strlen(required[i]);
        }
        for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++) {
                if (optional[i])
                        (void)strlen(optional[i]);
        }
        if (recall_envelope_check_id(msg->tenant_id) || recall_envelope_check_id(msg->contact_id) ||
            recall_envelope_check_id(msg->message_id) ||
            (msg->conversation_id && recall_envelope_check_id(msg->conversation_id)))
                die("parsed message has an invalid id", msg->message_id);
        if (strlen(msg->body) > body_max)
                die("parsed body over the limit", msg->body);
        inbound = !strcmp(msg->type, "InboundMessage");
        if (strcmp(msg->direction, inbound ? "inbound" : "outbound"))
                die("direction does not match type", msg->direction);
        if (recall_inbound_from_lead(msg) != inbound)
                die("from_lead disagrees with type", msg->type);
}

/* Encodes root as content_type and decodes it back: the tree must survive. */
static void round_trip(const json_t *root, const char *content_type)
{
        char reason[256], *buf;
        json_t *back;
        size_t len;
        int r;

        if (recall_envelope_encode(root, content_type, &buf, &len))
                die("cannot encode a decoded tree", content_type);
        r = recall_envelope_decode(buf, len, content_type, SIZE_MAX, &back, reason,
                                   sizeof(reason));
        if (r && !strcmp(content_type, RECALL_CONTENT_TYPE_MSGPACK) &&
            depth(root) > MSGPACK_MAX_DEPTH) {
                free(buf);
                return;
        }
        if (r)
                die("cannot decode what encode wrote", reason);
        if (!json_equal((json_t *)root, back))
                die("round trip changed the tree", content_type);
        json_decref(back);
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const size_t max_bytes = 65536, body_max = 512;
        const char *content_type;
        recall_inbound_t msg;
        char reason[256];
        json_t *root;
        int r;

        if (size < 1)
                return 0;
        content_type = data[0] & 1 ? RECALL_CONTENT_TYPE_MSGPACK : RECALL_CONTENT_TYPE_JSON;
        reason[0] = '\0';
        r = recall_envelope_decode(data + 1, size - 1, content_type, max_bytes, &root, reason,
                                   sizeof(reason));
        if (r) {
                if (r != RECALL_EINVAL || root)
                        die("decode failed without EINVAL or left a tree", reason);
                check_reason(reason);
                return 0;
        }
        if (!root)
                die("decode succeeded without a tree", content_type);

        reason[0] = '\0';
        r = recall_inbound_parse(root, body_max, &msg, reason, sizeof(reason));
        if (r == RECALL_EINVAL)
                check_reason(reason);
        else if (r)
                die("inbound parse failed without EINVAL", reason);
        else
                check_inbound(&msg, body_max);

        round_trip(root, RECALL_CONTENT_TYPE_JSON);
        round_trip(root, RECALL_CONTENT_TYPE_MSGPACK);
        json_decref(root);
        return 0;
}
