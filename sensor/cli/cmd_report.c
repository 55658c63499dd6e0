/* cmd_report.c - `otwatch report --html FILE`: the boundary review as one
 * self-contained HTML file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"

int otw_cmd_report(int argc, char **argv)
{
    const char *config = NULL, *state = NULL, *html = NULL, *lang_text = NULL, *tz_text = NULL;
    const otw_cli_opt opts[] = {OTW_OPT("config", 'c', config), OTW_OPT("state", 's', state),
                                OTW_OPT("html", 'H', html),     OTW_OPT("lang", 'l', lang_text),
                                OTW_OPT("tz", 'z', tz_text),    OTW_OPT_END};
    int first;
    int r = otw_cli_parse("report", argc, argv, opts,
                          "usage: otwatch report --html FILE [--lang ja|en] [--tz +HH:MM] "
                          "[--config FILE] [--state DIR]",
                          0, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    otw_lang lang = otw_lang_default();
    if (lang_text && otw_lang_parse(lang_text, &lang) != 0) {
        fprintf(stderr, "otwatch report: unknown language '%s' (ja, en)\n", lang_text);
        return OTW_EXIT_USAGE;
    }
    int tz = 0;
    if (tz_text && otw_report_parse_tz(tz_text, &tz) != 0) {
        fprintf(stderr, "otwatch report: bad --tz '%s' (e.g. +09:00, -05:00, UTC)\n", tz_text);
        return OTW_EXIT_USAGE;
    }
    if (!html) {
        fprintf(stderr, "otwatch report: give --html FILE (\"-\" for standard output)\n");
        return 2;
    }
    otw_config *cfg = malloc(sizeof(*cfg));
    if (!cfg) {
        fprintf(stderr, "otwatch report: out of memory\n");
        return 1;
    }
    if (otw_cli_config("report", config, cfg, NULL) != 0) {
        free(cfg);
        return 1;
    }
    state = otw_cli_state_dir(cfg, state);
    /* Written beside the target and renamed: a failed run leaves no half file. */
    bool to_stdout = strcmp(html, "-") == 0;
    char tmp[OTW_PATH_MAX + 16];
    FILE *out = stdout;
    if (!to_stdout) {
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", html) >= (int)sizeof(tmp)) {
            fprintf(stderr, "otwatch report: path too long: %s\n", html);
            free(cfg);
            return 1;
        }
        out = fopen(tmp, "w");
        if (!out) {
            fprintf(stderr, "otwatch report: cannot write %s: %s\n", tmp, strerror(errno));
            free(cfg);
            return 1;
        }
    }
    int rc = otw_report_write(cfg, state, lang, tz, out);
    if (to_stdout) {
        if (fflush(out) != 0)
            rc = 1;
    } else {
        if (fclose(out) != 0) {
            fprintf(stderr, "otwatch report: cannot write %s: %s\n", tmp, strerror(errno));
            rc = 1;
        }
        if (rc == 0 && rename(tmp, html) != 0) {
            fprintf(stderr, "otwatch report: cannot write %s: %s\n", html, strerror(errno));
            rc = 1;
        }
        if (rc != 0)
            unlink(tmp);
    }
    free(cfg);
    return rc;
}
