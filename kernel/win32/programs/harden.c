#if defined(_WIN64)
/* harden.exe CASE: one hostile thing per case (issue 11); the kernel must
 * answer with a status or end this process, and never go down itself.
 * Each case prints "harden CASE:" and what it saw. */
#include "prog.h"
#include "rawsys.h"

#define KERNEL_PTR 0xffff800000001000ull
#define NON_CANONICAL 0x0000800000000000ull
#define MEM_COMMIT_RESERVE (NT_MEM_COMMIT | NT_MEM_RESERVE)

static volatile int thread_ran;

static void thread_main(void)
{
	thread_ran = 1;
	sys(NT_SYS_TERMINATE_THREAD, (uint64_t)NT_CURRENT_THREAD, 0);
}

static void sleep_ms(int64_t ms)
{
	int64_t t = -ms * 10000;
	sys(NT_SYS_DELAY_EXECUTION, 0, (uint64_t)&t);
}

/* NtCreateThread at addresses no user thread can start at. */
static void bad_start(void)
{
	uint64_t h = 0;
	/* Each gets time to run, had it been created. */
	uint32_t a = sys(NT_SYS_CREATE_THREAD, (uint64_t)&h, (uint64_t)NT_CURRENT_PROCESS, NON_CANONICAL, 0, 0);
	sleep_ms(20);
	uint32_t b = sys(NT_SYS_CREATE_THREAD, (uint64_t)&h, (uint64_t)NT_CURRENT_PROCESS, KERNEL_PTR, 0, 0);
	sleep_ms(20);
	out("harden thread: %08x %08x\r\n", a, b);
}

static void us(struct nt_unicode_string *u, const WCHAR *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	u->length = u->maximum_length = (uint16_t)(n * 2);
	u->buffer = (uint64_t)s;
}

static uint32_t spawn(const WCHAR *image, const WCHAR *cmdline, uint64_t out_process, uint64_t out_thread)
{
	struct nt_process_create pc = {0};
	us(&pc.image_path, image);
	us(&pc.command_line, cmdline);
	return sys(NT_SYS_CREATE_PROCESS, out_process, out_thread, (uint64_t)&pc);
}

/* Creators given a kernel address for the out-handle: nothing may be created. */
static void out_pointers(void)
{
	uint32_t t = sys(NT_SYS_CREATE_THREAD, KERNEL_PTR, (uint64_t)NT_CURRENT_PROCESS, (uint64_t)thread_main, 0, 0);
	uint64_t h;
	uint32_t p = spawn(u"\\??\\C:\\Windows\\System32\\args.exe", u"args.exe leaked", KERNEL_PTR, 0);
	uint32_t p2 = spawn(u"\\??\\C:\\Windows\\System32\\args.exe", u"args.exe leaked", (uint64_t)&h, KERNEL_PTR);
	uint32_t e = sys(NT_SYS_CREATE_EVENT, KERNEL_PTR, 0, 0, 0, 0);
	sleep_ms(50);
	out("harden outptr: %08x %08x %08x %08x ran=%d\r\n", t, p, p2, e, thread_ran);
}

/* int3: STATUS_BREAKPOINT at the int3 itself. */
void int3_here(void);
__asm__(".text\n.globl int3_here\nint3_here:\nint3\nret\n");
static void breakpoint(void)
{
	out("harden int3: at %p\r\n", (void *)int3_here);
	int3_here();
	out("harden int3: survived\r\n");
}

/* NtFreeVirtualMemory with a size that wraps the address space. */
static void free_wrap(void)
{
	uint64_t base = 0, size = 0x10000;
	uint32_t a = sys(NT_SYS_ALLOCATE_VIRTUAL_MEMORY, (uint64_t)NT_CURRENT_PROCESS, (uint64_t)&base, 0, (uint64_t)&size,
			 MEM_COMMIT_RESERVE, NT_PAGE_READWRITE);
	uint64_t b = base + 0x1000, s = ~0ull;
	uint32_t d = sys(NT_SYS_FREE_VIRTUAL_MEMORY, (uint64_t)NT_CURRENT_PROCESS, (uint64_t)&b, (uint64_t)&s, NT_MEM_DECOMMIT);
	b = base + 0x1000, s = -0x1000ull - b;
	uint32_t d2 = sys(NT_SYS_FREE_VIRTUAL_MEMORY, (uint64_t)NT_CURRENT_PROCESS, (uint64_t)&b, (uint64_t)&s, NT_MEM_DECOMMIT);
	out("harden freewrap: %08x %08x %08x\r\n", a, d, d2);
}

/* A copy of this program whose import directory lies outside its image. */
static void import_outside(void)
{
	static uint8_t img[64 << 10];
	DWORD n = 0, w = 0;
	HANDLE h = CreateFileW(u"C:\\Windows\\System32\\harden.exe", 0x80000000u, 1, 0, 3, 0x80, 0);
	if (h == INVALID_HANDLE_VALUE || !ReadFile(h, img, sizeof img, &n, 0)) {
		out("harden image: cannot read harden.exe\r\n");
		return;
	}
	CloseHandle(h);
	uint8_t *opt = img + *(uint32_t *)(img + 0x3c) + 24;
	*(uint32_t *)(opt + 112 + 8) = *(uint32_t *)(opt + 56) + 0x10000; /* import RVA past SizeOfImage */
	h = CreateFileW(u"C:\\badimp.exe", 0x40000000u, 0, 0, 2, 0x80, 0);
	if (h == INVALID_HANDLE_VALUE || !WriteFile(h, img, n, &w, 0)) {
		out("harden image: cannot write badimp.exe\r\n");
		return;
	}
	CloseHandle(h);
	uint64_t hp = 0, ht = 0;
	out("harden image: %08x\r\n", spawn(u"\\??\\C:\\badimp.exe", u"badimp.exe", (uint64_t)&hp, (uint64_t)&ht));
}

