/* slmp.c - MELSEC SLMP / MC protocol dissector (3E and 4E frames).
 *
 * Specs: SLMP Reference Manual (SH-080956ENG): 3E/4E message formats
 * (binary and ASCII code), request/response headers, end codes and error
 * information, device codes, and the commands listed in slmp_command_name();
 * MELSEC Communication Protocol Reference Manual (SH-080008) for the same
 * frames as Q/L series MC protocol. 1E frames (A-compatible) are not decoded.
 *
 * Frame (binary; ASCII carries the same fields as upper-case hex text, each
 * byte as two characters, most significant first):
 *   subheader 50 00 (3E request) | D0 00 (3E response)
 *             54 00 + serial(2) + 00 00 (4E request) | D4 00 + serial + 00 00
 *   network no (1), PC no (1), request destination module I/O no (2 LE),
 *   request destination module station no (1), data length (2 LE, bytes
 *   after this field), then
 *   request:  monitoring timer (2), command (2), subcommand (2), data
 *   response: end code (2), data; with an end code != 0 the data is the
 *             error information: network, PC, I/O no, station, command,
 *             subcommand of the failed request.
 * Device specification: binary Q/L (subcommand 0000/0001): device number
 * (3 LE) + device code (1); binary iQ-R (0002/0003): number (4 LE) + code
 * (2 LE); ASCII Q/L: code (2 chars, '*' padded) + number (6 digits); ASCII
 * iQ-R: code (4 chars) + number (10 digits). Numbers of X, Y, B, W, SB, SW,
 * DX, DY are hexadecimal in ASCII, the others decimal.
 *
 * Choices worth knowing:
 * - op.unit is the request destination PC (station) number; op.transaction
 *   the 4E serial number (0 for 3E).
 * - Random and block accesses report the FIRST device (object, number) and,
 *   as count, the number of devices (random) or the first block's points
 *   (block): op has one range, these commands several.
 * - 3E has no transaction id: responses pair with the oldest pending 3E
 *   request of the same code (binary/ASCII), as the spec requires a client
 *   to wait for each answer or to use 4E. A response that finds no request
 *   is emitted with request_seen=false; an error response names its command
 *   in its error information, a normal one does not ("Unknown").
 * - Read responses are checked against the points requested (Read, Read
 *   Random, Read Type Name): a different length is outcome "error".
 */
#include "slmp.h"

#include "pending.h"
#include "reader.h"
#include "tok.h"

#include <string.h>

_Static_assert(sizeof(slmp_session) <= OTW_SESSION_MAX_BYTES,
               "slmp_session must fit a dissector session slot");

#define SLMP_3E_HDR 9 /* binary: subheader .. data length */
#define SLMP_4E_HDR 13
#define SLMP_3E_HDR_ASCII 18
#define SLMP_4E_HDR_ASCII 26
#define SLMP_REQ_MIN 6 /* timer + command + subcommand */
#define SLMP_RSP_MIN 2 /* end code */
#define SLMP_TYPE_NAME_LEN 16

/* ------------------------------------------------------------- tables */

typedef struct slmp_device {
    uint16_t code;     /* binary device code */
    const char *name;  /* as in the manuals, also the ASCII code without '*' */
    const char *alias; /* iQ-R ASCII spelling, or NULL */
    bool hex;          /* device numbers are hexadecimal in ASCII */
} slmp_device;

