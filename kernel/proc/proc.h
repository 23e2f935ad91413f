/* User processes: address spaces, ELF loading, demand paging, exit/wait. */
#ifndef PROC_PROC_H
#define PROC_PROC_H

#include <stdint.h>
#include <stdbool.h>

/* Exit status of a process killed by an exception: 0x100 + vector. */
#define EXIT_KILLED(vector) (0x100 + (vector))
#define MAX_FDS 8

struct thread;
struct initrd_node;
struct nt_process;

struct proc {
	int pid;
	uint64_t pml4;
	uint64_t entry;
	uint64_t heap_start, brk; /* demand-zero heap [heap_start, brk) */
	struct thread *thread;
	const struct initrd_node *files[MAX_FDS];
	uint64_t offsets[MAX_FDS];
	int exit_status;
	uint64_t fault_error; /* error code of the exception that killed it */
	struct nt_process *nt; /* NT processes (nt/process.h): NULL for ELF ones */
};

/* Loads an ELF program from the initrd and starts it; NULL on failure. */
struct proc *proc_spawn(const char *path);
/* Waits for p to end, frees it, and returns its exit status. */
int proc_wait(struct proc *p, uint64_t *fault_error);
struct proc *proc_current(void);
__attribute__((noreturn)) void proc_exit(int status);
/* A #PF on a not-present page inside the heap or stack maps a zeroed page: true. */
bool proc_demand_fault(uint64_t addr, uint64_t error);
/* Ends the current process after an exception from user mode. */
__attribute__((noreturn)) void proc_kill_current(int vector, uint64_t error);

#endif
