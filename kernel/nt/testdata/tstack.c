/* Recurses until it reaches its stack's guard page: STATUS_STACK_OVERFLOW.
 * (The depth limit is never reached: it only keeps gcc from objecting.) */
volatile int limit = 1 << 30;

int recurse(volatile char *prev, int depth)
{
	volatile char frame[1024];
	frame[0] = prev ? prev[0] + 1 : 0;
	if (depth >= limit)
		return 0;
	return recurse(frame, depth + 1) + frame[1];
}

int ExeMain(void) { return recurse(0, 0); }
