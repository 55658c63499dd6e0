/* cmd_ops.c - `otwatch ops`: the operations log as a query (who did what
 * to which controller, when), from the state's operations index
 * (activity.h; views/oplist.c). Reads the state only, so it works beside
 * `run`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "addr.h"
#include "cli.h"
#include "oplist.h"

/* An address as the index stores it (otw_addr_str), or NULL if it is none. */
static const char *canonical_ip(const char *s, char out[64])
{
    otw_addr a;
    if (otw_addr_parse(s, &a) != 0)
        return NULL;
    return otw_addr_str(&a, out, 64);
}

int otw_cmd_ops(int argc, char **argv)
{
    const char *config = NULL, *state_opt = NULL, *format = NULL, *from = NULL, *to = NULL,
               *tz_text = NULL, *controller = NULL, *client = NULL, *classes = NULL,
               *lang_text = NULL;
    const otw_cli_opt opts[] = {OTW_OPT("config", 'c', config),
                                OTW_OPT("state", 's', state_opt),
                                OTW_OPT("format", 'F', format),
                                OTW_OPT("from", 'a', from),
                                OTW_OPT("to", 'b', to),
                                OTW_OPT("tz", 'z', tz_text),
                                OTW_OPT("controller", 'C', controller),
                                OTW_OPT("client", 'K', client),
                                OTW_OPT("class", 'k', classes),
                                OTW_OPT("lang", 'l', lang_text),
                                OTW_OPT_END};
    int first;
    int r = otw_cli_parse(
        "ops", argc, argv, opts,
        "usage: otwatch ops [--state DIR] [--from T] [--to T] [--tz +09:00]\n"
        "         [--controller IP] [--client IP] [--class write,control,...]\n"
        "         [--format table|csv|json] [--lang ja|en]\n"
        "  T: 2026-12-01T09:00, 2026-12-01 09:00:00+09:00, or back from now (24h, 7d)\n"
        "  classes: read write program_download program_upload control firmware\n"
        "           configuration diagnostic identity authentication account other",
        0, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    if (!format)
        format = "table";
    if (strcmp(format, "table") != 0 && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "otwatch ops: unknown format '%s' (table, csv, json)\n", format);
        return OTW_EXIT_USAGE;
    }
    otw_lang lang = otw_lang_default();
    if (lang_text && otw_lang_parse(lang_text, &lang) != 0) {
        fprintf(stderr, "otwatch ops: unknown language '%s' (ja, en)\n", lang_text);
        return OTW_EXIT_USAGE;
    }
    otw_ops_query q = {.classes = OTW_CLASS_ALL};
    int w = otw_cli_window("ops", tz_text, from, to, &q.tz_minutes, &q.from_us, &q.to_us);
    if (w != 0)
        return w;
    char cbuf[64], kbuf[64];
    if (controller && !(q.controller_ip = canonical_ip(controller, cbuf))) {
        fprintf(stderr, "otwatch ops: bad --controller '%s' (an IP address)\n", controller);
        return OTW_EXIT_USAGE;
    }
    if (client && !(q.client_ip = canonical_ip(client, kbuf))) {
        fprintf(stderr, "otwatch ops: bad --client '%s' (an IP address)\n", client);
        return OTW_EXIT_USAGE;
    }
    const char *bad_class = NULL;
    if (classes && (otw_class_set_parse(classes, &q.classes, &bad_class) != 0 || !q.classes)) {
        fprintf(stderr, "otwatch ops: unknown --class '%s' (%s)\n", bad_class ? bad_class : classes,
                "read, write, program_download, program_upload, control, firmware, configuration, "
                "diagnostic, identity, authentication, account, other");
        return OTW_EXIT_USAGE;
    }
    otw_config cfg;
    if (otw_cli_config("ops", config, &cfg, NULL) != 0)
        return OTW_EXIT_FAIL;
    const char *state = otw_cli_state_dir(&cfg, state_opt);
    return otw_list_ops(state, &q, format, lang, stdout) == 0 ? OTW_EXIT_OK : OTW_EXIT_FAIL;
}
