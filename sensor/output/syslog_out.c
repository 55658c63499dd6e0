/* syslog_out.c - alerts to a syslog collector through an on-disk spool; see
 * syslog_out.h.
 *
 * Specifications: RFC 5424 (message format), RFC 3164 (BSD syslog), RFC 5426
 * (UDP), RFC 6587 3.4.1 (TCP octet counting), RFC 5425 (TLS: the same
 * octet-counting frames inside a TLS session; the client checks the
 * collector's certificate against the configured CA and name).
 *
 * The packet thread formats and spools; one sender thread owns the socket.
 * Over TCP and TLS a batch is committed in the spool only once the kernel
 * reports every byte acknowledged (SIOCOUTQ == 0): a collector that dies
 * leaves its unacknowledged tail in the spool, sent again on reconnect.
 * What a collector acknowledged but never processed (killed with data in
 * its socket buffer) cannot be seen from here: RFC 6587 has no application
 * acknowledgement.
 */
#include "syslog_out.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "jsonw.h"
#include "log.h"
#include "siem_format.h"
#include "spool.h"
#include "wbuf.h"

#ifndef OTW_VERSION
#define OTW_VERSION "0.0.0"
#endif

/* SD-ID. 32473 is the private enterprise number reserved for documentation
 * (RFC 5612); an operator with an own PEN can replace it here. */
#define SD_ID "otwatch@32473"
#define FACILITY_LOCAL0 16
#define CONNECT_TIMEOUT_MS 2000
#define IO_TIMEOUT_MS 5000   /* one batch written, TLS handshake */
#define ACK_TIMEOUT_MS 10000 /* the collector's TCP acknowledges a batch */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define CLOSE_DRAIN_MS 5000
#define NOTICE_EVERY_MS 60000     /* spool-full notices at most this often */
#define MEMQ_MAX_BYTES (4u << 20) /* held in memory while the spool's disk is full */
#define MAX_ADDRS 4
#define RBUF_SIZE (OTW_SPOOL_BATCH * (OTW_SYSLOG_MAX + 16))

/* RFC 5424 6 field limits. */
#define HOSTNAME_MAX 255
#define APPNAME_MAX 48
#define MSGID_MAX 32
#define SDNAME_MAX 32
#define TAG3164_MAX 32

/* A message the spool had no room for (disk full), kept in memory. */
typedef struct memmsg {
    struct memmsg *next;
    uint64_t id;
    size_t len;
    char data[];
} memmsg;

struct otw_syslog {
    otw_syslog_transport transport;
    struct sockaddr_storage addr[MAX_ADDRS];
    socklen_t addrlen[MAX_ADDRS];
    int n_addr;
    char target[300]; /* "host:port" for messages */
    char hostname[HOSTNAME_MAX + 1];
    char app[APPNAME_MAX + 1];
    otw_siem_opts opts;
    uint32_t spool_mb;
    otw_spool *spool;
    /* TLS */
    gnutls_certificate_credentials_t cred;
    char peer[256];
    bool peer_is_ip;
    /* sender thread state (mu guards the flags and counters) */
    pthread_t thread;
    bool thread_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    uint64_t next_connect_ms; /* monotonic; 0 = now */
    uint64_t backoff_ms;
    uint64_t attempts, failed_attempt; /* connect attempts started; the last failed one */
    uint64_t send_failures;
    uint64_t sent, failed, connects, too_big;
    bool connected;
    int fd; /* sender thread only */
    gnutls_session_t tls;
    uint64_t dropped_noticed, last_notice_ms; /* stderr */
    uint64_t last_told_ms, told_connect;      /* the collector (SYSLOG_SPOOL_DROPPED) */
    bool notice_now;                          /* drain: no waiting for NOTICE_EVERY_MS */
    /* Not spooled for a full disk (under mu): they come after every spooled
     * one, so the spool takes appends again only once this is empty. */
    memmsg *mq_head, *mq_tail;
    size_t mq_n, mq_bytes;
    uint64_t mq_ids, mq_accepted, mq_flushed;
    bool mq_sending; /* a batch of them is out: not to be moved into the spool */
    char last_err[256];
    char *rbuf, *sbuf;        /* sender thread: batch read, framed batch */
    char fmt[OTW_SYSLOG_MAX]; /* the alert thread's formatting buffer */
    char notice_fmt[OTW_SYSLOG_MAX];
    /* The latest heartbeat not sent yet (under mu): never spooled, a newer
     * one replaces it (the older counted as dropped). */
    char hb[1024];
    size_t hb_len;
    uint64_t hb_seq, hb_sent, hb_dropped;
    otw_syslog_hdr header;
};

/* ---- formatter ---- */

/* Header token: printable US-ASCII only, at most max chars, "-" if empty. */
static void put_token(otw_wbuf *b, const char *s, size_t max, bool sd_name)
{
    size_t n = 0;
    for (; s && s[n] && n < max; n++) {
        unsigned char c = (unsigned char)s[n];
        bool ok = c >= 33 && c <= 126;
        if (sd_name && (c == '=' || c == ']' || c == '"'))
            ok = false;
        otw_wbuf_putc(b, ok ? (char)c : '_');
    }
    if (n == 0)
        otw_wbuf_putc(b, sd_name ? '_' : '-');
}

/* UTF-8 text: invalid sequences -> U+FFFD, controls -> space; escape adds a
 * backslash before '"', '\\' and ']' (SD-PARAM value, RFC 5424 6.3.3).
 * soft: stop quietly when the buffer is full (MSG truncation). */
