#if defined(_WIN64) || defined(W32_HOST_TEST)
/*
 * A printf engine written for the twinstep DLLs: flags (- + space # 0),
 * width and precision (also *), length modifiers hh h l ll L I I32 I64 z j t
 * w, conversions d i u x X o c C s S p e E f F g G n(ignored) %. Narrow
 * output encodes wide strings as UTF-8; wide output decodes narrow strings
 * from UTF-8 (our ANSI code page is UTF-8). Floating point goes through
 * long double digit generation: correct to ~18 significant digits, not the
 * exact binary expansion glibc prints for very long precisions.
 */
#include "fmt.h"

static void put(struct fmt_out *o, uint32_t c)
{
	if (o->wide) {
		if (c >= 0x10000) {
			c -= 0x10000;
			put(o, 0xd800 + (c >> 10));
			put(o, 0xdc00 + (c & 0x3ff));
			return;
		}
		if (o->buf && o->n < o->cap) ((WCHAR *)o->buf)[o->n] = (WCHAR)c;
		o->n++;
		return;
	}
	char tmp[4];
	int k = 0;
	if (c < 0x80) tmp[k++] = (char)c;
	else if (c < 0x800) { tmp[k++] = (char)(0xc0 | (c >> 6)); tmp[k++] = (char)(0x80 | (c & 0x3f)); }
	else if (c < 0x10000) {
		tmp[k++] = (char)(0xe0 | (c >> 12)); tmp[k++] = (char)(0x80 | ((c >> 6) & 0x3f));
		tmp[k++] = (char)(0x80 | (c & 0x3f));
	} else {
		tmp[k++] = (char)(0xf0 | (c >> 18)); tmp[k++] = (char)(0x80 | ((c >> 12) & 0x3f));
		tmp[k++] = (char)(0x80 | ((c >> 6) & 0x3f)); tmp[k++] = (char)(0x80 | (c & 0x3f));
	}
	for (int i = 0; i < k; i++) {
		if (o->buf && o->n < o->cap) ((char *)o->buf)[o->n] = tmp[i];
		o->n++;
	}
}

static void pad(struct fmt_out *o, uint32_t c, int n)
{
	while (n-- > 0) put(o, c);
}

