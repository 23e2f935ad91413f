#include "dev/ps2.h"
#include "arch/x86.h"
#include "test/selftest.h"

/* The self-test answer, then a scan code looped through the controller arrives via IRQ 1. */
const char *test_ps2(void)
{
	if (ps2_selftest_result != 0x55)
		return fail("controller self-test answered %d, want 0x55", ps2_selftest_result);
	uint8_t c;
	while (ps2_getc(&c))
		; /* drop stale input */
	ps2_inject(0x1e);
	bool got = false;
	for (int i = 0; i < 10000000 && !(got = ps2_getc(&c)); i++)
		cpu_relax();
	if (!got)
		return fail("no byte through IRQ 1 after command 0xD2");
	if (c != 0x1e)
		return fail("IRQ 1 delivered %x, want 1e", c);
	return NULL;
}
