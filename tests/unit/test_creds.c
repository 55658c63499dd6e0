/* test_creds.c - the credentials module (sensor/analysis/creds.c): the shipped
 * tables, default-credential matching, weak passwords, CLEARTEXT_LOGIN
 * severities by zone, BRUTE_FORCE and CREDENTIAL_SPRAY thresholds and
 * windows, user redaction, table errors - and no secret in any alert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alerts.h"
#include "config.h"
#include "creds.h"

typedef struct fx {
    otw_config cfg;
    otw_alerts *alerts;
    otw_creds *creds;
    char tsv[64], weak[64];
} fx;

/* A small table of our own, so the expectations do not move with the data. */
static const char table[] = "# test table\n"
                            "vendor\tproduct\tprotocol\tuser\tpassword\tsource\n"
                            "Hikvision\tIP cameras\tany\tadmin\t12345\tmanual\n"
                            "Acme\tPLC web\thttp\tadmin\t12345\tmanual\n"
                            "any\tSNMP agents\tsnmp\t\tpublic\tRFC\n"
                            "Moxa\tswitches\tsnmp\t\tpublic\tmanual\n"
                            "Moxa\tNPort\tany\tadmin\t\tmanual\n"
                            "Omron\tETN21 FTP\tftp\tCONFIDENTIAL\t\tmanual\n";
static const char weak[] = "# weak\n123456\npassword\n";

static void write_file(char *path, const char *text)
{
    strcpy(path, "/tmp/otw-creds-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    otw_config_defaults(&f->cfg);
    write_file(f->tsv, table);
    write_file(f->weak, weak);
    snprintf(f->cfg.creds_defaults_file, sizeof(f->cfg.creds_defaults_file), "%s", f->tsv);
    snprintf(f->cfg.creds_weak_file, sizeof(f->cfg.creds_weak_file), "%s", f->weak);
    f->alerts = otw_alerts_new(1024, NULL, NULL);
    char err[256];
    f->creds = otw_creds_new(&f->cfg, f->alerts, err, sizeof(err));
    if (!f->creds)
        fail_msg("%s", err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    otw_creds_free(f->creds);
    otw_alerts_free(f->alerts);
    unlink(f->tsv);
    unlink(f->weak);
    free(f);
    return 0;
}

static otw_endpoint ep(const char *ip, uint16_t port)
{
    otw_endpoint e;
    memset(&e, 0, sizeof(e));
    e.has_ip = true;
    assert_int_equal(otw_addr_parse(ip, &e.ip), 0);
    e.port = port;
    return e;
}

/* Observes one login with a secret given as a C string (NULL = none). */
static void login(fx *f, otw_proto proto, const char *user, const char *secret, otw_login_outcome o,
                  const char *client, const char *server, uint64_t ts)
{
    otw_credential c;
    memset(&c, 0, sizeof(c));
    c.protocol = proto;
    c.method = "test";
    snprintf(c.user, sizeof(c.user), "%s", user);
    /* the secret lives in a heap buffer freed (and poisoned) right after
     * the call: the module must not keep the pointer */
    char *buf = NULL;
    if (secret) {
        buf = strdup(secret);
        c.has_secret = true;
        c.secret = (const uint8_t *)buf;
        c.secret_len = strlen(secret);
    }
    c.outcome = o;
    c.ts_us = ts;
    otw_endpoint cl = ep(client, 40000), sv = ep(server, 80);
    otw_creds_observe(f->creds, &c, &cl, &sv, 0);
    if (buf) {
        memset(buf, 'X', strlen(buf));
        free(buf);
    }
}

static size_t count(fx *f, const char *type)
{
    size_t n = 0;
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        if (strcmp(otw_alerts_at(f->alerts, i)->type, type) == 0)
            n++;
    return n;
}

static const otw_alert *find(fx *f, const char *type)
{
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        if (strcmp(otw_alerts_at(f->alerts, i)->type, type) == 0)
            return otw_alerts_at(f->alerts, i);
    return NULL;
}

/* No alert, rendered as the outputs render it, contains the text. */
static void assert_nowhere(fx *f, const char *text)
{
    char json[2048];
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++) {
        const otw_alert *a = otw_alerts_at(f->alerts, i);
        assert_true(otw_alert_json(a, json, sizeof(json)) > 0);
        if (strstr(json, text))
            fail_msg("\"%s\" found in alert %s", text, json);
    }
}

static void test_shipped_tables(void **state)
{
    (void)state;
#ifdef OTW_SOURCE_DIR
    /* the repository's table: >= 200 rows of 6 columns, each with a source */
    FILE *fp = fopen(OTW_SOURCE_DIR "/data/default_credentials.tsv", "r");
    assert_non_null(fp);
    char line[1024];
    int rows = 0;
    while (fgets(line, sizeof(line), fp)) {
        if (line[0] == '#' || line[0] == '\n' || strncmp(line, "vendor\t", 7) == 0)
            continue;
        int tabs = 0;
        for (char *p = line; *p; p++)
            tabs += *p == '\t';
        assert_int_equal(tabs, 5);
        char *src = strrchr(line, '\t') + 1;
        assert_true(strlen(src) > 3);
        rows++;
    }
    fclose(fp);
    assert_true(rows >= 200);
    /* the defaults point at the build's data directory and load */
    otw_config c;
    otw_config_defaults(&c);
    otw_alerts *al = otw_alerts_new(16, NULL, NULL);
    char err[256];
    otw_creds *cr = otw_creds_new(&c, al, err, sizeof(err));
    if (!cr)
        fail_msg("%s", err);
    otw_creds_free(cr);
    otw_alerts_free(al);
#else
    skip();
#endif
}

static void test_default_match(void **state)
{
    fx *f = *state;
    login(f, OTW_PROTO_HTTP, "Admin", "12345", OTW_LOGIN_SUCCESS, "10.0.0.5", "10.0.0.9", 1);
    const otw_alert *a = find(f, "DEFAULT_CREDENTIALS");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_CRITICAL);
    assert_string_equal(a->technique, "T0812");
    assert_string_equal(a->protocol, "http");
    /* http's own entry is preferred over an "any" one, the other is named */
    assert_non_null(strstr(a->message, "Acme PLC web"));
    assert_non_null(strstr(a->message, "Hikvision"));
    assert_non_null(strstr(a->message, "Admin"));
    assert_string_equal(a->key, "user=Admin");
    assert_int_equal(a->dst.port, 80);
    assert_int_equal(a->src.port, 0);
    /* the login is also in the clear ("12345" is not in this weak list) */
    const otw_alert *c = find(f, "CLEARTEXT_LOGIN");
    assert_non_null(c);
    assert_string_equal(c->technique, "T0859");
    assert_int_equal(c->severity, OTW_SEV_MEDIUM);
    assert_null(strstr(c->message, "weak"));
    assert_nowhere(f, "12345");
}

