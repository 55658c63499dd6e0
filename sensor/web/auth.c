/* auth.c - see auth.h and docs/web.md ("Security"). */
#include "auth.h"
#include "throttle.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDLE_US (30ull * 60 * 1000000)       /* session idle timeout */
#define LIFETIME_US (12ull * 3600 * 1000000) /* session absolute lifetime */

struct otw_auth {
    sqlite3 *db;
    bool setup_pending;
    char setup_token[OTW_AUTH_TOKEN_HEX + 1];
    otw_web_session sessions[OTW_AUTH_MAX_SESSIONS];
    otw_throttle throttle;
    char dummy_hash[crypto_pwhash_STRBYTES]; /* verified against for unknown users */
    /* the server's request lock (otw_auth_set_lock), let go while hashing */
    void (*lock)(void *);
    void (*unlock)(void *);
    void *lock_ctx;
    int hashing; /* checks running now, under the lock */
};

void otw_auth_set_lock(otw_auth *a, void (*lock)(void *), void (*unlock)(void *), void *ctx)
{
    a->lock = lock;
    a->unlock = unlock;
    a->lock_ctx = ctx;
}

/* Argon2 verification outside the request lock. */
static bool verify_unlocked(otw_auth *a, const char *hash, const char *pw)
{
    a->hashing++;
    if (a->unlock)
        a->unlock(a->lock_ctx);
    bool ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
    if (a->lock)
        a->lock(a->lock_ctx);
    a->hashing--;
    return ok;
}

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
    " role TEXT NOT NULL, lang TEXT NOT NULL DEFAULT 'en');"
    "CREATE TABLE IF NOT EXISTS acks(alert_id INTEGER PRIMARY KEY, user TEXT NOT NULL,"
    " at_us INTEGER NOT NULL);";

const char *otw_web_role_name(otw_web_role r)
{
    return r == OTW_WEB_ADMIN ? "admin" : "viewer";
}

static void random_hex(char out[OTW_AUTH_TOKEN_HEX + 1])
{
    unsigned char b[OTW_AUTH_TOKEN_HEX / 2];
    randombytes_buf(b, sizeof(b));
    sodium_bin2hex(out, OTW_AUTH_TOKEN_HEX + 1, b, sizeof(b));
}

static bool lang_ok(const char *l)
{
    return l && (!strcmp(l, "en") || !strcmp(l, "ja"));
}

/* 1..63 of letters, digits, '.', '_', '-', '@'. */
static bool name_ok(const char *n)
{
    size_t len = n ? strlen(n) : 0;
    if (len == 0 || len >= OTW_AUTH_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return false;
    }
    return true;
}

