/* kernel32's internal declarations. */
#ifndef K32_H
#define K32_H
#include "ntapi.h"

#define WINAPI
typedef struct { DWORD nLength; void *lpSecurityDescriptor; BOOL bInheritHandle; } SECURITY_ATTRIBUTES;

/* Sets the last error from a status and returns FALSE. */
static inline BOOL fail_status(NTSTATUS s) { set_last_error(RtlNtStatusToDosError(s)); return FALSE; }
static inline BOOL fail(DWORD e) { set_last_error(e); return FALSE; }

/* An NT path for a DOS name, in caller storage: returns 0 (last error set) on failure. */
struct ntname {
	UNICODE_STRING us;
	OBJECT_ATTRIBUTES oa;
	WCHAR buf[1100];
};
int k32_ntname(const WCHAR *dos, struct ntname *n);
NTSTATUS k32_open(const WCHAR *dos, DWORD access, ULONG share, ULONG disposition, ULONG options, HANDLE *h, ULONG *info);

void *k32_alloc(size_t n);
void k32_free(void *p);
void *k32_realloc(void *p, size_t n);

/* Environment (env.c). */
const WCHAR *k32_getenv(const WCHAR *name, size_t *len);
WCHAR *k32_env_block(size_t *bytes);
void k32_env_init(void);

/* Times (misc.c). */
void k32_time_to_system(int64_t t, SYSTEMTIME *st);

/* Console helpers (console.c). */
BOOL k32_is_console(HANDLE h);

/* Exported functions used across files. */
BOOL WINAPI CloseHandle(HANDLE h);
DWORD WINAPI GetFileAttributesW(const WCHAR *name);
HANDLE WINAPI GetStdHandle(DWORD which);
DWORD WINAPI GetEnvironmentVariableW(const WCHAR *name, WCHAR *buf, DWORD size);
DWORD WINAPI GetCurrentDirectoryW(DWORD size, WCHAR *buf);
DWORD WINAPI GetFullPathNameW(const WCHAR *name, DWORD size, WCHAR *buf, WCHAR **filepart);
DWORD WINAPI SearchPathW(const WCHAR *path, const WCHAR *file, const WCHAR *ext, DWORD size, WCHAR *buf, WCHAR **filepart);
BOOL WINAPI WriteFile(HANDLE h, const void *buf, DWORD n, DWORD *written, void *ov);
int WINAPI WideCharToMultiByte(UINT cp, DWORD flags, const WCHAR *src, int srclen, char *dst, int dstlen, const char *def, BOOL *used);
int WINAPI MultiByteToWideChar(UINT cp, DWORD flags, const char *src, int srclen, WCHAR *dst, int dstlen);
void WINAPI GetLocalTime(SYSTEMTIME *st);
DWORD WINAPI GetTickCount(void);
#endif
