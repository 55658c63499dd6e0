/* oui.c - IEEE registry (MA-L/MA-M/MA-S/IAB) vendor lookup, see oui.h.
 *
 * Input: the CSV files of Debian's ieee-data package (RFC 4180 style:
 * "Registry,Assignment,Organization Name,Organization Address", quoted fields
 * may hold commas, doubled quotes and line breaks; CRLF line ends). The
 * assignment's length says the block size: 6 hex digits = 24-bit MA-L,
 * 7 = 28-bit MA-M, 9 = 36-bit MA-S/IAB. Each size is one array sorted by
 * prefix; a lookup is at most three binary searches. When a prefix appears
 * twice (a few historic MA-L duplicates), the first line of the file wins.
 * Loading all four files (~46k entries) takes about 15 ms.
 */
#include "oui.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grow.h"
#include "hex.h"

#define MAX_FILE_SIZE (64u << 20) /* the real files are a few MB */
#define NAME_MAX_LEN 255

typedef struct entry {
    uint64_t key;  /* prefix value, bits wide */
    uint32_t name; /* offset in names */
    uint32_t seq;  /* load order, for "first wins" */
} entry;

typedef struct table {
    entry *e;
    size_t n, cap;
} table;

enum { T36, T28, T24, NTAB };
static const unsigned tab_bits[NTAB] = {36, 28, 24};

struct otw_oui {
    table t[NTAB];
    char *names;
    size_t names_len, names_cap;
    uint32_t seq;
};

/* One CSV field from *pp, unquoted into out (cut at outsz - 1). Sets *eor at
 * the end of a record. Returns false at the end of the input. */
static bool csv_field(const char **pp, const char *end, char *out, size_t outsz, bool *eor)
{
    const char *p = *pp;
    size_t n = 0;
    *eor = false;
    if (p >= end)
        return false;
    if (*p == '"') {
        p++;
        while (p < end) {
            if (*p == '"') {
                if (p + 1 < end && p[1] == '"') {
                    p++; /* doubled quote */
                } else {
                    p++;
                    break;
                }
            }
            if (n + 1 < outsz)
                out[n++] = *p;
            p++;
        }
        /* Anything between the closing quote and the separator is kept. */
    }
    while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
        if (n + 1 < outsz)
            out[n++] = *p;
        p++;
    }
    if (p >= end) {
        *eor = true;
    } else if (*p == ',') {
        p++;
    } else {
        *eor = true;
        if (*p == '\r' && p + 1 < end && p[1] == '\n')
            p++;
        p++;
    }
    if (outsz)
        out[n] = '\0';
    *pp = p;
    return true;
}

static int add_entry(otw_oui *o, const char *assign, const char *name)
{
    size_t len = strlen(assign);
    int t;
    uint64_t key = 0;

    switch (len) {
    case 9:
        t = T36;
        break;
    case 7:
        t = T28;
        break;
    case 6:
        t = T24;
        break;
    default:
        return 0; /* header or malformed line: skipped */
    }
    for (size_t i = 0; i < len; i++) {
        int v = otw_hex_value(assign[i]);
        if (v < 0)
            return 0;
        key = key << 4 | (uint64_t)v;
    }
    /* Trim surrounding blanks; the files pad some names, and some end in
     * the comma that once led to their address ("Siemens AG,"). */
    while (*name == ' ' || *name == '\t')
        name++;
    size_t nlen = strlen(name);
    while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t' || name[nlen - 1] == ','))
        nlen--;
    if (nlen == 0)
        return 0;

    table *tb = &o->t[t];
    entry *e = otw_grow(tb->e, tb->n, &tb->cap, sizeof(*e), 4096);
    if (e == NULL)
        return -1;
    tb->e = e;
    if (o->names_cap - o->names_len < nlen + 1) {
        size_t cap = o->names_cap ? o->names_cap * 2 : 1u << 20;
        while (cap - o->names_len < nlen + 1)
            cap *= 2;
        if (cap > UINT32_MAX)
            return -1;
        char *nn = realloc(o->names, cap);
        if (nn == NULL)
            return -1;
        o->names = nn;
        o->names_cap = cap;
    }
    memcpy(o->names + o->names_len, name, nlen);
    o->names[o->names_len + nlen] = '\0';
    tb->e[tb->n++] = (entry){.key = key, .name = (uint32_t)o->names_len, .seq = o->seq++};
    o->names_len += nlen + 1;
    return 0;
}