/* Decoding one code point from a narrow (UTF-8) string of at most len bytes. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *used)
{
	uint32_t c = s[0];
	int extra;
	uint32_t min;
	if (c < 0x80) { *used = 1; return c; }
	if ((c & 0xe0) == 0xc0) { extra = 1; c &= 0x1f; min = 0x80; }
	else if ((c & 0xf0) == 0xe0) { extra = 2; c &= 0x0f; min = 0x800; }
	else if ((c & 0xf8) == 0xf0) { extra = 3; c &= 0x07; min = 0x10000; }
	else { *used = 1; return 0xfffd; }
	if ((size_t)extra >= len) { *used = 1; return 0xfffd; }
	for (int i = 1; i <= extra; i++) {
		if ((s[i] & 0xc0) != 0x80) { *used = 1; return 0xfffd; }
		c = (c << 6) | (s[i] & 0x3f);
	}
	*used = (size_t)extra + 1;
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) return 0xfffd;
	return c;
}

size_t fmt_utf8_to_utf16(const char *src, size_t srclen, WCHAR *dst, size_t dstcap)
{
	size_t i = 0, n = 0;
	while (i < srclen) {
		size_t used;
		uint32_t c = utf8_next((const unsigned char *)src + i, srclen - i, &used);
		i += used;
		if (c >= 0x10000) {
			c -= 0x10000;
			if (dst && n + 1 < dstcap) { dst[n] = (WCHAR)(0xd800 + (c >> 10)); dst[n + 1] = (WCHAR)(0xdc00 + (c & 0x3ff)); }
			else if (dst) return (size_t)-1;
			n += 2;
		} else {
			if (dst && n < dstcap) dst[n] = (WCHAR)c;
			else if (dst) return (size_t)-1;
			n++;
		}
	}
	return n;
}

static uint32_t utf16_next(const WCHAR *s, size_t len, size_t *used)
{
	uint32_t c = s[0];
	*used = 1;
	if (c >= 0xd800 && c < 0xdc00) {
		if (len > 1 && s[1] >= 0xdc00 && s[1] < 0xe000) {
			*used = 2;
			return 0x10000 + ((c - 0xd800) << 10) + (s[1] - 0xdc00);
		}
		return 0xfffd;
	}
	if (c >= 0xdc00 && c < 0xe000) return 0xfffd;
	return c;
}

size_t fmt_utf16_to_utf8(const WCHAR *src, size_t srclen, char *dst, size_t dstcap)
{
	struct fmt_out o = { 0, dst, dstcap, 0 };
	size_t i = 0;
	while (i < srclen) {
		size_t used;
		uint32_t c = utf16_next(src + i, srclen - i, &used);
		size_t before = o.n;
		put(&o, c);
		if (dst && o.n > dstcap) { (void)before; return (size_t)-1; }
		i += used;
	}
	return o.n;
}

enum { F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ALT = 8, F_ZERO = 16, F_UPPER = 32 };

/* Emits a converted field: sign/prefix, then zero padding, then body. */
static void field(struct fmt_out *o, int flags, int width, const char *prefix, int zeros, const char *body, int blen)
{
	int plen = 0;
	while (prefix[plen]) plen++;
	int total = plen + zeros + blen;
	if (!(flags & F_LEFT) && !(flags & F_ZERO)) pad(o, ' ', width - total);
	for (int i = 0; i < plen; i++) put(o, (unsigned char)prefix[i]);
	if (!(flags & F_LEFT) && (flags & F_ZERO)) pad(o, '0', width - total);
	pad(o, '0', zeros);
	for (int i = 0; i < blen; i++) put(o, (unsigned char)body[i]);
	if (flags & F_LEFT) pad(o, ' ', width - total);
}

static void fmt_int(struct fmt_out *o, uint64_t v, int neg, int base, int flags, int width, int prec)
{
	char buf[32];
	int n = 0;
	const char *digits = (flags & F_UPPER) ? "0123456789ABCDEF" : "0123456789abcdef";
	uint64_t orig = v;
	while (v) { buf[sizeof buf - 1 - n++] = digits[v % (unsigned)base]; v /= (unsigned)base; }
	if (prec < 0) prec = 1; else flags &= ~F_ZERO;
	if (n == 0 && prec == 0) { /* nothing */ }
	char prefix[4] = { 0 };
	int pl = 0;
	if (neg) prefix[pl++] = '-';
	else if (flags & F_PLUS) prefix[pl++] = '+';
	else if (flags & F_SPACE) prefix[pl++] = ' ';
	int zeros = prec > n ? prec - n : 0;
	if ((flags & F_ALT) && orig) {
		if (base == 16) { prefix[pl++] = '0'; prefix[pl++] = (flags & F_UPPER) ? 'X' : 'x'; }
		else if (base == 8 && zeros == 0) zeros = 1;
	}
	field(o, flags, width, prefix, zeros, buf + sizeof buf - n, n);
}

/* Decimal exponent of v (> 0, finite) and v scaled into [1, 10). */
#define MAXDIG 40
static int scale10(long double v, long double *x_out)
{
	int e = 0;
	long double x = v;
	/* coarse steps by 1e32 first keep the accumulated error small */
	while (x >= 1e32L) { x /= 1e32L; e += 32; }
	while (x >= 10.0L) { x /= 10.0L; e++; }
	while (x < 1e-32L) { x *= 1e32L; e -= 32; }
	while (x < 1.0L) { x *= 10.0L; e--; }
	*x_out = x;
	return e;
}

