#if defined(_WIN64)
/* The system-call stubs, generated from the one table in include/ntapi.h:
 * each is `mov r10, rcx; mov eax, N; syscall; ret` (kernel/nt/abi.h), and
 * each table number is checked against abi.h's enum at compile time. */
#include "ntapi.h"

#define W32_STUB(name, num, en, args) \
	_Static_assert((num) == (en), #name " does not match kernel/nt/abi.h"); \
	__asm__(".text\n\t.globl " #name "\n\t.p2align 4\n" #name ":\n\t" \
	        "mov %rcx, %r10\n\tmov $" #num ", %eax\n\tsyscall\n\tret\n");
W32_SYSCALLS(W32_STUB)
_Static_assert(NT_SYS_COUNT == 28, "a system call in kernel/nt/abi.h has no stub in ntapi.h");
#endif
