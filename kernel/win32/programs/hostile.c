#if defined(_WIN64)
/* hostile.exe SEED COUNT: COUNT random system calls, from SEED, with random
 * numbers (in and out of range) and hostile arguments: kernel, non-canonical,
 * unmapped and misaligned pointers, huge sizes, NULLs, random handles. The
 * kernel must answer each with a status; the last line says it did.
 *
 * Some arguments are held back so the run ends, and ends by itself: no wait
 * without a timeout (nothing would signal it), no read from the console
 * (nothing would type), no thread started at a user address that is not
 * code (its fault would end this process), no termination of this process
 * or thread, no memory call on this program's own image, stack or heap. */
#include "prog.h"
#include "rawsys.h"

static uint64_t state;

/* xorshift64*: the same calls for the same seed. */
static uint64_t rnd(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545F4914F6CDD1Dull;
}

static uint64_t pick(const uint64_t *v, unsigned n) { return v[rnd() % n]; }

/* Where the kernel may read and write: what pointers point into. */
static uint8_t scratch[64 << 10] __attribute__((aligned(4096)));
/* Memory this program allocated, handles it holds, children it made. */
static uint64_t regions[16], handles[64], threads[16], children[16];
static unsigned nregions, nhandles, nthreads, nchildren;

static void remember(uint64_t *list, unsigned *n, unsigned cap, uint64_t v)
{
	list[*n % cap] = v;
	(*n)++;
}

static uint64_t from(const uint64_t *list, unsigned n, unsigned cap)
{
	return n ? list[rnd() % (n < cap ? n : cap)] : 0;
}

static const uint64_t hostile[] = {
	0, 1, 7, 0xfff, 0x10000, 0x7ffe0000, 0x200000000ull, 0x7ffffffff000ull, 0x7ffffffffffcull,
	0x0000800000000000ull, 0x8000000000000000ull, 0xffff800000000000ull, 0xffffffff80000000ull,
	0xfffffffffffff000ull, ~0ull,
};
static const uint64_t sizes[] = {
	0, 1, 2, 7, 8, 16, 24, 48, 0x100, 0x1000, 0x10000, 0x7fffffff, 0x80000000ull, 0xffffffffull, 1ull << 40, ~0ull,
	~0ull - 0xfff,
};

static uint64_t pointer(void)
{
	switch (rnd() % 4) {
	case 0: return pick(hostile, sizeof hostile / 8);
	case 1: return (uint64_t)scratch + rnd() % sizeof scratch; /* misaligned as often as not */
	case 2: return nregions ? from(regions, nregions, 16) + rnd() % 0x2000 : (uint64_t)scratch;
	default: return (uint64_t)scratch + sizeof scratch - rnd() % 64; /* runs off the end */
	}
}

static uint64_t handle(void)
{
	switch (rnd() % 5) {
	case 0: return pick((const uint64_t[]){0, 1, 3, (uint64_t)NT_CURRENT_PROCESS, (uint64_t)NT_CURRENT_THREAD,
					      0x10000, ~0ull - 2, 1ull << 63}, 8);
	case 1: return 4 * (rnd() % 40);
	case 2: return rnd();
	default: return from(handles, nhandles, 64);
	}
}

static uint64_t value(void)
{
	switch (rnd() % 5) {
	case 0: return pointer();
	case 1: return pick(sizes, sizeof sizes / 8);
	case 2: return handle();
	case 3: return rnd() % 64;
	default: return rnd();
	}
}

/* Threads it creates end at once (their start must be code). */
static void thread_main(void) { sys(NT_SYS_TERMINATE_THREAD, (uint64_t)NT_CURRENT_THREAD, 0); }

static int is_console(uint64_t h)
{
	uint32_t mode;
	return sys(NT_SYS_GET_CONSOLE_MODE, h, (uint64_t)&mode) == 0;
}

