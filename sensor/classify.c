/* classify.c - nDPI 4.2 glue; see classify.h. */
#include "classify.h"

#include <ndpi/ndpi_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct otw_classifier {
    struct ndpi_detection_module_struct *ndpi;
    uint8_t *slots;           /* pool of nDPI flow states */
    size_t slot_size;
    uint32_t n_slots;
    uint32_t *free_list;
    uint32_t n_free;
    uint32_t max_packets;
    otw_classify_stats stats;
};

otw_classifier *otw_classifier_new(uint32_t memory_mb, uint32_t max_packets, char *err,
                                   size_t errsz)
{
    otw_classifier *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!c->ndpi) {
        snprintf(err, errsz, "nDPI initialisation failed");
        free(c);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
    ndpi_finalize_initialization(c->ndpi);
    c->slot_size = (ndpi_detection_get_sizeof_ndpi_flow_struct() + 15u) & ~(size_t)15u;
    size_t n = ((size_t)memory_mb << 20) / (c->slot_size + sizeof(uint32_t));
    if (n < 16)
        n = 16;
    if (n > UINT32_MAX - 1)
        n = UINT32_MAX - 1;
    c->n_slots = (uint32_t)n;
    c->slots = calloc(n, c->slot_size);
    c->free_list = malloc(n * sizeof(uint32_t));
    if (!c->slots || !c->free_list) {
        snprintf(err, errsz, "cannot allocate %u MB for nDPI flow states", memory_mb);
        otw_classifier_free(c);
        return NULL;
    }
    for (uint32_t i = 0; i < c->n_slots; i++)
        c->free_list[i] = c->n_slots - 1 - i;
    c->n_free = c->n_slots;
    c->max_packets = max_packets ? max_packets : 1;
    c->stats.pool_slots = c->n_slots;
    return c;
}

void otw_classifier_free(otw_classifier *c)
{
    if (!c)
        return;
    if (c->ndpi)
        ndpi_exit_detection_module(c->ndpi);
    free(c->slots);
    free(c->free_list);
    free(c);
}

static void release(otw_classifier *c, otw_flow *f)
{
    struct ndpi_flow_struct *nf = f->ndpi;
    if (!nf)
        return;
    f->ndpi_risk = nf->risk;
    ndpi_free_flow_data(nf);
    uint32_t idx = (uint32_t)(((uint8_t *)nf - c->slots) / c->slot_size);
    c->free_list[c->n_free++] = idx;
    f->ndpi = NULL;
}

static void record(otw_flow *f, ndpi_protocol proto)
{
    f->ndpi_master = proto.master_protocol;
    f->ndpi_app = proto.app_protocol;
    f->ndpi_category = (uint16_t)proto.category;
}

bool otw_classify_packet(otw_classifier *c, otw_flow *f, const otw_packet *p)
{
    if (f->ndpi_done)
        return false;
    if (!f->ndpi) {
        if (c->n_free == 0) {
            c->stats.pool_exhausted++;
            f->ndpi_done = true;
            return true;
        }
        uint32_t idx = c->free_list[--c->n_free];
        f->ndpi = c->slots + (size_t)idx * c->slot_size;
        memset(f->ndpi, 0, c->slot_size);
    }
    if (!p->l3_start || p->l3_len == 0)
        return false;
    uint16_t len = p->l3_len > 65535 ? 65535 : (uint16_t)p->l3_len;
    ndpi_protocol proto =
        ndpi_detection_process_packet(c->ndpi, f->ndpi, p->l3_start, len, p->ts_us / 1000);
    f->ndpi_packets++;
    if (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
        proto.master_protocol != NDPI_PROTOCOL_UNKNOWN) {
        record(f, proto);
        c->stats.classified++;
        f->ndpi_done = true;
        release(c, f);
        return true;
    }
    if (f->ndpi_packets >= c->max_packets) {
        otw_classify_finish(c, f);
        return true;
    }
    return false;
}

void otw_classify_finish(otw_classifier *c, otw_flow *f)
{
    if (f->ndpi_done && !f->ndpi)
        return;
    if (f->ndpi) {
        uint8_t guessed = 0;
        ndpi_protocol proto = ndpi_detection_giveup(c->ndpi, f->ndpi, 1, &guessed);
        record(f, proto);
        c->stats.given_up++;
        release(c, f);
    }
    f->ndpi_done = true;
}

uint16_t otw_classify_proto(const otw_flow *f)
{
    return f->ndpi_app != NDPI_PROTOCOL_UNKNOWN ? f->ndpi_app : f->ndpi_master;
}

const char *otw_classify_proto_name(otw_classifier *c, uint16_t ndpi_id)
{
    const char *n = ndpi_get_proto_name(c->ndpi, ndpi_id);
    return n ? n : "Unknown";
}

const char *otw_classify_category_name(otw_classifier *c, uint16_t category)
{
    const char *n = ndpi_category_get_name(c->ndpi, (ndpi_protocol_category_t)category);
    return n ? n : "Unspecified";
}

void otw_classify_get_stats(const otw_classifier *c, otw_classify_stats *out)
{
    *out = c->stats;
}
