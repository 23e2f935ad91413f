/* A DLL linked at the same preferred base as tntdll.dll, so one of them
 * is relocated: its table pointer needs a DIR64 relocation. */
#include "tnt.h"

static int table[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static int *volatile ptable = table;
int initialized;

int DllEntry(uint64_t base, uint32_t reason, void *reserved)
{
	(void)base, (void)reserved;
	if (reason == 1)
		initialized = 1;
	return 1;
}

int DepAdd(int a, int b) { return ptable[a] + ptable[b]; }
int DepOrd(void) { return 42; }
int DepInitialized(void) { return initialized; }
