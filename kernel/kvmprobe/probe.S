/*
 * kvmprobe: the smallest guest that does at CPL 0 what the kernel's
 * self-tests do, so TestQEMUKVM can tell a host whose KVM cannot run it
 * (kvm-pvm executes guest CPL 0 code in KVM's software instruction
 * emulator, which cannot deliver INT3 or INT n in protected mode) from a
 * kernel bug. QEMU loads it through the PVH note like the kernel; the first
 * word of the command line names the one operation to try:
 *
 *   int3   INT3 through a 64-bit interrupt gate, handler returns with IRETQ
 *   intn   INT 0x40 through a 64-bit interrupt gate
 *
 * It prints "kvmprobe: OP" before and "kvmprobe: OP ok" after on COM1, then
 * writes 0 to the debug-exit port (QEMU exit status 1). An unknown word
 * exits with 2 (status 5).
 */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define COM1 0x3f8
#define DEBUG_EXIT 0xf4
#define CODE64 0x08
#define DATA 0x10

	.section .note.Xen, "a"
	.balign 4
	.long 4
	.long 8
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad start32

	.text
	.code32
	.globl start32
start32:
	cli
	cld
	mov 24(%ebx), %esi		/* hvm_start_info.cmdline_paddr (low half) */
	lgdt gdt_ptr
	mov $DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $stack_top, %esp

	/* Identity-map the first GiB with 2 MiB pages. */
	mov $pml4, %edi
	mov $(3 * 4096 / 4), %ecx
	xor %eax, %eax
	rep stosl
	movl $(pdpt + 3), pml4
	movl $(pd + 3), pdpt
	mov $0x83, %eax
	xor %ecx, %ecx
1:	mov %eax, pd(, %ecx, 8)
	add $0x200000, %eax
	inc %ecx
	cmp $512, %ecx
	jne 1b

	mov $pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax			/* LME */
	wrmsr
	mov $0x80010033, %eax		/* PG | WP | NE | ET | MP | PE, as the kernel */
	mov %eax, %cr0
	ljmp $CODE64, $start64

	.code64
start64:
	mov $stack_top, %esp
	/* Every IDT entry is a present 64-bit interrupt gate (DPL 0) to handler. */
	lea handler(%rip), %rax
	mov %eax, %edx
	and $0xffff, %edx
	or $(CODE64 << 16), %edx	/* offset 15:0, selector */
	mov %eax, %ecx
	and $0xffff0000, %ecx
	or $0x8e00, %ecx		/* P, DPL 0, type 0xE; offset 31:16 */
	lea idt(%rip), %rdi
	xor %r8d, %r8d
1:	mov %edx, (%rdi)
	mov %ecx, 4(%rdi)
	movq $0, 8(%rdi)		/* offset 63:32 = 0 */
	add $16, %rdi
	inc %r8d
	cmp $256, %r8d
	jne 1b
	lidt idt_ptr(%rip)

	lea msg_prefix(%rip), %rdi
	call puts
	mov %esi, %edi
	call puts_op
	mov $'\n', %al
	call putc

	cmpl $0x33746e69, (%rsi)	/* "int3" */
	je op_int3
	cmpl $0x6e746e69, (%rsi)	/* "intn" */
	je op_intn
	mov $2, %eax
	jmp exit

op_int3:
	int3
	jmp check
op_intn:
	int $0x40
check:
	cmpq $1, handled(%rip)
	jne fail
	lea msg_prefix(%rip), %rdi
	call puts
	mov %esi, %edi
	call puts_op
	lea msg_ok(%rip), %rdi
	call puts
	xor %eax, %eax
	jmp exit
fail:
	mov $1, %eax
exit:
	mov $DEBUG_EXIT, %dx
	out %eax, %dx
1:	hlt
	jmp 1b

handler:
	incq handled(%rip)
	iretq

/* putc: AL to COM1 (QEMU's UART needs no setup for output). */
putc:
	mov $COM1, %dx
	out %al, %dx
	ret

/* puts: the NUL-terminated string at RDI. */
puts:
	movzbl (%rdi), %eax
	test %al, %al
	jz 1f
	call putc
	inc %rdi
	jmp puts
1:	ret

/* puts_op: the first word of the command line at RDI, at most 8 bytes. */
puts_op:
	mov $8, %ecx
1:	movzbl (%rdi), %eax
	cmp $' ', %al
	jbe 2f
	call putc
	inc %rdi
	loop 1b
2:	ret

	.section .rodata
msg_prefix:	.asciz "kvmprobe: "
msg_ok:		.asciz " ok\n"

	.data
	.balign 8
gdt:
	.quad 0
	.quad 0x00af9b000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff		/* 0x10: flat data */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.long gdt
	.balign 8
idt_ptr:
	.word 256 * 16 - 1
	.quad idt
handled:
	.quad 0

	.bss
	.balign 4096
pml4:	.skip 4096
pdpt:	.skip 4096
pd:	.skip 4096
idt:	.skip 256 * 16
	.balign 16
	.skip 4096
stack_top:
	.section .note.GNU-stack, "", @progbits
