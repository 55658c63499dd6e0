/* server.c - `otwatch serve`: HTTP(S) with libmicrohttpd, static pages,
 * sessions and the request checks in front of the API (web.h, docs/web.md).
 *
 * Every response carries a strict Content-Security-Policy (no inline
 * script or style, no framing), nosniff and no-referrer. A request that
 * changes anything must: come from our own origin (Origin, else
 * Sec-Fetch-Site), be application/json, carry the session cookie
 * (HttpOnly, SameSite=Strict) and the session's CSRF token in
 * X-CSRF-Token. On a loopback listener the Host header must name the
 * loopback (or an --allow-host name): no DNS rebinding. */
#include "web.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "config.h"
#include "log.h"

#ifndef OTW_WEB_DIR
#define OTW_WEB_DIR "/usr/local/share/otwatch/web"
#endif

#define MAX_BODY 65536
#define MAX_STATIC (4u << 20)
#define MAX_HOSTS 8
/* Request threads: OTW_AUTH_MAX_HASHING may be checking passwords while the
 * others serve pages. */
#define SERVER_THREADS 4
#define COOKIE "otw_session"

static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

typedef struct server {
    /* One request at a time touches the sessions, the state and web.db; a
     * login lets go of it while Argon2 runs (auth.h), on a pool of threads. */
    pthread_mutex_t lock;
    otw_web_ctx ctx;
    const char *web_root;
    bool tls, loopback;
    const char *hosts[MAX_HOSTS];
    int n_hosts;
} server;

typedef struct req {
    char *body;
    size_t len;
    bool too_big;
} req;

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *arg_of(void *conn, const char *key)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static enum MHD_Result send_buf(server *sv, struct MHD_Connection *conn, int status, char *buf,
                                size_t len, const char *type, const char *cookie,
                                unsigned retry_after)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, buf, buf ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (sv->tls)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
    if (cookie)
        MHD_add_response_header(r, "Set-Cookie", cookie);
    if (retry_after) {
        char b[16];
        snprintf(b, sizeof(b), "%u", retry_after);
        MHD_add_response_header(r, "Retry-After", b);
    }
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result send_error(server *sv, struct MHD_Connection *conn, int status,
                                  const char *msg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return MHD_NO;
    otw_web_error(m, msg);
    fclose(m);
    return send_buf(sv, conn, status, buf, len, "application/json", NULL, 0);
}

/* ---- static files ---- */

/* "application/json", optionally with parameters ("; charset=utf-8"):
 * nothing else that merely starts the same (application/jsonp). */
static bool json_content_type(const char *ct)
{
    static const char json[] = "application/json";
    if (!ct || strncasecmp(ct, json, sizeof(json) - 1) != 0)
        return false;
    const char *rest = ct + sizeof(json) - 1;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    return *rest == '\0' || *rest == ';';
}

static const char *content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return "application/octet-stream";
    if (!strcmp(dot, ".html"))
        return "text/html; charset=utf-8";
    if (!strcmp(dot, ".js"))
        return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".css"))
        return "text/css; charset=utf-8";
    if (!strcmp(dot, ".svg"))
        return "image/svg+xml";
    if (!strcmp(dot, ".png"))
        return "image/png";
    return "application/octet-stream";
}

static bool static_name_ok(const char *n)
{
    if (!n[0] || n[0] == '.' || strlen(n) > 64)
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return false;
    return true;
}

static enum MHD_Result serve_static(server *sv, struct MHD_Connection *conn, const char *name)
{
    if (!static_name_ok(name))
        return send_error(sv, conn, 404, "not found");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", sv->web_root, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return send_error(sv, conn, 404, "not found");
    char *buf = malloc(MAX_STATIC);
    size_t n = buf ? fread(buf, 1, MAX_STATIC, f) : 0;
    fclose(f);
    if (!buf)
        return MHD_NO;
    return send_buf(sv, conn, 200, buf, n, content_type(name), NULL, 0);
}

/* ---- request checks ---- */

/* The Host header's name (without the port). */
static void host_name(const char *host, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s", host ? host : "");
    char *end = out[0] == '[' ? strchr(out, ']') : NULL;
    char *colon = strrchr(end ? end : out, ':');
    if (colon)
        *colon = '\0';
}