/* Changes the GS base and ends without restoring it (no TEB needed for a raw call). */
static void gs_exit(void)
{
	out("harden gs: exiting with GS base %x\r\n", 0x12345000);
	__asm__ volatile("wrgsbase %0" : : "r"(0x12345000ull));
	sys(NT_SYS_TERMINATE_PROCESS, (uint64_t)NT_CURRENT_PROCESS, 7);
}

static void fs_set(void)
{
	__asm__ volatile("wrfsbase %0" : : "r"(0x5000ull));
	out("harden fsset: done\r\n");
}

static void fs_get(void)
{
	uint64_t fs;
	__asm__ volatile("rdfsbase %0" : "=r"(fs));
	out("harden fsget: %llx\r\n", (unsigned long long)fs);
}

/* Commits all this process may and touches every page: ends by
 * STATUS_NO_MEMORY at its limit of pages in memory, or when memory runs out. */
static void eat(void)
{
	uint64_t total = 0;
	for (uint64_t size = 64ull << 20; size >= 64 << 10;) {
		uint64_t base = 0, sz = size;
		if (sys(NT_SYS_ALLOCATE_VIRTUAL_MEMORY, (uint64_t)NT_CURRENT_PROCESS, (uint64_t)&base, 0, (uint64_t)&sz,
			MEM_COMMIT_RESERVE, NT_PAGE_READWRITE)) {
			size /= 2;
			continue;
		}
		for (uint64_t off = 0; off < sz; off += 4096)
			((volatile uint8_t *)base)[off] = 1;
		total += sz;
	}
	out("harden eat: %llu MiB committed and touched\r\n", (unsigned long long)(total >> 20));
}

/* Three memory eaters at once: some must die of STATUS_NO_MEMORY, not the kernel. */
static void eaters(void)
{
	uint64_t hp[3] = {0}, ht = 0;
	for (int i = 0; i < 3; i++)
		spawn(u"\\??\\C:\\Windows\\System32\\harden.exe", u"harden.exe eat", (uint64_t)&hp[i], (uint64_t)&ht);
	uint32_t st[3];
	for (int i = 0; i < 3; i++) {
		struct nt_process_basic_information bi = {0};
		sys(NT_SYS_WAIT_FOR_SINGLE_OBJECT, hp[i], 0, 0);
		sys(NT_SYS_QUERY_INFORMATION_PROCESS, hp[i], NT_PROCESS_BASIC_INFORMATION, (uint64_t)&bi, sizeof bi, 0);
		st[i] = (uint32_t)bi.exit_status;
	}
	out("harden eaters: %08x %08x %08x\r\n", st[0], st[1], st[2]);
}

static void sleeper(void)
{
	for (;;)
		sleep_ms(1000000);
}

/* Sleeping threads until the kernel says no. */
static void threads(void)
{
	uint64_t h;
	uint32_t s = 0;
	int n = 0;
	while (n < 100000 && !(s = sys(NT_SYS_CREATE_THREAD, (uint64_t)&h, (uint64_t)NT_CURRENT_PROCESS, (uint64_t)sleeper, 0, 0)))
		n++;
	out("harden threads: %d created, then %08x\r\n", n, s);
}

/* A commit beyond the process's limit. */
static void commit(void)
{
	uint64_t base = 0, size = 1ull << 40;
	uint32_t r = sys(NT_SYS_ALLOCATE_VIRTUAL_MEMORY, (uint64_t)NT_CURRENT_PROCESS, (uint64_t)&base, 0, (uint64_t)&size,
			 NT_MEM_RESERVE, NT_PAGE_READWRITE);
	base = 0, size = 1ull << 30;
	uint32_t c = sys(NT_SYS_ALLOCATE_VIRTUAL_MEMORY, (uint64_t)NT_CURRENT_PROCESS, (uint64_t)&base, 0, (uint64_t)&size,
			 MEM_COMMIT_RESERVE, NT_PAGE_READWRITE);
	out("harden commit: %08x %08x\r\n", r, c);
}

/* Spins in user mode for ever: only Ctrl+C ends it. */
static void spin(void)
{
	out("harden spin: spinning\r\n");
	for (volatile int i = 0;; i++)
		;
}

/* With a console control handler, Ctrl+C while spinning leaves it alive. */
static BOOL on_ctrl(DWORD event) { return event == 0; }

static void handler(void)
{
	SetConsoleCtrlHandler((void *)on_ctrl, TRUE);
	out("harden handler: spinning\r\n");
	for (volatile int i = 0; i < 3000000; i++)
		;
	out("harden handler: survived\r\n");
}

static const struct {
	const WCHAR *name;
	void (*fn)(void);
} cases[] = {
	{u"thread", bad_start}, {u"outptr", out_pointers}, {u"int3", breakpoint}, {u"freewrap", free_wrap},
	{u"image", import_outside}, {u"gs", gs_exit}, {u"fsset", fs_set}, {u"fsget", fs_get},
	{u"eat", eat}, {u"eaters", eaters}, {u"threads", threads}, {u"commit", commit},
	{u"spin", spin}, {u"handler", handler},
};

static int same(const WCHAR *a, const WCHAR *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int wmain(int argc, WCHAR **argv)
{
	for (unsigned i = 0; argc > 1 && i < sizeof cases / sizeof cases[0]; i++)
		if (same(argv[1], cases[i].name)) {
			cases[i].fn();
			return 0;
		}
	out("usage: harden CASE\r\n");
	return 255;
}
#endif
