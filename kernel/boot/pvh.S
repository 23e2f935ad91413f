/*
 * PVH entry (QEMU -kernel): the Xen ELF note names pvh_start32, entered in
 * 32-bit protected mode, paging off, with EBX = physical address of the
 * hvm_start_info structure. The stub builds the machine state docs/BOOT.md
 * specifies for the 64-bit entry, converts the start info into a boot_info
 * block (pvh.c), and jumps to _start, so both loaders converge there.
 */
#include "arch/cpu.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.Xen, "a"
	.balign 4
	.long 4				/* name size: "Xen\0" */
	.long 8				/* descriptor size: QEMU reads 8 bytes for ELF64 */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_start32

	.section .boot.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov %ebx, %esi
	lgdt boot_gdt_ptr
	mov $KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov $boot_stack_top, %esp

	/* Zero the page tables: NOBITS memory is not guaranteed to be clear. */
	mov $boot_pml4, %edi
	mov $(7 * 4096 / 4), %ecx
	xor %eax, %eax
	rep stosl

	/* PML4[0] covers the identity map, PML4[511] the kernel's higher half. */
	movl $(boot_pdpt_lo + 3), boot_pml4
	movl $(boot_pdpt_hi + 3), boot_pml4 + 511 * 8
	/* The kernel half (0xffffffff80000000) reuses the first identity GiB. */
	movl $(boot_pd + 3), boot_pdpt_hi + 510 * 8
	mov $(boot_pd + 3), %eax
	xor %ecx, %ecx
1:	mov %eax, boot_pdpt_lo(, %ecx, 8)
	add $4096, %eax
	inc %ecx
	cmp $4, %ecx
	jne 1b
	/* [0, 4 GiB) with 2 MiB pages: present, writable, PS. */
	mov $0x83, %eax
	xor %ecx, %ecx
1:	mov %eax, boot_pd(, %ecx, 8)
	add $0x200000, %eax
	inc %ecx
	cmp $2048, %ecx
	jne 1b

	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x620, %eax			/* PAE | OSFXSR | OSXMMEXCPT */
	mov %eax, %cr4
	mov $0xC0000080, %ecx
	rdmsr
	or $0x900, %eax			/* LME | NXE */
	wrmsr
	mov $0x80010033, %eax		/* PG | WP | NE | ET | MP | PE */
	mov %eax, %cr0
	ljmp $KERNEL_CS, $pvh_start64

	.code64
pvh_start64:
	mov $KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %esp
	mov %esi, %edi			/* hvm_start_info, zero-extended */
	movabs $pvh_build_boot_info, %rax
	call *%rax			/* returns the boot_info physical address */
	mov %rax, %rdi
	mov $0x54535754, %esi
	pushq $2
	popfq
	mov $boot_stack_top, %esp
	xor %eax, %eax
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	jmp *boot_entry64(%rip)

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9b000000ffff		/* 0x08: 64-bit code, accessed */
	.quad 0x00cf93000000ffff		/* 0x10: flat data, accessed */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt
	.balign 8
boot_entry64:
	.quad _start

	.section .boot.bss, "aw", @nobits
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt_lo:	.skip 4096
boot_pdpt_hi:	.skip 4096
boot_pd:	.skip 4 * 4096
	.globl pvh_boot_info
pvh_boot_info:	.skip 4096
	.globl pvh_cmdline
pvh_cmdline:	.skip 4096
	.balign 16
boot_stack:	.skip 65536
boot_stack_top:
