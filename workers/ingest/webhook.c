/* webhook.c: judging and routing one CRM webhook (see webhook.h).
 *
 * Everything a webhook becomes is decided here from its bytes, so the HTTP
 * server only moves bytes and the fuzzer reaches every branch. Inbound and
 * outbound messages travel as sent (recall-memory validates them with the
 * same recall_inbound_parse, so what is accepted here is accepted there);
 * contact and appointment webhooks are normalised, because the CRM sends
 * them in several shapes. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webhook.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/time.h"

#define EVENT_ID_MAX 96 /* leaves room for "le-" and other prefixes */

/* A listing named in an appointment's title, notes or address:
 * "MLS# 7731234", "Listing ID: TX-55821". The key must hold a digit, so
 * "listing details" names nothing. */
static const char listing_pattern[] =
        "\\b(?:mls|listing)\\s*(?:#|no\\.?|number|id|key)?\\s*[:#]?\\s*"
        "([A-Za-z0-9][A-Za-z0-9._-]{2,63})";

static pcre2_code *listing_re;
static pthread_once_t listing_once = PTHREAD_ONCE_INIT;

static void listing_compile(void)
{
        int err;
        PCRE2_SIZE off;

        listing_re = pcre2_compile((PCRE2_SPTR)listing_pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_CASELESS | PCRE2_UTF, &err, &off, NULL);
        if (listing_re)
                pcre2_jit_compile(listing_re, PCRE2_JIT_COMPLETE);
}

