/* signature.c: Ed25519 (libsodium) and legacy RSA-SHA256 (OpenSSL) webhook
 * signatures over the raw body.
 *
 * Keys are read once at start and only read afterwards, so one
 * signature_keys_t serves every HTTP thread. A signature header is base64
 * (standard alphabet, padding optional, surrounding whitespace ignored). */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signature.h"
#include "recall/error.h"

#define KEY_FILE_MAX 16384
#define RSA_SIG_MAX 1024 /* 8192-bit keys */

struct signature_keys {
        unsigned char ed25519[crypto_sign_PUBLICKEYBYTES];
        int has_ed25519;
        EVP_PKEY *rsa; /* owned; NULL: legacy signatures refused */
};

/* The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410). */
static const unsigned char spki_ed25519[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                             0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

/* base64 (whitespace ignored, padding optional) into out; the decoded
 * length, or -1. */
static long base64_decode(const char *text, size_t len, unsigned char *out,
                          size_t out_size)
{
        size_t n;

        if (sodium_base642bin(out, out_size, text, len, " \t\r\n", &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) &&
            sodium_base642bin(out, out_size, text, len, " \t\r\n", &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL_NO_PADDING))
                return -1;
        return (long)n;
}

/* The text of path (at most KEY_FILE_MAX bytes), malloc'd: the caller
 * frees it. NULL with errstr. */
static char *read_small_file(const char *path, char *errstr, size_t errstr_size)
{
        FILE *fp = fopen(path, "re");
        char *text;
        size_t n;

        if (!fp) {
                recall_error_set(errstr, errstr_size, "cannot open '%s': %m", path);
                return NULL;
        }
        if (!(text = malloc(KEY_FILE_MAX + 1))) {
                fclose(fp);
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        n = fread(text, 1, KEY_FILE_MAX + 1, fp);
        fclose(fp);
        if (n > KEY_FILE_MAX) {
                recall_error_set(errstr, errstr_size, "'%s': too large for a key", path);
                free(text);
                return NULL;
        }
        text[n] = '\0';
        return text;
}

static int load_ed25519(signature_keys_t *keys, const char *path, char *errstr,
                        size_t errstr_size)
{
        unsigned char der[128];
        char *text, *line, *save = NULL;
        char body[KEY_FILE_MAX + 1];
        size_t used = 0;
        long n;

        if (!(text = read_small_file(path, errstr, errstr_size)))
                return RECALL_EINVAL;
        /* PEM: everything but the -----BEGIN/END----- lines is base64 */
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                size_t len = strlen(line);

                if (!strncmp(line, "-----", 5))
                        continue;
                memcpy(body + used, line, len);
                used += len;
        }
        free(text);
        n = base64_decode(body, used, der, sizeof(der));
        if (n == crypto_sign_PUBLICKEYBYTES) {
                memcpy(keys->ed25519, der, crypto_sign_PUBLICKEYBYTES);
        } else if (n == (long)sizeof(spki_ed25519) + crypto_sign_PUBLICKEYBYTES &&
                   !memcmp(der, spki_ed25519, sizeof(spki_ed25519))) {
                memcpy(keys->ed25519, der + sizeof(spki_ed25519), crypto_sign_PUBLICKEYBYTES);
        } else {
                recall_error_set(errstr, errstr_size, "'%s': not an Ed25519 public key", path);
                return RECALL_EINVAL;
        }
        keys->has_ed25519 = 1;
        return 0;
}

static int load_rsa(signature_keys_t *keys, const char *path, char *errstr,
                    size_t errstr_size)
{
        BIO *bio = BIO_new_file(path, "r");

        if (!bio) {
                recall_error_set(errstr, errstr_size, "cannot open '%s'", path);
                return RECALL_EINVAL;
        }
        keys->rsa = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        if (!keys->rsa || EVP_PKEY_base_id(keys->rsa) != EVP_PKEY_RSA) {
                recall_error_set(errstr, errstr_size, "'%s': not a PEM RSA public key", path);
                return RECALL_EINVAL;
        }
        return 0;
}

signature_keys_t *signature_keys_new(const char *ed25519_file,
                                     const char *rsa_file, char *errstr,
                                     size_t errstr_size)
{
        signature_keys_t *keys;

        if (sodium_init() < 0) {
                recall_error_set(errstr, errstr_size, "cannot initialise libsodium");
                return NULL;
        }
        if (!(keys = calloc(1, sizeof(*keys)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (ed25519_file && *ed25519_file &&
            load_ed25519(keys, ed25519_file, errstr, errstr_size))
                goto fail;
        if (rsa_file && *rsa_file && load_rsa(keys, rsa_file, errstr, errstr_size))
                goto fail;
        if (!keys->has_ed25519 && !keys->rsa) {
                recall_error_set(errstr, errstr_size, "no public key given");
                goto fail;
        }
        return keys;
fail:
        signature_keys_destroy(keys);
        return NULL;
}

signature_keys_t *signature_keys_from_raw(const unsigned char key[32])
{
        signature_keys_t *keys;

        if (sodium_init() < 0 || !(keys = calloc(1, sizeof(*keys))))
                return NULL;
        memcpy(keys->ed25519, key, crypto_sign_PUBLICKEYBYTES);
        keys->has_ed25519 = 1;
        return keys;
}

void signature_keys_destroy(signature_keys_t *keys)
{
        if (!keys)
                return;
        EVP_PKEY_free(keys->rsa);
        free(keys);
}

static int verify_rsa(EVP_PKEY *rsa, const unsigned char *sig, size_t sig_len,
                      const void *body, size_t len)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int ok;

        if (!ctx)
                return 0;
        ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, rsa) == 1 &&
             EVP_DigestVerify(ctx, sig, sig_len, body, len) == 1;
        EVP_MD_CTX_free(ctx);
        return ok;
}

int signature_verify(const signature_keys_t *keys, const char *ghl_signature,
                     const char *wh_signature, const void *body, size_t len,
                     char *reason, size_t reason_size)
{
        unsigned char sig[RSA_SIG_MAX];
        long n;

        if (ghl_signature && keys->has_ed25519) {
                n = base64_decode(ghl_signature, strlen(ghl_signature), sig, sizeof(sig));
                if (n != crypto_sign_BYTES) {
                        snprintf(reason, reason_size,
                                 "malformed_signature: X-GHL-Signature is not a base64 "
                                 "Ed25519 signature");
                        return RECALL_EINVAL;
                }
                if (crypto_sign_verify_detached(sig, body, len, keys->ed25519)) {
                        snprintf(reason, reason_size,
                                 "bad_signature: X-GHL-Signature does not match the body");
                        return RECALL_EINVAL;
                }
                return 0;
        }
        if (wh_signature) {
                if (!keys->rsa) {
                        snprintf(reason, reason_size,
                                 "legacy_signature_disabled: X-WH-Signature is not "
                                 "accepted (no ingest.legacy_rsa_key_file)");
                        return RECALL_EINVAL;
                }
                n = base64_decode(wh_signature, strlen(wh_signature), sig, sizeof(sig));
                if (n <= 0) {
                        snprintf(reason, reason_size,
                                 "malformed_signature: X-WH-Signature is not base64");
                        return RECALL_EINVAL;
                }
                if (!verify_rsa(keys->rsa, sig, (size_t)n, body, len)) {
                        snprintf(reason, reason_size,
                                 "bad_signature: X-WH-Signature does not match the body");
                        return RECALL_EINVAL;
                }
                return 0;
        }
        snprintf(reason, reason_size, "missing_signature: no %s header",
                 keys->has_ed25519 ? "X-GHL-Signature" : "X-WH-Signature");
        return RECALL_EINVAL;
}
