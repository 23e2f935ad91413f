#include "proc/proc.h"
#include "arch/x86.h"
#include "mm/vmm.h"
#include "sched/thread.h"
#include "test/selftest.h"

/* Runs a program from the initrd to its end: its exit status, or -1. */
static int run(const char *path, uint64_t *fault_error)
{
	struct proc *p = proc_spawn(path);
	return p ? proc_wait(p, fault_error) : -1;
}

static const char *expect_exit(const char *path, int want)
{
	int got = run(path, NULL);
	if (got != want)
		return fail("%s exited with %d, want %d", path, got, want);
	return NULL;
}

static const char *expect_pf(const char *path, uint64_t must_set)
{
	uint64_t err = 0;
	int got = run(path, &err);
	if (got != EXIT_KILLED(14) || (err & must_set) != must_set)
		return fail("%s: status %d error %lx, want a #PF kill with %lx", path, got, err, must_set);
	return NULL;
}

const char *test_user_hello(void) { return expect_exit("/bin/hello", 42); }
/* User mode (4) touching a present (1) supervisor page. */
const char *test_user_kernel_access(void) { return expect_pf("/bin/kmem", 5); }
/* User mode (4) fetching (16) from a no-execute page. */
const char *test_user_nx(void) { return expect_pf("/bin/nx", 0x15); }
const char *test_user_divide(void) { return expect_exit("/bin/div0", EXIT_KILLED(0)); }
const char *test_user_demand_zero(void) { return expect_exit("/bin/demand", 0); }
const char *test_user_efault(void) { return expect_exit("/bin/efault", 0); }

/* Two processes spinning in ring 3 at the same addresses are preempted in turn and stay isolated. */
const char *test_user_preempt(void)
{
	struct proc *a = proc_spawn("/bin/spin"), *b = proc_spawn("/bin/spin");
	if (!a || !b)
		return fail("could not start /bin/spin");
	while (a->thread->state != T_DEAD || b->thread->state != T_DEAD)
		thread_yield();
	uint64_t sa = a->thread->switches, sb = b->thread->switches;
	int ea = proc_wait(a, NULL), eb = proc_wait(b, NULL);
	if (ea || eb)
		return fail("exit statuses %d and %d, want 0 (1: memory not isolated, 2: never preempted)", ea, eb);
	if (sa < 3 || sb < 3)
		return fail("scheduled %lu and %lu times, want 3 or more", sa, sb);
	return NULL;
}

/* An IRETQ to a non-canonical RIP faults in ring 0 (QEMU's TCG lets the
 * fetch fault in ring 3 instead): either way the process dies, not the kernel. */
const char *test_user_bad_return(void)
{
	uint64_t flags = irq_save();
	struct proc *p = proc_spawn("/bin/hello");
	if (p)
		p->entry = USER_TOP; /* before the thread first runs */
	irq_restore(flags);
	if (!p)
		return fail("could not start /bin/hello");
	int got = proc_wait(p, NULL);
	if (got != EXIT_KILLED(13) && got != EXIT_KILLED(14))
		return fail("exit status %d, want a #GP (or #PF) kill", got);
	return NULL;
}
