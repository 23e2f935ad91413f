/*
 * NT processes and threads inside the kernel. An NT process is an object
 * (nt/object.h) wrapping the ELF layer's struct proc, so the scheduler, the
 * SYSCALL entry and the trap handler find it through thread->proc and
 * then branch on proc->nt: ELF processes keep their own paths untouched.
 */
#ifndef NT_PROCESS_H
#define NT_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include "nt/abi.h"
#include "nt/object.h"
#include "proc/proc.h"

struct regs;
struct nt_region;
struct nt_thread;

#define NT_MAX_TLS 8

/* A module's TLS template, copied into every new thread's TLS block. */
struct nt_tls_template {
	uint64_t start, size, zero_fill; /* user addresses, bytes */
	uint32_t index;
};

struct nt_process {
	struct nt_object obj;
	struct proc proc; /* pml4 and pid, shared with the ELF layer */
	struct nt_handle_table *handles; /* NULL once the process ended */
	struct nt_region *regions;       /* sorted by address, nt/memory.c */
	uint64_t reserved, committed, resident; /* pages, against the limits in nt/memory.h */
	struct nt_thread *threads;
	int live_threads;
	bool terminating, ended;
	int32_t exit_status;
	uint64_t peb, params, image_base;
	uint64_t parent_pid;
	struct nt_tls_template tls[NT_MAX_TLS];
	uint32_t tls_count;
	char name[64]; /* image base name, "cmd.exe", for messages */
	/* The console control event (Ctrl+C): handlers registered through
	 * NtSetConsoleCtrlHandler, and threads waiting in a console read. */
	int ctrl_handlers, console_waiters;
	struct nt_process *next_all; /* every NT process, for that event */
	uint32_t cookie; /* ProcessCookie: random per process (lib/random.h) */
};

struct nt_thread {
	struct nt_object obj;
	struct nt_process *process; /* referenced */
	struct thread *kt;
	struct nt_thread *next; /* in the process */
	uint64_t teb, stack_base, stack_limit, guard;
	uint64_t start, arg; /* first user RIP and RCX */
	int32_t exit_status;
	bool ended, kill;
};

extern const struct nt_object_type nt_process_type, nt_thread_type, nt_event_type;

/* The current thread's NT process and thread, NULL in ELF and kernel threads. */
struct nt_process *nt_current_process(void);
struct nt_thread *nt_current_thread(void);

/* What a new process gets; strings are UTF-16 and need no NUL. */
struct nt_spawn {
	const uint16_t *image;   /* NT path "\??\C:\..." or DOS path */
	size_t image_len;
	const uint16_t *cmdline; /* NULL: the image's DOS path */
	size_t cmdline_len;
	const uint16_t *cwd;     /* DOS path; NULL: "C:\" */
	size_t cwd_len;
	const uint16_t *env;     /* "A=b\0...\0\0"; NULL: the kernel's default */
	size_t env_bytes;
	struct nt_object *std[3]; /* NULL entries give handle 0 */
};

/* Creates a process and its first thread (runnable at once); both objects
 * come back referenced. A missing DLL or export prints the reason. */
nt_status nt_process_spawn(const struct nt_spawn *s, struct nt_process **out, struct nt_thread **thread);
/* Ends p (all its threads) with status; for the current process it does not return. */
void nt_process_terminate(struct nt_process *p, int32_t status);
/* Sleeps until o is signalled or timeout_ticks pass (~0: forever): SUCCESS or TIMEOUT. */
nt_status nt_wait_object(struct nt_object *o, uint64_t timeout_ticks);
/* Ctrl+C (from an interrupt handler): ends with STATUS_CONTROL_C_EXIT every
 * process that registered no console control handler, unless it is
 * reading the console (the read gets the Ctrl+C) or has a live child (a
 * shell whose program the Ctrl+C ends: Wine's cmd.exe registers no handler).
 * Threads running in user mode end at the interrupt's return. */
void nt_console_ctrl_c(void);
/* Frees the kernel threads of NT threads that ended. */
void nt_reap(void);

/* Hooks from the generic kernel paths (arch/cpu.c, proc/). */
void nt_syscall_dispatch(struct regs *r);
/* Kernel command line `nttrace`: log every NT system call and its status. */
extern bool nt_trace;
bool nt_demand_fault(struct nt_process *p, uint64_t addr, uint64_t error);
/* Ends the current NT process after a user-mode exception; returns if the
 * current thread is not an NT thread. */
void nt_user_exception(struct regs *r);
/* Ends the current NT thread if its process is being terminated. */
void nt_check_terminated(void);
__attribute__((noreturn)) void nt_thread_exit_current(int32_t status);

/* Kernel command line `init=PATH`: runs PATH as the first NT process, waits
 * for it, prints its status and ends the run with it. */
__attribute__((noreturn)) void nt_run_init(const char *path);

/* Small UTF-16 helpers shared by the NT files. */
size_t nt_wcslen(const uint16_t *s);
uint16_t nt_wupper(uint16_t c);
/* ASCII (or Latin-1) to UTF-16 with a NUL; returns the length. */
size_t nt_ascii_to_w(uint16_t *dst, size_t cap, const char *src);
/* UTF-16 to printable ASCII ('?' beyond), NUL-terminated. */
void nt_w_to_ascii(char *dst, size_t cap, const uint16_t *src, size_t len);

/* Milliseconds-based kernel ticks: the timer runs at roughly 1 kHz. */
#define NT_TICKS_PER_SECOND 1000
/* 2026-01-01 00:00 UTC in 100 ns units since 1601: the deterministic boot time. */
#define NT_BOOT_TIME 134116992000000000LL

#endif
