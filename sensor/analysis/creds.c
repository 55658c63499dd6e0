/* creds.c - cleartext logins: default and weak credentials, brute force and
 * credential spraying (issue 6; creds.h).
 *
 * Tables, loaded once at start (config credentials.defaults_file and
 * weak_passwords_file, data/default_credentials.tsv and
 * data/weak_passwords.txt by default): vendor/product/protocol/user/
 * password/source rows, and a list of weak passwords. A missing file that
 * the configuration names is an error; "" turns a table off.
 *
 * Secrets: otw_creds_observe() compares cred->secret with the tables where
 * it lies (the dissector's buffer, valid during the call) and keeps only
 * the verdict. Nothing here copies, logs or stores a secret; alerts carry
 * the user name (redacted to "a***n" with credentials.redact_users), the
 * method, the matching vendor/product, whether the password is weak - never
 * the password.
 *
 * Alerts (ATT&CK for ICS):
 *  - DEFAULT_CREDENTIALS, critical, T0812 Default Credentials: a login that
 *    succeeded (or whose answer was not seen) with a user/password pair of
 *    the defaults table for that protocol or "any". Failed attempts with
 *    defaults only count towards BRUTE_FORCE / CREDENTIAL_SPRAY: the device
 *    refused them, its defaults are gone.
 *  - CLEARTEXT_LOGIN, T0859 Valid Accounts: a login that succeeded (or whose
 *    answer was not seen) with its secret in the clear, or with no
 *    authentication at all (VNC None, anonymous MQTT, FTP USER answered
 *    230). High when the server is in an OT zone (zones of kind control or
 *    ot: otw_zone_is_ot) or the password is weak, medium otherwise - with
 *    no zones configured that is medium unless weak. Logins whose secret is
 *    not in the clear (VNC challenge/response, HTTP Digest, APOP, MELSOFT,
 *    unanswered SNMP requests) raise nothing by themselves.
 *  - BRUTE_FORCE, high, T0859 (ATT&CK for ICS has no password-guessing
 *    technique; Enterprise calls it T1110.001 Password Guessing): at least
 *    credentials.brute_force.failures failed logins within
 *    brute_force.window against one account (server, protocol, user), or
 *    against one server and protocol across several accounts; a login to
 *    a controller (an industrial protocol's: MELSOFT, S7 protection
 *    password, SLMP remote password) counts against the lower
 *    brute_force.controller_failures (3 by default).
 *  - CREDENTIAL_SPRAY, high, T0859 (Enterprise T1110.003 Password
 *    Spraying): one source failing against at least spray.accounts
 *    accounts (user on a server) within spray.window, each of them at most
 *    spray.attempts_per_account times - the list attack that per-account
 *    thresholds miss.
 * Windows are sliding, estimated from two fixed buckets (the previous
 * window's count weighted by how much of it still overlaps), so a burst
 * straddling a bucket boundary is still seen. Each is raised at most once
 * per bucket per key; the alert table counts the repeats.
 *
 * Memory is bounded: 4096 brute-force counters and 1024 spraying sources
 * (64 accounts each) in set-associative tables; the least recently used
 * entry of a set makes room.
 */
#include "creds.h"

#include "dissector.h"
#include "grow.h"
#include "zones.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TABLE_BYTES (8u << 20) /* a data file larger than this is refused */
#define WAYS 8
#define BRUTE_SETS 512 /* x WAYS = 4096 counters */
#define SPRAY_SETS 128 /* x WAYS = 1024 sources */
#define SPRAY_SLOTS 64 /* accounts per source (credentials.spray.accounts <= 64) */

typedef struct cred_row {
    const char *vendor, *product, *proto, *user, *pass;
    size_t pass_len;
} cred_row;

typedef struct brute_ctr {
    uint64_t key;      /* 0 = free */
    uint64_t last_us;  /* LRU */
    uint64_t start_us; /* current bucket */
    uint32_t cur, prev;
    uint64_t last_account; /* host counters: the accounts seen */
    bool several_accounts;
    bool raised; /* in the current bucket */
} brute_ctr;

typedef struct spray_slot {
    uint64_t account;
    uint64_t last_us;
    uint32_t failures;
} spray_slot;

typedef struct spray_src {
    uint64_t key; /* 0 = free */
    uint64_t last_us;
    uint64_t raised_us; /* last CREDENTIAL_SPRAY, 0 = never */
    spray_slot slots[SPRAY_SLOTS];
} spray_src;

struct otw_creds {
    const otw_config *cfg;
    otw_alerts *alerts;
    char *rows_text;
    cred_row *rows;
    size_t n_rows;
    char *weak_text;
    const char **weak;
    size_t n_weak;
    brute_ctr *brute; /* BRUTE_SETS * WAYS */
    spray_src *spray; /* SPRAY_SETS * WAYS */
    uint64_t now_us;
};

/* ------------------------------------------------------------ loading */

static char *read_file(const char *path, size_t *len, char *err, size_t errsz, const char *what)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "cannot open %s %s: %s (config credentials.%s)", what, path,
                 strerror(errno),
                 strcmp(what, "weak password list") == 0 ? "weak_passwords_file" : "defaults_file");
        return NULL;
    }
    char *buf = malloc(MAX_TABLE_BYTES + 1);
    size_t n = buf ? fread(buf, 1, MAX_TABLE_BYTES + 1, f) : 0;
    bool bad = !buf || ferror(f) || n > MAX_TABLE_BYTES;
    fclose(f);
    if (bad) {
        snprintf(err, errsz, "cannot read %s %s (larger than %u bytes?)", what, path,
                 MAX_TABLE_BYTES);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Splits text into lines in place; calls fn for each non-comment line. */
static int each_line(char *text, size_t len, int (*fn)(otw_creds *, char *, size_t, void *),
                     otw_creds *c, void *arg)
{
    size_t lineno = 0;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        lineno++;
        *e = '\0';
        if (e > p && e[-1] == '\r')
            e[-1] = '\0';
        if (*p != '#' && *p != '\0' && fn(c, p, lineno, arg) != 0)
            return -1;
        p = e + 1;
    }
    return 0;
}

typedef struct load_ctx {
    const char *path;
    char *err;
    size_t errsz;
    size_t cap;
} load_ctx;

static int add_row(otw_creds *c, char *line, size_t lineno, void *arg)
{
    load_ctx *L = arg;
    char *f[6];
    int n = 0;
    for (char *p = line; n < 6; n++) {
        f[n] = p;
        char *tab = strchr(p, '\t');
        if (!tab) {
            n++;
            break;
        }
        *tab = '\0';
        p = tab + 1;
    }
    if (n != 6) {
        snprintf(L->err, L->errsz, "%s:%zu: expected 6 tab-separated columns", L->path, lineno);
        return -1;
    }
    if (strcmp(f[0], "vendor") == 0 && strcmp(f[3], "user") == 0)
        return 0; /* the header */
    if (f[0][0] == '\0' || f[2][0] == '\0' || f[5][0] == '\0') {
        snprintf(L->err, L->errsz, "%s:%zu: vendor, protocol and source must not be empty", L->path,
                 lineno);
        return -1;
    }
    cred_row *rows = otw_grow(c->rows, c->n_rows, &L->cap, sizeof(*rows), 256);
    if (!rows) {
        snprintf(L->err, L->errsz, "out of memory for the default credentials");
        return -1;
    }
    c->rows = rows;
    cred_row *r = &c->rows[c->n_rows++];
    r->vendor = f[0];
    r->product = f[1];
    r->proto = f[2];
    r->user = f[3];
    r->pass = f[4];
    r->pass_len = strlen(f[4]);
    return 0;
}

static int add_weak(otw_creds *c, char *line, size_t lineno, void *arg)
{
    size_t *cap = arg;
    (void)lineno;
    const char **w = otw_grow(c->weak, c->n_weak, cap, sizeof(*w), 64);
    if (!w)
        return -1;
    c->weak = w;
    c->weak[c->n_weak++] = line;
    return 0;
}

