/* System calls straight to the kernel (nt/abi.h), bypassing ntdll: the
 * hardening tests pass arguments ntdll's stubs would never build. */
#ifndef RAWSYS_H
#define RAWSYS_H
#include <stdint.h>
#include "nt/abi.h"

/* rawsys(nr, a): a[0..3] in r10, rdx, r8, r9, a[4..11] where the kernel
 * reads arguments 5-12 (RSP + 0x28 at the SYSCALL); returns RAX. */
uint64_t rawsys(uint64_t nr, const uint64_t *a);
__asm__(".text\n"
	".globl rawsys\n"
	"rawsys:\n"
	"push %rsi\n"
	"sub $0x70, %rsp\n"
	"mov %rdx, %rsi\n"
	"mov %rcx, %rax\n"
	"mov 32(%rsi), %rcx\n mov %rcx, 0x28(%rsp)\n"
	"mov 40(%rsi), %rcx\n mov %rcx, 0x30(%rsp)\n"
	"mov 48(%rsi), %rcx\n mov %rcx, 0x38(%rsp)\n"
	"mov 56(%rsi), %rcx\n mov %rcx, 0x40(%rsp)\n"
	"mov 64(%rsi), %rcx\n mov %rcx, 0x48(%rsp)\n"
	"mov 72(%rsi), %rcx\n mov %rcx, 0x50(%rsp)\n"
	"mov 80(%rsi), %rcx\n mov %rcx, 0x58(%rsp)\n"
	"mov 88(%rsi), %rcx\n mov %rcx, 0x60(%rsp)\n"
	"mov (%rsi), %r10\n"
	"mov 8(%rsi), %rdx\n"
	"mov 16(%rsi), %r8\n"
	"mov 24(%rsi), %r9\n"
	"syscall\n"
	"add $0x70, %rsp\n"
	"pop %rsi\n"
	"ret\n");

static inline uint32_t rawstatus(uint64_t nr, const uint64_t *a) { return (uint32_t)rawsys(nr, a); }
/* sys(nr, up to 12 arguments): the status. */
#define sys(nr, ...) rawstatus((nr), (const uint64_t[12]){__VA_ARGS__})

#endif
