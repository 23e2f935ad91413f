/* What our test programs import from ucrtbase and kernel32. */
#ifndef PROG_H
#define PROG_H
#include "w32.h"

typedef struct crt_file FILE;
void _set_app_type(int type);
int _configure_wide_argv(int mode);
int _initialize_wide_environment(void);
int *__p___argc(void);
WCHAR ***__p___wargv(void);
__attribute__((noreturn)) void exit(int code);
FILE *__acrt_iob_func(unsigned i);
size_t fwrite(const void *p, size_t size, size_t n, FILE *f);
int __stdio_common_vsprintf(uint64_t opt, char *buf, size_t count, const char *fmt, void *locale, va_list ap);
char *getenv(const char *name);
long wcstol(const WCHAR *s, WCHAR **end, int base);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
FILE *_wfopen(const WCHAR *name, const WCHAR *mode);
int fclose(FILE *f);
WCHAR *fgetws(WCHAR *buf, int n, FILE *f);

__attribute__((noreturn)) void ExitProcess(UINT code);
HANDLE CreateFileW(const WCHAR *name, DWORD access, DWORD share, void *sa, DWORD creation, DWORD flags, HANDLE tmpl);
BOOL ReadFile(HANDLE h, void *buf, DWORD n, DWORD *got, void *ov);
BOOL WriteFile(HANDLE h, const void *buf, DWORD n, DWORD *written, void *ov);
BOOL CloseHandle(HANDLE h);
HANDLE GetStdHandle(DWORD which);
BOOL SetConsoleCtrlHandler(void *handler, BOOL add);
BOOL DeleteFileW(const WCHAR *name);
DWORD GetFileAttributesW(const WCHAR *name);
DWORD GetLastError(void);
int WideCharToMultiByte(UINT cp, DWORD flags, const WCHAR *src, int srclen, char *dst, int dstlen, const char *def, BOOL *used);

/* printf to stdout through ucrtbase's formatter and fwrite. */
static inline int out(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = __stdio_common_vsprintf(2, buf, sizeof buf, fmt, 0, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1) n = (int)sizeof buf - 1;
	if (n > 0) fwrite(buf, 1, (size_t)n, __acrt_iob_func(1));
	return n;
}
#endif
