/* protonames.c - see protonames.h. */
#include "protonames.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "facts.h"

/* Lower-case letters and digits only: "Modbus/TCP" -> "modbustcp". */
static void fold(const char *s, char *out, size_t outsz)
{
    size_t n = 0;
    for (; *s && n + 1 < outsz; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[n++] = c;
    }
    out[n] = '\0';
}

/* Levenshtein distance of two short strings (cut at 31 characters). */
static int distance(const char *a, const char *b)
{
    int la = (int)strnlen(a, 31), lb = (int)strnlen(b, 31);
    int row[32];
    for (int j = 0; j <= lb; j++)
        row[j] = j;
    for (int i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

typedef struct match {
    const char *want; /* as written */
    char want_folded[32];
    bool known;
    const char *best;
    int best_score;
} match;

static void consider(match *m, const char *name)
{
    if (!name || !name[0] || strcasecmp(name, "Unknown") == 0)
        return;
    if (strcasecmp(m->want, name) == 0) {
        m->known = true;
        return;
    }
    char f[32];
    fold(name, f, sizeof(f));
    if (!f[0])
        return;
    /* The same letters ("Modbus/TCP" and "modbus-tcp" are one spelling), a
     * known name inside the one written ("modbustcp" holds "modbus"), or a
     * few typing errors. */
    int score;
    size_t lw = strlen(m->want_folded), lf = strlen(f);
    if (strcmp(f, m->want_folded) == 0)
        score = 0;
    else if (lf >= 3 && 2 * lf >= lw && strstr(m->want_folded, f))
        score = 1 + (int)(lw - lf) / 4;
    else if (lw >= 2 && 3 * lw >= lf && strncmp(f, m->want_folded, lw) == 0) /* "s7": s7comm */
        score = 1 + (int)(lf - lw) / 4;
    else
        score = 2 + distance(m->want_folded, f);
    if (score < m->best_score) {
        m->best_score = score;
        m->best = name;
    }
}

/* What plants call a protocol, where the sensor's name differs. */
static const char *const aliases[][2] = {
    {"melsec", "slmp"},
    {"mcprotocol", "slmp"},
    {"cclink", "slmp"},
    {"gxworks", "melsoft"},
    {"cip", "enip"},
    {"ethernetip", "enip"},
    {"profinet", "profinet_dcp"},
    {"iec608705104", "iec104"},
    {"omron", "fins"},
    {"step7", "s7comm"},
    {"siemens", "s7comm"},
    {"hart", "hartip"},
    {"netbios", "nbns"},
};

int otw_check_protocol_names(const otw_config *cfg, otw_classifier *cl, char *err, size_t errsz)
{
    uint32_t n_ndpi = cl ? otw_classify_n_protos(cl) : 0;
    for (int c = 0; c < cfg->n_conduits; c++) {
        const otw_conduit_cfg *cd = &cfg->conduits[c];
        for (int i = 0; i < cd->n_protocols; i++) {
            match m = {.want = cd->protocols[i], .best_score = 1 << 30};
            fold(m.want, m.want_folded, sizeof(m.want_folded));
            for (int p = 1; p < OTW_PROTO__COUNT && !m.known; p++)
                consider(&m, otw_proto_name((otw_proto)p));
            for (uint32_t id = 1; id < n_ndpi && !m.known; id++)
                consider(&m, otw_classify_proto_name(cl, (uint16_t)id));
            if (m.known)
                continue;
            for (size_t a = 0; a < sizeof(aliases) / sizeof(aliases[0]); a++)
                if (strcmp(m.want_folded, aliases[a][0]) == 0) {
                    m.best = aliases[a][1];
                    m.best_score = 0;
                }
            bool suggest = m.best && m.best_score <= 2 + (int)strlen(m.want_folded) / 3;
            snprintf(err, errsz,
                     "conduit %s: unknown protocol \"%s\"%s%s%s (names as `otwatch assets` "
                     "shows them: modbus, s7comm, enip, SSH, RDP, HTTP...)",
                     cd->name, m.want, suggest ? "; did you mean \"" : "", suggest ? m.best : "",
                     suggest ? "\"?" : "");
            return -1;
        }
    }
    return 0;
}
