/* syslog_out.c - RFC 5424 syslog sender: UDP (RFC 5426) or TCP with
 * octet-counting framing (RFC 6587 3.4.1). See syslog_out.h.
 *
 * Delivery is best effort: a failed send reconnects once and retries, then
 * counts the message as failed. After a failed connect the next attempt waits
 * (1 s, doubling up to 60 s) so a dead collector cannot stall the pipeline on
 * every alert. Lossless spooling to disk is not done here.
 */
#include "syslog_out.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "jsonw.h"

/* SD-ID. 32473 is the private enterprise number reserved for documentation
 * (RFC 5612); an operator with an own PEN can replace it here. */
#define SD_ID "otwatch@32473"
#define FACILITY_LOCAL0 16
#define CONNECT_TIMEOUT_MS 2000
#define SEND_TIMEOUT_S 2
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define MAX_ADDRS 4

/* RFC 5424 6 field limits. */
#define HOSTNAME_MAX 255
#define APPNAME_MAX 48
#define MSGID_MAX 32
#define SDNAME_MAX 32

struct otw_syslog {
    int fd;
    bool tcp;
    struct sockaddr_storage addr[MAX_ADDRS];
    socklen_t addrlen[MAX_ADDRS];
    int n_addr;
    char target[300]; /* "host:port" for messages */
    char hostname[HOSTNAME_MAX + 1];
    char app[APPNAME_MAX + 1];
    int pid;
    uint64_t sent, failed;
    uint64_t next_connect_ms; /* monotonic; 0 = now */
    uint64_t backoff_ms;
    char frame[OTW_SYSLOG_MAX + 16]; /* octet-count prefix + message */
};

/* ---- formatter ---- */

typedef struct wbuf {
    char *p;
    size_t cap, len; /* one byte of cap is kept for the NUL */
    bool full;
} wbuf;

static void wput(wbuf *b, const void *s, size_t n)
{
    if (b->full)
        return;
    if (n >= b->cap - b->len) {
        b->full = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void wputc(wbuf *b, char c)
{
    wput(b, &c, 1);
}

/* Header token: printable US-ASCII only, at most max chars, "-" if empty. */
static void put_token(wbuf *b, const char *s, size_t max, bool sd_name)
{
    size_t n = 0;
    for (; s && s[n] && n < max; n++) {
        unsigned char c = (unsigned char)s[n];
        bool ok = c >= 33 && c <= 126;
        if (sd_name && (c == '=' || c == ']' || c == '"'))
            ok = false;
        wputc(b, ok ? (char)c : '_');
    }
    if (n == 0)
        wputc(b, sd_name ? '_' : '-');
}

/* UTF-8 text: invalid sequences -> U+FFFD, controls -> space; escape adds a
 * backslash before '"', '\\' and ']' (SD-PARAM value, RFC 5424 6.3.3).
 * soft: stop quietly when the buffer is full (MSG truncation). */
static void put_text(wbuf *b, const char *str, bool escape, bool soft)
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
        wput(b, tmp, len);
        i += adv;
    }
}

