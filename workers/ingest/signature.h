/* signature.h: verifying that a webhook came from the CRM.
 *
 * The CRM signs the raw body of every webhook: X-GHL-Signature is the
 * base64 Ed25519 signature (libsodium), X-WH-Signature the legacy base64
 * RSA-SHA256 one (OpenSSL), which is accepted only when its public key is
 * configured. The Ed25519 header wins when both are present. */
#ifndef RECALL_INGEST_SIGNATURE_H
#define RECALL_INGEST_SIGNATURE_H

#include <stddef.h>

typedef struct signature_keys signature_keys_t;

/* Loads the public keys: ed25519_file holds PEM ("BEGIN PUBLIC KEY", the
 * SubjectPublicKeyInfo) or bare base64 of the 32-byte key or of that
 * SubjectPublicKeyInfo; rsa_file ("" or NULL: legacy signatures refused) a
 * PEM RSA public key. NULL with errstr ("'path': not an Ed25519 public key")
 * on failure. The caller destroys the result. */
signature_keys_t *signature_keys_new(const char *ed25519_file,
                                     const char *rsa_file, char *errstr,
                                     size_t errstr_size);

/* Keys from memory: the raw 32-byte Ed25519 key, no RSA key. For tests and
 * the fuzzer. */
signature_keys_t *signature_keys_from_raw(const unsigned char key[32]);

/* Accepts NULL. */
void signature_keys_destroy(signature_keys_t *keys);

/* Checks body against the headers' signatures (either may be NULL). 0 when
 * a signature is valid; RECALL_EINVAL with reason "<code>: <detail>",
 * code missing_signature, malformed_signature, bad_signature or
 * legacy_signature_disabled. */
int signature_verify(const signature_keys_t *keys, const char *ghl_signature,
                     const char *wh_signature, const void *body, size_t len,
                     char *reason, size_t reason_size);

#endif
