#include "mm/pmm.h"
#include "mm/vmm.h"
#include "test/selftest.h"

const char *test_pmm(void)
{
	size_t before = pmm_free_count();
	uint64_t a = pmm_alloc(), b = pmm_alloc(), c = pmm_alloc_contig(4);
	if (!a || !b || !c || a == b)
		return fail("allocation failed: %lx %lx %lx", a, b, c);
	if ((a | b | c) % PAGE_SIZE)
		return fail("unaligned frame");
	if (a < 0x100000 || (c + 4 * PAGE_SIZE > b && c < b + PAGE_SIZE) || (c + 4 * PAGE_SIZE > a && c < a + PAGE_SIZE))
		return fail("frames overlap or lie in low memory");
	if (pmm_free_count() != before - 6)
		return fail("free count %lu, want %lu", (uint64_t)pmm_free_count(), (uint64_t)before - 6);
	/* The frames are real memory: write through the direct map. */
	*(volatile uint64_t *)phys_to_virt(c + 3 * PAGE_SIZE) = 0x1234;
	pmm_free(b);
	pmm_free(a);
	pmm_free_contig(c, 4);
	if (pmm_free_count() != before)
		return fail("free count not restored");
	/* Lowest-first: the same frame comes back. */
	uint64_t again = pmm_alloc();
	pmm_free(again);
	if (again != a)
		return fail("reallocation gave %lx, want %lx", again, a);
	return NULL;
}
