/* oplog.c - see oplog.h. */
#include "oplog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asyncw.h"
#include "jsonw.h"
#include "log.h"

#define OPLOG_BUFFER (1u << 20) /* per half of the double buffer */
#define OTW_PATH_SIDE 4200

struct otw_oplog {
    otw_asyncw *out;
    uint64_t written, failed;
    uint64_t base; /* records in the file's chain at open */
    /* The chain (chain.h), writer thread only; read after a flush. On a
     * cache line of its own: the writer updates it every line while the
     * packet thread counts records above (false sharing cost ~5% of read). */
    _Alignas(64) otw_chain_anchor anchor;
    int chain_fd; /* the sidecar of links, -1 when not chained */
    uint64_t chain_failed;
};

/* Writer thread: every line just written is chained and its link appended
 * to the sidecar. Text comes in whole lines (records are rendered whole). */
static void write_links(otw_oplog *l, const uint8_t *q, size_t left)
{
    while (left > 0) {
        ssize_t k = write(l->chain_fd, q, left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            l->chain_failed++;
            return;
        }
        q += k;
        left -= (size_t)k;
    }
}

static void chain_written(void *ctx, const char *text, size_t len)
{
    otw_oplog *l = ctx;
    uint8_t links[64 * OTW_CHAIN_LINK];
    size_t n = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break; /* never: render ends each record with one */
        otw_chain_append(&l->anchor.chain, p, (size_t)(nl - p), links + n * OTW_CHAIN_LINK);
        l->anchor.offset += (uint64_t)(nl - p) + 1;
        p = nl + 1;
        if (++n == 64) {
            write_links(l, links, n * OTW_CHAIN_LINK);
            n = 0;
        }
    }
    write_links(l, links, n * OTW_CHAIN_LINK);
}

typedef struct oplog_rec {
    otw_op op;
    otw_endpoint client, server;
} oplog_rec;

static size_t render_rec(const void *rec, char *out, size_t outsz)
{
    const oplog_rec *r = rec;
    size_t n = otw_oplog_render(&r->op, &r->client, &r->server, out, outsz - 1);
    if (n)
        out[n++] = '\n';
    return n;
}