/* SLMP Reference Manual, "Device code list". */
static const slmp_device devices[] = {
    {0x0091, "SM", NULL, false},   {0x00A9, "SD", NULL, false},   {0x009C, "X", NULL, true},
    {0x009D, "Y", NULL, true},     {0x0090, "M", NULL, false},    {0x0092, "L", NULL, false},
    {0x0093, "F", NULL, false},    {0x0094, "V", NULL, false},    {0x00A0, "B", NULL, true},
    {0x00A8, "D", NULL, false},    {0x00B4, "W", NULL, true},     {0x00C1, "TS", NULL, false},
    {0x00C0, "TC", NULL, false},   {0x00C2, "TN", NULL, false},   {0x0051, "LTS", NULL, false},
    {0x0050, "LTC", NULL, false},  {0x0052, "LTN", NULL, false},  {0x00C7, "SS", "STS", false},
    {0x00C6, "SC", "STC", false},  {0x00C8, "SN", "STN", false},  {0x0059, "LSTS", NULL, false},
    {0x0058, "LSTC", NULL, false}, {0x005A, "LSTN", NULL, false}, {0x00C4, "CS", NULL, false},
    {0x00C3, "CC", NULL, false},   {0x00C5, "CN", NULL, false},   {0x0055, "LCS", NULL, false},
    {0x0054, "LCC", NULL, false},  {0x0056, "LCN", NULL, false},  {0x00A1, "SB", NULL, true},
    {0x00B5, "SW", NULL, true},    {0x0098, "S", NULL, false},    {0x00A2, "DX", NULL, true},
    {0x00A3, "DY", NULL, true},    {0x00CC, "Z", NULL, false},    {0x0062, "LZ", NULL, false},
    {0x00AF, "R", NULL, false},    {0x00B0, "ZR", NULL, false},   {0x002C, "RD", NULL, false},
};

#define N_DEVICES (sizeof(devices) / sizeof(devices[0]))

const char *slmp_device_name(uint16_t code)
{
    for (size_t i = 0; i < N_DEVICES; i++)
        if (devices[i].code == code)
            return devices[i].name;
    return NULL;
}

static const otw_tok slmp_commands[] = {
    {0x0101, "Read Type Name"},
    {0x0403, "Read Random"},
    {0x0406, "Read Block"},
    {0x0601, "Extend Unit Read"},
    {0x0613, "Memory Read"},
    {0x0619, "Self Test"},
    {0x0801, "Entry Monitor Device"},
    {0x0802, "Execute Monitor"},
    {0x1001, "Remote Run"},
    {0x1002, "Remote Stop"},
    {0x1003, "Remote Pause"},
    {0x1005, "Remote Latch Clear"},
    {0x1006, "Remote Reset"},
    {0x1406, "Write Block"},
    {0x1601, "Extend Unit Write"},
    {0x1613, "Memory Write"},
    {0x1617, "Clear Error"},
    {0x1630, "Remote Password Unlock"},
    {0x1631, "Remote Password Lock"},
    {0x1810, "Read Directory/File"},
    {0x1811, "Search Directory/File"},
    {0x1820, "New File"},
    {0x1822, "Delete File"},
    {0x1824, "Copy File"},
    {0x1825, "Change File State"},
    {0x1826, "Change File Date"},
    {0x1827, "Open File"},
    {0x1828, "Read File"},
    {0x1829, "Write File"},
    {0x182A, "Close File"},
};

const char *slmp_command_name(uint16_t command, uint16_t subcommand)
{
    /* Reads and writes are named by their unit, from the subcommand. */
    bool bit = (subcommand & 0x0001) != 0; /* 0001/0003/0081/0083: bit units */
    if (command == 0x0401)
        return bit ? "Read (bit units)" : "Read (word units)";
    if (command == 0x1401)
        return bit ? "Write (bit units)" : "Write (word units)";
    if (command == 0x1402)
        return bit ? "Write Random (bit units)" : "Write Random (word units)";
    return OTW_TOK_NAME(slmp_commands, command, "Unknown");
}

