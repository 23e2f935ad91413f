/*
 * The console object and its line discipline. Input is pulled from the
 * UART and PS/2 rings by whoever reads (no thread of its own), so typed
 * characters are echoed when a reader takes them, as a Windows console
 * does in a cooked read. All state is touched with interrupts off: the
 * sections are short and the machine has one CPU.
 */
#include "dev/console.h"
#include "arch/x86.h"
#include "dev/ps2.h"
#include "dev/serial.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "nt/process.h"
#include "nt/syscall.h"

static nt_status object_read(struct nt_object *o, void *buf, uint64_t len, uint64_t *done)
{
	(void)o;
	return console_read(buf, len, done);
}

static nt_status object_write(struct nt_object *o, const void *buf, uint64_t len, uint64_t *done)
{
	(void)o;
	return console_write(buf, len, done);
}

static const struct nt_object_type console_type = {
	.name = "Console",
	.read = object_read,
	.write = object_write,
};

/* One reference held forever: the console is never destroyed. */
static struct nt_object console = {.type = &console_type, .refs = 1};

struct nt_object *console_object(void) { return &console; }
bool console_is(const struct nt_object *o) { return o && o->type == &console_type; }

static uint32_t mode = NT_CONSOLE_LINE_INPUT | NT_CONSOLE_ECHO_INPUT | NT_CONSOLE_PROCESSED_INPUT;
uint32_t console_get_mode(void) { return mode; }
void console_set_mode(uint32_t m) { mode = m; }

/* ---- output ---- */

static char *cap_buf;
static size_t cap_size, *cap_len;

static void out(const char *s, size_t n)
{
	if (cap_buf) {
		for (size_t i = 0; i < n && *cap_len < cap_size; i++)
			cap_buf[(*cap_len)++] = s[i];
		return;
	}
	for (size_t i = 0; i < n; i++)
		serial_putc_raw((uint8_t)s[i]);
}

void console_capture(char *buf, size_t cap, size_t *len)
{
	uint64_t f = irq_save();
	cap_buf = buf;
	cap_size = cap;
	cap_len = len;
	if (len)
		*len = 0;
	irq_restore(f);
}

/* The previous byte written was CR: its LF needs no CR of its own. */
static bool wrote_cr;

/* Like a Windows console's default processed output, a lone LF starts the
 * next line at its first column: it goes out as CR LF, so the serial
 * terminal does not staircase (cmd.exe ends some lines with LF alone). */
nt_status console_write(const void *buf, uint64_t len, uint64_t *done)
{
	const char *p = buf;
	uint64_t start = 0;
	for (uint64_t i = 0; i < len; i++) {
		if (p[i] == '\n' && !(i > 0 ? p[i - 1] == '\r' : wrote_cr)) {
			out(p + start, i - start);
			out("\r", 1);
			start = i;
		}
	}
	out(p + start, len - start);
	if (len > 0)
		wrote_cr = p[len - 1] == '\r';
	*done = len;
	return NT_STATUS_SUCCESS;
}

/* ---- input ---- */

#define CTRL_C 0x03

/* Ctrl+C as it arrives: the console control event for the processes
 * attached (nt/process.h), unless processed input is off (then it is a
 * plain byte). A reader in line mode also gets it, as an empty line. */
static void ctrl_c(void)
{
	if (mode & NT_CONSOLE_PROCESSED_INPUT)
		nt_console_ctrl_c();
}

static void pump_keyboard(void);

/* Keys are decoded as they arrive (a Ctrl+C must be seen at once), UART
 * bytes only scanned for Ctrl+C: a reader takes them in, echoing them. */
void console_init(void)
{
	serial_on_ctrl_c(ctrl_c);
	ps2_on_input(pump_keyboard);
}

/* Readers blocked for input; RTS tells the sender while there are any. */
static int waiting;

static void wait_begin(struct nt_process *p)
{
	if (!waiting++)
		serial_set_rts(true);
	if (p)
		p->console_waiters++;
}

static void wait_end(struct nt_process *p)
{
	if (!--waiting)
		serial_set_rts(false);
	if (p)
		p->console_waiters--;
}

/* Bytes ready for readers: finished lines in line mode, anything in raw. */
static uint8_t ready[2048];
static uint32_t ready_head, ready_tail;
/* The line being typed (line mode). */
static uint8_t edit[1024];
static uint32_t edit_len;
static bool last_cr; /* swallow the LF of a CR LF pair */
static int esc_state; /* 1 after ESC, 2 inside a CSI sequence: skipped in line mode */