/* Returns 0, or -1 with errno set (ENOMEM, or the open/read error). */
static int load_file(otw_oui *o, const char *path)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    int e = 0;
    if (fstat(fileno(f), &st) < 0)
        e = errno;
    else if (!S_ISREG(st.st_mode))
        e = EISDIR;
    else if (st.st_size < 0 || (uint64_t)st.st_size > MAX_FILE_SIZE)
        e = EFBIG;
    if (e) {
        fclose(f);
        errno = e;
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size ? size : 1);
    if (buf == NULL) {
        fclose(f);
        errno = ENOMEM;
        return -1;
    }
    size = fread(buf, 1, size, f);
    int rerr = ferror(f) ? EIO : 0;
    fclose(f);
    if (rerr) {
        free(buf);
        errno = rerr;
        return -1;
    }

    const char *p = buf, *end = buf + size;
    char assign[16], name[NAME_MAX_LEN + 1], junk[8];
    bool eor;
    while (p < end) {
        /* Registry, Assignment, Organization Name, then skip the rest. */
        int field = 0;
        assign[0] = name[0] = '\0';
        do {
            char *dst = field == 1 ? assign : field == 2 ? name : junk;
            size_t dsz = field == 1 ? sizeof(assign) : field == 2 ? sizeof(name) : sizeof(junk);
            if (!csv_field(&p, end, dst, dsz, &eor))
                break;
            field++;
        } while (!eor);
        if (field >= 3 && add_entry(o, assign, name) < 0) {
            free(buf);
            errno = ENOMEM;
            return -1;
        }
    }
    free(buf);
    return 0;
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void sort_dedupe(table *tb)
{
    size_t out = 0;
    if (tb->n == 0)
        return;
    qsort(tb->e, tb->n, sizeof(entry), cmp_entry);
    for (size_t i = 0; i < tb->n; i++) {
        if (out == 0 || tb->e[out - 1].key != tb->e[i].key)
            tb->e[out++] = tb->e[i];
    }
    tb->n = out;
}

otw_oui *otw_oui_load(const char *dir, char *err, size_t errsz)
{
    static const char *const files[] = {"oui.csv", "mam.csv", "oui36.csv", "iab.csv"};
    char path[4096], dummy[1];
    if (err == NULL || errsz == 0) {
        err = dummy;
        errsz = sizeof(dummy);
    }
    err[0] = '\0';
    otw_oui *o = calloc(1, sizeof(*o));
    if (o == NULL) {
        snprintf(err, errsz, "oui: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (load_file(o, path) == 0)
            continue;
        /* Only oui.csv is required; the finer registries are a bonus. */
        if (i == 0 || errno == ENOMEM) {
            snprintf(err, errsz, "oui: cannot load %s: %s", path, strerror(errno));
            otw_oui_free(o);
            return NULL;
        }
    }
    if (o->t[T24].n == 0) {
        snprintf(err, errsz, "oui: no entries in %s/oui.csv", dir);
        otw_oui_free(o);
        return NULL;
    }
    for (int t = 0; t < NTAB; t++)
        sort_dedupe(&o->t[t]);
    return o;
}

static const entry *search(const table *tb, uint64_t key)
{
    size_t lo = 0, hi = tb->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tb->e[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < tb->n && tb->e[lo].key == key ? &tb->e[lo] : NULL;
}

const char *otw_oui_lookup(const otw_oui *o, const uint8_t mac[6])
{
    if (o == NULL || (mac[0] & 0x03) != 0)
        return NULL; /* I/G bit: multicast/broadcast; U/L bit: locally administered */
    uint64_t k36 = (uint64_t)mac[0] << 28 | (uint64_t)mac[1] << 20 | (uint64_t)mac[2] << 12 |
                   (uint64_t)mac[3] << 4 | (uint64_t)(mac[4] >> 4);
    for (int t = 0; t < NTAB; t++) {
        const entry *e = search(&o->t[t], k36 >> (36 - tab_bits[t]));
        if (e)
            return o->names + e->name;
    }
    return NULL;
}

size_t otw_oui_count(const otw_oui *o)
{
    return o ? o->t[T36].n + o->t[T28].n + o->t[T24].n : 0;
}

void otw_oui_free(otw_oui *o)
{
    if (o == NULL)
        return;
    for (int t = 0; t < NTAB; t++)
        free(o->t[t].e);
    free(o->names);
    free(o);
}
