/* learn.c: one lead message's lesson (see learn.h).
 *
 * The outputs are built here, as the exact payloads to publish, because they
 * are recorded in the store's outbox with the message: a crash before they
 * are delivered republishes these bytes, not a recomputation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "recall/directive.h"
#include "recall/error.h"
#include "recall/qualify.h"
#include "recall/time.h"

#define ALL_SEVEN 0x7fu

/* Appends {topic, key, payload} with payload the compact JSON of doc
 * (consumed). */
static int add_output(json_t *outputs, const char *topic, const char *key, json_t *doc)
{
        char *payload;
        int rc;

        if (!doc)
                return RECALL_ENOMEM;
        payload = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(doc);
        if (!payload)
                return RECALL_ENOMEM;
        rc = json_array_append_new(outputs, json_pack("{s:s, s:s, s:s}", "topic", topic,
                                                      "key", key, "payload", payload))
                     ? RECALL_ENOMEM
                     : 0;
        free(payload);
        return rc;
}

/* The stated preferences of x (the contract fields a listing can match),
 * or NULL when the message states none. New reference. */
static json_t *stated_prefs(const recall_extraction_t *x)
{
        json_t *stated = json_object(), *list;
        size_t i;

        if (!stated)
                return NULL;
        if (x->budget_min >= 0)
                json_object_set_new(stated, "budget_min", json_integer(x->budget_min));
        if (x->budget_max >= 0)
                json_object_set_new(stated, "budget_max", json_integer(x->budget_max));
        if (x->bedrooms_min >= 0)
                json_object_set_new(stated, "bedrooms_min", json_integer(x->bedrooms_min));
        if (x->bathrooms_min >= 0)
                json_object_set_new(stated, "bathrooms_min", json_real(x->bathrooms_min));
        if (x->property_type)
                json_object_set_new(stated, "property_type", json_string(x->property_type));
        if (x->n_locations && (list = json_array())) {
                for (i = 0; i < x->n_locations; i++)
                        json_array_append_new(list, json_string(x->locations[i]));
                json_object_set_new(stated, "locations", list);
        }
        if (x->must_haves && (list = json_array())) {
                for (i = 0; i < RECALL_MUST_COUNT; i++)
                        if (x->must_haves & (1u << i))
                                json_array_append_new(list, json_string(recall_must_have_name((int)i)));
                json_object_set_new(stated, "must_haves", list);
        }
        if (!json_object_size(stated)) {
                json_decref(stated);
                return NULL;
        }
        return stated;
}

static json_t *lead_event(const recall_inbound_t *msg, const char *type, const char *at,
                          const char *variant)
{
        char event_id[RECALL_ID_MAX + 32];

        snprintf(event_id, sizeof(event_id), "le-%s-%s", msg->message_id, type);
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s*}", "tenant_id", msg->tenant_id,
                         "contact_id", msg->contact_id, "event_id", event_id, "type", type,
                         "cause_id", msg->message_id, "at", at, "variant", variant);
}

/* The handoff event: why, and what the agent should know first. */
static json_t *handoff_event(const recall_inbound_t *msg, const char *at, const char *variant,
                             const char *reason, const learn_result_t *r)
{
        json_t *ev = lead_event(msg, "handoff", at, variant);

        if (ev) {
                json_object_set_new(ev, "reason", json_string(reason));
                json_object_set_new(ev, "temperature", json_string(r->temperature));
        }
        return ev;
}

static int announce(const recall_inbound_t *msg, const recall_extraction_t *x,
                    const char *old_temp, const learn_result_t *r, int was_qualified,
                    recall_directive_t directive, const char *variant, json_t *outputs)
{
        char key[2 * RECALL_ID_MAX + 2], at[32], event_id[RECALL_ID_MAX + 8];
        json_t *ev, *stated;
        int rc;

        snprintf(key, sizeof(key), "%s:%s", msg->tenant_id, msg->contact_id);
        recall_time_format_iso8601(msg->at_ms, at, sizeof(at));
        if (r->opt_changed &&
            (rc = add_output(outputs, "lead.events", key,
                             lead_event(msg, r->opted_out ? "opted_out" : "opted_in", at,
                                        variant))))
                return rc;
        if (strcmp(old_temp, r->temperature)) {
                if ((ev = lead_event(msg, "temperature_changed", at, variant))) {
                        json_object_set_new(ev, "old", json_string(old_temp));
                        json_object_set_new(ev, "new", json_string(r->temperature));
                }
                if ((rc = add_output(outputs, "lead.events", key, ev)))
                        return rc;
        }
        if (r->qualified && !was_qualified &&
            (rc = add_output(outputs, "lead.events", key,
                             lead_event(msg, "qualified", at, variant))))
                return rc;
        if (!r->opted_out && directive == RECALL_DIRECTIVE_HUMAN &&
            (rc = add_output(outputs, "lead.events", key,
                             handoff_event(msg, at, variant, "asked_for_human", r))))
                return rc;
        if (!r->opted_out && directive != RECALL_DIRECTIVE_HUMAN &&
            !strcmp(r->temperature, "hot") && strcmp(old_temp, "hot") &&
            (rc = add_output(outputs, "lead.events", key,
                             handoff_event(msg, at, variant, "turned_hot", r))))
                return rc;
        if ((stated = stated_prefs(x))) {
                snprintf(event_id, sizeof(event_id), "pu-%s", msg->message_id);
                rc = add_output(outputs, "prefs.update", key,
                                json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s}", "tenant_id",
                                          msg->tenant_id, "contact_id", msg->contact_id,
                                          "event_id", event_id, "kind", "stated", "stated",
                                          stated, "cause_id", msg->message_id, "at", at));
                if (rc)
                        return rc;
        }
        return 0;
}