static void test_default_rules(void **state)
{
    fx *f = *state;
    /* a refused default: the device changed it; no DEFAULT_CREDENTIALS */
    login(f, OTW_PROTO_TELNET, "admin", "12345", OTW_LOGIN_FAILURE, "10.0.0.5", "10.0.0.9", 1);
    assert_int_equal(count(f, "DEFAULT_CREDENTIALS"), 0);
    assert_int_equal(count(f, "CLEARTEXT_LOGIN"), 0);
    /* protocol-specific rows do not match other protocols */
    login(f, OTW_PROTO_TELNET, "CONFIDENTIAL", "", OTW_LOGIN_SUCCESS, "10.0.0.5", "10.0.0.9", 2);
    assert_int_equal(count(f, "DEFAULT_CREDENTIALS"), 0);
    /* answer not seen: still reported (the secret was sent) */
    login(f, OTW_PROTO_FTP, "confidential", "", OTW_LOGIN_UNKNOWN, "10.0.0.5", "10.0.0.9", 3);
    assert_int_equal(count(f, "DEFAULT_CREDENTIALS"), 1);
    assert_non_null(strstr(find(f, "DEFAULT_CREDENTIALS")->message, "answer not seen"));
    /* passwords compare exactly, and a blank password is a password */
    login(f, OTW_PROTO_HTTP, "admin", "123456", OTW_LOGIN_SUCCESS, "10.0.0.5", "10.0.0.8", 4);
    assert_int_equal(count(f, "DEFAULT_CREDENTIALS"), 1);
    login(f, OTW_PROTO_HTTP, "admin", "", OTW_LOGIN_SUCCESS, "10.0.0.5", "10.0.0.7", 5);
    assert_int_equal(count(f, "DEFAULT_CREDENTIALS"), 2);
    /* SNMP community: the generic entry is named, keyed by the method */
    login(f, OTW_PROTO_SNMP, "", "public", OTW_LOGIN_SUCCESS, "10.0.0.5", "10.0.0.6", 6);
    const otw_alert *a = NULL;
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        if (strcmp(otw_alerts_at(f->alerts, i)->protocol, "snmp") == 0 &&
            strcmp(otw_alerts_at(f->alerts, i)->type, "DEFAULT_CREDENTIALS") == 0)
            a = otw_alerts_at(f->alerts, i);
    assert_non_null(a);
    assert_string_equal(a->key, "method=test");
    assert_non_null(strstr(a->message, "any vendor's SNMP agents"));
    assert_non_null(strstr(a->message, "Moxa"));
    /* no secret, no match (VNC challenge/response, Digest) and no alert */
    size_t before = otw_alerts_size(f->alerts);
    login(f, OTW_PROTO_VNC, "", NULL, OTW_LOGIN_SUCCESS, "10.0.0.5", "10.0.0.4", 7);
    assert_int_equal(otw_alerts_size(f->alerts), before);
    assert_nowhere(f, "public");
    assert_nowhere(f, "123456");
}

