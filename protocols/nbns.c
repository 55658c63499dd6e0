/* nbns.c - NetBIOS Name Service identity dissector.
 *
 * Specs: RFC 1001 section 14.1 (first-level name encoding: 16 bytes, each
 * split into two nibbles + 'A'; byte 16 is the suffix/service), section 15
 * (name service); RFC 1002 section 4.2 (packet formats: 4.2.1 header,
 * 4.2.2 registration, 4.2.13 positive name query response, 4.2.18 node
 * status response). Suffixes: 0x00 workstation, 0x20 file server service,
 * 0x1B domain master browser, 0x1C domain controllers (group), 0x1D master
 * browser, 0x1E browser elections (group) (Microsoft NetBIOS suffixes).
 *
 * Emitted (no operations), with role hint it_host (NetBIOS = a Windows or
 * SMB host):
 * - registration/refresh request: the question's name; the additional
 *   record's NB address binds has_ip (the name's owner);
 * - positive name query response (NB): the answered unique name with has_ip
 *   = its first address (right even when a WINS server answers for the
 *   owner);
 * - node status response (NBSTAT): about the sender (about = dir): the
 *   first unique <00> (else <20>) name, device_type from the suffixes,
 *   detail "workgroup=X;mac=..." (the unit id when not zero).
 * name = unique <00>/<20> names only: group names are domains/workgroups
 * and go into detail ("workgroup=", "domain=" for a <1C> group).
 * Queries, releases, WACK and negative responses emit nothing.
 * Choices: a header with an unknown opcode or more than 4 records in a
 * section is NOT_MINE; a record running past the datagram is MALFORMED.
 */
#include "nbns.h"

#include "idutil.h"
#include "reader.h"

#include <string.h>

#define NB_RESPONSE 0x8000
#define NB_GROUP 0x8000 /* NB_FLAGS G bit */
#define NB_TYPE_NB 0x0020
#define NB_TYPE_NBSTAT 0x0021
#define NB_MAX_RECORDS 4 /* per section: NBNS packets carry at most one */
#define NB_MAX_STATUS_NAMES 64

enum {
    OP_QUERY = 0,
    OP_REGISTRATION = 5,
    OP_RELEASE = 6,
    OP_WACK = 7,
    OP_REFRESH = 8,
    OP_REFRESH_ALT = 9, /* RFC 1002 shows 8, Windows sends 9 too */
    OP_MULTIHOMED = 15,
};

bool nbns_decode_name(const uint8_t *enc, size_t n, char name[16], uint8_t *suffix)
{
    uint8_t raw[16];
    if (enc == NULL || n < 32 || (n > 32 && enc[32] != '.'))
        return false;
    for (size_t i = 0; i < 16; i++) {
        uint8_t hi = enc[2 * i], lo = enc[2 * i + 1];
        if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
            return false;
        raw[i] = (uint8_t)(((hi - 'A') << 4) | (lo - 'A'));
    }
    size_t l = 15;
    while (l > 0 && (raw[l - 1] == ' ' || raw[l - 1] == 0))
        l--;
    otw_copy_wire_string(name, 16, raw, l);
    *suffix = raw[15];
    return true;
}

typedef struct nb_rr {
    char name[16];
    uint8_t suffix;
    bool name_ok;
    uint16_t type;
    const uint8_t *rdata;
    uint16_t rdlen;
} nb_rr;

/* A name at *off; name_ok false when it is not a NetBIOS encoded name. */
static bool read_name(const uint8_t *msg, size_t len, size_t *off, nb_rr *rr)
{
    uint8_t raw[256];
    size_t n = 0;
    if (!otw_idu_dns_name(msg, len, off, raw, sizeof(raw), &n))
        return false;
    rr->name_ok = nbns_decode_name(raw, n, rr->name, &rr->suffix);
    return true;
}

