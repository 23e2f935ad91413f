/* Reads kernel memory (the direct map of physical 1 MiB) from ring 3: the kernel must kill it with a #PF. */
#include "user/ulib.h"

int main(void)
{
	return *(volatile int *)0xffff800000100000ul;
}