otw_op_class slmp_command_class(uint16_t command)
{
    switch (command) {
    case 0x0101:
        return OTW_CLASS_IDENTITY;
    case 0x0401:
    case 0x0403:
    case 0x0406:
    case 0x0801:
    case 0x0802:
    case 0x0613:
    case 0x0601:
    case 0x1810:
    case 0x1811:
        return OTW_CLASS_READ;
    case 0x1401:
    case 0x1402:
    case 0x1406:
    case 0x1613:
    case 0x1601:
        return OTW_CLASS_WRITE;
    case 0x1001:
    case 0x1002:
    case 0x1003:
    case 0x1005:
    case 0x1006:
    case 0x1617:
        return OTW_CLASS_CONTROL;
    case 0x0619:
        return OTW_CLASS_DIAGNOSTIC;
    case 0x1630:
    case 0x1631:
        return OTW_CLASS_AUTHENTICATION;
    case 0x1828: /* files on a CPU are programs, parameters, comments */
        return OTW_CLASS_PROGRAM_UPLOAD;
    case 0x1820:
    case 0x1822:
    case 0x1824:
    case 0x1829:
        return OTW_CLASS_PROGRAM_DOWNLOAD;
    case 0x1825:
    case 0x1826:
        return OTW_CLASS_CONFIGURATION;
    default:
        return OTW_CLASS_OTHER; /* 1827/182A open/close, unknown */
    }
}

/* -------------------------------------------------------- field reader */

/* Reads numbers as little-endian binary or as hex text (2 chars a byte). */
typedef struct slmp_fr {
    otw_reader r;
    bool ascii;
    bool bad; /* a non-hex character where a number was expected */
} slmp_fr;

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* n characters of text as a number in base 16 or 10; false if not digits. */
static bool text_num(const uint8_t *p, size_t n, unsigned base, uint32_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hexval(p[i]);
        if (d < 0 || (unsigned)d >= base)
            return false;
        v = v * base + (unsigned)d;
        if (v > 0xFFFFFFFFu)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

static uint32_t fr_num(slmp_fr *f, unsigned nbytes)
{
    if (!f->ascii) {
        const uint8_t *p = rd_bytes(&f->r, nbytes);
        uint32_t v = 0;
        if (p == NULL)
            return 0;
        for (unsigned i = nbytes; i > 0; i--)
            v = (v << 8) | p[i - 1];
        return v;
    }
    const uint8_t *p = rd_bytes(&f->r, 2u * nbytes);
    uint32_t v = 0;
    if (p == NULL)
        return 0;
    if (!text_num(p, 2u * nbytes, 16, &v))
        f->bad = true;
    return v;
}

static bool fr_ok(const slmp_fr *f)
{
    return !f->r.truncated && !f->bad;
}

/* Bytes of binary data, or characters of ASCII data, for n binary bytes. */
static size_t fr_size(const slmp_fr *f, size_t nbytes)
{
    return f->ascii ? 2 * nbytes : nbytes;
}

static void put_hex(char *dst, size_t dstsz, const char *prefix, uint32_t v, unsigned digits)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; prefix[n] != '\0' && n + 1 < dstsz; n++)
        dst[n] = prefix[n];
    for (unsigned i = digits; i > 0 && n + 1 < dstsz; i--)
        dst[n++] = hex[(v >> (4 * (i - 1))) & 0xF];
    if (dstsz > 0)
        dst[n < dstsz ? n : dstsz - 1] = '\0';
}

static void set_object(char *dst, size_t dstsz, const char *name)
{
    size_t n = strlen(name);
    if (n >= dstsz)
        n = dstsz - 1;
    memcpy(dst, name, n);
    dst[n] = '\0';
}

