#if defined(_WIN64)
/* args.exe: prints argc, each argument, and the variable TEST (cmd's `set TEST=...` reaches it). */
#include "prog.h"

int wmain(int argc, WCHAR **argv)
{
	out("argc=%d\r\n", argc);
	for (int i = 0; i < argc; i++) out("argv[%d]=[%ls]\r\n", i, argv[i]);
	const char *v = getenv("TEST");
	out("TEST=%s\r\n", v ? v : "(unset)");
	return 0;
}
#endif