/* A valid OBJECT_ATTRIBUTES in scratch naming one of a few paths, or garbage. */
static uint64_t object_attributes(void)
{
	static const WCHAR *const names[] = {
		u"\\??\\C:\\fz", u"\\??\\C:\\fz\\a.txt", u"\\??\\C:\\fz\\b\\..\\c.txt", u"\\??\\NUL", u"\\??\\CONOUT$",
		u"\\??\\C:\\fz\\*", u"\\??\\Q:\\x", u"C:\\fz\\d", u"\\??\\C:\\fz\\a.txt\\x",
	};
	if (rnd() % 4 == 0)
		return pointer();
	struct nt_object_attributes *oa = (void *)(scratch + 0x100);
	struct nt_unicode_string *us = (void *)(scratch + 0x200);
	const WCHAR *n = names[rnd() % (sizeof names / sizeof names[0])];
	size_t len = 0;
	while (n[len])
		len++;
	*us = (struct nt_unicode_string){.length = (uint16_t)(len * 2), .maximum_length = (uint16_t)(len * 2), .buffer = (uint64_t)n};
	if (rnd() % 4 == 0)
		us->length = (uint16_t)rnd(); /* a length beyond the string */
	if (rnd() % 4 == 0)
		us->buffer = pointer();
	*oa = (struct nt_object_attributes){.length = sizeof *oa, .object_name = (uint64_t)us};
	if (rnd() % 8 == 0)
		oa->root_directory = handle();
	return (uint64_t)oa;
}

/* A pointer to a short relative timeout, or one that can never be mapped
 * (memory this program allocated might hold a long one): never NULL. */
static uint64_t timeout(void)
{
	if (rnd() % 3 == 0)
		return pick((const uint64_t[]){1, 7, 0xfff, 0x7ffffffffffcull, 0x0000800000000000ull, 0xffff800000000000ull, ~0ull}, 7);
	int64_t *t = (int64_t *)(scratch + 0x300);
	*t = -(int64_t)(rnd() % 20000);
	return (uint64_t)t;
}

/* A base for the memory calls: never this program's own memory. */
static uint64_t vm_base(void)
{
	uint64_t *b = (uint64_t *)(scratch + 0x400);
	switch (rnd() % 3) {
	case 0: *b = pick((const uint64_t[]){0, 0, 0x10000, 0x7ff000000000ull, 0x0000800000000000ull,
					      0xffff800000000000ull, 0x123}, 7); break;
	case 1: *b = from(regions, nregions, 16) + (rnd() % 4) * 0x1000 + (rnd() % 2 ? 0 : rnd() % 0x1000); break;
	default: return pick(hostile, sizeof hostile / 8); /* the pointer itself is bad */
	}
	return (uint64_t)b;
}

static uint64_t vm_size(void)
{
	uint64_t *s = (uint64_t *)(scratch + 0x408);
	*s = rnd() % 2 ? pick(sizes, sizeof sizes / 8) : (rnd() % 64) * 0x1000;
	return rnd() % 8 ? (uint64_t)s : pointer();
}