otw_oplog *otw_oplog_open(const char *path, const otw_chain_anchor *from, char *err, size_t errsz)
{
    otw_oplog *l = aligned_alloc(_Alignof(otw_oplog), sizeof(*l)); /* the anchor's own line */
    if (l)
        memset(l, 0, sizeof(*l));
    if (!l) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    l->chain_fd = -1;
    /* The chain first reaches the end of what is there (lines a killed run
     * wrote after its last checkpoint). */
    if (from)
        l->anchor = *from;
    else
        otw_chain_init(&l->anchor.chain);
    uint64_t added;
    bool restarted;
    char e0[300];
    if (otw_chain_catch_up(path, &l->anchor, &added, &restarted, e0, sizeof(e0)) != 0) {
        snprintf(err, errsz, "operations log chain: %s", e0);
        free(l);
        return NULL;
    }
    if (from && restarted)
        otw_warn("%s: shorter than its chain recorded in the state (%llu records, %llu bytes), "
                 "or its chain file is: replaced or truncated; `otwatch verify` will say where",
                 path, (unsigned long long)from->chain.n, (unsigned long long)from->offset);
    else if (from && added)
        otw_warn("%s: %llu operation(s) written after the last checkpoint (an interrupted run) "
                 "chained now",
                 path, (unsigned long long)added);
    l->base = l->anchor.chain.n;
    char side[OTW_PATH_SIDE];
    otw_chain_sidecar_path(path, side, sizeof(side));
    l->chain_fd = open(side, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (l->chain_fd < 0) {
        snprintf(err, errsz, "operations log chain: %s: %s", side, strerror(errno));
        free(l);
        return NULL;
    }
    /* Written from the packet path: the op is copied as a record; the JSON
     * text and the kernel's write happen on a background thread, in order. */
    char e[256];
    l->out =
        otw_asyncw_open_records(path, OPLOG_BUFFER, sizeof(oplog_rec), render_rec, e, sizeof(e));
    if (!l->out) {
        snprintf(err, errsz, "operations log: %s", e);
        close(l->chain_fd);
        free(l);
        return NULL;
    }
    otw_asyncw_on_written(l->out, chain_written, l);
    return l;
}

static void endpoint(otw_jsonw *w, const otw_endpoint *e)
{
    char buf[64];
    jw_obj_begin(w);
    jw_key(w, "ip");
    if (e->has_ip)
        jw_str(w, otw_addr_str(&e->ip, buf, sizeof(buf)));
    else
        jw_null(w);
    jw_key(w, "port");
    jw_u64(w, e->port);
    jw_key(w, "mac");
    if (e->has_mac)
        jw_str(w, otw_mac_str(e->mac, buf, sizeof(buf)));
    else
        jw_null(w);
    jw_obj_end(w);
}

size_t otw_oplog_render(const otw_op *op, const otw_endpoint *client, const otw_endpoint *server,
                        char *buf, size_t bufsz)
{
    otw_jsonw w;
    jw_init(&w, buf, bufsz);
    jw_obj_begin(&w);
    jw_key(&w, "ts");
    jw_ts(&w, op->ts_us);
    jw_key(&w, "protocol");
    jw_str(&w, otw_proto_name(op->protocol));
    jw_key(&w, "client");
    endpoint(&w, client);
    jw_key(&w, "server");
    endpoint(&w, server);
    jw_key(&w, "unit");
    if (op->has_unit)
        jw_u64(&w, op->unit);
    else
        jw_null(&w);
    jw_key(&w, "transaction");
    jw_u64(&w, op->transaction);
    jw_key(&w, "function");
    jw_u64(&w, op->function);
    jw_key(&w, "function_name");
    jw_str(&w, op->function_name ? op->function_name : "Unknown");
    jw_key(&w, "class");
    jw_str(&w, otw_class_name(op->op_class));
    jw_key(&w, "object");
    if (op->object[0])
        jw_str(&w, op->object);
    else
        jw_null(&w);
    jw_key(&w, "address");
    if (op->has_address) {
        jw_obj_begin(&w);
        jw_key(&w, "start");
        jw_u64(&w, op->address_start);
        jw_key(&w, "count");
        jw_u64(&w, op->address_count);
        jw_obj_end(&w);
    } else {
        jw_null(&w);
    }
    jw_key(&w, "outcome");
    jw_str(&w, otw_outcome_name(op->outcome));
    jw_key(&w, "exception");
    if (op->outcome == OTW_OUTCOME_EXCEPTION)
        jw_u64(&w, op->exception_code);
    else
        jw_null(&w);
    jw_key(&w, "response_ts");
    if (op->response_ts_us)
        jw_ts(&w, op->response_ts_us);
    else
        jw_null(&w);
    jw_key(&w, "request_seen");
    jw_bool(&w, op->request_seen);
    jw_obj_end(&w);
    return jw_finish(&w) ? w.len : 0;
}

void otw_oplog_write(otw_oplog *l, const otw_op *op, const otw_endpoint *client,
                     const otw_endpoint *server)
{
    oplog_rec r;
    r.op = *op; /* function_name is a static string: safe on the writer thread */
    r.client = *client;
    r.server = *server;
    otw_asyncw_append(l->out, &r, sizeof(r));
    l->written++;
}

int otw_oplog_flush(otw_oplog *l)
{
    return otw_asyncw_flush(l->out);
}

void otw_oplog_anchor(const otw_oplog *l, otw_chain_anchor *out, uint64_t *chain_failed)
{
    *out = l->anchor;
    if (chain_failed)
        *chain_failed = l->chain_failed;
}

uint64_t otw_oplog_written(const otw_oplog *l)
{
    return l->written;
}

uint64_t otw_oplog_next_record(const otw_oplog *l)
{
    return l->base + l->written;
}

uint64_t otw_oplog_failed(const otw_oplog *l)
{
    return l->failed;
}

void otw_oplog_close(otw_oplog *l)
{
    if (!l)
        return;
    otw_asyncw_close(l->out);
    if (l->chain_fd >= 0)
        close(l->chain_fd);
    free(l);
}
