#if defined(_WIN64)
/* Rtl helpers: memory/strings, the heap over NtAllocateVirtualMemory,
 * _vsnprintf, status -> Win32 error mapping, paths and the current directory. */
#include "ntapi.h"
#include "fmt.h"
#include "heap.h"
#include "path.h"

/* --- memory and strings (gcc also emits calls to these) --- */
size_t wcslen(const WCHAR *s) { return w_len(s); }

/* --- the heap --- */
void *heap_os_alloc(size_t size)
{
	void *base = 0;
	SIZE_T sz = (size + 4095) & ~(SIZE_T)4095;
	if (NtAllocateVirtualMemory(CUR_PROCESS, &base, 0, &sz, NT_MEM_RESERVE | NT_MEM_COMMIT, NT_PAGE_READWRITE))
		return 0;
	return base;
}
void heap_os_free(void *p, size_t size)
{
	SIZE_T sz = 0;
	(void)size;
	NtFreeVirtualMemory(CUR_PROCESS, &p, &sz, NT_MEM_RELEASE);
}
void *RtlCreateHeap(ULONG flags, void *base, SIZE_T reserve, SIZE_T commit, void *lock, void *params)
{
	(void)flags; (void)base; (void)reserve; (void)commit; (void)lock; (void)params;
	return heap_create();
}
void *RtlDestroyHeap(void *h) { if (h) heap_destroy(h); return 0; }
void *RtlAllocateHeap(void *h, ULONG flags, SIZE_T size) { return heap_alloc(h, size, (flags & HEAP_ZERO_MEMORY) != 0); }
void *RtlReAllocateHeap(void *h, ULONG flags, void *p, SIZE_T size)
{
	if (!p) return 0;
	return heap_realloc(h, p, size, (flags & HEAP_ZERO_MEMORY) != 0, (flags & HEAP_REALLOC_IN_PLACE_ONLY) != 0);
}
BOOLEAN RtlFreeHeap(void *h, ULONG flags, void *p) { (void)flags; if (!p) return TRUE; return heap_free(h, p) ? TRUE : FALSE; }
SIZE_T RtlSizeHeap(void *h, ULONG flags, const void *p) { (void)flags; return heap_size(h, (void *)p); }

/* --- printf --- */
int _vsnprintf(char *buf, size_t count, const char *fmt, va_list ap)
{
	struct fmt_out o = { 0, buf, count, 0 };
	va_list a;
	va_copy(a, ap);
	fmt_format(&o, fmt, 0, &a);
	va_end(a);
	if (o.n < count) { buf[o.n] = 0; return (int)o.n; }
	return o.n == count ? (int)o.n : -1; /* exactly full: no NUL, as msvcrt */
}
int _vsnwprintf(WCHAR *buf, size_t count, const WCHAR *fmt, va_list ap)
{
	struct fmt_out o = { 1, buf, count, 0 };
	va_list a;
	va_copy(a, ap);
	fmt_format(&o, fmt, FMT_WIDE_FORMAT | FMT_LEGACY_WIDE, &a);
	va_end(a);
	if (o.n < count) { buf[o.n] = 0; return (int)o.n; }
	return o.n == count ? (int)o.n : -1;
}
int _snprintf(char *buf, size_t count, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = _vsnprintf(buf, count, fmt, ap);
	va_end(ap);
	return r;
}

