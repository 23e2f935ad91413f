/*
 * The side-by-side benchmark's workloads: ordinary gcc -O2 code, the same
 * bytes for every engine. run(n) runs workload n and returns a checksum of
 * its result, so engines that finish with different answers are caught.
 * The inputs come from a xorshift generator, not from files.
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/sha256.h"

uint32_t cpu_loop(uint64_t iterations);

#define SHA_BYTES (1u << 20)
#define CRC_BYTES (4u << 20)
#define SORT_INTS (256u << 10)

static uint8_t data[CRC_BYTES];
static int32_t ints[SORT_INTS];

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void fill(uint8_t *p, size_t n)
{
	uint64_t s = 0x2545f4914f6cdd1d;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = xorshift(&s);
		for (int j = 0; j < 8; j++)
			p[i + j] = (uint8_t)(v >> (8 * j));
	}
}

static uint32_t sha(void)
{
	uint8_t d[SHA256_DIGEST];
	fill(data, SHA_BYTES);
	sha256(data, SHA_BYTES, d);
	return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}

/* CRC-32 (IEEE 802.3, reflected), one byte and one table lookup at a time. */
static uint32_t crc(void)
{
	static uint32_t table[256];
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320 ^ c >> 1 : c >> 1;
		table[i] = c;
	}
	fill(data, CRC_BYTES);
	uint32_t c = 0xffffffff;
	for (size_t i = 0; i < CRC_BYTES; i++)
		c = table[(c ^ data[i]) & 0xff] ^ c >> 8;
	return ~c;
}

static void quicksort(int32_t *a, long lo, long hi)
{
	while (lo < hi) {
		int32_t p = a[lo + (hi - lo) / 2];
		long i = lo, j = hi;
		while (i <= j) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i <= j) {
				int32_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		/* Recurse into the smaller side: the stack stays shallow. */
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
}

static uint32_t sort(void)
{
	uint64_t s = 0x9e3779b97f4a7c15;
	for (size_t i = 0; i < SORT_INTS; i++)
		ints[i] = (int32_t)xorshift(&s);
	quicksort(ints, 0, SORT_INTS - 1);
	uint32_t h = 0;
	for (size_t i = 0; i < SORT_INTS; i++) {
		if (i > 0 && ints[i - 1] > ints[i])
			return 0; /* not sorted: a wrong answer */
		h = h * 31 + (uint32_t)ints[i];
	}
	return h | 1;
}

uint32_t run(int n)
{
	switch (n) {
	case 1:
		return cpu_loop(20000000);
	case 2:
		return sha();
	case 3:
		return crc();
	case 4:
		return sort();
	}
	return 0; /* 0: nothing, for the start-up cost */
}
