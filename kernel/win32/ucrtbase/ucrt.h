/* ucrtbase/msvcrt internal declarations: the kernel32 functions we call. */
#ifndef UCRT_H
#define UCRT_H
#include "w32.h"

HANDLE GetStdHandle(DWORD which);
BOOL ReadFile(HANDLE h, void *buf, DWORD n, DWORD *got, void *ov);
BOOL WriteFile(HANDLE h, const void *buf, DWORD n, DWORD *written, void *ov);
BOOL CloseHandle(HANDLE h);
HANDLE CreateFileW(const WCHAR *name, DWORD access, DWORD share, void *sa, DWORD creation, DWORD flags, HANDLE tmpl);
DWORD SetFilePointer(HANDLE h, LONG dist, LONG *high, DWORD method);
WCHAR *GetCommandLineW(void);
WCHAR *GetEnvironmentStringsW(void);
BOOL FreeEnvironmentStringsW(WCHAR *b);
DWORD GetEnvironmentVariableW(const WCHAR *name, WCHAR *buf, DWORD size);
void *GetProcessHeap(void);
void *HeapAlloc(void *heap, DWORD flags, SIZE_T n);
void *HeapReAlloc(void *heap, DWORD flags, void *p, SIZE_T n);
BOOL HeapFree(void *heap, DWORD flags, void *p);
SIZE_T HeapSize(void *heap, DWORD flags, const void *p);
__attribute__((noreturn)) void ExitProcess(UINT code);
int MultiByteToWideChar(UINT cp, DWORD flags, const char *src, int srclen, WCHAR *dst, int dstlen);
int WideCharToMultiByte(UINT cp, DWORD flags, const WCHAR *src, int srclen, char *dst, int dstlen, const char *def, BOOL *used);
void SetLastError(DWORD e);
DWORD GetLastError(void);

void *malloc(size_t n);
void free(void *p);
void *realloc(void *p, size_t n);
size_t strlen(const char *s);
size_t wcslen(const WCHAR *s);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int *crt_errno(void);
#endif
