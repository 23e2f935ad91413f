#include "dev/console.h"
#include "arch/x86.h"
#include "dev/ps2.h"
#include "dev/serial.h"
#include "lib/string.h"
#include "sched/thread.h"
#include "test/selftest.h"

static const uint32_t cooked = NT_CONSOLE_LINE_INPUT | NT_CONSOLE_ECHO_INPUT | NT_CONSOLE_PROCESSED_INPUT;

/* Reads once and compares with want (NUL-terminated). */
static const char *expect_read(uint64_t len, const char *want)
{
	char got[64] = {0};
	uint64_t done = 0;
	if (console_pending() == 0)
		return fail("nothing to read where \"%s\" was expected", want);
	nt_status st = console_read(got, len < sizeof got - 1 ? len : sizeof got - 1, &done);
	if (st || done != strlen(want) || memcmp(got, want, done)) {
		for (uint64_t i = 0; i < done; i++)
			if (got[i] < 0x20)
				got[i] = '.'; /* keep the report on one line */
		return fail("read %lu bytes \"%s\" (status %x), want %lu", done, got, st, (uint64_t)strlen(want));
	}
	return NULL;
}

/* Line mode: echo, Backspace (a whole UTF-8 character), CR LF as one end
 * of line, the line delivered with "\r\n", in pieces to a short buffer. */
const char *test_console_line(void)
{
	static const uint8_t typed[] = "ab\x7f" "c\r\n" "\xc3\xa9\b" "xyz\n" "\x1b[Aq\r" "zz\x03";
	char echo[64] = {0};
	size_t echo_len;
	const char *why = NULL;
	console_set_mode(cooked);
	console_flush_input();
	console_capture(echo, sizeof echo - 1, &echo_len);
	console_input(typed, sizeof typed - 1);
	console_capture(NULL, 0, NULL);
	static const char want_echo[] = "ab\b \bc\r\n\xc3\xa9\b \bxyz\r\nq\r\nzz^C\r\n";
	if (echo_len != sizeof want_echo - 1 || memcmp(echo, want_echo, echo_len))
		why = fail("echo of %lu bytes differs", (uint64_t)echo_len);
	if (!why)
		why = expect_read(64, "ac\r\n");
	if (!why)
		why = expect_read(2, "xy");
	if (!why)
		why = expect_read(64, "z\r\n");
	if (!why)
		why = expect_read(64, "q\r\n");
	if (!why)
		why = expect_read(64, "\r\n"); /* Ctrl+C */
	if (!why && console_pending())
		why = fail("%lu bytes left over", (uint64_t)console_pending());
	/* Without echo nothing is written; a half line is not readable. */
	console_set_mode(NT_CONSOLE_LINE_INPUT);
	console_capture(echo, sizeof echo - 1, &echo_len);
	console_input((const uint8_t *)"no", 2);
	console_capture(NULL, 0, NULL);
	if (!why && (echo_len || console_pending()))
		why = fail("echo %lu bytes or a half line readable (%lu)", (uint64_t)echo_len,
			   (uint64_t)console_pending());
	console_flush_input();
	console_set_mode(cooked);
	return why;
}

/* Raw mode takes bytes as they come from the UART's receive interrupt. */
const char *test_console_raw_uart(void)
{
	uint8_t c;
	while (serial_getc(&c))
		;
	console_flush_input();
	console_set_mode(0);
	serial_set_loopback(true);
	serial_putc_raw('o');
	serial_putc_raw('\r');
	serial_putc_raw('k');
	for (int i = 0; i < 10000000 && console_pending() < 3; i++)
		cpu_relax();
	serial_set_loopback(false);
	const char *why = expect_read(64, "o\rk");
	console_flush_input();
	console_set_mode(cooked);
	return why;
}

/* Scan codes through the controller (command 0xD2 and IRQ 1), in the set
 * the controller delivers: set 1 when it translates, else set 2. */
const char *test_console_ps2(void)
{
	static const uint8_t set1[] = {0x2A, 0x23, 0xAA, 0x17, 0x97, 0x3A, 0xBA, 0x1F, 0x9F, 0x3A, 0x0E, 0x1C, 0x9C};
	static const uint8_t set2[] = {0x12, 0x33, 0xF0, 0x33, 0xF0, 0x12, 0x43, 0xF0, 0x43, 0x58,
				       0xF0, 0x58, 0x1B, 0xF0, 0x1B, 0x58, 0x66, 0x5A, 0xF0, 0x5A};
	bool s2 = !ps2_translating();
	const uint8_t *codes = s2 ? set2 : set1;
	size_t n = s2 ? sizeof set2 : sizeof set1;
	char echo[64] = {0};
	size_t echo_len;
	uint8_t c;
	while (ps2_getc(&c))
		;
	console_flush_input();
	console_set_mode(cooked);
	console_capture(echo, sizeof echo - 1, &echo_len);
	const char *why = NULL;
	for (size_t i = 0; i < n && !why; i++) {
		ps2_inject(codes[i]);
		bool got = false;
		for (int spin = 0; spin < 10000000 && !(got = ps2_getc(&c)); spin++)
			cpu_relax();
		if (!got)
			why = fail("scan code %x did not come back through IRQ 1", codes[i]);
		else
			console_scancode(c, s2);
	}
	console_capture(NULL, 0, NULL);
	/* "H" (shift), "i", caps lock on, "S", caps lock off, Backspace, Enter. */
	if (!why && (echo_len != 8 || memcmp(echo, "HiS\b \b\r\n", 8)))
		why = fail("echo of %lu bytes differs", (uint64_t)echo_len);
	if (!why)
		why = expect_read(64, "Hi\r\n");
	console_flush_input();
	return why;
}

static void rts_reader(void *arg)
{
	char b[8];
	uint64_t n;
	console_read(b, sizeof b, &n);
	*(volatile bool *)arg = true;
}

static bool rts(void) { return inb(COM1 + 4) & 2; }

/* Issue 11 item 6: RTS (MCR bit 1) is on exactly while a reader is blocked
 * waiting for console input, so a sender knows input is wanted. */
const char *test_console_rts(void)
{
	console_set_mode(cooked);
	console_flush_input();
	if (rts())
		return fail("RTS on with no reader");
	volatile bool done = false;
	struct thread *t = thread_create("reader", rts_reader, (void *)&done);
	if (!t)
		return fail("out of memory");
	for (int i = 0; i < 1000 && !rts(); i++)
		thread_yield();
	bool on = rts();
	char echo[8];
	size_t echo_len;
	console_capture(echo, sizeof echo, &echo_len);
	console_input((const uint8_t *)"x\r", 2);
	thread_join(t);
	console_capture(NULL, 0, NULL);
	if (!on)
		return fail("RTS off while a reader waits");
	if (!done || rts())
		return fail("RTS still on after the read (done %d)", done);
	return NULL;
}
