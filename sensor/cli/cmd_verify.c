/* cmd_verify.c - `otwatch verify`: are the evidence chains intact? */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "verify.h"

int otw_cmd_verify(int argc, char **argv)
{
    const char *config = NULL, *state = NULL, *lang_text = NULL;
    const otw_cli_opt opts[] = {OTW_OPT("config", 'c', config), OTW_OPT("state", 's', state),
                                OTW_OPT("lang", 'l', lang_text), OTW_OPT_END};
    int first;
    int r = otw_cli_parse("verify", argc, argv, opts,
                          "usage: otwatch verify [--state DIR] [--lang ja|en] [--config FILE]", 0,
                          &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    otw_lang lang = otw_lang_default();
    if (lang_text && otw_lang_parse(lang_text, &lang) != 0) {
        fprintf(stderr, "otwatch verify: unknown language '%s' (ja, en)\n", lang_text);
        return OTW_EXIT_USAGE;
    }
    otw_config *cfg = malloc(sizeof(*cfg));
    if (!cfg) {
        fprintf(stderr, "otwatch verify: out of memory\n");
        return OTW_EXIT_FAIL;
    }
    if (otw_cli_config("verify", config, cfg, NULL) != 0) {
        free(cfg);
        return OTW_EXIT_FAIL;
    }
    char err[1024];
    int rc = otw_verify_state(cfg, otw_cli_state_dir(cfg, state), lang, stdout, err, sizeof(err));
    free(cfg);
    if (rc < 0) {
        fprintf(stderr, "otwatch verify: %s\n", err);
        return OTW_EXIT_FAIL;
    }
    if (fflush(stdout) != 0)
        return OTW_EXIT_FAIL;
    return rc == 0 ? OTW_EXIT_OK : OTW_EXIT_FAIL;
}
