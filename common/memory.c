/* memory.c: the per-contact memory value, its hot window and its blob codec.
 *
 * The window is a plain array, oldest turn first. Appending past the window
 * drops the oldest turns with one memmove; windows are small (tens of turns)
 * so this beats a ring buffer on simplicity and keeps the array in the order
 * the codec and the JSON view want.
 *
 * The blob is [RECALL_MEMORY_FORMAT][dictionary id][raw length, uint32 BE]
 * [LZ4 block of the msgpack map, compressed against the dictionary]. The
 * dictionary (blob_dict/blob_dict.inc, built by blob_dict/build.py) holds the
 * map's keys and the language of real-estate conversations, which every blob
 * would otherwise spell out once more; its id is in the blob so that a new
 * dictionary makes old blobs misses instead of garbage. Encoding is
 * deterministic: keys in a fixed order, msgpack's smallest-width integers,
 * no timestamps or pointers, so that a replay into an empty store rebuilds
 * byte-identical blobs. Decoding is strict about types and required keys (a
 * blob that is not exactly ours is a cache miss, never half a memory) but
 * ignores unknown keys so that a newer writer's extra fields do not turn
 * every read of an older reader into a miss.
 *
 * Allocations: a load decodes every blob of a batch, so the codec allocates
 * little. Encoding packs the msgpack into the tail of the blob's own buffer
 * (sized from an upper bound computed first) and compresses into its head:
 * one malloc. Decoding copies every string of the blob into an arena that
 * shares the memory's own allocation (mem->arena); the setters and destroy
 * free a string only when it is not in the arena, so a decoded memory is
 * changed and freed exactly like a built one. */
#include <lz4.h>
#include <msgpack.h>
#include <pthread.h>
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

#define HEADER_SIZE 6
/* The dictionary blob_dict.inc holds. A different dictionary is a different
 * id: a blob written with another one is a miss, never decoded against the
 * wrong bytes (test_memory's golden blob fails when the bytes change and
 * this does not). */
#define BLOB_DICT_ID 1
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

/* Frees a string of mem unless it lives in the arena a decode filled (freed
 * with mem itself). Addresses are compared as integers: the arena is one
 * object and s may be another. */
static void str_free(const recall_memory_t *mem, char *s)
{
        uintptr_t a = (uintptr_t)mem->arena, p = (uintptr_t)s;

        if (!mem->arena || p < a || p >= a + mem->arena_size)
                free(s);
}

static void turn_release(const recall_memory_t *mem, recall_turn_t *turn)
{
        str_free(mem, turn->id);
        str_free(mem, turn->direction);
        str_free(mem, turn->body);
}

void recall_memory_destroy(recall_memory_t *mem)
{
        if (!mem)
                return;
        for (size_t i = 0; i < mem->n_turns; i++)
                turn_release(mem, &mem->turns[i]);
        free(mem->turns);
        str_free(mem, mem->tenant_id);
        str_free(mem, mem->contact_id);
        str_free(mem, mem->qualification);
        str_free(mem, mem->lead_type);
        str_free(mem, mem->name);
        str_free(mem, mem->summary);
        free(mem); /* and the arena with it */
}

