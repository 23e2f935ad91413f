/* Formatted output to the serial console. */
#ifndef LIB_KPRINTF_H
#define LIB_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Supports %d %u %x %lx %ld %lu %p %s %c %% with width and zero padding. */
__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
/* Formats into buf (always NUL-terminated); returns the full length. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Prints the message and ends the run with status 3 (kernel panic). */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* Ends the run through the debug-exit port. */
__attribute__((noreturn)) void machine_exit(unsigned status);

#endif
