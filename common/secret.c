/* secret.c: sealing tenants' secrets with the master key (libsodium
 * crypto_secretbox, XSalsa20-Poly1305 with a random 24-byte nonce).
 *
 * Sealed text is "v1:" + base64(nonce || MAC || ciphertext); the version
 * prefix leaves room for another scheme or a key rotation later. The key
 * file must grant nothing to group or others (ssh's rule for private keys),
 * because whoever reads it reads every tenant's API key. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recall/error.h"
#include "recall/secret.h"

#define PREFIX "v1:"
#define HEX_LEN (2 * RECALL_SECRET_KEY_BYTES)

int recall_secret_global_init(void)
{
        return sodium_init() < 0 ? RECALL_EFATAL : 0;
}

/* 64 hex characters (then only whitespace) into key. */
static int parse_hex(recall_secret_key_t *key, const char *text, size_t len)
{
        size_t bin_len = 0;
        const char *end;

        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
                len--;
        if (len != HEX_LEN)
                return RECALL_EINVAL;
        if (sodium_hex2bin(key->key, sizeof(key->key), text, len, NULL, &bin_len, &end) ||
            bin_len != sizeof(key->key) || end != text + len)
                return RECALL_EINVAL;
        return 0;
}

int recall_secret_key_load(recall_secret_key_t *key, const char *key_file, char *errstr,
                           size_t errstr_size)
{
        const char *env = getenv("RECALL_MASTER_KEY");
        char buf[HEX_LEN + 8];
        struct stat st;
        ssize_t n;
        int fd, rc;

        if (env && *env) {
                if (parse_hex(key, env, strlen(env))) {
                        recall_error_set(errstr, errstr_size,
                                         "RECALL_MASTER_KEY is not 64 hex characters");
                        return RECALL_EINVAL;
                }
                return 0;
        }
        if (!key_file || !*key_file)
                return RECALL_ENOTFOUND;
        if ((fd = open(key_file, O_RDONLY | O_CLOEXEC)) < 0) {
                if (errno == ENOENT)
                        return RECALL_ENOTFOUND;
                recall_error_set(errstr, errstr_size, "cannot open '%s': %s", key_file,
                                 strerror(errno));
                return RECALL_EINVAL;
        }
        if (fstat(fd, &st)) {
                recall_error_set(errstr, errstr_size, "cannot stat '%s': %s", key_file,
                                 strerror(errno));
                close(fd);
                return RECALL_EINVAL;
        }
        if (st.st_mode & 077) {
                recall_error_set(errstr, errstr_size,
                                 "'%s' is open to group or others (mode %03o): chmod 600 it",
                                 key_file, (unsigned)(st.st_mode & 0777));
                close(fd);
                return RECALL_EINVAL;
        }
        n = read(fd, buf, sizeof(buf));
        close(fd);
        /* a full buffer means more than a key and its newline: not a key file */
        rc = n > 0 && (size_t)n < sizeof(buf) ? parse_hex(key, buf, (size_t)n) : RECALL_EINVAL;
        sodium_memzero(buf, sizeof(buf));
        if (rc)
                recall_error_set(errstr, errstr_size, "'%s' does not hold 64 hex characters",
                                 key_file);
        return rc;
}

int recall_secret_key_create(const char *key_file, char *errstr, size_t errstr_size)
{
        unsigned char key[RECALL_SECRET_KEY_BYTES];
        char hex[HEX_LEN + 2];
        int fd, rc = 0;

        if ((fd = open(key_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
                if (errno == EEXIST)
                        return 0;
                recall_error_set(errstr, errstr_size, "cannot create '%s': %s", key_file,
                                 strerror(errno));
                return RECALL_EIO;
        }
        randombytes_buf(key, sizeof(key));
        sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
        hex[HEX_LEN] = '\n';
        if (write(fd, hex, HEX_LEN + 1) != HEX_LEN + 1 || fsync(fd)) {
                recall_error_set(errstr, errstr_size, "cannot write '%s': %s", key_file,
                                 strerror(errno));
                unlink(key_file);
                rc = RECALL_EIO;
        }
        close(fd);
        sodium_memzero(key, sizeof(key));
        sodium_memzero(hex, sizeof(hex));
        return rc;
}

int recall_secret_seal(const recall_secret_key_t *key, const void *plaintext, size_t len,
                       char **sealed)
{
        size_t raw_len, b64_len;
        unsigned char *raw;
        char *out;

        *sealed = NULL;
        if (len > crypto_secretbox_MESSAGEBYTES_MAX || len > SIZE_MAX / 2)
                return RECALL_EINVAL;
        raw_len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
        b64_len = sodium_base64_encoded_len(raw_len, sodium_base64_VARIANT_ORIGINAL);
        if (!(raw = malloc(raw_len)))
                return RECALL_ENOMEM;
        if (!(out = malloc(sizeof(PREFIX) - 1 + b64_len))) {
                free(raw);
                return RECALL_ENOMEM;
        }
        randombytes_buf(raw, crypto_secretbox_NONCEBYTES);
        crypto_secretbox_easy(raw + crypto_secretbox_NONCEBYTES, plaintext, len, raw, key->key);
        memcpy(out, PREFIX, sizeof(PREFIX) - 1);
        sodium_bin2base64(out + sizeof(PREFIX) - 1, b64_len, raw, raw_len,
                          sodium_base64_VARIANT_ORIGINAL);
        free(raw);
        *sealed = out; /* the caller's */
        return 0;
}

int recall_secret_open(const recall_secret_key_t *key, const char *sealed, char **plaintext,
                       size_t *len)
{
        size_t text_len, raw_len = 0, max;
        unsigned char *raw = NULL;
        char *out = NULL;
        int rc = RECALL_EINVAL;

        *plaintext = NULL;
        *len = 0;
        if (!sealed || strncmp(sealed, PREFIX, sizeof(PREFIX) - 1))
                return RECALL_EINVAL;
        sealed += sizeof(PREFIX) - 1;
        text_len = strlen(sealed);
        max = text_len / 4 * 3 + 3;
        if (!(raw = malloc(max)))
                return RECALL_ENOMEM;
        if (sodium_base642bin(raw, max, sealed, text_len, NULL, &raw_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) ||
            raw_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
                goto out;
        text_len = raw_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
        if (!(out = malloc(text_len + 1))) {
                rc = RECALL_ENOMEM;
                goto out;
        }
        if (crypto_secretbox_open_easy((unsigned char *)out, raw + crypto_secretbox_NONCEBYTES,
                                       raw_len - crypto_secretbox_NONCEBYTES, raw, key->key)) {
                free(out);
                out = NULL;
                goto out;
        }
        out[text_len] = '\0';
        *plaintext = out; /* the caller's: recall_secret_free() */
        *len = text_len;
        rc = 0;
out:
        free(raw);
        return rc;
}

void recall_secret_free(char *plaintext)
{
        if (!plaintext)
                return;
        /* the whole allocation, not strlen(): a secret may hold a NUL byte */
        sodium_memzero(plaintext, malloc_usable_size(plaintext));
        free(plaintext);
}

void recall_secret_mask(const char *plaintext, char *buf, size_t size)
{
        size_t len = plaintext ? strlen(plaintext) : 0;

        if (!size)
                return;
        if (len < 16)
                snprintf(buf, size, "%.*s", (int)(len < size - 1 ? len : size - 1),
                         "****************");
        else
                snprintf(buf, size, "%.7s\xe2\x80\xa6%s", plaintext, plaintext + len - 4);
}
