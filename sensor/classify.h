/* classify.h - general traffic classification with nDPI.
 *
 * nDPI sees the first packets of every flow until it decides or reaches
 * flows.ndpi_max_packets, then its per-flow state goes back to a fixed pool
 * (flows.ndpi_memory_mb). A flow that finds the pool empty is not
 * classified (counted). nDPI is the authority for general traffic only:
 * our own dissectors decide industrial protocols. */
#ifndef OTW_CLASSIFY_H
#define OTW_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "flow.h"

typedef struct otw_classifier otw_classifier;

typedef struct otw_classify_stats {
    uint64_t classified, given_up, pool_exhausted, pool_slots;
} otw_classify_stats;

otw_classifier *otw_classifier_new(uint32_t memory_mb, uint32_t max_packets, char *err,
                                   size_t errsz);
void otw_classifier_free(otw_classifier *c);

/* Feeds one packet of an undecided flow. Returns true when the flow's
 * classification became final with this packet (f->ndpi_done set,
 * ndpi_master/app/category/risk filled, state released). */
bool otw_classify_packet(otw_classifier *c, otw_flow *f, const otw_packet *p);
/* Ends classification now (flow end): nDPI's best guess is kept. */
void otw_classify_finish(otw_classifier *c, otw_flow *f);

/* The nDPI id that names the flow: the application protocol if any, else
 * the master protocol; 0 = unknown. */
uint16_t otw_classify_proto(const otw_flow *f);
const char *otw_classify_proto_name(otw_classifier *c, uint16_t ndpi_id);
const char *otw_classify_category_name(otw_classifier *c, uint16_t category);
void otw_classify_get_stats(const otw_classifier *c, otw_classify_stats *out);

#endif