/* One device specification; fills the pending object and start address. */
static bool read_device(slmp_fr *f, bool iqr, slmp_pending *p)
{
    const slmp_device *dev = NULL;

    if (!f->ascii) {
        uint32_t num = fr_num(f, iqr ? 4 : 3);
        uint16_t code = (uint16_t)fr_num(f, iqr ? 2 : 1);
        if (!fr_ok(f))
            return false;
        for (size_t i = 0; i < N_DEVICES && dev == NULL; i++)
            if (devices[i].code == code)
                dev = &devices[i];
        if (dev != NULL)
            set_object(p->object, sizeof(p->object), dev->name);
        else
            put_hex(p->object, sizeof(p->object), "0x", code, iqr ? 4 : 2);
        p->address_start = num;
        return true;
    }
    size_t clen = iqr ? 4 : 2, nlen = iqr ? 10 : 6;
    const uint8_t *c = rd_bytes(&f->r, clen);
    const uint8_t *n = rd_bytes(&f->r, nlen);
    if (c == NULL || n == NULL)
        return false;
    size_t len = clen;
    while (len > 0 && c[len - 1] == '*')
        len--;
    for (size_t i = 0; i < N_DEVICES && dev == NULL; i++) {
        const char *names[2] = {devices[i].name, devices[i].alias};
        for (int k = 0; k < 2 && dev == NULL; k++)
            if (names[k] != NULL && strlen(names[k]) == len && memcmp(names[k], c, len) == 0)
                dev = &devices[i];
    }
    if (dev == NULL) {
        f->bad = true; /* unknown or lower-case device code */
        return false;
    }
    uint32_t num = 0;
    if (!text_num(n, nlen, dev->hex ? 16 : 10, &num)) {
        f->bad = true;
        return false;
    }
    set_object(p->object, sizeof(p->object), dev->name);
    p->address_start = num;
    return true;
}

static void set_range(slmp_pending *p, uint32_t count)
{
    p->has_address = true;
    p->address_count = count;
}

/* ------------------------------------------------------------ requests */

/* Request data after the subcommand. Fills the address and what the
 * response must carry; false if the data does not fit the command. */