int recall_memory_set_contact(recall_memory_t *mem, const char *name,
                              int opted_out)
{
        char *n = name ? strdup(name) : NULL;

        if (name && !n)
                return RECALL_ENOMEM;
        str_free(mem, mem->name);
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
        str_free(mem, mem->summary);
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
        str_free(mem, mem->qualification);
        str_free(mem, mem->lead_type);
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
                        str_free(mem, mem->summary);
                        mem->summary = saved;
                        return rc;
                }
        }
        free(saved);
        for (size_t i = 0; i < drop; i++)
                turn_release(mem, &mem->turns[i]);
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
                        turn_release(mem, &turn);
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
                                turn_release(mem, &turn);
                                return RECALL_ENOMEM;
                        }
                        mem->turns = turns;
                        mem->cap_turns = cap;
                }
                if ((rc = drop_oldest(mem, window - 1))) {
                        turn_release(mem, &turn);
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

/* ---- the dictionary ----------------------------------------------------- */

static const unsigned char blob_dict[] = {
#include "blob_dict/blob_dict.inc"
};

/* Each thread's codec buffer: a copy of the dictionary followed by room for
 * one blob's msgpack. Encode packs the msgpack right after the dictionary
 * and decode decompresses there, because LZ4 is fastest when the data
 * follows its dictionary in memory ("prefix" mode: compressing against a
 * dictionary elsewhere took 26 µs per blob of the benchmark, here 18).
 * `loaded` is the dictionary at buf hashed once (LZ4_loadDict); each encode
 * compresses with a copy of it (16 KiB) instead of hashing the dictionary
 * again, which would cost more than compressing the blob. The buffer is
 * kept between calls (a load decodes a whole batch) and freed at thread exit,
 * or after a blob that made it grow past SCRATCH_KEEP. */
#define DICT_SIZE sizeof(blob_dict)
#define SCRATCH_KEEP (1024 * 1024)

typedef struct scratch {
        LZ4_stream_t loaded; /* hashed from buf's dictionary when loaded_at == buf */
        char *loaded_at;
        char *buf;           /* DICT_SIZE bytes of dictionary, then cap bytes */
        size_t cap;
} scratch_t;

static pthread_key_t scratch_key;
static int scratch_key_ok;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

/* Called by the thread library when a thread that used the codec exits. */
static void scratch_free(void *p)
{
        scratch_t *sc = p;

        if (sc)
                free(sc->buf);
        free(sc);
}

static void scratch_key_create(void)
{
        scratch_key_ok = pthread_key_create(&scratch_key, scratch_free) == 0;
}

/* The calling thread's scratch with room for need bytes after the
 * dictionary; NULL when out of memory. */
static scratch_t *scratch_get(size_t need)
{
        scratch_t *sc;
        char *buf;

        pthread_once(&scratch_once, scratch_key_create);
        if (!scratch_key_ok)
                return NULL;
        if (!(sc = pthread_getspecific(scratch_key))) {
                if (!(sc = calloc(1, sizeof(*sc))))
                        return NULL;
                if (pthread_setspecific(scratch_key, sc)) {
                        free(sc);
                        return NULL;
                }
        }
        if (need > sc->cap) {
                if (!(buf = realloc(sc->buf, DICT_SIZE + need)))
                        return NULL;
                if (!sc->buf)
                        memcpy(buf, blob_dict, DICT_SIZE);
                sc->buf = buf;
                sc->cap = need;
        }
        return sc;
}

/* After a call: gives back the room a giant blob took. */
static void scratch_trim(scratch_t *sc)
{
        if (sc->cap > SCRATCH_KEEP) {
                free(sc->buf);
                sc->buf = NULL;
                sc->loaded_at = NULL;
                sc->cap = 0;
        }
}

/* ---- encoding ---------------------------------------------------------- */

/* msgpack-c writes through this into the one buffer encode allocated; the
 * buffer is sized from raw_bound(), so running out means that bound is
 * wrong, and the encode fails instead of writing past it. */
typedef struct raw_buf {
        char *p;
        size_t len, cap;
} raw_buf_t;

static int raw_write(void *data, const char *buf, size_t len)
{
        raw_buf_t *rb = data;

        if (len > rb->cap - rb->len)
                return -1;
        memcpy(rb->p + rb->len, buf, len);
        rb->len += len;
        return 0;
}

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

/* What a string value costs at most packed: the widest str header (5). */
static size_t str_bound(const char *s)
{
        return s ? strlen(s) + 5 : 1;
}

/* An upper bound of pack_memory()'s size: every string with the widest
 * header, every integer 9 bytes, 256 bytes for the keys and headers of the
 * top-level map and 64 for those of each turn (both need under half). */
static size_t raw_bound(const recall_memory_t *mem)
{
        size_t n = 256 + 6 * 9 + str_bound(mem->tenant_id) + str_bound(mem->contact_id) +
                   str_bound(mem->qualification) + str_bound(mem->lead_type) +
                   str_bound(mem->name) + str_bound(mem->summary);

        for (size_t i = 0; i < mem->n_turns; i++)
                n += 64 + 9 + str_bound(mem->turns[i].id) + str_bound(mem->turns[i].direction) +
                     str_bound(mem->turns[i].body);
        return n;
}

int recall_memory_encode(const recall_memory_t *mem, unsigned char **blob, size_t *len)
{
        LZ4_stream_t lz4; /* on the stack, as LZ4_compress_default keeps it */
        msgpack_packer pk;
        scratch_t *sc;
        raw_buf_t raw;
        unsigned char *out;
        size_t bound;
        int clen, rc;

        if (!mem || !blob || !len)
                return RECALL_EINVAL;
        *blob = NULL;
        *len = 0;
        if ((bound = raw_bound(mem)) > RAW_MAX + (size_t)RAW_MAX / 2)
                return RECALL_EINVAL; /* far over what decode accepts */
        if (!(sc = scratch_get(bound)))
                return RECALL_ENOMEM;
        raw.p = sc->buf + DICT_SIZE;
        raw.len = 0;
        raw.cap = bound;
        msgpack_packer_init(&pk, &raw, raw_write);
        if (pack_memory(&pk, mem) || raw.len > RAW_MAX) {
                rc = RECALL_EINVAL;
                goto out;
        }
        if (!(out = malloc(HEADER_SIZE + (size_t)LZ4_compressBound((int)raw.len)))) {
                rc = RECALL_ENOMEM;
                goto out;
        }
        out[0] = RECALL_MEMORY_FORMAT;
        out[1] = BLOB_DICT_ID;
        out[2] = (unsigned char)(raw.len >> 24);
        out[3] = (unsigned char)(raw.len >> 16);
        out[4] = (unsigned char)(raw.len >> 8);
        out[5] = (unsigned char)raw.len;
        if (sc->loaded_at != sc->buf) {
                LZ4_initStream(&sc->loaded, sizeof(sc->loaded));
                LZ4_loadDict(&sc->loaded, sc->buf, (int)DICT_SIZE);
                sc->loaded_at = sc->buf;
        }
        memcpy(&lz4, &sc->loaded, sizeof(lz4));
        clen = LZ4_compress_fast_continue(&lz4, raw.p, (char *)out + HEADER_SIZE, (int)raw.len,
                                          LZ4_compressBound((int)raw.len), 1);
        if (clen <= 0) {
                free(out);
                rc = RECALL_EINVAL;
                goto out;
        }
        *blob = out; /* owned by the caller now */
        *len = HEADER_SIZE + (size_t)clen;
        rc = 0;
out:
        scratch_trim(sc);
        return rc;
}

/* ---- decoding ---------------------------------------------------------- */

typedef struct map_key {
        const char *name;
        size_t len;
} map_key_t;

#define KEY(lit) {lit, sizeof(lit) - 1}

typedef struct decode_ctx {
        recall_memory_t *mem;
        char *next;                     /* the arena's first free byte */
        size_t left;                    /* and how many are free */
        recall_turn_t *turn;            /* the turn being read */
        const msgpack_object *messages; /* walked after the top-level map */
} decode_ctx_t;

/* A copy of a msgpack string in the arena; a string with a NUL byte is
 * rejected because it would silently lose its tail as a C string. Every
 * string copied is a distinct msgpack string (duplicate keys are refused)
 * with a header of at least one byte, so the arena, as big as the msgpack,
 * cannot run out; the check is what keeps that a proof. */
static int get_str(decode_ctx_t *dc, const msgpack_object *o, char **out)
{
        size_t n = o->via.str.size;

        if (o->type != MSGPACK_OBJECT_STR || memchr(o->via.str.ptr, 0, n) || n >= dc->left)
                return RECALL_EINVAL;
        memcpy(dc->next, o->via.str.ptr, n);
        dc->next[n] = '\0';
        *out = dc->next;
        dc->next += n + 1;
        dc->left -= n + 1;
        return 0;
}

/* A string or nil (NULL). */
static int get_opt_str(decode_ctx_t *dc, const msgpack_object *o, char **out)
{
        if (o->type == MSGPACK_OBJECT_NIL) {
                *out = NULL;
                return 0;
        }
        return get_str(dc, o, out);
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

/* Walks one map, calling field() for each known key. Each of the n keys
 * must appear exactly once; unknown keys are skipped. The map is named in
 * errors as what, or what[idx] when idx is not SIZE_MAX (formatted only
 * then: a load decodes thousands of turns that are fine). */
typedef int (*field_fn)(decode_ctx_t *dc, size_t k, const msgpack_object *val);

static int walk_map(const msgpack_object *o, const map_key_t *keys, size_t n, field_fn field,
                    decode_ctx_t *dc, const char *what, size_t idx, char *errstr,
                    size_t errstr_size)
{
        char name[48];
        unsigned seen = 0;
        size_t i, k;
        int rc;

        if (o->type != MSGPACK_OBJECT_MAP) {
                rc = RECALL_EINVAL;
                k = n;
                goto fail;
        }
        for (i = 0; i < o->via.map.size; i++) {
                const msgpack_object_kv *kv = &o->via.map.ptr[i];

                if (kv->key.type != MSGPACK_OBJECT_STR)
                        continue;
                for (k = 0; k < n; k++)
                        if (kv->key.via.str.size == keys[k].len &&
                            !memcmp(kv->key.via.str.ptr, keys[k].name, keys[k].len))
                                break;
                if (k == n)
                        continue;
                if (seen & (1u << k)) {
                        rc = RECALL_EEXIST;
                        goto fail;
                }
                seen |= 1u << k;
                if ((rc = field(dc, k, &kv->val)))
                        goto fail;
        }
        for (k = 0; k < n; k++) {
                if (!(seen & (1u << k))) {
                        rc = RECALL_ENOTFOUND;
                        goto fail;
                }
        }
        return 0;
fail:
        if (idx != SIZE_MAX)
                snprintf(name, sizeof(name), "%s[%zu]", what, idx);
        else
                snprintf(name, sizeof(name), "%s", what);
        if (rc == RECALL_ENOMEM)
                recall_error_set(errstr, errstr_size, "out of memory");
        else if (k == n)
                recall_error_set(errstr, errstr_size, "%s is not a map", name);
        else if (rc == RECALL_EEXIST)
                recall_error_set(errstr, errstr_size, "%s: duplicate key '%s'", name,
                                 keys[k].name);
        else if (rc == RECALL_ENOTFOUND)
                recall_error_set(errstr, errstr_size, "%s: missing key '%s'", name,
                                 keys[k].name);
        else
                recall_error_set(errstr, errstr_size, "%s: bad value of '%s'", name,
                                 keys[k].name);
        return rc == RECALL_ENOMEM ? rc : RECALL_EINVAL;
}

static const map_key_t turn_keys[] = {KEY("id"), KEY("direction"), KEY("body"), KEY("at_ms")};

static int turn_field(decode_ctx_t *dc, size_t k, const msgpack_object *val)
{
        recall_turn_t *turn = dc->turn;

        switch (k) {
        case 0: return get_str(dc, val, &turn->id);
        case 1: return get_str(dc, val, &turn->direction);
        case 2: return get_str(dc, val, &turn->body);
        default: return get_int(val, &turn->at_ms);
        }
}

static int decode_turns(decode_ctx_t *dc, char *errstr, size_t errstr_size)
{
        const msgpack_object *val = dc->messages;
        recall_memory_t *mem = dc->mem;
        int rc;

        if (!val->via.array.size)
                return 0;
        /* the count is at most the blob's bytes (the pre-scan saw to it) */
        if (!(mem->turns = calloc(val->via.array.size, sizeof(*mem->turns)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return RECALL_ENOMEM;
        }
        mem->cap_turns = val->via.array.size;
        for (size_t i = 0; i < val->via.array.size; i++) {
                /* counted before the walk so that destroy sees a half-read
                 * turn (its strings are in the arena or NULL) */
                mem->n_turns++;
                dc->turn = &mem->turns[i];
                rc = walk_map(&val->via.array.ptr[i], turn_keys, 4, turn_field, dc, "messages",
                              i, errstr, errstr_size);
                if (rc)
                        return rc;
        }
        return 0;
}

static const map_key_t memory_keys[] = {
        KEY("v"),         KEY("tenant_id"),     KEY("contact_id"), KEY("message_count"),
        KEY("last_at_ms"), KEY("messages"),     KEY("qualification"), KEY("lead_type"),
        KEY("returning_gap_s"), KEY("name"),    KEY("opted_out"),  KEY("summary"),
};

static int memory_field(decode_ctx_t *dc, size_t k, const msgpack_object *val)
{
        recall_memory_t *mem = dc->mem;
        int64_t v;

        switch (k) {
        case 0:
                if (get_int(val, &v) || v != RECALL_MEMORY_FORMAT)
                        return RECALL_EINVAL;
                return 0;
        case 1: return get_str(dc, val, &mem->tenant_id);
        case 2: return get_str(dc, val, &mem->contact_id);
        case 3: return get_int(val, &mem->message_count);
        case 4: return get_int(val, &mem->last_at_ms);
        case 5:
                if (val->type != MSGPACK_OBJECT_ARRAY)
                        return RECALL_EINVAL;
                dc->messages = val;
                return 0;
        case 6: return get_opt_str(dc, val, &mem->qualification);
        case 7: return get_opt_str(dc, val, &mem->lead_type);
        case 8: return get_int(val, &mem->returning_gap_s);
        case 9: return get_opt_str(dc, val, &mem->name);
        case 10:
                if (get_int(val, &v) || (v != 0 && v != 1))
                        return RECALL_EINVAL;
                mem->opted_out = (int)v;
                return 0;
        default: return get_opt_str(dc, val, &mem->summary);
        }
}

recall_memory_t *recall_memory_decode(const void *blob, size_t len, char *errstr,
                                      size_t errstr_size)
{
        const unsigned char *b = blob;
        recall_memory_t *mem = NULL;
        scratch_t *sc = NULL;
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
        if (b[1] != BLOB_DICT_ID) {
                recall_error_set(errstr, errstr_size, "blob dictionary %u, expected %u", b[1],
                                 BLOB_DICT_ID);
                goto fail;
        }
        raw_len = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
        if (!raw_len || raw_len > RAW_MAX || len - HEADER_SIZE > (size_t)LZ4_MAX_INPUT_SIZE) {
                recall_error_set(errstr, errstr_size, "blob claims %u raw bytes", raw_len);
                goto fail;
        }
        if (!(sc = scratch_get(raw_len))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                goto fail;
        }
        raw = sc->buf + DICT_SIZE; /* right after the dictionary: LZ4's fast path */
        n = LZ4_decompress_safe_usingDict((const char *)b + HEADER_SIZE, raw,
                                          (int)(len - HEADER_SIZE), (int)raw_len, sc->buf,
                                          (int)DICT_SIZE);
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
        /* the memory and the arena of its strings in one allocation */
        if (!(mem = malloc(sizeof(*mem) + raw_len))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                goto fail;
        }
        memset(mem, 0, sizeof(*mem));
        mem->arena = (char *)(mem + 1);
        mem->arena_size = raw_len;
        dc.mem = mem;
        dc.next = mem->arena;
        dc.left = raw_len;
        dc.turn = NULL;
        dc.messages = NULL;
        if (walk_map(&unp.data, memory_keys, sizeof(memory_keys) / sizeof(memory_keys[0]),
                     memory_field, &dc, "memory", SIZE_MAX, errstr, errstr_size) ||
            decode_turns(&dc, errstr, errstr_size))
                goto fail;
        if (mem->message_count < (int64_t)mem->n_turns) {
                recall_error_set(errstr, errstr_size, "memory: message_count %lld below %zu messages",
                       (long long)mem->message_count, mem->n_turns);
                goto fail;
        }
        msgpack_unpacked_destroy(&unp);
        scratch_trim(sc);
        return mem;
fail:
        recall_memory_destroy(mem);
        msgpack_unpacked_destroy(&unp);
        if (sc)
                scratch_trim(sc);
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