static bool host_ok(server *sv, struct MHD_Connection *conn)
{
    if (!sv->loopback && !sv->n_hosts)
        return true;
    char h[256];
    host_name(header(conn, "Host"), h, sizeof(h));
    if (sv->loopback && (!strcmp(h, "localhost") || !strcmp(h, "127.0.0.1") || !strcmp(h, "[::1]")))
        return true;
    for (int i = 0; i < sv->n_hosts; i++)
        if (!strcasecmp(h, sv->hosts[i]))
            return true;
    return false;
}

/* A state-changing request must come from our own pages. */
static bool same_origin(server *sv, struct MHD_Connection *conn)
{
    const char *origin = header(conn, "Origin"), *host = header(conn, "Host");
    if (origin) {
        char want[300];
        snprintf(want, sizeof(want), "%s://%s", sv->tls ? "https" : "http", host ? host : "");
        return host && !strcmp(origin, want);
    }
    /* No Origin (scripts, curl): browsers still tell a cross-site fetch. */
    const char *site = header(conn, "Sec-Fetch-Site");
    return !site || !strcmp(site, "same-origin") || !strcmp(site, "none");
}

static void client_addr(struct MHD_Connection *conn, char *out, size_t outsz)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, outsz, "?");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outsz);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)outsz);
}

static void session_json(FILE *out, const otw_web_session *s)
{
    fprintf(out, "{\"user\":\"%s\",\"role\":\"%s\",\"lang\":\"%s\",\"csrf\":\"%s\"}", s->user,
            otw_web_role_name(s->role), s->lang, s->csrf);
}

static void session_cookie(server *sv, const otw_web_session *s, char *out, size_t outsz)
{
    if (s)
        snprintf(out, outsz, COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", s->id,
                 sv->tls ? "; Secure" : "");
    else
        snprintf(out, outsz, COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
                 sv->tls ? "; Secure" : "");
}

/* ---- /api/ ---- */