static bool parse_request(slmp_fr *f, slmp_pending *p)
{
    uint16_t sub = p->subcommand;
    bool iqr = (sub & 0x0002) != 0;
    bool bit = (sub & 0x0001) != 0;
    bool plain = (sub & ~0x0003u) == 0; /* 0000..0003: no extension */
    uint32_t pts, n1, n2;

    switch (p->command) {
    case 0x0401:
    case 0x1401:
        if (!plain)
            return true; /* label/extension forms: opaque */
        if (!read_device(f, iqr, p))
            return false;
        pts = fr_num(f, 2);
        if (!fr_ok(f) || pts == 0)
            return false;
        set_range(p, pts);
        if (p->command == 0x0401) {
            /* bit units: 4 bits a point (1 char a point in ASCII) */
            p->expect_len = bit ? (f->ascii ? pts : (pts + 1) / 2) : (uint32_t)fr_size(f, 2u * pts);
            return rd_left(&f->r) == 0;
        }
        if (bit)
            return rd_left(&f->r) == (f->ascii ? pts : (pts + 1) / 2);
        return rd_left(&f->r) == fr_size(f, 2u * pts);
    case 0x0403:
    case 0x0801:
        if (!plain)
            return true;
        n1 = fr_num(f, 1); /* word access points */
        n2 = fr_num(f, 1); /* double word access points */
        if (!fr_ok(f) || n1 + n2 == 0)
            return false;
        if (!read_device(f, iqr, p))
            return false;
        set_range(p, n1 + n2);
        if (p->command == 0x0403)
            p->expect_len = (uint32_t)fr_size(f, 2u * n1 + 4u * n2);
        return true;
    case 0x1402:
        if (!plain)
            return true;
        n1 = fr_num(f, 1);
        n2 = bit ? 0 : fr_num(f, 1);
        if (!fr_ok(f) || n1 + n2 == 0)
            return false;
        if (!read_device(f, iqr, p))
            return false;
        set_range(p, n1 + n2);
        return true;
    case 0x0406:
    case 0x1406:
        if (!plain)
            return true;
        n1 = fr_num(f, 1); /* word device blocks */
        n2 = fr_num(f, 1); /* bit device blocks */
        if (!fr_ok(f) || n1 + n2 == 0)
            return false;
        if (!read_device(f, iqr, p))
            return false;
        pts = fr_num(f, 2);
        if (!fr_ok(f) || pts == 0)
            return false;
        set_range(p, pts);
        return true;
    case 0x0613:
    case 0x1613:
        p->address_start = fr_num(f, 4);
        pts = fr_num(f, 2); /* words */
        if (!fr_ok(f) || pts == 0)
            return false;
        set_object(p->object, sizeof(p->object), "buffer");
        set_range(p, pts);
        if (p->command == 0x0613) {
            p->expect_len = (uint32_t)fr_size(f, 2u * pts);
            return rd_left(&f->r) == 0;
        }
        return rd_left(&f->r) == fr_size(f, 2u * pts);
    case 0x0601:
    case 0x1601: {
        p->address_start = fr_num(f, 4);
        pts = fr_num(f, 2); /* bytes */
        uint32_t module = fr_num(f, 2);
        if (!fr_ok(f) || pts == 0)
            return false;
        /* module number = start I/O number / 16, written "U3E0" in the manuals */
        put_hex(p->object, sizeof(p->object), "U", module, 3);
        set_range(p, pts);
        if (p->command == 0x0601) {
            p->expect_len = (uint32_t)fr_size(f, pts);
            return rd_left(&f->r) == 0;
        }
        return rd_left(&f->r) == fr_size(f, pts);
    }
    case 0x0101:
    case 0x0802:
        /* type name: 16 characters of text + model code (2 bytes or 4 hex) */
        if (p->command == 0x0101)
            p->expect_len = SLMP_TYPE_NAME_LEN + (f->ascii ? 4 : 2);
        return rd_left(&f->r) == 0;
    case 0x1001:
        (void)fr_num(f, 2); /* mode */
        (void)fr_num(f, 1); /* clear mode */
        (void)fr_num(f, 1); /* fixed */
        return fr_ok(f) && rd_left(&f->r) == 0;
    case 0x1002:
    case 0x1003:
    case 0x1005:
    case 0x1006:
        (void)fr_num(f, 2); /* mode / fixed 0001 */
        return fr_ok(f) && rd_left(&f->r) == 0;
    case 0x1630:
    case 0x1631: {
        uint32_t plen = fr_num(f, 2); /* password length in characters */
        /* the password is ASCII text in both codes: never kept */
        return fr_ok(f) && plen > 0 && rd_left(&f->r) == plen;
    }
    default:
        return true; /* other commands: opaque data */
    }
}

/* ----------------------------------------------------------- emission */

static void emit_op(const otw_sink *sink, const slmp_pending *p, bool request_seen,
                    uint64_t response_ts, otw_outcome outcome, uint16_t code, bool known)
{
    if (sink == NULL || sink->op == NULL)
        return;
    otw_op op;
    memset(&op, 0, sizeof(op));
    op.protocol = OTW_PROTO_SLMP;
    op.ts_us = p->ts_us;
    op.response_ts_us = response_ts;
    op.has_unit = known;
    op.unit = known ? p->pc : 0;
    set_object(op.object, sizeof(op.object), p->object);
    op.transaction = p->serial;
    op.function = p->command;
    op.function_name = known ? slmp_command_name(p->command, p->subcommand) : "Unknown";
    op.op_class = known ? slmp_command_class(p->command) : OTW_CLASS_OTHER;
    op.has_address = p->has_address;
    op.address_start = p->has_address ? p->address_start : 0;
    op.address_count = p->has_address ? p->address_count : 0;
    op.outcome = outcome;
    op.exception_code = outcome == OTW_OUTCOME_EXCEPTION ? code : 0;
    op.request_seen = request_seen;
    sink->op(sink->ctx, &op);
}

static void malformed(slmp_session *s, const otw_sink *sink)
{
    s->n_malformed++;
    if (sink != NULL && sink->anomaly != NULL)
        sink->anomaly(sink->ctx, "slmp_malformed");
}

