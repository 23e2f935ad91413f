#if defined(_WIN64)
/* Memory, string, wide-string and character functions (C locale). */
#include "ucrt.h"
#include "lib/string.h"

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (; n; n--, p++) if (*p == (unsigned char)c) return (void *)p;
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) { if (*s == (char)c) return (char *)s; if (!*s) return 0; }
}
char *strrchr(const char *s, int c)
{
	const char *r = 0;
	for (;; s++) { if (*s == (char)c) r = s; if (!*s) return (char *)r; }
}
char *strcpy(char *d, const char *s) { char *r = d; while ((*d++ = *s++)) {} return r; }
char *strncpy(char *d, const char *s, size_t n)
{
	size_t i = 0;
	for (; i < n && s[i]; i++) d[i] = s[i];
	for (; i < n; i++) d[i] = 0;
	return d;
}
char *strcat(char *d, const char *s) { strcpy(d + strlen(d), s); return d; }
size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;
	for (; s[n]; n++) for (const char *r = reject; *r; r++) if (s[n] == *r) return n;
	return n;
}
size_t strspn(const char *s, const char *accept)
{
	size_t n = 0;
	for (; s[n]; n++) {
		const char *a = accept;
		while (*a && *a != s[n]) a++;
		if (!*a) return n;
	}
	return n;
}
char *strstr(const char *h, const char *n)
{
	size_t nl = strlen(n);
	for (; *h; h++) if (strncmp(h, n, nl) == 0) return (char *)h;
	return nl ? 0 : (char *)h;
}
char *_strdup(const char *s)
{
	if (!s) return 0;
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d) memcpy(d, s, n);
	return d;
}

int tolower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
int toupper(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
int isspace(int c) { return c == ' ' || (c >= 9 && c <= 13); }
int isdigit(int c) { return c >= '0' && c <= '9'; }
int isalpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int isalnum(int c) { return isalpha(c) || isdigit(c); }
int isupper(int c) { return c >= 'A' && c <= 'Z'; }
int islower(int c) { return c >= 'a' && c <= 'z'; }
int isxdigit(int c) { return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
WCHAR towlower(WCHAR c) { return w_lower(c); }
WCHAR towupper(WCHAR c) { return w_upper(c); }
int iswdigit(WCHAR c) { return c >= '0' && c <= '9'; }
int iswspace(WCHAR c)
{
	return c == ' ' || (c >= 9 && c <= 13) || c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}
int iswalpha(WCHAR c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c != 0xd7 && c != 0xf7); }

size_t wcslen(const WCHAR *s) { return w_len(s); }
WCHAR *wcschr(const WCHAR *s, WCHAR c)
{
	for (;; s++) { if (*s == c) return (WCHAR *)s; if (!*s) return 0; }
}
WCHAR *wcsrchr(const WCHAR *s, WCHAR c)
{
	const WCHAR *r = 0;
	for (;; s++) { if (*s == c) r = s; if (!*s) return (WCHAR *)r; }
}
int wcscmp(const WCHAR *a, const WCHAR *b)
{
	while (*a && *a == *b) { a++; b++; }
	return *a < *b ? -1 : *a > *b;
}
int wcsncmp(const WCHAR *a, const WCHAR *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b) return *a < *b ? -1 : 1;
		if (!*a) return 0;
	}
	return 0;
}
int _wcsicmp(const WCHAR *a, const WCHAR *b)
{
	for (;; a++, b++) {
		WCHAR x = w_lower(*a), y = w_lower(*b);
		if (x != y) return x < y ? -1 : 1;
		if (!x) return 0;
	}
}
int _wcsnicmp(const WCHAR *a, const WCHAR *b, size_t n)
{
	for (; n; n--, a++, b++) {
		WCHAR x = w_lower(*a), y = w_lower(*b);
		if (x != y) return x < y ? -1 : 1;
		if (!x) return 0;
	}
	return 0;
}
WCHAR *wcscpy(WCHAR *d, const WCHAR *s) { WCHAR *r = d; while ((*d++ = *s++)) {} return r; }
WCHAR *wcsncpy(WCHAR *d, const WCHAR *s, size_t n)
{
	size_t i = 0;
	for (; i < n && s[i]; i++) d[i] = s[i];
	for (; i < n; i++) d[i] = 0;
	return d;
}
WCHAR *wcscat(WCHAR *d, const WCHAR *s) { wcscpy(d + w_len(d), s); return d; }
size_t wcscspn(const WCHAR *s, const WCHAR *reject)
{
	size_t n = 0;
	for (; s[n]; n++) for (const WCHAR *r = reject; *r; r++) if (s[n] == *r) return n;
	return n;
}
size_t wcsspn(const WCHAR *s, const WCHAR *accept)
{
	size_t n = 0;
	for (; s[n]; n++) {
		const WCHAR *a = accept;
		while (*a && *a != s[n]) a++;
		if (!*a) return n;
	}
	return n;
}
WCHAR *wcspbrk(const WCHAR *s, const WCHAR *accept)
{
	for (; *s; s++) for (const WCHAR *a = accept; *a; a++) if (*s == *a) return (WCHAR *)s;
	return 0;
}
WCHAR *wcsstr(const WCHAR *h, const WCHAR *n)
{
	size_t nl = w_len(n);
	if (!nl) return (WCHAR *)h;
	for (; *h; h++) if (wcsncmp(h, n, nl) == 0) return (WCHAR *)h;
	return 0;
}
WCHAR *_wcsdup(const WCHAR *s)
{
	if (!s) return 0;
	size_t n = (w_len(s) + 1) * 2;
	WCHAR *d = malloc(n);
	if (d) memcpy(d, s, n);
	return d;
}
WCHAR *_wcsrev(WCHAR *s)
{
	size_t n = w_len(s);
	for (size_t i = 0; i < n / 2; i++) { WCHAR t = s[i]; s[i] = s[n - 1 - i]; s[n - 1 - i] = t; }
	return s;
}
WCHAR *_wcsupr(WCHAR *s) { for (WCHAR *p = s; *p; p++) *p = w_upper(*p); return s; }
WCHAR *_wcslwr(WCHAR *s) { for (WCHAR *p = s; *p; p++) *p = w_lower(*p); return s; }

