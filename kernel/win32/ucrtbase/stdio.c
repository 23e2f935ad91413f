#if defined(_WIN64)
/* stdio: FILE objects over handles (stdin/stdout/stderr follow the current
 * std handles), _wfopen/fclose/fgetws/fwrite/feof, and the UCRT printf
 * entry points over the shared engine (common/fmt.c). Output is unbuffered
 * and written as given (no "\n" -> "\r\n" translation). */
#include "ucrt.h"
#include "fmt.h"

#define F_EOF   1
#define F_ERR   2
#define F_STD   4  /* one of the three standard streams */
#define F_U16   8  /* ccs=UTF-16LE / UNICODE: the file holds UTF-16 */
#define F_TEXT  16 /* text mode: "\r\n" reads as "\n" */
#define F_READ  32
#define F_WRITE 64
#define F_APPEND 128

typedef struct crt_file {
	HANDLE h;
	int flags;
	int std; /* -10, -11, -12 for the standard streams */
	size_t rpos, rlen;
	WCHAR pend; /* the low surrogate of a decoded pair, waiting */
	unsigned char rbuf[4096];
} FILE;

static FILE iob[3] = {
	{ 0, F_STD | F_TEXT | F_READ, -10, 0, 0, 0, { 0 } },
	{ 0, F_STD | F_TEXT | F_WRITE, -11, 0, 0, 0, { 0 } },
	{ 0, F_STD | F_TEXT | F_WRITE, -12, 0, 0, 0, { 0 } },
};

FILE *__acrt_iob_func(unsigned i) { return i < 3 ? &iob[i] : 0; }
FILE *__iob_func(void) { return iob; }

static HANDLE fh(FILE *f) { return (f->flags & F_STD) ? GetStdHandle((DWORD)f->std) : f->h; }

void fflush_all(void) {}
int fflush(FILE *f) { (void)f; return 0; }

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	if (!f || !size || !n) return 0;
	size_t total = size * n, done = 0;
	while (done < total) {
		DWORD w = 0;
		DWORD chunk = total - done > 0x40000000 ? 0x40000000 : (DWORD)(total - done);
		if (!WriteFile(fh(f), (const char *)p + done, chunk, &w, 0) || !w) { f->flags |= F_ERR; break; }
		done += w;
	}
	return done / size;
}

int fputs(const char *s, FILE *f) { size_t n = strlen(s); return fwrite(s, 1, n, f) == n ? 0 : -1; }
int fputc(int c, FILE *f) { unsigned char b = (unsigned char)c; return fwrite(&b, 1, 1, f) == 1 ? c : -1; }
int putchar(int c) { return fputc(c, &iob[1]); }
int puts(const char *s) { if (fputs(s, &iob[1])) return -1; return fputc('\n', &iob[1]) < 0 ? -1 : 0; }

static int getbyte(FILE *f)
{
	if (f->rpos >= f->rlen) {
		DWORD got = 0;
		if (!ReadFile(fh(f), f->rbuf, sizeof f->rbuf, &got, 0)) { f->flags |= F_ERR; return -1; }
		if (!got) { f->flags |= F_EOF; return -1; }
		f->rpos = 0;
		f->rlen = got;
	}
	return f->rbuf[f->rpos++];
}

/* One UTF-16 unit from the stream (UTF-8 decoded, or raw UTF-16), or -1. */
static int getunit(FILE *f, WCHAR *pending)
{
	if (*pending) { WCHAR c = *pending; *pending = 0; return c; }
	if (f->flags & F_U16) {
		int lo = getbyte(f);
		if (lo < 0) return -1;
		int hi = getbyte(f);
		if (hi < 0) return -1;
		return lo | hi << 8;
	}
	int c = getbyte(f);
	if (c < 0x80) return c;
	int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (!extra) return 0xfffd;
	uint32_t cp = (uint32_t)c & (0x3fu >> extra);
	for (int i = 0; i < extra; i++) {
		int b = getbyte(f);
		if (b < 0 || (b & 0xc0) != 0x80) return 0xfffd; /* a malformed sequence */
		cp = cp << 6 | ((uint32_t)b & 0x3f);
	}
	if (cp >= 0x10000) {
		cp -= 0x10000;
		*pending = (WCHAR)(0xdc00 + (cp & 0x3ff));
		return (int)(0xd800 + (cp >> 10));
	}
	return (int)cp;
}

