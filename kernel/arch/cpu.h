/* Descriptor tables, traps, the exception-fixup table and CPU features. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

/* The constants are shared with entry.S; the rest is C only. */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
/* SYSRET takes CS = base + 16 and SS = base + 8 from STAR[63:48]. */
#define USER_BASE 0x18
#define USER_DS 0x23
#define USER_CS 0x2b
#define TSS_SEL 0x30

#define VEC_TIMER 0x20
#define VEC_KEYBOARD 0x21
#define VEC_SERIAL 0x24
/* A software-interrupt vector whose gate switches to its own IST stack. */
#define VEC_IST_TEST 0x81
#define VEC_SPURIOUS 0xFF

/* Offsets into struct percpu used by the SYSCALL entry. */
#define PERCPU_KERNEL_RSP 0
#define PERCPU_USER_RSP 8

#ifndef __ASSEMBLER__
#include "arch/x86.h"

/* The frame every stub in entry.S builds; a syscall has vector -1. */
struct regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Per-CPU data at GS base. */
struct thread;
struct percpu {
	uint64_t kernel_rsp; /* top of the current thread's kernel stack */
	uint64_t user_rsp;   /* scratch for the SYSCALL entry */
	struct thread *current;
};
extern struct percpu percpu;

struct cpu_features {
	bool gbpages, smep, smap, fsgsbase;
};
extern struct cpu_features cpu_has;

/* The last exception a fixup (or probe_exec) recovered from. */
struct fault_record {
	int vector; /* -1: none since fault_reset() */
	uint64_t error, cr2, rip;
};
extern volatile struct fault_record last_fault;
extern volatile uint64_t breakpoint_count;
/* The RSP a VEC_IST_TEST handler ran on, and that IST stack's bounds. */
extern volatile uint64_t ist_test_rsp;
extern uint64_t ist_test_stack_lo, ist_test_stack_hi;

typedef void (*irq_handler)(struct regs *r);

void cpu_init(void);
/* The first switch of a thread to ring 3 at rip with stack rsp and RCX = rcx
 * (arch/entry.S); every other register is clear. */
__attribute__((noreturn)) void enter_user(uint64_t rip, uint64_t rsp, uint64_t rcx);
void idt_set_handler(uint8_t vector, irq_handler h);
void tss_set_rsp0(uint64_t rsp0);
void fault_reset(void);

/*
 * Accesses that may fault, recovered through the fixup table: each returns
 * false (and fills last_fault) when the access faulted.
 */
bool probe_read8(const volatile void *p, uint8_t *out);
bool probe_write8(volatile void *p, uint8_t v);
bool probe_divide(uint32_t num, uint32_t den, uint32_t *quot);
bool probe_ud2(void);
/* Calls code; an instruction fetch fault at its first byte returns false. */
bool probe_exec(void *code);
/* Copies between kernel and user memory under STAC; false on a fault. */
bool copy_user_raw(void *dst, const void *src, size_t n);

#endif /* __ASSEMBLER__ */
#endif
