#if defined(_WIN64)
/* modules.exe: GetModuleHandleW and GetProcAddress over the loader's module
 * list and the DLLs' export tables, and the heap through ucrtbase; prints OK. */
#include "prog.h"

HMODULE GetModuleHandleW(const WCHAR *name);
void *GetProcAddress(HMODULE mod, const char *name);
void *malloc(size_t n);
void *realloc(void *p, size_t n);
void free(void *p);

int wmain(int argc, WCHAR **argv)
{
	(void)argc; (void)argv;
	const uint8_t *exe = GetModuleHandleW(0);
	if (!exe || exe[0] != 'M' || exe[1] != 'Z') { out("FAIL GetModuleHandleW(NULL)\r\n"); return 1; }
	HMODULE k32 = GetModuleHandleW(u"kernel32.dll"), k32b = GetModuleHandleW(u"KERNEL32");
	HMODULE nt = GetModuleHandleW(u"ntdll.dll");
	if (!k32 || k32 != k32b || !nt || nt == k32) { out("FAIL GetModuleHandleW(kernel32/ntdll)\r\n"); return 1; }
	if (GetModuleHandleW(u"nosuch.dll") || GetLastError() != ERROR_MOD_NOT_FOUND) { out("FAIL unknown module\r\n"); return 1; }
	DWORD (*get_last_error)(void) = (DWORD (*)(void))GetProcAddress(k32, "GetLastError");
	void (*set_last_error)(DWORD) = (void (*)(DWORD))GetProcAddress(k32, "SetLastError");
	if (!get_last_error || !set_last_error) { out("FAIL GetProcAddress\r\n"); return 1; }
	set_last_error(1234);
	if (get_last_error() != 1234 || GetLastError() != 1234) { out("FAIL calling through GetProcAddress\r\n"); return 1; }
	if (GetProcAddress(k32, "NoSuchFunction") || GetLastError() != ERROR_PROC_NOT_FOUND) { out("FAIL unknown export\r\n"); return 1; }
	if (!GetProcAddress(nt, "NtClose") || !GetProcAddress(nt, "LdrInitializeThunk")) { out("FAIL ntdll exports\r\n"); return 1; }
	/* the heap: many blocks, grown and freed */
	void *p[200];
	for (int i = 0; i < 200; i++) {
		p[i] = malloc((size_t)(i * 37 + 1));
		if (!p[i]) { out("FAIL malloc\r\n"); return 1; }
		for (int k = 0; k < i * 37 + 1; k++) ((uint8_t *)p[i])[k] = (uint8_t)i;
	}
	for (int i = 0; i < 200; i += 2) free(p[i]);
	for (int i = 1; i < 200; i += 2) {
		uint8_t *q = realloc(p[i], (size_t)(i * 37 + 5000));
		if (!q) { out("FAIL realloc\r\n"); return 1; }
		for (int k = 0; k < i * 37 + 1; k++) if (q[k] != (uint8_t)i) { out("FAIL realloc kept %d\r\n", i); return 1; }
		free(q);
	}
	out("OK\r\n");
	return 0;
}
#endif
