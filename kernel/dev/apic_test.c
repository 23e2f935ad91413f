#include "dev/apic.h"
#include "arch/x86.h"
#include "test/selftest.h"

/* Waits with HLT: the next interrupt (at worst the timer) wakes the CPU. */
const char *test_lapic_timer(void)
{
	uint64_t start = timer_ticks;
	for (int i = 0; i < 100000 && timer_ticks < start + 5; i++)
		asm volatile("sti; hlt" ::: "memory");
	if (timer_ticks < start + 5)
		return fail("%lu timer ticks, want 5", timer_ticks - start);
	return NULL;
}
