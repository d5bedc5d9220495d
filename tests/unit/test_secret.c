/* test_secret.c: sealing API keys with the master key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recall/error.h"
#include "recall/secret.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static char dir[64];

static int setup(void **state)
{
        (void)state;
        snprintf(dir, sizeof(dir), "/tmp/recall-secret.XXXXXX");
        unsetenv("RECALL_MASTER_KEY");
        return !mkdtemp(dir) || recall_secret_global_init();
}

static int teardown(void **state)
{
        char cmd[128];

        (void)state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        unsetenv("RECALL_MASTER_KEY");
        return system(cmd);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
        FILE *fp = fopen(path, "w");

        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
        chmod(path, mode);
}

static void test_round_trip(void **state)
{
        recall_secret_key_t a, b;
        char *sealed, *sealed2, *plain, *tampered;
        size_t len;

        (void)state;
        setenv("RECALL_MASTER_KEY", HEX_A, 1);
        assert_int_equal(recall_secret_key_load(&a, NULL, NULL, 0), 0);
        setenv("RECALL_MASTER_KEY", HEX_B, 1);
        assert_int_equal(recall_secret_key_load(&b, NULL, NULL, 0), 0);
        assert_int_equal(recall_secret_seal(&a, "sk-ant-api03-secret", 19, &sealed), 0);
        assert_int_equal(strncmp(sealed, "v1:", 3), 0);
        assert_null(strstr(sealed, "secret"));
        /* a random nonce: sealing twice never gives the same text */
        assert_int_equal(recall_secret_seal(&a, "sk-ant-api03-secret", 19, &sealed2), 0);
        assert_string_not_equal(sealed, sealed2);
        assert_int_equal(recall_secret_open(&a, sealed, &plain, &len), 0);
        assert_int_equal(len, 19);
        assert_string_equal(plain, "sk-ant-api03-secret");
        recall_secret_free(plain);
        /* another key, a changed byte, or not a sealed text: refused */
        assert_int_equal(recall_secret_open(&b, sealed, &plain, &len), RECALL_EINVAL);
        assert_null(plain);
        tampered = strdup(sealed);
        tampered[10] = tampered[10] == 'A' ? 'B' : 'A';
        assert_int_equal(recall_secret_open(&a, tampered, &plain, &len), RECALL_EINVAL);
        assert_int_equal(recall_secret_open(&a, "sk-ant-plain", &plain, &len), RECALL_EINVAL);
        assert_int_equal(recall_secret_open(&a, "v1:", &plain, &len), RECALL_EINVAL);
        assert_int_equal(recall_secret_open(&a, "v1:!!!", &plain, &len), RECALL_EINVAL);
        free(tampered);
        free(sealed);
        free(sealed2);
        unsetenv("RECALL_MASTER_KEY");
}

/* Secrets are bytes: an empty one and one holding NULs both come back whole. */
static void test_binary_plaintext(void **state)
{
        static const char bin[] = {'a', '\0', 'b', '\0', '\xff'};
        recall_secret_key_t k;
        char *sealed, *plain;
        size_t len;

        (void)state;
        setenv("RECALL_MASTER_KEY", HEX_A, 1);
        assert_int_equal(recall_secret_key_load(&k, NULL, NULL, 0), 0);
        unsetenv("RECALL_MASTER_KEY");
        assert_int_equal(recall_secret_seal(&k, bin, sizeof(bin), &sealed), 0);
        assert_int_equal(recall_secret_open(&k, sealed, &plain, &len), 0);
        assert_int_equal(len, sizeof(bin));
        assert_memory_equal(plain, bin, sizeof(bin));
        assert_int_equal(plain[len], '\0');
        recall_secret_free(plain);
        free(sealed);
        assert_int_equal(recall_secret_seal(&k, "", 0, &sealed), 0);
        assert_int_equal(recall_secret_open(&k, sealed, &plain, &len), 0);
        assert_int_equal(len, 0);
        assert_string_equal(plain, "");
        recall_secret_free(plain);
        recall_secret_free(NULL);
        /* cut short: not even a nonce and a MAC */
        sealed[10] = '\0';
        assert_int_equal(recall_secret_open(&k, sealed, &plain, &len), RECALL_EINVAL);
        free(sealed);
}

