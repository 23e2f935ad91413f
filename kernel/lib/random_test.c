#include "lib/random.h"
#include "test/selftest.h"

/* Successive values differ: each hashes the seed with the next count. */
const char *test_random(void)
{
	uint64_t v[8];
	for (int i = 0; i < 8; i++) {
		v[i] = random_u64();
		for (int j = 0; j < i; j++)
			if (v[i] == v[j])
				return fail("value %d repeats value %d: %lx", i, j, v[i]);
	}
	return NULL;
}