otw_creds *otw_creds_new(const otw_config *cfg, otw_alerts *alerts, char *err, size_t errsz)
{
    otw_creds *c = calloc(1, sizeof(*c));
    char dummy[1];
    if (!err || !errsz) {
        err = dummy;
        errsz = sizeof(dummy);
    }
    if (!c) {
        snprintf(err, errsz, "out of memory for the credentials module");
        return NULL;
    }
    c->cfg = cfg;
    c->alerts = alerts;
    c->brute = calloc((size_t)BRUTE_SETS * WAYS, sizeof(brute_ctr));
    c->spray = calloc((size_t)SPRAY_SETS * WAYS, sizeof(spray_src));
    if (!c->brute || !c->spray) {
        snprintf(err, errsz, "out of memory for the credentials module");
        goto fail;
    }
    size_t len;
    if (cfg->creds_defaults_file[0]) {
        load_ctx L = {cfg->creds_defaults_file, err, errsz, 0};
        c->rows_text =
            read_file(cfg->creds_defaults_file, &len, err, errsz, "default credentials file");
        if (!c->rows_text || each_line(c->rows_text, len, add_row, c, &L) != 0)
            goto fail;
    }
    if (cfg->creds_weak_file[0]) {
        size_t cap = 0;
        c->weak_text = read_file(cfg->creds_weak_file, &len, err, errsz, "weak password list");
        if (!c->weak_text || each_line(c->weak_text, len, add_weak, c, &cap) != 0) {
            if (c->weak_text)
                snprintf(err, errsz, "out of memory for the weak password list");
            goto fail;
        }
    }
    return c;
fail:
    otw_creds_free(c);
    return NULL;
}

void otw_creds_free(otw_creds *c)
{
    if (!c)
        return;
    free(c->rows);
    free(c->rows_text);
    free(c->weak);
    free(c->weak_text);
    free(c->brute);
    free(c->spray);
    free(c);
}

/* ------------------------------------------------------------ matching */

static bool secret_is(const otw_credential *cr, const char *s, size_t n, bool nocase)
{
    if (cr->secret_len != n || (n > 0 && cr->secret == NULL))
        return false;
    if (!nocase)
        return n == 0 || memcmp(cr->secret, s, n) == 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t a = cr->secret[i], b = (uint8_t)s[i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a + 32);
        if (b >= 'A' && b <= 'Z')
            b = (uint8_t)(b + 32);
        if (a != b)
            return false;
    }
    return true;
}

typedef struct verdict {
    const cred_row *row; /* best default entry, NULL if none */
    int n_match;
    const char *others[3]; /* other vendors listing the pair */
    int n_others;
    const char *weak; /* why the password is weak, NULL if it is not */
} verdict;

static void judge(const otw_creds *c, const otw_credential *cr, verdict *v)
{
    const char *pname = otw_proto_name(cr->protocol);
    int best_rank = -1;
    memset(v, 0, sizeof(*v));
    if (cr->has_secret) {
        for (size_t i = 0; i < c->n_rows; i++) {
            const cred_row *r = &c->rows[i];
            bool exact = strcmp(r->proto, pname) == 0;
            if (!exact && strcmp(r->proto, "any") != 0)
                continue;
            if (strcasecmp(r->user, cr->user) != 0 || !secret_is(cr, r->pass, r->pass_len, false))
                continue;
            v->n_match++;
            /* the protocol's own entry first, then a generic ("any" vendor) one */
            int rank = (exact ? 2 : 0) + (strcmp(r->vendor, "any") == 0 ? 1 : 0);
            if (rank > best_rank) {
                best_rank = rank;
                v->row = r;
            }
        }
        for (size_t i = 0; v->row && i < c->n_rows && v->n_others < 3; i++) {
            const cred_row *r = &c->rows[i];
            if (r == v->row || strcmp(r->vendor, v->row->vendor) == 0 ||
                strcmp(r->vendor, "any") == 0 || strcasecmp(r->user, cr->user) != 0 ||
                (strcmp(r->proto, pname) != 0 && strcmp(r->proto, "any") != 0) ||
                !secret_is(cr, r->pass, r->pass_len, false))
                continue;
            bool dup = false;
            for (int k = 0; k < v->n_others; k++)
                dup = dup || strcmp(v->others[k], r->vendor) == 0;
            if (!dup)
                v->others[v->n_others++] = r->vendor;
        }
        if (cr->secret_len == 0)
            v->weak = "empty";
        else if (cr->user[0] && secret_is(cr, cr->user, strlen(cr->user), true))
            v->weak = "equal to the user name";
        for (size_t i = 0; !v->weak && i < c->n_weak; i++)
            if (secret_is(cr, c->weak[i], strlen(c->weak[i]), true))
                v->weak = "in the weak-password list";
    }
}

