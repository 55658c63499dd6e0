/* dissector.h - the one table of industrial dissectors.
 *
 * Adding a protocol = one .c/.h in protocols/, one row in proto_table.h, a
 * capture with expected output and a fuzz target. The sensor never calls a
 * dissector by name: it goes through this descriptor.
 */
#ifndef OTW_DISSECTOR_H
#define OTW_DISSECTOR_H

#include "facts.h"

/* Result of parsing one PDU. */
typedef enum otw_parse_status {
    OTW_PARSE_OK = 0,
    OTW_PARSE_MALFORMED, /* framing right, content wrong: counted, flow kept */
    OTW_PARSE_NOT_MINE   /* this is not the protocol at all */
} otw_parse_status;

/* frame_len() results besides a positive PDU length. */
#define OTW_FRAME_NEED_MORE 0
#define OTW_FRAME_NOT_MINE (-1)

/* probe() results: how sure the first payload is this protocol. The
 * sensor takes the highest; a tie goes to the earlier row of the table. */
#define OTW_PROBE_NO 0
#define OTW_PROBE_WEAK 1   /* a shape other protocols could share ("220 " greeting) */
#define OTW_PROBE_STRONG 2 /* a signature (magic, lengths that agree, a checksum) */

#define OTW_DISSECTOR_MAX_PORTS 8
/* Per-flow session state is carved from a fixed-size slot. */
#define OTW_SESSION_MAX_BYTES 2048

typedef struct otw_dissector {
    otw_proto proto;
    const char *name;
    uint16_t tcp_ports[OTW_DISSECTOR_MAX_PORTS]; /* default server ports, 0-terminated */
    uint16_t udp_ports[OTW_DISSECTOR_MAX_PORTS];
    uint16_t ethertypes[4]; /* link-layer protocols, 0-terminated */
    bool industrial;        /* its clients/servers are control devices */
    size_t session_size;    /* <= OTW_SESSION_MAX_BYTES */
    void (*session_init)(void *session);
    /* TCP stream framing: length of the PDU starting at buf (>0), NEED_MORE
     * when the header is incomplete, NOT_MINE when buf cannot start a PDU. */
    long (*frame_len)(const uint8_t *buf, size_t len);
    /* One whole PDU (TCP), datagram (UDP) or link-layer payload (after the
     * Ethertype; dir is OTW_DIR_TO_SERVER, session NULL when session_size is 0). */
    otw_parse_status (*parse)(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                              uint64_t ts_us, const otw_sink *sink);
    /* Emits what is pending (unanswered requests) older than ts_us - timeout_us;
     * timeout_us == 0 flushes everything (flow end). May be NULL. */
    void (*expire)(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink);
    /* A TCP PDU of pdu_len bytes, larger than the sensor reassembles, that
     * it will skip: its first head_len bytes (< pdu_len), whatever the
     * stream held when the header came. Lets the dissector record what the
     * head tells (a request, the answer to a pending one, its status).
     * May be NULL. */
    void (*oversized)(void *session, otw_dir dir, const uint8_t *head, size_t head_len,
                      size_t pdu_len, uint64_t ts_us, const otw_sink *sink);
    /* Dynamic detection on a flow no configured port names: how sure the
     * first payload a side sent (buf, len bytes: a TCP segment or a
     * datagram) starts this protocol. opening: nothing came from the other
     * side before (a server greeting only counts then). Must be strict:
     * random bytes and other protocols' first bytes give OTW_PROBE_NO.
     * May be NULL (claims only by port or by nDPI's verdict). */
    int (*probe)(const uint8_t *buf, size_t len, otw_dir dir, bool opening);
} otw_dissector;

/* The dissector owning this TCP/UDP server port, or NULL. */
const otw_dissector *otw_dissector_for_port(bool tcp, uint16_t port);
const otw_dissector *otw_dissector_get(otw_proto proto);
const otw_dissector *otw_dissector_for_ethertype(uint16_t ethertype);
/* Every registered dissector, for iteration (n set to the count). */
const otw_dissector *const *otw_dissectors(size_t *n);

#endif
