#if defined(_WIN64)
/* Program start-up support: argv from the command line, the wide
 * environment, exit with atexit handlers, and the DLL entry. */
#include "ucrt.h"
#include "argv.h"

static int crt_argc;
static WCHAR **crt_wargv;
static char **crt_argv;
static WCHAR **crt_wenviron;
static WCHAR *crt_wenv_block;

int *__p___argc(void) { return &crt_argc; }
WCHAR ***__p___wargv(void) { return &crt_wargv; }
char ***__p___argv(void) { return &crt_argv; }
WCHAR ***__p__wenviron(void) { return &crt_wenviron; }

static int app_type;
void _set_app_type(int type) { app_type = type; }
void __set_app_type(int type) { app_type = type; }

int _configure_wide_argv(int mode)
{
	(void)mode; /* _crt_argv_unexpanded and _crt_argv_expanded alike: no wildcard expansion */
	if (crt_wargv) return 0;
	const WCHAR *cl = GetCommandLineW();
	int argc = 0;
	size_t chars = argv_parse(cl, 0, 0, &argc);
	WCHAR **argv = malloc(sizeof(WCHAR *) * (size_t)(argc + 1) + chars * 2);
	if (!argv) return 12; /* ENOMEM */
	argv_parse(cl, argv, (WCHAR *)(argv + argc + 1), &argc);
	crt_argc = argc;
	crt_wargv = argv;
	return 0;
}

int _configure_narrow_argv(int mode)
{
	if (_configure_wide_argv(mode)) return 12;
	if (crt_argv) return 0;
	char **argv = malloc(sizeof(char *) * (size_t)(crt_argc + 1));
	if (!argv) return 12;
	for (int i = 0; i < crt_argc; i++) {
		int n = WideCharToMultiByte(65001, 0, crt_wargv[i], -1, 0, 0, 0, 0);
		argv[i] = malloc((size_t)n);
		if (!argv[i]) return 12;
		WideCharToMultiByte(65001, 0, crt_wargv[i], -1, argv[i], n, 0, 0);
	}
	argv[crt_argc] = 0;
	crt_argv = argv;
	return 0;
}

int _initialize_wide_environment(void)
{
	if (crt_wenviron) return 0;
	WCHAR *b = GetEnvironmentStringsW();
	if (!b) return -1;
	size_t n = 0;
	for (WCHAR *p = b; *p; p += wcslen(p) + 1) n++;
	WCHAR **env = malloc(sizeof(WCHAR *) * (n + 1));
	if (!env) return -1;
	size_t i = 0;
	for (WCHAR *p = b; *p; p += wcslen(p) + 1)
		if (*p != '=') env[i++] = p; /* "=C:=C:\dir" entries are hidden, as the CRT does */
	env[i] = 0;
	crt_wenviron = env;
	crt_wenv_block = b; /* kept for the program's lifetime */
	return 0;
}
int _initialize_narrow_environment(void) { return 0; }
WCHAR **_get_initial_wide_environment(void) { return crt_wenviron; }

/* atexit handlers, run in reverse order by exit */
typedef void (*atexit_fn)(void);
static atexit_fn handlers[64];
static int nhandlers;
int atexit(atexit_fn f)
{
	if (nhandlers >= 64) return -1;
	handlers[nhandlers++] = f;
	return 0;
}
int _crt_atexit(atexit_fn f) { return atexit(f); }

void fflush_all(void);
__attribute__((noreturn)) void exit(int code)
{
	while (nhandlers > 0) handlers[--nhandlers]();
	fflush_all();
	ExitProcess((UINT)code);
}
__attribute__((noreturn)) void _exit(int code) { ExitProcess((UINT)code); }
__attribute__((noreturn)) void abort(void) { ExitProcess(3); }

typedef void (*initterm_fn)(void);
typedef int (*initterm_e_fn)(void);
void _initterm(initterm_fn *a, initterm_fn *b) { for (; a < b; a++) if (*a) (*a)(); }
int _initterm_e(initterm_e_fn *a, initterm_e_fn *b) { for (; a < b; a++) if (*a) { int r = (*a)(); if (r) return r; } return 0; }

static int err_no;
int *crt_errno(void) { return &err_no; }

W32_RELOC_ANCHOR
BOOL DllMain(void *base, DWORD reason, void *reserved)
{
	(void)base; (void)reason; (void)reserved;
	return TRUE;
}
#endif