/* One call: the number, then arguments shaped for it (or not). */
static uint32_t one(void)
{
	uint64_t a[12];
	for (int i = 0; i < 12; i++)
		a[i] = value();
	uint64_t nr = rnd() % 10 ? rnd() % (NT_SYS_COUNT + 2) : rnd();
	switch (nr) {
	case NT_SYS_CREATE_FILE: {
		uint64_t *out = (uint64_t *)(scratch + 0xc00);
		a[2] = object_attributes();
		if (rnd() % 4)
			a[0] = (uint64_t)out, a[3] = (uint64_t)(scratch + 0xc10), a[7] %= 6;
		uint32_t s = rawstatus(nr, a);
		if (!s && a[0] == (uint64_t)out)
			remember(handles, &nhandles, 64, *out);
		return s;
	}
	case NT_SYS_READ_FILE:
		if (is_console(a[0]))
			return 0; /* nothing would type */
		break;
	case NT_SYS_WRITE_FILE:
		if (is_console(a[0]))
			a[6] %= 64; /* a little garbage on the screen */
		break;
	case NT_SYS_QUERY_ATTRIBUTES_FILE:
		a[0] = object_attributes();
		break;
	case NT_SYS_ALLOCATE_VIRTUAL_MEMORY:
	case NT_SYS_FREE_VIRTUAL_MEMORY:
	case NT_SYS_PROTECT_VIRTUAL_MEMORY: {
		if (rnd() % 4)
			a[0] = (uint64_t)NT_CURRENT_PROCESS;
		a[1] = vm_base();
		uint64_t size = vm_size();
		if (nr == NT_SYS_ALLOCATE_VIRTUAL_MEMORY) {
			a[3] = size;
			a[4] = rnd() % 4 ? pick((const uint64_t[]){NT_MEM_COMMIT, NT_MEM_RESERVE, NT_MEM_COMMIT | NT_MEM_RESERVE}, 3) : a[4];
			a[5] = rnd() % 4 ? pick((const uint64_t[]){1, 2, 4, 0x10, 0x20, 0x40, 0x104, 0x8}, 8) : a[5];
		} else if (nr == NT_SYS_FREE_VIRTUAL_MEMORY) {
			a[2] = size;
			a[3] = rnd() % 4 ? pick((const uint64_t[]){NT_MEM_DECOMMIT, NT_MEM_RELEASE}, 2) : a[3];
		} else {
			a[2] = size;
			a[3] = rnd() % 4 ? pick((const uint64_t[]){1, 2, 4, 0x20, 0x40}, 5) : a[3];
		}
		uint32_t s = rawstatus(nr, a);
		if (nr == NT_SYS_ALLOCATE_VIRTUAL_MEMORY && !s && a[0] == (uint64_t)NT_CURRENT_PROCESS &&
		    a[1] == (uint64_t)(scratch + 0x400))
			remember(regions, &nregions, 16, *(uint64_t *)a[1]);
		return s;
	}
	case NT_SYS_CREATE_PROCESS: {
		if (nchildren >= 12)
			return 0; /* enough processes for one run */
		struct nt_process_create *pc = (void *)(scratch + 0x800);
		static const WCHAR *const images[] = {u"\\??\\C:\\Windows\\System32\\exitcode.exe", u"\\??\\C:\\nosuch.exe",
						      u"\\??\\C:\\fz\\a.txt"};
		const WCHAR *img = images[rnd() % 3];
		size_t len = 0;
		while (img[len])
			len++;
		*pc = (struct nt_process_create){0};
		pc->image_path = (struct nt_unicode_string){(uint16_t)(len * 2), (uint16_t)(len * 2), 0, (uint64_t)img};
		pc->command_line = (struct nt_unicode_string){22, 22, 0, (uint64_t)u"exitcode 3"};
		if (rnd() % 4 == 0)
			pc->environment = pointer(), pc->environment_size = value();
		if (rnd() % 4 == 0)
			pc->std_output = handle();
		a[0] = rnd() % 4 ? (uint64_t)(scratch + 0x900) : pointer();
		a[1] = rnd() % 4 ? (uint64_t)(scratch + 0x908) : pointer();
		a[2] = rnd() % 8 ? (uint64_t)pc : pointer();
		uint32_t s = rawstatus(nr, a);
		if (!s && a[0] == (uint64_t)(scratch + 0x900)) {
			remember(children, &nchildren, 16, *(uint64_t *)a[0]);
			remember(handles, &nhandles, 64, *(uint64_t *)a[0]);
		}
		return s;
	}
	case NT_SYS_TERMINATE_PROCESS:
		if (!nchildren)
			return 0;
		a[0] = from(children, nchildren, 16); /* never this process */
		break;
	case NT_SYS_WAIT_FOR_SINGLE_OBJECT:
		a[2] = timeout();
		break;
	case NT_SYS_DELAY_EXECUTION:
		a[1] = timeout();
		break;
	case NT_SYS_DEBUG_PRINT:
		a[1] %= 128;
		break;
	case NT_SYS_CREATE_THREAD: {
		if (nthreads >= 12)
			return 0;
		a[2] = rnd() % 3 ? (uint64_t)thread_main : pick(hostile + 9, 6); /* code, or no user address at all */
		a[0] = rnd() % 4 ? (uint64_t)(scratch + 0xa00) : pointer();
		uint32_t s = rawstatus(nr, a);
		if (!s && a[0] == (uint64_t)(scratch + 0xa00)) {
			remember(threads, &nthreads, 16, *(uint64_t *)a[0]);
			remember(handles, &nhandles, 64, *(uint64_t *)a[0]);
		}
		return s;
	}
	case NT_SYS_TERMINATE_THREAD:
		if (!nthreads)
			return 0;
		a[0] = from(threads, nthreads, 16); /* never this thread */
		break;
	case NT_SYS_CREATE_EVENT:
	case NT_SYS_DUPLICATE_OBJECT: {
		uint64_t *out = (uint64_t *)(scratch + 0xb00);
		unsigned i = nr == NT_SYS_CREATE_EVENT ? 0 : 3;
		if (rnd() % 2)
			a[i] = (uint64_t)out;
		if (nr == NT_SYS_CREATE_EVENT && rnd() % 2)
			a[2] = 0, a[3] %= 3;
		*out = 0;
		uint32_t s = rawstatus(nr, a);
		if (!s && a[i] == (uint64_t)out && *out)
			remember(handles, &nhandles, 64, *out);
		return s;
	}
	}
	return rawstatus(nr, a);
}

