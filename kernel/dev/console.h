/*
 * The console: one NT object for standard input and output. Output goes to
 * COM1 byte for byte (the DLLs send UTF-8 and ANSI escape sequences);
 * input comes from the UART's receive ring and the PS/2 keyboard into one
 * queue, shaped by the line discipline the console mode selects
 * (NT_CONSOLE_LINE_INPUT | ECHO_INPUT | PROCESSED_INPUT by default).
 */
#ifndef DEV_CONSOLE_H
#define DEV_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nt/object.h"

/* Takes Ctrl+C from the UART and the keyboard as it arrives (the console
 * control event); from then on keys are decoded in their interrupt. */
void console_init(void);
/* The console object (never freed). A process's standard handles refer to
 * it; reads block (halting the CPU with interrupts on) until input. */
struct nt_object *console_object(void);
bool console_is(const struct nt_object *o);

uint32_t console_get_mode(void);
void console_set_mode(uint32_t mode);

/* What the object's read and write do. In line mode a read returns (part
 * of) one finished line ending in "\r\n"; in raw mode whatever is queued,
 * at least one byte. */
nt_status console_read(void *buf, uint64_t len, uint64_t *done);
nt_status console_write(const void *buf, uint64_t len, uint64_t *done);

/* Feeds bytes into the line discipline as if typed (tests). */
void console_input(const uint8_t *bytes, size_t n);
/* Feeds one PS/2 scan code (set 2 when set2, else set 1). */
void console_scancode(uint8_t code, bool set2);
/* Tests: while buf is set, echo and output go to buf (up to cap bytes,
 * count in *len) instead of the UART. console_capture(NULL, 0, NULL) ends. */
void console_capture(char *buf, size_t cap, size_t *len);
/* Takes in what the UART and keyboard received; returns the bytes a read
 * would get now without blocking. */
size_t console_pending(void);
/* Tests: drops queued input and any half-typed line. */
void console_flush_input(void);

#endif