WCHAR *fgetws(WCHAR *buf, int n, FILE *f)
{
	if (!f || !buf || n <= 0) return 0;
	int i = 0;
	while (i < n - 1) {
		int c = getunit(f, &f->pend);
		if (c < 0) break;
		if (c == '\r' && (f->flags & F_TEXT)) {
			int d = getunit(f, &f->pend);
			if (d == '\n') c = '\n';
			else if (d >= 0) f->pend = (WCHAR)d;
		}
		buf[i++] = (WCHAR)c;
		if (c == '\n') break;
	}
	if (i == 0) return 0;
	buf[i] = 0;
	return buf;
}

int feof(FILE *f) { return f ? (f->flags & F_EOF) != 0 : 0; }
int ferror(FILE *f) { return f ? (f->flags & F_ERR) != 0 : 0; }

FILE *_wfopen(const WCHAR *name, const WCHAR *mode)
{
	DWORD access = 0, creation = 0;
	int flags = F_TEXT;
	if (!name || !mode) { *crt_errno() = 22; return 0; }
	const WCHAR *m = mode;
	switch (*m++) {
	case 'r': access = 0x80000000u; creation = 3; flags |= F_READ; break;
	case 'w': access = 0x40000000u; creation = 2; flags |= F_WRITE; break;
	case 'a': access = 0x40000000u; creation = 4; flags |= F_WRITE | F_APPEND; break;
	default: *crt_errno() = 22; return 0;
	}
	for (; *m && *m != ','; m++) {
		if (*m == '+') { access = 0xc0000000u; flags |= F_READ | F_WRITE; }
		else if (*m == 'b') flags &= ~F_TEXT;
		else if (*m == 't') flags |= F_TEXT;
	}
	if (*m == ',') { /* ",ccs=UNICODE" / "UTF-16LE" / "UTF-8" */
		while (*m == ',' || *m == ' ') m++;
		static const WCHAR ccs[] = u"ccs=";
		int ok = 1;
		for (int i = 0; i < 4; i++) if (w_lower(m[i]) != ccs[i]) ok = 0;
		if (ok) {
			m += 4;
			/* without a byte-order mark: UNICODE and UTF-8 mean UTF-8, UTF-16LE
			 * means UTF-16 (the fopen documentation's table); a mark wins */
			if (w_icmp(m, u"UTF-16LE") == 0) flags |= F_U16;
		}
	}
	HANDLE h = CreateFileW(name, access, 3 /* share read/write */, 0, creation, 0x80, 0);
	if (h == INVALID_HANDLE_VALUE) { *crt_errno() = 2; return 0; }
	if (flags & F_APPEND) SetFilePointer(h, 0, 0, 2);
	FILE *f = malloc(sizeof *f);
	if (!f) { CloseHandle(h); *crt_errno() = 12; return 0; }
	f->h = h;
	f->flags = flags;
	f->std = 0;
	f->rpos = f->rlen = 0;
	f->pend = 0;
	/* a UTF-16 byte-order mark selects UTF-16; a UTF-8 one is skipped */
	if ((flags & F_READ) && !(flags & F_WRITE)) {
		int a = getbyte(f);
		if (a == 0xff && f->rpos < f->rlen && f->rbuf[f->rpos] == 0xfe) { f->rpos++; f->flags |= F_U16; }
		else if (a == 0xef && f->rlen - f->rpos >= 2 && f->rbuf[f->rpos] == 0xbb && f->rbuf[f->rpos + 1] == 0xbf) {
			f->rpos += 2;
			f->flags &= ~F_U16;
		}
		else if (a >= 0) f->rpos--;
		f->flags &= ~F_EOF;
	}
	return f;
}

FILE *fopen(const char *name, const char *mode)
{
	WCHAR wn[1024], wm[32];
	if (MultiByteToWideChar(65001, 0, name, -1, wn, 1024) <= 0) return 0;
	if (MultiByteToWideChar(65001, 0, mode, -1, wm, 32) <= 0) return 0;
	return _wfopen(wn, wm);
}

int fclose(FILE *f)
{
	if (!f) return -1;
	if (f->flags & F_STD) return 0;
	BOOL ok = CloseHandle(f->h);
	free(f);
	return ok ? 0 : -1;
}

/* --- printf entry points --- */
#define OPT_LEGACY_NULL_TERMINATION 1
#define OPT_STANDARD_SNPRINTF       2
#define OPT_LEGACY_WIDE_SPECIFIERS  4

