/* pattern.c: the one way common/ compiles its PCRE2 patterns (see
 * pattern_int.h). */
#include "pattern_int.h"

#include "recall/error.h"

pcre2_code *recall_pattern_compile(const char *pattern, uint32_t opts, const char *what,
                                   char *errstr, size_t errstr_size)
{
        PCRE2_UCHAR msg[256];
        PCRE2_SIZE at;
        pcre2_code *re;
        int err;

        re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                           opts | PCRE2_CASELESS | PCRE2_UTF | PCRE2_UCP, &err, &at, NULL);
        if (!re) {
                pcre2_get_error_message(err, msg, sizeof(msg));
                recall_error_set(errstr, errstr_size, "%s pattern at %zu: %s", what, (size_t)at,
                                 (char *)msg);
                return NULL;
        }
        /* without JIT (not supported here) the interpreter runs it */
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        return re;
}
