/* SYSCALL/SYSRET set-up and the system-call table. */
#ifndef PROC_SYSCALL_H
#define PROC_SYSCALL_H

void syscall_init(void);

#endif
