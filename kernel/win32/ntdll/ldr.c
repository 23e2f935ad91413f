#if defined(_WIN64)
/* Process start-up (LdrInitializeThunk), RtlGetVersion, DbgPrint. */
#include "ntapi.h"
#include "fmt.h"

struct nt_loader_data *ntdll_loader_data;

typedef BOOL (*dll_entry_fn)(void *base, DWORD reason, void *reserved);
typedef void (*tls_callback_fn)(void *base, DWORD reason, void *reserved);
typedef int (*exe_entry_fn)(void *peb);

#define STATUS_DLL_INIT_FAILED ((NTSTATUS)0xC0000142)

__attribute__((force_align_arg_pointer, noreturn)) void LdrInitializeThunk(struct nt_loader_data *ld)
{
	uint8_t *peb = nt_peb();
	ntdll_loader_data = ld;
	void *heap = RtlCreateHeap(2 /* HEAP_GROWABLE */, 0, 0, 0, 0, 0);
	if (!heap) NtTerminateProcess(CUR_PROCESS, NT_STATUS_NO_MEMORY);
	*(void **)(peb + NT_PEB_PROCESS_HEAP) = heap;
	struct nt_module *mods = (struct nt_module *)(uintptr_t)ld->modules;
	const uint32_t *order = (const uint32_t *)(uintptr_t)ld->init_order;
	for (uint32_t i = 0; i < ld->init_count; i++) {
		struct nt_module *m = &mods[order[i]];
		if (!m->entry || !m->is_dll) continue;
		if (!((dll_entry_fn)(uintptr_t)m->entry)((void *)(uintptr_t)m->base, 1 /* DLL_PROCESS_ATTACH */, (void *)1))
			NtTerminateProcess(CUR_PROCESS, STATUS_DLL_INIT_FAILED);
	}
	if (ld->count && mods[0].tls_callbacks) {
		tls_callback_fn *cb = (tls_callback_fn *)(uintptr_t)mods[0].tls_callbacks;
		for (; *cb; cb++) (*cb)((void *)(uintptr_t)mods[0].base, 1, 0);
	}
	int ret = ((exe_entry_fn)(uintptr_t)ld->exe_entry)(peb);
	NtTerminateProcess(CUR_PROCESS, ret);
	for (;;) NtTerminateProcess(CUR_PROCESS, ret);
}

struct os_version_info { /* RTL_OSVERSIONINFOW / RTL_OSVERSIONINFOEXW */
	ULONG size, major, minor, build, platform;
	WCHAR csd[128];
	WORD sp_major, sp_minor, suite;
	BYTE product_type, reserved;
};

NTSTATUS RtlGetVersion(struct os_version_info *v)
{
	uint8_t *peb = nt_peb();
	if (!v) return NT_STATUS_INVALID_PARAMETER;
	v->major = *(uint32_t *)(peb + NT_PEB_OS_MAJOR);
	v->minor = *(uint32_t *)(peb + NT_PEB_OS_MINOR);
	v->build = *(uint16_t *)(peb + NT_PEB_OS_BUILD);
	if (!v->major) { v->major = 10; v->minor = 0; v->build = 19045; }
	v->platform = 2; /* VER_PLATFORM_WIN32_NT */
	v->csd[0] = 0;
	if (v->size >= sizeof(struct os_version_info)) {
		v->sp_major = v->sp_minor = 0;
		v->suite = 0x100; /* VER_SUITE_SINGLEUSERTS */
		v->product_type = 1; /* VER_NT_WORKSTATION */
		v->reserved = 0;
	}
	return NT_STATUS_SUCCESS;
}

ULONG DbgPrint(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	struct fmt_out o = { 0, buf, sizeof buf, 0 };
	fmt_format(&o, fmt, 0, &ap);
	va_end(ap);
	NtDebugPrint(buf, (ULONG)(o.n < sizeof buf ? o.n : sizeof buf));
	return 0;
}

W32_RELOC_ANCHOR
BOOL DllMain(void *base, DWORD reason, void *reserved)
{
	(void)base; (void)reason; (void)reserved;
	return TRUE;
}
#endif
