/* profile_store.h: the store's side of learning and recommending: a
 * contact's profile and style (recall/profile.h and recall/style.h, as JSON
 * text), the prefs.update events already applied, the tenant's learning
 * settings, and what was recommended to whom. Every call runs inside the
 * caller's transaction with the tenant set (recall_store_set_tenant). */
#ifndef RECALL_PROFILE_STORE_H
#define RECALL_PROFILE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "recall/store.h"

/* The contact's stored profile and style (malloc'd JSON text, the caller
 * frees them; NULL when none). A contact without a row gives both NULL. */
int recall_store_profile_get(recall_store_t *store, const char *tenant_id,
                             const char *contact_id, char **profile,
                             char **style);

/* Writes the profile and/or the style (NULL: left as it is). */
int recall_store_profile_put(recall_store_t *store, const char *tenant_id,
                             const char *contact_id, const char *profile,
                             const char *style);

/* Records a prefs.update event as applied. *fresh is 1 when it was new, 0
 * when its event_id was applied before (then nothing else should change). */
int recall_store_prefs_event_add(recall_store_t *store, const char *tenant_id,
                                 const char *event_id, const char *contact_id,
                                 const char *kind, int64_t at_ms, int *fresh);

/* The tenant's learning settings: its interaction weights (JSON text,
 * malloc'd, "{}" when default) and the evidence half-life in days. */
int recall_store_learn_settings(recall_store_t *store, const char *tenant_id,
                                char **weights, double *half_life_days);

/* The time of the contact's newest outbound message (a reply or an agent's
 * message) before before_ms; 0 in *at_ms when there is none. */
int recall_store_last_outbound(recall_store_t *store, const char *tenant_id,
                               const char *contact_id, int64_t before_ms,
                               int64_t *at_ms);

/* Records listing_key as recommended at rank in request_id. */
int recall_store_recommendation_add(recall_store_t *store,
                                    const char *tenant_id,
                                    const char *request_id,
                                    const char *contact_id,
                                    const char *listing_key, int rank,
                                    double score);

/* The listing keys recommended to the contact since since_ms (newest
 * first, at most max), for leaving them out of the next ones. *keys is a
 * malloc'd array of malloc'd strings: recall_store_keys_free(). */
int recall_store_recent_recommendations(recall_store_t *store,
                                        const char *tenant_id,
                                        const char *contact_id,
                                        int64_t since_ms, size_t max,
                                        char ***keys, size_t *n);
void recall_store_keys_free(char **keys, size_t n);

/* Records the recommend.reply payload of request_id (first one wins). */
int recall_store_recommend_reply_put(recall_store_t *store,
                                     const char *tenant_id,
                                     const char *request_id,
                                     const char *contact_id,
                                     const char *payload);

/* The recorded reply of request_id (malloc'd; the caller frees it), or
 * NULL in *payload when the request was never answered. */
int recall_store_recommend_reply_get(recall_store_t *store,
                                     const char *tenant_id,
                                     const char *request_id, char **payload);

#endif
