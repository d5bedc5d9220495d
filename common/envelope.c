/* envelope.c: topic payloads in and out, JSON or msgpack, one jansson tree.
 *
 * Both encodings decode to the same tree so that validation is written once
 * (recall_inbound_parse) and a message re-encoded in the other format means
 * the same thing. msgpack is wider than JSON, so the conversion refuses what
 * JSON cannot say: bin and ext objects, maps with non-string keys, integers
 * above INT64_MAX, non-finite floats, strings that are not UTF-8 or hold a
 * NUL (jansson's JSON decoder refuses \u0000 too, and the typed view hands
 * out C strings). Every rejection is a reason "<code>: <detail>", the code
 * from the list in envelope.h. Contact events (recall_contact_event_parse)
 * share the field helpers and reason codes with inbound messages; their
 * details are checked for UTF-8 themselves because recall-ingest validates
 * trees it built rather than decoded. */
#include <ctype.h>
#include <math.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "envelope_int.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/time.h"

static int reject(char *reason, size_t reason_size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int reject(char *reason, size_t reason_size, const char *fmt, ...)
{
        va_list ap;

        if (reason && reason_size) {
                va_start(ap, fmt);
                vsnprintf(reason, reason_size, fmt, ap);
                va_end(ap);
        }
        return RECALL_EINVAL;
}

/* Case-insensitive media type match, ignoring parameters such as
 * "; charset=utf-8". */
static int content_type_is(const char *content_type, const char *want)
{
        size_t n = strlen(want);

        if (strncasecmp(content_type, want, n))
                return 0;
        while (content_type[n] == ' ' || content_type[n] == '\t')
                n++;
        return content_type[n] == '\0' || content_type[n] == ';';
}

/* msgpack-c may hand out a NULL pointer for an empty string: memchr,
 * strndup and json_stringn want a real one. */
static const char *str_ptr(const msgpack_object_str *str)
{
        return str->size ? str->ptr : "";
}

/* Converts one msgpack object into a new jansson reference in *out. where
 * names the map key the object sits under, for the reason. */
static int from_msgpack(const msgpack_object *o, const char *where, json_t **out,
                        char *reason, size_t reason_size)
{
        char *key;
        json_t *child;
        int r;

        *out = NULL;
        switch (o->type) {
        case MSGPACK_OBJECT_NIL:
                *out = json_null();
                break;
        case MSGPACK_OBJECT_BOOLEAN:
                *out = json_boolean(o->via.boolean);
                break;
        case MSGPACK_OBJECT_POSITIVE_INTEGER:
                if (o->via.u64 > INT64_MAX)
                        return reject(reason, reason_size,
                                      "invalid_msgpack: %s: integer out of range", where);
                *out = json_integer((json_int_t)o->via.u64);
                break;
        case MSGPACK_OBJECT_NEGATIVE_INTEGER:
                *out = json_integer((json_int_t)o->via.i64);
                break;
        case MSGPACK_OBJECT_FLOAT32:
        case MSGPACK_OBJECT_FLOAT64:
                if (!isfinite(o->via.f64))
                        return reject(reason, reason_size,
                                      "invalid_msgpack: %s: non-finite float", where);
                *out = json_real(o->via.f64);
                break;
        case MSGPACK_OBJECT_STR:
                if (memchr(str_ptr(&o->via.str), '\0', o->via.str.size))
                        return reject(reason, reason_size,
                                      "invalid_msgpack: %s: string holds a NUL", where);
                /* json_stringn is jansson's UTF-8 check: NULL when invalid */
                if (!(*out = json_stringn(str_ptr(&o->via.str), o->via.str.size)))
                        return reject(reason, reason_size, "invalid_utf8: %s", where);
                break;
        case MSGPACK_OBJECT_ARRAY:
                if (!(*out = json_array()))
                        break;
                for (uint32_t i = 0; i < o->via.array.size; i++) {
                        if ((r = from_msgpack(&o->via.array.ptr[i], where, &child, reason,
                                              reason_size)))
                                goto fail;
                        if (json_array_append_new(*out, child))
                                goto nomem;
                }
                break;
        case MSGPACK_OBJECT_MAP:
                if (!(*out = json_object()))
                        break;
                for (uint32_t i = 0; i < o->via.map.size; i++) {
                        const msgpack_object_kv *kv = &o->via.map.ptr[i];

                        if (kv->key.type != MSGPACK_OBJECT_STR) {
                                r = reject(reason, reason_size,
                                           "invalid_msgpack: %s: map key is not a string",
                                           where);
                                goto fail;
                        }
                        if (memchr(str_ptr(&kv->key.via.str), '\0', kv->key.via.str.size)) {
                                r = reject(reason, reason_size,
                                           "invalid_msgpack: %s: map key holds a NUL", where);
                                goto fail;
                        }
                        if (!(key = strndup(str_ptr(&kv->key.via.str), kv->key.via.str.size)))
                                goto nomem;
                        r = from_msgpack(&kv->val, key, &child, reason, reason_size);
                        /* json_object_set_new checks the key's UTF-8 and
                         * consumes child either way */
                        if (!r && json_object_set_new(*out, key, child))
                                r = reject(reason, reason_size,
                                           "invalid_utf8: a map key in %s", where);
                        free(key);
                        if (r)
                                goto fail;
                }
                break;
        case MSGPACK_OBJECT_BIN:
                return reject(reason, reason_size, "invalid_msgpack: %s: bin is not supported",
                              where);
        case MSGPACK_OBJECT_EXT:
                return reject(reason, reason_size, "invalid_msgpack: %s: ext is not supported",
                              where);
        default:
                return reject(reason, reason_size, "invalid_msgpack: %s: unknown type %d",
                              where, (int)o->type);
        }
        if (*out)
                return 0;
nomem:
        r = RECALL_ENOMEM;
        reject(reason, reason_size, "out of memory");
fail:
        json_decref(*out);
        *out = NULL;
        return r;
}

/* msgpack-c's unpacker allocates each array and map at its declared size
 * before reading a single element, and gives up with NOMEM past 32 levels of
 * nesting: five bytes could ask for gigabytes, and a deep payload would read
 * as out of memory. So the payload is walked first: a count larger than the
 * bytes left cannot be honest (every element takes at least one byte), and
 * nesting is bounded by the unpacker's stack. Returns 0, or a reason. */
#define MSGPACK_MAX_DEPTH 32

static int msgpack_scan(const unsigned char *p, size_t len, size_t *off, int depth,
                        char *reason, size_t reason_size)
{
        static const unsigned char fixed[] = {
                /* 0xc0..0xdf: bytes after the type byte; 0xff: counted */
                [0x00] = 0, [0x01] = 0xff, [0x02] = 0, [0x03] = 0,
                [0x04] = 0xff, [0x05] = 0xff, [0x06] = 0xff,
                [0x07] = 0xff, [0x08] = 0xff, [0x09] = 0xff,
                [0x0a] = 4, [0x0b] = 8, [0x0c] = 1, [0x0d] = 2, [0x0e] = 4, [0x0f] = 8,
                [0x10] = 1, [0x11] = 2, [0x12] = 4, [0x13] = 8,
                [0x14] = 2, [0x15] = 3, [0x16] = 5, [0x17] = 9, [0x18] = 17,
                [0x19] = 0xff, [0x1a] = 0xff, [0x1b] = 0xff,
                [0x1c] = 0xff, [0x1d] = 0xff, [0x1e] = 0xff, [0x1f] = 0xff,
        };
        size_t n = 0, items = 0, width, skip = 0;
        unsigned char b;
        int container;

        if (*off >= len)
                return reject(reason, reason_size, "invalid_msgpack: truncated payload");
        b = p[(*off)++];
        if (b <= 0x7f || b >= 0xe0)
                return 0;
        container = b <= 0x9f || (b >= 0xdc && b <= 0xdf);
        if (b <= 0x8f)
                items = 2 * (size_t)(b & 0x0f);
        else if (b <= 0x9f)
                items = b & 0x0f;
        else if (b <= 0xbf)
                skip = b & 0x1f;
        else if (fixed[b - 0xc0] != 0xff)
                skip = fixed[b - 0xc0];
        else if (b == 0xc1)
                return reject(reason, reason_size, "invalid_msgpack: parse error");
        else {
                /* bin, ext, str: a length; array, map: a count */
                static const unsigned char widths[] = {1, 2, 4, 1, 2, 4};

                if (b >= 0xc4 && b <= 0xc9)
                        width = widths[b - 0xc4];
                else if (b >= 0xd9 && b <= 0xdb)
                        width = (size_t)1 << (b - 0xd9);
                else
                        width = b == 0xdc || b == 0xde ? 2 : 4;
                if (len - *off < width)
                        return reject(reason, reason_size, "invalid_msgpack: truncated payload");
                for (size_t i = 0; i < width; i++)
                        n = (n << 8) | p[(*off)++];
                if (b >= 0xdc)
                        items = b >= 0xde ? 2 * n : n;
                else
                        skip = n + (b >= 0xc7 && b <= 0xc9); /* ext: its type byte */
        }
        if (skip) {
                if (len - *off < skip)
                        return reject(reason, reason_size, "invalid_msgpack: truncated payload");
                *off += skip;
                return 0;
        }
        if (!container)
                return 0;
        /* the unpacker counts empty arrays and maps as a level too */
        if (depth >= MSGPACK_MAX_DEPTH)
                return reject(reason, reason_size,
                              "invalid_msgpack: nested deeper than %d levels", MSGPACK_MAX_DEPTH);
        if (items > len - *off)
                return reject(reason, reason_size,
                              "invalid_msgpack: %zu elements declared, %zu bytes left", items,
                              len - *off);
        for (size_t i = 0; i < items; i++) {
                int r = msgpack_scan(p, len, off, depth + 1, reason, reason_size);

                if (r)
                        return r;
        }
        return 0;
}

int recall_envelope_msgpack_check(const void *p, size_t len, char *reason, size_t reason_size)
{
        size_t off = 0;
        int r;

        if ((r = msgpack_scan(p, len, &off, 0, reason, reason_size)))
                return r;
        if (off != len)
                return reject(reason, reason_size, "invalid_msgpack: %zu trailing bytes", len - off);
        return 0;
}

static int decode_msgpack(const void *payload, size_t len, json_t **out, char *reason,
                          size_t reason_size)
{
        msgpack_unpacked result;
        msgpack_unpack_return ret;
        size_t off = 0;
        int r;

        if ((r = recall_envelope_msgpack_check(payload, len, reason, reason_size)))
                return r;
        msgpack_unpacked_init(&result);
        ret = msgpack_unpack_next(&result, payload, len, &off);
        if (ret == MSGPACK_UNPACK_SUCCESS && off != len)
                r = reject(reason, reason_size, "invalid_msgpack: %zu trailing bytes", len - off);
        else if (ret == MSGPACK_UNPACK_SUCCESS)
                r = from_msgpack(&result.data, "payload", out, reason, reason_size);
        else if (ret == MSGPACK_UNPACK_CONTINUE)
                r = reject(reason, reason_size, "invalid_msgpack: truncated payload");
        else if (ret == MSGPACK_UNPACK_NOMEM_ERROR)
                r = RECALL_ENOMEM, reject(reason, reason_size, "out of memory");
        else
                r = reject(reason, reason_size, "invalid_msgpack: parse error");
        msgpack_unpacked_destroy(&result);
        return r;
}

int recall_envelope_decode(const void *payload, size_t len,
                           const char *content_type, size_t max_bytes,
                           json_t **out, char *reason, size_t reason_size)
{
        json_error_t err;

        *out = NULL;
        if (len > max_bytes)
                return reject(reason, reason_size, "too_large: payload is %zu bytes, limit %zu",
                              len, max_bytes);
        if (content_type && content_type_is(content_type, RECALL_CONTENT_TYPE_MSGPACK))
                return decode_msgpack(payload, len, out, reason, reason_size);
        if (content_type && !content_type_is(content_type, RECALL_CONTENT_TYPE_JSON))
                return reject(reason, reason_size, "invalid_encoding: content type '%s'",
                              content_type);
        /* any top-level value, so that "42" is reported as not_object */
        if (!(*out = json_loadb(payload, len, JSON_DECODE_ANY, &err)))
                return reject(reason, reason_size, "invalid_json: %s at position %d", err.text,
                              err.position);
        return 0;
}

static int to_msgpack(msgpack_packer *pk, const json_t *v)
{
        const char *key;
        json_t *child;
        size_t i, n;
        int r = 0;

        switch (json_typeof(v)) {
        case JSON_OBJECT:
                r = msgpack_pack_map(pk, json_object_size(v));
                json_object_foreach((json_t *)v, key, child) {
                        n = strlen(key);
                        if (r || (r = msgpack_pack_str(pk, n)) ||
                            (r = msgpack_pack_str_body(pk, key, n)) ||
                            (r = to_msgpack(pk, child)))
                                break;
                }
                return r;
        case JSON_ARRAY:
                r = msgpack_pack_array(pk, json_array_size(v));
                json_array_foreach(v, i, child) {
                        if (r || (r = to_msgpack(pk, child)))
                                break;
                }
                return r;
        case JSON_STRING:
                n = json_string_length(v);
                if ((r = msgpack_pack_str(pk, n)))
                        return r;
                return msgpack_pack_str_body(pk, json_string_value(v), n);
        case JSON_INTEGER:
                return msgpack_pack_int64(pk, json_integer_value(v));
        case JSON_REAL:
                return msgpack_pack_double(pk, json_real_value(v));
        case JSON_TRUE:
                return msgpack_pack_true(pk);
        case JSON_FALSE:
                return msgpack_pack_false(pk);
        case JSON_NULL:
                return msgpack_pack_nil(pk);
        }
        return -1;
}

int recall_envelope_encode(const json_t *root, const char *content_type,
                           char **buf, size_t *len)
{
        msgpack_sbuffer sbuf;
        msgpack_packer pk;

        *buf = NULL;
        *len = 0;
        if (!root)
                return RECALL_EINVAL;
        if (content_type && content_type_is(content_type, RECALL_CONTENT_TYPE_MSGPACK)) {
                msgpack_sbuffer_init(&sbuf);
                msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
                if (to_msgpack(&pk, root)) {
                        msgpack_sbuffer_destroy(&sbuf);
                        return RECALL_ENOMEM;
                }
                *buf = sbuf.data; /* malloc'd by the sbuffer: the caller frees it */
                *len = sbuf.size;
                return 0;
        }
        if (content_type && !content_type_is(content_type, RECALL_CONTENT_TYPE_JSON))
                return RECALL_EINVAL;
        if (!(*buf = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY)))
                return RECALL_ENOMEM;
        *len = strlen(*buf);
        return 0;
}