static void ready_put(uint8_t c)
{
	if (ready_head - ready_tail < sizeof ready)
		ready[ready_head++ % sizeof ready] = c;
}

static void echo(const char *s, size_t n)
{
	if ((mode & NT_CONSOLE_ECHO_INPUT) && (mode & NT_CONSOLE_LINE_INPUT))
		out(s, n);
}

static void feed(uint8_t c)
{
	if (!(mode & NT_CONSOLE_LINE_INPUT)) {
		ready_put(c);
		return;
	}
	if (last_cr && c == '\n') {
		last_cr = false;
		return;
	}
	last_cr = false;
	/* A terminal's cursor keys (ESC [ A ...) would corrupt the line. */
	if (esc_state == 1) {
		esc_state = c == '[' ? 2 : 0;
		return;
	}
	if (esc_state == 2) {
		if (c >= 0x40 && c <= 0x7e)
			esc_state = 0;
		return;
	}
	if (c == 0x1b) {
		esc_state = 1;
		return;
	}
	if (c == '\r' || c == '\n') {
		last_cr = c == '\r';
		for (uint32_t i = 0; i < edit_len; i++)
			ready_put(edit[i]);
		ready_put('\r');
		ready_put('\n');
		edit_len = 0;
		echo("\r\n", 2);
		return;
	}
	if (c == CTRL_C && (mode & NT_CONSOLE_PROCESSED_INPUT)) {
		/* Ctrl+C (its control event went out as it arrived): the typed
		 * line is dropped and the reader gets an empty one (cmd shows a
		 * new prompt). */
		edit_len = 0;
		ready_put('\r');
		ready_put('\n');
		echo("^C\r\n", 4);
		return;
	}
	if (c == '\b' || c == 0x7f) {
		if (!edit_len)
			return;
		/* One character, which may be several UTF-8 bytes. */
		do
			edit_len--;
		while (edit_len && (edit[edit_len] & 0xC0) == 0x80);
		echo("\b \b", 3);
		return;
	}
	if (edit_len < sizeof edit - 2) {
		edit[edit_len++] = c;
		echo((const char *)&c, 1);
	}
}

void console_input(const uint8_t *bytes, size_t n)
{
	uint64_t f = irq_save();
	for (size_t i = 0; i < n; i++)
		feed(bytes[i]);
	irq_restore(f);
}

void console_flush_input(void)
{
	uint64_t f = irq_save();
	ready_tail = ready_head;
	edit_len = 0;
	last_cr = false;
	esc_state = 0;
	irq_restore(f);
}

/* ---- the keyboard ---- */

/* Scan code set 1, US layout, codes 0x00-0x39. */
static const char set1_plain[] = "\0\x1b"
				 "1234567890-=\b\t"
				 "qwertyuiop[]\r\0"
				 "asdfghjkl;'`\0\\"
				 "zxcvbnm,./\0*\0 ";
static const char set1_shift[] = "\0\x1b"
				 "!@#$%^&*()_+\b\t"
				 "QWERTYUIOP{}\r\0"
				 "ASDFGHJKL:\"~\0|"
				 "ZXCVBNM<>?\0*\0 ";
#define K_CTRL 0x1D
#define K_LSHIFT 0x2A
#define K_RSHIFT 0x36
#define K_CAPS 0x3A

/* Set 2 make codes to set 1, as the 8042's translation does, for the keys
 * above (0 = not a key we decode). */
static const uint8_t set2_to_set1[0x80] = {
	[0x76] = 0x01, [0x16] = 0x02, [0x1E] = 0x03, [0x26] = 0x04, [0x25] = 0x05, [0x2E] = 0x06,
	[0x36] = 0x07, [0x3D] = 0x08, [0x3E] = 0x09, [0x46] = 0x0A, [0x45] = 0x0B, [0x4E] = 0x0C,
	[0x55] = 0x0D, [0x66] = 0x0E, [0x0D] = 0x0F, [0x15] = 0x10, [0x1D] = 0x11, [0x24] = 0x12,
	[0x2D] = 0x13, [0x2C] = 0x14, [0x35] = 0x15, [0x3C] = 0x16, [0x43] = 0x17, [0x44] = 0x18,
	[0x4D] = 0x19, [0x54] = 0x1A, [0x5B] = 0x1B, [0x5A] = 0x1C, [0x14] = 0x1D, [0x1C] = 0x1E,
	[0x1B] = 0x1F, [0x23] = 0x20, [0x2B] = 0x21, [0x34] = 0x22, [0x33] = 0x23, [0x3B] = 0x24,
	[0x42] = 0x25, [0x4B] = 0x26, [0x4C] = 0x27, [0x52] = 0x28, [0x0E] = 0x29, [0x12] = 0x2A,
	[0x5D] = 0x2B, [0x1A] = 0x2C, [0x22] = 0x2D, [0x21] = 0x2E, [0x2A] = 0x2F, [0x32] = 0x30,
	[0x31] = 0x31, [0x3A] = 0x32, [0x41] = 0x33, [0x49] = 0x34, [0x4A] = 0x35, [0x59] = 0x36,
	[0x7C] = 0x37, [0x11] = 0x38, [0x29] = 0x39, [0x58] = 0x3A,
};

