#if defined(_WIN64)
/* exitcode.exe N: exits with N. */
#include "prog.h"

int wmain(int argc, WCHAR **argv)
{
	if (argc < 2) { out("usage: exitcode N\r\n"); return 255; }
	return (int)wcstol(argv[1], 0, 0);
}
#endif