static bool read_rr(const uint8_t *msg, size_t len, size_t *off, nb_rr *rr)
{
    if (!read_name(msg, len, off, rr))
        return false;
    otw_reader r = rd_init(msg, len);
    r.off = *off;
    rr->type = rd_be16(&r);
    (void)rd_be16(&r); /* class */
    (void)rd_be32(&r); /* TTL */
    rr->rdlen = rd_be16(&r);
    rr->rdata = rd_bytes(&r, rr->rdlen);
    if (r.truncated)
        return false;
    *off = r.off;
    return true;
}

static void emit(const otw_sink *sink, otw_identity *id)
{
    if (sink == NULL || sink->identity == NULL)
        return;
    if (id->name[0] == '\0' && id->detail[0] == '\0' && id->device_type[0] == '\0')
        return;
    id->role_hint = OTW_HINT_IT_HOST;
    sink->identity(sink->ctx, id);
}

static void set_type(otw_identity *id, const char *type)
{
    id->device_type[0] = '\0';
    otw_idu_cat(id->device_type, sizeof(id->device_type), type);
}

/* One name with its group flag into the identity. */
static void add_name(otw_identity *id, const char *name, uint8_t suffix, bool group)
{
    if (!group && (suffix == 0x00 || suffix == 0x20)) {
        if (id->name[0] == '\0')
            otw_idu_cat(id->name, sizeof(id->name), name);
        if (suffix == 0x20 && strcmp(id->device_type, "Domain Controller") != 0)
            set_type(id, "File Server");
    } else if (group && suffix == 0x1C) {
        set_type(id, "Domain Controller");
        otw_idu_kv(id->detail, sizeof(id->detail), "domain", name);
    } else if (group && suffix == 0x00 && strstr(id->detail, "workgroup=") == NULL) {
        otw_idu_kv(id->detail, sizeof(id->detail), "workgroup", name);
    }
}

/* Node status response RDATA: NUM_NAMES, NODE_NAME entries (16-byte name +
 * 2-byte flags), then statistics starting with the 6-byte unit id. */
static bool node_status(const nb_rr *rr, otw_identity *id)
{
    otw_reader r = rd_init(rr->rdata, rr->rdlen);
    uint8_t n = rd_u8(&r);
    bool have_workstation = false;
    for (unsigned i = 0; i < n && i < NB_MAX_STATUS_NAMES; i++) {
        const uint8_t *nm = rd_bytes(&r, 16);
        uint16_t flags = rd_be16(&r);
        if (r.truncated)
            return false;
        size_t l = 15;
        while (l > 0 && (nm[l - 1] == ' ' || nm[l - 1] == 0))
            l--;
        char name[16];
        otw_copy_wire_string(name, sizeof(name), nm, l);
        bool group = (flags & NB_GROUP) != 0;
        if (!group && nm[15] == 0x00 && !have_workstation) {
            /* <00> unique is the computer name: it wins over a <20> seen first */
            id->name[0] = '\0';
            otw_idu_cat(id->name, sizeof(id->name), name);
            have_workstation = true;
        }
        add_name(id, name, nm[15], group);
    }
    const uint8_t *unit = rd_bytes(&r, 6);
    if (unit != NULL && (unit[0] | unit[1] | unit[2] | unit[3] | unit[4] | unit[5]) != 0) {
        char mac[18];
        otw_idu_hex(mac, sizeof(mac), unit, 6, ':');
        otw_idu_kv(id->detail, sizeof(id->detail), "mac", mac);
    }
    if (id->name[0] != '\0' && id->device_type[0] == '\0')
        set_type(id, "Workstation");
    return true;
}

