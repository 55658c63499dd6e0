/* test_oui.c - unit tests for the IEEE registry lookup (sensor/util/oui.c):
 * a fake registry directory with tricky CSV, and the installed ieee-data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "oui.h"

#ifndef OTW_OUI_DIR
#define OTW_OUI_DIR "/usr/share/ieee-data"
#endif

static char g_dir[64];

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    unlink(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/otw-test-oui-XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    remove_file("oui.csv");
    remove_file("mam.csv");
    remove_file("oui36.csv");
    remove_file("iab.csv");
    rmdir(g_dir);
    return 0;
}

static const char *lookup(const otw_oui *o, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e,
                          uint8_t f)
{
    const uint8_t mac[6] = {a, b, c, d, e, f};
    return otw_oui_lookup(o, mac);
}

static void test_fake_registry(void **state)
{
    (void)state;
    write_file("oui.csv", "Registry,Assignment,Organization Name,Organization Address\r\n"
                          "MA-L,00AA01,\"Acme, Inc.\",\"1 Road, Town\r\nSecond line\"\r\n"
                          "MA-L,00aa02,\"The \"\"Quoted\"\" Co\",Somewhere\r\n"
                          "MA-L,00AA03,  Padded Name  ,x\r\n"
                          "MA-L,00AA01,Duplicate Loses,x\r\n"
                          "MA-L,ZZZZZZ,Bad Hex,x\r\n"
                          "MA-L,00AA0,Too Short,x\r\n"
                          "MA-L,00AA04,,empty name skipped\r\n"
                          "\r\n"
                          "MA-L,00AA05\r\n"
                          "MA-L,001122,Parent Block,x\r\n"
                          "MA-L,00AA06,Last Line No Newline,x");
    write_file("mam.csv", "Registry,Assignment,Organization Name,Organization Address\n"
                          "MA-M,0011223,Medium Block,x\n");
    write_file("oui36.csv", "Registry,Assignment,Organization Name,Organization Address\n"
                            "MA-S,001122345,\"Small, Block\",x\n");
    write_file("iab.csv", "Registry,Assignment,Organization Name,Organization Address\n"
                          "IAB,00AA01ABC,Iab Entry,x\n");
    char err[256] = "x";
    otw_oui *o = otw_oui_load(g_dir, err, sizeof(err));
    if (o == NULL)
        fail_msg("%s", err);
    assert_int_equal(otw_oui_count(o), 8); /* 5 MA-L, 1 MA-M, 2 36-bit */

    assert_string_equal(lookup(o, 0x00, 0xAA, 0x01, 0, 0, 1), "Acme, Inc.");
    assert_string_equal(lookup(o, 0x00, 0xAA, 0x02, 0xff, 0xff, 0xff), "The \"Quoted\" Co");
    assert_string_equal(lookup(o, 0x00, 0xAA, 0x03, 1, 2, 3), "Padded Name");
    assert_string_equal(lookup(o, 0x00, 0xAA, 0x06, 1, 2, 3), "Last Line No Newline");
    assert_null(lookup(o, 0x00, 0xAA, 0x04, 1, 2, 3));
    assert_null(lookup(o, 0x00, 0xAA, 0x05, 1, 2, 3));
    assert_null(lookup(o, 0x00, 0xAA, 0x07, 1, 2, 3));
    /* 36-bit IAB inside a 24-bit block. */
    assert_string_equal(lookup(o, 0x00, 0xAA, 0x01, 0xAB, 0xC9, 9), "Iab Entry");
    assert_string_equal(lookup(o, 0x00, 0xAA, 0x01, 0xAB, 0xD0, 9), "Acme, Inc.");

    /* Most specific wins: 36 > 28 > 24 bits. */
    assert_string_equal(lookup(o, 0x00, 0x11, 0x22, 0x34, 0x5F, 0xFF), "Small, Block");
    assert_string_equal(lookup(o, 0x00, 0x11, 0x22, 0x34, 0x60, 0x00), "Medium Block");
    assert_string_equal(lookup(o, 0x00, 0x11, 0x22, 0x3F, 0xFF, 0xFF), "Medium Block");
    assert_string_equal(lookup(o, 0x00, 0x11, 0x22, 0x40, 0x00, 0x00), "Parent Block");
    assert_string_equal(lookup(o, 0x00, 0x11, 0x22, 0x2F, 0xFF, 0xFF), "Parent Block");

    /* Group and locally administered addresses never match. */
    assert_null(lookup(o, 0x01, 0xAA, 0x01, 0, 0, 1));
    assert_null(lookup(o, 0x02, 0xAA, 0x01, 0, 0, 1));
    assert_null(lookup(o, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF));
    assert_null(otw_oui_lookup(NULL, (const uint8_t[6]){0}));
    otw_oui_free(o);

    /* Without the optional files only the 24-bit blocks remain. */
    remove_file("mam.csv");
    remove_file("oui36.csv");
    remove_file("iab.csv");
    o = otw_oui_load(g_dir, err, sizeof(err));
    assert_non_null(o);
    assert_string_equal(lookup(o, 0x00, 0x11, 0x22, 0x34, 0x5F, 0xFF), "Parent Block");
    otw_oui_free(o);
}

