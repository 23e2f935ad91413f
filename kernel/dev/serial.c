#include "dev/serial.h"
#include "arch/cpu.h"
#include "dev/apic.h"

enum { THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_DR 0x01
#define LSR_THRE 0x20
/* DTR | OUT2: OUT2 gates the interrupt line on PC-style boards. RTS, "ready
 * to receive", is on only while a reader waits for console input. */
#define MCR_NORMAL 0x09
#define MCR_RTS 0x02
#define MCR_LOOP 0x10
#define CTRL_C 0x03

static uint8_t mcr = MCR_NORMAL;
static void (*on_ctrl_c)(void);

/* Single producer (IRQ handler, or serial_poll with interrupts off), single
 * consumer (threads): indices only grow. A power of two, so the wrap of the
 * indices keeps the modulo right. */
static volatile uint8_t ring[4096];
static volatile uint32_t ring_head, ring_tail;

void serial_init(void)
{
	outb(COM1 + IER, 0);
	outb(COM1 + LCR, 0x80); /* divisor latch: 115200 baud */
	outb(COM1 + DLL, 1);
	outb(COM1 + DLM, 0);
	outb(COM1 + LCR, 0x03); /* 8N1 */
	outb(COM1 + FCR, 0x07); /* FIFO on and cleared, trigger at 1 byte */
	outb(COM1 + MCR, mcr);
}

void serial_putc(char c)
{
	if (c == '\n')
		serial_putc_raw('\r');
	serial_putc_raw((uint8_t)c);
}

void serial_putc_raw(uint8_t c)
{
	/* Bounded: a machine without a UART reads 0xFF and passes at once. */
	for (int i = 0; i < 1000000 && !(inb(COM1 + LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + THR, c);
}

/* With the ring full, bytes stay in the UART rather than being dropped:
 * serial_poll takes them once the ring has room (the twinstep emulator
 * also holds back scripted input while its receive buffer is not empty). */
static void drain(void)
{
	for (int i = 0; i < 64 && ring_head - ring_tail < sizeof ring && (inb(COM1 + LSR) & LSR_DR); i++) {
		uint8_t c = inb(COM1 + RBR);
		ring[ring_head++ % sizeof ring] = c;
		if (c == CTRL_C && on_ctrl_c)
			on_ctrl_c(); /* now, even if no reader takes the byte for long */
	}
}

static void serial_irq(struct regs *r)
{
	(void)r;
	drain();
	lapic_eoi();
}

void serial_poll(void)
{
	uint64_t f = irq_save();
	drain();
	irq_restore(f);
}

void serial_init_irq(void)
{
	idt_set_handler(VEC_SERIAL, serial_irq);
	ioapic_route(SERIAL_IRQ, VEC_SERIAL);
	outb(COM1 + IER, 0x01);
}

bool serial_getc(uint8_t *c)
{
	if (ring_tail == ring_head)
		return false;
	*c = ring[ring_tail++ % sizeof ring];
	return true;
}

void serial_set_loopback(bool on)
{
	/* Wait until everything already written has left the transmitter. */
	for (int i = 0; i < 1000000 && !(inb(COM1 + LSR) & 0x40); i++)
		cpu_relax();
	uint64_t f = irq_save();
	mcr = on ? mcr | MCR_LOOP : mcr & ~MCR_LOOP;
	outb(COM1 + MCR, mcr);
	irq_restore(f);
}

void serial_set_rts(bool on)
{
	uint64_t f = irq_save();
	mcr = on ? mcr | MCR_RTS : mcr & ~MCR_RTS;
	outb(COM1 + MCR, mcr);
	irq_restore(f);
}

void serial_on_ctrl_c(void (*fn)(void)) { on_ctrl_c = fn; }