static void test_cleartext_severity(void **state)
{
    fx *f = *state;
    login(f, OTW_PROTO_FTP, "operator", "Str0ng!Passw0rd#2024", OTW_LOGIN_SUCCESS, "10.1.0.5",
          "10.1.0.9", 1);
    const otw_alert *a = find(f, "CLEARTEXT_LOGIN");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_MEDIUM); /* no zones: medium */
    assert_null(strstr(a->message, "weak"));
    assert_int_equal(count(f, "DEFAULT_CREDENTIALS"), 0);
    /* the server in a control zone: high */
    f->cfg.n_zones = 1;
    snprintf(f->cfg.zones[0].name, sizeof(f->cfg.zones[0].name), "cell1");
    f->cfg.zones[0].kind = OTW_ZK_CONTROL;
    f->cfg.zones[0].n_cidrs = 1;
    assert_int_equal(otw_cidr_parse("10.2.0.0/16", &f->cfg.zones[0].cidrs[0]), 0);
    login(f, OTW_PROTO_FTP, "operator", "Str0ng!Passw0rd#2024", OTW_LOGIN_SUCCESS, "10.1.0.5",
          "10.2.0.9", 2);
    const otw_alert *b = otw_alerts_at(f->alerts, otw_alerts_size(f->alerts) - 1);
    assert_string_equal(b->type, "CLEARTEXT_LOGIN");
    assert_int_equal(b->severity, OTW_SEV_HIGH);
    assert_non_null(strstr(b->message, "OT zone"));
    /* weak: listed, equal to the user, empty */
    login(f, OTW_PROTO_POP3, "u1", "PASSWORD", OTW_LOGIN_SUCCESS, "10.1.0.5", "10.1.0.9", 3);
    login(f, OTW_PROTO_POP3, "bob", "Bob", OTW_LOGIN_SUCCESS, "10.1.0.5", "10.1.0.9", 4);
    login(f, OTW_PROTO_POP3, "carl", "", OTW_LOGIN_SUCCESS, "10.1.0.5", "10.1.0.9", 5);
    int weak_list = 0, weak_user = 0, weak_empty = 0;
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++) {
        const otw_alert *x = otw_alerts_at(f->alerts, i);
        weak_list += strstr(x->message, "weak-password list") != NULL;
        weak_user += strstr(x->message, "equal to the user name") != NULL;
        weak_empty += strstr(x->message, "(empty)") != NULL;
    }
    assert_int_equal(weak_list, 1);
    assert_int_equal(weak_user, 1);
    assert_int_equal(weak_empty, 1);
    /* no authentication at all */
    otw_credential c;
    memset(&c, 0, sizeof(c));
    c.protocol = OTW_PROTO_VNC;
    c.method = "None";
    c.secret_is_none = true;
    c.outcome = OTW_LOGIN_SUCCESS;
    otw_endpoint cl = ep("10.1.0.5", 1), sv = ep("10.1.0.9", 5900);
    otw_creds_observe(f->creds, &c, &cl, &sv, 0);
    const otw_alert *n = otw_alerts_at(f->alerts, otw_alerts_size(f->alerts) - 1);
    assert_string_equal(n->protocol, "vnc");
    assert_non_null(strstr(n->message, "without authentication"));
    assert_nowhere(f, "Str0ng");
    assert_nowhere(f, "PASSWORD");
}

