/*
 * Spins in ring 3 until the timer has preempted it twice (it asks the kernel
 * between bursts, never yielding), then checks its memory stayed its own.
 */
#include "user/ulib.h"

static volatile long owner;

int main(void)
{
	owner = sys_getpid();
	for (long burst = 0; sys_timeslices() < 3; burst++) {
		if (burst > 1000000)
			return 2; /* never preempted */
		for (volatile int i = 0; i < 10000; i++)
			;
	}
	return owner == sys_getpid() ? 0 : 1;
}
