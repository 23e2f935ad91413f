/*
 * Host unit tests of the DLLs' pure helpers (make win32-hosttest; run by
 * kernel/win32_test.go): the printf engine (against the host C library for
 * the standard conversions, against documented Microsoft behaviour for the
 * rest), UTF-8/UTF-16 conversion, the heap (randomised, checked after every
 * operation), DOS->NT paths, wildcards, command-line splitting, and the
 * resource walker (on a synthetic image and, if given, on Wine's cmd.exe).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "w32.h"
#include "fmt.h"
#include "heap.h"
#include "path.h"
#include "argv.h"
#include "rsrc.h"

static int failures, checks;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)

static char *narrow(const WCHAR *w)
{
	static char buf[8][2048];
	static int k;
	char *b = buf[k++ & 7];
	size_t n = fmt_utf16_to_utf8(w, w_len(w), b, 2047);
	b[n == (size_t)-1 ? 0 : n] = 0;
	return b;
}

static const char *ours(const char *fmt, ...)
{
	static char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	struct fmt_out o = { 0, buf, sizeof buf - 1, 0 };
	fmt_format(&o, fmt, 0, &ap);
	va_end(ap);
	buf[o.n < sizeof buf - 1 ? o.n : sizeof buf - 1] = 0;
	return buf;
}

static const char *oursw(int legacy, const WCHAR *fmt, ...)
{
	static WCHAR buf[1024];
	va_list ap;
	va_start(ap, fmt);
	struct fmt_out o = { 1, buf, 1023, 0 };
	fmt_format(&o, fmt, FMT_WIDE_FORMAT | (legacy ? FMT_LEGACY_WIDE : 0), &ap);
	va_end(ap);
	buf[o.n < 1023 ? o.n : 1023] = 0;
	return narrow(buf);
}

#define SAME(fmt, ...) do { char ref[4096]; snprintf(ref, sizeof ref, fmt, __VA_ARGS__); \
	const char *got = ours(fmt, __VA_ARGS__); CHECK(strcmp(ref, got) == 0, "%s: want [%s] got [%s]", fmt, ref, got); } while (0)

static void test_printf(void)
{
	SAME("%d|%i|%u", 42, -17, 3000000000u);
	SAME("%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42);
	SAME("%.3d|%8.3d|%-8.3d|%.0d|", 7, -7, 7, 0);
	SAME("%x|%X|%#x|%#X|%o|%#o|%#o", 0xbeefu, 0xbeefu, 0x1fu, 0x1fu, 8u, 8u, 0u);
	SAME("%lld|%llu|%llx", (long long)-1234567890123LL, 18446744073709551615ULL, 0x123456789abcULL);
	SAME("%hd|%hu|%hhd|%hhu", 70000, 70000, 300, 300);
	SAME("%zu|%zd", (size_t)123456789012ULL, (ptrdiff_t)-5);
	SAME("%c|%3c|%-3c|", 'a', 'b', 'c');
	SAME("%s|%10s|%-10s|%.2s|%*s|%-*s|%.*s", "abc", "abc", "abc", "abc", 6, "x", 6, "y", 1, "zz");
	SAME("%%|%s|", "x");
	SAME("%d %s %d", -2147483647 - 1, "mid", 2147483647);
	/* floating point against glibc, up to 15 significant digits */
	double vals[] = { 0.0, -0.0, 1.0, -1.5, 0.1, 2.5, 3.14159265358979, 1e10, 1.5e-7, 123456.789, 9.9999, 0.00049,
		999999.5, 1e300, 4.9e-300, 0.5, 1.0 / 3.0, 100.0, 65536.0, 1234567.0 };
	const char *ffmts[] = { "%f", "%.0f", "%.1f", "%.3f", "%10.4f", "%-12.2f|", "%+.2f", "%e", "%.0e", "%.3e", "%E",
		"%12.4e", "%g", "%.3g", "%.10g", "%G", "%#g", "%#.0f", "%010.3f" };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++)
		for (size_t j = 0; j < sizeof ffmts / sizeof ffmts[0]; j++) {
			if (vals[i] > 1e100 && strchr(ffmts[j], 'f')) continue;
			/* glibc prints "1.e+06" for %#g of 999999.5; C11 7.21.6.1 wants P-1 = 5 decimals after the carry */
			if (vals[i] == 999999.5 && strcmp(ffmts[j], "%#g") == 0) { CHECK(strcmp(ours("%#g", vals[i]), "1.00000e+06") == 0, "%%#g carry"); continue; } /* 300-digit integers: beyond our precision */
			char ref[512];
			snprintf(ref, sizeof ref, ffmts[j], vals[i]);
			const char *got = ours(ffmts[j], vals[i]);
			CHECK(strcmp(ref, got) == 0, "%s of %.17g: want [%s] got [%s]", ffmts[j], vals[i], ref, got);
		}
	CHECK(strcmp(ours("%f|%e", 1.0 / 0.0, -1.0 / 0.0), "inf|-inf") == 0, "inf: %s", ours("%f|%e", 1.0 / 0.0, -1.0 / 0.0));
	/* Microsoft-specific */
	CHECK(strcmp(ours("%p", (void *)0x1234), "0000000000001234") == 0, "%%p: %s", ours("%p", (void *)0x1234));
	CHECK(strcmp(ours("%I64d|%I64x|%I32d", -5LL, 0xabcdef0123ULL, 7), "-5|abcdef0123|7") == 0, "I64: %s",
		ours("%I64d|%I64x|%I32d", -5LL, 0xabcdef0123ULL, 7));
	CHECK(strcmp(ours("%S|%ls|%hs|%ws", u"wide", u"w2", "n", u"w3"), "wide|w2|n|w3") == 0, "S: %s",
		ours("%S|%ls|%hs|%ws", u"wide", u"w2", "n", u"w3"));
	CHECK(strcmp(ours("%s", (char *)0), "(null)") == 0, "null");
	CHECK(strcmp(ours("[%ls]", u"h\u00e9\u20ac"), "[h\xc3\xa9\xe2\x82\xac]") == 0, "utf8 out");
	/* wide formats: legacy (cmd passes option 4): %s is wide, %S narrow */
	CHECK(strcmp(oursw(1, u"%s=%S=%c=%C=%d", u"wide", "narrow", (int)u'W', 'n', 5), "wide=narrow=W=n=5") == 0, "legacy: %s",
		oursw(1, u"%s=%S=%c=%C=%d", u"wide", "narrow", (int)u'W', 'n', 5));
	CHECK(strcmp(oursw(0, u"%s=%S=%ls=%hs", "narrow", u"wide", u"l", "h"), "narrow=wide=l=h") == 0, "standard: %s",
		oursw(0, u"%s=%S=%ls=%hs", "narrow", u"wide", u"l", "h"));
	CHECK(strcmp(oursw(1, u"%-6s|%6.2s|%08.3f", u"ab", u"xyz", 3.14159), "ab    |    xy|0003.142") == 0, "wide pad: %s",
		oursw(1, u"%-6s|%6.2s|%08.3f", u"ab", u"xyz", 3.14159));
	CHECK(strcmp(oursw(1, u"%s", u"\U0001F600"), "\xf0\x9f\x98\x80") == 0, "surrogates");
	/* truncation: the engine counts past the capacity */
	char small[4];
	struct fmt_out o = { 0, small, 4, 0 };
	va_list dummy;
	(void)dummy;
	size_t n = fmt_format(&o, "abcdefgh", 0, 0);
	CHECK(n == 8 && memcmp(small, "abcd", 4) == 0, "truncation counted %zu", n);
}