int webhook_content_type_ok(const char *content_type)
{
        static const char json[] = "application/json";
        size_t n = sizeof(json) - 1;

        if (!content_type)
                return 0;
        while (*content_type == ' ')
                content_type++;
        return !strncasecmp(content_type, json, n) &&
               (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

static int fail(webhook_result_t *res, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(webhook_result_t *res, int status, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
        va_end(ap);
        res->status = status;
        return status;
}

/* For a reason already written into res->reason by the callee. */
static int fail_as(webhook_result_t *res, int status)
{
        res->status = status;
        return status;
}

/* A string member that is present and not empty, or NULL. */
static const char *str_member(const json_t *obj, const char *name)
{
        const char *s = json_string_value(json_object_get(obj, name));

        return s && *s ? s : NULL;
}

/* The event id of the webhook: its webhookId when that is a usable id,
 * else "wh-" and 32 hex digits of a BLAKE2b hash of the body, so a repeated
 * delivery gets the same id either way. */
static void event_id(const json_t *root, const webhook_request_t *req, char *buf,
                     size_t size)
{
        const char *id = str_member(root, "webhookId");
        unsigned char hash[16];
        char hex[sizeof(hash) * 2 + 1];

        if (id && strlen(id) <= EVENT_ID_MAX && !recall_envelope_check_id(id)) {
                snprintf(buf, size, "%s", id);
                return;
        }
        crypto_generichash(hash, sizeof(hash), req->body, req->len, NULL, 0);
        sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
        snprintf(buf, size, "wh-%s", hex);
}

/* The time of an event: the first of the members that parses as ISO-8601,
 * else the receive time. */
static int64_t event_time(const json_t *obj, const char *const *members,
                          int64_t now_ms)
{
        int64_t at;

        for (; *members; members++) {
                const char *s = str_member(obj, *members);

                if (s && !recall_time_parse_iso8601(s, &at))
                        return at;
        }
        return now_ms;
}

static int add_output(webhook_result_t *res, const webhook_settings_t *settings,
                      const char *topic, const char *tenant_id,
                      const char *contact_id, const char *value, size_t len)
{
        webhook_output_t *out = &res->out[res->n_out];
        size_t key_len = strlen(tenant_id) + strlen(contact_id) + 2;

        if (len > settings->message_max)
                return fail(res, 413, "too_large: the message for '%s' would be %zu bytes "
                            "(message.max_bytes %zu)", topic, len, settings->message_max);
        if (!(out->key = malloc(key_len)) || !(out->value = malloc(len + 1))) {
                free(out->key);
                out->key = NULL;
                return fail(res, 429, "out_of_memory: try again");
        }
        snprintf(out->key, key_len, "%s:%s", tenant_id, contact_id);
        memcpy(out->value, value, len);
        out->value[len] = '\0';
        out->value_len = len;
        out->topic = topic;
        res->n_out++;
        return 0;
}

/* Encodes doc (a new reference, released here) as an output. */
static int add_json(webhook_result_t *res, const webhook_settings_t *settings,
                    const char *topic, const char *tenant_id,
                    const char *contact_id, json_t *doc)
{
        char *text;
        int r;

        if (!doc || !(text = json_dumps(doc, JSON_COMPACT))) {
                json_decref(doc);
                return fail(res, 429, "out_of_memory: try again");
        }
        json_decref(doc);
        r = add_output(res, settings, topic, tenant_id, contact_id, text, strlen(text));
        free(text);
        return r;
}

static int route_message(const webhook_settings_t *settings,
                         const webhook_request_t *req, const json_t *root,
                         webhook_result_t *res, const char **tenant_id)
{
        recall_inbound_t msg;

        if (recall_inbound_parse(root, settings->text_max, &msg, res->reason,
                                 sizeof(res->reason)))
                return fail_as(res, 400);
        *tenant_id = msg.tenant_id;
        return add_output(res, settings, "messages.inbound", msg.tenant_id, msg.contact_id,
                          req->body, req->len);
}

/* A contact detail: a string of at most max bytes, or absent. */
static int contact_field(webhook_result_t *res, const json_t *obj, const char *name,
                         size_t max, const char **out)
{
        const json_t *v = json_object_get(obj, name);

        *out = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return fail(res, 400, "invalid_field: %s must be a string", name);
        if (json_string_length(v) > max)
                return fail(res, 400, "invalid_field: %s longer than %zu bytes", name, max);
        *out = json_string_length(v) ? json_string_value(v) : NULL;
        return 0;
}

/* The contact of a contact webhook: the top level (flat shape) or its data
 * object (wrapped shape). */
static const json_t *contact_object(const json_t *root)
{
        const json_t *data = json_object_get(root, "data");

        return json_is_object(data) ? data : root;
}

static int route_contact(const webhook_settings_t *settings,
                         const webhook_request_t *req, const json_t *root,
                         const char *type, webhook_result_t *res,
                         const char **tenant_id)
{
        static const char *const times[] = {"dateUpdated", "timestamp", "dateAdded", NULL};
        static const char *const delete_times[] = {"timestamp", NULL};
        const json_t *c = contact_object(root);
        const char *contact_id, *name, *first, *last, *phone, *email;
        char id[EVENT_ID_MAX + 8], at[40], full[2 * RECALL_CONTACT_NAME_MAX + 2];
        int deleting = !strcmp(type, "ContactDelete");
        recall_contact_event_t ev;
        json_t *doc, *details;

        if (!(*tenant_id = str_member(root, "locationId")) &&
            !(*tenant_id = str_member(c, "locationId")))
                return fail(res, 400, "missing_field: locationId");
        if (recall_envelope_check_id(*tenant_id))
                return fail(res, 400, "invalid_id: locationId");
        if (!(contact_id = str_member(c, "id")) && !(contact_id = str_member(c, "contactId")))
                return fail(res, 400, "missing_field: id (the contact)");
        if (recall_envelope_check_id(contact_id))
                return fail(res, 400, "invalid_id: contact id");
        event_id(root, req, id, sizeof(id));
        recall_time_format_iso8601(event_time(c, deleting ? delete_times : times, req->now_ms),
                                   at, sizeof(at));
        if (!(doc = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", type, "locationId",
                              *tenant_id, "contactId", contact_id, "eventId", id, "dateAdded",
                              at)))
                return fail(res, 429, "out_of_memory: try again");
        if (!deleting) {
                if (contact_field(res, c, "name", RECALL_CONTACT_NAME_MAX, &name) ||
                    contact_field(res, c, "firstName", RECALL_CONTACT_NAME_MAX, &first) ||
                    contact_field(res, c, "lastName", RECALL_CONTACT_NAME_MAX, &last) ||
                    contact_field(res, c, "phone", RECALL_CONTACT_PHONE_MAX, &phone) ||
                    contact_field(res, c, "email", RECALL_CONTACT_EMAIL_MAX, &email)) {
                        json_decref(doc);
                        return res->status;
                }
                if (!name && (first || last)) {
                        snprintf(full, sizeof(full), "%s%s%s", first ? first : "",
                                 first && last ? " " : "", last ? last : "");
                        name = full;
                }
                details = json_object();
                if (name)
                        json_object_set_new(details, "name", json_string(name));
                if (phone)
                        json_object_set_new(details, "phone", json_string(phone));
                if (email)
                        json_object_set_new(details, "email", json_string(email));
                json_object_set_new(doc, "contact", details);
        }
        /* what recall-memory will accept, judged the way it judges it */
        if (recall_contact_event_parse(doc, &ev, res->reason, sizeof(res->reason))) {
                json_decref(doc);
                return fail_as(res, 400);
        }
        return add_json(res, settings, "messages.inbound", *tenant_id, contact_id, doc);
}

/* The listing an appointment is about: an explicit member, else a key
 * named in its title, notes or address. Written to buf; 0 when none. */
static int appointment_listing(const json_t *ap, char *buf, size_t size)
{
        static const char *const explicit[] = {"listingKey", "listing_key", "listingId", NULL};
        static const char *const texts[] = {"title", "notes", "address", NULL};
        const char *const *m;
        pcre2_match_data *md;
        int found = 0;

        for (m = explicit; *m; m++) {
                const char *s = str_member(ap, *m);

                if (s && !recall_envelope_check_id(s)) {
                        snprintf(buf, size, "%s", s);
                        return 1;
                }
        }
        pthread_once(&listing_once, listing_compile);
        if (!listing_re || !(md = pcre2_match_data_create_from_pattern(listing_re, NULL)))
                return 0;
        for (m = texts; *m && !found; m++) {
                const char *s = str_member(ap, *m);
                PCRE2_SIZE off = 0, *ov;

                while (s && !found &&
                       pcre2_match(listing_re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, off, 0, md,
                                   NULL) > 1) {
                        ov = pcre2_get_ovector_pointer(md);
                        off = ov[1];
                        if (strpbrk(s + ov[2], "0123456789") &&
                            strpbrk(s + ov[2], "0123456789") < s + ov[3] && ov[3] - ov[2] < size) {
                                memcpy(buf, s + ov[2], ov[3] - ov[2]);
                                buf[ov[3] - ov[2]] = '\0';
                                found = 1;
                        }
                }
        }
        pcre2_match_data_free(md);
        return found;
}

static int cancelled(const char *status)
{
        static const char *const gone[] = {"cancelled", "canceled", "noshow", "no_show", "invalid"};

        for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
                if (!strcasecmp(status, gone[i]))
                        return 1;
        return 0;
}

static int route_appointment(const webhook_settings_t *settings,
                             const webhook_request_t *req, const json_t *root,
                             webhook_result_t *res, const char **tenant_id)
{
        static const char *const times[] = {"dateUpdated", "timestamp", "dateAdded", NULL};
        const json_t *data = json_object_get(root, "data"), *ap;
        const char *contact_id, *ap_id, *status, *s;
        char id[EVENT_ID_MAX + 8], le_id[EVENT_ID_MAX + 16], tour_id[RECALL_ID_MAX + 8];
        char at[40], listing[72];
        int has_listing, gone;
        json_t *doc, *detail;

        if (!json_is_object(data))
                data = root;
        if (!json_is_object(ap = json_object_get(data, "appointment")))
                ap = data;
        if (!(*tenant_id = str_member(root, "locationId")) &&
            !(*tenant_id = str_member(ap, "locationId")))
                return fail(res, 400, "missing_field: locationId");
        if (recall_envelope_check_id(*tenant_id))
                return fail(res, 400, "invalid_id: locationId");
        if (!(ap_id = str_member(ap, "id")))
                return fail(res, 400, "missing_field: appointment.id");
        if (recall_envelope_check_id(ap_id) || strlen(ap_id) > RECALL_ID_MAX - 4)
                return fail(res, 400, "invalid_id: appointment.id");
        if (!(contact_id = str_member(ap, "contactId")))
                return fail(res, 400, "missing_field: appointment.contactId");
        if (recall_envelope_check_id(contact_id))
                return fail(res, 400, "invalid_id: appointment.contactId");
        if (!(status = str_member(ap, "appointmentStatus")) && !(status = str_member(ap, "status")))
                status = "confirmed";
        if (strlen(status) > 32)
                return fail(res, 400, "invalid_field: appointmentStatus");
        gone = cancelled(status);
        has_listing = appointment_listing(ap, listing, sizeof(listing));
        event_id(root, req, id, sizeof(id));
        snprintf(le_id, sizeof(le_id), "le-%s", id);
        recall_time_format_iso8601(event_time(ap, times, req->now_ms), at, sizeof(at));

        detail = json_pack("{s:s, s:s}", "id", ap_id, "status", status);
        if (detail) {
                static const char *const copied[][2] = {{"title", "title"},
                                                        {"startTime", "start"},
                                                        {"endTime", "end"},
                                                        {"address", "address"}};

                for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
                        if ((s = str_member(ap, copied[i][0])) && strlen(s) <= 512)
                                json_object_set_new(detail, copied[i][1], json_string(s));
                if (has_listing)
                        json_object_set_new(detail, "listing_key", json_string(listing));
        }
        doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o*}", "tenant_id", *tenant_id,
                        "contact_id", contact_id, "event_id", le_id, "type", "appointment",
                        "signal", gone ? "tour_cancelled" : "tour_booked", "cause_id", id, "at",
                        at, "appointment", detail);
        if (add_json(res, settings, "lead.events", *tenant_id, contact_id, doc))
                return res->status;
        if (!has_listing || gone)
                return 0;
        /* one tour per appointment however often it is updated */
        snprintf(tour_id, sizeof(tour_id), "ap-%s", ap_id);
        doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "tenant_id", *tenant_id,
                        "contact_id", contact_id, "event_id", tour_id, "kind", "tour",
                        "listing_key", listing, "at", at);
        return add_json(res, settings, "prefs.update", *tenant_id, contact_id, doc);
}