static void test_key_sources(void **state)
{
        recall_secret_key_t k, from_env;
        char path[128], err[256];

        (void)state;
        snprintf(path, sizeof(path), "%s/master.key", dir);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_ENOTFOUND);
        assert_int_equal(recall_secret_key_load(&k, NULL, err, sizeof(err)), RECALL_ENOTFOUND);
        write_file(path, HEX_A "\n", 0600);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), 0);
        assert_int_equal(k.key[0], 0x00);
        assert_int_equal(k.key[31], 0x1f);
        /* the environment wins over the file */
        setenv("RECALL_MASTER_KEY", HEX_B, 1);
        assert_int_equal(recall_secret_key_load(&from_env, path, err, sizeof(err)), 0);
        assert_int_equal(from_env.key[0], 0xff);
        assert_memory_equal(k.key + 1, from_env.key + 1, sizeof(k.key) - 1);
        setenv("RECALL_MASTER_KEY", "abc", 1);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        assert_non_null(strstr(err, "RECALL_MASTER_KEY"));
        /* 64 characters, not all hex */
        setenv("RECALL_MASTER_KEY",
               "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        setenv("RECALL_MASTER_KEY", HEX_A "00", 1);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        unsetenv("RECALL_MASTER_KEY");
        /* open to group or others: refused, naming the file */
        chmod(path, 0644);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        assert_non_null(strstr(err, "chmod 600"));
        assert_non_null(strstr(err, path));
        chmod(path, 0620);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        chmod(path, 0604);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        chmod(path, 0400);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), 0);
        /* no newline is fine; anything after the key is not */
        write_file(path, HEX_A, 0600);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), 0);
        write_file(path, HEX_A "\nX", 0600);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        write_file(path, HEX_A "          trailing", 0600);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        assert_non_null(strstr(err, path));
        write_file(path, "", 0600);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        write_file(path, "not hex at all, not hex at all, not hex at all, not hex at all!!\n",
                   0600);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
}

static void test_key_create(void **state)
{
        recall_secret_key_t k1, k2;
        char path[128], err[256];
        struct stat st;

        (void)state;
        snprintf(path, sizeof(path), "%s/new.key", dir);
        assert_int_equal(recall_secret_key_create(path, err, sizeof(err)), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(recall_secret_key_load(&k1, path, err, sizeof(err)), 0);
        /* again: the existing key stays */
        assert_int_equal(recall_secret_key_create(path, err, sizeof(err)), 0);
        assert_int_equal(recall_secret_key_load(&k2, path, err, sizeof(err)), 0);
        assert_memory_equal(k1.key, k2.key, sizeof(k1.key));
        assert_int_equal(recall_secret_key_create("/nonexistent/dir/key", err, sizeof(err)),
                         RECALL_EIO);
}

static void test_mask(void **state)
{
        char buf[64];

        (void)state;
        recall_secret_mask("sk-ant-api03-abcdefghijklmnop-WXYZ", buf, sizeof(buf));
        assert_string_equal(buf, "sk-ant-\xe2\x80\xa6WXYZ");
        recall_secret_mask("short", buf, sizeof(buf));
        assert_string_equal(buf, "*****");
        recall_secret_mask(NULL, buf, sizeof(buf));
        assert_string_equal(buf, "");
        /* 15 characters: still all stars; 16: the first 7 and last 4 */
        recall_secret_mask("abcdefghijklmno", buf, sizeof(buf));
        assert_string_equal(buf, "***************");
        recall_secret_mask("abcdefghijklmnop", buf, sizeof(buf));
        assert_string_equal(buf, "abcdefg\xe2\x80\xa6mnop");
        /* a small buffer is cut, never overrun */
        recall_secret_mask("short", buf, 3);
        assert_string_equal(buf, "**");
        buf[0] = 'x';
        recall_secret_mask("short", buf, 0);
        assert_int_equal(buf[0], 'x');
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_binary_plaintext),
                cmocka_unit_test(test_key_sources),
                cmocka_unit_test(test_key_create),
                cmocka_unit_test(test_mask),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
