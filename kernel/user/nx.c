/* Jumps into its own writable data: NX must stop the instruction fetch. */
#include "user/ulib.h"

static unsigned char code[16] = {0xc3}; /* ret */

int main(void)
{
	((void (*)(void))(uintptr_t)code)();
	return 0;
}