otw_parse_status nbns_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    (void)session;
    (void)ts_us;
    otw_reader r = rd_init(pdu, pdu ? len : 0);
    (void)rd_be16(&r); /* transaction id */
    uint16_t flags = rd_be16(&r);
    uint16_t qd = rd_be16(&r), an = rd_be16(&r), ns = rd_be16(&r), ar = rd_be16(&r);
    uint8_t opcode = (uint8_t)((flags >> 11) & 0x0F);
    bool response = (flags & NB_RESPONSE) != 0;
    uint8_t rcode = flags & 0x0F;

    if (r.truncated || qd > NB_MAX_RECORDS || an > NB_MAX_RECORDS || ns > NB_MAX_RECORDS ||
        ar > NB_MAX_RECORDS)
        return OTW_PARSE_NOT_MINE;
    switch (opcode) {
    case OP_QUERY:
    case OP_REGISTRATION:
    case OP_RELEASE:
    case OP_WACK:
    case OP_REFRESH:
    case OP_REFRESH_ALT:
    case OP_MULTIHOMED:
        break;
    default:
        return OTW_PARSE_NOT_MINE;
    }

    size_t off = r.off;
    nb_rr q;
    memset(&q, 0, sizeof(q));
    bool ok = true;
    for (unsigned i = 0; i < qd && ok; i++) {
        nb_rr tmp;
        memset(&tmp, 0, sizeof(tmp));
        ok = read_name(pdu, len, &off, &tmp) && off + 4 <= len;
        off += 4; /* type, class */
        if (ok && i == 0)
            q = tmp;
    }
    /* Answer, authority and additional records, in order. */
    nb_rr rrs[3 * NB_MAX_RECORDS];
    unsigned n_rr = 0, n_an = ok ? an : 0;
    unsigned total = ok ? (unsigned)an + ns + ar : 0;
    for (unsigned i = 0; i < total && ok; i++) {
        memset(&rrs[n_rr], 0, sizeof(rrs[0]));
        ok = read_rr(pdu, len, &off, &rrs[n_rr]);
        if (ok)
            n_rr++;
    }

    otw_identity id;
    memset(&id, 0, sizeof(id));
    id.protocol = OTW_PROTO_NBNS;
    id.about = dir;
    if (!response && (opcode == OP_REGISTRATION || opcode == OP_REFRESH ||
                      opcode == OP_REFRESH_ALT || opcode == OP_MULTIHOMED)) {
        /* The additional record repeats the name (often as a pointer). */
        for (unsigned i = an + ns; i < n_rr; i++) {
            const nb_rr *rr = &rrs[i];
            if (rr->type != NB_TYPE_NB || rr->rdlen < 6 || !q.name_ok)
                continue;
            bool group = (rr->rdata[0] & (NB_GROUP >> 8)) != 0;
            id.source = "nbns registration";
            add_name(&id, q.name, q.suffix, group);
            if (!group && (rr->rdata[2] | rr->rdata[3] | rr->rdata[4] | rr->rdata[5]) != 0) {
                id.has_ip = true;
                otw_idu_map_v4(id.ip, rr->rdata + 2);
            }
            if (id.name[0] && id.device_type[0] == '\0')
                set_type(&id, "Workstation");
            emit(sink, &id);
            break;
        }
    } else if (response && opcode == OP_QUERY && rcode == 0) {
        for (unsigned i = 0; i < n_an && i < n_rr; i++) {
            const nb_rr *rr = &rrs[i];
            if (rr->type == NB_TYPE_NBSTAT) {
                id.source = "nbns node status";
                if (!node_status(rr, &id))
                    ok = false;
                emit(sink, &id);
                break;
            }
            if (rr->type == NB_TYPE_NB && rr->name_ok && rr->rdlen >= 6) {
                bool group = (rr->rdata[0] & (NB_GROUP >> 8)) != 0;
                if (group)
                    break; /* a group's members are not one host */
                id.source = "nbns name response";
                add_name(&id, rr->name, rr->suffix, false);
                if ((rr->rdata[2] | rr->rdata[3] | rr->rdata[4] | rr->rdata[5]) != 0) {
                    id.has_ip = true;
                    otw_idu_map_v4(id.ip, rr->rdata + 2);
                }
                if (id.name[0] && id.device_type[0] == '\0')
                    set_type(&id, "Workstation");
                emit(sink, &id);
                break;
            }
        }
    }
    return otw_idu_result(ok, "nbns_malformed", sink);
}

const otw_dissector nbns_dissector = {
    .proto = OTW_PROTO_NBNS,
    .name = "nbns",
    .tcp_ports = {0},
    .udp_ports = {137},
    .industrial = false,
    .session_size = 0,
    .parse = nbns_parse,
};
