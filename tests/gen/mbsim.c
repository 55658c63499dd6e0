/* mbsim.c - Modbus/TCP traffic generator on the real libmodbus stack.
 *
 * References: MODBUS Application Protocol Specification V1.1b3 (modbus.org),
 * section 6.21 (43/14 Read Device Identification); MODBUS Messaging on
 * TCP/IP Implementation Guide V1.0b (MBAP header).
 *
 *   mbsim server --listen IP [--port 502] [--unit N] [--foreign-unit ignore|reply|exception]
 *                [--map N] [--vendor S] [--product-code S] [--revision S] [--vendor-url S]
 *                [--product S] [--model S] [--user-app S] [--conformity N] [--verbose]
 *   mbsim client --connect IP [--port 502] [--unit N] [--duration SEC] [--timeout MS]
 *                [--poll SPEC]... [--at SPEC]... [--script FILE] [--verbose]
 *
 * SPEC is a comma-separated key=value list:
 *   fc=N        function code (1,2,3,4 reads; 5,6,15,16 writes; 43 = 43/14 device id;
 *               any fc with data=HEX is sent raw, e.g. a new function code)
 *   unit=N|A-B  unit id (default --unit); a range cycles through the units
 *   addr=N count=N value=N values=A:B:C data=HEX code=1..4 obj=N
 *   poll only:  every=MS (required) from=SEC until=SEC
 *   at only:    t=SEC (required) repeat=N every=MS (default 1000 between repeats)
 * A script file holds one "poll SPEC" or "at SPEC" per line (# comments).
 *
 * libmodbus 3.1.6 frames requests and responses by function code, not by the
 * MBAP length, so for 43 and unknown codes it reads only the first bytes of
 * the ADU. Both modes complete such ADUs from the MBAP length themselves.
 */
#include <errno.h>
#include <math.h>
#include <modbus/modbus.h> /* not <modbus.h>: protocols/modbus.h shadows it */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MBS_MAX_EVENTS 64
#define MBS_MAX_CLIENTS 32
#define MBS_MAX_OBJS 8
#define MBS_PDU_MAX 253

static volatile sig_atomic_t mbs_stop;
static int mbs_verbose;

static void mbs_on_signal(int sig)
{
    (void)sig;
    mbs_stop = 1;
}