static void put_text(otw_wbuf *b, const char *str, bool escape, bool soft)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str), i = 0;
    while (i < n) {
        char tmp[4];
        size_t len, adv, bad = 0;
        unsigned char c = s[i];
        if (c < 0x20 || c == 0x7f) {
            tmp[0] = ' ';
            len = adv = 1;
        } else if (escape && (c == '"' || c == '\\' || c == ']')) {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            len = 2;
            adv = 1;
        } else if ((adv = otw_utf8_seq(s + i, n - i, &bad)) != 0) {
            memcpy(tmp, s + i, adv);
            len = adv;
        } else {
            memcpy(tmp, "\xEF\xBF\xBD", 3);
            len = 3;
            adv = bad;
        }
        if (soft && len >= b->cap - b->len)
            return; /* truncated at a character boundary */
        otw_wbuf_put(b, tmp, len);
        i += adv;
    }
}

size_t otw_syslog_format(char *out, size_t outsz, const char *hostname, const char *app, int pid,
                         int severity, uint64_t ts_us, const char *msgid,
                         const char *const *sd_params, const char *msg)
{
    otw_wbuf b = {.p = out, .cap = outsz};
    if (out == NULL || outsz == 0)
        return 0;
    if (severity < 0)
        severity = 0;
    if (severity > 7)
        severity = 7;

    /* HEADER: PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID */
    otw_wbuf_putc(&b, '<');
    otw_wbuf_putu(&b, (uint64_t)(FACILITY_LOCAL0 * 8 + severity));
    otw_wbuf_put(&b, ">1 ", 3);
    if (ts_us) {
        char ts[32];
        otw_format_ts(ts_us, ts);
        otw_wbuf_put(&b, ts, OTW_TS_LEN);
    } else {
        otw_wbuf_putc(&b, '-');
    }
    otw_wbuf_putc(&b, ' ');
    put_token(&b, hostname, HOSTNAME_MAX, false);
    otw_wbuf_putc(&b, ' ');
    put_token(&b, app, APPNAME_MAX, false);
    otw_wbuf_putc(&b, ' ');
    if (pid > 0)
        otw_wbuf_putu(&b, (uint64_t)pid);
    else
        otw_wbuf_putc(&b, '-');
    otw_wbuf_putc(&b, ' ');
    put_token(&b, msgid, MSGID_MAX, false);
    otw_wbuf_putc(&b, ' ');

    /* STRUCTURED-DATA */
    if (sd_params && sd_params[0]) {
        otw_wbuf_put(&b, "[" SD_ID, 1 + strlen(SD_ID));
        for (size_t i = 0; sd_params[i]; i += 2) {
            const char *v = sd_params[i + 1];
            otw_wbuf_putc(&b, ' ');
            put_token(&b, sd_params[i], SDNAME_MAX, true);
            otw_wbuf_put(&b, "=\"", 2);
            put_text(&b, v ? v : "", true, false);
            otw_wbuf_putc(&b, '"');
            if (v == NULL)
                break; /* odd count: the array ends after this name */
        }
        otw_wbuf_putc(&b, ']');
    } else {
        otw_wbuf_putc(&b, '-');
    }
    if (b.full)
        return 0;

    /* MSG: BOM + UTF-8, truncated to fit. */
    if (msg && *msg && b.cap - b.len > 4) {
        otw_wbuf_put(&b, " \xEF\xBB\xBF", 4);
        put_text(&b, msg, false, true);
    }
    out[b.len] = '\0';
    return b.len;
}

size_t otw_syslog_format_payload(char *out, size_t outsz, const char *hostname, const char *app,
                                 int pid, int severity, uint64_t ts_us, const char *msgid,
                                 const char *payload, size_t payload_len)
{
    /* The header alone, then the payload whole or nothing. */
    size_t n =
        otw_syslog_format(out, outsz, hostname, app, pid, severity, ts_us, msgid, NULL, NULL);
    if (n == 0 || n + 1 + payload_len >= outsz)
        return 0;
    out[n++] = ' ';
    memcpy(out + n, payload, payload_len);
    n += payload_len;
    out[n] = '\0';
    return n;
}

