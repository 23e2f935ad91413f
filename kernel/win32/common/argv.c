#if defined(_WIN64) || defined(W32_HOST_TEST)
/*
 * The rules (documented in "Parsing C command-line arguments"):
 * - argv[0], the program name, ends at the first space or tab, unless it
 *   starts with a quote: then it runs to the next quote; no backslash rules.
 * - Other arguments are separated by spaces or tabs outside quotes.
 * - 2n backslashes then a quote: n backslashes, and the quote toggles
 *   quoting; 2n+1 backslashes then a quote: n backslashes and a literal quote.
 * - Backslashes not followed by a quote are literal.
 * - Inside quotes, "" gives a literal quote (and quoting continues).
 */
#include "argv.h"

size_t argv_parse(const WCHAR *cl, WCHAR **argv, WCHAR *strbuf, int *argc)
{
	size_t n = 0; /* chars used in strbuf */
	int count = 0;
	const WCHAR *p = cl ? cl : u"";
#define OUT(c) do { WCHAR ch_ = (WCHAR)(c); if (strbuf) strbuf[n] = ch_; n++; } while (0)
	/* program name */
	if (argv) argv[count] = strbuf + n;
	count++;
	if (*p == '"') {
		p++;
		while (*p && *p != '"') OUT(*p++);
		if (*p == '"') p++;
	} else {
		while (*p && *p != ' ' && *p != '\t') OUT(*p++);
	}
	OUT(0);
	for (;;) {
		while (*p == ' ' || *p == '\t') p++;
		if (!*p) break;
		if (argv) argv[count] = strbuf + n;
		count++;
		int inq = 0;
		while (*p) {
			if (!inq && (*p == ' ' || *p == '\t')) break;
			if (*p == '\\') {
				size_t bs = 0;
				while (*p == '\\') { bs++; p++; }
				if (*p == '"') {
					for (size_t i = 0; i < bs / 2; i++) OUT('\\');
					if (bs & 1) { OUT('"'); p++; }
					/* else the quote is handled below */
				} else {
					for (size_t i = 0; i < bs; i++) OUT('\\');
				}
				continue;
			}
			if (*p == '"') {
				if (inq && p[1] == '"') { OUT('"'); p += 2; continue; }
				inq = !inq;
				p++;
				continue;
			}
			OUT(*p++);
		}
		OUT(0);
	}
	if (argv) argv[count] = 0;
	*argc = count;
	return n;
#undef OUT
}
#endif