/* A refused login exposed its secret all the same: CLEARTEXT_LOGIN one step
 * lower (low outside OT, medium in a control zone, high when weak), keyed
 * apart from a success; a refused factory default pair is someone trying
 * defaults: DEFAULT_CREDENTIALS_TRIED (high), not a cleartext alert too. */
static void test_refused_logins(void **state)
{
    fx *f = *state;
    login(f, OTW_PROTO_FTP, "operator", "Str0ng!Passw0rd#2024", OTW_LOGIN_FAILURE, "10.1.0.5",
          "10.1.0.9", 1);
    const otw_alert *a = find(f, "CLEARTEXT_LOGIN");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_LOW);
    assert_string_equal(a->key, "user=operator refused");
    assert_non_null(strstr(a->message, "refused"));
    login(f, OTW_PROTO_FTP, "operator", "Str0ng!Passw0rd#2024", OTW_LOGIN_SUCCESS, "10.1.0.5",
          "10.1.0.9", 2);
    assert_int_equal(count(f, "CLEARTEXT_LOGIN"), 2); /* the success is its own alert */
    login(f, OTW_PROTO_FTP, "Admin", "password", OTW_LOGIN_FAILURE, "10.1.0.5", "10.1.0.9", 3);
    const otw_alert *w = otw_alerts_at(f->alerts, otw_alerts_size(f->alerts) - 1);
    assert_string_equal(w->type, "CLEARTEXT_LOGIN");
    assert_int_equal(w->severity, OTW_SEV_HIGH); /* weak */
    login(f, OTW_PROTO_HTTP, "admin", "12345", OTW_LOGIN_FAILURE, "10.1.0.5", "10.1.0.7", 4);
    const otw_alert *d = find(f, "DEFAULT_CREDENTIALS_TRIED");
    assert_non_null(d);
    assert_int_equal(d->severity, OTW_SEV_HIGH);
    assert_string_equal(d->technique, "T0812");
    assert_non_null(strstr(d->message, "refused"));
    assert_int_equal(count(f, "DEFAULT_CREDENTIALS"), 0);
    assert_int_equal(count(f, "CLEARTEXT_LOGIN"), 3); /* not one more for the default */
    assert_nowhere(f, "Str0ng");
    assert_nowhere(f, "12345");
}

static void test_brute_force(void **state)
{
    fx *f = *state;
    const uint64_t s = 1000000;
    /* 9 failures in 60 s: nothing; the 10th: BRUTE_FORCE on the account */
    for (int i = 0; i < 9; i++)
        login(f, OTW_PROTO_FTP, "bro", "guess", OTW_LOGIN_FAILURE, "10.0.0.66", "10.0.0.9",
              (uint64_t)(100 + i * 5) * s);
    assert_int_equal(count(f, "BRUTE_FORCE"), 0);
    login(f, OTW_PROTO_FTP, "bro", "guess10", OTW_LOGIN_FAILURE, "10.0.0.66", "10.0.0.9", 150 * s);
    const otw_alert *a = find(f, "BRUTE_FORCE");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_HIGH);
    assert_string_equal(a->technique, "T0859");
    assert_string_equal(a->key, "user=bro");
    assert_non_null(strstr(a->message, "10 failed ftp logins"));
    /* more in the same window: counted once */
    login(f, OTW_PROTO_FTP, "bro", "x", OTW_LOGIN_FAILURE, "10.0.0.66", "10.0.0.9", 151 * s);
    assert_int_equal(find(f, "BRUTE_FORCE")->count, 1);
    assert_nowhere(f, "guess");
    /* slow guessing (one a minute) never reaches the threshold */
    for (int i = 0; i < 30; i++)
        login(f, OTW_PROTO_FTP, "slow", "x", OTW_LOGIN_FAILURE, "10.0.0.67", "10.0.0.10",
              (uint64_t)(1000 + i * 61) * s);
    assert_int_equal(count(f, "BRUTE_FORCE"), 1);
    /* a burst across a bucket boundary: 5 + 5 within 20 s is seen */
    for (int i = 0; i < 5; i++)
        login(f, OTW_PROTO_FTP, "edge", "x", OTW_LOGIN_FAILURE, "10.0.0.68", "10.0.0.11",
              (uint64_t)(5000 + i) * s);
    for (int i = 0; i < 5; i++)
        login(f, OTW_PROTO_FTP, "edge", "x", OTW_LOGIN_FAILURE, "10.0.0.68", "10.0.0.11",
              (uint64_t)(5000 + 52 + i * 2) * s); /* the first bucket ends at 5060 */
    assert_int_equal(count(f, "BRUTE_FORCE"), 2);
    /* many accounts on one host, few each: the host is attacked */
    for (int i = 0; i < 10; i++) {
        char user[16];
        snprintf(user, sizeof(user), "user%d", i);
        login(f, OTW_PROTO_TELNET, user, "x", OTW_LOGIN_FAILURE, "10.0.0.69", "10.0.0.12",
              (uint64_t)(9000 + i) * s);
    }
    assert_int_equal(count(f, "BRUTE_FORCE"), 3);
    const otw_alert *h = otw_alerts_at(f->alerts, otw_alerts_size(f->alerts) - 1);
    assert_string_equal(h->type, "BRUTE_FORCE");
    assert_string_equal(h->key, "host");
}

