/* insights.c: a seller's comparative market analysis (see insights.h).
 *
 * Only a change triggers it: the subject (place, size, beds, baths, type,
 * price hoped for) read from the state before and after the message is
 * compared, so a seller's "thanks!" costs no query. The candidates are the
 * tenant's sales of the widest search step (RECALL_CMA_MAX_MONTHS before
 * the message, RECALL_CMA_MAX_RADIUS_MILES around the place); cma.c
 * narrows them. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "insights.h"
#include "recall/cma.h"
#include "recall/error.h"
#include "recall/insights_store.h"
#include "recall/listing_store.h"
#include "recall/time.h"

#define MS_PER_DAY 86400000LL

typedef struct sales {
        recall_listing_t *v;
        size_t n, cap;
        double lat, lon; /* the place's centre */
} sales_t;

static int collect(void *opaque, const recall_listing_t *l, double lat, double lon)
{
        sales_t *s = opaque;

        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                recall_listing_t *v = realloc(s->v, cap * sizeof(*v));

                if (!v)
                        return RECALL_ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        s->v[s->n++] = *l;
        s->lat = lat;
        s->lon = lon;
        return 0;
}

/* The subject of a stored state; 1 when the lead is a seller. */
static int subject_of(const char *state, const char *lead_type, recall_cma_subject_t *s,
                      int *rc)
{
        json_t *doc;
        int seller;

        *rc = 0;
        if (!state)
                return recall_cma_subject_from_qualification(NULL, lead_type, s);
        if (!(doc = json_loads(state, 0, NULL))) {
                *rc = RECALL_EINVAL;
                return 0;
        }
        seller = recall_cma_subject_from_qualification(json_object_get(doc, "qualification"),
                                                       lead_type, s);
        json_decref(doc);
        return seller;
}

/* The payload: the envelope, then the analysis's fields. New reference. */
static json_t *payload_of(const recall_inbound_t *msg, json_t *cma)
{
        char event_id[RECALL_ID_MAX + 8], at[32];
        json_t *doc;

        snprintf(event_id, sizeof(event_id), "si-%s", msg->message_id);
        recall_time_format_iso8601(msg->at_ms, at, sizeof(at));
        doc = json_pack("{s:s, s:s, s:s, s:s, s:s}", "tenant_id", msg->tenant_id,
                        "contact_id", msg->contact_id, "event_id", event_id, "cause_id",
                        msg->message_id, "at", at);
        if (doc && json_object_update(doc, cma)) {
                json_decref(doc);
                return NULL;
        }
        return doc;
}

int insights_update(recall_store_t *store, const recall_inbound_t *msg,
                    const char *before_state, const char *after_state,
                    const char *lead_type, char **payload)
{
        recall_cma_subject_t before, after;
        sales_t sales = { .lat = NAN, .lon = NAN };
        recall_cma_t cma;
        json_t *doc = NULL, *out = NULL;
        char *text = NULL;
        int32_t today;
        int was_seller, rc;

        *payload = NULL;
        was_seller = subject_of(before_state, lead_type, &before, &rc);
        if (rc)
                return rc;
        if (!subject_of(after_state, lead_type, &after, &rc) || !*after.place)
                return rc;
        if (was_seller && recall_cma_subject_equal(&before, &after))
                return 0;
        today = (int32_t)(msg->at_ms / MS_PER_DAY);
        if ((rc = recall_store_listings_sales(store, msg->tenant_id, after.place,
                                              today - (int32_t)(RECALL_CMA_MAX_MONTHS * 30.4375) - 1,
                                              today, RECALL_CMA_MAX_RADIUS_MILES, collect,
                                              &sales)))
                goto out;
        if ((rc = recall_cma_compute(&after, today, sales.v, sales.n, sales.lat, sales.lon, &cma)))
                goto out;
        rc = RECALL_ENOMEM;
        if (!(doc = recall_cma_to_json(&after, &cma)) ||
            !(text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) ||
            !(out = payload_of(msg, doc)) ||
            !(*payload = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER)))
                goto out;
        rc = recall_insights_store_put(store, msg->tenant_id, msg->contact_id, msg->message_id,
                                       recall_cma_status_name(cma.status), text, msg->at_ms);
out:
        if (rc) {
                free(*payload);
                *payload = NULL;
        }
        free(text);
        json_decref(out);
        json_decref(doc);
        free(sales.v);
        return rc;
}
