#include "sched/thread.h"
#include "arch/cpu.h"
#include "dev/apic.h"
#include "lib/kprintf.h"
#include "mm/heap.h"
#include "mm/vmm.h"

#define KSTACK_SIZE (KSTACK_PAGES * 4096)

void switch_context(uint64_t *save_rsp, uint64_t new_rsp);
void thread_trampoline(void);
extern char boot_thread_stack[];

static struct thread boot_thread, *idle, *all = &boot_thread;
static int next_id = 1;

struct thread *thread_current(void) { return percpu.current; }

/* Picks the next runnable thread after the current one; idle if none. Call with IF = 0. */
static void schedule(void)
{
	struct thread *cur = percpu.current, *next = NULL;
	for (struct thread *t = cur->next ? cur->next : all;; t = t->next ? t->next : all) {
		if (t->state == T_SLEEPING && t->wake_tick <= timer_ticks)
			t->state = T_RUNNABLE;
		if (t->state == T_RUNNABLE && t != idle) {
			next = t;
			break;
		}
		if (t == cur)
			break;
	}
	if (!next)
		next = idle;
	if (next == cur)
		return;
	next->switches++;
	tss_set_rsp0(next->kstack_top);
	if (next->cr3 != cur->cr3)
		write_cr3(next->cr3);
	/* The user FS and GS bases belong to the thread (ring 3 may change them
	 * with WRFSBASE/WRGSBASE); in the kernel KERNEL_GS_BASE holds the user's GS. */
	cur->user_fs = rdmsr(MSR_FS_BASE);
	cur->user_gs = rdmsr(MSR_KERNEL_GS_BASE);
	wrmsr(MSR_FS_BASE, next->user_fs);
	wrmsr(MSR_KERNEL_GS_BASE, next->user_gs);
	if (cur->fpu)
		asm volatile("fxsave64 (%0)" : : "r"(cur->fpu) : "memory");
	if (next->fpu)
		asm volatile("fxrstor64 (%0)" : : "r"(next->fpu) : "memory");
	percpu.current = next;
	switch_context(&cur->rsp, next->rsp);
}

static void idle_loop(void *arg)
{
	(void)arg;
	for (;;)
		asm volatile("sti; hlt" ::: "memory");
}

void sched_init(void)
{
	boot_thread = (struct thread){
		.kstack = boot_thread_stack, .kstack_top = (uint64_t)boot_thread_stack + KSTACK_SIZE,
		.cr3 = kernel_pml4, .state = T_RUNNABLE, .name = "main",
	};
	percpu.current = &boot_thread;
	tss_set_rsp0(boot_thread.kstack_top);
	idle = thread_create("idle", idle_loop, NULL);
	if (!idle)
		panic("sched: out of memory for the idle thread");
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = kzalloc(sizeof *t);
	if (!t || !(t->kstack = kmalloc(KSTACK_SIZE))) {
		kfree(t);
		return NULL;
	}
	t->kstack_top = (uint64_t)t->kstack + KSTACK_SIZE;
	/* switch_context pops r15, r14, r13, r12, rbp, rbx, then returns. */
	uint64_t *sp = (uint64_t *)(t->kstack_top - 7 * 8);
	sp[0] = sp[1] = 0;
	sp[2] = (uint64_t)arg; /* r13 */
	sp[3] = (uint64_t)fn;  /* r12 */
	sp[4] = sp[5] = 0;
	sp[6] = (uint64_t)thread_trampoline;
	t->rsp = (uint64_t)sp;
	t->cr3 = kernel_pml4;
	t->name = name;
	t->state = T_RUNNABLE;
	uint64_t flags = irq_save();
	t->id = next_id++;
	t->next = all->next;
	all->next = t;
	irq_restore(flags);
	return t;
}

/* First code of every new thread (from thread_trampoline): it came through schedule() with IF = 0. */
void thread_started(void) { sti(); }

void thread_yield(void)
{
	uint64_t flags = irq_save();
	schedule();
	irq_restore(flags);
}

void thread_sleep(uint64_t ticks)
{
	uint64_t flags = irq_save();
	percpu.current->wake_tick = timer_ticks + ticks;
	percpu.current->state = T_SLEEPING;
	schedule();
	irq_restore(flags);
}

void thread_exit(void)
{
	cli();
	percpu.current->state = T_DEAD;
	schedule();
	panic("dead thread %d rescheduled", percpu.current->id);
}

void thread_join(struct thread *t)
{
	while (t->state != T_DEAD)
		thread_yield();
	uint64_t flags = irq_save();
	for (struct thread **pp = &all; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	irq_restore(flags);
	kfree(t->kstack);
	kfree(t);
}

void sched_tick(void)
{
	if (percpu.current)
		schedule();
}

void mutex_lock(struct mutex *m)
{
	for (;;) {
		uint64_t flags = irq_save();
		if (!m->locked) {
			m->locked = true;
			m->owner = percpu.current;
			irq_restore(flags);
			return;
		}
		irq_restore(flags);
		thread_yield();
	}
}

void mutex_unlock(struct mutex *m)
{
	if (m->owner != percpu.current)
		panic("mutex_unlock by a thread that does not hold it");
	m->owner = NULL;
	m->locked = false;
}