static void test_load_errors(void **state)
{
    (void)state;
    char err[256], want[256];
    remove_file("oui.csv");
    assert_null(otw_oui_load(g_dir, err, sizeof(err)));
    snprintf(want, sizeof(want), "oui: cannot load %s/oui.csv: No such file or directory", g_dir);
    assert_string_equal(err, want);

    write_file("oui.csv", "Registry,Assignment,Organization Name,Organization Address\n");
    assert_null(otw_oui_load(g_dir, err, sizeof(err)));
    snprintf(want, sizeof(want), "oui: no entries in %s/oui.csv", g_dir);
    assert_string_equal(err, want);

    /* Unterminated quote at the end: no crash, the record still counts. */
    write_file("oui.csv", "MA-L,00AA01,\"Open quote");
    otw_oui *o = otw_oui_load(g_dir, err, sizeof(err));
    assert_non_null(o);
    assert_string_equal(lookup(o, 0x00, 0xAA, 0x01, 0, 0, 0), "Open quote");
    otw_oui_free(o);
    otw_oui_free(NULL);
    assert_null(otw_oui_load("/nonexistent-otw-dir", NULL, 0));
}

/* Finds the first unquoted line of registry file name, returns its
 * assignment and name (so the test follows whatever ieee-data is installed). */
static bool first_plain_entry(const char *name, char *assign, size_t asz, char *org, size_t osz)
{
    char path[256], line[1024];
    snprintf(path, sizeof(path), "%s/%s", OTW_OUI_DIR, name);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        char *a = strchr(line, ','), *n, *e;
        if (strchr(line, '"') || a == NULL || (n = strchr(a + 1, ',')) == NULL ||
            (e = strchr(n + 1, ',')) == NULL || strncmp(line, "Registry", 8) == 0)
            continue;
        *n = *e = '\0';
        while (e > n + 1 && e[-1] == ' ')
            *--e = '\0';
        if (n[1] == '\0')
            continue;
        snprintf(assign, asz, "%s", a + 1);
        snprintf(org, osz, "%s", n + 1);
        found = true;
    }
    fclose(f);
    return found;
}

static void mac_from_assign(const char *assign, uint8_t mac[6])
{
    /* Pad the assignment to 12 hex digits with 8s (inside the block). */
    char hex[13];
    size_t n = strlen(assign);
    memset(hex, '8', 12);
    hex[12] = '\0';
    memcpy(hex, assign, n < 12 ? n : 12);
    for (int i = 0; i < 6; i++) {
        char byte[3] = {hex[2 * i], hex[2 * i + 1], '\0'};
        mac[i] = (uint8_t)strtoul(byte, NULL, 16);
    }
}

static void test_installed_registry(void **state)
{
    (void)state;
    char err[256];
    if (access(OTW_OUI_DIR "/oui.csv", R_OK) != 0)
        skip();
    otw_oui *o = otw_oui_load(OTW_OUI_DIR, err, sizeof(err));
    if (o == NULL)
        fail_msg("%s", err);
    assert_true(otw_oui_count(o) > 30000);

    /* Stable, long-assigned OT vendors. */
    assert_string_equal(lookup(o, 0x00, 0x0E, 0x8C, 0x12, 0x34, 0x56), "Siemens AG");
    /* Listed as "Siemens AG," in the registry: the trailing comma goes. */
    assert_string_equal(lookup(o, 0x00, 0x1B, 0x1B, 0x12, 0x34, 0x56), "Siemens AG");
    assert_string_equal(lookup(o, 0x00, 0x80, 0xF4, 0x01, 0x02, 0x03), "TELEMECANIQUE ELECTRIQUE");
    assert_null(lookup(o, 0x01, 0x0E, 0x8C, 0x12, 0x34, 0x56));
    assert_null(lookup(o, 0x02, 0x0E, 0x8C, 0x12, 0x34, 0x56));

    /* One entry of each finer registry, read from the installed files. */
    static const char *const files[] = {"oui.csv", "mam.csv", "oui36.csv"};
    for (size_t i = 0; i < 3; i++) {
        char assign[32], org[256];
        uint8_t mac[6];
        if (!first_plain_entry(files[i], assign, sizeof(assign), org, sizeof(org)))
            continue;
        mac_from_assign(assign, mac);
        if (mac[0] & 3)
            continue;
        const char *got = otw_oui_lookup(o, mac);
        if (got == NULL || strcmp(got, org) != 0)
            fail_msg("%s %s: want \"%s\", got \"%s\"", files[i], assign, org, got ? got : "NULL");
    }
    otw_oui_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fake_registry),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_installed_registry),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
