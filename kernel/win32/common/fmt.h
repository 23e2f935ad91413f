/* The printf engine shared by ntdll (_vsnprintf), ucrtbase/msvcrt
 * (__stdio_common_vs[w]printf) and user32 (wsprintfW). docs/NT.md. */
#ifndef W32_FMT_H
#define W32_FMT_H
#include "w32.h"

struct fmt_out {
	int wide;     /* output units are WCHAR, else char */
	void *buf;    /* may be NULL: count only */
	size_t cap;   /* units that may be stored */
	size_t n;     /* units produced, counted past cap too */
};

/* Flags for fmt_format. */
#define FMT_WIDE_FORMAT 1 /* the format string is UTF-16 */
#define FMT_LEGACY_WIDE 2 /* in a wide format %s and %c take wide arguments (MSVC legacy) */

/* Formats into o (never NUL-terminates); returns o->n. */
size_t fmt_format(struct fmt_out *o, const void *format, int flags, va_list *ap);

/* UTF-8 <-> UTF-16 helpers (also used by kernel32's code-page functions).
 * Both return the units produced; with dst NULL they only count. Invalid
 * UTF-8 bytes decode as U+FFFD; lone surrogates encode as U+FFFD. */
size_t fmt_utf8_to_utf16(const char *src, size_t srclen, WCHAR *dst, size_t dstcap);
size_t fmt_utf16_to_utf8(const WCHAR *src, size_t srclen, char *dst, size_t dstcap);
#endif
