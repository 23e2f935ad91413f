#if defined(_WIN64) || defined(W32_HOST_TEST)
#include "path.h"

#define PBUF 1024

static int is_device(const WCHAR *comp, size_t n, const WCHAR **dev)
{
	static const WCHAR *names[] = { u"CON", u"NUL", u"AUX", u"PRN", u"CONIN$", u"CONOUT$",
		u"COM1", u"COM2", u"COM3", u"COM4", u"LPT1", u"LPT2", u"LPT3", 0 };
	/* the name part before an extension or a colon, trailing spaces dropped */
	size_t k = 0;
	while (k < n && comp[k] != '.' && comp[k] != ':') k++;
	while (k > 0 && comp[k - 1] == ' ') k--;
	for (int i = 0; names[i]; i++) {
		size_t l = w_len(names[i]);
		if (l == k && w_icmp_n(comp, names[i], k) == 0) { *dev = names[i]; return 1; }
	}
	return 0;
}

static size_t emit(WCHAR *out, size_t cap, const WCHAR *s, size_t n)
{
	if (n + 1 > cap) return n + 1;
	for (size_t i = 0; i < n; i++) out[i] = s[i];
	out[n] = 0;
	return n;
}

size_t path_full(const WCHAR *cwd, const WCHAR *name, WCHAR *out, size_t cap)
{
	WCHAR buf[PBUF];
	size_t bl = 0, nl = w_len(name);
	if (!nl) return 0;
	/* \\?\ and \\.\ prefixes pass through untouched */
	if (nl >= 4 && w_is_sep(name[0]) && w_is_sep(name[1]) && (name[2] == '?' || name[2] == '.') && w_is_sep(name[3])) {
		if (nl >= PBUF) return 0;
		for (size_t i = 0; i < nl; i++) buf[i] = name[i] == '/' ? '\\' : name[i];
		return emit(out, cap, buf, nl);
	}
	/* device names: "nul", "c:\dir\con.txt" */
	{
		size_t s = nl;
		while (s > 0 && !w_is_sep(name[s - 1]) && !(s == 2 && name[1] == ':')) s--;
		const WCHAR *dev;
		if (is_device(name + s, nl - s, &dev)) {
			size_t dl = w_len(dev);
			buf[0] = '\\'; buf[1] = '\\'; buf[2] = '.'; buf[3] = '\\';
			for (size_t i = 0; i < dl; i++) buf[4 + i] = dev[i];
			return emit(out, cap, buf, 4 + dl);
		}
	}
	size_t root; /* length of the root part in buf that ".." never climbs over */
	const WCHAR *rest;
	WCHAR drive = (cwd && cwd[0] && cwd[1] == ':') ? w_upper(cwd[0]) : 'C';
	if (w_is_sep(name[0]) && w_is_sep(name[1])) { /* UNC \\server\share */
		buf[bl++] = '\\'; buf[bl++] = '\\';
		rest = name + 2;
		root = 2;
	} else if (nl >= 2 && name[1] == ':') {
		WCHAR d = w_upper(name[0]);
		if (!((d >= 'A' && d <= 'Z'))) return 0;
		buf[bl++] = d; buf[bl++] = ':'; buf[bl++] = '\\';
		root = 3;
		if (w_is_sep(name[2])) rest = name + 3;
		else { /* drive-relative: the current directory if it is on that drive */
			if (d == drive && cwd) {
				size_t cl = w_len(cwd);
				if (cl + 2 >= PBUF) return 0;
				for (size_t i = 3; i < cl; i++) buf[bl++] = cwd[i] == '/' ? '\\' : cwd[i];
				if (buf[bl - 1] != '\\') buf[bl++] = '\\';
			}
			rest = name + 2;
		}
	} else if (w_is_sep(name[0])) {
		buf[bl++] = drive; buf[bl++] = ':'; buf[bl++] = '\\';
		root = 3;
		rest = name + 1;
	} else {
		buf[bl++] = drive; buf[bl++] = ':'; buf[bl++] = '\\';
		root = 3;
		if (cwd) {
			size_t cl = w_len(cwd);
			if (cl + 2 >= PBUF) return 0;
			for (size_t i = 3; i < cl; i++) buf[bl++] = cwd[i] == '/' ? '\\' : cwd[i];
			if (buf[bl - 1] != '\\') buf[bl++] = '\\';
		}
		rest = name;
	}
	/* append rest component by component */
	size_t i = 0, rl = w_len(rest);
	int trailing = rl > 0 && w_is_sep(rest[rl - 1]);
	while (i < rl) {
		while (i < rl && w_is_sep(rest[i])) i++;
		size_t s = i;
		while (i < rl && !w_is_sep(rest[i])) i++;
		size_t n = i - s;
		if (n == 0) break;
		if (n == 1 && rest[s] == '.') continue;
		if (n == 2 && rest[s] == '.' && rest[s + 1] == '.') {
			if (bl > root) { /* drop the last component */
				bl--; /* the separator after it */
				while (bl > root && buf[bl - 1] != '\\') bl--;
			}
			continue;
		}
		/* trailing dots and spaces of a component are dropped, as Windows does */
		size_t m = n;
		while (m > 0 && (rest[s + m - 1] == '.' || rest[s + m - 1] == ' ')) m--;
		if (m == 0) continue;
		if (bl + m + 2 >= PBUF) return 0;
		for (size_t k = 0; k < m; k++) buf[bl++] = rest[s + k];
		buf[bl++] = '\\';
	}
	if (bl > root && buf[bl - 1] == '\\' && !trailing) bl--;
	return emit(out, cap, buf, bl);
}