/* A controller's password (MELSOFT remote password, S7 protection level)
 * counts against the lower threshold: 3 by default. */
static void test_brute_force_controller(void **state)
{
    fx *f = *state;
    const uint64_t s = 1000000;
    login(f, OTW_PROTO_MELSOFT, "", "guess1", OTW_LOGIN_FAILURE, "10.0.0.66", "10.0.0.20", 100 * s);
    login(f, OTW_PROTO_MELSOFT, "", "guess2", OTW_LOGIN_FAILURE, "10.0.0.66", "10.0.0.20", 105 * s);
    assert_int_equal(count(f, "BRUTE_FORCE"), 0);
    login(f, OTW_PROTO_MELSOFT, "", "guess3", OTW_LOGIN_FAILURE, "10.0.0.66", "10.0.0.20", 110 * s);
    const otw_alert *a = find(f, "BRUTE_FORCE");
    assert_non_null(a);
    assert_non_null(strstr(a->message, "3 failed melsoft logins"));
    /* the same three against an IT login: below its threshold of 10 */
    for (int i = 0; i < 3; i++)
        login(f, OTW_PROTO_FTP, "op", "x", OTW_LOGIN_FAILURE, "10.0.0.66", "10.0.0.21",
              (uint64_t)(200 + i) * s);
    assert_int_equal(count(f, "BRUTE_FORCE"), 1);
}

static void test_spray(void **state)
{
    fx *f = *state;
    const uint64_t s = 1000000;
    /* one source, one failure on each of 4 hosts: not yet */
    char host[32];
    for (int i = 0; i < 4; i++) {
        snprintf(host, sizeof(host), "10.0.1.%d", i + 1);
        login(f, OTW_PROTO_TELNET, "admin", "admin", OTW_LOGIN_FAILURE, "10.0.0.70", host,
              (uint64_t)(100 + i * 30) * s);
    }
    assert_int_equal(count(f, "CREDENTIAL_SPRAY"), 0);
    login(f, OTW_PROTO_TELNET, "root", "root", OTW_LOGIN_FAILURE, "10.0.0.70", "10.0.1.5", 300 * s);
    const otw_alert *a = find(f, "CREDENTIAL_SPRAY");
    assert_non_null(a);
    assert_int_equal(a->severity, OTW_SEV_HIGH);
    assert_false(a->dst.has_ip);
    assert_non_null(strstr(a->message, "5 accounts"));
    assert_int_equal(count(f, "BRUTE_FORCE"), 0); /* per-account thresholds miss it */
    /* many attempts on each of few accounts is brute force, not spray */
    for (int i = 0; i < 20; i++)
        login(f, OTW_PROTO_FTP, i % 2 ? "a" : "b", "x", OTW_LOGIN_FAILURE, "10.0.0.71", "10.0.2.1",
              (uint64_t)(100 + i) * s);
    assert_int_equal(count(f, "CREDENTIAL_SPRAY"), 1);
    /* spread beyond the window (10 min): no spray */
    for (int i = 0; i < 6; i++) {
        snprintf(host, sizeof(host), "10.0.3.%d", i + 1);
        login(f, OTW_PROTO_TELNET, "admin", "x", OTW_LOGIN_FAILURE, "10.0.0.72", host,
              (uint64_t)(100 + i * 700) * s);
    }
    assert_int_equal(count(f, "CREDENTIAL_SPRAY"), 1);
    assert_nowhere(f, "\"root\"");
}

