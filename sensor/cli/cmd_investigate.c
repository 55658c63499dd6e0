/* cmd_investigate.c - `otwatch investigate --from T1 --to T2`: after an
 * incident on the office network, was the production line touched?
 * (investigate.h). Reads the state only, so it works beside `run`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "investigate.h"

/* The machine's offset from UTC now, in minutes (the default --tz). */
static int local_offset(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return 0;
    return (int)(tm.tm_gmtoff / 60);
}

int otw_cmd_investigate(int argc, char **argv)
{
    const char *config = NULL, *state_opt = NULL, *format = NULL, *from = NULL, *to = NULL,
               *tz_text = NULL, *host = NULL, *lang_text = NULL, *html = NULL;
    const char *zones[OTW_INV_MAX_ZONES];
    int n_zones = 0;
    const otw_cli_opt opts[] = {OTW_OPT("config", 'c', config),
                                OTW_OPT("state", 's', state_opt),
                                OTW_OPT("format", 'F', format),
                                OTW_OPT("from", 'a', from),
                                OTW_OPT("to", 'b', to),
                                OTW_OPT("tz", 'z', tz_text),
                                OTW_OPT("host", 'H', host),
                                OTW_OPT("lang", 'l', lang_text),
                                OTW_OPT("html", 'o', html),
                                OTW_OPT_LIST("zone", zones, n_zones, OTW_INV_MAX_ZONES),
                                OTW_OPT_END};
    int first;
    int r = otw_cli_parse(
        "investigate", argc, argv, opts,
        "usage: otwatch investigate --from T1 --to T2 [--tz +09:00] [--zone Z]... [--host IP]\n"
        "         [--lang ja|en] [--format text|json] [--html FILE] [--state DIR]\n"
        "  Was the production line touched between T1 and T2? Coverage, every communication\n"
        "  from the named zones (default: every IT or unassigned zone and the Internet) or\n"
        "  host into control and OT zones, every write, control, program, firmware,\n"
        "  configuration, login and account operation on controllers, new devices, address\n"
        "  changes, alerts, and one conclusion sentence.\n"
        "  T: 2026-12-01T09:00, 2026-12-01 09:00, or back from now (7d); read in --tz\n"
        "  (default: this machine's time zone)",
        0, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    if (format && strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        fprintf(stderr, "otwatch investigate: unknown format '%s' (text or json)\n", format);
        return OTW_EXIT_USAGE;
    }
    otw_inv_query q;
    memset(&q, 0, sizeof(q));
    q.lang = otw_lang_default();
    if (lang_text && otw_lang_parse(lang_text, &q.lang) != 0) {
        fprintf(stderr, "otwatch investigate: unknown language '%s' (ja or en)\n", lang_text);
        return OTW_EXIT_USAGE;
    }
    if (!from || !to) {
        fprintf(stderr, "otwatch investigate: give the window: --from T1 --to T2\n");
        return OTW_EXIT_USAGE;
    }
    q.tz_minutes = local_offset();
    int w = otw_cli_window("investigate", tz_text, from, to, &q.tz_minutes, &q.from_us, &q.to_us);
    if (w != 0)
        return w;
    otw_addr probe;
    if (host && otw_addr_parse(host, &probe) != 0) {
        fprintf(stderr, "otwatch investigate: --host '%s' is not an IP address\n", host);
        return OTW_EXIT_USAGE;
    }
    char host_text[64];
    if (host)
        q.host = otw_addr_str(&probe, host_text, sizeof(host_text)); /* as the state writes it */
    for (int i = 0; i < n_zones; i++)
        q.zones[i] = zones[i];
    q.n_zones = n_zones;
    otw_config cfg;
    if (otw_cli_config("investigate", config, &cfg, NULL) != 0)
        return OTW_EXIT_FAIL;
    const char *state = otw_cli_state_dir(&cfg, state_opt);
    char err[512] = "";
    otw_investigation inv;
    if (otw_investigate(&cfg, state, &q, &inv, err, sizeof(err)) != 0) {
        fprintf(stderr, "otwatch investigate: %s\n", err);
        return OTW_EXIT_FAIL;
    }
    int rc = OTW_EXIT_OK;
    if (html) {
        FILE *f = fopen(html, "w");
        if (!f) {
            fprintf(stderr, "otwatch investigate: cannot write %s\n", html);
            rc = OTW_EXIT_FAIL;
        } else {
            otw_inv_write_html(&inv, f);
            if (fclose(f) != 0) {
                fprintf(stderr, "otwatch investigate: cannot write %s\n", html);
                rc = OTW_EXIT_FAIL;
            }
        }
    }
    if (format && strcmp(format, "json") == 0) {
        if (otw_inv_write_json(&inv, stdout) != 0)
            rc = OTW_EXIT_FAIL;
    } else {
        otw_inv_write_text(&inv, stdout);
        if (html && rc == OTW_EXIT_OK)
            printf("\n%s %s\n", q.lang == OTW_LANG_JA ? "報告書:" : "report:", html);
    }
    otw_investigation_free(&inv);
    return rc;
}
