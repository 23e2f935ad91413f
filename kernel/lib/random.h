/* The kernel's random numbers: SHA-256 over a per-boot seed and a counter. */
#ifndef LIB_RANDOM_H
#define LIB_RANDOM_H

#include <stdint.h>

/* Derives the seed from boot entropy; once, after the initrd is mapped. */
void random_init(void);
/* The next 64 random bits (any context: interrupts are held off briefly). */
uint64_t random_u64(void);

#endif