/* --- errors --- */
ULONG RtlNtStatusToDosError(NTSTATUS s)
{
	static const struct { NTSTATUS st; ULONG err; } map[] = {
		{ NT_STATUS_SUCCESS, ERROR_SUCCESS },
		{ NT_STATUS_TIMEOUT, WAIT_TIMEOUT },
		{ NT_STATUS_PENDING, ERROR_IO_PENDING },
		{ NT_STATUS_NO_MORE_FILES, ERROR_NO_MORE_FILES },
		{ NT_STATUS_UNSUCCESSFUL, ERROR_GEN_FAILURE },
		{ NT_STATUS_NOT_IMPLEMENTED, ERROR_INVALID_FUNCTION },
		{ NT_STATUS_INVALID_INFO_CLASS, ERROR_INVALID_PARAMETER },
		{ NT_STATUS_INFO_LENGTH_MISMATCH, ERROR_BAD_LENGTH },
		{ NT_STATUS_ACCESS_VIOLATION, ERROR_NOACCESS },
		{ NT_STATUS_INVALID_HANDLE, ERROR_INVALID_HANDLE },
		{ NT_STATUS_INVALID_PARAMETER, ERROR_INVALID_PARAMETER },
		{ NT_STATUS_NO_SUCH_FILE, ERROR_FILE_NOT_FOUND },
		{ NT_STATUS_END_OF_FILE, ERROR_HANDLE_EOF },
		{ NT_STATUS_NO_MEMORY, ERROR_NOT_ENOUGH_MEMORY },
		{ NT_STATUS_COMMITMENT_LIMIT, ERROR_COMMITMENT_LIMIT },
		{ NT_STATUS_ACCESS_DENIED, ERROR_ACCESS_DENIED },
		{ NT_STATUS_BUFFER_TOO_SMALL, ERROR_INSUFFICIENT_BUFFER },
		{ NT_STATUS_OBJECT_TYPE_MISMATCH, ERROR_INVALID_HANDLE },
		{ NT_STATUS_OBJECT_NAME_INVALID, ERROR_INVALID_NAME },
		{ NT_STATUS_OBJECT_NAME_NOT_FOUND, ERROR_FILE_NOT_FOUND },
		{ NT_STATUS_OBJECT_NAME_COLLISION, ERROR_ALREADY_EXISTS },
		{ NT_STATUS_OBJECT_PATH_NOT_FOUND, ERROR_PATH_NOT_FOUND },
		{ NT_STATUS_SHARING_VIOLATION, ERROR_SHARING_VIOLATION },
		{ NT_STATUS_DELETE_PENDING, ERROR_ACCESS_DENIED },
		{ NT_STATUS_FILE_IS_A_DIRECTORY, ERROR_ACCESS_DENIED },
		{ NT_STATUS_NOT_SUPPORTED, ERROR_NOT_SUPPORTED },
		{ NT_STATUS_DIRECTORY_NOT_EMPTY, ERROR_DIR_NOT_EMPTY },
		{ NT_STATUS_NOT_A_DIRECTORY, ERROR_DIRECTORY },
		{ NT_STATUS_DLL_NOT_FOUND, ERROR_MOD_NOT_FOUND },
		{ NT_STATUS_ENTRYPOINT_NOT_FOUND, ERROR_PROC_NOT_FOUND },
		{ NT_STATUS_INVALID_IMAGE_FORMAT, ERROR_BAD_EXE_FORMAT },
		{ NT_STATUS_CONTROL_C_EXIT, ERROR_CONTROL_C_EXIT },
		{ NT_STATUS_STACK_OVERFLOW, ERROR_STACK_OVERFLOW },
		/* statuses the kernel returns that abi.h does not name */
		{ (NTSTATUS)0xC0000010, ERROR_INVALID_FUNCTION },   /* STATUS_INVALID_DEVICE_REQUEST */
		{ (NTSTATUS)0xC0000018, 487 },                      /* STATUS_CONFLICTING_ADDRESSES: ERROR_INVALID_ADDRESS */
		{ (NTSTATUS)0xC000001C, ERROR_INVALID_FUNCTION },   /* STATUS_INVALID_SYSTEM_SERVICE */
		{ (NTSTATUS)0xC000002D, ERROR_INVALID_PARAMETER },  /* STATUS_UNABLE_TO_FREE_VM */
		{ (NTSTATUS)0xC0000045, ERROR_INVALID_PARAMETER },  /* STATUS_INVALID_PAGE_PROTECTION */
		{ (NTSTATUS)0xC000007F, 112 },                      /* STATUS_DISK_FULL: ERROR_DISK_FULL */
		{ (NTSTATUS)0xC0000095, 534 },                      /* STATUS_INTEGER_OVERFLOW: ERROR_ARITHMETIC_OVERFLOW */
		{ (NTSTATUS)0xC000009F, 487 },                      /* STATUS_FREE_VM_NOT_AT_BASE */
		{ (NTSTATUS)0xC00000A0, 487 },                      /* STATUS_MEMORY_NOT_ALLOCATED */
		{ (NTSTATUS)0xC0000121, ERROR_ACCESS_DENIED },      /* STATUS_CANNOT_DELETE (read-only) */
		{ (NTSTATUS)0xC0000142, 1114 },                     /* STATUS_DLL_INIT_FAILED: ERROR_DLL_INIT_FAILED */
	};
	for (unsigned i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].st == s) return map[i].err;
	/* Win32 errors wrapped as 0xC007xxxx (FACILITY_WIN32) unwrap */
	if (((ULONG)s & 0xffff0000u) == 0xc0070000u) return (ULONG)s & 0xffff;
	return ERROR_MR_MID_NOT_FOUND; /* as Windows for statuses with no mapping */
}
ULONG RtlGetLastWin32Error(void) { return get_last_error(); }
void RtlSetLastWin32Error(ULONG e) { set_last_error(e); }

