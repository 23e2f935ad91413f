#include "dev/apic.h"
#include "arch/cpu.h"
#include "lib/kprintf.h"
#include "mm/vmm.h"
#include "sched/thread.h"

#define LAPIC (DIRECT_BASE + 0xFEE00000ull)
#define IOAPIC (DIRECT_BASE + 0xFEC00000ull)

enum {
	LAPIC_ID = 0x20, LAPIC_TPR = 0x80, LAPIC_EOI = 0xB0, LAPIC_SVR = 0xF0, LAPIC_LVT_TIMER = 0x320,
	LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_DIV = 0x3E0,
};
#define TIMER_PERIODIC (1u << 17)
/*
 * Period in timer counts after dividing by 16: ~0.8 ms of QEMU's 1 GHz bus,
 * 800k instructions on twinstep. Nothing may depend on the rate.
 */
#define TIMER_COUNT 50000

volatile uint64_t timer_ticks;

static uint32_t lapic_read(uint32_t reg) { return *(volatile uint32_t *)(LAPIC + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(LAPIC + reg) = v; }

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

static void timer_irq(struct regs *r)
{
	(void)r;
	timer_ticks++;
	lapic_eoi();
	sched_tick();
}

/* Spurious interrupts need no EOI. */
static void spurious_irq(struct regs *r) { (void)r; }

void apic_init(void)
{
	idt_set_handler(VEC_TIMER, timer_irq);
	idt_set_handler(VEC_SPURIOUS, spurious_irq);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	lapic_write(LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, TIMER_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, TIMER_COUNT);
	kprintf("apic: local APIC id %u, timer on vector %x\n", lapic_read(LAPIC_ID) >> 24, VEC_TIMER);
}

void ioapic_route(int pin, uint8_t vector)
{
	volatile uint32_t *sel = (volatile uint32_t *)IOAPIC, *win = (volatile uint32_t *)(IOAPIC + 0x10);
	/* Redirection entry: fixed delivery, physical destination, active high, edge, unmasked. */
	*sel = 0x10 + 2 * pin + 1;
	*win = 0; /* destination APIC ID 0 */
	*sel = 0x10 + 2 * pin;
	*win = vector;
}
