/* Entry points of the benchmark blob. The same bytes run under every
 * engine: the emulator and Unicorn call run() directly with a return
 * address at bench_halt; qemu-user starts at _start, which reads the
 * workload number from argv[1] and exits with the checksum. */
	.text
	.globl _start
_start:
	mov 16(%rsp), %rsi		/* argv[1] */
	xor %edi, %edi
	test %rsi, %rsi
	jz 1f
	movzbl (%rsi), %edi
	sub $'0', %edi
1:	and $-16, %rsp
	call run
	mov %eax, %edi
	mov $60, %eax			/* exit(checksum) */
	syscall

	.globl bench_halt
bench_halt:
	hlt

/* cpu_loop(n): the CPU-bound loop of the emulator's BenchmarkMIPS, n
 * iterations of seven instructions. */
	.globl cpu_loop
cpu_loop:
	push %rbx
	mov %rdi, %rdx
	xor %eax, %eax
	mov $0x9e3779b97f4a7c15, %rbx
	xor %ecx, %ecx
	xor %esi, %esi
2:	add %rbx, %rax
	xor %rax, %rcx
	lea 8(%rsi,%rax,2), %rsi
	mov %rsi, -8(%rsp)
	mov -8(%rsp), %rdi
	sub $1, %rdx
	jnz 2b
	mov %ecx, %eax
	xor %esi, %eax
	pop %rbx
	ret

	.section .note.GNU-stack,"",@progbits