static void unanswered(void *ctx, const void *p, const otw_sink *sink)
{
    (void)ctx;
    emit_op(sink, p, true, 0, OTW_OUTCOME_NO_RESPONSE, 0, true);
}

/* 4E: same serial; 3E: the oldest 3E request of the same code. */
static int find_pending(const slmp_session *s, uint8_t frame, uint16_t serial)
{
    for (uint32_t i = 0; i < s->n_pending; i++) {
        const slmp_pending *p = &s->pending[i];
        if (p->frame != frame)
            continue;
        if (!(frame & SLMP_FRAME_4E) || p->serial == serial)
            return (int)i;
    }
    return -1;
}

/* Identity from a Read Type Name response: model name (16 characters,
 * space padded) and model code (2 bytes LE, or 4 hex characters). */
static void type_name_identity(const uint8_t *data, size_t len, bool ascii, otw_dir dir,
                               const otw_sink *sink)
{
    size_t need = SLMP_TYPE_NAME_LEN + (ascii ? 4 : 2);
    if (sink == NULL || sink->identity == NULL || len != need)
        return;
    otw_identity id;
    memset(&id, 0, sizeof(id));
    size_t n = SLMP_TYPE_NAME_LEN;
    while (n > 0 && (data[n - 1] == ' ' || data[n - 1] == '\0'))
        n--;
    uint32_t code = 0;
    if (ascii) {
        if (!text_num(data + SLMP_TYPE_NAME_LEN, 4, 16, &code))
            return;
    } else {
        code = (uint32_t)(data[SLMP_TYPE_NAME_LEN] | (data[SLMP_TYPE_NAME_LEN + 1] << 8));
    }
    id.protocol = OTW_PROTO_SLMP;
    id.about = dir;
    id.source = "slmp 0101";
    id.role_hint = OTW_HINT_CONTROLLER;
    set_object(id.vendor, sizeof(id.vendor), "Mitsubishi Electric");
    set_object(id.device_type, sizeof(id.device_type), "PLC");
    otw_copy_wire_string(id.model, sizeof(id.model), data, n);
    put_hex(id.product_code, sizeof(id.product_code), "0x", code, 4);
    if (id.model[0] == '\0')
        return;
    sink->identity(sink->ctx, &id);
}

/* ---------------------------------------------------------- framing */

typedef struct slmp_hdr {
    uint8_t frame;
    bool request;
    uint16_t serial;
    uint8_t network, pc, station;
    uint16_t io;
    size_t hdr_len;  /* bytes up to and including the data length field */
    size_t data_len; /* from the data length field */
} slmp_hdr;