int learn_message(recall_extractor_t *ex, const recall_gazetteer_t *gaz, int session_gap_s,
                  const char *variant, const recall_inbound_t *msg,
                  const recall_store_insert_t *before, learn_result_t *out)
{
        recall_directive_t directive;
        recall_extraction_t x;
        recall_qualify_t *q = NULL;
        json_t *doc = NULL;
        const char *old_temp;
        int was_qualified, rc;

        memset(out, 0, sizeof(*out));
        out->returning_gap_s = -1;
        directive = recall_directive_detect(msg->body, strlen(msg->body), before->opted_out);
        out->opted_out = directive == RECALL_DIRECTIVE_OPT_OUT  ? 1
                         : directive == RECALL_DIRECTIVE_OPT_IN ? 0
                                                                : before->opted_out;
        out->opt_changed = out->opted_out != before->opted_out;
        if ((rc = recall_extract(ex, gaz, msg->body, strlen(msg->body), &x)))
                return rc;
        rc = RECALL_EINVAL;
        if (before->qualification) {
                if (!(doc = json_loads(before->qualification, 0, NULL)) ||
                    !(q = recall_qualify_from_json(doc, NULL, 0)))
                        goto out;
        } else if (!(q = recall_qualify_new())) {
                rc = RECALL_ENOMEM;
                goto out;
        }
        old_temp = recall_qualify_temperature(q);
        was_qualified = recall_qualify_answered(q) == ALL_SEVEN;
        if ((rc = recall_qualify_apply(q, &x, msg->message_id, msg->at_ms)) < 0)
                goto out;
        out->temperature = recall_qualify_temperature(q);
        out->turned_hot = !strcmp(out->temperature, "hot") && strcmp(old_temp, "hot");
        out->qualified = recall_qualify_answered(q) == ALL_SEVEN;
        if (before->prev_at_ms >= 0 && msg->at_ms - before->prev_at_ms > (int64_t)session_gap_s * 1000)
                out->returning_gap_s = (msg->at_ms - before->prev_at_ms) / 1000;
        json_decref(doc);
        rc = RECALL_ENOMEM;
        if (!(doc = recall_qualify_to_json(q)) ||
            !(out->state = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) ||
            !(out->outputs = json_array()))
                goto out;
        rc = announce(msg, &x, old_temp, out, was_qualified, directive, variant, out->outputs);
out:
        if (rc)
                learn_result_release(out);
        json_decref(doc);
        recall_qualify_destroy(q);
        recall_extraction_release(&x);
        return rc;
}

int learn_spot(recall_objection_detector_t *od, recall_assist_t *as,
               const recall_inbound_t *msg, learn_result_t *out)
{
        size_t len = strlen(msg->body);
        int rc;

        if ((rc = recall_objection_detect(od, msg->body, len, out->objections,
                                          RECALL_OBJECTION_COUNT, &out->n_objections)))
                return rc;
        out->wants_showing = recall_assist_wants_showing(as, msg->body, len);
        out->assist_due = !out->opted_out &&
                          (out->n_objections || out->wants_showing || out->turned_hot);
        return 0;
}

int learn_assist(const recall_inbound_t *msg, const char *variant, const char *name,
                 const json_t *history, learn_result_t *out)
{
        char key[2 * RECALL_ID_MAX + 2], at[32];
        recall_assist_lead_t lead = {0};
        json_t *state, *ev;
        int rc;

        if (!(state = json_loads(out->state, 0, NULL)))
                return RECALL_EINVAL;
        lead.name = name;
        lead.lead_type = msg->lead_type;
        lead.qualification = json_object_get(state, "qualification");
        lead.temperature = out->temperature;
        lead.last_message = msg->body;
        lead.objections = history;
        lead.objection = out->n_objections ? &out->objections[0] : NULL;
        lead.wants_showing = out->wants_showing;
        snprintf(key, sizeof(key), "%s:%s", msg->tenant_id, msg->contact_id);
        recall_time_format_iso8601(msg->at_ms, at, sizeof(at));
        if (!(ev = lead_event(msg, "assist", at, variant))) {
                json_decref(state);
                return RECALL_ENOMEM;
        }
        if ((rc = recall_assist_fill(ev, &lead))) {
                json_decref(ev);
                json_decref(state);
                return rc;
        }
        rc = add_output(out->outputs, "lead.events", key, ev); /* consumes ev */
        json_decref(state);
        return rc;
}

void learn_result_release(learn_result_t *out)
{
        free(out->state);
        out->state = NULL;
        json_decref(out->outputs);
        out->outputs = NULL;
}
