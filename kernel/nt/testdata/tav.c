/* Writes to address 0x10: the kernel ends it with STATUS_ACCESS_VIOLATION. */
volatile long long bad_address = 0x10;

int ExeMain(void)
{
	*(volatile int *)(__INTPTR_TYPE__)bad_address = 1;
	return 0;
}