int recall_envelope_check_id(const char *s)
{
        size_t n;

        if (!s)
                return RECALL_EINVAL;
        for (n = 0; s[n]; n++) {
                if (n >= RECALL_ID_MAX ||
                    !(isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.' || s[n] == '-'))
                        return RECALL_EINVAL;
        }
        return n ? 0 : RECALL_EINVAL;
}

static const char *type_phrase(const json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_OBJECT: return "an object";
        case JSON_ARRAY: return "an array";
        case JSON_STRING: return "a string";
        case JSON_INTEGER: return "an integer";
        case JSON_REAL: return "a real";
        case JSON_TRUE:
        case JSON_FALSE: return "a boolean";
        case JSON_NULL: return "null";
        }
        return "unknown";
}

/* A required string field: missing (or null) and non-string are told apart. */
static int required_string(const json_t *root, const char *name, const char **out,
                           char *reason, size_t reason_size)
{
        const json_t *v = json_object_get(root, name);

        if (!v || json_is_null(v))
                return reject(reason, reason_size, "missing_field: %s", name);
        if (!json_is_string(v))
                return reject(reason, reason_size, "invalid_field: %s is %s", name,
                              type_phrase(v));
        *out = json_string_value(v);
        return 0;
}

/* An optional string field: absent or null leaves *out NULL. */
static int optional_string(const json_t *obj, const char *name, const char *label,
                           const char **out, char *reason, size_t reason_size)
{
        const json_t *v = json_object_get(obj, name);

        *out = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return reject(reason, reason_size, "invalid_field: %s is %s", label,
                              type_phrase(v));
        *out = json_string_value(v);
        return 0;
}

static int parse_contact(const json_t *root, recall_inbound_t *msg, char *reason,
                         size_t reason_size)
{
        const json_t *contact = json_object_get(root, "contact");
        int r;

        if (!contact || json_is_null(contact))
                return 0;
        if (!json_is_object(contact))
                return reject(reason, reason_size, "invalid_field: contact is %s",
                              type_phrase(contact));
        if ((r = optional_string(contact, "name", "contact.name", &msg->contact_name, reason,
                                 reason_size)) ||
            (r = optional_string(contact, "phone", "contact.phone", &msg->contact_phone,
                                 reason, reason_size)))
                return r;
        return optional_string(contact, "email", "contact.email", &msg->contact_email, reason,
                               reason_size);
}

/* root is an object holding each of names as a string, stored in fields. */
static int required_object(const json_t *root, const char *const *names,
                           const char **const *fields, size_t n, char *reason,
                           size_t reason_size)
{
        int r;

        if (!root)
                return reject(reason, reason_size, "not_object: payload is missing");
        if (!json_is_object(root))
                return reject(reason, reason_size, "not_object: payload is %s",
                              type_phrase(root));
        for (size_t i = 0; i < n; i++)
                if ((r = required_string(root, names[i], fields[i], reason, reason_size)))
                        return r;
        return 0;
}

int recall_inbound_parse(const json_t *root, size_t body_max,
                         recall_inbound_t *msg, char *reason,
                         size_t reason_size)
{
        static const char *const required[] = {"type", "locationId", "contactId", "messageId",
                                         "body", "messageType", "direction", "dateAdded"};
        const char **fields[] = {&msg->type, &msg->tenant_id, &msg->contact_id,
                                 &msg->message_id, &msg->body, &msg->message_type,
                                 &msg->direction, NULL /* date */};
        const char *date = NULL;
        size_t body_len;
        int inbound, r;

        memset(msg, 0, sizeof(*msg));
        fields[7] = &date;
        if ((r = required_object(root, required, fields, 8, reason, reason_size)))
                return r;
        if (strcmp(msg->type, "InboundMessage") && strcmp(msg->type, "OutboundMessage"))
                return reject(reason, reason_size, "invalid_field: type");
        if (recall_envelope_check_id(msg->tenant_id))
                return reject(reason, reason_size, "invalid_id: locationId");
        if (recall_envelope_check_id(msg->contact_id))
                return reject(reason, reason_size, "invalid_id: contactId");
        if (recall_envelope_check_id(msg->message_id))
                return reject(reason, reason_size, "invalid_id: messageId");
        if ((r = optional_string(root, "conversationId", "conversationId",
                                 &msg->conversation_id, reason, reason_size)))
                return r;
        if (msg->conversation_id && recall_envelope_check_id(msg->conversation_id))
                return reject(reason, reason_size, "invalid_id: conversationId");
        /* jansson strings are UTF-8 already; a NUL would cut the C string */
        body_len = json_string_length(json_object_get(root, "body"));
        if (strlen(msg->body) != body_len)
                return reject(reason, reason_size, "invalid_field: body holds a NUL");
        if (body_len > body_max)
                return reject(reason, reason_size, "too_large: body is %zu bytes, limit %zu",
                              body_len, body_max);
        if (!*msg->message_type)
                return reject(reason, reason_size, "invalid_field: messageType is empty");
        inbound = !strcmp(msg->type, "InboundMessage");
        if (strcmp(msg->direction, inbound ? "inbound" : "outbound"))
                return reject(reason, reason_size, "invalid_field: direction");
        if (recall_time_parse_iso8601(date, &msg->at_ms))
                return reject(reason, reason_size, "invalid_field: dateAdded");
        if ((r = parse_contact(root, msg, reason, reason_size)) ||
            (r = optional_string(root, "leadType", "leadType", &msg->lead_type, reason,
                                 reason_size)))
                return r;
        if (msg->lead_type && strcmp(msg->lead_type, "buyer") && strcmp(msg->lead_type, "seller"))
                return reject(reason, reason_size, "invalid_field: leadType");
        return 0;
}

int recall_inbound_from_lead(const recall_inbound_t *msg)
{
        return msg->type && msg->direction && !strcmp(msg->type, "InboundMessage") &&
               !strcmp(msg->direction, "inbound");
}

recall_inbound_kind_t recall_inbound_kind(const json_t *root)
{
        const char *type = json_string_value(json_object_get(root, "type"));

        if (!type)
                return RECALL_INBOUND_OTHER;
        if (!strcmp(type, "InboundMessage") || !strcmp(type, "OutboundMessage"))
                return RECALL_INBOUND_MESSAGE;
        if (!strcmp(type, "ContactCreate") || !strcmp(type, "ContactUpdate"))
                return RECALL_INBOUND_CONTACT_UPDATE;
        if (!strcmp(type, "ContactDelete"))
                return RECALL_INBOUND_CONTACT_DELETE;
        return RECALL_INBOUND_OTHER;
}

/* Well-formed UTF-8 of len bytes (no overlongs, surrogates, code points
 * past U+10FFFF). A tree from recall_envelope_decode is UTF-8 already, but
 * recall-ingest validates trees it built itself, where json_string_nocheck
 * or json_stringn could have let anything in. */
static int utf8_valid(const unsigned char *p, size_t len)
{
        size_t i = 0;
        unsigned cp;
        int n;

        while (i < len) {
                if (p[i] < 0x80) {
                        i++;
                        continue;
                }
                if (p[i] >= 0xc2 && p[i] <= 0xdf)
                        n = 1, cp = p[i] & 0x1f;
                else if (p[i] >= 0xe0 && p[i] <= 0xef)
                        n = 2, cp = p[i] & 0x0f;
                else if (p[i] >= 0xf0 && p[i] <= 0xf4)
                        n = 3, cp = p[i] & 0x07;
                else
                        return 0;
                if (len - i <= (size_t)n)
                        return 0;
                for (int k = 1; k <= n; k++) {
                        if ((p[i + k] & 0xc0) != 0x80)
                                return 0;
                        cp = cp << 6 | (p[i + k] & 0x3f);
                }
                if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return 0;
                i += n + 1;
        }
        return 1;
}

/* One optional contact detail: a string without NUL, valid UTF-8, at most
 * max bytes. */
static int contact_detail(const json_t *contact, const char *name, const char *label,
                          size_t max, const char **out, char *reason, size_t reason_size)
{
        size_t len;
        int r;

        if ((r = optional_string(contact, name, label, out, reason, reason_size)) || !*out)
                return r;
        len = json_string_length(json_object_get(contact, name));
        if (strlen(*out) != len)
                return reject(reason, reason_size, "invalid_field: %s holds a NUL", label);
        if (!utf8_valid((const unsigned char *)*out, len))
                return reject(reason, reason_size, "invalid_utf8: %s", label);
        if (len > max)
                return reject(reason, reason_size, "invalid_field: %s is %zu bytes, limit %zu",
                              label, len, max);
        return 0;
}

int recall_contact_event_parse(const json_t *root, recall_contact_event_t *ev,
                               char *reason, size_t reason_size)
{
        static const char *const required[] = {"type", "locationId", "contactId", "eventId",
                                         "dateAdded"};
        const char *date = NULL;
        const char **fields[] = {&ev->type, &ev->tenant_id, &ev->contact_id, &ev->event_id,
                                 &date};
        const json_t *contact;
        recall_inbound_kind_t kind;
        int r;

        memset(ev, 0, sizeof(*ev));
        if ((r = required_object(root, required, fields, sizeof(required) / sizeof(required[0]),
                                 reason, reason_size)))
                return r;
        kind = recall_inbound_kind(root);
        if (kind != RECALL_INBOUND_CONTACT_UPDATE && kind != RECALL_INBOUND_CONTACT_DELETE)
                return reject(reason, reason_size, "invalid_field: type");
        ev->erase = kind == RECALL_INBOUND_CONTACT_DELETE;
        if (recall_envelope_check_id(ev->tenant_id))
                return reject(reason, reason_size, "invalid_id: locationId");
        if (recall_envelope_check_id(ev->contact_id))
                return reject(reason, reason_size, "invalid_id: contactId");
        if (recall_envelope_check_id(ev->event_id))
                return reject(reason, reason_size, "invalid_id: eventId");
        if (recall_time_parse_iso8601(date, &ev->at_ms))
                return reject(reason, reason_size, "invalid_field: dateAdded");
        contact = json_object_get(root, "contact");
        if (ev->erase || !contact || json_is_null(contact))
                return 0;
        if (!json_is_object(contact))
                return reject(reason, reason_size, "invalid_field: contact is %s",
                              type_phrase(contact));
        if ((r = contact_detail(contact, "name", "contact.name", RECALL_CONTACT_NAME_MAX,
                                &ev->name, reason, reason_size)) ||
            (r = contact_detail(contact, "phone", "contact.phone", RECALL_CONTACT_PHONE_MAX,
                                &ev->phone, reason, reason_size)))
                return r;
        return contact_detail(contact, "email", "contact.email", RECALL_CONTACT_EMAIL_MAX,
                              &ev->email, reason, reason_size);
}
