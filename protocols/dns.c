/* dns.c - DNS answers as names of remote addresses.
 *
 * Specs: RFC 1035 section 4.1 (4.1.1 header: QR, OPCODE, RCODE, counts;
 * 4.1.2 question; 4.1.3 resource record; 4.1.4 compression), 4.2.2 and
 * RFC 7766 section 8 (TCP: a 2-byte length before each message), RFC 3596
 * (AAAA, type 28), RFC 4343 (names compare case-insensitively).
 *
 * Nothing industrial and no operations: a response tells which address a
 * name resolves to, which names the remote end of later connections
 * (INTERNET_EXPOSURE, CLOUD_CONNECTION in sensor/analysis/exposure.c). For every
 * answer-section record of class IN and type A (RDLENGTH 4) or AAAA
 * (RDLENGTH 16), one identity: has_ip = the address, name = the QUESTION
 * name (what the client asked for, also through CNAME chains), lower-cased;
 * source "dns answer". Queries, authority and additional sections, and the
 * unspecified address emit nothing.
 * Names longer than the identity field keep their rightmost labels behind
 * "*." ("*.eu-west-1.iot.example.com"): the domain is what matters here.
 * Bounds: at most DNS_MAX_RECORDS answers looked at and DNS_MAX_ADDRS
 * identities per message; names through otw_idu_dns_name (backward
 * pointers only, at most 16 hops, 255 bytes).
 * Choices: a message shorter than the header or with a reserved opcode
 * (3, 7-15) is NOT_MINE; a response whose question or an answer runs past
 * the message is MALFORMED (answers before it are still emitted). The same
 * parse() serves UDP and TCP: when a PDU's first two bytes equal its length
 * minus two (TCP framing, as dns_frame_len cut it - or a UDP id that
 * happens to equal it), the reading whose sections end exactly at the end
 * of the message wins, TCP when neither does.
 */
#include "dns.h"

#include "idutil.h"
#include "reader.h"

#include <string.h>

#define DNS_HEADER 12
#define DNS_QR 0x8000u
enum { T_A = 1, T_AAAA = 28, C_IN = 1 };

/* The cleaned question name fitted into dst (dstsz bytes): cut on the left
 * at a label boundary behind "*." when it is too long. */
