/* COM1 16550 UART: polled output, interrupt-driven input into a ring buffer. */
#ifndef DEV_SERIAL_H
#define DEV_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#define COM1 0x3F8
#define SERIAL_IRQ 4

void serial_init(void);
void serial_putc(char c);
/* Routes IRQ 4 through the I/O APIC and enables the receive interrupt. */
void serial_init_irq(void);
/* Takes one received byte; false when the ring is empty. */
bool serial_getc(uint8_t *c);
/* Loopback mode (MCR bit 4) connects the transmitter to the receiver. */
void serial_set_loopback(bool on);

#endif
