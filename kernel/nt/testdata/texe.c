/*
 * The loader test program: imports by name, by ordinal and through both
 * kinds of forwarder from a relocated DLL, has a TLS directory, and checks
 * its TEB, PEB, parameters and the memory, event and handle calls from user
 * mode. Exit status 0x600D when everything held, else the failing check.
 */
#include "tnt.h"

extern char __ImageBase[];
int DepAdd(int a, int b);
int DepOrd(void);
int DepFwd(void);
int DepFwdOrd(void);
int DepInitialized(void);

/* TLS: the template, its index variable, one callback, and the directory. */
struct tlsblk {
	int a, b;
};
__attribute__((section(".tls"))) struct tlsblk blk = {0x5eed, 7};
uint32_t _tls_index = 0xffffffff;
static void tls_callback(void *h, uint32_t reason, void *r) { (void)h, (void)reason, (void)r; }
void (*const tls_callbacks[])(void *, uint32_t, void *) = {tls_callback, 0};
const struct {
	uint64_t start, end, index, callbacks;
	uint32_t zero_fill, characteristics;
} _tls_used = {(uint64_t)&blk, (uint64_t)(&blk + 1), (uint64_t)&_tls_index, (uint64_t)tls_callbacks, 16, 0};

#define R(a) (*(volatile uint64_t *)(a))

static volatile int thread_ran;

/* The second thread: RCX = its parameter, a TEB of its own, then it ends itself. */
static void thread_main(volatile int *flag)
{
	uint64_t teb;
	__asm__ volatile("mov %%gs:0x30, %0" : "=r"(teb));
	struct tlsblk **tls = (struct tlsblk **)R(teb + NT_TEB_TLS_POINTER);
	if (teb && tls && tls[0]->a == 0x5eed)
		*flag = 0x1234;
	NtTerminateThread(NT_CURRENT_THREAD, 0);
}

/* Imports, forwarders, DLL initialization, TEB, PEB, parameters, TLS. */
static int check_loader(void)
{
	if (DepAdd(2, 3) != 5)
		return 1;
	if (DepOrd() != 42)
		return 2;
	if (DepFwd() != 77)
		return 3;
	if (DepFwdOrd() != 88)
		return 4;
	if (DepInitialized() != 1)
		return 5;
	uint64_t teb;
	__asm__ volatile("mov %%gs:0x30, %0" : "=r"(teb));
	uint64_t peb = R(teb + NT_TEB_PEB);
	if (R(peb + NT_PEB_IMAGE_BASE) != (uint64_t)__ImageBase)
		return 6;
	uint64_t pp = R(peb + NT_PEB_PROCESS_PARAMETERS);
	volatile struct nt_unicode_string *cl = (void *)(pp + NT_PP_COMMAND_LINE);
	if (!cl->length || !cl->buffer)
		return 7;
	if (*(volatile uint32_t *)(peb + NT_PEB_OS_MAJOR) != 10)
		return 8;
	if (_tls_index != 0)
		return 9;
	struct tlsblk **tls = (struct tlsblk **)R(teb + NT_TEB_TLS_POINTER);
	if (!tls || tls[0] == &blk || tls[0]->a != 0x5eed || tls[0]->b != 7)
		return 10;
	return 0x600D;
}

