/* demo.c: `recall demo`, a short conversation played on a running stack:
 * registers the tenant "demo", sends a few lead messages for two contacts,
 * and after each one prints what recall now remembers. deploy/up runs it
 * once the stack is ready. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "recall/cache.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/memory_read.h"
#include "recall/store.h"
#include "recall/time.h"

static const char usage[] =
        "usage: recall demo [--wait SECONDS] [options]\n\n"
        "Plays a short demo conversation on a running stack (waits for it to be\n"
        "ready, up to --wait seconds, default 120) and prints each message and\n"
        "the contact's memory after it.\n\noptions:\n"
        "  --wait SECONDS    how long to wait for the stack\n"
        RECALL_CMDLINE_HELP;

static const struct {
        const char *contact, *name, *body;
        int outbound;
} script[] = {
        {"ana", "Ana Lopez", "Hi! We're looking to buy a 3 bedroom house in Austin, budget around 450k.", 0},
        {"ben", "Ben Carter", "Thinking about selling my condo downtown. What could I get for it?", 0},
        {"ana", NULL, "Thanks Ana! Are you working with a lender yet?", 1},
        {"ana", NULL, "Yes, pre-approved. We'd like to move within 2 months, a yard for the dog would be great.", 0},
        {"ben", NULL, "Probably listing in the spring, once the kids finish school.", 0},
};

static const char demo_places[] = "Austin\nRound Rock\nCedar Park\nGeorgetown\n"
                                  "Pflugerville\nLeander\nDowntown Austin\n";

/* Reloads the settings until the stack says it is ready. */
static recall_config_t *wait_ready(const recall_cmdline_t *cl, int wait_s, int *code)
{
        for (int waited = 0;; waited++) {
                recall_config_t *cfg = recall_cmdline_load_config(cl, code);

                if (!cfg || recall_config_get_bool(cfg, "ready") ||
                    (recall_config_layer(cfg, "kafka.brokers") > RECALL_CFG_STACK &&
                     recall_config_layer(cfg, "pg.dsn") > RECALL_CFG_STACK))
                        return cfg;
                recall_config_destroy(cfg);
                if (waited >= wait_s * 2) {
                        fprintf(stderr, "%s: the stack is not ready after %d s: is 'recall up' running?\n",
                                cl->prog, wait_s);
                        *code = 1;
                        return NULL;
                }
                if (waited == 0)
                        printf("waiting for the stack to be ready...\n");
                usleep(500000);
        }
}

/* What recall has learned so far: temperature, known facts, next question. */
static void print_learned(const recall_memory_t *mem)
{
        json_t *view = recall_memory_to_json(mem), *v;
        const char *field;
        char *s;

        if (!view)
                return;
        printf("   learned: temperature %s", json_string_value(json_object_get(view, "temperature")));
        json_object_foreach(json_object_get(view, "qualification"), field, v) {
                if (json_is_null(v) || (json_is_array(v) && !json_array_size(v)))
                        continue;
                if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY))) {
                        printf(", %s %s", field, s);
                        free(s);
                }
        }
        if ((v = json_object_get(view, "next_question")) && json_is_object(v))
                printf("\n   next question: %s", json_string_value(json_object_get(v, "text")));
        printf("\n");
        json_decref(view);
}

static int holds(const recall_memory_t *mem, const char *id)
{
        for (size_t i = mem->n_turns; i-- > 0;)
                if (!strcmp(mem->turns[i].id, id))
                        return 1;
        return 0;
}

/* Polls the memory until it holds message mid (the memory worker's work)
 * and, for a lead's message, until it holds the reply to it (the
 * responder's, "rp-" + mid; a stack without a responder shows none). */
