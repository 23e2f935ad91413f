/*
 * The NT system-call dispatcher and the checked user-memory helpers
 * (nt/syscall.h). Arguments 1-4 come in r10, rdx, r8, r9; the rest from the
 * caller's stack above its return address and home area (nt/abi.h).
 */
#include "nt/syscall.h"
#include "arch/cpu.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/vmm.h"
#include "nt/process.h"

static bool user_range(uint64_t u, size_t n) { return u + n >= u && u + n <= USER_TOP; }

bool nt_copy_in(void *dst, uint64_t user, size_t n)
{
	return user_range(user, n) && copy_user_raw(dst, (const void *)user, n);
}

bool nt_copy_out(uint64_t user, const void *src, size_t n)
{
	return user_range(user, n) && copy_user_raw((void *)user, src, n);
}

nt_status nt_read_unicode(uint64_t us, uint16_t *buf, size_t buf_chars, size_t *len)
{
	struct nt_unicode_string s;
	if (!nt_copy_in(&s, us, sizeof s))
		return NT_STATUS_ACCESS_VIOLATION;
	if ((s.length & 1) || s.length / 2 >= buf_chars)
		return NT_STATUS_INVALID_PARAMETER;
	if (s.length && !nt_copy_in(buf, s.buffer, s.length))
		return NT_STATUS_ACCESS_VIOLATION;
	buf[s.length / 2] = 0;
	*len = s.length / 2;
	return NT_STATUS_SUCCESS;
}

nt_status nt_read_object_name(uint64_t oa, uint16_t *buf, size_t buf_chars, size_t *len)
{
	struct nt_object_attributes a;
	if (!nt_copy_in(&a, oa, sizeof a))
		return NT_STATUS_ACCESS_VIOLATION;
	if (a.root_directory)
		return NT_STATUS_INVALID_PARAMETER; /* relative opens are not supported */
	if (!a.object_name)
		return NT_STATUS_OBJECT_NAME_INVALID;
	return nt_read_unicode(a.object_name, buf, buf_chars, len);
}

nt_status nt_write_iosb(uint64_t iosb, nt_status status, uint64_t information)
{
	struct nt_io_status_block b = {.status = status, .information = information};
	return nt_copy_out(iosb, &b, sizeof b) ? NT_STATUS_SUCCESS : NT_STATUS_ACCESS_VIOLATION;
}

static const struct {
	nt_syscall_fn fn;
	uint8_t args;
} table[NT_SYS_COUNT] = {
	[NT_SYS_CLOSE] = {nt_close, 1},
	[NT_SYS_CREATE_FILE] = {nt_create_file, 11},
	[NT_SYS_READ_FILE] = {nt_read_file, 9},
	[NT_SYS_WRITE_FILE] = {nt_write_file, 9},
	[NT_SYS_QUERY_INFORMATION_FILE] = {nt_query_information_file, 5},
	[NT_SYS_SET_INFORMATION_FILE] = {nt_set_information_file, 5},
	[NT_SYS_QUERY_DIRECTORY_FILE] = {nt_query_directory_file, 11},
	[NT_SYS_QUERY_ATTRIBUTES_FILE] = {nt_query_attributes_file, 2},
	[NT_SYS_QUERY_VOLUME_INFORMATION_FILE] = {nt_query_volume_information_file, 5},
	[NT_SYS_ALLOCATE_VIRTUAL_MEMORY] = {nt_allocate_virtual_memory, 6},
	[NT_SYS_FREE_VIRTUAL_MEMORY] = {nt_free_virtual_memory, 4},
	[NT_SYS_PROTECT_VIRTUAL_MEMORY] = {nt_protect_virtual_memory, 5},
	[NT_SYS_CREATE_PROCESS] = {nt_create_process, 3},
	[NT_SYS_TERMINATE_PROCESS] = {nt_terminate_process, 2},
	[NT_SYS_WAIT_FOR_SINGLE_OBJECT] = {nt_wait_for_single_object, 3},
	[NT_SYS_QUERY_INFORMATION_PROCESS] = {nt_query_information_process, 5},
	[NT_SYS_CREATE_EVENT] = {nt_create_event, 5},
	[NT_SYS_SET_EVENT] = {nt_set_event, 2},
	[NT_SYS_DUPLICATE_OBJECT] = {nt_duplicate_object, 7},
	[NT_SYS_QUERY_SYSTEM_TIME] = {nt_query_system_time, 1},
	[NT_SYS_DELAY_EXECUTION] = {nt_delay_execution, 2},
	[NT_SYS_QUERY_PERFORMANCE_COUNTER] = {nt_query_performance_counter, 2},
	[NT_SYS_SET_CONSOLE_MODE] = {nt_set_console_mode, 2},
	[NT_SYS_GET_CONSOLE_MODE] = {nt_get_console_mode, 2},
	[NT_SYS_DEBUG_PRINT] = {nt_debug_print, 2},
	[NT_SYS_CREATE_THREAD] = {nt_create_thread, 5},
	[NT_SYS_TERMINATE_THREAD] = {nt_terminate_thread, 2},
	[NT_SYS_SET_CONSOLE_CTRL_HANDLER] = {nt_set_console_ctrl_handler, 1},
};

/* Runs one call for the frame r (also used by the self-tests). */
nt_status nt_syscall_run(uint64_t nr, const struct regs *r)
{
	if (nr >= NT_SYS_COUNT || !table[nr].fn)
		return nr >= NT_SYS_COUNT ? (nt_status)0xC000001C /* INVALID_SYSTEM_SERVICE */
					  : NT_STATUS_NOT_IMPLEMENTED;
	struct nt_call c = {.arg = {r->r10, r->rdx, r->r8, r->r9}};
	/* Only the arguments this call takes: the stack may end just above them. */
	if (table[nr].args > 4 && !nt_copy_in(&c.arg[4], r->rsp + 0x28, 8 * (table[nr].args - 4u)))
		return NT_STATUS_ACCESS_VIOLATION;
	return table[nr].fn(&c);
}

bool nt_trace;

void nt_syscall_dispatch(struct regs *r)
{
	uint64_t nr = r->rax;
	nt_status s = nt_syscall_run(nr, r);
	if (nt_trace)
		kprintf("nt: call %lu (%lx, %lx, %lx, %lx) from %lx = %x\n", nr, r->r10, r->rdx, r->r8, r->r9, r->rcx,
			(unsigned)s);
	/* The result is an NTSTATUS in eax, zero-extended like a Windows stub sees it. */
	r->rax = (uint32_t)s;
	nt_check_terminated();
}
