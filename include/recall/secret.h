/* secret.h: per-tenant secrets (the Claude API key) encrypted at rest
 * (libsodium crypto_secretbox: XSalsa20-Poly1305).
 *
 * The master key is 32 bytes, given as 64 hex characters in the environment
 * variable RECALL_MASTER_KEY, or else read from a key file holding the same
 * (trailing newline allowed; the file must not be readable by group or
 * others). A sealed secret is text, safe for a text column:
 * "v1:" + base64(nonce || ciphertext). Plaintext secrets live in memory only
 * as long as a request needs them and are wiped (sodium_memzero) when
 * released; nothing here logs a secret. */
#ifndef RECALL_SECRET_H
#define RECALL_SECRET_H

#include <stddef.h>

#define RECALL_SECRET_KEY_BYTES 32

typedef struct recall_secret_key {
        unsigned char key[RECALL_SECRET_KEY_BYTES];
} recall_secret_key_t;

/* sodium_init() once per process. 0 or RECALL_EFATAL. */
int recall_secret_global_init(void);

/* Loads the master key: RECALL_MASTER_KEY when set, else key_file (NULL or
 * "" when there is none). RECALL_ENOTFOUND when neither gives a key,
 * RECALL_EINVAL (errstr says why: not 64 hex characters, file readable by
 * others, ...) on a bad one. */
int recall_secret_key_load(recall_secret_key_t *key, const char *key_file,
                           char *errstr, size_t errstr_size);

/* Creates key_file with a new random key (mode 0600) unless it exists.
 * 0 when created or already there. */
int recall_secret_key_create(const char *key_file, char *errstr,
                             size_t errstr_size);

/* Seals plaintext (len bytes). *sealed is a malloc'd NUL-terminated string
 * owned by the caller. */
int recall_secret_seal(const recall_secret_key_t *key, const void *plaintext,
                       size_t len, char **sealed);

/* Opens a sealed string. *plaintext is malloc'd, NUL-terminated, *len
 * without the NUL; release it with recall_secret_free(). RECALL_EINVAL when
 * the text is not a sealed secret or was sealed with another key. */
int recall_secret_open(const recall_secret_key_t *key, const char *sealed,
                       char **plaintext, size_t *len);

/* Wipes and frees a plaintext from recall_secret_open(). Accepts NULL. */
void recall_secret_free(char *plaintext);

/* A masked form for display: "sk-ant-…XXXX" (the first 7 and last 4
 * characters kept; all stars when shorter than 16). */
void recall_secret_mask(const char *plaintext, char *buf, size_t size);

#endif
