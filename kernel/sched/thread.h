/* Kernel threads: preemptive round-robin scheduling on the timer tick. */
#ifndef SCHED_THREAD_H
#define SCHED_THREAD_H

#include <stdint.h>
#include <stdbool.h>

/* Kernel stacks: 16 KiB. */
#define KSTACK_PAGES 4

enum thread_state { T_RUNNABLE, T_SLEEPING, T_DEAD };

struct proc;

struct thread {
	uint64_t rsp; /* saved by switch_context */
	void *kstack;
	uint64_t kstack_top;
	uint64_t cr3;
	enum thread_state state;
	uint64_t wake_tick;
	uint64_t switches; /* times it was switched to */
	int id;
	const char *name;
	struct proc *proc; /* NULL for kernel threads */
	/* NT threads: their struct nt_thread. */
	void *nt;
	/* The user FS and GS bases (NT threads start with GS = the TEB), saved
	 * and restored on every switch: KERNEL_GS_BASE holds the GS one. */
	uint64_t user_fs, user_gs;
	/* FXSAVE area (512 bytes, 16-aligned) of threads that run SSE code in
	 * user mode (NT threads); NULL for the rest, which never touch it. */
	void *fpu;
	struct thread *next;
};

struct mutex {
	volatile bool locked;
	struct thread *owner;
};

/* Turns the boot flow into thread 0 and creates the idle thread. */
void sched_init(void);
struct thread *thread_current(void);
/* A new runnable thread running fn(arg); a return from fn ends it. NULL
 * when out of memory. */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg);
void thread_yield(void);
void thread_sleep(uint64_t ticks);
__attribute__((noreturn)) void thread_exit(void);
/* Waits for t to end and frees it. */
void thread_join(struct thread *t);
/* Timer interrupt: wakes sleepers and preempts the running thread. */
void sched_tick(void);

void mutex_lock(struct mutex *m);
void mutex_unlock(struct mutex *m);

#endif
