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

/* Issue 11 item 2: user allocations stop at the kernel's reserve (the
 * kernel can still allocate). */
const char *test_pmm_reserve(void)
{
	uint64_t head = 0, n = 0;
	for (uint64_t f; (f = pmm_alloc_user()); n++) {
		*(uint64_t *)phys_to_virt(f) = head; /* a list through the frames */
		head = f;
	}
	const char *why = NULL;
	if (pmm_user_ok(1) || !pmm_free_count())
		why = fail("%lu user frames taken, %lu free: no reserve", n, (uint64_t)pmm_free_count());
	uint64_t k = pmm_alloc();
	if (!why && !k)
		why = fail("the kernel cannot allocate from its reserve");
	if (k)
		pmm_free(k);
	while (head) {
		uint64_t next = *(uint64_t *)phys_to_virt(head);
		pmm_free(head);
		head = next;
	}
	return why;
}