static const char *const message_types[] = {"InboundMessage", "OutboundMessage", NULL};
static const char *const contact_types[] = {"ContactCreate", "ContactUpdate", "ContactDelete",
                                            NULL};
static const char *const appointment_types[] = {"AppointmentCreate", "AppointmentUpdate", NULL};

/* The static name of type within list, or NULL. */
static const char *known(const char *const *list, const char *type)
{
        for (; *list; list++)
                if (!strcmp(*list, type))
                        return *list;
        return NULL;
}

int webhook_handle(const webhook_settings_t *settings,
                   const webhook_request_t *req, webhook_result_t *res)
{
        const char *type, *tenant_id = NULL;
        json_t *root = NULL;
        int r;

        memset(res, 0, sizeof(*res));
        res->type = "";
        res->status = 200;
        if (!webhook_content_type_ok(req->content_type))
                return fail(res, 415, "unsupported_media_type: Content-Type must be "
                            "application/json");
        if (req->len > settings->body_max)
                return fail(res, 413, "too_large: body over %zu bytes", settings->body_max);
        if (settings->keys &&
            signature_verify(settings->keys, req->ghl_signature, req->wh_signature, req->body,
                             req->len, res->reason, sizeof(res->reason)))
                return fail_as(res, 401);
        if (recall_envelope_decode(req->body, req->len, RECALL_CONTENT_TYPE_JSON,
                                   settings->body_max, &root, res->reason,
                                   sizeof(res->reason)))
                return fail_as(res, 400);
        if (!json_is_object(root)) {
                json_decref(root);
                return fail(res, 400, "not_object: the body must be a JSON object");
        }
        if (!(type = str_member(root, "type"))) {
                json_decref(root);
                return fail(res, 400, "missing_field: type");
        }
        if ((res->type = known(message_types, type)))
                r = route_message(settings, req, root, res, &tenant_id);
        else if ((res->type = known(contact_types, type)))
                r = route_contact(settings, req, root, res->type, res, &tenant_id);
        else if ((res->type = known(appointment_types, type)))
                r = route_appointment(settings, req, root, res, &tenant_id);
        else
                res->type = "other", r = 0;
        if (!r && tenant_id) {
                r = settings->tenant_known(settings->tenant_opaque, tenant_id);
                if (r == 0)
                        r = fail(res, 404, "unknown_tenant: locationId '%s' is not a "
                                 "registered tenant", tenant_id);
                else if (r < 0)
                        r = fail(res, 429, "store_unavailable: cannot look up the tenant");
                else
                        r = 0;
        }
        json_decref(root);
        if (r)
                webhook_result_release(res);
        return res->status;
}

void webhook_result_release(webhook_result_t *res)
{
        for (size_t i = 0; i < res->n_out; i++) {
                free(res->out[i].key);
                free(res->out[i].value);
        }
        res->n_out = 0;
}

const char *webhook_reason_code(const webhook_result_t *res, char *buf, size_t size)
{
        size_t n = strcspn(res->reason, ":");

        snprintf(buf, size, "%.*s", (int)n, res->reason);
        return buf;
}