static bool shift_l, shift_r, ctrl, caps, ext, brk;

/* One set-1 key event (code < 0x80) after prefixes were taken apart. */
static void key(uint8_t code, bool release, bool extended)
{
	if (code == K_LSHIFT && !extended)
		shift_l = !release;
	else if (code == K_RSHIFT)
		shift_r = !release;
	else if (code == K_CTRL)
		ctrl = !release;
	else if (code == K_CAPS && !release)
		caps = !caps;
	if (release || code >= sizeof set1_plain - 1)
		return;
	if (extended && code != 0x1C && code != 0x35)
		return; /* cursor keys and the like: not decoded */
	char c = set1_plain[code];
	bool letter = c >= 'a' && c <= 'z';
	bool shifted = shift_l || shift_r;
	if (letter && caps)
		shifted = !shifted;
	if (shifted)
		c = set1_shift[code];
	if (ctrl && letter)
		c = (char)(set1_plain[code] & 0x1f);
	if (c == CTRL_C)
		ctrl_c();
	if (c)
		feed((uint8_t)c);
}

void console_scancode(uint8_t code, bool set2)
{
	uint64_t f = irq_save();
	if (code == 0xE0) {
		ext = true;
	} else if (code == 0xFA || code == 0xFE || code == 0xEE || code == 0xE1) {
		/* keyboard acknowledgements; Pause's prefix */
	} else if (!set2) {
		key(code & 0x7f, code & 0x80, ext);
		ext = false;
	} else if (code == 0xF0) {
		brk = true;
	} else {
		if (code < 0x80 && set2_to_set1[code])
			key(set2_to_set1[code], brk, ext);
		ext = brk = false;
	}
	irq_restore(f);
}

/* Decodes what the keyboard sent. */
static void pump_keyboard(void)
{
	uint8_t c;
	bool set2 = !ps2_translating();
	while (ps2_getc(&c))
		console_scancode(c, set2);
}

/* Moves what the UART and the keyboard received into the discipline. */
static void pump(void)
{
	uint8_t c;
	serial_poll();
	while (serial_getc(&c)) {
		feed(c);
		/* Room for one more whole line, else the rest waits in the UART's
		 * ring (and the UART, which holds back the emulator's script). */
		if (ready_head - ready_tail > sizeof ready - sizeof edit - 8)
			break;
	}
	pump_keyboard();
}

size_t console_pending(void)
{
	uint64_t f = irq_save();
	pump();
	size_t n = ready_head - ready_tail;
	irq_restore(f);
	return n;
}

nt_status console_read(void *buf, uint64_t len, uint64_t *done)
{
	*done = 0;
	if (!len)
		return NT_STATUS_SUCCESS;
	for (;;) {
		/* A process terminated while its thread waits here ends the thread. */
		nt_check_terminated();
		cli();
		pump();
		uint32_t n = ready_head - ready_tail;
		if (n) {
			if (n > len)
				n = (uint32_t)len;
			/* Line mode gives one line per read, as ReadConsole does. */
			bool line = mode & NT_CONSOLE_LINE_INPUT;
			for (uint32_t i = 0; i < n; i++) {
				uint8_t c = ready[ready_tail++ % sizeof ready];
				((uint8_t *)buf)[i] = c;
				if (line && c == '\n') {
					n = i + 1;
					break;
				}
			}
			sti();
			*done = n;
			return NT_STATUS_SUCCESS;
		}
		struct nt_process *p = nt_current_process();
		wait_begin(p);
		/* STI's one-instruction shadow makes STI; HLT atomic: an input
		 * interrupt after the check above still wakes the HLT. */
		asm volatile("sti; hlt" ::: "memory");
		cli();
		wait_end(p);
		sti();
	}
}
