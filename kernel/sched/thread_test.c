#include "sched/thread.h"
#include "dev/apic.h"
#include "test/selftest.h"

static volatile bool stop;
static volatile uint64_t spins[2];

/* Never yields: only the timer interrupt can take the CPU away. */
static void busy(void *arg)
{
	volatile uint64_t *n = arg;
	while (!stop)
		(*n)++;
}

const char *test_preempt(void)
{
	stop = false;
	spins[0] = spins[1] = 0;
	struct thread *a = thread_create("busy0", busy, (void *)&spins[0]);
	struct thread *b = thread_create("busy1", busy, (void *)&spins[1]);
	for (int i = 0; i < 100000 && (a->switches < 3 || b->switches < 3); i++)
		thread_yield();
	stop = true;
	uint64_t sa = a->switches, sb = b->switches;
	thread_join(a);
	thread_join(b);
	if (sa < 3 || sb < 3 || !spins[0] || !spins[1])
		return fail("switches %lu/%lu, spins %lu/%lu", sa, sb, spins[0], spins[1]);
	return NULL;
}

static struct mutex lock;
static volatile uint64_t shared;

/* Read, yield inside the critical section, write: loses updates without the mutex. */
static void adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++) {
		mutex_lock(&lock);
		uint64_t v = shared;
		thread_yield();
		shared = v + 1;
		mutex_unlock(&lock);
	}
}

const char *test_mutex(void)
{
	shared = 0;
	struct thread *a = thread_create("adder0", adder, NULL);
	struct thread *b = thread_create("adder1", adder, NULL);
	thread_join(a);
	thread_join(b);
	if (shared != 100)
		return fail("counter %lu, want 100", shared);
	return NULL;
}

/* Sleeping blocks the caller until enough timer ticks have passed. */
const char *test_sleep(void)
{
	uint64_t start = timer_ticks;
	thread_sleep(3);
	if (timer_ticks < start + 3)
		return fail("woke after %lu ticks, want 3", timer_ticks - start);
	return NULL;
}
