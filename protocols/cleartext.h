/* cleartext.h - helpers shared by the cleartext login dissectors (telnet,
 * ftp, http, mqtt, vnc, pop3, imap, smtp): line framing, base64 (RFC 4648
 * section 4), SASL PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login)
 * and the held login attempt.
 *
 * A held login keeps a user name and a secret only until the outcome is
 * known: clt_login_emit() hands them to the sink as an otw_credential and
 * wipes the buffer at once (explicit_bzero), whatever the outcome. Secrets
 * longer than CLT_SECRET_MAX are held cut to that length: no default or weak
 * password is that long, so the comparison the consumer makes is unchanged.
 *
 * Pure: no globals, no allocation, no I/O.
 */
#ifndef OTW_CLEARTEXT_H
#define OTW_CLEARTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"
#include "facts.h"

#define CLT_MAX_LINE 1024 /* a longer line is cut into pieces of this size */
#define CLT_SECRET_MAX 128
#define CLT_USER_MAX 64

/* Text-protocol framing: one line up to and including LF; CLT_MAX_LINE
 * bytes when no LF comes that soon; NEED_MORE otherwise. */
long clt_line_frame_len(const uint8_t *buf, size_t len);
/* Byte-stream framing (telnet, vnc): whatever is there, at most
 * CLT_MAX_LINE bytes at a time. */
long clt_chunk_frame_len(const uint8_t *buf, size_t len);

/* Length of a line without its trailing CR/LF. */
size_t clt_trim_eol(const uint8_t *p, size_t n);
/* The line starts with word (ASCII case-insensitive) followed by a space,
 * a tab or the end of the line. */
bool clt_word_is(const uint8_t *p, size_t n, const char *word);
/* Skips the first word and the blanks after it: offset of the next word. */
size_t clt_next_word(const uint8_t *p, size_t n, size_t off);
/* Length of the word at p (up to a space, a tab or the end). */
size_t clt_word_len(const uint8_t *p, size_t n);

/* Probe helpers (dynamic detection). The length of the first line of p
 * without its end (CR LF or LF) when it is all printable ASCII (tabs
 * allowed) and ends within n bytes and CLT_MAX_LINE; 0 otherwise. */
size_t clt_probe_line(const uint8_t *p, size_t n);
/* p (n bytes) starts with pre exactly. */
bool clt_starts_with(const uint8_t *p, size_t n, const char *pre);
/* The text word (any case) occurs in p's first n bytes. */
bool clt_contains_ci(const uint8_t *p, size_t n, const char *word);
/* The line holds printable text (no NUL, few control bytes): a cheap
 * "is this a text protocol at all" test. */
bool clt_is_text(const uint8_t *p, size_t n);

/* Decodes base64 (blanks ignored, '=' padding optional). Returns the
 * decoded length, or -1 if in holds other characters or out is too small. */
long clt_b64_decode(const uint8_t *in, size_t n, uint8_t *out, size_t outsz);

/* A login attempt held until its outcome. */
typedef struct clt_login {
    bool active;
    bool has_secret;
    bool secret_is_none;
    uint8_t secret_len;
    const char *method; /* static */
    uint64_t ts_us;
    char user[CLT_USER_MAX];
    uint8_t secret[CLT_SECRET_MAX];
} clt_login;

/* Starts an attempt (wiping anything held). */
void clt_login_start(clt_login *l, const char *method, uint64_t ts_us);
void clt_login_set_user(clt_login *l, const uint8_t *user, size_t n);
void clt_login_set_secret(clt_login *l, const uint8_t *secret, size_t n);
/* Hands the attempt to sink->credential (if any) with this outcome and
 * wipes it. Nothing happens when no attempt is active. */
void clt_login_emit(clt_login *l, otw_proto proto, otw_login_outcome outcome, const otw_sink *sink);
/* clt_login_emit, counting in *n_logins the attempt it hands over. */
void clt_login_end(clt_login *l, otw_proto proto, otw_login_outcome outcome, uint32_t *n_logins,
                   const otw_sink *sink);
/* Wipes without emitting. */
void clt_login_clear(clt_login *l);
/* An attempt is active and older than ts_us - timeout_us (timeout_us == 0:
 * any active one), so its outcome is no longer awaited. */
bool clt_login_due(const clt_login *l, uint64_t ts_us, uint64_t timeout_us);
/* Emits an UNKNOWN outcome when the attempt is older than ts_us - timeout_us
 * (timeout_us == 0: always). */
void clt_login_expire(clt_login *l, otw_proto proto, uint64_t ts_us, uint64_t timeout_us,
                      const otw_sink *sink);

/* SASL PLAIN / LOGIN exchange inside POP3, IMAP and SMTP. */
enum { CLT_SASL_NONE = 0, CLT_SASL_PLAIN, CLT_SASL_LOGIN, CLT_SASL_OTHER };

typedef struct clt_sasl {
    uint8_t mech;  /* CLT_SASL_*; NONE = no exchange under way */
    uint8_t step;  /* client responses taken */
    bool complete; /* user and secret known: only the outcome is awaited */
} clt_sasl;

/* A client's AUTH/AUTHENTICATE: mechanism word and optional initial
 * response (ir, may be NULL). Starts the held login for PLAIN and LOGIN. */
void clt_sasl_start(clt_sasl *s, clt_login *l, const char *method_plain, const char *method_login,
                    const uint8_t *mech, size_t mlen, const uint8_t *ir, size_t irlen,
                    uint64_t ts_us);
/* A client line while the exchange is under way (base64 response or "*"
 * to cancel). Returns false when the line is not a valid response: the
 * exchange is then abandoned. */
bool clt_sasl_client(clt_sasl *s, clt_login *l, const uint8_t *line, size_t n);
void clt_sasl_reset(clt_sasl *s);

#endif