static void test_redaction(void **state)
{
    fx *f = *state;
    f->cfg.creds_redact_users = true;
    login(f, OTW_PROTO_HTTP, "admin", "12345", OTW_LOGIN_SUCCESS, "10.0.0.5", "10.0.0.9", 1);
    login(f, OTW_PROTO_HTTP, "ab", "whatever!", OTW_LOGIN_SUCCESS, "10.0.0.5", "10.0.0.9", 2);
    login(f, OTW_PROTO_HTTP, "\xc3\xa9milie", "whatever!", OTW_LOGIN_SUCCESS, "10.0.0.5",
          "10.0.0.9", 3);
    assert_string_equal(find(f, "DEFAULT_CREDENTIALS")->key, "user=a***n");
    assert_non_null(strstr(find(f, "DEFAULT_CREDENTIALS")->message, "\"a***n\""));
    assert_nowhere(f, "admin");
    assert_nowhere(f, "\"ab\"");
    bool utf8 = false;
    for (uint32_t i = 0; i < otw_alerts_size(f->alerts); i++)
        utf8 = utf8 || strcmp(otw_alerts_at(f->alerts, i)->key, "user=\xc3\xa9***e") == 0;
    assert_true(utf8); /* whole UTF-8 characters kept */
    for (int i = 0; i < 10; i++)
        login(f, OTW_PROTO_FTP, "operator", "x", OTW_LOGIN_FAILURE, "10.0.0.5", "10.0.0.9",
              (uint64_t)(10 + i) * 1000000);
    assert_string_equal(find(f, "BRUTE_FORCE")->key, "user=o***r");
    assert_nowhere(f, "operator");
}

static void test_table_errors(void **state)
{
    (void)state;
    otw_config c;
    otw_config_defaults(&c);
    otw_alerts *al = otw_alerts_new(16, NULL, NULL);
    char err[256] = "";
    snprintf(c.creds_defaults_file, sizeof(c.creds_defaults_file), "/nonexistent/x.tsv");
    assert_null(otw_creds_new(&c, al, err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/x.tsv"));
    assert_non_null(strstr(err, "credentials.defaults_file"));
    char bad[64];
    write_file(bad, "Acme\tonly three\tcolumns\n");
    snprintf(c.creds_defaults_file, sizeof(c.creds_defaults_file), "%s", bad);
    assert_null(otw_creds_new(&c, al, err, sizeof(err)));
    assert_non_null(strstr(err, ":1: expected 6"));
    unlink(bad);
    /* "" turns the tables off: logins are still judged (cleartext, brute force) */
    c.creds_defaults_file[0] = '\0';
    c.creds_weak_file[0] = '\0';
    otw_creds *cr = otw_creds_new(&c, al, err, sizeof(err));
    assert_non_null(cr);
    otw_credential cred;
    memset(&cred, 0, sizeof(cred));
    cred.protocol = OTW_PROTO_FTP;
    cred.method = "USER/PASS";
    cred.has_secret = true;
    cred.secret = (const uint8_t *)"admin";
    cred.secret_len = 5;
    snprintf(cred.user, sizeof(cred.user), "admin");
    cred.outcome = OTW_LOGIN_SUCCESS;
    otw_endpoint cl = ep("10.0.0.1", 1), sv = ep("10.0.0.2", 21);
    otw_creds_observe(cr, &cred, &cl, &sv, 0);
    assert_int_equal(otw_alerts_size(al), 1);
    assert_string_equal(otw_alerts_at(al, 0)->type, "CLEARTEXT_LOGIN");
    otw_creds_tick(cr, 5);
    otw_creds_free(cr);
    otw_alerts_free(al);
}

static void test_bounded(void **state)
{
    fx *f = *state;
    /* far more accounts and sources than the tables hold: bounded, and the
     * attack still seen */
    char user[16], src[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(user, sizeof(user), "u%d", i);
        snprintf(src, sizeof(src), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        login(f, OTW_PROTO_TELNET, user, "x", OTW_LOGIN_FAILURE, src, "10.9.9.9",
              (uint64_t)i * 1000);
    }
    assert_true(count(f, "BRUTE_FORCE") >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_tables),
        cmocka_unit_test_setup_teardown(test_default_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cleartext_severity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_logins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_brute_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_brute_force_controller, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spray, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redaction, setup, teardown),
        cmocka_unit_test(test_table_errors),
        cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
