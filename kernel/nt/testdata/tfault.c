/* Ends by dividing by zero (a real DIV: gcc would fold 1 / x into a
 * compare): the kernel ends it with STATUS_INTEGER_DIVIDE_BY_ZERO. */
#include "tnt.h"

volatile unsigned zero;

int ExeMain(void)
{
	unsigned v = 1, d = zero;
	__asm__ volatile("xor %%edx, %%edx\n\tdivl %1" : "+a"(v) : "r"(d) : "rdx");
	return (int)v;
}