/* ------------------------------------------------------------- alerts */

/* Formats into a fixed field, cutting what does not fit (messages are
 * bounded by the alert record). */
static void fmt(char *dst, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));

static void fmt(char *dst, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(dst, n, f, ap);
    va_end(ap);
}

/* "admin" -> "a***n": the first and last characters (whole UTF-8
 * sequences) around three stars; short names become "***". */
static void redact(const char *user, char *out, size_t outsz)
{
    size_t n = strlen(user);
    if (n <= 2) {
        snprintf(out, outsz, "***");
        return;
    }
    size_t first = 1;
    while (first < n && ((uint8_t)user[first] & 0xC0) == 0x80)
        first++;
    size_t last = n - 1;
    while (last > first && ((uint8_t)user[last] & 0xC0) == 0x80)
        last--;
    if (last <= first) {
        snprintf(out, outsz, "***");
        return;
    }
    snprintf(out, outsz, "%.*s***%s", (int)first, user, user + last);
}

static void user_text(const otw_creds *c, const char *user, char *out, size_t outsz)
{
    if (c->cfg->creds_redact_users && user[0])
        redact(user, out, outsz);
    else
        snprintf(out, outsz, "%s", user);
}

/* Alert key and message phrase for the account: "user=NAME" and
 * " (user \"NAME\", "; methods without a user name (SNMP communities,
 * PLC passwords, VNC) are keyed by the method. */
static void account_text(const otw_creds *c, const otw_credential *cr, char *key, size_t keysz,
                         char *phrase, size_t phrasesz)
{
    char user[72];
    if (cr->user[0] == '\0') {
        fmt(key, keysz, "method=%s", cr->method ? cr->method : "login");
        fmt(phrase, phrasesz, " (no user name, ");
        return;
    }
    user_text(c, cr->user, user, sizeof(user));
    fmt(key, keysz, "user=%s", user);
    fmt(phrase, phrasesz, " (user \"%s\", ", user);
}

static const char *addr_text(const otw_endpoint *e, char *buf, size_t n)
{
    if (!e || !e->has_ip) {
        snprintf(buf, n, "?");
        return buf;
    }
    return otw_addr_str(&e->ip, buf, n);
}

static const char *outcome_text(otw_login_outcome o)
{
    return o == OTW_LOGIN_SUCCESS   ? "succeeded"
           : o == OTW_LOGIN_FAILURE ? "refused"
                                    : "answer not seen";
}

static void raise_default(otw_creds *c, const otw_credential *cr, const verdict *v,
                          const otw_endpoint *client, const otw_endpoint *server)
{
    otw_alert al;
    char who[96], a[64], b[64], more[160] = "";
    /* Refused: someone is trying the factory defaults (the secret still
     * crossed the wire), its own type so it never counts on a success. */
    otw_alert_init(&al,
                   cr->outcome == OTW_LOGIN_FAILURE ? OTW_AT_DEFAULT_CREDENTIALS_TRIED
                                                    : OTW_AT_DEFAULT_CREDENTIALS,
                   client, server, otw_proto_name(cr->protocol));
    al.src.port = 0; /* client ports are ephemeral */
    account_text(c, cr, al.key, sizeof(al.key), who, sizeof(who));
    if (v->n_others > 0) {
        size_t len = (size_t)snprintf(more, sizeof(more), "; also a default of ");
        for (int i = 0; i < v->n_others && len < sizeof(more); i++)
            len += (size_t)snprintf(more + len, sizeof(more) - len, "%s%s", i ? ", " : "",
                                    v->others[i]);
        if (v->n_match > v->n_others + 1 && len < sizeof(more))
            snprintf(more + len, sizeof(more) - len, " (%d table entries match)", v->n_match);
    }
    otw_alert_message(
        &al, "%s login (%s) from %s to %s with a factory default credential of %s %s%s%s)%s",
        otw_proto_name(cr->protocol), cr->method ? cr->method : "login",
        addr_text(client, a, sizeof(a)), addr_text(server, b, sizeof(b)),
        strcmp(v->row->vendor, "any") == 0 ? "any vendor's" : v->row->vendor, v->row->product, who,
        outcome_text(cr->outcome), more);
    otw_alerts_raise(c->alerts, &al, cr->ts_us, 1);
}

