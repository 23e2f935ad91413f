#if defined(_WIN64)
/* Start-up for our test programs: argv from ucrtbase, then wmain, then exit. */
#include "prog.h"

int wmain(int argc, WCHAR **argv);

W32_RELOC_ANCHOR
int mainCRTStartup(void)
{
	_set_app_type(1); /* _crt_console_app */
	if (_configure_wide_argv(1) || _initialize_wide_environment()) ExitProcess(255);
	exit(wmain(*__p___argc(), *__p___wargv()));
}
#endif