/* Reserve, commit, protect, decommit, release: Windows' rules. */
static int check_vm(void)
{
	uint64_t base = 0, size = 0x12345;
	if (NtAllocateVirtualMemory(NT_CURRENT_PROCESS, &base, 0, &size, NT_MEM_RESERVE | NT_MEM_COMMIT,
				    NT_PAGE_READWRITE))
		return 11;
	if ((base & 0xffff) || size != 0x13000)
		return 12;
	if (R(base + 0x12000) != 0)
		return 13;
	R(base + 0x12000) = 1;
	uint64_t rb = 0, rs = 0x40000;
	if (NtAllocateVirtualMemory(NT_CURRENT_PROCESS, &rb, 0, &rs, NT_MEM_RESERVE, NT_PAGE_READWRITE))
		return 14;
	uint64_t cb = rb + 0x1800, cs = 0x1000;
	if (NtAllocateVirtualMemory(NT_CURRENT_PROCESS, &cb, 0, &cs, NT_MEM_COMMIT, NT_PAGE_READWRITE) ||
	    cb != rb + 0x1000 || cs != 0x2000)
		return 15;
	R(cb) = 5;
	uint32_t old = 0;
	uint64_t pb = cb, ps = 0x1000;
	if (NtProtectVirtualMemory(NT_CURRENT_PROCESS, &pb, &ps, NT_PAGE_READONLY, &old) || old != NT_PAGE_READWRITE)
		return 16;
	pb = rb, ps = 0x1000;
	if (NtProtectVirtualMemory(NT_CURRENT_PROCESS, &pb, &ps, NT_PAGE_READONLY, &old) != NT_STATUS_NOT_COMMITTED)
		return 17;
	uint64_t xb = rb, xs = 0x1000;
	if (NtAllocateVirtualMemory(NT_CURRENT_PROCESS, &xb, 0, &xs, NT_MEM_RESERVE, NT_PAGE_READWRITE) !=
	    NT_STATUS_CONFLICTING_ADDRESSES)
		return 18;
	xb = 0, xs = 0x1000;
	if (NtAllocateVirtualMemory(NT_CURRENT_PROCESS, &xb, 0, &xs, NT_MEM_COMMIT, 3) !=
	    NT_STATUS_INVALID_PAGE_PROTECTION)
		return 19;
	/* Bad pointers: unmapped, kernel, read-only. */
	uint64_t ro = cb;
	if (NtAllocateVirtualMemory(NT_CURRENT_PROCESS, (uint64_t *)0x10, 0, &xs, NT_MEM_COMMIT, 4) !=
	    NT_STATUS_ACCESS_VIOLATION)
		return 20;
	if (NtQuerySystemTime((int64_t *)0xffff800000001000ull) != NT_STATUS_ACCESS_VIOLATION)
		return 21;
	if (NtQuerySystemTime((int64_t *)cb) != NT_STATUS_ACCESS_VIOLATION || R(cb) != 5)
		return 22;
	xb = rb + 0x1000, xs = 0;
	if (NtFreeVirtualMemory(NT_CURRENT_PROCESS, &xb, &xs, NT_MEM_RELEASE) != NT_STATUS_FREE_VM_NOT_AT_BASE)
		return 23;
	xb = rb, xs = 0;
	if (NtFreeVirtualMemory(NT_CURRENT_PROCESS, &xb, &xs, NT_MEM_RELEASE) || xs != 0x40000)
		return 24;
	xb = base, xs = 0x1000;
	if (NtFreeVirtualMemory(NT_CURRENT_PROCESS, &xb, &xs, NT_MEM_DECOMMIT))
		return 25;
	if (NtQuerySystemTime((int64_t *)ro) != NT_STATUS_ACCESS_VIOLATION)
		return 26;
	return 0x600D;
}

/* Time, events, waits, duplication and closing of handles, process information. */
static int check_objects(void)
{
	uint64_t teb;
	__asm__ volatile("mov %%gs:0x30, %0" : "=r"(teb));
	uint64_t peb = R(teb + NT_TEB_PEB);
	int64_t now = 0;
	if (NtQuerySystemTime(&now) || now < 134116992000000000LL)
		return 26;
	int64_t count = -1, freq = 0;
	if (NtQueryPerformanceCounter(&count, &freq) || count < 0 || freq <= 0 ||
	    NtQueryPerformanceCounter((int64_t *)8, 0) != NT_STATUS_ACCESS_VIOLATION)
		return 50;
	if (NtDebugPrint("texe: debug print\n", 18) || NtDebugPrint((const char *)16, 4) != NT_STATUS_ACCESS_VIOLATION)
		return 51;
	nt_handle ev = 0, dup = 0;
	int64_t zero = 0, ms = -10000;
	if (NtCreateEvent(&ev, 0, 0, 1, 0) || !ev || (ev & 3))
		return 27;
	if (NtWaitForSingleObject(ev, 0, &zero) != NT_STATUS_TIMEOUT ||
	    NtWaitForSingleObject(ev, 0, &ms) != NT_STATUS_TIMEOUT)
		return 28;
	if (NtSetEvent(ev, 0))
		return 29;
	if (NtWaitForSingleObject(ev, 0, &zero) != NT_STATUS_SUCCESS)
		return 30;
	if (NtWaitForSingleObject(ev, 0, &zero) != NT_STATUS_TIMEOUT)
		return 31;
	if (NtDuplicateObject(NT_CURRENT_PROCESS, ev, NT_CURRENT_PROCESS, &dup, 0, 0, 2) || dup == ev)
		return 32;
	if (NtClose(ev) || NtClose(dup) || NtClose(dup) != NT_STATUS_INVALID_HANDLE)
		return 33;
	struct nt_process_basic_information bi;
	if (NtQueryInformationProcess(NT_CURRENT_PROCESS, 0, &bi, sizeof bi, 0) ||
	    bi.exit_status != NT_STATUS_PENDING || bi.peb_base_address != peb)
		return 34;
	/* ProcessCookie: fixed for the process's life, 4 bytes exactly. */
	uint32_t cookie = 0, again = 1, len = 0;
	if (NtQueryInformationProcess(NT_CURRENT_PROCESS, NT_PROCESS_COOKIE, &cookie, 4, &len) || len != 4 ||
	    NtQueryInformationProcess(NT_CURRENT_PROCESS, NT_PROCESS_COOKIE, &again, 4, 0) || again != cookie ||
	    NtQueryInformationProcess(NT_CURRENT_PROCESS, NT_PROCESS_COOKIE, &bi, 8, 0) != NT_STATUS_INFO_LENGTH_MISMATCH)
		return 52;
	return 0x600D;
}

