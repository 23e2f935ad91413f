#if defined(_WIN64)
/* user32: LoadStringW over the module's RT_STRING resources, wsprintfW,
 * and character helpers (Latin-1 aware, ASCII-exact). */
#include "w32.h"
#include "fmt.h"
#include "rsrc.h"

void SetLastError(DWORD e);
HMODULE GetModuleHandleW(const WCHAR *name);

int LoadStringW(HINSTANCE inst, UINT id, WCHAR *buf, int max)
{
	const WCHAR *s;
	uint32_t len;
	if (!buf) { SetLastError(ERROR_INVALID_PARAMETER); return 0; }
	if (!inst) inst = GetModuleHandleW(0);
	if (!rsrc_find_string(inst, id, &s, &len) || len == 0) {
		SetLastError(ERROR_RESOURCE_NAME_NOT_FOUND);
		if (max > 0) buf[0] = 0;
		return 0;
	}
	if (max == 0) { /* a read-only pointer to the resource itself */
		*(const WCHAR **)buf = s;
		return (int)len;
	}
	uint32_t n = len < (uint32_t)max - 1 ? len : (uint32_t)max - 1;
	for (uint32_t i = 0; i < n; i++) buf[i] = s[i];
	buf[n] = 0;
	return (int)n;
}

DWORD CharUpperBuffW(WCHAR *s, DWORD n)
{
	if (!s) return 0;
	for (DWORD i = 0; i < n; i++) s[i] = w_upper(s[i]);
	return n;
}
WCHAR *CharUpperW(WCHAR *s)
{
	if ((uintptr_t)s < 0x10000) return (WCHAR *)(uintptr_t)w_upper((WCHAR)(uintptr_t)s);
	for (WCHAR *p = s; *p; p++) *p = w_upper(*p);
	return s;
}
WCHAR *CharLowerW(WCHAR *s)
{
	if ((uintptr_t)s < 0x10000) return (WCHAR *)(uintptr_t)w_lower((WCHAR)(uintptr_t)s);
	for (WCHAR *p = s; *p; p++) *p = w_lower(*p);
	return s;
}

/* Letters: ASCII, Latin-1 and Latin Extended, Greek, Cyrillic, and every
 * BMP character from U+3040 (CJK and beyond, but not the surrogates or
 * private use area): no full Unicode tables. */
BOOL IsCharAlphaW(WCHAR c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return TRUE;
	if (c == 0xaa || c == 0xb5 || c == 0xba) return TRUE;
	if (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) return TRUE;
	if (c >= 0x370 && c <= 0x52f && c != 0x37e && c != 0x387) return TRUE;
	if (c >= 0x3040 && c < 0xd800) return TRUE;
	if (c >= 0xf900 && c < 0xfff0) return TRUE;
	return FALSE;
}
BOOL IsCharAlphaNumericW(WCHAR c) { return IsCharAlphaW(c) || (c >= '0' && c <= '9'); }

char *CharNextExA(WORD cp, const char *p, DWORD flags)
{
	(void)cp; (void)flags; /* single-byte stepping: our multibyte code page is UTF-8 */
	if (!p || !*p) return (char *)p;
	return (char *)p + 1;
}

int wsprintfW(WCHAR *buf, const WCHAR *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct fmt_out o = { 1, buf, 1024, 0 }; /* wsprintf writes at most 1024 characters */
	fmt_format(&o, fmt, FMT_WIDE_FORMAT | FMT_LEGACY_WIDE, &ap);
	va_end(ap);
	size_t n = o.n < 1023 ? o.n : 1023;
	buf[n] = 0;
	return (int)n;
}
int wvsprintfW(WCHAR *buf, const WCHAR *fmt, va_list ap)
{
	va_list a;
	va_copy(a, ap);
	struct fmt_out o = { 1, buf, 1024, 0 };
	fmt_format(&o, fmt, FMT_WIDE_FORMAT | FMT_LEGACY_WIDE, &a);
	va_end(a);
	size_t n = o.n < 1023 ? o.n : 1023;
	buf[n] = 0;
	return (int)n;
}

W32_RELOC_ANCHOR
BOOL DllMain(void *base, DWORD reason, void *reserved) { (void)base; (void)reason; (void)reserved; return TRUE; }
#endif
