/* Heap and stack pages appear zeroed on first touch and keep what is written. */
#include "user/ulib.h"

static int touch_stack(void)
{
	char big[96 * 1024];
	/* Hide the array from the optimizer: its first reads are the point. */
	volatile char *p = big;
	asm volatile("" : "+r"(p));
	for (size_t i = 0; i < sizeof big; i += 4096)
		if (p[i])
			return 1;
	p[sizeof big - 1] = 7;
	return p[sizeof big - 1] != 7;
}

int main(void)
{
	char *heap = (char *)sys_brk(0);
	if ((char *)sys_brk((uintptr_t)heap + 3 * 4096) != heap + 3 * 4096)
		return 1;
	for (int i = 0; i < 3 * 4096; i += 512)
		if (heap[i])
			return 2;
	heap[5000] = 0x5a;
	if (((volatile char *)heap)[5000] != 0x5a)
		return 3;
	/* Beyond the break is not part of the heap. */
	if (sys_brk((uintptr_t)heap - 4096) != (long)(heap + 3 * 4096))
		return 4;
	if (touch_stack())
		return 5;
	return 0;
}
