#if defined(_WIN64)
/* Processes, handles, start-up information, memory, and kernel32's entry. */
#include "k32.h"

/* --- memory --- */
void *k32_alloc(size_t n) { return RtlAllocateHeap(nt_process_heap(), 0, n); }
void k32_free(void *p) { if (p) RtlFreeHeap(nt_process_heap(), 0, p); }
void *k32_realloc(void *p, size_t n) { return p ? RtlReAllocateHeap(nt_process_heap(), 0, p, n) : k32_alloc(n); }

HANDLE WINAPI GetProcessHeap(void) { return nt_process_heap(); }
void *WINAPI HeapAlloc(HANDLE heap, DWORD flags, SIZE_T n)
{
	void *p = RtlAllocateHeap(heap, flags, n);
	if (!p) set_last_error(ERROR_NOT_ENOUGH_MEMORY);
	return p;
}
void *WINAPI HeapReAlloc(HANDLE heap, DWORD flags, void *p, SIZE_T n)
{
	void *q = RtlReAllocateHeap(heap, flags, p, n);
	if (!q) set_last_error(p ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_PARAMETER);
	return q;
}
BOOL WINAPI HeapFree(HANDLE heap, DWORD flags, void *p)
{
	if (!RtlFreeHeap(heap, flags, p)) return fail(ERROR_INVALID_PARAMETER);
	return TRUE;
}
SIZE_T WINAPI HeapSize(HANDLE heap, DWORD flags, const void *p) { return RtlSizeHeap(heap, flags, p); }

#define LMEM_ZEROINIT 0x40
void *WINAPI LocalAlloc(UINT flags, SIZE_T n)
{
	/* LMEM_MOVEABLE memory is returned fixed: its "handle" is the pointer */
	return HeapAlloc(nt_process_heap(), (flags & LMEM_ZEROINIT) ? HEAP_ZERO_MEMORY : 0, n);
}
void *WINAPI LocalFree(void *p)
{
	if (!p) return 0;
	if (!RtlFreeHeap(nt_process_heap(), 0, p)) { set_last_error(ERROR_INVALID_HANDLE); return p; }
	return 0;
}

/* --- processes --- */
typedef struct {
	DWORD cb;
	WCHAR *lpReserved, *lpDesktop, *lpTitle;
	DWORD dwX, dwY, dwXSize, dwYSize, dwXCountChars, dwYCountChars, dwFillAttribute, dwFlags;
	WORD wShowWindow, cbReserved2;
	BYTE *lpReserved2;
	HANDLE hStdInput, hStdOutput, hStdError;
} STARTUPINFOW;
typedef struct { HANDLE hProcess, hThread; DWORD dwProcessId, dwThreadId; } PROCESS_INFORMATION;
#define STARTF_USESTDHANDLES 0x100
#define CREATE_UNICODE_ENVIRONMENT 0x400

WCHAR *WINAPI GetCommandLineW(void)
{
	UNICODE_STRING *cl = (UNICODE_STRING *)(nt_params() + NT_PP_COMMAND_LINE);
	static WCHAR *copy;
	if (!copy) { /* NUL-terminated for certain */
		size_t n = cl->length / 2;
		copy = k32_alloc((n + 1) * 2);
		if (!copy) return (WCHAR *)(uintptr_t)cl->buffer;
		memcpy(copy, (void *)(uintptr_t)cl->buffer, n * 2);
		copy[n] = 0;
	}
	return copy;
}

void WINAPI GetStartupInfoW(STARTUPINFOW *si)
{
	memset(si, 0, sizeof *si);
	si->cb = sizeof *si;
	si->hStdInput = GetStdHandle((DWORD)-10);
	si->hStdOutput = GetStdHandle((DWORD)-11);
	si->hStdError = GetStdHandle((DWORD)-12);
}

/* The image to run: lpApplicationName, or the first token of the command line. */
static int find_image(const WCHAR *app, const WCHAR *cmdline, WCHAR *out, size_t cap)
{
	WCHAR tok[MAX_PATH * 2];
	if (app) {
		if (SearchPathW(0, app, u".exe", (DWORD)cap, out, 0)) return 1;
		/* a full or relative path that exists as given */
		DWORD a = GetFileAttributesW(app);
		if (a != 0xffffffffu && !(a & NT_FILE_ATTRIBUTE_DIRECTORY)) return GetFullPathNameW(app, (DWORD)cap, out, 0) != 0;
		return 0;
	}
	if (!cmdline) return 0;
	const WCHAR *p = cmdline;
	size_t n = 0;
	while (*p == ' ' || *p == '\t') p++;
	if (*p == '"') {
		p++;
		while (*p && *p != '"' && n < MAX_PATH * 2 - 1) tok[n++] = *p++;
	} else {
		while (*p && *p != ' ' && *p != '\t' && n < MAX_PATH * 2 - 1) tok[n++] = *p++;
	}
	tok[n] = 0;
	if (!n) return 0;
	return SearchPathW(0, tok, u".exe", (DWORD)cap, out, 0) != 0;
}

BOOL WINAPI CreateProcessW(const WCHAR *app, WCHAR *cmdline, SECURITY_ATTRIBUTES *psa, SECURITY_ATTRIBUTES *tsa,
	BOOL inherit, DWORD flags, void *environment, const WCHAR *cwd, STARTUPINFOW *si, PROCESS_INFORMATION *pi)
{
	(void)psa; (void)tsa; (void)inherit;
	WCHAR image[MAX_PATH * 2], ntimage[1100], dir[MAX_PATH * 2];
	if (!find_image(app, cmdline, image, MAX_PATH * 2)) return fail(ERROR_FILE_NOT_FOUND);
	struct ntname nn;
	if (!k32_ntname(image, &nn)) return FALSE;
	memcpy(ntimage, nn.buf, (w_len(nn.buf) + 1) * 2);
	if (cwd) {
		DWORD n = GetFullPathNameW(cwd, MAX_PATH * 2, dir, 0);
		if (!n || n >= MAX_PATH * 2) return fail(ERROR_DIRECTORY);
		DWORD a = GetFileAttributesW(dir);
		if (a == 0xffffffffu || !(a & NT_FILE_ATTRIBUTE_DIRECTORY)) return fail(ERROR_DIRECTORY);
	} else {
		DWORD n = GetCurrentDirectoryW(MAX_PATH * 2, dir);
		if (!n || n >= MAX_PATH * 2) return fail(ERROR_DIRECTORY);
	}
	struct nt_process_create pc;
	memset(&pc, 0, sizeof pc);
	RtlInitUnicodeString((UNICODE_STRING *)&pc.image_path, ntimage);
	/* the command line: as given, or the quoted image name */
	WCHAR *cl = cmdline;
	WCHAR quoted[MAX_PATH * 2 + 3];
	if (!cl || !*cl) {
		size_t il = w_len(image);
		quoted[0] = '"';
		memcpy(quoted + 1, image, il * 2);
		quoted[il + 1] = '"';
		quoted[il + 2] = 0;
		cl = quoted;
	}
	RtlInitUnicodeString((UNICODE_STRING *)&pc.command_line, cl);
	RtlInitUnicodeString((UNICODE_STRING *)&pc.current_directory, dir);
	WCHAR *envblock = 0, *wenv = 0;
	size_t envbytes = 0;
	if (environment) {
		if (flags & CREATE_UNICODE_ENVIRONMENT) {
			const WCHAR *e = environment;
			size_t n = 0;
			while (e[n] || e[n + 1]) n++;
			envblock = (WCHAR *)e;
			envbytes = (n + 2) * 2;
		} else { /* an ANSI block: convert */
			const char *e = environment;
			size_t n = 0;
			while (e[n] || e[n + 1]) n++;
			n += 2;
			int wl = MultiByteToWideChar(0, 0, e, (int)n, 0, 0);
			wenv = k32_alloc((size_t)wl * 2 + 4);
			if (!wenv) return fail(ERROR_NOT_ENOUGH_MEMORY);
			MultiByteToWideChar(0, 0, e, (int)n, wenv, wl);
			envblock = wenv;
			envbytes = (size_t)wl * 2;
		}
	} else {
		envblock = k32_env_block(&envbytes);
		if (envbytes < 4) { static WCHAR empty[2]; envblock = empty; envbytes = 4; }
	}
	pc.environment = (uint64_t)(uintptr_t)envblock;
	pc.environment_size = envbytes;
	if (si && (si->dwFlags & STARTF_USESTDHANDLES)) {
		pc.std_input = (nt_handle)(uintptr_t)si->hStdInput;
		pc.std_output = (nt_handle)(uintptr_t)si->hStdOutput;
		pc.std_error = (nt_handle)(uintptr_t)si->hStdError;
	} else {
		pc.std_input = (nt_handle)(uintptr_t)GetStdHandle((DWORD)-10);
		pc.std_output = (nt_handle)(uintptr_t)GetStdHandle((DWORD)-11);
		pc.std_error = (nt_handle)(uintptr_t)GetStdHandle((DWORD)-12);
	}
	HANDLE process = 0, thread = 0;
	NTSTATUS st = NtCreateProcess(&process, &thread, &pc);
	k32_free(wenv);
	if (st) {
		if (st == NT_STATUS_INVALID_IMAGE_FORMAT) return fail(ERROR_BAD_EXE_FORMAT);
		return fail_status(st);
	}
	struct nt_process_basic_information pbi;
	memset(&pbi, 0, sizeof pbi);
	NtQueryInformationProcess(process, 0, &pbi, sizeof pbi, 0);
	if (pi) {
		pi->hProcess = process;
		pi->hThread = thread;
		pi->dwProcessId = (DWORD)pbi.unique_process_id;
		pi->dwThreadId = 0;
	} else {
		NtClose(process);
		if (thread) NtClose(thread);
	}
	return TRUE;
}

DWORD WINAPI WaitForSingleObject(HANDLE h, DWORD ms)
{
	LARGE_INTEGER t;
	t.QuadPart = -(int64_t)ms * 10000;
	NTSTATUS st = NtWaitForSingleObject(h, 0, ms == 0xffffffffu ? 0 : &t);
	if (st < 0) { fail_status(st); return 0xffffffffu; /* WAIT_FAILED */ }
	return (DWORD)st; /* WAIT_OBJECT_0 (0) or WAIT_TIMEOUT (0x102) */
}

BOOL WINAPI GetExitCodeProcess(HANDLE h, DWORD *code)
{
	struct nt_process_basic_information pbi;
	NTSTATUS st = NtQueryInformationProcess(h, 0, &pbi, sizeof pbi, 0);
	if (st) return fail_status(st);
	*code = (DWORD)pbi.exit_status; /* STATUS_PENDING (259) = STILL_ACTIVE */
	return TRUE;
}

__attribute__((noreturn)) void WINAPI ExitProcess(UINT code)
{
	for (;;) NtTerminateProcess(CUR_PROCESS, (NTSTATUS)code);
}

BOOL WINAPI DuplicateHandle(HANDLE sp, HANDLE src, HANDLE dp, HANDLE *dst, DWORD access, BOOL inherit, DWORD options)
{
	NTSTATUS st = NtDuplicateObject(sp, src, dp, dst, access, inherit ? 2 : 0, options);
	return st ? fail_status(st) : TRUE;
}

HANDLE WINAPI GetCurrentProcess(void) { return CUR_PROCESS; }
DWORD WINAPI GetCurrentProcessId(void) { return (DWORD)*(uint64_t *)(nt_teb() + NT_TEB_CLIENT_PROCESS); }
DWORD WINAPI GetLastError(void) { return get_last_error(); }
void WINAPI SetLastError(DWORD e) { set_last_error(e); }

W32_RELOC_ANCHOR
BOOL DllMain(void *base, DWORD reason, void *reserved)
{
	(void)base; (void)reserved;
	if (reason == 1) k32_env_init();
	return TRUE;
}
#endif