size_t otw_syslog_format3164(char *out, size_t outsz, const char *hostname, const char *tag,
                             int pid, int severity, uint64_t ts_us, const char *content,
                             size_t content_len)
{
    static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    otw_wbuf b = {.p = out, .cap = outsz};
    if (out == NULL || outsz == 0)
        return 0;
    severity = severity < 0 ? 0 : severity > 7 ? 7 : severity;
    otw_wbuf_putc(&b, '<');
    otw_wbuf_putu(&b, (uint64_t)(FACILITY_LOCAL0 * 8 + severity));
    otw_wbuf_putc(&b, '>');
    /* TIMESTAMP "Mmm dd hh:mm:ss", local time, day space-padded (RFC 3164 4.1.2). */
    time_t t = ts_us ? (time_t)(ts_us / 1000000) : time(NULL);
    struct tm tm;
    char ts[64]; /* 16 used; room for what the compiler cannot rule out */
    if (!localtime_r(&t, &tm))
        memset(&tm, 0, sizeof(tm));
    snprintf(ts, sizeof(ts), "%s %2d %02d:%02d:%02d ", mon[(unsigned)tm.tm_mon % 12], tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    otw_wbuf_put(&b, ts, strlen(ts));
    /* HOSTNAME: without the domain. */
    size_t hn = 0;
    for (; hostname && hostname[hn] && hostname[hn] != '.' && hn < HOSTNAME_MAX; hn++) {
        unsigned char c = (unsigned char)hostname[hn];
        otw_wbuf_putc(&b, c > 32 && c < 127 ? (char)c : '_');
    }
    if (hn == 0)
        otw_wbuf_put(&b, "-", 1);
    otw_wbuf_putc(&b, ' ');
    /* TAG: alphanumeric, at most 32 characters. */
    size_t tn = 0;
    for (size_t i = 0; tag && tag[i] && tn < TAG3164_MAX; i++) {
        unsigned char c = (unsigned char)tag[i];
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
            otw_wbuf_putc(&b, (char)c);
            tn++;
        }
    }
    if (tn == 0)
        otw_wbuf_put(&b, "otwatch", 7);
    if (pid > 0) {
        otw_wbuf_putc(&b, '[');
        otw_wbuf_putu(&b, (uint64_t)pid);
        otw_wbuf_putc(&b, ']');
    }
    otw_wbuf_put(&b, ": ", 2);
    otw_wbuf_put(&b, content, content_len);
    if (b.full)
        return 0;
    out[b.len] = '\0';
    return b.len;
}

/* ---- sender ---- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The last delivery problem, for the message at close. */
__attribute__((format(printf, 2, 3))) static void set_err(otw_syslog *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&s->mu);
    vsnprintf(s->last_err, sizeof(s->last_err), fmt, ap);
    pthread_mutex_unlock(&s->mu);
    va_end(ap);
}

static void disconnect(otw_syslog *s)
{
    if (s->tls) {
        gnutls_deinit(s->tls);
        s->tls = NULL;
    }
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    pthread_mutex_lock(&s->mu);
    s->connected = false;
    pthread_mutex_unlock(&s->mu);
}

static int close_keep_errno(int fd)
{
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

/* Waits for events on fd until deadline (monotonic ms). >0 ready, 0 timeout. */
static int wait_fd(int fd, short events, uint64_t deadline, short *revents)
{
    for (;;) {
        uint64_t t = now_ms();
        if (t >= deadline)
            return 0;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, (int)(deadline - t));
        if (r < 0 && errno == EINTR)
            continue;
        if (r > 0 && revents)
            *revents = p.revents;
        return r;
    }
}

/* Non-blocking socket connected to a (TCP: within CONNECT_TIMEOUT_MS). */
static int connect_one(otw_syslog *s, const struct sockaddr_storage *a, socklen_t alen)
{
    bool dgram = s->transport == OTW_SYSLOG_UDP;
    int fd =
        socket(a->ss_family, (dgram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)a, alen) < 0) {
        if (errno != EINPROGRESS)
            return close_keep_errno(fd);
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        int r = wait_fd(fd, POLLOUT, now_ms() + CONNECT_TIMEOUT_MS, NULL);
        if (r == 0)
            errno = ETIMEDOUT;
        if (r <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            return close_keep_errno(fd);
        if (soerr) {
            errno = soerr;
            return close_keep_errno(fd);
        }
    }
    return fd;
}

/* RFC 5425: TLS client handshake, the peer's certificate checked against
 * the CA and s->peer (DNS name or IP address in its subjectAltName). */
static int tls_handshake(otw_syslog *s)
{
    int rc;
    if ((rc = gnutls_init(&s->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK)) < 0 ||
        (rc = gnutls_set_default_priority(s->tls)) < 0 ||
        (rc = gnutls_credentials_set(s->tls, GNUTLS_CRD_CERTIFICATE, s->cred)) < 0) {
        set_err(s, "syslog: TLS setup for %s failed: %s", s->target, gnutls_strerror(rc));
        return -1;
    }
    if (!s->peer_is_ip)
        gnutls_server_name_set(s->tls, GNUTLS_NAME_DNS, s->peer, strlen(s->peer));
    gnutls_session_set_verify_cert(s->tls, s->peer, 0);
    gnutls_transport_set_int(s->tls, s->fd);
    uint64_t deadline = now_ms() + IO_TIMEOUT_MS;
    for (;;) {
        rc = gnutls_handshake(s->tls);
        if (rc == GNUTLS_E_SUCCESS)
            return 0;
        if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal(rc))
            break;
        short ev = gnutls_record_get_direction(s->tls) ? POLLOUT : POLLIN;
        if (wait_fd(s->fd, ev, deadline, NULL) <= 0) {
            rc = GNUTLS_E_TIMEDOUT;
            break;
        }
    }
    if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
        gnutls_datum_t why = {NULL, 0};
        unsigned status = gnutls_session_get_verify_cert_status(s->tls);
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) == 0) {
            set_err(s, "syslog: TLS: the certificate of %s is refused: %s", s->target,
                    (char *)why.data);
            gnutls_free(why.data);
            return -1;
        }
    }
    set_err(s, "syslog: TLS handshake with %s failed: %s", s->target, gnutls_strerror(rc));
    return -1;
}

