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

/* ---- the same for a batch: one round trip each ------------------------- */

/* Records events (a JSON array of {event_id, contact_id, kind, at_ms}) as
 * applied, calling fresh(opaque, event_id) for each one that was new. */
int recall_store_prefs_events_add(recall_store_t *store, const char *tenant_id,
                                  const char *events_json,
                                  int (*fresh)(void *opaque, const char *event_id),
                                  void *opaque);

/* Calls fn(opaque, contact_id, profile, style) (JSON texts or NULL) for each
 * contact of contacts_json (a JSON array of ids) that has a row. */
int recall_store_profiles_get(recall_store_t *store, const char *tenant_id,
                              const char *contacts_json,
                              int (*fn)(void *opaque, const char *contact_id,
                                        const char *profile, const char *style),
                              void *opaque);

/* Writes rows_json, a JSON array of {contact_id, profile, style} where
 * profile and style are JSON documents or null (null: left as it is). */
int recall_store_profiles_put(recall_store_t *store, const char *tenant_id,
                              const char *rows_json);

/* For each {key, contact_id, before_ms} of asks_json, the contact's newest
 * outbound message before before_ms: fn(opaque, key, at_ms), at_ms 0 when
 * none. */
int recall_store_last_outbounds(recall_store_t *store, const char *tenant_id,
                                const char *asks_json,
                                int (*fn)(void *opaque, const char *key,
                                          int64_t at_ms),
                                void *opaque);

/* The tenant's learning settings: its interaction weights (JSON text,
 * malloc'd, "{}" when default) and the evidence half-life in days. */
int recall_store_learn_settings(recall_store_t *store, const char *tenant_id,
                                char **weights, double *half_life_days);

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
