/* Command-line splitting with the Microsoft C runtime's rules (pure; host-tested). */
#ifndef W32_ARGV_H
#define W32_ARGV_H
#include "w32.h"
/* Splits cl into arguments. With argv and strbuf NULL it only counts: sets
 * *argc and returns the WCHARs strbuf needs (every argument NUL-terminated).
 * Otherwise fills argv[0..argc-1] (argv[argc] = NULL) with strings in strbuf. */
size_t argv_parse(const WCHAR *cl, WCHAR **argv, WCHAR *strbuf, int *argc);
#endif
