#if defined(_WIN64)
/* Modules, code pages, string comparison, time and date formatting,
 * FormatMessageW, and small system queries. */
#include "k32.h"
#include "fmt.h"

/* --- modules: the loader data's list and PE export tables --- */
static struct nt_loader_data *ldr(void) { return *(struct nt_loader_data **)(nt_peb() + NT_PEB_LDR); }

static int name_match(const WCHAR *want, const WCHAR *have)
{
	/* "KERNEL32", "kernel32.dll" and "C:\...\kernel32.dll" all name the same module */
	const WCHAR *w = want;
	for (const WCHAR *p = want; *p; p++) if (w_is_sep(*p)) w = p + 1;
	size_t wl = w_len(w), hl = w_len(have);
	if (wl == hl && w_icmp(w, have) == 0) return 1;
	if (hl == wl + 4 && w_icmp_n(w, have, wl) == 0 && w_icmp(have + wl, u".dll") == 0) return 1;
	return 0;
}

HMODULE WINAPI GetModuleHandleW(const WCHAR *name)
{
	if (!name) return *(HMODULE *)(nt_peb() + NT_PEB_IMAGE_BASE);
	struct nt_loader_data *ld = ldr();
	if (ld) {
		struct nt_module *m = (struct nt_module *)(uintptr_t)ld->modules;
		for (uint32_t i = 0; i < ld->count; i++)
			if (m[i].name && name_match(name, (const WCHAR *)(uintptr_t)m[i].name)) return (HMODULE)(uintptr_t)m[i].base;
	}
	set_last_error(ERROR_MOD_NOT_FOUND);
	return 0;
}

void *WINAPI GetProcAddress(HMODULE mod, const char *name)
{
	const uint8_t *base = mod;
	if (!base) base = *(const uint8_t **)(nt_peb() + NT_PEB_IMAGE_BASE);
	const uint8_t *nt = base + *(const uint32_t *)(base + 0x3c);
	const uint8_t *opt = nt + 24;
	if (*(const uint16_t *)opt != 0x20b || *(const uint32_t *)(opt + 108) < 1) { set_last_error(ERROR_BAD_EXE_FORMAT); return 0; }
	uint32_t erva = *(const uint32_t *)(opt + 112), esize = *(const uint32_t *)(opt + 116);
	if (!erva) { set_last_error(ERROR_PROC_NOT_FOUND); return 0; }
	const uint8_t *ed = base + erva;
	uint32_t ord_base = *(const uint32_t *)(ed + 16), nfuncs = *(const uint32_t *)(ed + 20);
	uint32_t nnames = *(const uint32_t *)(ed + 24);
	const uint32_t *funcs = (const uint32_t *)(base + *(const uint32_t *)(ed + 28));
	const uint32_t *names = (const uint32_t *)(base + *(const uint32_t *)(ed + 32));
	const uint16_t *ords = (const uint16_t *)(base + *(const uint32_t *)(ed + 36));
	uint32_t idx = 0xffffffffu;
	if ((uintptr_t)name < 0x10000) {
		uint32_t o = (uint32_t)(uintptr_t)name;
		if (o >= ord_base && o - ord_base < nfuncs) idx = o - ord_base;
	} else {
		uint32_t lo = 0, hi = nnames;
		while (lo < hi) { /* names are sorted */
			uint32_t mid = (lo + hi) / 2;
			const char *n = (const char *)(base + names[mid]);
			int c = 0;
			size_t k = 0;
			while (n[k] && n[k] == name[k]) k++;
			c = (unsigned char)n[k] - (unsigned char)name[k];
			if (c == 0) { idx = ords[mid]; break; }
			if (c < 0) lo = mid + 1; else hi = mid;
		}
	}
	if (idx == 0xffffffffu || idx >= nfuncs || !funcs[idx]) { set_last_error(ERROR_PROC_NOT_FOUND); return 0; }
	uint32_t rva = funcs[idx];
	if (rva >= erva && rva < erva + esize) { /* a forwarder "dll.func" */
		const char *fwd = (const char *)(base + rva);
		size_t dot = 0;
		while (fwd[dot] && fwd[dot] != '.') dot++;
		if (!fwd[dot] || dot > 60) { set_last_error(ERROR_PROC_NOT_FOUND); return 0; }
		WCHAR dll[64];
		for (size_t i = 0; i < dot; i++) dll[i] = (WCHAR)(unsigned char)fwd[i];
		dll[dot] = 0;
		HMODULE m = GetModuleHandleW(dll);
		if (!m) return 0;
		return GetProcAddress(m, fwd + dot + 1);
	}
	return (void *)(base + rva);
}

