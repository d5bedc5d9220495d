/* memory.c: the per-contact memory value, its hot window and its blob codec.
 *
 * The window is a plain array, oldest turn first. Appending past the window
 * drops the oldest turns with one memmove; windows are small (tens of turns)
 * so this beats a ring buffer on simplicity and keeps the array in the order
 * the codec and the JSON view want.
 *
 * The blob is [RECALL_MEMORY_FORMAT][raw length, uint32 BE][LZ4 block of the
 * msgpack map]. Encoding is deterministic: keys in a fixed order, msgpack's
 * smallest-width integers, no timestamps or pointers, so that a replay into
 * an empty store rebuilds byte-identical blobs. Decoding is strict about
 * types and required keys (a blob that is not exactly ours is a cache miss,
 * never half a memory) but ignores unknown keys so that a newer writer's
 * extra fields do not turn every read of an older reader into a miss. */
#include <lz4.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope_int.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/memory.h"
#include "recall/qualify.h"
#include "recall/time.h"

#define HEADER_SIZE 5
/* A memory is a few hundred KiB at most; anything claiming more is corrupt
 * and must not make us allocate it. Encode refuses what decode would. */
#define RAW_MAX (64u * 1024 * 1024)

recall_memory_t *recall_memory_new(const char *tenant_id, const char *contact_id)
{
        recall_memory_t *mem;

        if (!tenant_id || !contact_id)
                return NULL;
        if (!(mem = calloc(1, sizeof(*mem))))
                return NULL;
        mem->returning_gap_s = -1;
        mem->tenant_id = strdup(tenant_id);
        mem->contact_id = strdup(contact_id);
        if (!mem->tenant_id || !mem->contact_id) {
                recall_memory_destroy(mem);
                return NULL;
        }
        return mem;
}

static void turn_release(recall_turn_t *turn)
{
        free(turn->id);
        free(turn->direction);
        free(turn->body);
}

void recall_memory_destroy(recall_memory_t *mem)
{
        if (!mem)
                return;
        for (size_t i = 0; i < mem->n_turns; i++)
                turn_release(&mem->turns[i]);
        free(mem->turns);
        free(mem->tenant_id);
        free(mem->contact_id);
        free(mem->qualification);
        free(mem->lead_type);
        free(mem->name);
        free(mem->summary);
        free(mem);
}

int recall_memory_set_contact(recall_memory_t *mem, const char *name,
                              int opted_out)
{
        char *n = name ? strdup(name) : NULL;

        if (name && !n)
                return RECALL_ENOMEM;
        free(mem->name);
        mem->name = n;
        mem->opted_out = opted_out ? 1 : 0;
        return 0;
}

/* One summary line of a message: "YYYY-MM-DD lead: text" with the text's
 * whitespace runs made single spaces and cut on a UTF-8 boundary. */
static void summary_line(char *buf, size_t size, const char *direction,
                         const char *body, int64_t at_ms)
{
        char iso[32];
        size_t len, cut;
        int space = 0;

        recall_time_format_iso8601(at_ms, iso, sizeof(iso));
        iso[10] = '\0';
        len = (size_t)snprintf(buf, size, "%s %s: ", iso,
                               strcmp(direction, "outbound") ? "lead" : "agent");
        cut = len + RECALL_MEMORY_SUMMARY_CHARS;
        if (cut >= size)
                cut = size - 1;
        for (const char *c = body; *c && len < cut; c++) {
                if (*c == ' ' || *c == '\n' || *c == '\r' || *c == '\t') {
                        space = 1;
                        continue;
                }
                if (space && buf[len - 1] != ' ')
                        buf[len++] = ' ';
                space = 0;
                buf[len++] = *c;
        }
        while (len > 0 && ((unsigned char)buf[len - 1] & 0xC0) == 0x80)
                len--; /* a cut inside a multi-byte character */
        if (len > 0 && ((unsigned char)buf[len - 1] & 0xC0) == 0xC0)
                len--;
        buf[len] = '\0';
}

