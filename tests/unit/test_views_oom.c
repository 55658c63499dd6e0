/* test_views_oom.c - an allocation failure in a view is an error, never an
 * empty section (issue 13): the report, a listing and the boundary export
 * are run once with every allocation through otw_grow/otw_alloc_array
 * (sensor/util/grow.h) failing in turn, and each run must return nonzero
 * without claiming an absence ("no crossings", "0 alerts"). The failure
 * comes from the test-only hook otw_alloc_fail_hook, defined here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "boundary.h"
#include "grow.h"
#include "i18n.h"
#include "listing.h"
#include "report.h"
#include "store.h"

/* ------------------------------------------------------- the hook */

static size_t alloc_calls; /* allocations through grow.h since the reset */
static size_t fail_call;   /* the one that fails (1-based), 0 = none */

bool otw_alloc_fail_hook(void)
{
    return ++alloc_calls == fail_call;
}

static void fail_only(size_t call)
{
    alloc_calls = 0;
    fail_call = call;
}

/* ------------------------------------------------------- fixture */

static char g_dir[64];
static char g_yaml[128];
static otw_config g_cfg;

static const char *namer(void *ctx, uint16_t key)
{
    (void)ctx;
    return key == 1 ? "modbus" : "other";
}

static otw_addr ip(const char *s)
{
    otw_addr a;
    assert_int_equal(otw_addr_parse(s, &a), 0);
    return a;
}

/* Two zones, a conduit for Modbus from scada to cell: one allowed and one
 * violating crossing, assets on both sides, two alerts. */
static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/otw-views-oom-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_yaml, sizeof(g_yaml), "%s/z.yaml", g_dir);
    FILE *y = fopen(g_yaml, "w");
    if (!y)
        return -1;
    fputs("zones:\n"
          "  - name: scada\n"
          "    cidrs: [10.1.2.0/24]\n"
          "    level: 2\n"
          "  - name: cell\n"
          "    cidrs: [10.1.1.0/24]\n"
          "    kind: control\n"
          "conduits:\n"
          "  - name: hmi\n"
          "    from: scada\n"
          "    to: cell\n"
          "    protocols: [modbus]\n",
          y);
    fclose(y);
    char err[512];
    otw_config_defaults(&g_cfg);
    if (otw_config_load(&g_cfg, g_yaml, err, sizeof(err)) != 0) {
        fprintf(stderr, "config: %s\n", err);
        return -1;
    }

    otw_inventory *inv = otw_inventory_new(&g_cfg, NULL, NULL, NULL);
    otw_comms *comms = otw_comms_new(64);
    otw_alerts *alerts = otw_alerts_new(64, NULL, NULL);
    otw_store *st = otw_store_open(g_dir, false, err, sizeof(err));
    if (!inv || !comms || !alerts || !st) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    const uint8_t mac_plc[6] = {0x00, 0x80, 0xf4, 0, 0, 1},
                  mac_hmi[6] = {0x00, 0x80, 0xf4, 0, 0, 2};
    otw_addr plc = ip("10.1.1.10"), hmi = ip("10.1.2.20");
    uint32_t a = otw_inventory_arp(inv, mac_plc, &plc, 1700000000000000ull);
    otw_inventory_add_proto(inv, a, 1, true);
    otw_inventory_arp(inv, mac_hmi, &hmi, 1700000000000001ull);
    bool created;
    otw_comms_get(comms, &hmi, &plc, 1, 502, 6, 1700000000000002ull, &created);
    otw_comms_get(comms, &hmi, &plc, 2, 22, 6, 1700000000000003ull, &created); /* violation */
    otw_alert al;
    memset(&al, 0, sizeof(al));
    snprintf(al.type, sizeof(al.type), "ZONE_VIOLATION");
    al.severity = OTW_SEV_HIGH;
    al.src.has_ip = true;
    al.src.ip = hmi;
    snprintf(al.message, sizeof(al.message), "ssh into the cell");
    otw_alerts_raise(alerts, &al, 1700000000000004ull, 1);
    snprintf(al.type, sizeof(al.type), "NEW_ASSET");
    al.severity = OTW_SEV_MEDIUM;
    otw_alerts_raise(alerts, &al, 1700000000000005ull, 1);
    int rc = otw_store_checkpoint(st, inv, comms, alerts, namer, NULL, err, sizeof(err));
    otw_store_close(st);
    otw_inventory_free(inv);
    otw_comms_free(comms);
    otw_alerts_free(alerts);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"state.db", "state.db-wal", "state.db-shm", "z.yaml"};
    char p[256];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", g_dir, names[i]);
        unlink(p);
    }
    rmdir(g_dir);
    return 0;
}

/* ------------------------------------------------------- running a view */

typedef enum view { V_REPORT, V_ALERTS_TABLE, V_ASSETS_JSON, V_BOUNDARY_NFT } view;

/* Runs the view into memory (its stderr to /dev/null); returns its output. */
static char *run(view v, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    dup2(fileno(null), STDERR_FILENO);
    switch (v) {
    case V_REPORT:
        *rc = otw_report_write(&g_cfg, g_dir, OTW_LANG_EN, 0, out);
        break;
    case V_ALERTS_TABLE:
        *rc = otw_list_alerts(g_dir, "table", out);
        break;
    case V_ASSETS_JSON:
        *rc = otw_list_assets(g_dir, "json", out);
        break;
    case V_BOUNDARY_NFT:
        *rc = otw_boundary_write(&g_cfg, g_dir, "nft", out);
        break;
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    fclose(null);
    fclose(out);
    return text;
}

/* The view without failures, then failing each of its allocations in turn:
 * every such run is an error, and none says what the complete run denies. */
static void each_failure_is_an_error(view v, const char *complete_has, const char *absence)
{
    int rc;
    fail_only(0);
    char *full = run(v, &rc);
    size_t n_allocs = alloc_calls;
    assert_int_equal(rc, 0);
    assert_non_null(strstr(full, complete_has));
    assert_null(strstr(full, absence));
    free(full);
    assert_true(n_allocs >= 2); /* the loader at least */
    for (size_t k = 1; k <= n_allocs; k++) {
        fail_only(k);
        char *part = run(v, &rc);
        if (rc == 0 || strstr(part, absence))
            fail_msg("allocation %zu of %zu failed: exit %d, output:\n%s", k, n_allocs, rc, part);
        free(part);
    }
    fail_only(0);
}

static void test_report(void **state)
{
    (void)state;
    /* The boundary table is in the complete report; with memory short it
     * must never become "no crossings". */
    each_failure_is_an_error(V_REPORT, "id=\"boundary-table\"",
                             otw_i18n(OTW_LANG_EN, OTW_M_NO_CROSSINGS));
}

static void test_alert_listing(void **state)
{
    (void)state;
    each_failure_is_an_error(V_ALERTS_TABLE, "2 alerts\n", "0 alerts\n");
}

static void test_asset_listing_json(void **state)
{
    (void)state;
    each_failure_is_an_error(V_ASSETS_JSON, "\"10.1.1.10\"", "[]\n");
}

static void test_boundary_export(void **state)
{
    (void)state;
    /* nft: the accept for the conduit, never a ruleset of drops only. */
    each_failure_is_an_error(V_BOUNDARY_NFT, "dport 502 accept", "(0 rules)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report),
        cmocka_unit_test(test_alert_listing),
        cmocka_unit_test(test_asset_listing_json),
        cmocka_unit_test(test_boundary_export),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