static void put_uint(wbuf *b, uint64_t v)
{
    char tmp[20], *p = tmp + sizeof(tmp);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    wput(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

size_t otw_syslog_format(char *out, size_t outsz, const char *hostname, const char *app, int pid,
                         int severity, uint64_t ts_us, const char *msgid,
                         const char *const *sd_params, const char *msg)
{
    wbuf b = {.p = out, .cap = outsz};
    if (out == NULL || outsz == 0)
        return 0;
    if (severity < 0)
        severity = 0;
    if (severity > 7)
        severity = 7;

    /* HEADER: PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID */
    wputc(&b, '<');
    put_uint(&b, (uint64_t)(FACILITY_LOCAL0 * 8 + severity));
    wput(&b, ">1 ", 3);
    if (ts_us) {
        char ts[32];
        otw_format_ts(ts_us, ts);
        wput(&b, ts, OTW_TS_LEN);
    } else {
        wputc(&b, '-');
    }
    wputc(&b, ' ');
    put_token(&b, hostname, HOSTNAME_MAX, false);
    wputc(&b, ' ');
    put_token(&b, app, APPNAME_MAX, false);
    wputc(&b, ' ');
    if (pid > 0)
        put_uint(&b, (uint64_t)pid);
    else
        wputc(&b, '-');
    wputc(&b, ' ');
    put_token(&b, msgid, MSGID_MAX, false);
    wputc(&b, ' ');

    /* STRUCTURED-DATA */
    if (sd_params && sd_params[0]) {
        wput(&b, "[" SD_ID, 1 + strlen(SD_ID));
        for (size_t i = 0; sd_params[i]; i += 2) {
            const char *v = sd_params[i + 1];
            wputc(&b, ' ');
            put_token(&b, sd_params[i], SDNAME_MAX, true);
            wput(&b, "=\"", 2);
            put_text(&b, v ? v : "", true, false);
            wputc(&b, '"');
            if (v == NULL)
                break; /* odd count: the array ends after this name */
        }
        wputc(&b, ']');
    } else {
        wputc(&b, '-');
    }
    if (b.full)
        return 0;

    /* MSG: BOM + UTF-8, truncated to fit. */
    if (msg && *msg && b.cap - b.len > 4) {
        wput(&b, " \xEF\xBB\xBF", 4);
        put_text(&b, msg, false, true);
    }
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

static void disconnect(otw_syslog *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static int close_keep_errno(int fd)
{
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

/* Connects one socket to a. Returns 0 (s->fd set) or -1 (errno set). */
static int connect_one(otw_syslog *s, const struct sockaddr_storage *a, socklen_t alen)
{
    int type = (s->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK;
    int fd = socket(a->ss_family, type, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)a, alen) < 0) {
        if (errno != EINPROGRESS)
            return close_keep_errno(fd);
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r, soerr = 0;
        socklen_t sl = sizeof(soerr);
        do
            r = poll(&p, 1, CONNECT_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        if (r == 0)
            errno = ETIMEDOUT;
        if (r <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
            return close_keep_errno(fd);
        if (soerr) {
            errno = soerr;
            return close_keep_errno(fd);
        }
    }
    if (s->tcp) {
        /* Blocking sends from now on, bounded by a timeout. */
        struct timeval tv = {.tv_sec = SEND_TIMEOUT_S};
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
            return close_keep_errno(fd);
    }
    s->fd = fd;
    return 0;
}

static int do_connect(otw_syslog *s)
{
    int e = EHOSTUNREACH;
    uint64_t t = now_ms();
    if (s->next_connect_ms && t < s->next_connect_ms) {
        errno = EAGAIN; /* backing off */
        return -1;
    }
    for (int i = 0; i < s->n_addr; i++) {
        if (connect_one(s, &s->addr[i], s->addrlen[i]) == 0) {
            s->backoff_ms = 0;
            s->next_connect_ms = 0;
            return 0;
        }
        e = errno;
    }
    s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (s->backoff_ms > BACKOFF_MAX_MS)
        s->backoff_ms = BACKOFF_MAX_MS;
    s->next_connect_ms = t + s->backoff_ms;
    errno = e;
    return -1;
}

/* A syslog server never talks back: readable means closed (or garbage). */
static bool tcp_peer_gone(otw_syslog *s)
{
    char junk[256];
    for (;;) {
        ssize_t r = recv(s->fd, junk, sizeof(junk), MSG_DONTWAIT);
        if (r > 0)
            continue;
        if (r < 0 && errno == EINTR)
            continue;
        return !(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    }
}

static int send_all(int fd, const char *p, size_t n, bool tcp)
{
    int flags = MSG_NOSIGNAL | (tcp ? 0 : MSG_DONTWAIT);
    while (n > 0) {
        ssize_t r = send(fd, p, n, flags);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (!tcp && (size_t)r != n)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

otw_syslog *otw_syslog_open(const otw_config *c, char *err, size_t errsz)
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
    s->tcp = c->syslog_transport == OTW_SYSLOG_TCP;
    s->pid = (int)getpid();
    snprintf(s->app, sizeof(s->app), "%s", c->syslog_app_name);
    if (gethostname(s->hostname, sizeof(s->hostname) - 1) < 0)
        s->hostname[0] = '\0'; /* sent as "-" */
    s->hostname[sizeof(s->hostname) - 1] = '\0';
    snprintf(s->target, sizeof(s->target), "%s%s%s:%u", strchr(c->syslog_host, ':') ? "[" : "",
             c->syslog_host, strchr(c->syslog_host, ':') ? "]" : "", c->syslog_port);

    snprintf(port, sizeof(port), "%u", c->syslog_port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = s->tcp ? SOCK_STREAM : SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(c->syslog_host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errsz, "syslog: cannot resolve %s: %s", c->syslog_host,
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        free(s);
        return NULL;
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
        free(s);
        return NULL;
    }
    if (do_connect(s) < 0)
        snprintf(err, errsz, "syslog: cannot connect to %s (%s): will retry", s->target,
                 strerror(errno));
    return s;
}

int otw_syslog_send(otw_syslog *s, int severity, uint64_t ts_us, const char *msgid,
                    const char *const *sd_params, const char *msg)
{
    enum { PREFIX = 16 };
    char *body = s->frame + PREFIX;
    size_t n = otw_syslog_format(body, OTW_SYSLOG_MAX, s->hostname, s->app, s->pid, severity, ts_us,
                                 msgid, sd_params, msg);
    const char *p = body;
    if (n == 0) {
        s->failed++;
        return -1;
    }
    if (s->tcp) {
        /* RFC 6587 octet counting: MSG-LEN SP SYSLOG-MSG */
        char *q = body;
        size_t v = n;
        *--q = ' ';
        do {
            *--q = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        p = q;
        n += (size_t)(body - q);
        if (s->fd >= 0 && tcp_peer_gone(s))
            disconnect(s);
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s->fd < 0 && do_connect(s) < 0)
            break;
        if (send_all(s->fd, p, n, s->tcp) == 0) {
            s->sent++;
            return 0;
        }
        /* UDP: a refused earlier datagram (ICMP) fails this send once; TCP:
         * broken connection. Either way reconnect once and retry. */
        disconnect(s);
    }
    s->failed++;
    return -1;
}

void otw_syslog_stats(const otw_syslog *s, uint64_t *sent, uint64_t *failed)
{
    if (sent)
        *sent = s ? s->sent : 0;
    if (failed)
        *failed = s ? s->failed : 0;
}

void otw_syslog_close(otw_syslog *s)
{
    if (s == NULL)
        return;
    disconnect(s);
    free(s);
}
