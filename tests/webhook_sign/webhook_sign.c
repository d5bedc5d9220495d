/* webhook_sign.c: signs webhook bodies the way the CRM does, for tests and
 * benchmarks of recall-ingest (libsodium Ed25519, base64).
 *
 *   webhook-sign keygen DIR      writes DIR/ed25519.pub.pem (the public key
 *                                as recall-ingest's ingest.public_key_file
 *                                takes it) and DIR/ed25519.key (the secret)
 *   webhook-sign sign KEY [FILE] prints the X-GHL-Signature of FILE (default
 *                                stdin) signed with the secret key KEY */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX (64 << 20)

/* The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410). */
static const unsigned char spki_prefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                            0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

static int write_base64(const char *path, const char *head, const unsigned char *bin,
                        size_t len, const char *tail)
{
        char b64[256];
        FILE *fp = fopen(path, "w");

        if (!fp) {
                perror(path);
                return 1;
        }
        sodium_bin2base64(b64, sizeof(b64), bin, len, sodium_base64_VARIANT_ORIGINAL);
        fprintf(fp, "%s%s\n%s", head, b64, tail);
        return fclose(fp) ? 1 : 0;
}

static int keygen(const char *dir)
{
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        unsigned char spki[sizeof(spki_prefix) + sizeof(pk)];
        char path[4096];

        crypto_sign_keypair(pk, sk);
        memcpy(spki, spki_prefix, sizeof(spki_prefix));
        memcpy(spki + sizeof(spki_prefix), pk, sizeof(pk));
        snprintf(path, sizeof(path), "%s/ed25519.pub.pem", dir);
        if (write_base64(path, "-----BEGIN PUBLIC KEY-----\n", spki, sizeof(spki),
                         "-----END PUBLIC KEY-----\n"))
                return 1;
        snprintf(path, sizeof(path), "%s/ed25519.key", dir);
        return write_base64(path, "", sk, sizeof(sk), "");
}

static int sign(const char *key_path, const char *body_path)
{
        unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
        char b64[256], text[256];
        FILE *fp = fopen(key_path, "r"), *in;
        unsigned char *body;
        size_t key_len, len;

        if (!fp || !fgets(text, sizeof(text), fp)) {
                perror(key_path);
                return 1;
        }
        fclose(fp);
        if (sodium_base642bin(sk, sizeof(sk), text, strlen(text), "\n", &key_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) ||
            key_len != sizeof(sk)) {
                fprintf(stderr, "%s: not an Ed25519 secret key\n", key_path);
                return 1;
        }
        if (!(in = body_path ? fopen(body_path, "rb") : stdin) || !(body = malloc(BODY_MAX))) {
                perror(body_path ? body_path : "stdin");
                return 1;
        }
        len = fread(body, 1, BODY_MAX, in);
        crypto_sign_detached(sig, NULL, body, len, sk);
        sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
        printf("%s\n", b64);
        free(body);
        if (body_path)
                fclose(in);
        return 0;
}

int main(int argc, char **argv)
{
        if (sodium_init() < 0)
                return 1;
        if (argc == 3 && !strcmp(argv[1], "keygen"))
                return keygen(argv[2]);
        if ((argc == 3 || argc == 4) && !strcmp(argv[1], "sign"))
                return sign(argv[2], argc == 4 ? argv[3] : NULL);
        fprintf(stderr, "usage: webhook-sign keygen DIR | webhook-sign sign KEY [FILE]\n");
        return 2;
}