size_t path_dos_to_nt(const WCHAR *cwd, const WCHAR *name, WCHAR *out, size_t cap)
{
	WCHAR full[PBUF];
	size_t fl;
	size_t nl = w_len(name);
	if (nl >= 4 && name[0] == '\\' && name[1] == '\\' && name[2] == '?' && name[3] == '\\') {
		/* \\?\ : no normalisation at all */
		if (nl >= PBUF) return 0;
		for (size_t i = 0; i <= nl; i++) full[i] = name[i];
		fl = nl;
	} else {
		fl = path_full(cwd, name, full, PBUF);
		if (fl == 0 || fl >= PBUF) return 0;
	}
	WCHAR buf[PBUF + 8];
	size_t bl = 0;
	buf[bl++] = '\\'; buf[bl++] = '?'; buf[bl++] = '?'; buf[bl++] = '\\';
	size_t from;
	if (fl >= 4 && full[0] == '\\' && full[1] == '\\' && (full[2] == '?' || full[2] == '.') && full[3] == '\\') from = 4;
	else if (fl >= 2 && full[0] == '\\' && full[1] == '\\') {
		buf[bl++] = 'U'; buf[bl++] = 'N'; buf[bl++] = 'C'; buf[bl++] = '\\';
		from = 2;
	} else from = 0;
	for (size_t i = from; i < fl; i++) buf[bl++] = full[i];
	return emit(out, cap, buf, bl);
}

static int wild(const WCHAR *p, const WCHAR *n)
{
	for (;;) {
		if (!*p) return !*n;
		if (*p == '*') {
			while (*p == '*') p++;
			if (!*p) return 1;
			for (const WCHAR *t = n; ; t++) {
				if (wild(p, t)) return 1;
				if (!*t) return 0;
			}
		}
		if (*p == '?') {
			if (!*n) { p++; continue; } /* '?' also matches nothing at the end */
			p++; n++;
			continue;
		}
		if (*p == '.' && !*n) { /* "name." and "*." match names without extension */
			p++;
			continue;
		}
		if (w_upper(*p) != w_upper(*n)) return 0;
		p++; n++;
	}
}

int path_wild_match(const WCHAR *pattern, const WCHAR *name)
{
	/* "*.*" and "*" match everything; "x.*" also matches "x" */
	size_t pl = w_len(pattern);
	if (pl >= 2 && pattern[pl - 1] == '.' && pattern[pl - 2] != '.') {
		/* "*." and "name.": names without an extension */
		WCHAR tmp[PBUF];
		if (pl >= PBUF) return 0;
		for (const WCHAR *q = name; *q; q++) if (*q == '.') return 0;
		for (size_t i = 0; i < pl - 1; i++) tmp[i] = pattern[i];
		tmp[pl - 1] = 0;
		return wild(tmp, name);
	}
	if (pl >= 2 && pattern[pl - 2] == '.' && pattern[pl - 1] == '*') {
		WCHAR tmp[PBUF];
		if (pl >= PBUF) return 0;
		for (size_t i = 0; i < pl; i++) tmp[i] = pattern[i];
		tmp[pl] = 0;
		if (wild(tmp, name)) return 1;
		tmp[pl - 2] = 0; /* without ".*" */
		return wild(tmp, name);
	}
	return wild(pattern, name);
}
#endif
