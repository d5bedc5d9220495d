/* pattern_int.h: compiling the PCRE2 patterns of common/ (objection.c,
 * assist.c) one way: caseless, UTF-8 with Unicode properties, JIT when the
 * platform has it (the interpreter runs it otherwise). */
#ifndef RECALL_PATTERN_INT_H
#define RECALL_PATTERN_INT_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

/* pattern with opts added to the common ones. NULL with errstr ("<what>
 * pattern at <offset>: <reason>") when it does not compile. The caller
 * frees the result with pcre2_code_free(). */
pcre2_code *recall_pattern_compile(const char *pattern, uint32_t opts, const char *what,
                                   char *errstr, size_t errstr_size);

#endif