static int show_memory(recall_store_t *store, recall_cache_t *cache, const char *contact,
                       const char *mid, int wants_reply)
{
        recall_memory_t *mem = NULL;
        char reply_id[160];
        int i;

        snprintf(reply_id, sizeof(reply_id), "rp-%s", mid);
        for (i = 0; i < 300; i++) {
                recall_memory_destroy(mem);
                mem = NULL;
                if (recall_memory_read_load(store, cache, "demo", contact, &mem) == 0 &&
                    holds(mem, mid) && (!wants_reply || holds(mem, reply_id) || i >= 100))
                        break;
                usleep(100000);
        }
        if (!mem || !holds(mem, mid)) {
                printf("   (memory not updated within 30 s: is recall-memory running?)\n");
                recall_memory_destroy(mem);
                return 1;
        }
        for (size_t k = 0; k < mem->n_turns; k++)
                if (!strcmp(mem->turns[k].id, reply_id))
                        printf("agent -> %s: %s   (recall-respond)\n", contact, mem->turns[k].body);
        if (wants_reply && !holds(mem, reply_id))
                printf("   (no reply within 10 s: is recall-respond running?)\n");
        printf("   memory of %s: %lld message%s\n", contact, (long long)mem->message_count,
               mem->message_count == 1 ? "" : "s");
        print_learned(mem);
        recall_memory_destroy(mem);
        return 0;
}

int recall_cli_demo(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall demo"};
        recall_config_t *cfg = NULL;
        recall_producer_t *producer = NULL;
        recall_store_t *admin = NULL, *store = NULL;
        recall_cache_t *cache = NULL;
        const char *wait_arg = "120";
        char errstr[512], id[RECALL_ID_MAX + 1], mid[RECALL_ID_MAX + 1];
        long long run_id = recall_time_now_ms();
        int code = 2, r, wait_s;
        char *end;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--wait", &wait_arg);
                if (r < 0)
                        goto out;
                if (!r) {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'", argv[i]);
                        goto out;
                }
        }
        wait_s = (int)strtol(wait_arg, &end, 10);
        if (*end || wait_s < 0 || wait_s > 3600) {
                code = recall_cmdline_usage_error(cl.prog, "--wait takes 0 to 3600 seconds, not '%s'", wait_arg);
                goto out;
        }
        if (!(cfg = wait_ready(&cl, wait_s, &code)))
                goto out;
        code = 1;
        if (!recall_cli_require(cfg, "kafka.brokers", cl.prog) ||
            !(admin = recall_cli_admin_store(cfg, cl.prog)))
                goto out;
        if (!(store = recall_store_new(recall_config_get(cfg, "pg.dsn"), errstr, sizeof(errstr))) ||
            !(producer = recall_producer_new(cfg, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        if (*recall_config_get(cfg, "redis.url"))
                cache = recall_cache_new(recall_config_get(cfg, "redis.url"), errstr, sizeof(errstr));
        r = recall_store_tenant_add(admin, "demo", "Demo Realty");
        if (r && r != RECALL_EEXIST) {
                fprintf(stderr, "%s: cannot register tenant 'demo': %s\n", cl.prog,
                        recall_store_errmsg(admin));
                goto out;
        }
        /* the demo agency's market, so that places are recognised */
        if (recall_store_tenant_set_gazetteer(admin, "demo", demo_places)) {
                fprintf(stderr, "%s: cannot set the demo gazetteer: %s\n", cl.prog,
                        recall_store_errmsg(admin));
                goto out;
        }
        printf("tenant 'demo' registered (places: Austin area)\n");
        for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
                recall_cli_message_t msg = {
                        .tenant_id = "demo", .contact_id = script[i].contact,
                        .contact_name = script[i].name, .body = script[i].body,
                        .outbound = script[i].outbound, .message_id = mid,
                };
                snprintf(mid, sizeof(mid), "demo-%lld-%zu", run_id, i);
                printf("\n%s %s: %s\n", script[i].outbound ? "agent ->" : "lead  <-",
                       script[i].contact, script[i].body);
                if ((r = recall_cli_send_message(producer, &msg, id))) {
                        fprintf(stderr, "%s: cannot produce: %s\n", cl.prog, recall_error_str(r));
                        goto out;
                }
                if (show_memory(store, cache, script[i].contact, mid, !script[i].outbound))
                        goto out;
        }
        printf("\ndemo done: 'recall memory get --tenant demo --contact ana --json' shows a memory\n");
        code = 0;
out:
        recall_producer_destroy(producer);
        recall_cache_destroy(cache);
        recall_store_destroy(store);
        recall_store_destroy(admin);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
