#if defined(_WIN64)
/* fault.exe: dereferences a null pointer on purpose (the kernel must end
 * the process with STATUS_ACCESS_VIOLATION, not crash). */
#include "prog.h"

int wmain(int argc, WCHAR **argv)
{
	(void)argc; (void)argv;
	out("fault: writing through a null pointer\r\n");
	volatile int *p = (volatile int *)(uintptr_t)(argc * 0);
	*p = 42;
	out("fault: still alive?\r\n");
	return 1;
}
#endif