static void test_utf(void)
{
	WCHAR w[16];
	size_t n = fmt_utf8_to_utf16("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10, w, 16);
	CHECK(n == 5 && w[0] == 'a' && w[1] == 0xe9 && w[2] == 0x20ac && w[3] == 0xd83d && w[4] == 0xde00, "utf8->16 %zu", n);
	n = fmt_utf8_to_utf16("\xff\xc3", 2, w, 16);
	CHECK(n == 2 && w[0] == 0xfffd && w[1] == 0xfffd, "invalid utf8 %zu %x %x", n, w[0], w[1]);
	char b[16];
	WCHAR lone[] = { 'x', 0xd800, 'y' };
	n = fmt_utf16_to_utf8(lone, 3, b, 16);
	CHECK(n == 5 && memcmp(b, "x\xef\xbf\xbdy", 5) == 0, "lone surrogate %zu", n);
	CHECK(fmt_utf16_to_utf8(u"\u20ac", 1, 0, 0) == 3, "count only");
	CHECK(fmt_utf8_to_utf16("abc", 3, w, 2) == (size_t)-1, "overflow reported");
}

/* --- heap --- */
static size_t os_bytes;
void *heap_os_alloc(size_t size)
{
	void *p = aligned_alloc(4096, (size + 4095) & ~(size_t)4095);
	if (p) { memset(p, 0, size); os_bytes += size; }
	return p;
}
void heap_os_free(void *p, size_t size) { os_bytes -= size; free(p); }

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static void test_heap(void)
{
	struct heap *h = heap_create();
	enum { N = 600 };
	unsigned char *ptr[N] = { 0 };
	size_t len[N] = { 0 };
	int bad = 0;
	for (int step = 0; step < 40000 && !bad; step++) {
		int i = (int)(rnd() % N);
		int op = (int)(rnd() % 4);
		size_t sz = (rnd() % 8 == 0) ? rnd() % 400000 : rnd() % 600;
		if (ptr[i] && op == 0) {
			for (size_t k = 0; k < len[i]; k++) if (ptr[i][k] != (unsigned char)(i + k)) { bad = 1; break; }
			CHECK(heap_free(h, ptr[i]), "free");
			ptr[i] = 0;
		} else if (ptr[i] && op == 1) {
			int zero = (int)(rnd() & 1);
			unsigned char *q = heap_realloc(h, ptr[i], sz, zero, 0);
			CHECK(q != 0, "realloc");
			size_t keep = len[i] < sz ? len[i] : sz;
			for (size_t k = 0; k < keep; k++) if (q[k] != (unsigned char)(i + k)) { bad = 2; break; }
			if (zero) for (size_t k = keep; k < sz; k++) if (q[k]) { bad = 3; break; }
			for (size_t k = 0; k < sz; k++) q[k] = (unsigned char)(i + k);
			ptr[i] = q; len[i] = sz;
		} else if (!ptr[i]) {
			int zero = (int)(rnd() & 1);
			unsigned char *q = heap_alloc(h, sz, zero);
			CHECK(q != 0 && ((uintptr_t)q & 15) == 0, "alloc aligned");
			if (zero) for (size_t k = 0; k < sz; k++) if (q[k]) { bad = 4; break; }
			for (size_t k = 0; k < sz; k++) q[k] = (unsigned char)(i + k);
			ptr[i] = q; len[i] = sz;
			CHECK(heap_size(h, q) == sz, "size %zu vs %zu", heap_size(h, q), sz);
		}
		if (step % 97 == 0) CHECK(heap_check(h), "heap consistent at step %d", step);
	}
	CHECK(!bad, "heap contents (%d)", bad);
	CHECK(heap_check(h), "heap consistent");
	for (int i = 0; i < N; i++) if (ptr[i]) heap_free(h, ptr[i]);
	CHECK(heap_check(h), "heap consistent after freeing all");
	/* everything coalesced: one big allocation fits in the first segment again */
	void *big = heap_alloc(h, 200000, 0);
	CHECK(big != 0, "big after free");
	CHECK(!heap_free(h, (char *)big + 16), "bad pointer refused");
	CHECK(heap_size(h, (char *)big + 32) == (size_t)-1, "bad size refused");
	void *a = heap_alloc(h, 100, 0);
	CHECK(heap_realloc(h, a, 50, 0, 1) == a, "in-place shrink");
	heap_destroy(h);
}

/* --- paths --- */
static void test_paths(void)
{
	static const struct { const WCHAR *cwd, *in, *full, *nt; } t[] = {
		{ u"C:\\", u"a.txt", u"C:\\a.txt", u"\\??\\C:\\a.txt" },
		{ u"C:\\dir\\", u"a.txt", u"C:\\dir\\a.txt", u"\\??\\C:\\dir\\a.txt" },
		{ u"C:\\dir", u"sub\\..\\b", u"C:\\dir\\b", u"\\??\\C:\\dir\\b" },
		{ u"C:\\dir\\x", u"..", u"C:\\dir", u"\\??\\C:\\dir" },
		{ u"C:\\dir", u"..\\..\\..", u"C:\\", u"\\??\\C:\\" },
		{ u"C:\\dir", u"\\top\\f", u"C:\\top\\f", u"\\??\\C:\\top\\f" },
		{ u"C:\\dir", u"c:/Windows//System32/", u"C:\\Windows\\System32\\", u"\\??\\C:\\Windows\\System32\\" },
		{ u"C:\\dir", u"C:rel", u"C:\\dir\\rel", u"\\??\\C:\\dir\\rel" },
		{ u"C:\\dir", u"D:rel", u"D:\\rel", u"\\??\\D:\\rel" },
		{ u"C:\\dir", u".", u"C:\\dir", u"\\??\\C:\\dir" },
		{ u"C:\\dir", u"name.  ", u"C:\\dir\\name", u"\\??\\C:\\dir\\name" },
		{ u"C:\\dir", u"nul", u"\\\\.\\NUL", u"\\??\\NUL" },
		{ u"C:\\dir", u"x\\CON.txt", u"\\\\.\\CON", u"\\??\\CON" },
		{ u"C:\\dir", u"\\\\?\\C:\\raw\\..", u"\\\\?\\C:\\raw\\..", u"\\??\\C:\\raw\\.." },
		{ u"C:\\dir", u"\\\\server\\share\\f", u"\\\\server\\share\\f", u"\\??\\UNC\\server\\share\\f" },
		{ u"C:\\", u"C:\\", u"C:\\", u"\\??\\C:\\" },
		{ u"C:\\", u"console.txt", u"C:\\console.txt", u"\\??\\C:\\console.txt" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		WCHAR out[600];
		size_t n = path_full(t[i].cwd, t[i].in, out, 600);
		CHECK(n && n < 600 && w_icmp(out, t[i].full) == 0 && w_len(out) == n, "full(%s, %s) = %s, want %s",
			narrow(t[i].cwd), narrow(t[i].in), n && n < 600 ? narrow(out) : "(fail)", narrow(t[i].full));
		n = path_dos_to_nt(t[i].cwd, t[i].in, out, 600);
		CHECK(n && n < 600 && w_icmp(out, t[i].nt) == 0, "nt(%s, %s) = %s, want %s", narrow(t[i].cwd), narrow(t[i].in),
			n && n < 600 ? narrow(out) : "(fail)", narrow(t[i].nt));
	}
	WCHAR small[4];
	CHECK(path_full(u"C:\\", u"abcdef", small, 4) == 10, "size needed");
	static const struct { const WCHAR *p, *n; int m; } w[] = {
		{ u"*", u"a.txt", 1 }, { u"*.*", u"noext", 1 }, { u"*.txt", u"A.TXT", 1 }, { u"*.txt", u"a.txt2", 0 },
		{ u"a?c", u"abc", 1 }, { u"a?c", u"ac", 0 }, { u"*.", u"noext", 1 }, { u"*.", u"a.b", 0 },
		{ u"a*b*c", u"aXXbYYc", 1 }, { u"a*b*c", u"aXXbYY", 0 }, { u"file.*", u"file", 1 }, { u"ab??", u"ab", 1 },
		{ u"exact", u"Exact", 1 }, { u"exact", u"exactly", 0 },
	};
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		CHECK(path_wild_match(w[i].p, w[i].n) == w[i].m, "wild(%s, %s) != %d", narrow(w[i].p), narrow(w[i].n), w[i].m);
}

/* --- argv: the examples of "Parsing C command-line arguments" --- */
static void test_argv(void)
{
	static const struct { const WCHAR *cl; const char *want; } t[] = {
		{ u"prog \"a b c\" d e", "prog|a b c|d|e|" },
		{ u"prog \"ab\\\"c\" \"\\\\\" d", "prog|ab\"c|\\|d|" },
		{ u"prog a\\\\\\b d\"e f\"g h", "prog|a\\\\\\b|de fg|h|" },
		{ u"prog a\\\\\\\"b c d", "prog|a\\\"b|c|d|" },
		{ u"prog a\\\\\\\\\"b c\" d e", "prog|a\\\\b c|d|e|" },
		{ u"prog a\"b\"\" c d", "prog|ab\" c d|" },
		{ u"\"C:\\Program Files\\x.exe\" arg", "C:\\Program Files\\x.exe|arg|" },
		{ u"C:\\a\\\"b.exe\" x", "C:\\a\\\"b.exe\"|x|" },
		{ u"prog   \t  ", "prog|" },
		{ u"prog \"\"", "prog||" },
		{ u"", "|" },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int argc;
		size_t chars = argv_parse(t[i].cl, 0, 0, &argc);
		WCHAR **argv = malloc(sizeof(WCHAR *) * (size_t)(argc + 1) + chars * 2);
		int argc2;
		argv_parse(t[i].cl, argv, (WCHAR *)(argv + argc + 1), &argc2);
		char got[1024] = "";
		for (int k = 0; k < argc2; k++) { strcat(got, narrow(argv[k])); strcat(got, "|"); }
		CHECK(argc == argc2 && strcmp(got, t[i].want) == 0 && argv[argc] == 0, "argv(%s) = %s, want %s", narrow(t[i].cl), got, t[i].want);
		free(argv);
	}
}

/* --- resources --- */
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

static void test_rsrc_synthetic(void)
{
	static uint8_t img[0x3000];
	memset(img, 0, sizeof img);
	put16(img, 0x5a4d);
	put32(img + 0x3c, 0x80);
	put32(img + 0x80, 0x4550);
	uint8_t *opt = img + 0x80 + 24;
	put16(opt, 0x20b);
	put32(opt + 108, 16);
	put32(opt + 112 + 16, 0x1000); /* resource directory RVA */
	put32(opt + 112 + 20, 0x1000);
	uint8_t *r = img + 0x1000;
	/* root: one id entry, type 6 -> dir at 0x18 */
	put16(r + 14, 1); put32(r + 16, 6); put32(r + 20, 0x80000000u | 0x18);
	/* type dir: name id 2 (strings 16..31) -> dir at 0x30 */
	uint8_t *d1 = r + 0x18;
	put16(d1 + 14, 1); put32(d1 + 16, 2); put32(d1 + 20, 0x80000000u | 0x30);
	/* name dir: languages 0x407 (German) then 0x409 -> data entries */
	uint8_t *d2 = r + 0x30;
	put16(d2 + 14, 2); put32(d2 + 16, 0x407); put32(d2 + 20, 0x60); put32(d2 + 24, 0x409); put32(d2 + 28, 0x70);
	put32(r + 0x60, 0x1200); put32(r + 0x64, 64);
	put32(r + 0x70, 0x1100); put32(r + 0x74, 64);
	/* the en-US table: strings 16 "", 17 "Hi", others empty */
	uint8_t *t = img + 0x1100;
	put16(t, 0); put16(t + 2, 2); put16(t + 4, 'H'); put16(t + 6, 'i');
	uint8_t *g = img + 0x1200;
	put16(g, 0); put16(g + 2, 3); put16(g + 4, 'H'); put16(g + 6, 'a'); put16(g + 8, 'l');
	const WCHAR *s;
	uint32_t len;
	CHECK(rsrc_find_string(img, 17, &s, &len) && len == 2 && s[0] == 'H' && s[1] == 'i', "string 17 (en-US preferred)");
	CHECK(rsrc_find_string(img, 16, &s, &len) && len == 0, "string 16 empty");
	CHECK(!rsrc_find_string(img, 5, &s, &len), "string 5 absent");
}

static void test_rsrc_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) { printf("skip: %s not readable\n", path); return; }
	static uint8_t file[4 << 20];
	size_t n = fread(file, 1, sizeof file, f);
	fclose(f);
	uint32_t pe = *(uint32_t *)(file + 0x3c);
	uint16_t nsec = *(uint16_t *)(file + pe + 6), optsz = *(uint16_t *)(file + pe + 20);
	uint32_t imgsize = *(uint32_t *)(file + pe + 24 + 56);
	uint8_t *img = calloc(1, imgsize);
	memcpy(img, file, 0x400);
	uint8_t *sec = file + pe + 24 + optsz;
	for (int i = 0; i < nsec; i++, sec += 40) {
		uint32_t va = *(uint32_t *)(sec + 12), rawsz = *(uint32_t *)(sec + 16), raw = *(uint32_t *)(sec + 20);
		if (raw + rawsz <= n && va + rawsz <= imgsize) memcpy(img + va, file + raw, rawsz);
	}
	int found = 0;
	const WCHAR *s;
	uint32_t len;
	char first[256] = "";
	uint32_t firstid = 0;
	for (uint32_t id = 0; id < 5000; id++)
		if (rsrc_find_string(img, id, &s, &len) && len) {
			if (!found++) {
				WCHAR tmp[200];
				uint32_t k = len < 199 ? len : 199;
				memcpy(tmp, s, k * 2);
				tmp[k] = 0;
				snprintf(first, sizeof first, "%s", narrow(tmp));
				firstid = id;
			}
		}
	printf("cmd.exe: %d strings; first id %u: \"%.60s\"\n", found, firstid, first);
	CHECK(found > 50 && strncmp(first, "CALL <batchfilename>", 20) == 0, "cmd.exe string tables (%d found)", found);
	free(img);
}

int main(int argc, char **argv)
{
	test_printf();
	test_utf();
	test_heap();
	test_paths();
	test_argv();
	test_rsrc_synthetic();
	if (argc > 1) test_rsrc_file(argv[1]);
	printf("%d checks, %d failures\n", checks, failures);
	if (!failures) printf("PASS\n");
	return failures ? 1 : 0;
}