/* The first ndig significant digits of v (> 0) into d[0..MAXDIG) (values
 * 0-9, zero-filled), rounded to nearest with ties to even; returns the
 * power of ten of d[0] (one higher when rounding carried, 9.99 -> 10.0).
 * Beyond 19 digits (the long double's precision) digits are zeros. */
static int gen_digits(long double v, int ndig, char *d)
{
	long double x;
	int e = scale10(v, &x);
	for (int i = 0; i < MAXDIG; i++) d[i] = 0;
	if (ndig > MAXDIG) ndig = MAXDIG;
	if (ndig < 0) return 0; /* rounds to zero */
	if (ndig == 0) { /* rounds to 0 or to 10^(e+1) */
		if (x > 5.0L) { d[0] = 1; return e + 1; }
		return 0;
	}
	int real = ndig < 19 ? ndig : 19;
	for (int i = 0; i < real; i++) {
		int k = (int)x;
		if (k > 9) k = 9;
		d[i] = (char)k;
		x = (x - k) * 10.0L;
	}
	if (ndig <= 19 && (x > 5.0L || (x == 5.0L && (d[ndig - 1] & 1)))) {
		int i = ndig - 1;
		while (i >= 0 && d[i] == 9) d[i--] = 0;
		if (i >= 0) d[i]++;
		else { d[0] = 1; e++; }
	}
	return e;
}

static void fmt_float(struct fmt_out *o, double val, int conv, int flags, int width, int prec)
{
	char prefix[2] = { 0 };
	int neg = val < 0 || (val == 0 && 1.0 / val < 0);
	long double v = neg ? -(long double)val : (long double)val;
	if (neg) prefix[0] = '-';
	else if (flags & F_PLUS) prefix[0] = '+';
	else if (flags & F_SPACE) prefix[0] = ' ';
	int upper = conv == 'E' || conv == 'F' || conv == 'G';
	if (val != val || v > 1.7976931348623157e308L) {
		const char *s = val != val ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
		field(o, flags & ~F_ZERO, width, prefix, 0, s, 3);
		return;
	}
	if (prec < 0) prec = 6;
	char d[MAXDIG];
	char body[400];
	int bl = 0;
	int lc = conv | 0x20;
	int strip = 0;
	if (lc == 'g') {
		int P = prec == 0 ? 1 : prec;
		int X = v != 0 ? gen_digits(v, P, d) : 0;
		if (P > X && X >= -4) { lc = 'f'; prec = P - 1 - X; }
		else { lc = 'e'; prec = P - 1; }
		strip = !(flags & F_ALT);
	}
	if (prec > 300) prec = 300;
	if (lc == 'e') {
		int e = 0;
		if (v == 0) { for (int i = 0; i < MAXDIG; i++) d[i] = 0; }
		else e = gen_digits(v, prec + 1, d);
		body[bl++] = (char)('0' + d[0]);
		int fd = prec;
		if (strip) { while (fd > 0 && (fd >= MAXDIG || d[fd] == 0)) fd--; }
		if (fd > 0 || (flags & F_ALT)) body[bl++] = '.';
		for (int i = 1; i <= fd; i++) body[bl++] = (char)('0' + (i < MAXDIG ? d[i] : 0));
		body[bl++] = upper ? 'E' : 'e';
		body[bl++] = e < 0 ? '-' : '+';
		int ae = e < 0 ? -e : e;
		if (ae >= 100) body[bl++] = (char)('0' + ae / 100);
		body[bl++] = (char)('0' + ae / 10 % 10);
		body[bl++] = (char)('0' + ae % 10);
	} else {
		int e = 0;
		for (int i = 0; i < MAXDIG; i++) d[i] = 0;
		if (v != 0) {
			long double x;
			int e0 = scale10(v, &x);
			e = gen_digits(v, e0 + 1 + prec, d);
		}
		/* integer part: powers e..0; d[i] is the digit of power e - i */
		if (e < 0) body[bl++] = '0';
		else for (int p = e; p >= 0 && bl < 340; p--) {
			int idx = e - p;
			char dg = (char)(idx < MAXDIG ? d[idx] : 0);
			body[bl++] = (char)('0' + dg);
		}
		int fd = prec;
		if (strip) {
			while (fd > 0) {
				int idx = e + fd;
				int dig = (idx >= 0 && idx < MAXDIG) ? d[idx] : 0;
				if (dig) break;
				fd--;
			}
		}
		if (fd > 0 || (flags & F_ALT)) body[bl++] = '.';
		for (int p = -1; p >= -fd; p--) {
			int idx = e - p;
			body[bl++] = (char)('0' + ((idx >= 0 && idx < MAXDIG) ? d[idx] : 0));
		}
	}
	field(o, flags, width, prefix, 0, body, bl);
}

static void fmt_str(struct fmt_out *o, const void *s, int wide, int flags, int width, int prec)
{
	static const char null_s[] = "(null)";
	if (!s) { s = null_s; wide = 0; }
	/* count code points within precision (precision counts units as MSVC does) */
	size_t len = 0;
	if (wide) { const WCHAR *w = s; while ((prec < 0 || len < (size_t)prec) && w[len]) len++; }
	else { const char *c = s; while ((prec < 0 || len < (size_t)prec) && c[len]) len++; }
	int shown = (int)len;
	if (!(flags & F_LEFT)) pad(o, ' ', width - shown);
	size_t i = 0;
	while (i < len) {
		size_t used;
		uint32_t c = wide ? utf16_next((const WCHAR *)s + i, len - i, &used)
		                  : utf8_next((const unsigned char *)s + i, len - i, &used);
		/* narrow-to-narrow and wide-to-wide copy units unchanged */
		if (wide == o->wide) {
			for (size_t k = 0; k < used; k++) {
				uint32_t u = wide ? ((const WCHAR *)s)[i + k] : ((const unsigned char *)s)[i + k];
				if (o->wide) put(o, u);
				else { if (o->buf && o->n < o->cap) ((char *)o->buf)[o->n] = (char)u; o->n++; }
			}
		} else put(o, c);
		i += used;
	}
	if (flags & F_LEFT) pad(o, ' ', width - shown);
}

size_t fmt_format(struct fmt_out *o, const void *format, int fflags, va_list *ap)
{
	int wf = fflags & FMT_WIDE_FORMAT;
	const WCHAR *fw = format;
	const unsigned char *fn = format;
#define FC(i) (wf ? (uint32_t)fw[i] : (uint32_t)fn[i])
	size_t i = 0;
	for (;;) {
		uint32_t c = FC(i);
		if (!c) break;
		if (c != '%') {
			if (wf == o->wide) {
				if (o->wide) put(o, c);
				else { if (o->buf && o->n < o->cap) ((char *)o->buf)[o->n] = (char)c; o->n++; }
			} else {
				size_t used;
				uint32_t cp = wf ? utf16_next(fw + i, 2, &used) : utf8_next(fn + i, 4, &used);
				put(o, cp);
				i += used;
				continue;
			}
			i++;
			continue;
		}
		i++;
		int flags = 0, width = 0, prec = -1;
		for (;; i++) {
			c = FC(i);
			if (c == '-') flags |= F_LEFT;
			else if (c == '+') flags |= F_PLUS;
			else if (c == ' ') flags |= F_SPACE;
			else if (c == '#') flags |= F_ALT;
			else if (c == '0') flags |= F_ZERO;
			else break;
		}
		if (FC(i) == '*') {
			width = va_arg(*ap, int);
			if (width < 0) { flags |= F_LEFT; width = -width; }
			i++;
		} else while (FC(i) >= '0' && FC(i) <= '9') width = width * 10 + (int)(FC(i++) - '0');
		if (FC(i) == '.') {
			i++;
			prec = 0;
			if (FC(i) == '*') { prec = va_arg(*ap, int); if (prec < 0) prec = -1; i++; }
			else while (FC(i) >= '0' && FC(i) <= '9') prec = prec * 10 + (int)(FC(i++) - '0');
		}
		/* length: 0 int, 1 short, 2 char, 3 long (32-bit on Windows), 4 64-bit, 5 long double */
		int len = 0, wide_arg = -1;
		for (;;) {
			c = FC(i);
			if (c == 'h') { len = (len == 1) ? 2 : 1; wide_arg = 0; i++; }
			else if (c == 'l') { if (len == 3) len = 4; else { len = 3; } wide_arg = 1; i++; }
			else if (c == 'w') { wide_arg = 1; i++; }
			else if (c == 'L') { len = 5; i++; }
			else if (c == 'I') {
				if (FC(i + 1) == '6' && FC(i + 2) == '4') { len = 4; i += 3; }
				else if (FC(i + 1) == '3' && FC(i + 2) == '2') { len = 3; i += 3; }
				else { len = 4; i++; }
			} else if (c == 'z' || c == 'j' || c == 't') { len = 4; i++; }
			else if (c == 'q') { len = 4; i++; }
			else break;
		}
		c = FC(i);
		if (!c) break;
		i++;
		switch (c) {
		case 'd': case 'i': {
			int64_t v;
			if (len == 4) v = va_arg(*ap, int64_t);
			else v = va_arg(*ap, int);
			if (len == 1) v = (int16_t)v; else if (len == 2) v = (int8_t)v;
			fmt_int(o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, v < 0, 10, flags, width, prec);
			break;
		}
		case 'u': case 'x': case 'X': case 'o': {
			uint64_t v;
			if (len == 4) v = va_arg(*ap, uint64_t);
			else v = va_arg(*ap, unsigned int);
			if (len == 1) v = (uint16_t)v; else if (len == 2) v = (uint8_t)v;
			if (c == 'X') flags |= F_UPPER;
			fmt_int(o, v, 0, c == 'u' ? 10 : c == 'o' ? 8 : 16, flags & ~(F_PLUS | F_SPACE), width, prec);
			break;
		}
		case 'p': {
			uint64_t v = (uint64_t)(uintptr_t)va_arg(*ap, void *);
			fmt_int(o, v, 0, 16, (flags & F_LEFT) | F_UPPER, width, prec < 0 ? 16 : prec);
			break;
		}
		case 'c': case 'C': {
			int w;
			if (wide_arg >= 0) w = wide_arg;
			else if (c == 'c') w = wf && (fflags & FMT_LEGACY_WIDE);
			else w = !(wf && (fflags & FMT_LEGACY_WIDE));
			uint32_t ch = (uint32_t)va_arg(*ap, int);
			ch = w ? (ch & 0xffff) : (ch & 0xff);
			if (!(flags & F_LEFT)) pad(o, ' ', width - 1);
			if (!w && !o->wide) { if (o->buf && o->n < o->cap) ((char *)o->buf)[o->n] = (char)ch; o->n++; }
			else put(o, ch);
			if (flags & F_LEFT) pad(o, ' ', width - 1);
			break;
		}
		case 's': case 'S': {
			int w;
			if (wide_arg >= 0) w = wide_arg;
			else if (c == 's') w = wf && (fflags & FMT_LEGACY_WIDE);
			else w = !(wf && (fflags & FMT_LEGACY_WIDE));
			fmt_str(o, va_arg(*ap, const void *), w, flags, width, prec);
			break;
		}
		case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
			double v = va_arg(*ap, double); /* long double is double on Windows x64 */
			fmt_float(o, v, (int)c, flags, width, prec);
			break;
		}
		case 'n':
			(void)va_arg(*ap, void *); /* %n is refused (as the UCRT does by default) */
			break;
		default:
			put(o, c);
			break;
		}
	}
#undef FC
	return o->n;
}
#endif
