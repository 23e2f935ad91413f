/*
 * The helper's entry, and the two ways in and out of a case: enter_case
 * loads the whole user state and IRETQs to the case (IRETQ sets RFLAGS, RSP
 * and RIP at once, so with TF set the single-step trap comes after the
 * case's first instruction, not after ours); fast_return is where MODE_FAST's
 * jump lands, saving the state before anything of ours runs; leave_case
 * returns from enter_case.
 */
	.text
	.globl _start
_start:
	mov %rsp, %rdi			/* argc, argv, envp, auxv */
	lea stack_top(%rip), %rsp
	call helper_main
	ud2

/* void enter_case(void *xsave_area) */
	.globl enter_case
enter_case:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, helper_rsp(%rip)
	mov $-1, %eax
	mov $-1, %edx
	cmpl $0, use_xsave(%rip)
	je 1f
	xrstor64 (%rdi)
	jmp 2f
1:	fxrstor64 (%rdi)
2:	lea case_frame(%rip), %rsp
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, enter_tsc(%rip)
	mov case_gpr+0*8(%rip), %rax
	mov case_gpr+1*8(%rip), %rcx
	mov case_gpr+2*8(%rip), %rdx
	mov case_gpr+3*8(%rip), %rbx
	mov case_gpr+5*8(%rip), %rbp
	mov case_gpr+6*8(%rip), %rsi
	mov case_gpr+7*8(%rip), %rdi
	mov case_gpr+8*8(%rip), %r8
	mov case_gpr+9*8(%rip), %r9
	mov case_gpr+10*8(%rip), %r10
	mov case_gpr+11*8(%rip), %r11
	mov case_gpr+12*8(%rip), %r12
	mov case_gpr+13*8(%rip), %r13
	mov case_gpr+14*8(%rip), %r14
	mov case_gpr+15*8(%rip), %r15
	iretq

/* MODE_FAST lands here from the case's code, with the case's registers. */
	.globl fast_return
fast_return:
	mov %rsp, fast_gpr+4*8(%rip)
	lea fast_stack_top(%rip), %rsp
	pushfq
	popq fast_rflags(%rip)
	push $0x202			/* DF, AC, TF as the C code expects */
	popfq
	mov %rax, fast_gpr+0*8(%rip)
	mov %rcx, fast_gpr+1*8(%rip)
	mov %rdx, fast_gpr+2*8(%rip)
	mov %rbx, fast_gpr+3*8(%rip)
	mov %rbp, fast_gpr+5*8(%rip)
	mov %rsi, fast_gpr+6*8(%rip)
	mov %rdi, fast_gpr+7*8(%rip)
	mov %r8, fast_gpr+8*8(%rip)
	mov %r9, fast_gpr+9*8(%rip)
	mov %r10, fast_gpr+10*8(%rip)
	mov %r11, fast_gpr+11*8(%rip)
	mov %r12, fast_gpr+12*8(%rip)
	mov %r13, fast_gpr+13*8(%rip)
	mov %r14, fast_gpr+14*8(%rip)
	mov %r15, fast_gpr+15*8(%rip)
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, leave_tsc(%rip)
	mov $-1, %eax
	mov $-1, %edx
	cmpl $0, use_xsave(%rip)
	je 1f
	xsave64 fast_xsave(%rip)
	jmp leave_case
1:	fxsave64 fast_xsave(%rip)
	/* fall through */

/* Back into run_case, as if enter_case returned. */
	.globl leave_case
leave_case:
	mov helper_rsp(%rip), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

/* The handler of every signal: clean flags first (the case may have left
 * AC or DF set), then the C handler; a return goes to the restorer and
 * continues the case (single-stepping a REP string instruction). */
	.globl signal_entry
signal_entry:
	push $0x202
	popfq
	sub $8, %rsp			/* entered as if called: realign for C */
	call on_signal
	add $8, %rsp
	ret

	.globl signal_restorer
signal_restorer:
	mov $15, %eax			/* rt_sigreturn */
	syscall
	ud2

	.data
	.balign 16
	.globl case_frame
case_frame:	.quad 0, 0, 0, 0, 0
	.globl case_gpr
case_gpr:	.skip 16 * 8
	.globl fast_gpr
fast_gpr:	.skip 16 * 8
	.globl fast_rflags
fast_rflags:	.quad 0
helper_rsp:	.quad 0
	.globl enter_tsc, leave_tsc
enter_tsc:	.quad 0			/* the TSC just before the IRETQ into a case */
leave_tsc:	.quad 0			/* and at fast_return */

	.bss
	.balign 64
	.globl fast_xsave
fast_xsave:	.skip 0x4000
	.balign 16
	.skip 4096
fast_stack_top:
	.skip 262144
stack_top:
	.section .note.GNU-stack, "", @progbits
