/*
 * NT system calls inside the kernel: the dispatcher gathers the arguments
 * (registers, then the user stack, see nt/abi.h) into a struct nt_call and
 * calls the handler for the number. Handlers live with their subsystem:
 * nt/process.c, nt/memory.c, nt/wait.c (processes, threads, memory, waits,
 * events, time), nt/file.c and dev/console.c (files, directories, the
 * console). Every user pointer goes through the checked copies below.
 */
#ifndef NT_SYSCALL_H
#define NT_SYSCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nt/abi.h"

#define NT_MAX_ARGS 12

struct nt_call {
	uint64_t arg[NT_MAX_ARGS];
};

typedef nt_status (*nt_syscall_fn)(const struct nt_call *c);

/* Checked user-memory access: false if [user, user + n) is not entirely
 * accessible user memory (unmapped, kernel, or wrapping). */
bool nt_copy_in(void *dst, uint64_t user, size_t n);
bool nt_copy_out(uint64_t user, const void *src, size_t n);

/* Reads a user UNICODE_STRING (at user address us) into buf as UTF-16 with
 * a terminating NUL; *len gets the length in characters. */
nt_status nt_read_unicode(uint64_t us, uint16_t *buf, size_t buf_chars, size_t *len);
/* Reads OBJECT_ATTRIBUTES' name the same way (root_directory must be 0). */
nt_status nt_read_object_name(uint64_t oa, uint16_t *buf, size_t buf_chars, size_t *len);
/* Writes an IO_STATUS_BLOCK. */
nt_status nt_write_iosb(uint64_t iosb, nt_status status, uint64_t information);

/* The handlers (one per enum nt_syscall value). */
nt_status nt_close(const struct nt_call *c);
nt_status nt_create_file(const struct nt_call *c);
nt_status nt_read_file(const struct nt_call *c);
nt_status nt_write_file(const struct nt_call *c);
nt_status nt_query_information_file(const struct nt_call *c);
nt_status nt_set_information_file(const struct nt_call *c);
nt_status nt_query_directory_file(const struct nt_call *c);
nt_status nt_query_attributes_file(const struct nt_call *c);
nt_status nt_query_volume_information_file(const struct nt_call *c);
nt_status nt_allocate_virtual_memory(const struct nt_call *c);
nt_status nt_free_virtual_memory(const struct nt_call *c);
nt_status nt_protect_virtual_memory(const struct nt_call *c);
nt_status nt_create_process(const struct nt_call *c);
nt_status nt_terminate_process(const struct nt_call *c);
nt_status nt_wait_for_single_object(const struct nt_call *c);
nt_status nt_query_information_process(const struct nt_call *c);
nt_status nt_create_event(const struct nt_call *c);
nt_status nt_set_event(const struct nt_call *c);
nt_status nt_duplicate_object(const struct nt_call *c);
nt_status nt_query_system_time(const struct nt_call *c);
nt_status nt_delay_execution(const struct nt_call *c);
nt_status nt_query_performance_counter(const struct nt_call *c);
nt_status nt_set_console_mode(const struct nt_call *c);
nt_status nt_get_console_mode(const struct nt_call *c);
nt_status nt_debug_print(const struct nt_call *c);
nt_status nt_create_thread(const struct nt_call *c);
nt_status nt_terminate_thread(const struct nt_call *c);
nt_status nt_set_console_ctrl_handler(const struct nt_call *c);

#endif
