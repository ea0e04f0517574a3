/* Committed offsets of groups nobody uses any more go after
 * groups.offsets_retention_ms (Kafka's offsets.retention.minutes, KIP-211),
 * so that every console consumer's throwaway group does not stay in memory
 * and in the offsets log for ever (offsets_expiry.c). */
#ifndef BROOK_CORE_OFFSETS_EXPIRY_H
#define BROOK_CORE_OFFSETS_EXPIRY_H

struct brook_broker;

/* Look for expired offsets every groups.offsets_retention_check_ms. */
void brook_offsets_expiry_start(struct brook_broker *b);
void brook_offsets_expiry_stop(struct brook_broker *b);

#endif