int recall_memory_fold(recall_memory_t *mem, const char *direction,
                       const char *body, int64_t at_ms)
{
        char line[64 + RECALL_MEMORY_SUMMARY_CHARS];
        const char *keep = mem->summary ? mem->summary : "";
        size_t lines = 0, line_len, keep_len;
        char *s;

        summary_line(line, sizeof(line), direction, body, at_ms);
        for (const char *c = keep; *c; c++)
                lines += *c == '\n';
        if (*keep)
                lines++;
        /* drop the oldest lines beyond the limit */
        while (lines >= RECALL_MEMORY_SUMMARY_LINES && *keep) {
                const char *nl = strchr(keep, '\n');

                keep = nl ? nl + 1 : keep + strlen(keep);
                lines--;
        }
        line_len = strlen(line);
        keep_len = strlen(keep);
        if (!(s = malloc(keep_len + line_len + 2)))
                return RECALL_ENOMEM;
        memcpy(s, keep, keep_len);
        if (keep_len)
                s[keep_len++] = '\n';
        memcpy(s + keep_len, line, line_len + 1);
        free(mem->summary);
        mem->summary = s;
        return 0;
}

int recall_memory_set_profile(recall_memory_t *mem, const char *qualification,
                              const char *lead_type, int64_t returning_gap_s)
{
        char *q = qualification ? strdup(qualification) : NULL;
        char *lt = lead_type ? strdup(lead_type) : NULL;

        if ((qualification && !q) || (lead_type && !lt)) {
                free(q);
                free(lt);
                return RECALL_ENOMEM;
        }
        free(mem->qualification);
        free(mem->lead_type);
        mem->qualification = q;
        mem->lead_type = lt;
        mem->returning_gap_s = returning_gap_s;
        return 0;
}

/* Drops the oldest turns so that at most keep remain, folding each into the
 * summary. Only an allocation failure of the summary fails, and then the
 * memory is as it was. */
static int drop_oldest(recall_memory_t *mem, size_t keep)
{
        char *saved;
        size_t drop;
        int rc;

        if (mem->n_turns <= keep)
                return 0;
        drop = mem->n_turns - keep;
        saved = mem->summary ? strdup(mem->summary) : NULL;
        if (mem->summary && !saved)
                return RECALL_ENOMEM;
        for (size_t i = 0; i < drop; i++) {
                const recall_turn_t *t = &mem->turns[i];

                if ((rc = recall_memory_fold(mem, t->direction, t->body, t->at_ms))) {
                        free(mem->summary);
                        mem->summary = saved;
                        return rc;
                }
        }
        free(saved);
        for (size_t i = 0; i < drop; i++)
                turn_release(&mem->turns[i]);
        memmove(mem->turns, mem->turns + drop, keep * sizeof(*mem->turns));
        mem->n_turns = keep;
        return 0;
}

int recall_memory_append(recall_memory_t *mem, const char *id, const char *direction,
                         const char *body, int64_t at_ms, size_t window)
{
        recall_turn_t turn = {0};
        recall_turn_t *turns;
        size_t need, cap;
        int rc;

        if (!mem || !id || !direction || !body)
                return RECALL_EINVAL;
        if (window > 0) {
                /* Everything that can fail happens before mem changes, so a
                 * failed append leaves the memory as it was. */
                turn.id = strdup(id);
                turn.direction = strdup(direction);
                turn.body = strdup(body);
                turn.at_ms = at_ms;
                if (!turn.id || !turn.direction || !turn.body) {
                        turn_release(&turn);
                        return RECALL_ENOMEM;
                }
                need = (mem->n_turns < window ? mem->n_turns : window - 1) + 1;
                if (need > mem->cap_turns) {
                        cap = mem->cap_turns ? mem->cap_turns * 2 : 8;
                        if (cap < need)
                                cap = need;
                        if (cap > window)
                                cap = window;
                        if (!(turns = realloc(mem->turns, cap * sizeof(*turns)))) {
                                turn_release(&turn);
                                return RECALL_ENOMEM;
                        }
                        mem->turns = turns;
                        mem->cap_turns = cap;
                }
                if ((rc = drop_oldest(mem, window - 1))) {
                        turn_release(&turn);
                        return rc;
                }
                mem->turns[mem->n_turns++] = turn; /* strings owned by mem now */
        } else if ((rc = drop_oldest(mem, 0)) ||
                   (rc = recall_memory_fold(mem, direction, body, at_ms))) {
                return rc;
        }
        mem->message_count++;
        if (at_ms > mem->last_at_ms)
                mem->last_at_ms = at_ms;
        return 0;
}

