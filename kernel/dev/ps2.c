#include "dev/ps2.h"
#include "arch/cpu.h"
#include "dev/apic.h"
#include "lib/kprintf.h"

#define DATA 0x60
#define STATUS 0x64
#define CMD 0x64
#define ST_OUT_FULL 0x01
#define ST_IN_FULL 0x02
/* Generous, rate-independent bounds on every wait. */
#define SPIN 1000000

int ps2_selftest_result = -1;
static int config_byte = -1; /* as read at initialization */
static volatile uint8_t ring[64];
static volatile uint32_t head, tail;
static void (*on_input)(void);

static bool wait_write(void)
{
	for (int i = 0; i < SPIN; i++)
		if (!(inb(STATUS) & ST_IN_FULL))
			return true;
	return false;
}

static int read_data(void)
{
	for (int i = 0; i < SPIN; i++)
		if (inb(STATUS) & ST_OUT_FULL)
			return inb(DATA);
	return -1;
}

static void command(uint8_t c)
{
	if (wait_write())
		outb(CMD, c);
}

static void keyboard_irq(struct regs *r)
{
	(void)r;
	if (inb(STATUS) & ST_OUT_FULL) {
		uint8_t c = inb(DATA);
		if (head - tail < sizeof ring)
			ring[head++ % sizeof ring] = c;
		if (on_input)
			on_input();
	}
	lapic_eoi();
}

bool ps2_getc(uint8_t *code)
{
	if (tail == head)
		return false;
	*code = ring[tail++ % sizeof ring];
	return true;
}

void ps2_inject(uint8_t code)
{
	command(0xD2);
	if (wait_write())
		outb(DATA, code);
}

void ps2_init(void)
{
	command(0xAD); /* disable keyboard port */
	command(0xA7); /* disable mouse port */
	for (int i = 0; i < 16 && (inb(STATUS) & ST_OUT_FULL); i++)
		inb(DATA); /* flush */
	command(0x20);
	int config = read_data();
	config_byte = config;
	command(0xAA);
	ps2_selftest_result = read_data();
	/* The self-test may reset the configuration: write it back with IRQ 1 on. */
	if (config >= 0) {
		command(0x60);
		if (wait_write())
			outb(DATA, (uint8_t)((config | 0x01) & ~0x10));
	}
	command(0xAE); /* enable keyboard port */
	idt_set_handler(VEC_KEYBOARD, keyboard_irq);
	ioapic_route(1, VEC_KEYBOARD);
	kprintf("ps2: controller self-test %x, config %x\n", ps2_selftest_result & 0xff, config & 0xff);
}

void ps2_on_input(void (*fn)(void)) { on_input = fn; }

bool ps2_translating(void) { return config_byte >= 0 && (config_byte & 0x40); }
