/*
 * nt_enter_user(rip, rsp, rcx): the first switch of an NT thread to ring 3.
 * Like enter_user (arch/entry.S) but with RCX set: LdrInitializeThunk and
 * thread start routines take their one argument there (Windows x64).
 * KERNEL_GS_BASE already holds the TEB (the scheduler loaded it).
 */
#include "arch/cpu.h"

	.text
	.globl nt_enter_user
nt_enter_user:
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
	iretq
	.section .note.GNU-stack, "", @progbits
