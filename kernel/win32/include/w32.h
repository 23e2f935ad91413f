/*
 * Shared declarations for the twinstep user-mode DLLs (kernel/win32/).
 * We never include the mingw-w64 <windows.h>: our DLLs define the very
 * functions it declares dllimport. Types are the Windows x64 ones; wide
 * strings are UTF-16 (uint16_t) so the pure helpers in common/ also build
 * for the host (whose wchar_t is 32 bits) in the unit tests.
 *
 * Every source file is wrapped in `#if defined(_WIN64) ||
 * defined(W32_HOST_TEST)`: built by any other compiler (the kernel's gcc,
 * should a glob over kernel/ pick them up) they are empty.
 */
#ifndef W32_H
#define W32_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

typedef uint16_t WCHAR;
typedef int32_t BOOL;
typedef uint8_t BYTE;
typedef uint8_t BOOLEAN;
typedef uint16_t WORD;
typedef uint32_t DWORD;
typedef uint32_t UINT;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef uint64_t SIZE_T;
typedef uint64_t DWORD_PTR;
typedef uint64_t ULONG_PTR;
typedef int64_t LONG_PTR;
typedef void *HANDLE;
typedef void *HMODULE;
typedef void *HINSTANCE;
typedef void *HKEY;
typedef int32_t NTSTATUS;

#define TRUE 1
#define FALSE 0
#define INVALID_HANDLE_VALUE ((HANDLE)(intptr_t)-1)
#define MAX_PATH 260

typedef union { struct { DWORD LowPart; LONG HighPart; } u; LONGLONG QuadPart; } LARGE_INTEGER;
typedef struct { DWORD dwLowDateTime, dwHighDateTime; } FILETIME;
/* FindFirstFileW's result (kernel32 fills it, shell32 reads it). */
typedef struct {
	DWORD attributes;
	FILETIME ctime, atime, wtime;
	DWORD size_high, size_low, reserved0, reserved1;
	WCHAR name[MAX_PATH];
	WCHAR alt_name[14];
} WIN32_FIND_DATAW;
typedef struct { WORD wYear, wMonth, wDayOfWeek, wDay, wHour, wMinute, wSecond, wMilliseconds; } SYSTEMTIME;

/* Win32 error codes used by the DLLs. */
#define ERROR_SUCCESS              0
#define ERROR_INVALID_FUNCTION     1
#define ERROR_FILE_NOT_FOUND       2
#define ERROR_PATH_NOT_FOUND       3
#define ERROR_ACCESS_DENIED        5
#define ERROR_INVALID_HANDLE       6
#define ERROR_NOT_ENOUGH_MEMORY    8
#define ERROR_BAD_FORMAT           11
#define ERROR_OUTOFMEMORY          14
#define ERROR_NO_MORE_FILES        18
#define ERROR_GEN_FAILURE          31
#define ERROR_SHARING_VIOLATION    32
#define ERROR_BAD_LENGTH           24
#define ERROR_HANDLE_EOF           38
#define ERROR_NOT_SUPPORTED        50
#define ERROR_FILE_EXISTS          80
#define ERROR_INVALID_PARAMETER    87
#define ERROR_CALL_NOT_IMPLEMENTED 120
#define ERROR_INSUFFICIENT_BUFFER  122
#define ERROR_INVALID_NAME         123
#define ERROR_MOD_NOT_FOUND        126
#define ERROR_PROC_NOT_FOUND       127
#define ERROR_DIR_NOT_EMPTY        145
#define ERROR_ALREADY_EXISTS       183
#define ERROR_BAD_EXE_FORMAT       193
#define ERROR_ENVVAR_NOT_FOUND     203
#define ERROR_FILENAME_EXCED_RANGE 206
#define WAIT_TIMEOUT               258
#define ERROR_NO_MORE_ITEMS        259
#define ERROR_DIRECTORY            267
#define ERROR_MR_MID_NOT_FOUND     317
#define ERROR_CONTROL_C_EXIT       572
#define ERROR_COMMITMENT_LIMIT     1455
#define ERROR_NOACCESS             998
#define ERROR_IO_PENDING           997
#define ERROR_STACK_OVERFLOW       1001
#define ERROR_RESOURCE_DATA_NOT_FOUND 1812
#define ERROR_RESOURCE_TYPE_NOT_FOUND 1813
#define ERROR_RESOURCE_NAME_NOT_FOUND 1814

/* Heap flags. */
#define HEAP_NO_SERIALIZE          0x01
#define HEAP_GENERATE_EXCEPTIONS   0x04
#define HEAP_ZERO_MEMORY           0x08
#define HEAP_REALLOC_IN_PLACE_ONLY 0x10

/* Every image carries at least one base relocation (this pointer to
 * itself), so the kernel's loader can always move it and the relocation
 * path is exercised for every image, not only for the larger DLLs. */
#define W32_RELOC_ANCHOR \
	__attribute__((used)) static const void *const w32_reloc_anchor = &w32_reloc_anchor;

/* Small UTF-16 helpers, header-only so every DLL and the host tests share them. */
static inline size_t w_len(const WCHAR *s) { size_t n = 0; while (s[n]) n++; return n; }
static inline WCHAR w_upper(WCHAR c)
{
	if (c >= 'a' && c <= 'z') return c - 32;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7) return c - 32;
	if (c == 0xff) return 0x178;
	return c;
}
static inline WCHAR w_lower(WCHAR c)
{
	if (c >= 'A' && c <= 'Z') return c + 32;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7) return c + 32;
	if (c == 0x178) return 0xff;
	return c;
}
static inline int w_icmp_n(const WCHAR *a, const WCHAR *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		WCHAR x = w_upper(a[i]), y = w_upper(b[i]);
		if (x != y) return x < y ? -1 : 1;
		if (!x) return 0;
	}
	return 0;
}
static inline int w_icmp(const WCHAR *a, const WCHAR *b) { return w_icmp_n(a, b, (size_t)-1); }
static inline int w_is_sep(WCHAR c) { return c == '\\' || c == '/'; }

#endif