static int finish(struct fmt_out *o, uint64_t opt, size_t count)
{
	size_t n = o->n;
	int wide = o->wide;
#define TERM(i) do { if (wide) ((WCHAR *)o->buf)[i] = 0; else ((char *)o->buf)[i] = 0; } while (0)
	if (!o->buf) return (int)n;
	if (n < count) { TERM(n); return (int)n; }
	if (count == 0) return (opt & OPT_STANDARD_SNPRINTF) ? (int)n : -1;
	if (opt & OPT_STANDARD_SNPRINTF) { TERM(count - 1); return (int)n; }
	if (opt & OPT_LEGACY_NULL_TERMINATION) return n == count ? (int)n : -1;
	TERM(count - 1);
	return -1;
#undef TERM
}

int __stdio_common_vsprintf(uint64_t opt, char *buf, size_t count, const char *fmt, void *locale, va_list ap)
{
	(void)locale;
	if (!fmt) return -1;
	struct fmt_out o = { 0, buf, buf ? count : 0, 0 };
	va_list a;
	va_copy(a, ap);
	fmt_format(&o, fmt, 0, &a);
	va_end(a);
	return finish(&o, opt, count);
}

int __stdio_common_vswprintf(uint64_t opt, WCHAR *buf, size_t count, const WCHAR *fmt, void *locale, va_list ap)
{
	(void)locale;
	if (!fmt) return -1;
	struct fmt_out o = { 1, buf, buf ? count : 0, 0 };
	va_list a;
	va_copy(a, ap);
	fmt_format(&o, fmt, FMT_WIDE_FORMAT | ((opt & OPT_LEGACY_WIDE_SPECIFIERS) ? FMT_LEGACY_WIDE : 0), &a);
	va_end(a);
	return finish(&o, opt, count);
}

int __stdio_common_vfprintf(uint64_t opt, FILE *f, const char *fmt, void *locale, va_list ap)
{
	char tmp[2048];
	(void)locale; (void)opt;
	struct fmt_out o = { 0, tmp, sizeof tmp, 0 };
	va_list a;
	va_copy(a, ap);
	fmt_format(&o, fmt, 0, &a);
	va_end(a);
	if (o.n > sizeof tmp) { /* long output: format again into a heap buffer */
		char *big = malloc(o.n);
		if (!big) return -1;
		struct fmt_out o2 = { 0, big, o.n, 0 };
		va_copy(a, ap);
		fmt_format(&o2, fmt, 0, &a);
		va_end(a);
		size_t w = fwrite(big, 1, o2.n, f);
		free(big);
		return w == o2.n ? (int)o2.n : -1;
	}
	return fwrite(tmp, 1, o.n, f) == o.n ? (int)o.n : -1;
}

int __stdio_common_vfwprintf(uint64_t opt, FILE *f, const WCHAR *fmt, void *locale, va_list ap)
{
	/* wide output to a byte stream: written as UTF-8 */
	char tmp[4096];
	(void)locale;
	struct fmt_out o = { 0, tmp, sizeof tmp, 0 };
	va_list a;
	va_copy(a, ap);
	fmt_format(&o, fmt, FMT_WIDE_FORMAT | ((opt & OPT_LEGACY_WIDE_SPECIFIERS) ? FMT_LEGACY_WIDE : 0), &a);
	va_end(a);
	size_t n = o.n < sizeof tmp ? o.n : sizeof tmp;
	return fwrite(tmp, 1, n, f) == n ? (int)o.n : -1;
}

int _vsnprintf(char *buf, size_t count, const char *fmt, va_list ap)
{
	return __stdio_common_vsprintf(OPT_LEGACY_NULL_TERMINATION, buf, count, fmt, 0, ap);
}
int _vsnwprintf(WCHAR *buf, size_t count, const WCHAR *fmt, va_list ap)
{
	return __stdio_common_vswprintf(OPT_LEGACY_NULL_TERMINATION | OPT_LEGACY_WIDE_SPECIFIERS, buf, count, fmt, 0, ap);
}
int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = __stdio_common_vfprintf(0, &iob[1], fmt, 0, ap);
	va_end(ap);
	return r;
}
int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = __stdio_common_vsprintf(OPT_STANDARD_SNPRINTF, buf, (size_t)1 << 30, fmt, 0, ap);
	va_end(ap);
	return r;
}
int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = __stdio_common_vsprintf(OPT_STANDARD_SNPRINTF, buf, n, fmt, 0, ap);
	va_end(ap);
	return r;
}
#endif