/* --- code pages: UTF-8 for ACP/OEMCP/UTF-8, Latin-1 for 1252/28591/437/850 --- */
static int cp_is_utf8(UINT cp) { return cp == 0 || cp == 1 || cp == 2 || cp == 3 || cp == 65001; }
static int cp_is_latin1(UINT cp) { return cp == 1252 || cp == 28591 || cp == 437 || cp == 850 || cp == 20127; }

int WINAPI MultiByteToWideChar(UINT cp, DWORD flags, const char *src, int srclen, WCHAR *dst, int dstlen)
{
	(void)flags;
	if (!src || srclen == 0 || dstlen < 0 || (dstlen && !dst)) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	size_t n = srclen < 0 ? strlen(src) + 1 : (size_t)srclen;
	size_t out;
	if (cp_is_utf8(cp)) {
		out = fmt_utf8_to_utf16(src, n, 0, 0);
		if (dstlen) {
			if (out > (size_t)dstlen) { set_last_error(ERROR_INSUFFICIENT_BUFFER); return 0; }
			fmt_utf8_to_utf16(src, n, dst, (size_t)dstlen);
		}
	} else if (cp_is_latin1(cp)) {
		out = n;
		if (dstlen) {
			if (out > (size_t)dstlen) { set_last_error(ERROR_INSUFFICIENT_BUFFER); return 0; }
			for (size_t i = 0; i < n; i++) dst[i] = (unsigned char)src[i];
		}
	} else { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	return (int)out;
}

int WINAPI WideCharToMultiByte(UINT cp, DWORD flags, const WCHAR *src, int srclen, char *dst, int dstlen,
	const char *defchar, BOOL *used)
{
	(void)flags;
	if (used) *used = FALSE;
	if (!src || srclen == 0 || dstlen < 0 || (dstlen && !dst)) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	size_t n = srclen < 0 ? w_len(src) + 1 : (size_t)srclen;
	size_t out;
	if (cp_is_utf8(cp)) {
		out = fmt_utf16_to_utf8(src, n, 0, 0);
		if (dstlen) {
			if (out > (size_t)dstlen) { set_last_error(ERROR_INSUFFICIENT_BUFFER); return 0; }
			fmt_utf16_to_utf8(src, n, dst, (size_t)dstlen);
		}
	} else if (cp_is_latin1(cp)) {
		out = n;
		if (dstlen) {
			if (out > (size_t)dstlen) { set_last_error(ERROR_INSUFFICIENT_BUFFER); return 0; }
			for (size_t i = 0; i < n; i++) {
				if (src[i] < 0x100) dst[i] = (char)src[i];
				else { dst[i] = defchar ? *defchar : '?'; if (used) *used = TRUE; }
			}
		}
	} else { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	return (int)out;
}

UINT WINAPI GetOEMCP(void) { return 65001; }
UINT WINAPI GetACP(void) { return 65001; }

/* --- comparison (ordinal on case-folded UTF-16: no linguistic tables) --- */
#define NORM_IGNORECASE 1
int WINAPI CompareStringW(DWORD lcid, DWORD flags, const WCHAR *a, int al, const WCHAR *b, int bl)
{
	(void)lcid;
	if (!a || !b) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	size_t la = al < 0 ? w_len(a) : (size_t)al, lb = bl < 0 ? w_len(b) : (size_t)bl;
	size_t m = la < lb ? la : lb;
	for (size_t i = 0; i < m; i++) {
		WCHAR x = a[i], y = b[i];
		if (flags & NORM_IGNORECASE) { x = w_upper(x); y = w_upper(y); }
		if (x != y) return x < y ? 1 : 3;
	}
	return la == lb ? 2 : (la < lb ? 1 : 3);
}
int WINAPI lstrcmpW(const WCHAR *a, const WCHAR *b)
{
	if (!a || !b) return a == b ? 0 : (a ? 1 : -1);
	return CompareStringW(0, 0, a, -1, b, -1) - 2;
}
int WINAPI lstrcmpiW(const WCHAR *a, const WCHAR *b)
{
	if (!a || !b) return a == b ? 0 : (a ? 1 : -1);
	return CompareStringW(0, NORM_IGNORECASE, a, -1, b, -1) - 2;
}

/* IsBadStringPtrW cannot probe memory without structured exception handling:
 * it only rejects NULL (documented in docs/NT.md). */
BOOL WINAPI IsBadStringPtrW(const WCHAR *s, uint64_t max) { return s == 0 && max != 0; }

UINT WINAPI GetSystemDirectoryW(WCHAR *buf, UINT size)
{
	static const WCHAR dir[] = u"C:\\Windows\\System32";
	UINT n = (UINT)(sizeof dir / 2 - 1);
	if (n + 1 > size) return n + 1;
	memcpy(buf, dir, sizeof dir);
	return n;
}

/* --- time: UTC everywhere (the local time zone is UTC) --- */
void k32_time_to_system(int64_t t, SYSTEMTIME *st)
{
	int64_t days = t / 864000000000LL, rem = t % 864000000000LL;
	st->wMilliseconds = (WORD)(rem / 10000 % 1000);
	rem /= 10000000;
	st->wSecond = (WORD)(rem % 60);
	st->wMinute = (WORD)(rem / 60 % 60);
	st->wHour = (WORD)(rem / 3600);
	st->wDayOfWeek = (WORD)((days + 1) % 7); /* 1601-01-01 was a Monday */
	/* civil date from days since 1601-01-01 (proleptic Gregorian, 400-year cycles) */
	int64_t d = days;
	int64_t y = 1601;
	int64_t c400 = d / 146097; d %= 146097; y += 400 * c400;
	int64_t c100 = d / 36524; if (c100 == 4) c100 = 3; d -= c100 * 36524; y += 100 * c100;
	int64_t c4 = d / 1461; d %= 1461; y += 4 * c4;
	int64_t c1 = d / 365; if (c1 == 4) c1 = 3; d -= c1 * 365; y += c1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int m = 0;
	for (; m < 12; m++) {
		int md = mdays[m] + (m == 1 && leap);
		if (d < md) break;
		d -= md;
	}
	st->wYear = (WORD)y;
	st->wMonth = (WORD)(m + 1);
	st->wDay = (WORD)(d + 1);
}

BOOL WINAPI FileTimeToSystemTime(const FILETIME *f, SYSTEMTIME *st)
{
	int64_t t = (int64_t)(((uint64_t)f->dwHighDateTime << 32) | f->dwLowDateTime);
	if (t < 0) return fail(ERROR_INVALID_PARAMETER);
	k32_time_to_system(t, st);
	return TRUE;
}

BOOL WINAPI FileTimeToLocalFileTime(const FILETIME *in, FILETIME *out)
{
	*out = *in; /* the local time zone is UTC */
	return TRUE;
}

void WINAPI GetLocalTime(SYSTEMTIME *st)
{
	LARGE_INTEGER t;
	t.QuadPart = 0;
	NtQuerySystemTime(&t);
	k32_time_to_system(t.QuadPart, st);
}
void WINAPI GetSystemTime(SYSTEMTIME *st) { GetLocalTime(st); }

DWORD WINAPI GetTickCount(void)
{
	LARGE_INTEGER c, f;
	c.QuadPart = 0; f.QuadPart = 0;
	if (NtQueryPerformanceCounter(&c, &f) || f.QuadPart <= 0) {
		NtQuerySystemTime(&c);
		return (DWORD)(c.QuadPart / 10000);
	}
	return (DWORD)((uint64_t)c.QuadPart / ((uint64_t)f.QuadPart / 1000 ? (uint64_t)f.QuadPart / 1000 : 1));
}

/* --- date and time formatting (en-US pictures) --- */
static const char *const day_names[7] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const month_names[12] = { "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December" };

struct wout { WCHAR *buf; int cap; int n; };
static void wput(struct wout *o, WCHAR c) { if (o->buf && o->n < o->cap) o->buf[o->n] = c; o->n++; }
static void wnum(struct wout *o, int v, int digits)
{
	char t[12];
	int k = 0;
	do { t[k++] = (char)('0' + v % 10); v /= 10; } while (v);
	while (k < digits) t[k++] = '0';
	while (k) wput(o, (WCHAR)t[--k]);
}
static void wstr(struct wout *o, const char *s, int max)
{
	for (int i = 0; s[i] && (max < 0 || i < max); i++) wput(o, (WCHAR)s[i]);
}

/* Expands a date or time picture; returns the units written with the NUL,
 * or 0 (with ERROR_INSUFFICIENT_BUFFER) when buf is too small. */
static int picture(const SYSTEMTIME *st, const WCHAR *fmt, WCHAR *buf, int cap, int is_time)
{
	struct wout o = { cap ? buf : 0, cap, 0 };
	for (const WCHAR *p = fmt; *p;) {
		WCHAR c = *p;
		int run = 1;
		if (c == '\'') { /* quoted literal; '' is a quote */
			p++;
			while (*p) {
				if (*p == '\'') { if (p[1] == '\'') { wput(&o, '\''); p += 2; continue; } p++; break; }
				wput(&o, *p++);
			}
			continue;
		}
		while (p[run] == c) run++;
		if (!is_time && c == 'd') {
			if (run == 1) wnum(&o, st->wDay, 1);
			else if (run == 2) wnum(&o, st->wDay, 2);
			else if (run == 3) wstr(&o, day_names[st->wDayOfWeek % 7], 3);
			else wstr(&o, day_names[st->wDayOfWeek % 7], -1);
		} else if (!is_time && c == 'M') {
			int m = (st->wMonth >= 1 && st->wMonth <= 12) ? st->wMonth - 1 : 0;
			if (run == 1) wnum(&o, st->wMonth, 1);
			else if (run == 2) wnum(&o, st->wMonth, 2);
			else if (run == 3) wstr(&o, month_names[m], 3);
			else wstr(&o, month_names[m], -1);
		} else if (!is_time && c == 'y') {
			if (run <= 2) wnum(&o, st->wYear % 100, run);
			else wnum(&o, st->wYear, 4);
		} else if (!is_time && c == 'g') {
			wstr(&o, "A.D.", -1);
		} else if (is_time && (c == 'h' || c == 'H')) {
			int h = st->wHour;
			if (c == 'h') { h %= 12; if (!h) h = 12; }
			wnum(&o, h, run >= 2 ? 2 : 1);
		} else if (is_time && c == 'm') {
			wnum(&o, st->wMinute, run >= 2 ? 2 : 1);
		} else if (is_time && c == 's') {
			wnum(&o, st->wSecond, run >= 2 ? 2 : 1);
		} else if (is_time && c == 't') {
			wstr(&o, st->wHour < 12 ? "AM" : "PM", run == 1 ? 1 : 2);
		} else {
			for (int i = 0; i < run; i++) wput(&o, c);
		}
		p += run;
	}
	wput(&o, 0);
	if (cap && o.n > cap) { set_last_error(ERROR_INSUFFICIENT_BUFFER); return 0; }
	return o.n;
}

#define DATE_LONGDATE 2
#define TIME_NOMINUTESORSECONDS 1
#define TIME_NOSECONDS 2
#define TIME_NOTIMEMARKER 4
#define TIME_FORCE24HOURFORMAT 8

int WINAPI GetDateFormatW(DWORD lcid, DWORD flags, const SYSTEMTIME *st, const WCHAR *fmt, WCHAR *buf, int cap)
{
	SYSTEMTIME now;
	(void)lcid;
	if (cap < 0 || (cap && !buf)) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	if (!st) { GetLocalTime(&now); st = &now; }
	else { /* recompute the day of the week, as Windows does */
		SYSTEMTIME tmp = *st;
		int y = tmp.wYear, m = tmp.wMonth, d = tmp.wDay;
		if (m < 3) { m += 12; y--; }
		now = tmp;
		now.wDayOfWeek = (WORD)(((d + (13 * (m + 1)) / 5 + y + y / 4 - y / 100 + y / 400) + 6) % 7);
		st = &now;
	}
	if (!fmt) fmt = (flags & DATE_LONGDATE) ? u"dddd, MMMM d, yyyy" : u"MM/dd/yyyy";
	return picture(st, fmt, buf, cap, 0);
}

int WINAPI GetTimeFormatW(DWORD lcid, DWORD flags, const SYSTEMTIME *st, const WCHAR *fmt, WCHAR *buf, int cap)
{
	SYSTEMTIME now;
	(void)lcid;
	if (cap < 0 || (cap && !buf)) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	if (!st) { GetLocalTime(&now); st = &now; }
	if (!fmt) {
		if (flags & TIME_NOMINUTESORSECONDS) fmt = (flags & TIME_FORCE24HOURFORMAT) ? u"HH" : u"hh tt";
		else if (flags & TIME_NOSECONDS) fmt = (flags & TIME_FORCE24HOURFORMAT) ? u"HH:mm" : u"hh:mm tt";
		else fmt = (flags & TIME_FORCE24HOURFORMAT) ? u"HH:mm:ss" : u"hh:mm:ss tt";
		if ((flags & TIME_NOTIMEMARKER) && !(flags & TIME_FORCE24HOURFORMAT)) {
			fmt = (flags & TIME_NOSECONDS) ? u"hh:mm" : u"hh:mm:ss";
		}
	}
	return picture(st, fmt, buf, cap, 1);
}
#endif
