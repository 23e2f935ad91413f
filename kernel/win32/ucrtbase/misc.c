#if defined(_WIN64)
/* malloc family on the process heap, qsort, rand, getenv, _time64. */
#include "ucrt.h"
#include "ntapi_min.h"

void *malloc(size_t n) { return HeapAlloc(GetProcessHeap(), 0, n ? n : 1); }
void free(void *p) { if (p) HeapFree(GetProcessHeap(), 0, p); }
void *realloc(void *p, size_t n)
{
	if (!p) return malloc(n);
	if (!n) { free(p); return 0; }
	return HeapReAlloc(GetProcessHeap(), 0, p, n);
}
void *calloc(size_t a, size_t b)
{
	if (b && a > (size_t)-1 / b) return 0;
	return HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, (a * b) != 0 ? a * b : 1);
}
size_t _msize(void *p) { return HeapSize(GetProcessHeap(), 0, p); }

static void swap(unsigned char *a, unsigned char *b, size_t n)
{
	while (n--) { unsigned char t = *a; *a++ = *b; *b++ = t; }
}

/* Heapsort: O(n log n) worst case, no recursion, no extra memory. */
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	unsigned char *b = base;
	if (n < 2 || !size) return;
	for (size_t start = n / 2; start-- > 0;) {
		size_t root = start;
		for (;;) {
			size_t child = 2 * root + 1;
			if (child >= n) break;
			if (child + 1 < n && cmp(b + child * size, b + (child + 1) * size) < 0) child++;
			if (cmp(b + root * size, b + child * size) >= 0) break;
			swap(b + root * size, b + child * size, size);
			root = child;
		}
	}
	for (size_t end = n - 1; end > 0; end--) {
		swap(b, b + end * size, size);
		size_t root = 0;
		for (;;) {
			size_t child = 2 * root + 1;
			if (child >= end) break;
			if (child + 1 < end && cmp(b + child * size, b + (child + 1) * size) < 0) child++;
			if (cmp(b + root * size, b + child * size) >= 0) break;
			swap(b + root * size, b + child * size, size);
			root = child;
		}
	}
}

/* The Microsoft C runtime's linear congruential generator. */
static uint32_t seed = 1;
void srand(unsigned s) { seed = s; }
int rand(void) { seed = seed * 214013u + 2531011u; return (int)((seed >> 16) & 0x7fff); }

/* getenv: the narrow (UTF-8) copy of a variable; copies are cached per
 * name so the returned pointers stay valid. */
struct envcache { struct envcache *next; char *name; char *value; };
static struct envcache *cache;
char *getenv(const char *name)
{
	WCHAR wname[256], wval[4096];
	if (!name) return 0;
	int n = MultiByteToWideChar(65001, 0, name, -1, wname, 256);
	if (n <= 0) return 0;
	DWORD vl = GetEnvironmentVariableW(wname, wval, 4096);
	if (!vl || vl >= 4096) return 0;
	char val[4096 * 3];
	int bl = WideCharToMultiByte(65001, 0, wval, -1, val, (int)sizeof val, 0, 0);
	if (bl <= 0) return 0;
	for (struct envcache *c = cache; c; c = c->next)
		if (strcmp(c->name, name) == 0) {
			if (strcmp(c->value, val) == 0) return c->value;
			char *nv = malloc((size_t)bl);
			if (!nv) return 0;
			memcpy(nv, val, (size_t)bl);
			free(c->value);
			c->value = nv;
			return nv;
		}
	struct envcache *c = malloc(sizeof *c);
	if (!c) return 0;
	size_t nl = strlen(name) + 1;
	c->name = malloc(nl);
	c->value = malloc((size_t)bl);
	if (!c->name || !c->value) return 0;
	memcpy(c->name, name, nl);
	memcpy(c->value, val, (size_t)bl);
	c->next = cache;
	cache = c;
	return c->value;
}

int64_t _time64(int64_t *t)
{
	LARGE_INTEGER now;
	now.QuadPart = 0;
	NtQuerySystemTime(&now);
	int64_t s = (now.QuadPart - 116444736000000000LL) / 10000000;
	if (t) *t = s;
	return s;
}
#endif