int otw_auth_hash(const char *password, char *out, size_t outsz)
{
    if (outsz < crypto_pwhash_STRBYTES || sodium_init() < 0)
        return -1;
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

static int user_count(otw_auth *a)
{
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(a->db, "SELECT count(*) FROM users", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static int put_user(otw_auth *a, const char *user, const char *hash, otw_web_role role,
                    const char *lang)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(a->db,
                           "INSERT INTO users(name, hash, role, lang) VALUES(?1, ?2, ?3, ?4)"
                           " ON CONFLICT(name) DO UPDATE SET hash = ?2, role = ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, otw_web_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, lang_ok(lang) ? lang : "en", -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

otw_auth *otw_auth_open(const char *state_dir, const char *admin_hash, char *err, size_t errsz)
{
    if (sodium_init() < 0) {
        snprintf(err, errsz, "libsodium cannot start");
        return NULL;
    }
    otw_auth *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    char path[1024];
    snprintf(path, sizeof(path), "%s/web.db", state_dir);
    /* Password hashes and sessions: the owner's alone. The file is made
     * before SQLite opens it, with O_NOFOLLOW so a planted link is refused. */
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        otw_auth_close(a);
        return NULL;
    }
    close(fd);
    if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(a->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errsz, "%s: %s", path, a->db ? sqlite3_errmsg(a->db) : "cannot open");
        otw_auth_close(a);
        return NULL;
    }
    sqlite3_busy_timeout(a->db, 2000);
    if (admin_hash) {
        if (strncmp(admin_hash, "$argon2", 7) != 0 ||
            put_user(a, "admin", admin_hash, OTW_WEB_ADMIN, "en") != 0) {
            snprintf(err, errsz,
                     "the admin password hash is not a crypto_pwhash_str string "
                     "(make one with `otwatch serve --hash-password`)");
            otw_auth_close(a);
            return NULL;
        }
    }
    /* A hash that no password matches, so unknown users cost the same time. */
    char pw[OTW_AUTH_TOKEN_HEX + 1];
    random_hex(pw);
    if (otw_auth_hash(pw, a->dummy_hash, sizeof(a->dummy_hash)) != 0) {
        snprintf(err, errsz, "cannot hash (out of memory?)");
        otw_auth_close(a);
        return NULL;
    }
    if (user_count(a) == 0) {
        a->setup_pending = true;
        random_hex(a->setup_token);
        fprintf(stderr,
                "otwatch serve: no user yet. One-time setup token (enter it on the console's "
                "first page to create the first administrator):\n  %s\n",
                a->setup_token);
    }
    return a;
}

void otw_auth_close(otw_auth *a)
{
    if (!a)
        return;
    sqlite3_close(a->db);
    sodium_memzero(a, sizeof(*a));
    free(a);
}

bool otw_auth_setup_pending(const otw_auth *a)
{
    return a->setup_pending;
}

int otw_auth_set_user(otw_auth *a, const char *user, const char *password, otw_web_role role,
                      const char *lang, char *err, size_t errsz)
{
    if (!name_ok(user)) {
        snprintf(err, errsz, "bad user name (1-63 of letters, digits, . _ - @)");
        return -1;
    }
    size_t len = password ? strlen(password) : 0;
    if (len < 10 || len > 256) {
        snprintf(err, errsz, "the password must have 10 to 256 characters");
        return -1;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (otw_auth_hash(password, hash, sizeof(hash)) != 0 ||
        put_user(a, user, hash, role, lang) != 0) {
        snprintf(err, errsz, "cannot store the user");
        return -1;
    }
    return 0;
}

int otw_auth_setup(otw_auth *a, const char *token, const char *user, const char *password,
                   const char *lang, char *err, size_t errsz)
{
    if (!a->setup_pending || !token || strlen(token) != OTW_AUTH_TOKEN_HEX ||
        sodium_memcmp(token, a->setup_token, OTW_AUTH_TOKEN_HEX) != 0) {
        snprintf(err, errsz, "no setup is pending, or the setup token is wrong");
        return -1;
    }
    if (otw_auth_set_user(a, user, password, OTW_WEB_ADMIN, lang, err, errsz) != 0)
        return -1;
    a->setup_pending = false;
    sodium_memzero(a->setup_token, sizeof(a->setup_token));
    return 0;
}

bool otw_auth_may_try(otw_auth *a, const char *client, uint64_t now_us, unsigned *retry_s)
{
    return otw_throttle_may_try(&a->throttle, client, now_us, retry_s);
}

otw_web_session *otw_auth_login(otw_auth *a, const char *client, const char *user,
                                const char *password, uint64_t now_us, bool *busy)
{
    if (busy)
        *busy = a->hashing >= OTW_AUTH_MAX_HASHING;
    if (a->hashing >= OTW_AUTH_MAX_HASHING)
        return NULL;
    char hash[crypto_pwhash_STRBYTES] = "", role[16] = "", lang[4] = "en";
    sqlite3_stmt *st;
    bool found = false;
    if (name_ok(user) &&
        sqlite3_prepare_v2(a->db, "SELECT hash, role, lang FROM users WHERE name = ?1", -1, &st,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(hash, sizeof(hash), "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(role, sizeof(role), "%s", (const char *)sqlite3_column_text(st, 1));
            snprintf(lang, sizeof(lang), "%s", (const char *)sqlite3_column_text(st, 2));
            found = true;
        }
        sqlite3_finalize(st);
    }
    const char *pw = password ? password : "";
    bool ok = verify_unlocked(a, found ? hash : a->dummy_hash, pw) && found;
    if (!ok) {
        otw_throttle_failure(&a->throttle, client, now_us);
        return NULL;
    }
    otw_throttle_success(&a->throttle, client, now_us);
    /* A free slot, or the least recently used one. */
    otw_web_session *s = &a->sessions[0];
    for (int i = 0; i < OTW_AUTH_MAX_SESSIONS; i++) {
        otw_web_session *c = &a->sessions[i];
        if (!c->used) {
            s = c;
            break;
        }
        if (c->seen_us < s->seen_us)
            s = c;
    }
    memset(s, 0, sizeof(*s));
    random_hex(s->id);
    random_hex(s->csrf);
    snprintf(s->user, sizeof(s->user), "%s", user);
    s->role = !strcmp(role, "admin") ? OTW_WEB_ADMIN : OTW_WEB_VIEWER;
    snprintf(s->lang, sizeof(s->lang), "%s", lang_ok(lang) ? lang : "en");
    s->created_us = s->seen_us = now_us;
    s->used = true;
    return s;
}

otw_web_session *otw_auth_session(otw_auth *a, const char *id, uint64_t now_us)
{
    if (!id || strlen(id) != OTW_AUTH_TOKEN_HEX)
        return NULL;
    for (int i = 0; i < OTW_AUTH_MAX_SESSIONS; i++) {
        otw_web_session *s = &a->sessions[i];
        if (!s->used || sodium_memcmp(s->id, id, OTW_AUTH_TOKEN_HEX) != 0)
            continue;
        if (now_us - s->seen_us > IDLE_US || now_us - s->created_us > LIFETIME_US) {
            otw_auth_logout(a, s);
            return NULL;
        }
        s->seen_us = now_us;
        return s;
    }
    return NULL;
}

void otw_auth_logout(otw_auth *a, otw_web_session *s)
{
    (void)a;
    sodium_memzero(s, sizeof(*s));
}

bool otw_auth_csrf_ok(const otw_web_session *s, const char *token)
{
    return token && strlen(token) == OTW_AUTH_TOKEN_HEX &&
           sodium_memcmp(s->csrf, token, OTW_AUTH_TOKEN_HEX) == 0;
}

int otw_auth_set_lang(otw_auth *a, otw_web_session *s, const char *lang)
{
    if (!lang_ok(lang))
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(a->db, "UPDATE users SET lang = ?1 WHERE name = ?2", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, lang, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, s->user, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    if (rc == 0)
        snprintf(s->lang, sizeof(s->lang), "%s", lang);
    return rc;
}

int otw_auth_ack(otw_auth *a, int64_t alert_id, const char *user, uint64_t now_us)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(a->db,
                           "INSERT OR REPLACE INTO acks(alert_id, user, at_us)"
                           " VALUES(?1, ?2, ?3)",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, alert_id);
    sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, (int64_t)now_us);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

int otw_auth_acked(otw_auth *a, int64_t alert_id, char *user, size_t usersz)
{
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_prepare_v2(a->db, "SELECT user FROM acks WHERE alert_id = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, alert_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(user, usersz, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}
