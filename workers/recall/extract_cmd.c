/* extract_cmd.c: `recall extract`, the qualification extractor on JSON
 * lines: {"id", "text"} in on stdin, the contract's object out on stdout,
 * one line each and in order (shared/eval/EXTRACTION.md). A bad line gets
 * {"id", "error"} and the run goes on. Needs no stack: nothing to connect to,
 * no settings to look up. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "recall/error.h"
#include "recall/extract.h"

static const char usage[] =
        "usage: recall extract [--gazetteer FILE]\n\n"
        "Reads lead messages as JSON lines {\"id\": ..., \"text\": \"...\"} on standard\n"
        "input and writes one JSON line per input line, in order, with the facts the\n"
        "message states (intent, budget, beds, baths, type, locations, timeline,\n"
        "financing, must-haves, home to sell). A line that is not JSON or has no\n"
        "string \"text\" gets {\"id\": ..., \"error\": \"...\"}.\n\noptions:\n"
        "  --gazetteer FILE  places to recognize, one per line (default: ZIP codes only)\n"
        "  --help            show this help\n";

/* Writes obj (stolen) as one compact line, encoded in one piece rather than
 * jansson's many small writes. 0, or -1 when stdout fails. */
static int emit(json_t *obj)
{
        char small[2048], *buf = small;
        size_t n;
        int r = -1;

        if (!obj)
                return -1;
        n = json_dumpb(obj, small, sizeof(small) - 1, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (n > sizeof(small) - 1) {
                buf = malloc(n + 1);
                if (buf)
                        n = json_dumpb(obj, buf, n, JSON_COMPACT | JSON_PRESERVE_ORDER);
        }
        if (buf && n) {
                buf[n++] = '\n';
                r = fwrite(buf, 1, n, stdout) == n ? 0 : -1;
        }
        if (buf != small)
                free(buf);
        json_decref(obj);
        return r;
}

static int emit_error(json_t *id, const char *why)
{
        return emit(json_pack("{s:O, s:s}", "id", id ? id : json_null(), "error", why));
}

/* One input line: 0 when a line went out (result or error), RECALL_ENOMEM,
 * or RECALL_EIO when stdout failed. */
static int process_line(recall_extractor_t *ex, const recall_gazetteer_t *gaz,
                        const char *line, size_t len)
{
        recall_extraction_t x;
        json_error_t jerr;
        json_t *root, *id, *text;
        char why[256];
        int r;

        if (!(root = json_loadb(line, len, 0, &jerr))) {
                snprintf(why, sizeof(why), "invalid JSON: %s", jerr.text);
                return emit_error(NULL, why) ? RECALL_EIO : 0;
        }
        if (!json_is_object(root)) {
                json_decref(root);
                return emit_error(NULL, "not a JSON object") ? RECALL_EIO : 0;
        }
        id = json_object_get(root, "id");
        text = json_object_get(root, "text");
        if (!json_is_string(text)) {
                r = emit_error(id, "no string \"text\"") ? RECALL_EIO : 0;
                json_decref(root);
                return r;
        }
        r = recall_extract(ex, gaz, json_string_value(text), json_string_length(text), &x);
        if (r == RECALL_EINVAL)
                r = emit_error(id, "text is not UTF-8") ? RECALL_EIO : 0;
        else if (!r)
                r = emit(recall_extraction_to_json(&x, id)) ? RECALL_EIO : 0;
        recall_extraction_release(&x);
        json_decref(root);
        return r;
}

int recall_cli_extract(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall extract"};
        recall_gazetteer_t *gaz = NULL;
        recall_extractor_t *ex = NULL;
        const char *gaz_path = NULL;
        char errstr[512], *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int code = 1, r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        return 0;
                }
                if ((r = recall_cmdline_value(&cl, argc, argv, &i, "--gazetteer", &gaz_path)) < 0)
                        return 2;
                if (!r)
                        return recall_cmdline_usage_error(cl.prog, "%s '%s'",
                                                          argv[i][0] == '-' ? "unknown option"
                                                                            : "unexpected argument",
                                                          argv[i]);
        }
        if (gaz_path && !(gaz = recall_gazetteer_load(gaz_path, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: cannot load gazetteer: %s\n", cl.prog, errstr);
                goto out;
        }
        if (!(ex = recall_extractor_new(errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        while ((n = getline(&line, &cap, stdin)) >= 0) {
                while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                        n--;
                if ((r = process_line(ex, gaz, line, (size_t)n))) {
                        fprintf(stderr, "%s: %s\n", cl.prog,
                                r == RECALL_EIO ? "cannot write to standard output"
                                                : recall_error_str(r));
                        goto out;
                }
        }
        if (ferror(stdin)) {
                fprintf(stderr, "%s: cannot read standard input\n", cl.prog);
                goto out;
        }
        code = fflush(stdout) ? 1 : 0;
        if (code)
                fprintf(stderr, "%s: cannot write to standard output\n", cl.prog);
out:
        free(line);
        recall_extractor_destroy(ex);
        recall_gazetteer_destroy(gaz);
        return code;
}