static int handle_api(server *sv, struct MHD_Connection *conn, const char *method, const char *path,
                      req *rq, FILE *out, char *cookie, size_t cookiesz, unsigned *retry)
{
    bool post = !strcmp(method, "POST");
    otw_auth *auth = sv->ctx.auth;
    uint64_t now = wall_us();
    char err[256], client[64];
    client_addr(conn, client, sizeof(client));
    if (post) {
        if (!same_origin(sv, conn)) {
            otw_web_error(out, "cross-site request refused");
            return 403;
        }
        const char *ct = header(conn, "Content-Type");
        if (!json_content_type(ct)) {
            otw_web_error(out, "requests that change something must be application/json");
            return 415;
        }
    }
    const char *body = rq->body ? rq->body : "";
    if (!strcmp(path, "/api/setup")) {
        if (!post) {
            fprintf(out, "{\"required\":%s}", otw_auth_setup_pending(auth) ? "true" : "false");
            return 200;
        }
        char token[80], user[OTW_AUTH_NAME_MAX], pw[300], lang[8] = "en";
        if (!otw_auth_may_try(auth, client, now, retry)) {
            otw_web_error(out, "too many attempts: wait");
            return 429;
        }
        if (otw_web_json_get(body, rq->len, "token", token, sizeof(token)) != 0 ||
            otw_web_json_get(body, rq->len, "user", user, sizeof(user)) != 0 ||
            otw_web_json_get(body, rq->len, "password", pw, sizeof(pw)) != 0) {
            otw_web_error(out, "token, user and password are required");
            return 400;
        }
        otw_web_json_get(body, rq->len, "lang", lang, sizeof(lang));
        if (otw_auth_setup(auth, token, user, pw, lang, err, sizeof(err)) != 0) {
            otw_web_error(out, err);
            return 403;
        }
        otw_info("first administrator '%s' created", user);
        fputs("{\"created\":true}", out);
        return 200;
    }
    if (!strcmp(path, "/api/login") && post) {
        char user[OTW_AUTH_NAME_MAX], pw[300];
        if (!otw_auth_may_try(auth, client, now, retry)) {
            otw_web_error(out, "too many failed logins: wait before trying again");
            return 429;
        }
        if (otw_web_json_get(body, rq->len, "user", user, sizeof(user)) != 0 ||
            otw_web_json_get(body, rq->len, "password", pw, sizeof(pw)) != 0) {
            otw_web_error(out, "user and password are required");
            return 400;
        }
        bool busy = false;
        otw_web_session *s = otw_auth_login(auth, client, user, pw, now, &busy);
        if (!s && busy) {
            otw_web_error(out, "the console is checking other logins: try again in a second");
            *retry = 1;
            return 503;
        }
        if (!s) {
            otw_warn("failed login for '%s' from %s", user, client);
            otw_web_error(out, "wrong user or password");
            return 401;
        }
        session_cookie(sv, s, cookie, cookiesz);
        session_json(out, s);
        return 200;
    }
    otw_web_session *s =
        otw_auth_session(auth, MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE), now);
    if (!s) {
        otw_web_error(out, "log in first");
        return 401;
    }
    if (post && !otw_auth_csrf_ok(s, header(conn, "X-CSRF-Token"))) {
        otw_web_error(out, "missing or wrong CSRF token");
        return 403;
    }
    if (!strcmp(path, "/api/session") && !post) {
        session_json(out, s);
        return 200;
    }
    if (!strcmp(path, "/api/logout") && post) {
        otw_auth_logout(auth, s);
        session_cookie(sv, NULL, cookie, cookiesz);
        fputs("{\"logged_out\":true}", out);
        return 200;
    }
    if (!strcmp(path, "/api/lang") && post) {
        char lang[8];
        if (otw_web_json_get(body, rq->len, "lang", lang, sizeof(lang)) != 0 ||
            otw_auth_set_lang(auth, s, lang) != 0) {
            otw_web_error(out, "lang must be en or ja");
            return 400;
        }
        session_json(out, s);
        return 200;
    }
    if (!strcmp(path, "/api/users") && post) {
        if (s->role != OTW_WEB_ADMIN) {
            otw_web_error(out, "viewers cannot change anything");
            return 403;
        }
        char user[OTW_AUTH_NAME_MAX], pw[300], role[16] = "viewer", lang[8] = "en";
        if (otw_web_json_get(body, rq->len, "user", user, sizeof(user)) != 0 ||
            otw_web_json_get(body, rq->len, "password", pw, sizeof(pw)) != 0) {
            otw_web_error(out, "user and password are required");
            return 400;
        }
        otw_web_json_get(body, rq->len, "role", role, sizeof(role));
        otw_web_json_get(body, rq->len, "lang", lang, sizeof(lang));
        if (strcmp(role, "admin") != 0 && strcmp(role, "viewer") != 0) {
            otw_web_error(out, "role must be admin or viewer");
            return 400;
        }
        if (otw_auth_set_user(auth, user, pw,
                              !strcmp(role, "admin") ? OTW_WEB_ADMIN : OTW_WEB_VIEWER, lang, err,
                              sizeof(err)) != 0) {
            otw_web_error(out, err);
            return 400;
        }
        fprintf(out, "{\"user\":\"%s\",\"role\":\"%s\"}", user, role);
        return 200;
    }
    return otw_api_handle(&sv->ctx, method, path, arg_of, conn, body, rq->len, s, out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    server *sv = cls;
    req *rq = *con_cls;
    if (!rq) {
        rq = calloc(1, sizeof(*rq));
        if (!rq)
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (rq->len + *upload_data_size > MAX_BODY) {
            rq->too_big = true;
        } else {
            char *p = realloc(rq->body, rq->len + *upload_data_size + 1);
            if (!p)
                return MHD_NO;
            memcpy(p + rq->len, upload_data, *upload_data_size);
            rq->body = p;
            rq->len += *upload_data_size;
            rq->body[rq->len] = '\0';
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!host_ok(sv, conn))
        return send_error(sv, conn, 421, "unknown Host: use the console's own address");
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!get && strcmp(method, "POST") != 0)
        return send_error(sv, conn, 405, "method not allowed");
    if (rq->too_big)
        return send_error(sv, conn, 413, "request too large");
    if (!strncmp(url, "/api/", 5)) {
        char *buf = NULL, cookie[256] = "";
        size_t len = 0;
        unsigned retry = 0;
        FILE *out = open_memstream(&buf, &len);
        if (!out)
            return MHD_NO;
        pthread_mutex_lock(&sv->lock);
        int status = handle_api(sv, conn, get ? "GET" : "POST", url, rq, out, cookie,
                                sizeof(cookie), &retry);
        pthread_mutex_unlock(&sv->lock);
        fclose(out);
        return send_buf(sv, conn, status, buf, len, "application/json; charset=utf-8",
                        cookie[0] ? cookie : NULL, status == 429 || status == 503 ? retry : 0);
    }
    if (!get)
        return send_error(sv, conn, 405, "method not allowed");
    if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
        return serve_static(sv, conn, "index.html");
    if (!strncmp(url, "/static/", 8))
        return serve_static(sv, conn, url + 8);
    return send_error(sv, conn, 404, "not found");
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req *rq = *con_cls;
    if (rq) {
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* ---- command line ---- */

static char *read_file(const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* "127.0.0.1:8780", "[::1]:8780", "0.0.0.0:80" or "8780". */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sl, bool *loopback)
{
    char host[128] = "127.0.0.1";
    const char *port = s;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host))
            return -1;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        port = end + 2;
    } else if (strchr(s, ':')) {
        const char *c = strrchr(s, ':');
        if ((size_t)(c - s) >= sizeof(host))
            return -1;
        memcpy(host, s, (size_t)(c - s));
        host[c - s] = '\0';
        port = c + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (*end || end == port || p < 1 || p > 65535)
        return -1;
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)ss;
    if (!strcmp(host, "localhost"))
        snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)p);
        *sl = sizeof(*v4);
        *loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)p);
        *sl = sizeof(*v6);
        *loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
        return 0;
    }
    return -1;
}

