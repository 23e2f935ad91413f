/* The kernel enters with RSP = top of the stack and every other register zero. */
	.section .text.start, "ax"
	.globl _start
_start:
	xor %ebp, %ebp
	and $-16, %rsp
	call main
	mov %eax, %edi
	call sys_exit