/* --- strings --- */
void RtlInitUnicodeString(UNICODE_STRING *us, const WCHAR *s)
{
	size_t n = s ? w_len(s) * 2 : 0;
	if (n > 0xfffc) n = 0xfffc;
	us->length = (uint16_t)n;
	us->maximum_length = s ? (uint16_t)(n + 2) : 0;
	us->pad = 0;
	us->buffer = (uint64_t)(uintptr_t)s;
}
void RtlFreeUnicodeString(UNICODE_STRING *us)
{
	if (us->buffer) RtlFreeHeap(nt_process_heap(), 0, (void *)(uintptr_t)us->buffer);
	us->buffer = 0;
	us->length = us->maximum_length = 0;
}

/* --- the current directory (process parameters, DosPath "C:\dir\") --- */
static void cur_dir(WCHAR *out, size_t cap)
{
	UNICODE_STRING *cd = (UNICODE_STRING *)(nt_params() + NT_PP_CURRENT_DIRECTORY);
	size_t n = cd->length / 2;
	const WCHAR *b = (const WCHAR *)(uintptr_t)cd->buffer;
	if (!b || n == 0 || n + 1 > cap) { out[0] = 'C'; out[1] = ':'; out[2] = '\\'; out[3] = 0; return; }
	for (size_t i = 0; i < n; i++) out[i] = b[i];
	out[n] = 0;
}

ULONG RtlGetCurrentDirectory_U(ULONG size_bytes, WCHAR *buf)
{
	WCHAR cd[MAX_PATH * 2];
	cur_dir(cd, MAX_PATH * 2);
	size_t n = w_len(cd);
	if (n > 3 && cd[n - 1] == '\\') cd[--n] = 0; /* no trailing backslash but for the root */
	if ((n + 1) * 2 > size_bytes) return (ULONG)((n + 1) * 2);
	for (size_t i = 0; i <= n; i++) buf[i] = cd[i];
	return (ULONG)(n * 2);
}

NTSTATUS RtlSetCurrentDirectory_U(const UNICODE_STRING *dir)
{
	WCHAR name[MAX_PATH * 2], full[MAX_PATH * 2], ntp[MAX_PATH * 2 + 8], cd[MAX_PATH * 2];
	size_t n = dir->length / 2;
	if (n >= MAX_PATH * 2 - 1) return NT_STATUS_OBJECT_NAME_INVALID;
	for (size_t i = 0; i < n; i++) name[i] = ((const WCHAR *)(uintptr_t)dir->buffer)[i];
	name[n] = 0;
	cur_dir(cd, MAX_PATH * 2);
	size_t fl = path_full(cd, name, full, MAX_PATH * 2 - 2);
	if (fl == 0 || fl >= MAX_PATH * 2 - 2) return NT_STATUS_OBJECT_NAME_INVALID;
	if (path_dos_to_nt(cd, full, ntp, MAX_PATH * 2 + 8) >= MAX_PATH * 2 + 8) return NT_STATUS_OBJECT_NAME_INVALID;
	UNICODE_STRING us;
	RtlInitUnicodeString(&us, ntp);
	OBJECT_ATTRIBUTES oa = { sizeof oa, 0, 0, (uint64_t)(uintptr_t)&us, 0x40, 0, 0, 0 };
	struct nt_file_network_open_information info;
	NTSTATUS st = NtQueryAttributesFile(&oa, &info);
	if (st) return st;
	if (!(info.file_attributes & NT_FILE_ATTRIBUTE_DIRECTORY)) return NT_STATUS_NOT_A_DIRECTORY;
	if (full[fl - 1] != '\\') { full[fl++] = '\\'; full[fl] = 0; }
	WCHAR *copy = RtlAllocateHeap(nt_process_heap(), 0, (fl + 1) * 2);
	if (!copy) return NT_STATUS_NO_MEMORY;
	for (size_t i = 0; i <= fl; i++) copy[i] = full[i];
	UNICODE_STRING *cdus = (UNICODE_STRING *)(nt_params() + NT_PP_CURRENT_DIRECTORY);
	/* the kernel's initial buffer is not ours to free; later ones are */
	static WCHAR *ours;
	if (ours) RtlFreeHeap(nt_process_heap(), 0, ours);
	ours = copy;
	cdus->buffer = (uint64_t)(uintptr_t)copy;
	cdus->length = (uint16_t)(fl * 2);
	cdus->maximum_length = (uint16_t)((fl + 1) * 2);
	return NT_STATUS_SUCCESS;
}

static WCHAR *file_part(WCHAR *p)
{
	WCHAR *last = 0;
	for (WCHAR *q = p; *q; q++) if (*q == '\\') last = q + 1;
	return (last && *last) ? last : 0;
}

ULONG RtlGetFullPathName_U(const WCHAR *name, ULONG size_bytes, WCHAR *buf, WCHAR **filepart)
{
	WCHAR cd[MAX_PATH * 2], full[1024];
	if (filepart) *filepart = 0;
	if (!name || !*name) return 0;
	cur_dir(cd, MAX_PATH * 2);
	size_t n = path_full(cd, name, full, 1024);
	if (n == 0 || n >= 1024) return 0;
	if ((n + 1) * 2 > size_bytes) return (ULONG)((n + 1) * 2);
	for (size_t i = 0; i <= n; i++) buf[i] = full[i];
	if (filepart) *filepart = file_part(buf);
	return (ULONG)(n * 2);
}

BOOLEAN RtlDosPathNameToNtPathName_U(const WCHAR *dos, UNICODE_STRING *nt, WCHAR **filepart, void *reserved)
{
	WCHAR cd[MAX_PATH * 2], tmp[1100];
	(void)reserved;
	if (filepart) *filepart = 0;
	if (!dos || !*dos) return FALSE;
	cur_dir(cd, MAX_PATH * 2);
	size_t n = path_dos_to_nt(cd, dos, tmp, 1100);
	if (n == 0 || n >= 1100 || n * 2 > 0xfff0) return FALSE;
	WCHAR *b = RtlAllocateHeap(nt_process_heap(), 0, (n + 1) * 2);
	if (!b) return FALSE;
	for (size_t i = 0; i <= n; i++) b[i] = tmp[i];
	nt->buffer = (uint64_t)(uintptr_t)b;
	nt->length = (uint16_t)(n * 2);
	nt->maximum_length = (uint16_t)((n + 1) * 2);
	nt->pad = 0;
	if (filepart) *filepart = file_part(b);
	return TRUE;
}
#endif