int otw_web_hash_password(void)
{
    char pw[300];
    if (!fgets(pw, sizeof(pw), stdin)) {
        otw_error("give the password on stdin");
        return 2;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    if (strlen(pw) < 10) {
        otw_error("the password must have at least 10 characters");
        return 2;
    }
    char hash[256];
    if (otw_auth_hash(pw, hash, sizeof(hash)) != 0) {
        otw_error("cannot hash");
        return 1;
    }
    printf("%s\n", hash);
    return 0;
}

/* The HTTP daemon on ss, bounded against slow clients: 64 connections, 16
 * from one address (a slowloris from one host cannot hold them all), 10 s
 * of silence. */
static struct MHD_Daemon *start_daemon(server *sv, struct sockaddr_storage *ss, char *key_pem,
                                       char *cert_pem)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ss->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (sv->tls)
        flags |= MHD_USE_TLS;
    uint16_t port = ntohs(ss->ss_family == AF_INET6 ? ((struct sockaddr_in6 *)(void *)ss)->sin6_port
                                                    : ((struct sockaddr_in *)(void *)ss)->sin_port);
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, ss},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_done, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, 64, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, 10, NULL},
        {MHD_OPTION_THREAD_POOL_SIZE, SERVER_THREADS, NULL},
        /* without TLS the array ends here */
        {sv->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, key_pem},
        {sv->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(flags, port, NULL, NULL, on_request, sv, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
}

/* The options, each taken from the configuration's web: section where the
 * command line gave none; the allowed Host names of both into sv. */
static otw_web_options resolve_options(const otw_config *cfg, const otw_web_options *o, server *sv)
{
    otw_web_options r = *o;
    for (int i = 0; i < o->n_allow_hosts && sv->n_hosts < MAX_HOSTS; i++)
        sv->hosts[sv->n_hosts++] = o->allow_hosts[i];
    if (!r.listen)
        r.listen = cfg->web_listen;
    if (!r.tls_cert && !r.tls_key && cfg->web_tls_cert_file[0]) {
        r.tls_cert = cfg->web_tls_cert_file;
        r.tls_key = cfg->web_tls_key_file[0] ? cfg->web_tls_key_file : NULL;
    } else if (!r.tls_cert && !r.tls_key && cfg->web_tls_key_file[0]) {
        r.tls_key = cfg->web_tls_key_file;
    }
    if (!r.admin_hash_file && cfg->web_admin_hash_file[0])
        r.admin_hash_file = cfg->web_admin_hash_file;
    if (!r.web_root)
        r.web_root = cfg->web_root[0] ? cfg->web_root : OTW_WEB_DIR;
    for (int i = 0; i < cfg->n_web_allow_hosts && sv->n_hosts < MAX_HOSTS; i++)
        sv->hosts[sv->n_hosts++] = cfg->web_allow_hosts[i];
    return r;
}

static void lock_server(void *ctx)
{
    pthread_mutex_lock(&((server *)ctx)->lock);
}

static void unlock_server(void *ctx)
{
    pthread_mutex_unlock(&((server *)ctx)->lock);
}

int otw_web_serve(const otw_config *cfg, const char *state, const otw_web_options *o)
{
    server sv;
    memset(&sv, 0, sizeof(sv));
    pthread_mutex_init(&sv.lock, NULL);
    otw_web_options r = resolve_options(cfg, o, &sv);
    const char *listen = r.listen, *cert = r.tls_cert, *key = r.tls_key,
               *hash_file = r.admin_hash_file, *web_root = r.web_root;
    bool listen_opt = o->listen != NULL;
    if (!cert != !key) {
        otw_error("TLS needs both a certificate and a key (--tls-cert and "
                  "--tls-key, or web.tls_cert_file and web.tls_key_file)");
        return 2;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    if (parse_listen(listen, &ss, &sl, &sv.loopback) != 0) {
        otw_error("bad %s '%s' (ADDR:PORT, [ADDR6]:PORT or PORT)",
                  listen_opt ? "--listen" : "web.listen", listen);
        return 2;
    }
    /* Off loopback, a Host check needs the names the console is reached by,
     * or TLS (whose certificate name the browser checks): otherwise a DNS
     * name rebound to this address would reach the login. */
    if (!sv.loopback && !sv.n_hosts && !cert) {
        otw_error("%s is not a loopback address: give the names the console is reached by "
                  "(web.allow_hosts or --allow-host NAME), or TLS (--tls-cert/--tls-key)",
                  listen);
        return 2;
    }
    char err[512];
    char *admin_hash = NULL, *cert_pem = NULL, *key_pem = NULL;
    int rc = 1;
    struct MHD_Daemon *d = NULL;
    if (hash_file) {
        admin_hash = read_file(hash_file, 512);
        if (!admin_hash) {
            otw_error("%s: %s", hash_file, strerror(errno));
            goto out;
        }
        admin_hash[strcspn(admin_hash, "\r\n")] = '\0';
    }
    if (cert) {
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
            otw_error("this libmicrohttpd has no TLS support");
            goto out;
        }
        cert_pem = read_file(cert, 1 << 20);
        key_pem = read_file(key, 1 << 20);
        if (!cert_pem || !key_pem) {
            otw_error("cannot read %s", cert_pem ? key : cert);
            goto out;
        }
        sv.tls = true;
    }
    char probe[1024];
    snprintf(probe, sizeof(probe), "%s/index.html", web_root);
#ifdef OTW_WEB_DIR_INSTALLED
    /* A build serves the tree's pages; an installed binary its share dir. */
    if (access(probe, R_OK) != 0 && !strcmp(web_root, OTW_WEB_DIR)) {
        web_root = OTW_WEB_DIR_INSTALLED;
        snprintf(probe, sizeof(probe), "%s/index.html", web_root);
    }
#endif
    if (access(probe, R_OK) != 0) {
        otw_error("no pages in %s (give --web-root DIR)", web_root);
        goto out;
    }
    sv.web_root = web_root;
    sv.ctx.state_dir = state;
    sv.ctx.cfg = cfg;
    sv.ctx.auth = otw_auth_open(state, admin_hash, err, sizeof(err));
    if (!sv.ctx.auth) {
        otw_error("%s", err);
        goto out;
    }
    otw_auth_set_lock(sv.ctx.auth, lock_server, unlock_server, &sv);
    /* The daemon's thread inherits this mask: only the main thread takes
     * SIGINT/SIGTERM. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    d = start_daemon(&sv, &ss, key_pem, cert_pem);
    if (!d) {
        otw_error("cannot listen on %s (in use? TLS key/cert wrong?)", listen);
        goto out;
    }
    (void)sl;
    otw_info("listening on %s://%s/ over %s", sv.tls ? "https" : "http", listen, state);
    int sig = 0;
    sigwait(&sigs, &sig);
    otw_info("stopping");
    rc = 0;
out:
    if (d)
        MHD_stop_daemon(d);
    otw_auth_close(sv.ctx.auth);
    pthread_mutex_destroy(&sv.lock);
    free(admin_hash);
    free(cert_pem);
    free(key_pem);
    return rc;
}
