#include "dev/serial.h"
#include "arch/x86.h"
#include "lib/string.h"
#include "test/selftest.h"

/* Bytes sent in loopback mode must come back through the IRQ 4 handler. */
const char *test_serial_loopback_irq(void)
{
	static const char msg[] = "twinstep";
	char got[sizeof msg] = {0};
	uint8_t c;
	while (serial_getc(&c))
		; /* drop stale input */
	serial_set_loopback(true);
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof msg - 1; i++) {
		serial_putc(msg[i]);
		for (int spin = 0; spin < 10000000 && n <= i; spin++) {
			if (serial_getc(&c))
				got[n++] = (char)c;
			else
				cpu_relax();
		}
	}
	serial_set_loopback(false);
	if (n != sizeof msg - 1 || memcmp(got, msg, n))
		return fail("received %u bytes \"%s\"", n, got);
	return NULL;
}
