/*
 * Shared by the loader's test images (built with mingw, embedded in the
 * kernel by nt/test_images.S): the system-call stubs of the test ntdll.
 */
#ifndef TNT_H
#define TNT_H

#include "nt/abi.h"


nt_status NtClose(nt_handle h);
nt_status NtAllocateVirtualMemory(nt_handle p, uint64_t *base, uint64_t zero, uint64_t *size, uint32_t type,
				  uint32_t prot);
nt_status NtFreeVirtualMemory(nt_handle p, uint64_t *base, uint64_t *size, uint32_t type);
nt_status NtProtectVirtualMemory(nt_handle p, uint64_t *base, uint64_t *size, uint32_t prot, uint32_t *old);
nt_status NtTerminateProcess(nt_handle p, nt_status status);
nt_status NtWaitForSingleObject(nt_handle h, uint32_t alertable, int64_t *timeout);
nt_status NtCreateEvent(nt_handle *h, uint32_t access, void *oa, uint32_t type, uint32_t initial);
nt_status NtSetEvent(nt_handle h, int32_t *prev);
nt_status NtQuerySystemTime(int64_t *t);
nt_status NtQueryInformationProcess(nt_handle p, uint32_t cls, void *buf, uint32_t len, uint32_t *ret);
nt_status NtDebugPrint(const char *s, uint64_t len);
nt_status NtDuplicateObject(nt_handle sp, nt_handle h, nt_handle dp, nt_handle *out, uint32_t access,
			    uint32_t attributes, uint32_t options);

nt_status NtCreateProcess(nt_handle *process, nt_handle *thread, struct nt_process_create *pc);
nt_status NtQueryPerformanceCounter(int64_t *counter, int64_t *frequency);
nt_status NtDelayExecution(uint32_t alertable, int64_t *interval);
nt_status NtCreateThread(nt_handle *thread, nt_handle process, void *start, void *param, uint64_t stack_size);
nt_status NtTerminateThread(nt_handle thread, nt_status status);

#endif