static void fit_name(char *dst, size_t dstsz, const uint8_t *raw, size_t n)
{
    char full[256];
    otw_copy_wire_string(full, sizeof(full), raw, n);
    for (char *c = full; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    size_t len = strlen(full);
    dst[0] = '\0';
    if (len < dstsz) {
        memcpy(dst, full, len + 1);
        return;
    }
    for (size_t k = 0; k < len; k++) {
        if (full[k] == '.' && len - k - 1 + 2 < dstsz && k + 1 < len) {
            otw_idu_cat(dst, dstsz, "*.");
            otw_idu_cat(dst, dstsz, full + k + 1);
            return;
        }
    }
    /* one label longer than the field: keep its tail */
    otw_idu_cat(dst, dstsz, full + len - (dstsz - 1));
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static otw_parse_status malformed(const otw_sink *sink)
{
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "dns_malformed");
    return OTW_PARSE_MALFORMED;
}

/* One DNS message (no TCP length). */
static otw_parse_status parse_message(otw_dir dir, const uint8_t *msg, size_t len,
                                      const otw_sink *sink)
{
    otw_reader r = rd_init(msg, msg ? len : 0);
    (void)rd_be16(&r); /* id */
    uint16_t flags = rd_be16(&r);
    uint16_t qd = rd_be16(&r);
    uint16_t an = rd_be16(&r);
    (void)rd_be16(&r); /* nscount */
    (void)rd_be16(&r); /* arcount */
    unsigned opcode = (flags >> 11) & 0x0F;
    if (r.truncated || opcode == 3 || opcode > 6)
        return OTW_PARSE_NOT_MINE;
    if (!(flags & DNS_QR))
        return OTW_PARSE_OK; /* a query names nothing yet */
    if (qd == 0 || an == 0)
        return OTW_PARSE_OK; /* nothing asked or nothing answered (NXDOMAIN, ...) */

    size_t off = DNS_HEADER;
    uint8_t qname[256], owner[256];
    size_t qlen = 0, olen = 0;
    if (!otw_idu_dns_name(msg, len, &off, qname, sizeof(qname), &qlen) || off + 4 > len)
        return malformed(sink);
    off += 4; /* qtype, qclass */
    /* further questions (RFC 1035 allows them; nobody sends them): skipped */
    for (unsigned i = 1; i < qd && i < DNS_MAX_RECORDS; i++) {
        if (!otw_idu_dns_name(msg, len, &off, owner, sizeof(owner), &olen) || off + 4 > len)
            return malformed(sink);
        off += 4;
    }

    otw_identity id;
    memset(&id, 0, sizeof(id));
    id.protocol = OTW_PROTO_DNS;
    id.about = dir;
    id.source = "dns answer";
    id.has_ip = true;
    fit_name(id.name, sizeof(id.name), qname, qlen);
    bool named = id.name[0] != '\0';

    unsigned emitted = 0;
    for (unsigned i = 0; i < an && i < DNS_MAX_RECORDS; i++) {
        if (!otw_idu_dns_name(msg, len, &off, owner, sizeof(owner), &olen))
            return malformed(sink);
        otw_reader rr = rd_init(msg, len);
        rr.off = off;
        uint16_t type = rd_be16(&rr);
        uint16_t klass = rd_be16(&rr);
        (void)rd_be32(&rr); /* TTL */
        uint16_t rdlen = rd_be16(&rr);
        const uint8_t *rd = rd_bytes(&rr, rdlen);
        if (rr.truncated || rd == NULL)
            return malformed(sink);
        off = rr.off;
        if (klass != C_IN || !named || emitted >= DNS_MAX_ADDRS)
            continue;
        if (type == T_A && rdlen == 4) {
            if (all_zero(rd, 4))
                continue; /* 0.0.0.0: a blocked name, no address */
            otw_idu_map_v4(id.ip, rd);
        } else if (type == T_AAAA && rdlen == 16) {
            if (all_zero(rd, 16))
                continue;
            memcpy(id.ip, rd, 16);
        } else {
            continue;
        }
        emitted++;
        if (sink != NULL && sink->identity != NULL)
            sink->identity(sink->ctx, &id);
    }
    return OTW_PARSE_OK;
}

/* Whether every section of msg parses and ends exactly at its end. */
static bool walks_exactly(const uint8_t *msg, size_t len)
{
    otw_reader r = rd_init(msg, len);
    rd_skip(&r, 4);
    uint32_t qd = rd_be16(&r);
    uint32_t rrs = (uint32_t)rd_be16(&r) + rd_be16(&r) + rd_be16(&r);
    if (r.truncated || qd + rrs > 4 * DNS_MAX_RECORDS)
        return false;
    size_t off = DNS_HEADER, n = 0;
    uint8_t scratch[256];
    for (uint32_t i = 0; i < qd + rrs; i++) {
        if (!otw_idu_dns_name(msg, len, &off, scratch, sizeof(scratch), &n))
            return false;
        if (i < qd) {
            off += 4;
        } else {
            if (off + 10 > len)
                return false;
            off += 10 + (((size_t)msg[off + 8] << 8) | msg[off + 9]);
        }
        if (off > len)
            return false;
    }
    return off == len;
}

otw_parse_status dns_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                           uint64_t ts_us, const otw_sink *sink)
{
    (void)session;
    (void)ts_us;
    if (pdu == NULL)
        return OTW_PARSE_NOT_MINE;
    if (len >= 2 + DNS_HEADER && (((size_t)pdu[0] << 8) | pdu[1]) == len - 2 &&
        (walks_exactly(pdu + 2, len - 2) || !walks_exactly(pdu, len)))
        return parse_message(dir, pdu + 2, len - 2, sink);
    return parse_message(dir, pdu, len, sink);
}

long dns_frame_len(const uint8_t *buf, size_t len)
{
    if (len < 2)
        return OTW_FRAME_NEED_MORE;
    size_t n = ((size_t)buf[0] << 8) | buf[1];
    if (n < DNS_HEADER)
        return OTW_FRAME_NOT_MINE;
    return (long)(n + 2);
}

const otw_dissector dns_dissector = {
    .proto = OTW_PROTO_DNS,
    .name = "dns",
    .tcp_ports = {53},
    .udp_ports = {53},
    .industrial = false,
    .session_size = 0,
    .parse = dns_parse,
    .frame_len = dns_frame_len,
};