/* Child processes (started, waited for, terminated) and a second thread. */
static int check_processes(void)
{
	nt_handle ev = 0;
	int64_t zero = 0, ms = -10000;
	struct nt_process_basic_information bi;
	/* A child process (inheriting the environment, given an event as its
	 * standard handles) that ends with an exception; then a second thread. */
	static uint16_t child[] = u"\\??\\C:\\Windows\\System32\\tfault.exe";
	struct nt_process_create pc = {0};
	pc.image_path.length = sizeof child - 2;
	pc.image_path.maximum_length = sizeof child;
	pc.image_path.buffer = (uint64_t)child;
	if (NtCreateEvent(&ev, 0, 0, 0, 0))
		return 35;
	pc.std_input = pc.std_output = pc.std_error = ev;
	nt_handle hp = 0, ht = 0;
	if (NtCreateProcess(&hp, &ht, &pc) || !hp || !ht)
		return 36;
	if (NtWaitForSingleObject(hp, 0, 0) || NtWaitForSingleObject(ht, 0, &zero))
		return 37;
	if (NtQueryInformationProcess(hp, 0, &bi, sizeof bi, 0) || bi.exit_status != NT_STATUS_INTEGER_DIVIDE_BY_ZERO)
		return 38;
	uint32_t cookie;
	if (NtQueryInformationProcess(hp, NT_PROCESS_COOKIE, &cookie, 4, 0) != NT_STATUS_INVALID_PARAMETER)
		return 53; /* another process's cookie is not ours to read */
	if (NtClose(hp) || NtClose(ht) || NtClose(ev))
		return 39;
	pc.image_path.length = 2;
	if (NtCreateProcess(&hp, &ht, &pc) != NT_STATUS_OBJECT_NAME_NOT_FOUND)
		return 40;
	if (NtCreateProcess(&hp, &ht, (void *)0x20) != NT_STATUS_ACCESS_VIOLATION)
		return 41;
	if (NtCreateThread(&ht, NT_CURRENT_PROCESS, thread_main, (void *)&thread_ran, 0))
		return 42;
	if (NtWaitForSingleObject(ht, 0, 0) || thread_ran != 0x1234 || NtClose(ht))
		return 43;
	if (NtDelayExecution(0, &ms))
		return 44;
	/* Terminating another process that spins in user mode. */
	static uint16_t spin[] = u"\\??\\C:\\Windows\\System32\\tspin.exe";
	pc.image_path.length = sizeof spin - 2;
	pc.image_path.maximum_length = sizeof spin;
	pc.image_path.buffer = (uint64_t)spin;
	pc.std_input = pc.std_output = pc.std_error = 0;
	if (NtCreateProcess(&hp, &ht, &pc))
		return 45;
	if (NtWaitForSingleObject(hp, 0, &ms) != NT_STATUS_TIMEOUT || NtTerminateProcess(hp, 77))
		return 46;
	if (NtWaitForSingleObject(hp, 0, 0) || NtWaitForSingleObject(ht, 0, 0))
		return 47;
	if (NtQueryInformationProcess(hp, 0, &bi, sizeof bi, 0) || bi.exit_status != 77 || NtClose(hp) || NtClose(ht))
		return 48;
	return 0x600D;
}

/* The check group is the last character of the command line: l, v, o or p. */
int ExeMain(void)
{
	uint64_t teb;
	__asm__ volatile("mov %%gs:0x30, %0" : "=r"(teb));
	uint64_t pp = R(R(teb + NT_TEB_PEB) + NT_PEB_PROCESS_PARAMETERS);
	volatile struct nt_unicode_string *cl = (void *)(pp + NT_PP_COMMAND_LINE);
	if (!cl->length)
		return 100;
	switch (((uint16_t *)cl->buffer)[cl->length / 2 - 1]) {
	case 'l': return check_loader();
	case 'v': return check_vm();
	case 'o': return check_objects();
	case 'p': return check_processes();
	}
	return 101;
}