/* ---- encoding ---------------------------------------------------------- */

static int pack_str(msgpack_packer *pk, const char *s)
{
        size_t len = strlen(s);

        return msgpack_pack_str(pk, len) || msgpack_pack_str_body(pk, s, len);
}

static int pack_kv_str(msgpack_packer *pk, const char *key, const char *val)
{
        return pack_str(pk, key) || pack_str(pk, val);
}

static int pack_kv_int(msgpack_packer *pk, const char *key, int64_t val)
{
        return pack_str(pk, key) || msgpack_pack_int64(pk, val);
}

/* A string, or nil for NULL. */
static int pack_kv_opt_str(msgpack_packer *pk, const char *key, const char *val)
{
        return pack_str(pk, key) || (val ? pack_str(pk, val) : msgpack_pack_nil(pk));
}

static int pack_memory(msgpack_packer *pk, const recall_memory_t *mem)
{
        if (msgpack_pack_map(pk, 12) || pack_kv_int(pk, "v", RECALL_MEMORY_FORMAT) ||
            pack_kv_str(pk, "tenant_id", mem->tenant_id) ||
            pack_kv_str(pk, "contact_id", mem->contact_id) ||
            pack_kv_int(pk, "message_count", mem->message_count) ||
            pack_kv_int(pk, "last_at_ms", mem->last_at_ms) || pack_str(pk, "messages") ||
            msgpack_pack_array(pk, mem->n_turns))
                return -1;
        for (size_t i = 0; i < mem->n_turns; i++) {
                const recall_turn_t *turn = &mem->turns[i];

                if (msgpack_pack_map(pk, 4) || pack_kv_str(pk, "id", turn->id) ||
                    pack_kv_str(pk, "direction", turn->direction) ||
                    pack_kv_str(pk, "body", turn->body) || pack_kv_int(pk, "at_ms", turn->at_ms))
                        return -1;
        }
        return pack_kv_opt_str(pk, "qualification", mem->qualification) ||
                       pack_kv_opt_str(pk, "lead_type", mem->lead_type) ||
                       pack_kv_int(pk, "returning_gap_s", mem->returning_gap_s) ||
                       pack_kv_opt_str(pk, "name", mem->name) ||
                       pack_kv_int(pk, "opted_out", mem->opted_out) ||
                       pack_kv_opt_str(pk, "summary", mem->summary)
                       ? -1
                       : 0;
}

int recall_memory_encode(const recall_memory_t *mem, unsigned char **blob, size_t *len)
{
        msgpack_sbuffer sbuf;
        msgpack_packer pk;
        unsigned char *out = NULL;
        int bound, clen, rc;

        if (!mem || !blob || !len)
                return RECALL_EINVAL;
        *blob = NULL;
        *len = 0;
        msgpack_sbuffer_init(&sbuf);
        msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
        if (pack_memory(&pk, mem)) {
                rc = RECALL_ENOMEM; /* the sbuffer only fails to grow */
                goto out;
        }
        if (sbuf.size > RAW_MAX) {
                rc = RECALL_EINVAL;
                goto out;
        }
        bound = LZ4_compressBound((int)sbuf.size);
        if (!(out = malloc(HEADER_SIZE + (size_t)bound))) {
                rc = RECALL_ENOMEM;
                goto out;
        }
        out[0] = RECALL_MEMORY_FORMAT;
        out[1] = (unsigned char)(sbuf.size >> 24);
        out[2] = (unsigned char)(sbuf.size >> 16);
        out[3] = (unsigned char)(sbuf.size >> 8);
        out[4] = (unsigned char)sbuf.size;
        clen = LZ4_compress_default(sbuf.data, (char *)out + HEADER_SIZE, (int)sbuf.size, bound);
        if (clen <= 0) {
                rc = RECALL_EINVAL;
                goto out;
        }
        *blob = out;
        *len = HEADER_SIZE + (size_t)clen;
        out = NULL; /* owned by the caller now */
        rc = 0;
out:
        free(out);
        msgpack_sbuffer_destroy(&sbuf);
        return rc;
}

/* ---- decoding ---------------------------------------------------------- */

