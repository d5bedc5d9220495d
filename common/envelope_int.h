/* envelope_int.h: envelope.c's msgpack pre-scan, shared with the memory blob
 * decoder (memory.c), which unpacks msgpack from Redis with the same
 * msgpack-c unpacker and the same weaknesses. */
#ifndef RECALL_ENVELOPE_INT_H
#define RECALL_ENVELOPE_INT_H

#include <stddef.h>

/* Walks one msgpack object in p[0..len) without allocating: 0 when it is
 * exactly one object that msgpack_unpack_next() can unpack without being
 * asked for more memory than the payload can honestly describe (every
 * declared element takes at least one byte of what is left) and without
 * nesting past the unpacker's stack. Otherwise RECALL_EINVAL with reason
 * "invalid_msgpack: ..." (truncated, too deep, counts over the bytes left,
 * trailing bytes). */
int recall_envelope_msgpack_check(const void *p, size_t len, char *reason,
                                  size_t reason_size);

#endif