/* Opens (creating) path: a directory when options say so. */
static uint64_t open_path(const WCHAR *path, uint32_t access, uint32_t disposition, uint32_t options)
{
	size_t len = 0;
	while (path[len])
		len++;
	struct nt_unicode_string us = {(uint16_t)(len * 2), (uint16_t)(len * 2), 0, (uint64_t)path};
	struct nt_object_attributes oa = {.length = sizeof oa, .object_name = (uint64_t)&us};
	struct nt_io_status_block iosb;
	uint64_t h = 0;
	sys(NT_SYS_CREATE_FILE, (uint64_t)&h, access, (uint64_t)&oa, (uint64_t)&iosb, 0, 0, 7, disposition, options, 0, 0);
	return h;
}

static void print(uint64_t h, const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	va_start(ap, fmt);
	int n = __stdio_common_vsprintf(2, buf, sizeof buf, fmt, 0, ap);
	va_end(ap);
	struct nt_io_status_block iosb;
	sys(NT_SYS_WRITE_FILE, h, 0, 0, 0, (uint64_t)&iosb, (uint64_t)buf, (uint64_t)n, 0, 0);
}

int wmain(int argc, WCHAR **argv)
{
	if (argc < 3) {
		out("usage: hostile SEED COUNT\r\n");
		return 255;
	}
	uint64_t seed = (uint64_t)wcstol(argv[1], 0, 0);
	long count = wcstol(argv[2], 0, 0);
	state = seed * 0x9E3779B97F4A7C15ull + 1;
	for (unsigned i = 0; i < sizeof scratch; i++)
		scratch[i] = (uint8_t)rnd();
	/* Something for the file calls to find. */
	remember(handles, &nhandles, 64, open_path(u"\\??\\C:\\fz", NT_GENERIC_READ, NT_FILE_OPEN_IF, NT_FILE_DIRECTORY_FILE));
	remember(handles, &nhandles, 64, open_path(u"\\??\\C:\\fz\\a.txt", NT_GENERIC_READ | NT_GENERIC_WRITE, NT_FILE_OPEN_IF, 0));
	/* The console's mode is shared with cmd.exe: put it back at the end. */
	uint32_t mode = 0;
	sys(NT_SYS_GET_CONSOLE_MODE, (uint64_t)GetStdHandle(-11), (uint64_t)&mode);
	long ok = 0;
	for (long i = 0; i < count; i++)
		ok += one() == 0;
	/* Its own console handle: the calls may have closed the standard ones. */
	uint64_t h = open_path(u"\\??\\CONOUT$", NT_GENERIC_WRITE, NT_FILE_OPEN, 0);
	sys(NT_SYS_SET_CONSOLE_MODE, h, mode);
	print(h, "hostile: seed %llu: %ld calls, %ld succeeded, done\r\n", (unsigned long long)seed, count, ok);
	return 0;
}
#endif
