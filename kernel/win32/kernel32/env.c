#if defined(_WIN64)
/* The environment: a process-local block ("NAME=value\0...\0\0"), copied
 * from the process parameters at start-up and kept there (PEB params
 * Environment) so that children and GetEnvironmentStringsW see changes. */
#include "k32.h"

static WCHAR *env;       /* the block */
static size_t env_units; /* units used, including the final NUL */
static size_t env_cap;

static size_t block_len(const WCHAR *b)
{
	size_t n = 0;
	if (!b) return 0;
	while (b[n]) { while (b[n]) n++; n++; }
	return n + 1;
}

static void publish(void)
{
	*(WCHAR **)(nt_params() + NT_PP_ENVIRONMENT) = env;
	*(uint64_t *)(nt_params() + NT_PP_ENVIRONMENT_SIZE) = env_units * 2;
}

void k32_env_init(void)
{
	const WCHAR *src = *(const WCHAR **)(nt_params() + NT_PP_ENVIRONMENT);
	size_t n = block_len(src);
	if (n < 2) { src = u"\0"; n = 2; }
	env_cap = n + 256;
	env = k32_alloc(env_cap * 2);
	if (!env) return;
	memcpy(env, src, n * 2);
	if (n == 2) env[0] = env[1] = 0;
	env_units = n;
	if (env_units == 2 && env[0] == 0) env_units = 1; /* empty block: just the final NUL */
	publish();
}

/* Finds NAME (case-insensitive); returns the entry start or NULL. */
static WCHAR *find(const WCHAR *name, size_t nl)
{
	if (!env) return 0;
	for (WCHAR *e = env; *e; e += w_len(e) + 1) {
		/* names may start with '=' ("=C:=C:\dir"): the separator is the next '=' */
		const WCHAR *eq = e + 1;
		while (*eq && *eq != '=') eq++;
		if ((size_t)(eq - e) == nl && w_icmp_n(e, name, nl) == 0 && *eq == '=') return e;
	}
	return 0;
}

const WCHAR *k32_getenv(const WCHAR *name, size_t *len)
{
	size_t nl = w_len(name);
	WCHAR *e = find(name, nl);
	if (!e) return 0;
	*len = w_len(e) - nl - 1;
	return e + nl + 1;
}

WCHAR *k32_env_block(size_t *bytes)
{
	*bytes = env_units * 2;
	return env;
}

DWORD WINAPI GetEnvironmentVariableW(const WCHAR *name, WCHAR *buf, DWORD size)
{
	size_t len;
	if (!name) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	const WCHAR *v = k32_getenv(name, &len);
	if (!v) { set_last_error(ERROR_ENVVAR_NOT_FOUND); return 0; }
	if (len + 1 > size) return (DWORD)(len + 1);
	memcpy(buf, v, len * 2);
	buf[len] = 0;
	set_last_error(0);
	return (DWORD)len;
}

BOOL WINAPI SetEnvironmentVariableW(const WCHAR *name, const WCHAR *value)
{
	if (!name || !*name) return fail(ERROR_INVALID_PARAMETER);
	size_t nl = w_len(name);
	for (size_t i = 1; i < nl; i++) if (name[i] == '=') return fail(ERROR_INVALID_PARAMETER);
	if (!env) return fail(ERROR_NOT_ENOUGH_MEMORY);
	WCHAR *e = find(name, nl);
	if (e) { /* remove the old entry */
		size_t el = w_len(e) + 1;
		size_t tail = env_units - (size_t)(e - env) - el;
		memmove(e, e + el, tail * 2);
		env_units -= el;
	} else if (!value) {
		set_last_error(ERROR_ENVVAR_NOT_FOUND);
		return TRUE; /* deleting a missing variable succeeds */
	}
	if (value) {
		size_t vl = w_len(value), el = nl + 1 + vl + 1;
		if (env_units + el > env_cap) {
			size_t nc = (env_units + el) * 2 + 256;
			WCHAR *ne = k32_realloc(env, nc * 2);
			if (!ne) { publish(); return fail(ERROR_NOT_ENOUGH_MEMORY); }
			env = ne;
			env_cap = nc;
		}
		/* keep the block sorted by name, as Windows does */
		WCHAR *at = env;
		while (*at) {
			const WCHAR *eq = at + 1;
			while (*eq && *eq != '=') eq++;
			size_t l = (size_t)(eq - at);
			size_t m = l < nl ? l : nl;
			int c = w_icmp_n(at, name, m);
			if (c > 0 || (c == 0 && l > nl)) break;
			at += w_len(at) + 1;
		}
		size_t off = (size_t)(at - env);
		memmove(env + off + el, env + off, (env_units - off) * 2);
		memcpy(env + off, name, nl * 2);
		env[off + nl] = '=';
		memcpy(env + off + nl + 1, value, vl * 2);
		env[off + el - 1] = 0;
		env_units += el;
	}
	if (env_units == 1) env[0] = 0;
	publish();
	return TRUE;
}

WCHAR *WINAPI GetEnvironmentStringsW(void)
{
	size_t n = env_units < 2 ? 2 : env_units;
	WCHAR *copy = k32_alloc(n * 2);
	if (!copy) { set_last_error(ERROR_NOT_ENOUGH_MEMORY); return 0; }
	memset(copy, 0, n * 2);
	if (env) memcpy(copy, env, env_units * 2);
	return copy;
}

BOOL WINAPI FreeEnvironmentStringsW(WCHAR *block)
{
	k32_free(block);
	return TRUE;
}

DWORD WINAPI ExpandEnvironmentStringsW(const WCHAR *src, WCHAR *dst, DWORD size)
{
	size_t n = 0;
#define PUT(c) do { if (dst && n < size) dst[n] = (c); n++; } while (0)
	if (!src) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	for (const WCHAR *p = src; *p;) {
		if (*p == '%') {
			const WCHAR *q = p + 1;
			while (*q && *q != '%') q++;
			if (*q == '%' && q > p + 1) {
				WCHAR name[256];
				size_t nl = (size_t)(q - p - 1);
				if (nl < 256) {
					memcpy(name, p + 1, nl * 2);
					name[nl] = 0;
					size_t vl;
					const WCHAR *v = k32_getenv(name, &vl);
					if (v) {
						for (size_t i = 0; i < vl; i++) PUT(v[i]);
						p = q + 1;
						continue;
					}
				}
				/* unknown: copied as is, the closing % may open the next name */
				for (const WCHAR *r = p; r < q; r++) PUT(*r);
				p = q;
				continue;
			}
		}
		PUT(*p);
		p++;
	}
	PUT(0);
#undef PUT
	if (dst && n > size && size) dst[size - 1] = 0;
	return (DWORD)n;
}
#endif