static void raise_cleartext(otw_creds *c, const otw_credential *cr, const verdict *v,
                            const otw_endpoint *client, const otw_endpoint *server, uint16_t vlan)
{
    otw_alert al;
    char who[96], a[64], b[64], how[96];
    bool ot = false;
    if (server && server->has_ip)
        ot = otw_zone_is_ot(c->cfg, otw_zone_of(c->cfg, &server->ip, vlan));
    /* A refused login exposed its password all the same, one step lower:
     * a weak one is still high (it will be guessed), the rest medium in an
     * OT zone, low elsewhere. Its key is its own, so a later success on
     * the account is an alert of its own severity. */
    bool refused = cr->outcome == OTW_LOGIN_FAILURE;
    otw_severity sev = v->weak ? OTW_SEV_HIGH
                       : ot    ? (refused ? OTW_SEV_MEDIUM : OTW_SEV_HIGH)
                               : (refused ? OTW_SEV_LOW : OTW_SEV_MEDIUM);
    otw_alert_init(&al, OTW_AT_CLEARTEXT_LOGIN, client, server, otw_proto_name(cr->protocol));
    al.severity = sev;
    al.src.port = 0; /* client ports are ephemeral */
    account_text(c, cr, al.key, sizeof(al.key), who, sizeof(who));
    if (refused) {
        size_t n = strnlen(al.key, sizeof(al.key));
        fmt(al.key + n, sizeof(al.key) - n, " refused");
    }
    if (cr->secret_is_none)
        fmt(how, sizeof(how), "without authentication");
    else if (v->weak)
        fmt(how, sizeof(how), "with its password in the clear, and the password is weak (%s)",
            v->weak);
    else
        fmt(how, sizeof(how), "with its password in the clear");
    otw_alert_message(&al, "%s login (%s) from %s to %s%s %s%s%s)", otw_proto_name(cr->protocol),
                      cr->method ? cr->method : "login", addr_text(client, a, sizeof(a)),
                      addr_text(server, b, sizeof(b)), ot ? " in an OT zone" : "", how, who,
                      outcome_text(cr->outcome));
    otw_alerts_raise(c->alerts, &al, cr->ts_us, 1);
}

/* --------------------------------------------------- brute force, spray */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t key_of(char kind, const otw_endpoint *e, otw_proto proto, const char *user)
{
    uint64_t h = fnv(14695981039346656037ull, &kind, 1);
    uint8_t ip[16] = {0};
    if (e && e->has_ip)
        memcpy(ip, e->ip.b, 16);
    h = fnv(h, ip, 16);
    uint32_t p = (uint32_t)proto;
    h = fnv(h, &p, sizeof(p));
    if (user)
        h = fnv(h, user, strlen(user) + 1);
    return h ? h : 1; /* 0 marks a free entry */
}

/* The set's entry for key: found, else a free one, else the least recently
 * used (reset). *fresh tells a new entry. */
static brute_ctr *brute_entry(brute_ctr *t, uint64_t key, uint64_t now, bool *fresh)
{
    brute_ctr *set = &t[(key % BRUTE_SETS) * WAYS], *pick = NULL;
    *fresh = false;
    for (size_t i = 0; i < WAYS; i++) {
        if (set[i].key == key) {
            set[i].last_us = now;
            return &set[i];
        }
        if (!pick || (pick->key != 0 && (set[i].key == 0 || set[i].last_us < pick->last_us)))
            pick = &set[i];
    }
    memset(pick, 0, sizeof(*pick));
    pick->key = key;
    pick->last_us = now;
    *fresh = true;
    return pick;
}