static int key_is(const msgpack_object *key, const char *name)
{
        size_t len = strlen(name);

        return key->type == MSGPACK_OBJECT_STR && key->via.str.size == len &&
               !memcmp(key->via.str.ptr, name, len);
}

/* A copy of a msgpack string; a string with a NUL byte is rejected because
 * it would silently lose its tail as a C string. The caller frees *out. */
static int get_str(const msgpack_object *o, char **out)
{
        if (o->type != MSGPACK_OBJECT_STR || memchr(o->via.str.ptr, 0, o->via.str.size))
                return RECALL_EINVAL;
        if (!(*out = strndup(o->via.str.ptr, o->via.str.size)))
                return RECALL_ENOMEM;
        return 0;
}

/* A string or nil (NULL). */
static int get_opt_str(const msgpack_object *o, char **out)
{
        if (o->type == MSGPACK_OBJECT_NIL) {
                *out = NULL;
                return 0;
        }
        return get_str(o, out);
}

static int get_int(const msgpack_object *o, int64_t *out)
{
        if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
                *out = o->via.i64;
                return 0;
        }
        if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
                *out = (int64_t)o->via.u64;
                return 0;
        }
        return RECALL_EINVAL;
}

/* Walks one map, calling field() for each known key. Each of the n names
 * must appear exactly once; unknown keys are skipped. */
typedef int (*field_fn)(void *ctx, size_t idx, const msgpack_object *val);

static int walk_map(const msgpack_object *o, const char *const *names, size_t n, field_fn field,
                    void *ctx, const char *what, char *errstr, size_t errstr_size)
{
        unsigned seen = 0;
        size_t i, k;
        int rc;

        if (o->type != MSGPACK_OBJECT_MAP) {
                recall_error_set(errstr, errstr_size, "%s is not a map", what);
                return RECALL_EINVAL;
        }
        for (i = 0; i < o->via.map.size; i++) {
                const msgpack_object_kv *kv = &o->via.map.ptr[i];

                for (k = 0; k < n && !key_is(&kv->key, names[k]); k++)
                        ;
                if (k == n)
                        continue;
                if (seen & (1u << k)) {
                        recall_error_set(errstr, errstr_size, "%s: duplicate key '%s'", what, names[k]);
                        return RECALL_EINVAL;
                }
                seen |= 1u << k;
                if ((rc = field(ctx, k, &kv->val))) {
                        if (rc == RECALL_ENOMEM)
                                recall_error_set(errstr, errstr_size, "out of memory");
                        else
                                recall_error_set(errstr, errstr_size, "%s: bad value of '%s'", what,
                                       names[k]);
                        return rc;
                }
        }
        for (k = 0; k < n; k++) {
                if (!(seen & (1u << k))) {
                        recall_error_set(errstr, errstr_size, "%s: missing key '%s'", what, names[k]);
                        return RECALL_EINVAL;
                }
        }
        return 0;
}

static const char *const turn_keys[] = {"id", "direction", "body", "at_ms"};

static int turn_field(void *ctx, size_t idx, const msgpack_object *val)
{
        recall_turn_t *turn = ctx;

        switch (idx) {
        case 0: return get_str(val, &turn->id);
        case 1: return get_str(val, &turn->direction);
        case 2: return get_str(val, &turn->body);
        default: return get_int(val, &turn->at_ms);
        }
}

typedef struct decode_ctx {
        recall_memory_t *mem;
        const msgpack_object *messages; /* walked after the top-level map */
} decode_ctx_t;

