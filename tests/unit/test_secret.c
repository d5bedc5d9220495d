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
        /* the environment wins over the file */
        setenv("RECALL_MASTER_KEY", HEX_B, 1);
        assert_int_equal(recall_secret_key_load(&from_env, path, err, sizeof(err)), 0);
        assert_memory_not_equal(k.key, from_env.key, sizeof(k.key));
        setenv("RECALL_MASTER_KEY", "abc", 1);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        assert_non_null(strstr(err, "RECALL_MASTER_KEY"));
        unsetenv("RECALL_MASTER_KEY");
        /* readable by others: refused, naming the file */
        chmod(path, 0644);
        assert_int_equal(recall_secret_key_load(&k, path, err, sizeof(err)), RECALL_EINVAL);
        assert_non_null(strstr(err, "chmod 600"));
        write_file(path, "not hex at all, not hex at all, not hex at all, not hex at all!!\n", 0600);
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
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_key_sources),
                cmocka_unit_test(test_key_create),
                cmocka_unit_test(test_mask),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
