/* Spins in user mode until another process terminates it. */
int ExeMain(void)
{
	for (;;)
		__asm__ volatile("pause");
}
