/* SHA-256 (FIPS 180-4), for the boot's random seed (lib/random.h). */
#ifndef LIB_SHA256_H
#define LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST 32
#define SHA256_BLOCK 64

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[SHA256_BLOCK];
	size_t fill; /* bytes waiting in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* Pads, stores the digest (big-endian, as FIPS 180-4 writes it) and wipes s. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST]);
/* The digest of one buffer. */
void sha256(const void *data, size_t n, uint8_t out[SHA256_DIGEST]);

#endif
