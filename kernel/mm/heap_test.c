#include "mm/heap.h"
#include "lib/string.h"
#include "mm/pmm.h"
#include "test/selftest.h"

const char *test_heap(void)
{
	static const size_t sizes[] = {1, 16, 17, 100, 500, 2000, 5000, 20000};
	void *p[8];
	size_t before = pmm_free_count();
	for (int i = 0; i < 8; i++) {
		p[i] = kmalloc(sizes[i]);
		if (!p[i] || (uintptr_t)p[i] % 16)
			return fail("kmalloc(%lu) gave %p", (uint64_t)sizes[i], p[i]);
		memset(p[i], i + 1, sizes[i]);
	}
	for (int i = 0; i < 8; i++)
		for (size_t j = 0; j < sizes[i]; j++)
			if (((unsigned char *)p[i])[j] != i + 1)
				return fail("block %d overwritten at %lu", i, (uint64_t)j);
	for (int i = 0; i < 8; i++)
		kfree(p[i]);
	/* A freed small block is reused first. */
	void *a = kmalloc(100);
	kfree(a);
	void *b = kmalloc(100);
	kfree(b);
	if (a != b)
		return fail("freed block not reused");
	char *z = kzalloc(3000);
	for (int i = 0; i < 3000; i++)
		if (z[i])
			return fail("kzalloc memory not zero");
	kfree(z);
	/* Large blocks return their pages; small classes may keep theirs. */
	if (pmm_free_count() + 8 < before)
		return fail("heap leaked %lu pages", (uint64_t)(before - pmm_free_count()));
	return NULL;
}
