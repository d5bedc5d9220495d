/* send.c: `recall send`, produces one message on messages.inbound exactly as
 * a CRM webhook bridge would (InboundMessage, or OutboundMessage with
 * --outbound), keyed "<tenant>:<contact>". */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/time.h"

static const char usage[] =
        "usage: recall send --tenant T --contact C [options] TEXT\n\n"
        "Produces an InboundMessage from the lead (or, with --outbound, an\n"
        "OutboundMessage an agent sent by hand) to messages.inbound and prints\n"
        "its messageId.\n\noptions:\n"
        "  --tenant T          tenant (locationId), required\n"
        "  --contact C         contact (contactId), required\n"
        "  --message-id ID     messageId (default: generated)\n"
        "  --conversation ID   conversationId (default: conv-<contact>)\n"
        "  --channel TYPE      messageType: SMS, Email, WhatsApp, ... (default SMS)\n"
        "  --name NAME         the contact's name\n"
        "  --outbound          a message the agent sent\n"
        RECALL_CMDLINE_HELP;

int recall_cli_send_message(recall_producer_t *producer,
                            const recall_cli_message_t *msg, char *id_out)
{
        char key[2 * RECALL_ID_MAX + 2], at[32], conv[RECALL_ID_MAX + 1];
        char *payload = NULL;
        size_t len = 0;
        json_t *root;
        int rc;

        if (msg->message_id)
                snprintf(id_out, RECALL_ID_MAX + 1, "%s", msg->message_id);
        else
                snprintf(id_out, RECALL_ID_MAX + 1, "m-%lld-%d-%04x",
                         (long long)recall_time_now_ms(), (int)getpid(),
                         (unsigned)(rand() & 0xffff));
        snprintf(conv, sizeof(conv), "conv-%s", msg->contact_id);
        recall_time_format_iso8601(recall_time_now_ms(), at, sizeof(at));
        root = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                         "type", msg->outbound ? "OutboundMessage" : "InboundMessage",
                         "locationId", msg->tenant_id, "contactId", msg->contact_id,
                         "conversationId", msg->conversation_id ? msg->conversation_id : conv,
                         "messageId", id_out, "body", msg->body,
                         "messageType", msg->channel ? msg->channel : "SMS",
                         "direction", msg->outbound ? "outbound" : "inbound",
                         "dateAdded", at);
        if (!root)
                return RECALL_EINVAL; /* body not UTF-8 */
        if (msg->contact_name)
                json_object_set_new(root, "contact",
                                    json_pack("{s:s}", "name", msg->contact_name));
        if ((rc = recall_envelope_encode(root, RECALL_CONTENT_TYPE_JSON, &payload, &len)))
                goto out;
        snprintf(key, sizeof(key), "%s:%s", msg->tenant_id, msg->contact_id);
        if ((rc = recall_producer_send(producer, "messages.inbound", key, strlen(key),
                                       payload, len, NULL, 0)))
                goto out;
        rc = recall_producer_flush(producer, 10000);
out:
        free(payload);
        json_decref(root);
        return rc;
}

int recall_cli_send(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall send"};
        recall_cli_message_t msg = {0};
        recall_config_t *cfg = NULL;
        recall_producer_t *producer = NULL;
        char errstr[512], id[RECALL_ID_MAX + 1];
        int code = 2, r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--tenant", &msg.tenant_id);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--contact", &msg.contact_id);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--message-id", &msg.message_id);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--conversation", &msg.conversation_id);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--channel", &msg.channel);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--name", &msg.contact_name);
                if (r < 0)
                        goto out;
                if (r)
                        continue;
                if (!strcmp(argv[i], "--outbound"))
                        msg.outbound = 1;
                else if (argv[i][0] == '-' && argv[i][1]) {
                        code = recall_cmdline_usage_error(cl.prog, "unknown option '%s'", argv[i]);
                        goto out;
                } else if (!msg.body)
                        msg.body = argv[i];
                else {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s' (quote the text)", argv[i]);
                        goto out;
                }
        }
        if (!msg.tenant_id || !msg.contact_id || !msg.body) {
                code = recall_cmdline_usage_error(cl.prog, "--tenant, --contact and TEXT are required");
                goto out;
        }
        if (recall_envelope_check_id(msg.tenant_id) || recall_envelope_check_id(msg.contact_id) ||
            (msg.message_id && recall_envelope_check_id(msg.message_id)) ||
            (msg.conversation_id && recall_envelope_check_id(msg.conversation_id))) {
                code = recall_cmdline_usage_error(cl.prog, "ids are 1-%d of A-Z a-z 0-9 _ . -", RECALL_ID_MAX);
                goto out;
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!recall_cli_require(cfg, "kafka.brokers", cl.prog))
                goto out;
        if (!(producer = recall_producer_new(cfg, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        srand((unsigned)recall_time_now_ms());
        if ((r = recall_cli_send_message(producer, &msg, id))) {
                fprintf(stderr, "%s: cannot produce to 'messages.inbound': %s\n", cl.prog,
                        r == RECALL_EINVAL ? "text is not valid UTF-8" : recall_error_str(r));
                goto out;
        }
        printf("%s\n", id);
        code = 0;
out:
        recall_producer_destroy(producer);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
