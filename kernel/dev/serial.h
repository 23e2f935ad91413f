/* COM1 16550 UART: polled output, interrupt-driven input into a ring buffer. */
#ifndef DEV_SERIAL_H
#define DEV_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#define COM1 0x3F8
#define SERIAL_IRQ 4

void serial_init(void);
void serial_putc(char c);
/* One byte exactly as given (serial_putc turns "\n" into "\r\n"): the console. */
void serial_putc_raw(uint8_t c);
/* Routes IRQ 4 through the I/O APIC and enables the receive interrupt. */
void serial_init_irq(void);
/* Takes one received byte; false when the ring is empty. */
bool serial_getc(uint8_t *c);
/* Moves bytes waiting in the UART into the ring (left there while the ring
 * was full, when no new interrupt would come for them). */
void serial_poll(void);
/* Loopback mode (MCR bit 4) connects the transmitter to the receiver. */
void serial_set_loopback(bool on);
/* RTS (MCR bit 1), hardware flow control's "ready to receive": on while a
 * reader is blocked waiting for console input, off otherwise. */
void serial_set_rts(bool on);
/* fn runs (interrupts off) as each Ctrl+C byte (0x03) arrives, before any
 * reader takes it: a program spinning in user mode can be interrupted. */
void serial_on_ctrl_c(void (*fn)(void));

#endif
