/* auth.h - users, passwords, sessions and login throttling of the web console
 * (docs/web.md, "Security").
 *
 * Users live in DIR/web.db (SQLite, beside the sensor's state.db, never in
 * it): name, password hash, role (admin or viewer) and language (en, ja),
 * plus the alert acknowledgements. Passwords are hashed with libsodium's
 * crypto_pwhash_str (Argon2id, salted, "interactive" limits). There is no
 * default password: with no user and no configured hash, a one-time setup
 * token (printed on stderr) lets the first user be created. Sessions are in
 * memory (a restart logs everyone out), each with its own CSRF token. */
#ifndef OTW_WEB_AUTH_H
#define OTW_WEB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OTW_AUTH_TOKEN_HEX 64 /* 32 random bytes as hex */
#define OTW_AUTH_MAX_SESSIONS 256
#define OTW_AUTH_NAME_MAX 64

typedef enum otw_web_role { OTW_WEB_VIEWER = 0, OTW_WEB_ADMIN } otw_web_role;

typedef struct otw_web_session {
    char id[OTW_AUTH_TOKEN_HEX + 1];
    char csrf[OTW_AUTH_TOKEN_HEX + 1];
    char user[OTW_AUTH_NAME_MAX];
    otw_web_role role;
    char lang[4];
    uint64_t created_us, seen_us;
    bool used;
} otw_web_session;

typedef struct otw_auth otw_auth;

/* Opens DIR/web.db. admin_hash: a crypto_pwhash_str string for user "admin"
 * (from --admin-hash-file), or NULL. When there is no user at all, a setup
 * token is made and printed on stderr. NULL + err on failure. */
otw_auth *otw_auth_open(const char *state_dir, const char *admin_hash, char *err, size_t errsz);
void otw_auth_close(otw_auth *a);

/* True while the first user is still to be created. */
bool otw_auth_setup_pending(const otw_auth *a);
/* Creates the first (admin) user with the setup token; the token is gone
 * after. 0, or -1 + err. */
int otw_auth_setup(otw_auth *a, const char *token, const char *user, const char *password,
                   const char *lang, char *err, size_t errsz);
/* Adds (or replaces the password and role of) a user. 0, or -1 + err. */
int otw_auth_set_user(otw_auth *a, const char *user, const char *password, otw_web_role role,
                      const char *lang, char *err, size_t errsz);

/* Login throttling per client address: true if it may try now; else
 * *retry_s says when. */
bool otw_auth_may_try(otw_auth *a, const char *client, uint64_t now_us, unsigned *retry_s);
/* Checks the password (time-constant in the unknown-user case), counts a
 * failure against client, and on success opens a session. NULL with *busy
 * set when OTW_AUTH_MAX_HASHING logins are being checked already (busy
 * may be NULL). */
otw_web_session *otw_auth_login(otw_auth *a, const char *client, const char *user,
                                const char *password, uint64_t now_us, bool *busy);

/* The server's request lock: a login lets go of it for the Argon2 check
 * (tenths of a second, 64 MiB), so the console's other requests go on on
 * other threads, and takes it back before it touches the sessions. At most
 * OTW_AUTH_MAX_HASHING checks run at once; a login beyond answers busy. */
#define OTW_AUTH_MAX_HASHING 2
void otw_auth_set_lock(otw_auth *a, void (*lock)(void *), void (*unlock)(void *), void *ctx);
/* The live session with this id (NULL if none or expired; touches it). */
otw_web_session *otw_auth_session(otw_auth *a, const char *id, uint64_t now_us);
void otw_auth_logout(otw_auth *a, otw_web_session *s);
/* Constant-time comparison of the request's CSRF token. */
bool otw_auth_csrf_ok(const otw_web_session *s, const char *token);
int otw_auth_set_lang(otw_auth *a, otw_web_session *s, const char *lang);

/* Alert acknowledgements. */
int otw_auth_ack(otw_auth *a, int64_t alert_id, const char *user, uint64_t now_us);
/* Who acknowledged the alert (copied into user), 0; -1 if nobody. */
int otw_auth_acked(otw_auth *a, int64_t alert_id, char *user, size_t usersz);

/* Hashes a password for --admin-hash-file. 0 or -1. */
int otw_auth_hash(const char *password, char *out, size_t outsz);

const char *otw_web_role_name(otw_web_role r);

#endif