/* Parses the header at buf. Returns 1 ok, 0 need more, -1 not SLMP. */
static int parse_header(const uint8_t *buf, size_t len, slmp_hdr *h)
{
    memset(h, 0, sizeof(*h));
    if (len < 1)
        return 0;
    uint8_t b0 = buf[0];
    bool ascii;
    if (b0 == 0x50 || b0 == 0x54 || b0 == 0xD0 || b0 == 0xD4)
        ascii = false;
    else if (b0 == '5' || b0 == 'D')
        ascii = true;
    else
        return -1;

    if (!ascii) {
        if (len < 2)
            return 0;
        if (buf[1] != 0x00)
            return -1;
        h->request = (b0 & 0x80) == 0;
        h->frame = (b0 & 0x04) ? SLMP_FRAME_4E : 0;
        h->hdr_len = h->frame ? SLMP_4E_HDR : SLMP_3E_HDR;
        if (len < h->hdr_len)
            return 0;
        otw_reader r = rd_init(buf, len);
        rd_skip(&r, 2);
        if (h->frame) {
            h->serial = rd_le16(&r);
            if (rd_le16(&r) != 0)
                return -1;
        }
        h->network = rd_u8(&r);
        h->pc = rd_u8(&r);
        h->io = rd_le16(&r);
        h->station = rd_u8(&r);
        h->data_len = rd_le16(&r);
    } else {
        if (len < 4)
            return 0;
        uint32_t sh;
        if (!text_num(buf, 4, 16, &sh) ||
            (sh != 0x5000 && sh != 0x5400 && sh != 0xD000 && sh != 0xD400))
            return -1;
        h->request = (sh & 0x8000) == 0;
        h->frame = SLMP_FRAME_ASCII | ((sh & 0x0400) ? SLMP_FRAME_4E : 0);
        h->hdr_len = (h->frame & SLMP_FRAME_4E) ? SLMP_4E_HDR_ASCII : SLMP_3E_HDR_ASCII;
        if (len < h->hdr_len)
            return 0;
        slmp_fr f = {rd_init(buf, len), true, false};
        rd_skip(&f.r, 4);
        if (h->frame & SLMP_FRAME_4E) {
            h->serial = (uint16_t)fr_num(&f, 2);
            if (fr_num(&f, 2) != 0)
                return -1;
        }
        h->network = (uint8_t)fr_num(&f, 1);
        h->pc = (uint8_t)fr_num(&f, 1);
        h->io = (uint16_t)fr_num(&f, 2);
        h->station = (uint8_t)fr_num(&f, 1);
        h->data_len = fr_num(&f, 2);
        if (!fr_ok(&f))
            return -1;
    }
    size_t min = h->request ? SLMP_REQ_MIN : SLMP_RSP_MIN;
    size_t max = SLMP_MAX_DATA;
    if (ascii) {
        min *= 2;
        max *= 2;
    }
    if (h->data_len < min || h->data_len > max)
        return -1;
    return 1;
}

long slmp_frame_len(const uint8_t *buf, size_t len)
{
    slmp_hdr h;
    if (buf == NULL)
        return OTW_FRAME_NEED_MORE;
    int rc = parse_header(buf, len, &h);
    if (rc < 0)
        return OTW_FRAME_NOT_MINE;
    if (rc == 0)
        return OTW_FRAME_NEED_MORE;
    return (long)(h.hdr_len + h.data_len);
}

/* --------------------------------------------------------------- parse */

static otw_parse_status handle_request(slmp_session *s, const slmp_hdr *h, slmp_fr *f,
                                       uint64_t ts_us, const otw_sink *sink)
{
    slmp_pending p;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts_us;
    p.serial = h->serial;
    p.pc = h->pc;
    p.frame = h->frame;
    (void)fr_num(f, 2); /* monitoring timer */
    p.command = (uint16_t)fr_num(f, 2);
    p.subcommand = (uint16_t)fr_num(f, 2);
    bool ok = fr_ok(f) && parse_request(f, &p);

    s->n_requests++;
    if (!ok) {
        p.has_address = false;
        p.address_start = p.address_count = 0;
        p.expect_len = 0;
        p.object[0] = '\0';
        malformed(s, sink);
    }
    /* 3E frames have no serial: requests of one code queue up */
    int dup = (h->frame & SLMP_FRAME_4E) ? find_pending(s, h->frame, h->serial) : -1;
    if (OTW_PENDING_PUSH(s->pending, &s->n_pending, dup, &p, unanswered, NULL, sink))
        s->n_pending_evicted++;
    return ok ? OTW_PARSE_OK : OTW_PARSE_MALFORMED;
}

