/* Local APIC (xAPIC MMIO), its timer, and the I/O APIC's ISA routing. */
#ifndef DEV_APIC_H
#define DEV_APIC_H

#include <stdint.h>

extern volatile uint64_t timer_ticks;

/* Enables the local APIC and starts the periodic timer on VEC_TIMER. */
void apic_init(void);
/* Routes an I/O APIC pin (= ISA IRQ here) edge-triggered to APIC ID 0. */
void ioapic_route(int pin, uint8_t vector);
void lapic_eoi(void);

#endif
