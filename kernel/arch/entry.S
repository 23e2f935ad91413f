/*
 * Every way into and out of the kernel: the 64-bit boot entry, the interrupt
 * and exception stubs, the SYSCALL entry, the first jump to ring 3 and the
 * thread context switch. The frame layout matches struct regs (arch/cpu.h).
 */
#include "arch/cpu.h"

	.text
/* docs/BOOT.md entry: RDI = boot_info, RSI = magic; both passed to kmain. */
	.globl _start
_start:
	lea boot_thread_stack_top(%rip), %rsp
	xor %ebp, %ebp
	call kmain
1:	cli
	hlt
	jmp 1b

	.macro PUSH_GPRS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	.endm

	.macro POP_GPRS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	.endm

/* One stub per vector; those without a CPU error code push a zero one. */
	.macro ISR n
	.balign 16
isr\n:
	.if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp isr_common
	.endm

	.altmacro
	.set i, 0
	.rept 256
	ISR %i
	.set i, i + 1
	.endr

/* Stack here: vector, error, rip, cs, rflags, rsp, ss. */
isr_common:
	testb $3, 24(%rsp)
	jnz 1f
	/* A fault of the IRETQ back to ring 3 (#NP, #SS, #GP: a non-canonical
	 * RIP) arrives from ring 0 with the user's GS in place: swap it back too. */
	cmpq $iret_to_user, 16(%rsp)
	jne 2f
	cmpq $11, (%rsp)
	jb 2f
	cmpq $13, (%rsp)
	ja 2f
1:	swapgs
2:	PUSH_GPRS
	cld
	mov %rsp, %rdi
	call trap_dispatch
/* Leaves through the struct regs frame at RSP (interrupts or system calls). */
regs_return:
	POP_GPRS
	testb $3, 24(%rsp)
	jz 1f
	swapgs
	add $16, %rsp
	.globl iret_to_user
iret_to_user:
	iretq
1:	add $16, %rsp
	iretq

	.macro ISRADDR n
	.quad isr\n
	.endm

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.set i, 0
	.rept 256
	ISRADDR %i
	.set i, i + 1
	.endr
	.noaltmacro

	.text
/*
 * SYSCALL: RCX = user RIP, R11 = user RFLAGS, SFMASK cleared IF. Builds a
 * struct regs frame on the thread's kernel stack (from the per-CPU area).
 */
	.globl syscall_entry
syscall_entry:
	swapgs
	mov %rsp, %gs:PERCPU_USER_RSP
	mov %gs:PERCPU_KERNEL_RSP, %rsp
	pushq $USER_DS
	pushq %gs:PERCPU_USER_RSP
	push %r11
	pushq $USER_CS
	push %rcx
	pushq $0			/* error */
	pushq $-1			/* vector: not an interrupt */
	PUSH_GPRS
	cld
	mov %rsp, %rdi
	sti
	call syscall_dispatch
	cli
	/* SYSRETQ to a non-canonical RCX would fault in ring 0 on the user's
	 * stack (Intel): such a return takes IRETQ, whose fault is the user's. */
	mov 17*8(%rsp), %rcx
	shr $47, %rcx
	jnz regs_return
	POP_GPRS
	add $16, %rsp
	pop %rcx
	add $8, %rsp
	pop %r11
	pop %rsp
	swapgs
	sysretq

/*
 * enter_user(rip, rsp, rcx): the first switch of a thread to ring 3, with
 * every register clear but RCX: NT threads take their one argument there
 * (LdrInitializeThunk, thread start routines: Windows x64); ELF programs
 * get 0.
 */
	.globl enter_user
enter_user:
	cli
	pushq $USER_DS
	push %rsi
	pushq $0x202
	pushq $USER_CS
	push %rdi
	mov %rdx, %rcx
	swapgs
	xor %eax, %eax
	xor %ebx, %ebx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	jmp iret_to_user

/* switch_context(&prev->rsp, next_rsp): saves callee-saved state only. */
	.globl switch_context
switch_context:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/* A new thread's first "return": R12 = entry, R13 = argument. */
	.globl thread_trampoline
thread_trampoline:
	call thread_started
	mov %r13, %rdi
	call *%r12
	call thread_exit

	.bss
	.balign 16
	.globl boot_thread_stack
boot_thread_stack:
	.skip 16384
boot_thread_stack_top:
