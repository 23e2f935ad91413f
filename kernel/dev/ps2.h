/* The 8042 PS/2 controller and its keyboard (IRQ 1). */
#ifndef DEV_PS2_H
#define DEV_PS2_H

#include <stdbool.h>
#include <stdint.h>

/* The controller's self-test answer (0x55 = passed), or -1 on a timeout. */
extern int ps2_selftest_result;

/* Self-tests the controller, enables the keyboard port and its interrupt. */
void ps2_init(void);
/* Takes one scan code received through IRQ 1; false when none is queued. */
bool ps2_getc(uint8_t *code);
/* fn runs in the keyboard interrupt (interrupts off) after each scan code
 * is queued; NULL: codes wait for ps2_getc. */
void ps2_on_input(void (*fn)(void));
/* Controller command 0xD2: the byte arrives as if the keyboard had sent it. */
void ps2_inject(uint8_t code);
/* Whether the controller translates the keyboard's set 2 into set 1
 * (configuration bit 6): QEMU does, the twinstep emulator does not. */
bool ps2_translating(void);

#endif
