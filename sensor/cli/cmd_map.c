/* cmd_map.c - `otwatch map`: the network map by zone, SVG or Graphviz. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "netmap.h"

int otw_cmd_map(int argc, char **argv)
{
    const char *config = NULL, *state = NULL, *format = "svg", *lang_text = NULL;
    const otw_cli_opt opts[] = {OTW_OPT("config", 'c', config), OTW_OPT("state", 's', state),
                                OTW_OPT("format", 'F', format), OTW_OPT("lang", 'l', lang_text),
                                OTW_OPT_END};
    int first;
    int r = otw_cli_parse("map", argc, argv, opts,
                          "usage: otwatch map [--format svg|dot] [--lang ja|en] [--config FILE] "
                          "[--state DIR]",
                          0, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    otw_lang lang = otw_lang_default();
    if (lang_text && otw_lang_parse(lang_text, &lang) != 0) {
        fprintf(stderr, "otwatch map: unknown language '%s' (ja, en)\n", lang_text);
        return OTW_EXIT_USAGE;
    }
    if (strcmp(format, "svg") != 0 && strcmp(format, "dot") != 0) {
        fprintf(stderr, "otwatch map: unknown format '%s' (svg, dot)\n", format);
        return 2;
    }
    otw_config *cfg = malloc(sizeof(*cfg));
    if (!cfg) {
        fprintf(stderr, "otwatch map: out of memory\n");
        return 1;
    }
    if (otw_cli_config("map", config, cfg, NULL) != 0) {
        free(cfg);
        return 1;
    }
    state = otw_cli_state_dir(cfg, state);
    char err[512];
    otw_netmap *m = otw_netmap_load(cfg, state, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "otwatch map: %s\n", err);
        free(cfg);
        return 1;
    }
    if (strcmp(format, "dot") == 0)
        otw_netmap_dot(m, lang, stdout);
    else
        otw_netmap_svg(m, lang, true, stdout);
    otw_netmap_free(m);
    free(cfg);
    return fflush(stdout) == 0 ? 0 : 1;
}