static otw_parse_status handle_response(slmp_session *s, const slmp_hdr *h, slmp_fr *f, otw_dir dir,
                                        uint64_t ts_us, const otw_sink *sink)
{
    uint16_t end = (uint16_t)fr_num(f, 2);
    int idx = fr_ok(f) ? find_pending(s, h->frame, h->serial) : -1;
    slmp_pending p;
    bool known = idx >= 0;
    bool ok = fr_ok(f);
    size_t data_len = rd_left(&f->r);
    const uint8_t *data = f->r.base + f->r.off;

    s->n_responses++;
    memset(&p, 0, sizeof(p));
    p.ts_us = ts_us;
    p.serial = h->serial;
    p.pc = h->pc;
    p.frame = h->frame;
    if (known) {
        OTW_PENDING_TAKE(s->pending, &s->n_pending, (uint32_t)idx, &p);
    } else {
        s->n_unmatched_responses++;
    }
    if (ok && end != 0) {
        /* error information: network, PC, I/O, station, command, subcommand */
        (void)fr_num(f, 1);
        (void)fr_num(f, 1);
        (void)fr_num(f, 2);
        (void)fr_num(f, 1);
        uint16_t cmd = (uint16_t)fr_num(f, 2);
        uint16_t sub = (uint16_t)fr_num(f, 2);
        if (fr_ok(f) && rd_left(&f->r) == 0) {
            if (!known) {
                p.command = cmd;
                p.subcommand = sub;
                p.pc = h->pc;
                known = true; /* the error information names the command */
            } else if (cmd != p.command) {
                ok = false;
            }
        } else if (data_len != 0) {
            ok = false; /* some stations answer errors without information */
        }
    } else if (ok && known && p.expect_len != 0 && data_len != p.expect_len) {
        ok = false;
    }

    otw_outcome outcome = !ok        ? OTW_OUTCOME_ERROR
                          : end != 0 ? OTW_OUTCOME_EXCEPTION
                                     : OTW_OUTCOME_OK;
    bool request_seen = idx >= 0;
    emit_op(sink, &p, request_seen, ts_us, outcome, end, known);
    if (!ok) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    if (request_seen && end == 0 && p.command == 0x0101)
        type_name_identity(data, data_len, (h->frame & SLMP_FRAME_ASCII) != 0, dir, sink);
    return OTW_PARSE_OK;
}

otw_parse_status slmp_parse(void *session, otw_dir dir, const uint8_t *pdu, size_t len,
                            uint64_t ts_us, const otw_sink *sink)
{
    slmp_session *s = session;
    slmp_hdr h;

    if (s == NULL || pdu == NULL || parse_header(pdu, len, &h) <= 0)
        return OTW_PARSE_NOT_MINE;
    if (h.hdr_len + h.data_len != len) {
        malformed(s, sink);
        return OTW_PARSE_MALFORMED;
    }
    if (s->n_pending > SLMP_MAX_PENDING)
        s->n_pending = SLMP_MAX_PENDING; /* never trust a corrupted slot */
    slmp_fr f = {rd_init(pdu, len), (h.frame & SLMP_FRAME_ASCII) != 0, false};
    rd_skip(&f.r, h.hdr_len);
    if (h.request)
        return handle_request(s, &h, &f, ts_us, sink);
    return handle_response(s, &h, &f, dir, ts_us, sink);
}

void slmp_session_init(void *session)
{
    if (session != NULL)
        memset(session, 0, sizeof(slmp_session));
}

void slmp_expire(void *session, uint64_t ts_us, uint64_t timeout_us, const otw_sink *sink)
{
    slmp_session *s = session;

    if (s != NULL)
        OTW_PENDING_EXPIRE(s->pending, &s->n_pending, ts_us, timeout_us, unanswered, NULL, sink);
}

/* Default ports: 5000-5003 are the ports the Mitsubishi manuals and SCADA
 * drivers use for MC protocol / SLMP connections (they are set per module,
 * there is no fixed SLMP port). 5006/5007 (MELSOFT connection) belong to
 * melsoft.c. */
const otw_dissector slmp_dissector = {
    .proto = OTW_PROTO_SLMP,
    .name = "slmp",
    .tcp_ports = {5000, 5001, 5002, 5003},
    .udp_ports = {5000, 5001, 5002, 5003},
    .industrial = true,
    .session_size = sizeof(slmp_session),
    .session_init = slmp_session_init,
    .frame_len = slmp_frame_len,
    .parse = slmp_parse,
    .expire = slmp_expire,
};
