/* System-call stubs and the library functions the test programs use. */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stddef.h>
#include <stdint.h>
#include "proc/uapi.h"

static inline long syscall3(long nr, long a, long b, long c)
{
	long ret;
	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static inline long sys_write(int fd, const void *buf, size_t len) { return syscall3(SYS_write, fd, (long)buf, (long)len); }
__attribute__((noreturn)) void sys_exit(int status);
static inline long sys_getpid(void) { return syscall3(SYS_getpid, 0, 0, 0); }
static inline long sys_yield(void) { return syscall3(SYS_yield, 0, 0, 0); }
static inline long sys_open(const char *path) { return syscall3(SYS_open, (long)path, 0, 0); }
static inline long sys_read(int fd, void *buf, size_t len) { return syscall3(SYS_read, fd, (long)buf, (long)len); }
static inline long sys_close(int fd) { return syscall3(SYS_close, fd, 0, 0); }
static inline long sys_brk(uintptr_t addr) { return syscall3(SYS_brk, (long)addr, 0, 0); }
static inline long sys_stat(const char *path) { return syscall3(SYS_stat, (long)path, 0, 0); }
static inline long sys_timeslices(void) { return syscall3(SYS_timeslices, 0, 0, 0); }

/* The string functions are the kernel's own, compiled for user mode. */
#include "lib/string.h"

#endif