static int decode_turns(recall_memory_t *mem, const msgpack_object *val, char *errstr,
                        size_t errstr_size)
{
        char what[48];
        int rc;

        if (!val->via.array.size)
                return 0;
        if (!(mem->turns = calloc(val->via.array.size, sizeof(*mem->turns)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return RECALL_ENOMEM;
        }
        mem->cap_turns = val->via.array.size;
        for (size_t i = 0; i < val->via.array.size; i++) {
                /* counted before the walk so that destroy frees a half-read
                 * turn's strings (calloc'd NULLs otherwise) */
                mem->n_turns++;
                snprintf(what, sizeof(what), "messages[%zu]", i);
                rc = walk_map(&val->via.array.ptr[i], turn_keys, 4, turn_field, &mem->turns[i],
                              what, errstr, errstr_size);
                if (rc)
                        return rc;
        }
        return 0;
}

static const char *const memory_keys[] = {
        "v",        "tenant_id",     "contact_id", "message_count",  "last_at_ms",
        "messages", "qualification", "lead_type",  "returning_gap_s", "name",
        "opted_out", "summary",
};

static int memory_field(void *ctx, size_t idx, const msgpack_object *val)
{
        decode_ctx_t *dc = ctx;
        int64_t v;

        switch (idx) {
        case 0:
                if (get_int(val, &v) || v != RECALL_MEMORY_FORMAT)
                        return RECALL_EINVAL;
                return 0;
        case 1: return get_str(val, &dc->mem->tenant_id);
        case 2: return get_str(val, &dc->mem->contact_id);
        case 3: return get_int(val, &dc->mem->message_count);
        case 4: return get_int(val, &dc->mem->last_at_ms);
        case 5:
                if (val->type != MSGPACK_OBJECT_ARRAY)
                        return RECALL_EINVAL;
                dc->messages = val;
                return 0;
        case 6: return get_opt_str(val, &dc->mem->qualification);
        case 7: return get_opt_str(val, &dc->mem->lead_type);
        case 8: return get_int(val, &dc->mem->returning_gap_s);
        case 9: return get_opt_str(val, &dc->mem->name);
        case 10:
                if (get_int(val, &v) || (v != 0 && v != 1))
                        return RECALL_EINVAL;
                dc->mem->opted_out = (int)v;
                return 0;
        default: return get_opt_str(val, &dc->mem->summary);
        }
}

recall_memory_t *recall_memory_decode(const void *blob, size_t len, char *errstr,
                                      size_t errstr_size)
{
        const unsigned char *b = blob;
        recall_memory_t *mem = NULL;
        msgpack_unpacked unp;
        decode_ctx_t dc;
        char *raw = NULL, reason[160];
        uint32_t raw_len;
        size_t off = 0;
        int n;

        msgpack_unpacked_init(&unp);
        if (!b || len < HEADER_SIZE) {
                recall_error_set(errstr, errstr_size, "blob too short (%zu bytes)", len);
                goto fail;
        }
        if (b[0] != RECALL_MEMORY_FORMAT) {
                recall_error_set(errstr, errstr_size, "blob format %u, expected %u", b[0],
                       RECALL_MEMORY_FORMAT);
                goto fail;
        }
        raw_len = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
        if (!raw_len || raw_len > RAW_MAX || len - HEADER_SIZE > (size_t)LZ4_MAX_INPUT_SIZE) {
                recall_error_set(errstr, errstr_size, "blob claims %u raw bytes", raw_len);
                goto fail;
        }
        if (!(raw = malloc(raw_len))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                goto fail;
        }
        n = LZ4_decompress_safe((const char *)b + HEADER_SIZE, raw, (int)(len - HEADER_SIZE),
                                (int)raw_len);
        if (n < 0 || (uint32_t)n != raw_len) {
                recall_error_set(errstr, errstr_size, "blob does not decompress to its %u bytes", raw_len);
                goto fail;
        }
        /* msgpack-c allocates a map or array at its declared size before
         * reading it: a few bytes claiming 2^32 entries must not make it ask
         * for gigabytes */
        if (recall_envelope_msgpack_check(raw, raw_len, reason, sizeof(reason))) {
                recall_error_set(errstr, errstr_size, "blob: %s", reason);
                goto fail;
        }
        if (msgpack_unpack_next(&unp, raw, raw_len, &off) != MSGPACK_UNPACK_SUCCESS ||
            off != raw_len) {
                recall_error_set(errstr, errstr_size, "blob is not one msgpack object");
                goto fail;
        }
        if (!(mem = calloc(1, sizeof(*mem)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                goto fail;
        }
        dc.mem = mem;
        dc.messages = NULL;
        if (walk_map(&unp.data, memory_keys, sizeof(memory_keys) / sizeof(memory_keys[0]),
                     memory_field, &dc, "memory", errstr,
                     errstr_size) ||
            decode_turns(mem, dc.messages, errstr, errstr_size))
                goto fail;
        if (mem->message_count < (int64_t)mem->n_turns) {
                recall_error_set(errstr, errstr_size, "memory: message_count %lld below %zu messages",
                       (long long)mem->message_count, mem->n_turns);
                goto fail;
        }
        msgpack_unpacked_destroy(&unp);
        free(raw);
        return mem;
fail:
        recall_memory_destroy(mem);
        msgpack_unpacked_destroy(&unp);
        free(raw);
        return NULL;
}

/* ---- JSON view --------------------------------------------------------- */

/* The qualification part of the JSON view, derived from the stored state. */
static int add_profile(json_t *root, const recall_memory_t *mem)
{
        recall_qualify_t *q = NULL;
        recall_question_t next;
        json_t *doc = NULL, *full = NULL, *answered = NULL;
        unsigned bits;
        int bad;

        if (mem->qualification) {
                if (!(doc = json_loads(mem->qualification, 0, NULL)) ||
                    !(q = recall_qualify_from_json(doc, NULL, 0)))
                        goto fail;
        } else if (!(q = recall_qualify_new())) {
                goto fail;
        }
        if (!(full = recall_qualify_to_json(q)) || !(answered = json_array()))
                goto fail;
        bits = recall_qualify_answered(q);
        for (int n = 1; n <= 7; n++)
                if (bits & (1u << (n - 1)) && json_array_append_new(answered, json_integer(n)))
                        goto fail;
        next = recall_qualify_next_question(q, mem->lead_type);
        bad = json_object_set(root, "qualification", json_object_get(full, "qualification")) ||
              json_object_set_new(root, "temperature", json_string(recall_qualify_temperature(q))) ||
              json_object_set(root, "answered", answered) ||
              json_object_set_new(root, "next_question",
                                  next.number ? json_pack("{s:i, s:s, s:s}", "number", next.number,
                                                          "key", next.key, "text", next.text)
                                              : json_null()) ||
              json_object_set_new(root, "returning",
                                  mem->returning_gap_s >= 0
                                          ? json_pack("{s:I}", "gap_seconds",
                                                      (json_int_t)mem->returning_gap_s)
                                          : json_null()) ||
              json_object_set(root, "facts", json_object_get(full, "facts")) ||
              json_object_set_new(root, "name", mem->name ? json_string(mem->name) : json_null()) ||
              json_object_set_new(root, "opted_out", json_boolean(mem->opted_out)) ||
              json_object_set_new(root, "summary",
                                  mem->summary ? json_string(mem->summary) : json_null());
        json_decref(answered);
        json_decref(full);
        json_decref(doc);
        recall_qualify_destroy(q);
        return bad ? -1 : 0;
fail:
        json_decref(answered);
        json_decref(full);
        json_decref(doc);
        recall_qualify_destroy(q);
        return -1;
}

/* NULL on allocation failure, when a string is not UTF-8 (jansson refuses
 * it; inputs are validated on the way in, so that means corruption), or when
 * the qualification state does not parse. */
json_t *recall_memory_to_json(const recall_memory_t *mem)
{
        json_t *root, *msgs, *msg;
        char at[32];
        int bad;

        if (!mem)
                return NULL;
        root = json_object();
        msgs = json_array();
        bad = !root || !msgs;
        bad = bad || json_object_set_new(root, "tenant_id", json_string(mem->tenant_id));
        bad = bad || json_object_set_new(root, "contact_id", json_string(mem->contact_id));
        bad = bad || json_object_set_new(root, "message_count", json_integer(mem->message_count));
        for (size_t i = 0; !bad && i < mem->n_turns; i++) {
                const recall_turn_t *turn = &mem->turns[i];

                recall_time_format_iso8601(turn->at_ms, at, sizeof(at));
                msg = json_object();
                bad = !msg || json_array_append_new(msgs, msg);
                bad = bad || json_object_set_new(msg, "id", json_string(turn->id));
                bad = bad || json_object_set_new(msg, "direction", json_string(turn->direction));
                bad = bad || json_object_set_new(msg, "body", json_string(turn->body));
                bad = bad || json_object_set_new(msg, "at", json_string(at));
        }
        if (bad) {
                json_decref(msgs);
                json_decref(root);
                return NULL;
        }
        /* json_object_set_new consumes msgs, even when it fails */
        if (json_object_set_new(root, "messages", msgs) || add_profile(root, mem)) {
                json_decref(root);
                return NULL;
        }
        return root;
}
