/* fuzz_webhook.c: libFuzzer target for recall-ingest's request judgement
 * (webhook.c and signature.c), everything the endpoint does with a request
 * but the socket.
 *
 * Input: one mode byte, then the X-GHL-Signature header up to the first
 * newline, then the body. Mode % 3: 0 checks no signature, 1 signs the body
 * with the test key (so the body's handling runs behind a valid signature),
 * 2 takes the header from the input. Mode / 3 % 2 picks the legacy header
 * instead. Tenants: ids starting with 'a' exist, 'x' makes the store fail. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signature.h"
#include "webhook.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static signature_keys_t *keys;

static int tenant_known(void *opaque, const char *tenant_id)
{
        (void)opaque;
        if (tenant_id[0] == 'x')
                return -3;
        return tenant_id[0] == 'a';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        webhook_settings_t settings = {.body_max = 65536,
                                       .message_max = 32768,
                                       .text_max = 4096,
                                       .tenant_known = tenant_known};
        webhook_request_t req = {.content_type = "application/json", .now_ms = 1795000000000};
        webhook_result_t res;
        unsigned char sig[crypto_sign_BYTES];
        char header[256], signed_b64[128];
        const uint8_t *nl;
        size_t header_len;
        int mode;

        if (!keys) {
                crypto_sign_seed_keypair(pk, sk, (const unsigned char *)"recall fuzz webhook seed 32 byte");
                keys = signature_keys_from_raw(pk);
        }
        if (size < 1)
                return 0;
        mode = data[0];
        data++, size--;
        nl = memchr(data, '\n', size);
        header_len = nl ? (size_t)(nl - data) : 0;
        if (header_len >= sizeof(header))
                header_len = sizeof(header) - 1;
        memcpy(header, data, header_len);
        header[header_len] = '\0';
        if (nl) {
                size -= (size_t)(nl - data) + 1;
                data = nl + 1;
        }
        req.body = data;
        req.len = size;
        if (mode % 3) {
                settings.keys = keys;
                if (mode % 3 == 1) {
                        crypto_sign_detached(sig, NULL, data, size, sk);
                        sodium_bin2base64(signed_b64, sizeof(signed_b64), sig, sizeof(sig),
                                          sodium_base64_VARIANT_ORIGINAL);
                        req.ghl_signature = signed_b64;
                } else if (mode / 3 % 2) {
                        req.wh_signature = header;
                } else {
                        req.ghl_signature = header;
                }
        }
        webhook_handle(&settings, &req, &res);
        /* what is produced is well-formed: a key and a JSON value */
        for (size_t i = 0; i < res.n_out; i++)
                if (!res.out[i].key || !strchr(res.out[i].key, ':') || !res.out[i].value)
                        abort();
        webhook_result_release(&res);
        return 0;
}