static void mbs_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = mbs_on_signal; /* no SA_RESTART: select/nanosleep return EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static double mbs_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void mbs_sleep(double s)
{
    if (s <= 0)
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

static int mbs_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Reads exactly n bytes within timeout_ms (completes an ADU libmodbus cut short). */
static int mbs_read_exact(int fd, uint8_t *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    double deadline = mbs_now() + timeout_ms / 1000.0;
    while (got < n) {
        int left = (int)((deadline - mbs_now()) * 1000.0);
        if (left <= 0)
            return -1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Given rc bytes of an ADU read by libmodbus, reads the rest announced by the
 * MBAP length. Returns the full ADU length or -1. */
static int mbs_complete_adu(int fd, uint8_t *adu, int rc)
{
    if (rc < 7)
        return -1;
    int mbap_len = (adu[4] << 8) | adu[5];
    if (mbap_len < 2 || mbap_len > 254)
        return -1;
    int total = 6 + mbap_len;
    if (total > rc && mbs_read_exact(fd, adu + rc, (size_t)(total - rc), 1000) < 0)
        return -1;
    return total > rc ? total : rc;
}

/* ------------------------------------------------------------------ server */

typedef enum { MBS_FOREIGN_IGNORE, MBS_FOREIGN_REPLY, MBS_FOREIGN_EXCEPTION } mbs_foreign;

typedef struct mbs_server {
    const char *listen_ip;
    int port;
    int unit; /* -1: answer every unit */
    mbs_foreign foreign;
    int map_size;
    int conformity;
    const char *objs[MBS_MAX_OBJS]; /* device identification objects 0..6 */
} mbs_server;

static int mbs_send_all(int fd, const uint8_t *buf, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t w = send(fd, buf + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

/* Sends an MBAP-framed PDU echoing the request's transaction and unit. */
static int mbs_send_pdu(int fd, const uint8_t *req, const uint8_t *pdu, size_t pdu_len)
{
    uint8_t adu[7 + MBS_PDU_MAX];
    if (pdu_len > MBS_PDU_MAX)
        return -1;
    adu[0] = req[0];
    adu[1] = req[1];
    adu[2] = 0;
    adu[3] = 0;
    adu[4] = (uint8_t)((pdu_len + 1) >> 8);
    adu[5] = (uint8_t)((pdu_len + 1) & 0xff);
    adu[6] = req[6];
    memcpy(adu + 7, pdu, pdu_len);
    return mbs_send_all(fd, adu, 7 + pdu_len);
}

static int mbs_send_exception(int fd, const uint8_t *req, uint8_t fc, uint8_t code)
{
    uint8_t pdu[2] = {(uint8_t)(fc | 0x80), code};
    return mbs_send_pdu(fd, req, pdu, sizeof(pdu));
}

/* 43/14 Read Device Identification (spec 6.21): stream access (codes 1..3)
 * returns objects from the requested id on, restarting at 0 when that object
 * does not exist; individual access (code 4) returns one object. */
static int mbs_reply_device_id(const mbs_server *srv, int fd, const uint8_t *adu, int len)
{
    if (len < 11 || adu[8] != 0x0E)
        return mbs_send_exception(fd, adu, 0x2B, 0x01); /* other MEI types unsupported */
    uint8_t code = adu[9];
    uint8_t obj = adu[10];
    if (code < 1 || code > 4)
        return mbs_send_exception(fd, adu, 0x2B, 0x03);
    int last = code == 1 ? 2 : MBS_MAX_OBJS - 1;
    bool known = obj < MBS_MAX_OBJS && srv->objs[obj];
    if (code == 4 && !known)
        return mbs_send_exception(fd, adu, 0x2B, 0x02);
    if (code != 4 && (!known || obj > last))
        obj = 0;

    uint8_t pdu[MBS_PDU_MAX];
    size_t n = 0;
    pdu[n++] = 0x2B;
    pdu[n++] = 0x0E;
    pdu[n++] = code;
    pdu[n++] = (uint8_t)srv->conformity;
    size_t more_at = n;
    pdu[n++] = 0x00; /* more follows */
    pdu[n++] = 0x00; /* next object id */
    size_t count_at = n;
    pdu[n++] = 0;
    int first = obj, stop = code == 4 ? obj : last;
    for (int id = first; id <= stop; id++) {
        const char *v = srv->objs[id];
        if (!v)
            continue;
        size_t vl = strlen(v);
        if (vl > 245)
            vl = 245;
        if (n + 2 + vl > sizeof(pdu)) {
            /* does not fit: the client asks again from this object */
            pdu[more_at] = 0xFF;
            pdu[more_at + 1] = (uint8_t)id;
            break;
        }
        pdu[n++] = (uint8_t)id;
        pdu[n++] = (uint8_t)vl;
        memcpy(pdu + n, v, vl);
        n += vl;
        pdu[count_at]++;
    }
    return mbs_send_pdu(fd, adu, pdu, n);
}

/* Slowly changing process values so the polls look alive. */
static void mbs_update_map(modbus_mapping_t *m, double t)
{
    uint16_t sec = (uint16_t)t;
    double ph = 2.0 * M_PI * t / 60.0;
    if (m->nb_registers > 2) {
        m->tab_registers[0] = sec;
        m->tab_registers[1] = (uint16_t)(1000.0 + 500.0 * sin(ph));
        m->tab_registers[2] = (uint16_t)(1000.0 + 500.0 * cos(ph));
    }
    if (m->nb_input_registers > 3) {
        m->tab_input_registers[0] = sec;
        m->tab_input_registers[1] = (uint16_t)(250.0 + 30.0 * sin(ph)); /* 25.0 C */
        m->tab_input_registers[2] = (uint16_t)(400.0 + 80.0 * cos(ph / 2));
        m->tab_input_registers[3] = (uint16_t)(sec / 10);
    }
    if (m->nb_bits > 1) {
        m->tab_bits[0] = (uint8_t)((sec / 5) & 1);
        m->tab_bits[1] = (uint8_t)((sec / 7) & 1);
    }
    if (m->nb_input_bits > 1) {
        m->tab_input_bits[0] = 1;
        m->tab_input_bits[1] = (uint8_t)((sec / 3) & 1);
    }
}

static int mbs_server_run(const mbs_server *srv)
{
    modbus_t *ctx = modbus_new_tcp(srv->listen_ip, srv->port);
    if (!ctx) {
        fprintf(stderr, "mbsim: modbus_new_tcp: %s\n", modbus_strerror(errno));
        return 1;
    }
    modbus_mapping_t *map =
        modbus_mapping_new(srv->map_size, srv->map_size, srv->map_size, srv->map_size);
    if (!map) {
        fprintf(stderr, "mbsim: modbus_mapping_new: %s\n", modbus_strerror(errno));
        modbus_free(ctx);
        return 1;
    }
    /* a client that sends half a request must not block the other clients */
    modbus_set_indication_timeout(ctx, 1, 0);
    /* modbus_reply sleeps this long before flushing after an illegal function
     * or value: keep it short, the whole server waits */
    modbus_set_response_timeout(ctx, 0, 1000);
    int lfd = modbus_tcp_listen(ctx, MBS_MAX_CLIENTS);
    if (lfd < 0) {
        fprintf(stderr, "mbsim: listen %s:%d: %s\n", srv->listen_ip, srv->port,
                modbus_strerror(errno));
        modbus_mapping_free(map);
        modbus_free(ctx);
        return 1;
    }
    if (mbs_verbose)
        fprintf(stderr, "mbsim: server listening on %s:%d\n", srv->listen_ip, srv->port);

    int clients[MBS_MAX_CLIENTS];
    int n_clients = 0;
    double t0 = mbs_now();
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    unsigned long n_req = 0;

    while (!mbs_stop) {
        mbs_update_map(map, mbs_now() - t0);
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(lfd, &rd);
        int maxfd = lfd;
        for (int i = 0; i < n_clients; i++) {
            FD_SET(clients[i], &rd);
            if (clients[i] > maxfd)
                maxfd = clients[i];
        }
        struct timeval tv = {0, 100000};
        int sr = select(maxfd + 1, &rd, NULL, NULL, &tv);
        if (sr < 0) {
            if (errno == EINTR)
                continue;
            perror("mbsim: select");
            break;
        }
        if (FD_ISSET(lfd, &rd)) {
            int cfd = accept(lfd, NULL, NULL);
            if (cfd >= 0 && (n_clients >= MBS_MAX_CLIENTS || cfd >= FD_SETSIZE)) {
                close(cfd);
            } else if (cfd >= 0) {
                clients[n_clients++] = cfd;
            }
        }
        for (int i = 0; i < n_clients; i++) {
            int fd = clients[i];
            if (!FD_ISSET(fd, &rd))
                continue;
            modbus_set_socket(ctx, fd);
            int rc = modbus_receive(ctx, query);
            if (rc > 0)
                rc = mbs_complete_adu(fd, query, rc);
            if (rc <= 0) {
                /* closed, reset or garbage: drop the connection */
                close(fd);
                clients[i] = clients[--n_clients];
                i--;
                continue;
            }
            n_req++;
            int unit = query[6];
            uint8_t fc = query[7];
            if (srv->unit >= 0 && unit != srv->unit) {
                if (srv->foreign == MBS_FOREIGN_IGNORE)
                    continue;
                if (srv->foreign == MBS_FOREIGN_EXCEPTION) {
                    mbs_send_exception(fd, query, fc, 0x0B); /* gateway target failed */
                    continue;
                }
            }
            int sent;
            if (fc == 0x2B)
                sent = mbs_reply_device_id(srv, fd, query, rc);
            else
                sent = modbus_reply(ctx, query, rc, map);
            if (mbs_verbose)
                fprintf(stderr, "mbsim: unit %d fc %u len %d -> %d\n", unit, fc, rc, sent);
        }
    }
    for (int i = 0; i < n_clients; i++)
        close(clients[i]);
    close(lfd);
    modbus_set_socket(ctx, -1);
    modbus_mapping_free(map);
    modbus_free(ctx);
    fprintf(stderr, "mbsim: server %s:%d stopped after %lu requests\n", srv->listen_ip, srv->port,
            n_req);
    return 0;
}

/* ------------------------------------------------------------------ client */

typedef struct mbs_event {
    bool is_poll;
    int fc;
    int unit_first, unit_last; /* -1: client default */
    int addr, count;
    int values[123];
    int n_values;
    uint8_t data[MBS_PDU_MAX - 1];
    int data_len;        /* >= 0: raw request */
    int code, obj;       /* 43/14 */
    double start, until; /* seconds from client start */
    int every_ms;
    long remaining; /* -1: until `until` */
    double next;
    long n_done;
    char text[160];
} mbs_event;

typedef struct mbs_stats {
    unsigned long requests, ok, exceptions, timeouts, errors, reconnects;
} mbs_stats;

static int mbs_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int mbs_parse_event(const char *spec, bool is_poll, mbs_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->is_poll = is_poll;
    ev->fc = -1;
    ev->unit_first = ev->unit_last = -1;
    ev->count = 1;
    ev->data_len = -1;
    ev->code = 1;
    ev->start = is_poll ? 0 : -1;
    ev->until = 1e18;
    ev->remaining = is_poll ? -1 : 1;
    snprintf(ev->text, sizeof(ev->text), "%s", spec);

    char buf[1024];
    if (strlen(spec) >= sizeof(buf))
        return -1;
    strcpy(buf, spec);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *eq = strchr(tok, '=');
        if (!eq) {
            fprintf(stderr, "mbsim: '%s': expected key=value\n", tok);
            return -1;
        }
        *eq = '\0';
        const char *k = tok, *v = eq + 1;
        long n;
        char *end;
        if (!strcmp(k, "t") || !strcmp(k, "from") || !strcmp(k, "until")) {
            double d = strtod(v, &end);
            if (end == v || *end || d < 0)
                goto bad;
            if (!strcmp(k, "until"))
                ev->until = d;
            else
                ev->start = d;
        } else if (!strcmp(k, "fc")) {
            if (mbs_parse_long(v, 1, 127, &n))
                goto bad;
            ev->fc = (int)n;
        } else if (!strcmp(k, "unit")) {
            const char *dash = strchr(v, '-');
            char first[16];
            if (dash && (size_t)(dash - v) < sizeof(first)) {
                memcpy(first, v, (size_t)(dash - v));
                first[dash - v] = '\0';
                if (mbs_parse_long(first, 0, 255, &n))
                    goto bad;
                ev->unit_first = (int)n;
                if (mbs_parse_long(dash + 1, n, 255, &n))
                    goto bad;
                ev->unit_last = (int)n;
            } else {
                if (mbs_parse_long(v, 0, 255, &n))
                    goto bad;
                ev->unit_first = ev->unit_last = (int)n;
            }
        } else if (!strcmp(k, "addr")) {
            if (mbs_parse_long(v, 0, 65535, &n))
                goto bad;
            ev->addr = (int)n;
        } else if (!strcmp(k, "count")) {
            if (mbs_parse_long(v, 1, 2000, &n))
                goto bad;
            ev->count = (int)n;
        } else if (!strcmp(k, "value")) {
            if (mbs_parse_long(v, 0, 65535, &n))
                goto bad;
            ev->values[0] = (int)n;
            ev->n_values = 1;
        } else if (!strcmp(k, "values")) {
            char vb[512];
            snprintf(vb, sizeof(vb), "%s", v);
            char *s2 = NULL;
            ev->n_values = 0;
            for (char *p = strtok_r(vb, ":", &s2); p; p = strtok_r(NULL, ":", &s2)) {
                if (ev->n_values >= 123 || mbs_parse_long(p, 0, 65535, &n))
                    goto bad;
                ev->values[ev->n_values++] = (int)n;
            }
            ev->count = ev->n_values;
        } else if (!strcmp(k, "data")) {
            size_t l = strlen(v);
            if (l % 2 || l / 2 > sizeof(ev->data))
                goto bad;
            for (size_t i = 0; i < l / 2; i++) {
                int hi = mbs_hex(v[2 * i]), lo = mbs_hex(v[2 * i + 1]);
                if (hi < 0 || lo < 0)
                    goto bad;
                ev->data[i] = (uint8_t)(hi << 4 | lo);
            }
            ev->data_len = (int)(l / 2);
        } else if (!strcmp(k, "code")) {
            if (mbs_parse_long(v, 0, 255, &n))
                goto bad;
            ev->code = (int)n;
        } else if (!strcmp(k, "obj")) {
            if (mbs_parse_long(v, 0, 255, &n))
                goto bad;
            ev->obj = (int)n;
        } else if (!strcmp(k, "every")) {
            if (mbs_parse_long(v, 1, 86400000, &n))
                goto bad;
            ev->every_ms = (int)n;
        } else if (!strcmp(k, "repeat")) {
            if (is_poll || mbs_parse_long(v, 1, 1000000, &n))
                goto bad;
            ev->remaining = n;
        } else {
            fprintf(stderr, "mbsim: unknown key '%s'\n", k);
            return -1;
        }
        continue;
    bad:
        fprintf(stderr, "mbsim: bad value for %s: '%s'\n", k, v);
        return -1;
    }
    if (ev->fc < 0) {
        fprintf(stderr, "mbsim: '%s': fc= is required\n", spec);
        return -1;
    }
    if (is_poll && ev->every_ms <= 0) {
        fprintf(stderr, "mbsim: poll '%s': every= is required\n", spec);
        return -1;
    }
    if (!is_poll && ev->start < 0) {
        fprintf(stderr, "mbsim: at '%s': t= is required\n", spec);
        return -1;
    }
    if (!is_poll && ev->unit_last > ev->unit_first && ev->remaining == 1)
        ev->remaining = ev->unit_last - ev->unit_first + 1; /* one request per unit */
    if (!is_poll && ev->every_ms <= 0)
        ev->every_ms = 1000;
    bool known = (ev->fc >= 1 && ev->fc <= 6) || ev->fc == 15 || ev->fc == 16 || ev->fc == 43;
    if (!known && ev->data_len < 0)
        ev->data_len = 0; /* unknown function: raw request with no data */
    ev->next = ev->start;
    return 0;
}

static int mbs_load_script(const char *path, mbs_event *evs, int *n_evs)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char line[1024];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        line[strcspn(line, "\r\n#")] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            continue;
        bool is_poll;
        if (!strncmp(p, "poll ", 5)) {
            is_poll = true;
        } else if (!strncmp(p, "at ", 3)) {
            is_poll = false;
        } else {
            fprintf(stderr, "%s:%d: expected 'poll SPEC' or 'at SPEC'\n", path, lineno);
            rc = -1;
            break;
        }
        p += is_poll ? 5 : 3;
        if (*n_evs >= MBS_MAX_EVENTS || mbs_parse_event(p, is_poll, &evs[*n_evs]) < 0) {
            fprintf(stderr, "%s:%d: bad event\n", path, lineno);
            rc = -1;
            break;
        }
        (*n_evs)++;
    }
    fclose(f);
    return rc;
}

static bool mbs_is_exception(int err)
{
    return err >= EMBXILFUN && err <= EMBXGTAR;
}

/* Raw request (43/14 or any function code): libmodbus sends it with a fresh
 * transaction id; the reply is completed from its MBAP length. */
static int mbs_raw(modbus_t *ctx, int unit, const uint8_t *pdu, int pdu_len, uint8_t *rsp)
{
    uint8_t req[1 + MBS_PDU_MAX];
    req[0] = (uint8_t)unit;
    memcpy(req + 1, pdu, (size_t)pdu_len);
    if (modbus_send_raw_request(ctx, req, 1 + pdu_len) < 0)
        return -1;
    int rc = modbus_receive_confirmation(ctx, rsp);
    if (rc < 0)
        return -1;
    rc = mbs_complete_adu(modbus_get_socket(ctx), rsp, rc);
    if (rc < 0) {
        errno = EMBBADDATA;
        return -1;
    }
    if (rsp[7] & 0x80) {
        errno = rsp[8] >= 1 && rsp[8] <= 11 ? MODBUS_ENOBASE + rsp[8] : EMBBADEXC;
        return -1;
    }
    return rc;
}

static void mbs_print_device_id(const uint8_t *rsp, int len)
{
    /* rsp: MBAP(7) 2B 0E code conformity more next count {id len value}... */
    if (len < 14)
        return;
    int n = rsp[13], off = 14;
    fprintf(stderr, "mbsim:   device id conformity 0x%02x, %d objects:", rsp[10], n);
    for (int i = 0; i < n && off + 2 <= len; i++) {
        int id = rsp[off], l = rsp[off + 1];
        if (off + 2 + l > len)
            break;
        fprintf(stderr, " [%d]=\"%.*s\"", id, l, (const char *)rsp + off + 2);
        off += 2 + l;
    }
    fputc('\n', stderr);
}

/* The PDU libmodbus would send for ev (function codes it knows). */
static int mbs_build_pdu(const mbs_event *ev, uint8_t *pdu)
{
    int n = 0, count = ev->count, value = ev->n_values ? ev->values[0] : 0;
    pdu[n++] = (uint8_t)ev->fc;
    if (ev->fc == 43) {
        pdu[n++] = 0x0E;
        pdu[n++] = (uint8_t)ev->code;
        pdu[n++] = (uint8_t)ev->obj;
        return n;
    }
    pdu[n++] = (uint8_t)(ev->addr >> 8);
    pdu[n++] = (uint8_t)ev->addr;
    switch (ev->fc) {
    case 1:
    case 2:
    case 3:
    case 4:
        pdu[n++] = (uint8_t)(count >> 8);
        pdu[n++] = (uint8_t)count;
        return n;
    case 5:
        pdu[n++] = value ? 0xFF : 0x00;
        pdu[n++] = 0x00;
        return n;
    case 6:
        pdu[n++] = (uint8_t)(value >> 8);
        pdu[n++] = (uint8_t)value;
        return n;
    case 15:
        count = count > 1968 ? 1968 : count;
        pdu[n++] = (uint8_t)(count >> 8);
        pdu[n++] = (uint8_t)count;
        pdu[n++] = (uint8_t)((count + 7) / 8);
        memset(pdu + n, 0, (size_t)(count + 7) / 8);
        for (int i = 0; i < count; i++)
            if (i < ev->n_values ? ev->values[i] : value)
                pdu[n + i / 8] |= (uint8_t)(1u << (i % 8));
        return n + (count + 7) / 8;
    case 16:
        count = count > 123 ? 123 : count;
        pdu[n++] = (uint8_t)(count >> 8);
        pdu[n++] = (uint8_t)count;
        pdu[n++] = (uint8_t)(2 * count);
        for (int i = 0; i < count; i++) {
            int v = i < ev->n_values ? ev->values[i] : value;
            pdu[n++] = (uint8_t)(v >> 8);
            pdu[n++] = (uint8_t)v;
        }
        return n;
    default:
        errno = EINVAL;
        return -1;
    }
}

static int mbs_execute(modbus_t *ctx, mbs_event *ev, int unit)
{
    uint8_t bits[2000];
    uint16_t regs[125];
    uint8_t rsp[MODBUS_TCP_MAX_ADU_LENGTH];
    int rc, count = ev->count;
    int value = ev->n_values ? ev->values[0] : 0;

    if (ev->data_len >= 0) {
        uint8_t pdu[MBS_PDU_MAX];
        pdu[0] = (uint8_t)ev->fc;
        memcpy(pdu + 1, ev->data, (size_t)ev->data_len);
        return mbs_raw(ctx, unit, pdu, 1 + ev->data_len, rsp);
    }
    if (modbus_set_slave(ctx, unit) < 0) {
        /* libmodbus refuses units 248..254 (a unit scan may want them): raw */
        uint8_t pdu[MBS_PDU_MAX];
        int n = mbs_build_pdu(ev, pdu);
        if (n < 0)
            return -1;
        return mbs_raw(ctx, unit, pdu, n, rsp);
    }
    switch (ev->fc) {
    case 1:
        return modbus_read_bits(ctx, ev->addr, count > 2000 ? 2000 : count, bits);
    case 2:
        return modbus_read_input_bits(ctx, ev->addr, count > 2000 ? 2000 : count, bits);
    case 3:
        return modbus_read_registers(ctx, ev->addr, count > 125 ? 125 : count, regs);
    case 4:
        return modbus_read_input_registers(ctx, ev->addr, count > 125 ? 125 : count, regs);
    case 5:
        return modbus_write_bit(ctx, ev->addr, value ? 1 : 0);
    case 6:
        return modbus_write_register(ctx, ev->addr, value);
    case 15:
        if (count > 1968)
            count = 1968;
        for (int i = 0; i < count; i++)
            bits[i] = (uint8_t)((i < ev->n_values ? ev->values[i] : value) ? 1 : 0);
        return modbus_write_bits(ctx, ev->addr, count, bits);
    case 16:
        if (count > 123)
            count = 123;
        for (int i = 0; i < count; i++)
            regs[i] = (uint16_t)(i < ev->n_values ? ev->values[i] : value);
        return modbus_write_registers(ctx, ev->addr, count, regs);
    case 43: {
        uint8_t pdu[4] = {0x2B, 0x0E, (uint8_t)ev->code, (uint8_t)ev->obj};
        rc = mbs_raw(ctx, unit, pdu, 4, rsp);
        if (rc > 0 && mbs_verbose)
            mbs_print_device_id(rsp, rc);
        return rc;
    }
    default:
        errno = EINVAL;
        return -1;
    }
}

typedef struct mbs_client {
    const char *ip;
    int port;
    int unit;
    double duration;
    int timeout_ms;
    mbs_event events[MBS_MAX_EVENTS];
    int n_events;
} mbs_client;

static int mbs_client_run(mbs_client *cl)
{
    modbus_t *ctx = modbus_new_tcp(cl->ip, cl->port);
    if (!ctx) {
        fprintf(stderr, "mbsim: modbus_new_tcp: %s\n", modbus_strerror(errno));
        return 1;
    }
    modbus_set_response_timeout(ctx, (uint32_t)(cl->timeout_ms / 1000),
                                (uint32_t)(cl->timeout_ms % 1000) * 1000);
    /* a late or garbled reply is flushed instead of desynchronising the stream */
    modbus_set_error_recovery(ctx, MODBUS_ERROR_RECOVERY_PROTOCOL);

    mbs_stats st;
    memset(&st, 0, sizeof(st));
    bool connected = false;
    double next_connect = 0;
    double t0 = mbs_now();

    while (!mbs_stop) {
        double t = mbs_now() - t0;
        if (t >= cl->duration)
            break;
        /* earliest due event */
        mbs_event *due = NULL;
        for (int i = 0; i < cl->n_events; i++) {
            mbs_event *ev = &cl->events[i];
            if (ev->remaining == 0 || ev->next > ev->until)
                continue;
            if (!due || ev->next < due->next)
                due = ev;
        }
        if (!due) {
            /* nothing left to do: idle until the end (keeps the connection open) */
            mbs_sleep(cl->duration - t < 0.2 ? cl->duration - t : 0.2);
            continue;
        }
        if (due->next > t) {
            double w = due->next - t;
            if (t + w > cl->duration)
                w = cl->duration - t;
            mbs_sleep(w > 0.2 ? 0.2 : w);
            continue;
        }
        if (!connected) {
            if (t < next_connect) {
                mbs_sleep(next_connect - t > 0.2 ? 0.2 : next_connect - t);
                continue;
            }
            if (modbus_connect(ctx) < 0) {
                if (mbs_verbose)
                    fprintf(stderr, "mbsim: connect %s:%d: %s\n", cl->ip, cl->port,
                            modbus_strerror(errno));
                next_connect = t + 1.0;
                continue;
            }
            connected = true;
            st.reconnects++;
        }
        int unit =
            due->unit_first < 0
                ? cl->unit
                : due->unit_first + (int)(due->n_done % (due->unit_last - due->unit_first + 1));
        int rc = mbs_execute(ctx, due, unit);
        int err = errno;
        st.requests++;
        due->n_done++;
        if (due->remaining > 0)
            due->remaining--;
        /* periodic: keep the phase, skip missed slots */
        due->next += due->every_ms / 1000.0;
        if (due->next < t)
            due->next = t + due->every_ms / 1000.0;
        if (rc >= 0) {
            st.ok++;
        } else if (mbs_is_exception(err) || err == EMBBADEXC) {
            st.exceptions++;
        } else if (err == ETIMEDOUT) {
            st.timeouts++;
        } else {
            st.errors++;
            modbus_close(ctx);
            connected = false;
            next_connect = t + 1.0;
        }
        if (mbs_verbose || (rc < 0 && !due->is_poll))
            fprintf(stderr, "mbsim: t=%.2f unit %d fc %d [%s] -> %s\n", t, unit, due->fc, due->text,
                    rc >= 0 ? "ok" : modbus_strerror(err));
    }
    if (connected)
        modbus_close(ctx);
    modbus_free(ctx);
    fprintf(stderr,
            "mbsim: client %s:%d done: %lu requests, %lu ok, %lu exceptions, %lu timeouts, "
            "%lu errors, %lu connections\n",
            cl->ip, cl->port, st.requests, st.ok, st.exceptions, st.timeouts, st.errors,
            st.reconnects);
    return 0;
}

/* -------------------------------------------------------------------- main */

static void mbs_usage(void)
{
    fputs("usage:\n"
          "  mbsim server --listen IP [--port 502] [--unit N]\n"
          "               [--foreign-unit ignore|reply|exception] [--map N]\n"
          "               [--vendor S] [--product-code S] [--revision S] [--vendor-url S]\n"
          "               [--product S] [--model S] [--user-app S] [--conformity N] [-v]\n"
          "  mbsim client --connect IP [--port 502] [--unit N] [--duration SEC]\n"
          "               [--timeout MS] [--poll SPEC]... [--at SPEC]... [--script FILE] [-v]\n"
          "  SPEC: fc=N,addr=N,count=N,value=N,values=A:B,data=HEX,unit=N|A-B,code=N,obj=N\n"
          "        poll: every=MS[,from=SEC][,until=SEC]   at: t=SEC[,repeat=N][,every=MS]\n",
          stderr);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        mbs_usage();
        return 2;
    }
    bool server = !strcmp(argv[1], "server");
    if (!server && strcmp(argv[1], "client")) {
        mbs_usage();
        return 2;
    }
    static mbs_client cl;
    mbs_server srv;
    memset(&srv, 0, sizeof(srv));
    srv.port = 502;
    srv.unit = -1;
    srv.foreign = MBS_FOREIGN_IGNORE;
    srv.map_size = 100;
    srv.conformity = 0x83;
    srv.objs[0] = "mbsim";
    srv.objs[1] = "MBSIM-1";
    srv.objs[2] = "1.0";
    cl.port = 502;
    cl.unit = 1;
    cl.duration = 60;
    cl.timeout_ms = 1000;

    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
            mbs_verbose = 1;
            continue;
        }
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            mbs_usage();
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "mbsim: %s needs a value\n", o);
            return 2;
        }
        const char *v = argv[++i];
        long n;
        if (!strcmp(o, "--port")) {
            if (mbs_parse_long(v, 1, 65535, &n))
                goto bad;
            srv.port = cl.port = (int)n;
        } else if (!strcmp(o, "--unit")) {
            if (mbs_parse_long(v, 0, 255, &n))
                goto bad;
            srv.unit = cl.unit = (int)n;
        } else if (server && !strcmp(o, "--listen")) {
            srv.listen_ip = v;
        } else if (server && !strcmp(o, "--foreign-unit")) {
            if (!strcmp(v, "ignore"))
                srv.foreign = MBS_FOREIGN_IGNORE;
            else if (!strcmp(v, "reply"))
                srv.foreign = MBS_FOREIGN_REPLY;
            else if (!strcmp(v, "exception"))
                srv.foreign = MBS_FOREIGN_EXCEPTION;
            else
                goto bad;
        } else if (server && !strcmp(o, "--map")) {
            if (mbs_parse_long(v, 1, 65535, &n))
                goto bad;
            srv.map_size = (int)n;
        } else if (server && !strcmp(o, "--conformity")) {
            if (mbs_parse_long(v, 0, 255, &n))
                goto bad;
            srv.conformity = (int)n;
        } else if (server && !strcmp(o, "--vendor")) {
            srv.objs[0] = v;
        } else if (server && !strcmp(o, "--product-code")) {
            srv.objs[1] = v;
        } else if (server && !strcmp(o, "--revision")) {
            srv.objs[2] = v;
        } else if (server && !strcmp(o, "--vendor-url")) {
            srv.objs[3] = v;
        } else if (server && !strcmp(o, "--product")) {
            srv.objs[4] = v;
        } else if (server && !strcmp(o, "--model")) {
            srv.objs[5] = v;
        } else if (server && !strcmp(o, "--user-app")) {
            srv.objs[6] = v;
        } else if (!server && !strcmp(o, "--connect")) {
            cl.ip = v;
        } else if (!server && !strcmp(o, "--duration")) {
            char *end;
            cl.duration = strtod(v, &end);
            if (end == v || *end || cl.duration <= 0 || cl.duration > 1e7)
                goto bad;
        } else if (!server && !strcmp(o, "--timeout")) {
            if (mbs_parse_long(v, 1, 600000, &n))
                goto bad;
            cl.timeout_ms = (int)n;
        } else if (!server && (!strcmp(o, "--poll") || !strcmp(o, "--at"))) {
            if (cl.n_events >= MBS_MAX_EVENTS ||
                mbs_parse_event(v, !strcmp(o, "--poll"), &cl.events[cl.n_events]) < 0)
                goto bad;
            cl.n_events++;
        } else if (!server && !strcmp(o, "--script")) {
            if (mbs_load_script(v, cl.events, &cl.n_events) < 0)
                return 2;
        } else {
            fprintf(stderr, "mbsim: unknown option %s\n", o);
            mbs_usage();
            return 2;
        }
        continue;
    bad:
        fprintf(stderr, "mbsim: bad value for %s: '%s'\n", o, v);
        return 2;
    }
    mbs_install_signals();
    if (server) {
        if (!srv.listen_ip) {
            fprintf(stderr, "mbsim: server needs --listen IP\n");
            return 2;
        }
        return mbs_server_run(&srv);
    }
    if (!cl.ip) {
        fprintf(stderr, "mbsim: client needs --connect IP\n");
        return 2;
    }
    return mbs_client_run(&cl);
}
