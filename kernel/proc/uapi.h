/* The system-call ABI, shared by the kernel and the user programs. */
#ifndef PROC_UAPI_H
#define PROC_UAPI_H

/* rax = number; arguments in rdi, rsi, rdx, r10, r8, r9; rax = result or -errno. */
#define SYS_write 0
#define SYS_exit 1
#define SYS_getpid 2
#define SYS_yield 3
#define SYS_open 4
#define SYS_read 5
#define SYS_close 6
#define SYS_brk 7
#define SYS_stat 8       /* stat(path): the file's size */
#define SYS_timeslices 9 /* how many times the scheduler has switched to the caller */

#define ENOENT 2
#define EBADF 9
#define EFAULT 14
#define EMFILE 24
#define ENAMETOOLONG 36
#define ENOSYS 38

#define USER_LOAD_BASE 0x400000
/* The stack grows down from here; its pages appear on first touch. */
#define USER_STACK_TOP 0x80000000ul
#define USER_STACK_SIZE (1ul << 20)
/* brk may grow the heap by at most this much. */
#define USER_HEAP_MAX (64ul << 20)

#endif