static spray_src *spray_entry(spray_src *t, uint64_t key, uint64_t now)
{
    spray_src *set = &t[(key % SPRAY_SETS) * WAYS], *pick = NULL;
    for (size_t i = 0; i < WAYS; i++) {
        if (set[i].key == key) {
            set[i].last_us = now;
            return &set[i];
        }
        if (!pick || (pick->key != 0 && (set[i].key == 0 || set[i].last_us < pick->last_us)))
            pick = &set[i];
    }
    memset(pick, 0, sizeof(*pick));
    pick->key = key;
    pick->last_us = now;
    return pick;
}

/* Counts one failure in a two-bucket sliding window; returns the estimate. */
static uint32_t window_add(brute_ctr *b, uint64_t now, uint64_t win, bool fresh)
{
    if (fresh) {
        b->start_us = now;
    } else if (now >= b->start_us + win) {
        uint64_t k = (now - b->start_us) / win;
        b->prev = k == 1 ? b->cur : 0;
        b->cur = 0;
        b->start_us += k * win;
        b->raised = false;
    }
    b->cur++;
    uint64_t into = now > b->start_us ? now - b->start_us : 0;
    uint64_t est = b->cur + (uint64_t)b->prev * (win - (into < win ? into : win)) / win;
    return est > UINT32_MAX ? UINT32_MAX : (uint32_t)est;
}

static void brute_force(otw_creds *c, const otw_credential *cr, const otw_endpoint *client,
                        const otw_endpoint *server)
{
    uint64_t now = cr->ts_us ? cr->ts_us : c->now_us;
    uint64_t win =
        (uint64_t)(c->cfg->creds_brute_window_s ? c->cfg->creds_brute_window_s : 60) * 1000000u;
    /* A controller login (an industrial protocol's) has its own, lower
     * threshold. */
    const otw_dissector *d = otw_dissector_get(cr->protocol);
    bool controller = d && d->industrial;
    uint32_t limit = controller && c->cfg->creds_brute_controller_failures
                         ? c->cfg->creds_brute_controller_failures
                     : c->cfg->creds_brute_failures ? c->cfg->creds_brute_failures
                                                    : 10;
    uint64_t akey = key_of('a', server, cr->protocol, cr->user);
    uint64_t hkey = key_of('h', server, cr->protocol, NULL);
    brute_ctr *acc, *host;
    bool fresh;
    char who[96], a[64], b[64];

    acc = brute_entry(c->brute, akey, now, &fresh);
    uint32_t n_acc = window_add(acc, now, win, fresh);
    bool account_raised = false;
    if (n_acc >= limit && !acc->raised) {
        otw_alert al;
        acc->raised = account_raised = true;
        otw_alert_init(&al, OTW_AT_BRUTE_FORCE, client, server, otw_proto_name(cr->protocol));
        al.src.port = 0; /* client ports are ephemeral */
        account_text(c, cr, al.key, sizeof(al.key), who, sizeof(who));
        otw_alert_message(
            &al,
            "%u failed %s logins (%s) against one account on %s within %us%sthe last from "
            "%s)",
            n_acc, otw_proto_name(cr->protocol), cr->method ? cr->method : "login",
            addr_text(server, b, sizeof(b)), c->cfg->creds_brute_window_s, who,
            addr_text(client, a, sizeof(a)));
        otw_alerts_raise(c->alerts, &al, now, 1);
    }

    host = brute_entry(c->brute, hkey, now, &fresh);
    if (!fresh && host->last_account != akey)
        host->several_accounts = true;
    host->last_account = akey;
    uint32_t n_host = window_add(host, now, win, fresh);
    if (n_host >= limit && !host->raised && host->several_accounts && !account_raised) {
        otw_alert al;
        host->raised = true;
        otw_alert_init(&al, OTW_AT_BRUTE_FORCE, client, server, otw_proto_name(cr->protocol));
        al.src.port = 0; /* client ports are ephemeral */
        otw_alert_key(&al, "host");
        otw_alert_message(
            &al,
            "%u failed %s logins against %s on several accounts within %us (the last from "
            "%s)",
            n_host, otw_proto_name(cr->protocol), addr_text(server, b, sizeof(b)),
            c->cfg->creds_brute_window_s, addr_text(client, a, sizeof(a)));
        otw_alerts_raise(c->alerts, &al, now, 1);
    }
}

static void spray(otw_creds *c, const otw_credential *cr, const otw_endpoint *client,
                  const otw_endpoint *server)
{
    uint64_t now = cr->ts_us ? cr->ts_us : c->now_us;
    uint64_t win =
        (uint64_t)(c->cfg->creds_spray_window_s ? c->cfg->creds_spray_window_s : 600) * 1000000u;
    uint32_t need = c->cfg->creds_spray_accounts ? c->cfg->creds_spray_accounts : 5;
    uint32_t most = c->cfg->creds_spray_attempts ? c->cfg->creds_spray_attempts : 3;
    uint64_t skey = key_of('s', client, OTW_PROTO_NONE, NULL);
    uint64_t account = key_of('a', server, cr->protocol, cr->user);
    spray_src *src = spray_entry(c->spray, skey, now);

    spray_slot *slot = NULL, *lru = &src->slots[0];
    for (size_t i = 0; i < SPRAY_SLOTS; i++) {
        spray_slot *s = &src->slots[i];
        if (s->account != 0 && now >= s->last_us + win)
            memset(s, 0, sizeof(*s)); /* out of the window */
        if (s->account == account)
            slot = s;
        if (s->account == 0 ? lru->account != 0 : (lru->account != 0 && s->last_us < lru->last_us))
            lru = s;
    }
    if (!slot) {
        slot = lru;
        memset(slot, 0, sizeof(*slot));
        slot->account = account;
    }
    slot->failures++;
    slot->last_us = now;

    uint32_t few = 0;
    for (size_t i = 0; i < SPRAY_SLOTS; i++)
        if (src->slots[i].account != 0 && src->slots[i].failures <= most)
            few++;
    if (few < need || (src->raised_us && now < src->raised_us + win))
        return;
    src->raised_us = now;
    otw_alert al;
    char a[64];
    otw_alert_init(&al, OTW_AT_CREDENTIAL_SPRAY, client, NULL, otw_proto_name(cr->protocol));
    al.src.port = 0; /* client ports are ephemeral */
    otw_alert_key(&al, "spray");
    otw_alert_message(
        &al,
        "%s failed logins against %u accounts (users on one or more hosts), at most %u "
        "attempts each, within %us: a password spray or credential list attack (last: %s)",
        addr_text(client, a, sizeof(a)), few, most, c->cfg->creds_spray_window_s,
        otw_proto_name(cr->protocol));
    otw_alerts_raise(c->alerts, &al, now, 1);
}

/* -------------------------------------------------------------- entry */

void otw_creds_observe(otw_creds *c, const otw_credential *cred, const otw_endpoint *client,
                       const otw_endpoint *server, uint16_t vlan)
{
    if (!c || !cred)
        return;
    if (cred->ts_us > c->now_us)
        c->now_us = cred->ts_us;
    verdict v;
    judge(c, cred, &v); /* the only look at the secret */

    bool accepted = cred->outcome != OTW_LOGIN_FAILURE;
    if (v.row)
        raise_default(c, cred, &v, client, server); /* tried, when refused */
    if (accepted && (cred->has_secret || cred->secret_is_none))
        raise_cleartext(c, cred, &v, client, server, vlan);
    else if (!accepted && !v.row && cred->has_secret)
        raise_cleartext(c, cred, &v, client, server, vlan); /* exposed all the same */
    if (cred->outcome == OTW_LOGIN_FAILURE) {
        brute_force(c, cred, client, server);
        spray(c, cred, client, server);
    }
}

void otw_creds_tick(otw_creds *c, uint64_t now_us)
{
    /* Windows are judged lazily from the capture time of each failure;
     * entries idle beyond their window are reused first (LRU). */
    if (c && now_us > c->now_us)
        c->now_us = now_us;
}