/* wcstoul/wcstol: long is 32 bits on Windows; overflow clamps and sets ERANGE. */
static uint64_t wparse(const WCHAR *s, WCHAR **end, int base, int *neg, int *ovf, uint64_t limit)
{
	const WCHAR *p = s;
	uint64_t v = 0;
	int any = 0;
	*neg = 0; *ovf = 0;
	while (iswspace(*p)) p++;
	if (*p == '-') { *neg = 1; p++; } else if (*p == '+') p++;
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		const WCHAR *q = p + 2;
		if (isxdigit(*q)) { p = q; base = 16; }
	}
	if (base == 0) base = (*p == '0') ? 8 : 10;
	if (base < 2 || base > 36) { if (end) *end = (WCHAR *)s; return 0; }
	for (;; p++) {
		int d;
		if (*p >= '0' && *p <= '9') d = *p - '0';
		else if (*p >= 'a' && *p <= 'z') d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'Z') d = *p - 'A' + 10;
		else break;
		if (d >= base) break;
		any = 1;
		if (v > (limit - (uint64_t)d) / (uint64_t)base) *ovf = 1;
		else v = v * (uint64_t)base + (uint64_t)d;
	}
	if (end) *end = (WCHAR *)(any ? p : s);
	return v;
}
long wcstol(const WCHAR *s, WCHAR **end, int base)
{
	int neg, ovf;
	uint64_t v = wparse(s, end, base, &neg, &ovf, 0xffffffffull);
	if (ovf || (!neg && v > 0x7fffffffull) || (neg && v > 0x80000000ull)) {
		*crt_errno() = 34;
		return neg ? (long)(-0x7fffffffL - 1) : 0x7fffffffL;
	}
	return neg ? -(long)v : (long)v;
}
unsigned long wcstoul(const WCHAR *s, WCHAR **end, int base)
{
	int neg, ovf;
	uint64_t v = wparse(s, end, base, &neg, &ovf, 0xffffffffull);
	if (ovf) { *crt_errno() = 34; return 0xfffffffful; }
	return (unsigned long)(neg ? (uint32_t)(0u - (uint32_t)v) : (uint32_t)v);
}
int _wtoi(const WCHAR *s) { return (int)wcstol(s, 0, 10); }
int atoi(const char *s)
{
	int neg = 0, v = 0;
	while (isspace(*s)) s++;
	if (*s == '-') { neg = 1; s++; } else if (*s == '+') s++;
	while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}
int abs(int x) { return x < 0 ? -x : x; }

void _wsplitpath(const WCHAR *path, WCHAR *drive, WCHAR *dir, WCHAR *fname, WCHAR *ext)
{
	const WCHAR *p = path;
	if (p[0] && p[1] == ':') {
		if (drive) { drive[0] = p[0]; drive[1] = ':'; drive[2] = 0; }
		p += 2;
	} else if (drive) drive[0] = 0;
	const WCHAR *lastsep = 0, *lastdot = 0;
	for (const WCHAR *q = p; *q; q++) {
		if (*q == '\\' || *q == '/') lastsep = q;
		else if (*q == '.') lastdot = q;
	}
	const WCHAR *name = lastsep ? lastsep + 1 : p;
	if (lastdot && lastdot < name) lastdot = 0;
	if (dir) { size_t n = (size_t)(name - p); memcpy(dir, p, n * 2); dir[n] = 0; }
	const WCHAR *nend = lastdot ? lastdot : name + w_len(name);
	if (fname) { size_t n = (size_t)(nend - name); memcpy(fname, name, n * 2); fname[n] = 0; }
	if (ext) { if (lastdot) wcscpy(ext, lastdot); else ext[0] = 0; }
}
#endif
