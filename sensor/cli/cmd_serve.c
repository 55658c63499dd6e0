/* cmd_serve.c - `otwatch serve`: the web console over a state directory. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "web.h"

int otw_cmd_serve(int argc, char **argv)
{
    const char *config = NULL, *state = NULL, *hash_password = NULL;
    otw_web_options o = {0};
    const otw_cli_opt opts[] = {
        OTW_OPT("listen", 0, o.listen),
        OTW_OPT("state", 0, state),
        OTW_OPT("config", 0, config),
        OTW_OPT("tls-cert", 0, o.tls_cert),
        OTW_OPT("tls-key", 0, o.tls_key),
        OTW_OPT("admin-hash-file", 0, o.admin_hash_file),
        OTW_OPT("web-root", 0, o.web_root),
        OTW_OPT_LIST("allow-host", o.allow_hosts, o.n_allow_hosts, OTW_WEB_MAX_ALLOW_HOSTS),
        OTW_FLAG("hash-password", 0, hash_password),
        OTW_OPT_END};
    int first;
    int r =
        otw_cli_parse("serve", argc, argv, opts,
                      "usage: otwatch serve [--listen ADDR:PORT] [--state DIR] [--config FILE]\n"
                      "         [--tls-cert FILE --tls-key FILE] [--admin-hash-file FILE]\n"
                      "         [--allow-host NAME]... [--web-root DIR]\n"
                      "       otwatch serve --hash-password   (password on stdin)\n"
                      "Defaults come from the web: section of the configuration; an option "
                      "given\nhere wins (--allow-host adds to web.allow_hosts).",
                      0, &first);
    if (r != 0)
        return r == OTW_CLI_HELP ? OTW_EXIT_OK : r;
    if (hash_password)
        return otw_web_hash_password();
    otw_config *cfg = malloc(sizeof(*cfg));
    if (!cfg) {
        fprintf(stderr, "otwatch serve: out of memory\n");
        return OTW_EXIT_FAIL;
    }
    if (otw_cli_config("serve", config, cfg, NULL) != 0) {
        free(cfg);
        return OTW_EXIT_FAIL;
    }
    int rc = otw_web_serve(cfg, otw_cli_state_dir(cfg, state), &o);
    free(cfg);
    return rc;
}
