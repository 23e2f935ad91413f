/* The loader tests' ntdll: system-call stubs, LdrInitializeThunk, and
 * exports the forwarder tests aim at. */
#include "tnt.h"

#define STUB(name, nr) \
	__asm__(".globl " #name "\n" #name ":\n\tmov %rcx, %r10\n\tmov $" #nr ", %eax\n\tsyscall\n\tret\n");
STUB(NtClose, 0)
STUB(NtAllocateVirtualMemory, 9)
STUB(NtFreeVirtualMemory, 10)
STUB(NtProtectVirtualMemory, 11)
STUB(NtTerminateProcess, 13)
STUB(NtWaitForSingleObject, 14)
STUB(NtQueryInformationProcess, 15)
STUB(NtCreateEvent, 16)
STUB(NtSetEvent, 17)
STUB(NtDuplicateObject, 18)
STUB(NtQuerySystemTime, 19)
STUB(NtDebugPrint, 24)
STUB(NtCreateProcess, 12)
STUB(NtQueryPerformanceCounter, 21)
STUB(NtDelayExecution, 20)
STUB(NtCreateThread, 25)
STUB(NtTerminateThread, 26)

int NtFwdTarget(void) { return 77; }
int OrdSeven(void) { return 88; }

typedef int (*dll_entry)(uint64_t base, uint32_t reason, void *reserved);
typedef int (*exe_entry)(void);

/* Calls the DLL entry points in the kernel's order, then the .exe's. */
void LdrInitializeThunk(struct nt_loader_data *ld)
{
	const struct nt_module *m = (const struct nt_module *)ld->modules;
	const uint32_t *order = (const uint32_t *)ld->init_order;
	for (uint32_t i = 0; i < ld->init_count; i++)
		if (m[order[i]].entry && !((dll_entry)m[order[i]].entry)(m[order[i]].base, 1, 0))
			NtTerminateProcess(NT_CURRENT_PROCESS, NT_STATUS_DLL_INIT_FAILED);
	NtTerminateProcess(NT_CURRENT_PROCESS, ((exe_entry)ld->exe_entry)());
}

int NtdllEntry(uint64_t base, uint32_t reason, void *reserved)
{
	(void)base, (void)reason, (void)reserved;
	return 1;
}