/* Connects (after the backoff delay). Sender thread only. */
static int do_connect(otw_syslog *s)
{
    int e = EHOSTUNREACH;
    for (int i = 0; i < s->n_addr && s->fd < 0; i++) {
        s->fd = connect_one(s, &s->addr[i], s->addrlen[i]);
        if (s->fd < 0)
            e = errno;
    }
    if (s->fd < 0) {
        set_err(s, "syslog: cannot connect to %s: %s", s->target, strerror(e));
        return -1;
    }
    if (s->transport == OTW_SYSLOG_TLS && tls_handshake(s) != 0) {
        disconnect(s);
        return -1;
    }
    pthread_mutex_lock(&s->mu);
    s->connected = true;
    s->connects++;
    s->last_err[0] = '\0';
    pthread_mutex_unlock(&s->mu);
    return 0;
}

/* Reads (and discards) what the collector sent. false once it has closed
 * the connection or it broke. A syslog collector never sends data; TLS
 * may carry post-handshake messages (session tickets). */
static bool peer_alive(otw_syslog *s)
{
    char junk[512];
    for (;;) {
        if (s->tls) {
            ssize_t r = gnutls_record_recv(s->tls, junk, sizeof(junk));
            if (r > 0)
                continue;
            if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
                return true;
            if (r < 0 && !gnutls_error_is_fatal((int)r))
                continue;
            return false;
        }
        ssize_t r = recv(s->fd, junk, sizeof(junk), MSG_DONTWAIT);
        if (r > 0)
            continue;
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

static int write_all(otw_syslog *s, const char *p, size_t n)
{
    uint64_t deadline = now_ms() + IO_TIMEOUT_MS;
    while (n > 0) {
        ssize_t r;
        if (s->tls) {
            r = gnutls_record_send(s->tls, p, n);
            if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
                short ev = gnutls_record_get_direction(s->tls) ? POLLOUT : POLLIN;
                if (wait_fd(s->fd, ev, deadline, NULL) <= 0)
                    return -1;
                continue;
            }
            if (r < 0)
                return -1;
        } else {
            r = send(s->fd, p, n, MSG_NOSIGNAL);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (wait_fd(s->fd, POLLOUT, deadline, NULL) <= 0)
                    return -1;
                continue;
            }
            if (r < 0)
                return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Waits until the collector's TCP has acknowledged everything sent. */
static int wait_acked(otw_syslog *s)
{
    uint64_t deadline = now_ms() + ACK_TIMEOUT_MS;
    for (;;) {
        int q = 0;
        if (ioctl(s->fd, SIOCOUTQ, &q) != 0)
            return -1;
        if (q == 0)
            return 0;
        short rev = 0;
        int r = wait_fd(s->fd, POLLIN | POLLRDHUP,
                        now_ms() + 10 > deadline ? deadline : now_ms() + 10, &rev);
        if (r > 0 && (rev & (POLLERR | POLLHUP | POLLRDHUP)))
            return -1; /* reset or closed with bytes unacknowledged */
        if (r > 0 && (rev & POLLIN) && !peer_alive(s))
            return -1;
        if (now_ms() >= deadline)
            return -1;
    }
}

/* Sends a batch read from the spool. Returns how many records are done
 * (delivered, or refused for good as too big), from the first. */
static size_t deliver(otw_syslog *s, const otw_spool_batch *b)
{
    if (s->transport == OTW_SYSLOG_UDP) {
        size_t i = 0;
        for (; i < b->n; i++) {
            ssize_t r = send(s->fd, b->buf + b->off[i], b->len[i], MSG_NOSIGNAL | MSG_DONTWAIT);
            if (r < 0 && errno == EINTR) {
                i--;
                continue;
            }
            if (r < 0 && errno == EMSGSIZE) {
                pthread_mutex_lock(&s->mu);
                s->too_big++;
                pthread_mutex_unlock(&s->mu);
                continue;
            }
            if (r != (ssize_t)b->len[i]) {
                set_err(s, "syslog: sending to %s failed: %s", s->target, strerror(errno));
                break; /* e.g. ECONNREFUSED (ICMP): retried later */
            }
        }
        return i;
    }
    /* TCP and TLS: "MSG-LEN SP SYSLOG-MSG" frames (RFC 6587 3.4.1, RFC 5425 4.3). */
    if (!peer_alive(s)) {
        set_err(s, "syslog: %s closed the connection", s->target);
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        n += (size_t)snprintf(s->sbuf + n, 24, "%zu ", b->len[i]);
        memcpy(s->sbuf + n, b->buf + b->off[i], b->len[i]);
        n += b->len[i];
    }
    if (write_all(s, s->sbuf, n) != 0 || wait_acked(s) != 0) {
        set_err(s, "syslog: delivery to %s failed: %s", s->target,
                errno ? strerror(errno) : "no ack");
        /* Some may have arrived: RFC 6587 has no acknowledgement to tell. */
        otw_warn("syslog: %zu message(s) written to %s without acknowledgement are sent again; "
                 "it may get some twice (same alert ids)",
                 b->n, s->target);
        return 0;
    }
    return b->n;
}

/* Drops on stderr, at most every NOTICE_EVERY_MS, with this process's count. */
static void notice_stderr(otw_syslog *s)
{
    otw_spool_stats st;
    otw_spool_get_stats(s->spool, &st);
    uint64_t t = now_ms();
    if (st.dropped > s->dropped_noticed &&
        (!s->last_notice_ms || t - s->last_notice_ms >= NOTICE_EVERY_MS)) {
        otw_warn("syslog: %llu undelivered alert message(s) dropped (spool full at %u MB or "
                 "its disk full, collector %s unreachable), %llu dropped in all",
                 (unsigned long long)(st.dropped - s->dropped_noticed), s->spool_mb, s->target,
                 (unsigned long long)st.dropped);
        s->dropped_noticed = st.dropped;
        s->last_notice_ms = t;
    }
}

/* Whether the drop notice may go now: at once on a new connection (or when
 * draining), else at most every NOTICE_EVERY_MS. Under mu. */
static bool notice_due(const otw_syslog *s, uint64_t t)
{
    return s->notice_now || !s->connected || s->connects != s->told_connect || !s->last_told_ms ||
           t - s->last_told_ms >= NOTICE_EVERY_MS;
}

/* Sends SYSLOG_SPOOL_DROPPED straight to the collector (not through a spool
 * that may be full), counting every drop not yet told, by this process or
 * an earlier one; the count is cleared in the spool once sent. Sender thread,
 * once the spool and the memory queue are delivered. 0, or -1 (kept). */
static int tell_drops(otw_syslog *s, uint64_t n)
{
    otw_alert a;
    otw_alert_init(&a, OTW_AT_SYSLOG_SPOOL_DROPPED, NULL, NULL, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    a.first_us = a.last_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    a.count = n;
    otw_alert_key(&a, "dropped=%llu", (unsigned long long)n);
    otw_alert_message(&a,
                      "%llu alert message(s) were dropped from the syslog spool (full at %u MB) "
                      "or could not be spooled (disk full) while the collector was unreachable",
                      (unsigned long long)n, s->spool_mb);
    otw_spool_batch nb = {.buf = s->notice_fmt, .cap = sizeof(s->notice_fmt), .n = 1};
    nb.len[0] = otw_siem_message(&s->opts, &a, s->notice_fmt, sizeof(s->notice_fmt));
    if (nb.len[0] && deliver(s, &nb) != 1)
        return -1;
    otw_spool_told(s->spool, n);
    pthread_mutex_lock(&s->mu);
    s->last_told_ms = now_ms();
    s->told_connect = s->connects;
    s->notice_now = false;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static void memq_pop(otw_syslog *s)
{
    memmsg *m = s->mq_head;
    s->mq_head = m->next;
    if (!s->mq_head)
        s->mq_tail = NULL;
    s->mq_n--;
    s->mq_bytes -= m->len;
    free(m);
}

/* Moves what waits in memory into the spool, in order, as far as it has
 * room. Under mu. */
static void memq_flush(otw_syslog *s)
{
    while (s->mq_head && !s->mq_sending) {
        int r = otw_spool_append(s->spool, s->mq_head->data, s->mq_head->len);
        if (r == OTW_SPOOL_NOSPACE)
            break;
        if (r == 0)
            s->mq_flushed++;
        memq_pop(s); /* -1: refused for good, counted by the spool */
    }
}

/* Keeps a message the spool had no room for; beyond MEMQ_MAX_BYTES the
 * oldest kept ones go, counted as dropped. Under mu. */
static int memq_push(otw_syslog *s, const char *msg, size_t len)
{
    memmsg *m = malloc(sizeof(*m) + len);
    if (!m) {
        otw_spool_add_dropped(s->spool, 1);
        return -1;
    }
    m->next = NULL;
    m->id = ++s->mq_ids;
    m->len = len;
    memcpy(m->data, msg, len);
    if (s->mq_tail)
        s->mq_tail->next = m;
    else
        s->mq_head = m;
    s->mq_tail = m;
    s->mq_n++;
    s->mq_bytes += len;
    s->mq_accepted++;
    uint64_t lost = 0;
    while (s->mq_bytes > MEMQ_MAX_BYTES && s->mq_head != m && !s->mq_sending) {
        memq_pop(s);
        lost++;
    }
    if (lost)
        otw_spool_add_dropped(s->spool, lost);
    return 0;
}

/* Copies the first kept messages into b, once the spool is delivered (the
 * check and the copy under mu: nothing moves to the spool in between).
 * Returns b->n; *last = the id of the last one. */
static size_t memq_batch(otw_syslog *s, otw_spool_batch *b, uint64_t *last)
{
    size_t used = 0;
    pthread_mutex_lock(&s->mu);
    b->n = 0;
    for (memmsg *m = otw_spool_pending(s->spool) ? NULL : s->mq_head;
         m && b->n < OTW_SPOOL_BATCH && used + m->len <= b->cap; m = m->next) {
        memcpy(b->buf + used, m->data, m->len);
        b->off[b->n] = used;
        b->len[b->n++] = m->len;
        used += m->len;
        *last = m->id;
    }
    s->mq_sending = b->n > 0;
    pthread_mutex_unlock(&s->mu);
    return b->n;
}

/* Nothing spooled or kept in memory, and the drop notice is due. */
static bool notice_ready(otw_syslog *s)
{
    pthread_mutex_lock(&s->mu);
    bool r = !s->mq_head && otw_spool_pending(s->spool) == 0 && notice_due(s, now_ms());
    pthread_mutex_unlock(&s->mu);
    return r;
}

/* Spooled, kept in memory, or a drop notice due. Under mu. */
static bool has_work(otw_syslog *s, uint64_t t)
{
    return otw_spool_pending(s->spool) > 0 || s->mq_head || s->hb_len > 0 ||
           (otw_spool_untold(s->spool) > 0 && notice_due(s, t));
}

/* Copies the waiting heartbeat into b once nothing spooled or kept in
 * memory comes before it. Its sequence number in *seq; 0 when none. */
static size_t hb_batch(otw_syslog *s, otw_spool_batch *b, uint64_t *seq)
{
    pthread_mutex_lock(&s->mu);
    b->n = 0;
    if (s->hb_len && !s->mq_head && otw_spool_pending(s->spool) == 0 && s->hb_len <= b->cap) {
        memcpy(b->buf, s->hb, s->hb_len);
        b->off[0] = 0;
        b->len[0] = s->hb_len;
        b->n = 1;
        *seq = s->hb_seq;
    }
    pthread_mutex_unlock(&s->mu);
    return b->n;
}

static void *sender(void *arg)
{
    otw_syslog *s = arg;
    otw_spool_batch b = {.buf = s->rbuf, .cap = RBUF_SIZE};
    pthread_mutex_lock(&s->mu);
    for (;;) {
        /* Sleep until there is work and the backoff delay is over. */
        while (!s->stop) {
            uint64_t t = now_ms(), wait_ms = 1000;
            if (has_work(s, t)) {
                if (s->fd >= 0 || t >= s->next_connect_ms)
                    break;
                wait_ms = s->next_connect_ms - t;
            }
            struct timespec until;
            clock_gettime(CLOCK_MONOTONIC, &until);
            until.tv_sec += (time_t)(wait_ms / 1000);
            until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->cv, &s->mu, &until);
        }
        if (s->stop)
            break;
        memq_flush(s); /* room again: what waits in memory goes to disk */
        pthread_mutex_unlock(&s->mu);

        uint64_t attempt = 0;
        if (s->fd < 0) {
            pthread_mutex_lock(&s->mu);
            attempt = ++s->attempts;
            pthread_mutex_unlock(&s->mu);
        }
        bool ok = s->fd >= 0 || do_connect(s) == 0;
        notice_stderr(s);
        size_t done = 0, n = 0, sent = 0;
        uint64_t mem_last = 0, untold = 0, hb_seq = 0;
        bool from_spool = false, from_mem = false;
        if (ok && otw_spool_pending(s->spool) > 0) {
            /* Sent while the cursor cannot be saved, a record would be sent
             * again by the next start: wait for it instead. */
            if (!otw_spool_cursor_ok(s->spool)) {
                set_err(s, "syslog: the spool's cursor cannot be saved; delivery waits");
                n = 1; /* a failure: retried after the backoff */
            } else if ((n = otw_spool_read(s->spool, &b)) > 0) {
                from_spool = true;
                if (otw_spool_sending(s->spool, &b) == 0)
                    sent = done = deliver(s, &b);
            }
        } else if (ok && (n = memq_batch(s, &b, &mem_last)) > 0) {
            from_mem = true;
            sent = done = deliver(s, &b);
        } else if (ok && notice_ready(s) && (untold = otw_spool_untold(s->spool)) > 0) {
            n = 1;
            done = tell_drops(s, untold) == 0;
        } else if (ok && (n = hb_batch(s, &b, &hb_seq)) > 0) {
            done = deliver(s, &b);
        }
        if (ok && done < n)
            disconnect(s);

        pthread_mutex_lock(&s->mu);
        if (from_spool && done) /* under mu: a drain sees the spool and the counters agree */
            otw_spool_commit(s->spool, &b, done);
        if (from_mem) {
            /* The batch was the head (nothing moved it meanwhile: mq_sending). */
            while (s->mq_head && s->mq_head->id <= mem_last - (n - done))
                memq_pop(s);
            s->mq_sending = false;
        }
        if (hb_seq && done) {
            s->hb_sent++;
            if (s->hb_seq == hb_seq) /* not replaced meanwhile */
                s->hb_len = 0;
        }
        s->sent += sent;
        if (!ok || done < n) {
            if (!ok)
                s->failed_attempt = attempt;
            else
                s->send_failures++;
            s->failed++;
            s->next_connect_ms = now_ms() + s->backoff_ms;
            s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
            if (s->backoff_ms > BACKOFF_MAX_MS)
                s->backoff_ms = BACKOFF_MAX_MS;
        } else if (done) {
            s->backoff_ms = 0;
        }
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static bool is_ip_literal(const char *h)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

static int tls_setup(otw_syslog *s, const otw_config *c, char *err, size_t errsz)
{
    int rc;
    if (!c->syslog_tls_ca_file[0]) {
        snprintf(err, errsz,
                 "syslog: transport tls needs outputs.syslog.tls_ca_file (the CA "
                 "that signed the collector's certificate)");
        return -1;
    }
    if (!c->syslog_tls_cert_file[0] != !c->syslog_tls_key_file[0]) {
        snprintf(err, errsz, "syslog: tls_cert_file and tls_key_file go together");
        return -1;
    }
    if ((rc = gnutls_certificate_allocate_credentials(&s->cred)) < 0) {
        snprintf(err, errsz, "syslog: TLS: %s", gnutls_strerror(rc));
        return -1;
    }
    rc =
        gnutls_certificate_set_x509_trust_file(s->cred, c->syslog_tls_ca_file, GNUTLS_X509_FMT_PEM);
    if (rc <= 0) {
        snprintf(err, errsz, "syslog: TLS: no CA certificate read from %s%s%s",
                 c->syslog_tls_ca_file, rc < 0 ? ": " : "", rc < 0 ? gnutls_strerror(rc) : "");
        return -1;
    }
    if (c->syslog_tls_cert_file[0]) {
        rc = gnutls_certificate_set_x509_key_file(s->cred, c->syslog_tls_cert_file,
                                                  c->syslog_tls_key_file, GNUTLS_X509_FMT_PEM);
        if (rc < 0) {
            snprintf(err, errsz, "syslog: TLS: cannot use %s with %s: %s", c->syslog_tls_cert_file,
                     c->syslog_tls_key_file, gnutls_strerror(rc));
            return -1;
        }
    }
    snprintf(s->peer, sizeof(s->peer), "%s",
             c->syslog_tls_peer_name[0] ? c->syslog_tls_peer_name : c->syslog_host);
    s->peer_is_ip = is_ip_literal(s->peer);
    return 0;
}

static void free_handle(otw_syslog *s)
{
    otw_spool_close(s->spool);
    if (s->cred)
        gnutls_certificate_free_credentials(s->cred);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->rbuf);
    free(s->sbuf);
    free(s);
}

otw_syslog *otw_syslog_open(const otw_config *c, const char *spool_dir, char *err, size_t errsz)
{
    char dummy[1], port[8];
    struct addrinfo hints, *res = NULL, *ai;
    if (err == NULL || errsz == 0) {
        err = dummy;
        errsz = sizeof(dummy);
    }
    err[0] = '\0';
    if (c->syslog_port == 0 || c->syslog_host[0] == '\0') {
        snprintf(err, errsz, "syslog: no collector host or port configured");
        return NULL;
    }
    otw_syslog *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errsz, "syslog: out of memory");
        return NULL;
    }
    s->fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->transport = c->syslog_transport;
    s->header = c->syslog_header;
    s->spool_mb = c->syslog_spool_mb;
    snprintf(s->app, sizeof(s->app), "%s", c->syslog_app_name);
    if (gethostname(s->hostname, sizeof(s->hostname) - 1) < 0)
        s->hostname[0] = '\0'; /* sent as "-" */
    s->hostname[sizeof(s->hostname) - 1] = '\0';
    s->opts = (otw_siem_opts){.format = c->syslog_format,
                              .header = c->syslog_header,
                              .leef_delimiter =
                                  c->syslog_leef_delimiter ? c->syslog_leef_delimiter : '\t',
                              .hostname = s->hostname,
                              .app = s->app,
                              .pid = (int)getpid(),
                              .version = OTW_VERSION};
    snprintf(s->target, sizeof(s->target), "%s%s%s:%u", strchr(c->syslog_host, ':') ? "[" : "",
             c->syslog_host, strchr(c->syslog_host, ':') ? "]" : "", c->syslog_port);
    s->rbuf = malloc(RBUF_SIZE);
    s->sbuf = malloc(RBUF_SIZE + OTW_SPOOL_BATCH * 24);
    if (!s->rbuf || !s->sbuf) {
        snprintf(err, errsz, "syslog: out of memory");
        goto fail;
    }
    if (s->transport == OTW_SYSLOG_TLS && tls_setup(s, c, err, errsz) != 0)
        goto fail;

    snprintf(port, sizeof(port), "%u", c->syslog_port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = s->transport == OTW_SYSLOG_UDP ? SOCK_DGRAM : SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(c->syslog_host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errsz, "syslog: cannot resolve %s: %s", c->syslog_host,
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        goto fail;
    }
    for (ai = res; ai && s->n_addr < MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(s->addr[0]))
            continue;
        memcpy(&s->addr[s->n_addr], ai->ai_addr, ai->ai_addrlen);
        s->addrlen[s->n_addr++] = ai->ai_addrlen;
    }
    freeaddrinfo(res);
    if (s->n_addr == 0) {
        snprintf(err, errsz, "syslog: no usable address for %s", c->syslog_host);
        goto fail;
    }
    char e[300];
    s->spool = otw_spool_open(spool_dir, (uint64_t)s->spool_mb << 20, 0, e, sizeof(e));
    if (!s->spool) {
        snprintf(err, errsz, "syslog: %s", e);
        goto fail;
    }
    if (pthread_create(&s->thread, NULL, sender, s) != 0) {
        snprintf(err, errsz, "syslog: cannot start the sender thread");
        goto fail;
    }
    s->thread_started = true;
    return s;
fail:
    free_handle(s);
    return NULL;
}

int otw_syslog_enqueue(otw_syslog *s, const char *msg, size_t len)
{
    pthread_mutex_lock(&s->mu);
    if (s->mq_head)
        memq_flush(s);
    /* Behind messages kept in memory, in memory too: the order holds. */
    bool keep = s->mq_head && len > 0 && len <= OTW_SPOOL_MAX_RECORD;
    int rc = keep ? OTW_SPOOL_NOSPACE : otw_spool_append(s->spool, msg, len);
    if (rc == OTW_SPOOL_NOSPACE) /* a full disk: sent from memory if the collector is there */
        rc = memq_push(s, msg, len);
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return rc == 0 ? 0 : -1;
}

/* Queues the n bytes formatted into s->fmt; n == 0 (it did not fit) is
 * counted as too big. */
static int enqueue_formatted(otw_syslog *s, size_t n)
{
    if (n == 0) {
        pthread_mutex_lock(&s->mu);
        s->too_big++;
        pthread_mutex_unlock(&s->mu);
        return -1;
    }
    return otw_syslog_enqueue(s, s->fmt, n);
}

int otw_syslog_alert(otw_syslog *s, const otw_alert *a)
{
    return enqueue_formatted(s, otw_siem_message(&s->opts, a, s->fmt, sizeof(s->fmt)));
}

int otw_syslog_chain_heads(otw_syslog *s, uint64_t ts_us, const char *const *sd_params,
                           const char *msg)
{
    size_t n = otw_syslog_format(s->fmt, sizeof(s->fmt), s->hostname, s->app, s->opts.pid, 5, ts_us,
                                 "CHAIN_HEADS", sd_params, msg);
    return enqueue_formatted(s, n);
}

int otw_syslog_heartbeat(otw_syslog *s, const otw_syslog_heartbeat_info *hb)
{
    char packets[24], drops[24], interval[24], uptime[24], msg[512];
    snprintf(packets, sizeof(packets), "%llu", (unsigned long long)hb->packets);
    snprintf(drops, sizeof(drops), "%llu", (unsigned long long)hb->drops);
    snprintf(interval, sizeof(interval), "%llu", (unsigned long long)hb->interval_s);
    snprintf(uptime, sizeof(uptime), "%llu", (unsigned long long)hb->uptime_s);
    const char *sd[] = {
        "packets", packets,  "drops", drops,        "interval",
        interval,  "uptime", uptime,  "interfaces", hb->interfaces ? hb->interfaces : "",
        NULL};
    snprintf(msg, sizeof(msg),
             "otwatch heartbeat: %s packets, %s dropped by the kernel in the last %s s; up %s s, "
             "watching %s",
             packets, drops, interval, uptime, hb->interfaces ? hb->interfaces : "-");
    char out[sizeof(s->hb)];
    size_t n = s->header == OTW_SYSLOG_HDR_RFC3164
                   ? otw_syslog_format3164(out, sizeof(out), s->hostname, s->app, (int)getpid(), 6,
                                           hb->ts_us, msg, strlen(msg))
                   : otw_syslog_format(out, sizeof(out), s->hostname, s->app, (int)getpid(), 6,
                                       hb->ts_us, "HEARTBEAT", sd, msg);
    if (n == 0)
        return -1;
    pthread_mutex_lock(&s->mu);
    if (s->hb_len)
        s->hb_dropped++; /* the collector did not take the last one yet */
    memcpy(s->hb, out, n);
    s->hb_len = n;
    s->hb_seq++;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int otw_syslog_drain(otw_syslog *s, unsigned timeout_ms)
{
    uint64_t deadline = now_ms() + timeout_ms;
    pthread_mutex_lock(&s->mu);
    /* Gives up when an attempt started from now on fails. */
    uint64_t first = s->attempts + 1, sf = s->send_failures;
    s->next_connect_ms = 0; /* try now, whatever the backoff */
    s->notice_now = true;
    pthread_cond_broadcast(&s->cv);
    while (has_work(s, now_ms()) && s->failed_attempt < first && s->send_failures < sf + 3 &&
           !s->stop) {
        uint64_t t = now_ms();
        if (t >= deadline)
            break;
        uint64_t w = deadline - t < 100 ? deadline - t : 100;
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)w * 1000000L;
        while (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&s->cv, &s->mu, &until);
        if (s->send_failures != sf)
            s->next_connect_ms = 0;
    }
    int rc = has_work(s, now_ms()) ? -1 : 0;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void otw_syslog_get_stats(otw_syslog *s, otw_syslog_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (!s)
        return;
    otw_spool_stats sp;
    otw_spool_get_stats(s->spool, &sp);
    pthread_mutex_lock(&s->mu);
    st->queued = sp.appended - s->mq_flushed + s->mq_accepted;
    st->sent = s->sent;
    st->failed = s->failed;
    st->dropped = sp.dropped + s->too_big;
    st->pending = sp.pending + s->mq_n;
    st->connects = s->connects;
    st->connected = s->connected;
    st->heartbeats_sent = s->hb_sent;
    st->heartbeats_dropped = s->hb_dropped + (s->hb_len ? 1 : 0);
    pthread_mutex_unlock(&s->mu);
}

void otw_syslog_close(otw_syslog *s)
{
    if (s == NULL)
        return;
    if (s->thread_started) {
        if (otw_syslog_drain(s, CLOSE_DRAIN_MS) != 0) {
            pthread_mutex_lock(&s->mu);
            memq_flush(s);
            uint64_t spooled = otw_spool_pending(s->spool), untold = otw_spool_untold(s->spool);
            if (spooled)
                otw_warn("syslog: %llu message(s) stay spooled for the next start%s%s",
                         (unsigned long long)spooled, s->last_err[0] ? " - " : "", s->last_err);
            else if (untold)
                otw_warn("syslog: the notice of %llu dropped message(s) waits for the next "
                         "start%s%s",
                         (unsigned long long)untold, s->last_err[0] ? " - " : "", s->last_err);
            pthread_mutex_unlock(&s->mu);
        }
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    if (s->mq_n) {
        /* Neither delivered nor spooled (the disk is full): lost, and told
         * by the next start that reaches the collector. */
        otw_warn("syslog: %zu message(s) lost: the spool's disk is full and %s did not take "
                 "them",
                 s->mq_n, s->target);
        otw_spool_add_dropped(s->spool, s->mq_n);
        while (s->mq_head)
            memq_pop(s);
    }
    disconnect(s);
    free_handle(s);
}
