/*
 * twinstep-native: runs instruction cases on this machine's CPU at CPL 3 for
 * the native engine (oracles/native). A static, freestanding process with no
 * libc, linked at HELPER_BASE; at start it unmaps everything outside its own
 * window (the kernel's stack, the vDSO), so a case may place pages anywhere
 * else in the lower half at their own addresses. Then it installs a seccomp
 * filter: system calls from the helper's own code are limited to the few it
 * needs, and any system call from case code (SYSCALL, SYSENTER, INT 0x80) is
 * trapped before it runs and reported.
 *
 * It serves batches of cases through the shared memory (layout.h): the Go
 * side writes the records and bumps CTL_REQ; the helper runs each case and
 * sets CTL_DONE. A case ends one of two ways:
 *   MODE_FAST  the instruction falls through to an absolute jump written
 *              after it, into fast_return (entry.S): no signal, no system call.
 *   MODE_STEP  the trap flag is set: the single-step #DB after one
 *              instruction (or any exception) arrives as a signal, whose
 *              context holds the state.
 */
#include <stdint.h>
#include <stddef.h>
#include <asm/unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "layout.h"

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

/* entry.S. Hidden: -fPIE code reaches them RIP-relative, without a GOT. */
#pragma GCC visibility push(hidden)
extern void enter_case(void *xsave_area); /* returns when leave_case is called */
extern void leave_case(void) __attribute__((noreturn));
extern void fast_return(void);
extern void signal_entry(void);
extern void signal_restorer(void);
extern u64 case_gpr[16];
extern u64 case_frame[5]; /* the IRETQ frame: RIP, CS, RFLAGS, RSP, SS */
extern u64 fast_gpr[16];
extern u64 fast_rflags;
extern u64 enter_tsc, leave_tsc;
extern u8 fast_xsave[];
extern char __executable_start[], etext[]; /* the helper's code, from the linker */
#pragma GCC visibility pop

#define CTL(off, type) (*(volatile type *)(SHM_BASE + (off)))

static long sys(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 asm("r10") = d;
	register long r8 asm("r8") = e;
	register long r9 asm("r9") = f;
	asm volatile("syscall"
		     : "=a"(ret)
		     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
		     : "rcx", "r11", "memory");
	return ret;
}

static void put(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	sys(__NR_write, 2, (long)s, n, 0, 0, 0);
}

static void die(const char *why)
{
	put("twinstep-native: ");
	put(why);
	put("\n");
	sys(__NR_exit_group, 99, 0, 0, 0, 0, 0);
	for (;;)
		;
}

/* REP MOVSB/STOSB: without builtins or vector registers the compiler's
 * loops move a byte at a time, which was most of the helper's own time
 * per case (a page in, a page out, the XSAVE images). */
static void copy(void *dst, const void *src, size_t n)
{
	asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void zero(void *dst, size_t n)
{
	asm volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(0) : "memory");
}

static void cpuid(u32 leaf, u32 sub, u32 r[4])
{
	asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* ---- host facts ---- */

int use_xsave;             /* CR4.OSXSAVE: XSAVE/XRSTOR, else FXSAVE/FXRSTOR (entry.S reads it) */
static u32 xsave_size;     /* for XCR0 */
static u32 ymm_offset;     /* the AVX component's offset in the standard format */
static int fsgsbase;       /* RDFSBASE and friends usable at CPL 3 */

static void probe_host(u64 hwcap2)
{
	u32 r[4];
	cpuid(1, 0, r);
	use_xsave = (r[2] >> 27) & 1;
	u64 xcr0 = 0;
	if (use_xsave) {
		u32 lo, hi;
		asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = (u64)hi << 32 | lo;
		cpuid(0xd, 0, r);
		xsave_size = r[1];
		if (xcr0 & 4) {
			cpuid(0xd, 2, r);
			ymm_offset = r[1];
		}
		if (xsave_size > OUT_SIZE - OUT_XSAVE)
			die("the host's XSAVE area does not fit the output record");
	}
	static const u32 leaves[4][2] = {{0, 0}, {1, 0}, {7, 0}, {0x80000001, 0}};
	for (int i = 0; i < 4; i++) {
		cpuid(leaves[i][0], leaves[i][1], r);
		for (int k = 0; k < 4; k++)
			CTL(CTL_CPUID + 16 * i + 4 * k, u32) = r[k];
	}
	static u8 fx[512] __attribute__((aligned(64)));
	zero(fx, sizeof fx);
	asm volatile("fxsave %0" : "=m"(fx));
	u32 mask = *(u32 *)(fx + 28);
	CTL(CTL_MXCSR_MASK, u32) = mask ? mask : 0xffbf;
	CTL(CTL_XSAVE_SIZE, u32) = use_xsave ? xsave_size : 0;
	CTL(CTL_XCR0, u64) = xcr0;
	CTL(CTL_HWCAP2, u64) = hwcap2;
	CTL(CTL_YMM_OFFSET, u32) = ymm_offset;
}

/* ---- the address space ---- */

static int in_window(u64 a) { return a >= HELPER_BASE && a < HELPER_END; }

/* Unmaps every mapping outside the helper's window, reading /proc/self/maps
 * (open and read happen before the seccomp filter). */
static void unmap_the_rest(void)
{
	static char buf[65536];
	long fd = sys(__NR_open, (long)"/proc/self/maps", 0, 0, 0, 0, 0);
	if (fd < 0)
		die("cannot open /proc/self/maps");
	long n = 0, r;
	while ((r = sys(__NR_read, fd, (long)buf + n, sizeof buf - 1 - n, 0, 0, 0)) > 0)
		n += r;
	sys(__NR_close, fd, 0, 0, 0, 0, 0);
	buf[n] = 0;
	for (char *p = buf; *p;) {
		u64 lo = 0, hi = 0;
		while (*p && *p != '-') {
			lo = lo * 16 + (*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
			p++;
		}
		if (*p)
			p++;
		while (*p && *p != ' ') {
			hi = hi * 16 + (*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
			p++;
		}
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
		/* [vsyscall] sits in the upper half and cannot be unmapped. */
		if (!in_window(lo) && hi <= 0x800000000000ull)
			sys(__NR_munmap, lo, hi - lo, 0, 0, 0, 0);
	}
}

/* The case pages mapped now, kept from case to case: mapping costs far more
 * than copying a page, so a page at the same address as before is reused. */
static u64 mapped[MAX_PAGES * 4];
static int nmapped;

#define PROT_RWX 7
#define MAP_PRIVATE_ANON 0x22
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_POPULATE 0x8000

static int wanted(u64 a, const u64 *pages, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (pages[i] == a)
			return 1;
	return 0;
}

/* Maps exactly the case's pages. Returns the page that could not be mapped
 * (collision or below vm.mmap_min_addr) or -1. */
static u64 map_pages(const u64 *pages, u32 n)
{
	int k = 0;
	for (int i = 0; i < nmapped; i++) {
		if (wanted(mapped[i], pages, n))
			mapped[k++] = mapped[i];
		else
			sys(__NR_munmap, mapped[i], 4096, 0, 0, 0, 0);
	}
	nmapped = k;
	for (u32 i = 0; i < n; i++) {
		if (wanted(pages[i], mapped, nmapped))
			continue;
		if (in_window(pages[i]) || nmapped == (int)(sizeof mapped / sizeof mapped[0]))
			return pages[i];
		long r = sys(__NR_mmap, pages[i], 4096, PROT_RWX, MAP_PRIVATE_ANON | MAP_FIXED_NOREPLACE | MAP_POPULATE,
			     -1, 0);
		if (r != (long)pages[i]) {
			if (r >= 0 && r != (long)pages[i])
				sys(__NR_munmap, r, 4096, 0, 0, 0, 0);
			return pages[i];
		}
		mapped[nmapped++] = pages[i];
	}
	return (u64)-1;
}

/* ---- running a case ---- */

struct sigcontext64 {
	u64 r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2, fpstate;
	u64 reserved[8];
};

struct ucontext64 {
	u64 flags, link;
	u64 ss_sp;
	u32 ss_flags, pad;
	u64 ss_size;
	struct sigcontext64 mc;
	u64 sigmask;
};

struct siginfo64 {
	int signo, errno_, code, pad;
	u64 addr;    /* SIGSYS: the call address */
	int syscall; /* SIGSYS */
};

#define TF (1ull << 8)
#define SIGSYS 31
#define SIGTRAP 5
#define TRAP_TRACE 2
#define FP_XSTATE_MAGIC1 0x46505853u

static u8 *cur_in, *cur_out; /* the case being run, or NULL */
static u64 steps_done;
static u8 xsave_area[OUT_SIZE] __attribute__((aligned(64)));

static u64 get_base(int gs)
{
	u64 v = 0;
	if (fsgsbase) {
		if (gs)
			asm volatile("rdgsbase %0" : "=r"(v));
		else
			asm volatile("rdfsbase %0" : "=r"(v));
	} else {
		sys(__NR_arch_prctl, gs ? 0x1004 : 0x1003, (long)&v, 0, 0, 0, 0); /* ARCH_GET_GS/FS */
	}
	return v;
}

static void set_base(int gs, u64 v)
{
	if (fsgsbase) {
		if (gs)
			asm volatile("wrgsbase %0" ::"r"(v));
		else
			asm volatile("wrfsbase %0" ::"r"(v));
	} else {
		sys(__NR_arch_prctl, gs ? 0x1001 : 0x1002, v, 0, 0, 0, 0); /* ARCH_SET_GS/FS */
	}
}

/* The segment registers a case may have changed go back to null. */
static void reset_selectors(void)
{
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%fs; mov %0, %%gs" ::"r"(0));
}

/* The FS and GS bases in the CPU, as far as the helper knows: reading or
 * writing them costs a system call (microseconds here) without FSGSBASE, so
 * they are written only when a case wants others, and read back only after
 * an instruction that may load them (FLAG_SEGS). */
static u64 cur_base[2];

static void finish(u32 kind)
{
	*(u32 *)(cur_out + OUT_KIND) = kind;
	*(u64 *)(cur_out + OUT_STEPS) = steps_done;
	if (*(u32 *)(cur_in + IN_FLAGS) & FLAG_SEGS) {
		cur_base[0] = get_base(0);
		cur_base[1] = get_base(1);
	}
	*(u64 *)(cur_out + OUT_FSBASE) = cur_base[0];
	*(u64 *)(cur_out + OUT_GSBASE) = cur_base[1];
}

/* Set while probe_fsgsbase tries RDFSBASE; the SIGILL handler clears it. */
static volatile int probing;

/* Whether RDFSBASE and friends run at CPL 3 (the kernel set CR4.FSGSBASE).
 * Tried, not read from AT_HWCAP2: some hosts set CR4.FSGSBASE without
 * announcing it. */
static void probe_fsgsbase(void)
{
	u64 v;
	probing = 1;
	asm volatile("rdfsbase %0" : "=r"(v)::"memory"); /* 5 bytes: f3 48 0f ae c0 */
	fsgsbase = probing;
	probing = 0;
	CTL(CTL_HWCAP2, u64) = (CTL(CTL_HWCAP2, u64) & ~2ull) | (u64)fsgsbase << 1;
}

/* Called on the signal stack (by signal_entry, flags already clean). */
void on_signal(int sig, struct siginfo64 *si, struct ucontext64 *uc);
void on_signal(int sig, struct siginfo64 *si, struct ucontext64 *uc)
{
	struct sigcontext64 *mc = &uc->mc;
	if (!cur_in && probing && sig == 4 /* SIGILL */) {
		/* probe_fsgsbase: RDFSBASE is #UD, CR4.FSGSBASE is clear. */
		probing = 0;
		mc->rip += 5;
		return;
	}
	if (!cur_in) {
		put("twinstep-native: signal in the helper itself, trap ");
		char d[3] = {'0' + (char)(mc->trapno / 10 % 10), '0' + (char)(mc->trapno % 10), 0};
		put(d);
		die("");
	}
	u32 flags = *(u32 *)(cur_in + IN_FLAGS);
	u64 start = *(u64 *)(cur_in + IN_RIP);
	if (sig == SIGTRAP && si->code == TRAP_TRACE && (flags & 1) == MODE_FAST && mc->rip == (u64)fast_return) {
		/* The instruction set TF (POPF): the trap came after our jump.
		 * It completed; the state is the context's, at the patch. */
		finish(KIND_COMPLETED);
		steps_done = 1;
		*(u64 *)(cur_out + OUT_STEPS) = 1;
		mc->rip = *(u64 *)(cur_in + IN_PATCH);
		goto regs;
	}
	int step = sig == SIGTRAP && si->code == TRAP_TRACE && (flags & 1) == MODE_STEP;
	if (in_window(mc->rip) && !(step && steps_done == 0))
		/* The case ran into the helper's code: nothing of ours can be
		 * trusted now. (A single-step trap there has run nothing yet.) */
		die("the case ran into the helper's own code");
	if (step) {
		steps_done++;
		if (flags & FLAG_REP && mc->rip == start) {
			if (steps_done < *(u64 *)(cur_in + IN_REPLIMIT))
				return; /* the next iteration, still single-stepping */
			finish(KIND_REPLIMIT);
			goto regs;
		}
		if (!(flags & FLAG_REP) && steps_done < *(u64 *)(cur_in + IN_STEPS))
			return;
		finish(KIND_COMPLETED);
	} else if (sig == SIGSYS) {
		*(u64 *)(cur_out + OUT_DETAIL) = (u64)(u32)si->syscall;
		finish(KIND_SYSCALL);
	} else {
		finish(KIND_SIGNAL);
	}
regs:
	*(u32 *)(cur_out + OUT_SIGNO) = (u32)sig;
	*(u32 *)(cur_out + OUT_SICODE) = (u32)si->code;
	*(u32 *)(cur_out + OUT_TRAPNO) = (u32)mc->trapno;
	*(u64 *)(cur_out + OUT_ERR) = mc->err;
	*(u64 *)(cur_out + OUT_CR2) = mc->cr2;
	u64 *g = (u64 *)(cur_out + OUT_GPR);
	g[0] = mc->rax, g[1] = mc->rcx, g[2] = mc->rdx, g[3] = mc->rbx;
	g[4] = mc->rsp, g[5] = mc->rbp, g[6] = mc->rsi, g[7] = mc->rdi;
	g[8] = mc->r8, g[9] = mc->r9, g[10] = mc->r10, g[11] = mc->r11;
	g[12] = mc->r12, g[13] = mc->r13, g[14] = mc->r14, g[15] = mc->r15;
	*(u64 *)(cur_out + OUT_RIP) = mc->rip;
	*(u64 *)(cur_out + OUT_RFLAGS) = mc->eflags;
	if (mc->fpstate) {
		const u8 *fp = (const u8 *)mc->fpstate;
		u32 n = 512;
		if (*(const u32 *)(fp + 464) == FP_XSTATE_MAGIC1)
			n = *(const u32 *)(fp + 464 + 16); /* sw_reserved.xstate_size */
		if (n > OUT_SIZE - OUT_XSAVE)
			n = OUT_SIZE - OUT_XSAVE;
		copy(cur_out + OUT_XSAVE, fp, n);
	}
	leave_case();
}

/* The jump MODE_FAST writes at the end of the instruction: jmp *disp(%rip)
 * to an 8-byte-aligned slot holding fast_return's address (aligned, so an
 * instruction that sets RFLAGS.AC does not make our own load #AC). */
static u32 write_patch(u64 at)
{
	u64 slot = (at + 6 + 7) & ~7ull;
	u8 *p = (u8 *)at;
	p[0] = 0xff, p[1] = 0x25;
	u32 disp = (u32)(slot - (at + 6));
	copy(p + 2, &disp, 4);
	for (u64 a = at + 6; a < slot; a++)
		*(u8 *)a = 0xcc;
	u64 target = (u64)fast_return;
	copy((void *)slot, &target, 8);
	return (u32)(slot + 8 - at);
}

/* A fast case that took longer than this many TSC ticks was interrupted
 * (a timer, or the host filling its page tables on a first touch), and the
 * return to user mode after such a kernel entry is not always faithful on
 * these hosts (kvm-pvm guests lose RFLAGS.NT): it runs again. */
#define QUIET_TICKS 20000
#define ATTEMPTS 4

/* Runs one case record. */
static void run_case(u8 *rec)
{
	u8 *in = rec, *out = rec + IN_SIZE, *data = rec + IN_SIZE + OUT_SIZE;
	u32 flags = *(u32 *)(in + IN_FLAGS);
	u32 n = *(u32 *)(in + IN_NPAGES);
	const u64 *pages = (const u64 *)(in + IN_PAGES);
	zero(out, OUT_XSAVE);
	if (n > MAX_PAGES) {
		*(u32 *)(out + OUT_KIND) = KIND_BADPAGE;
		*(u64 *)(out + OUT_DETAIL) = (u64)-1;
		return;
	}
	u64 bad = map_pages(pages, n);
	if (bad != (u64)-1) {
		*(u32 *)(out + OUT_KIND) = KIND_BADPAGE;
		*(u64 *)(out + OUT_DETAIL) = bad;
		return;
	}
	u64 patch = *(u64 *)(in + IN_PATCH);
	u32 patch_len = 0;
	const u64 *g = (const u64 *)(in + IN_GPR);
	u64 rflags = *(u64 *)(in + IN_RFLAGS);
	if ((flags & 1) == MODE_STEP)
		rflags |= TF;

	for (int attempt = 1;; attempt++) {
		zero(out, OUT_XSAVE);
		for (u32 i = 0; i < n; i++)
			copy((void *)pages[i], data + i * 4096, 4096);
		if ((flags & 1) == MODE_FAST)
			patch_len = write_patch(patch);

		/* The vector state: the legacy region as given, every other
		 * component in its initial state except the YMM upper halves
		 * when given. */
		zero(xsave_area, use_xsave ? xsave_size : 512);
		copy(xsave_area, in + IN_FXSAVE, 512);
		if (use_xsave) {
			u64 bv = 3;
			if (flags & FLAG_YMM && ymm_offset) {
				copy(xsave_area + ymm_offset, in + IN_YMMH, 256);
				bv |= 4;
			}
			*(u64 *)(xsave_area + 512) = bv;
		}
		for (int i = 0; i < 16; i++)
			case_gpr[i] = g[i];
		case_frame[0] = *(u64 *)(in + IN_RIP);
		case_frame[1] = 0x33;
		case_frame[2] = rflags;
		case_frame[3] = g[4];
		case_frame[4] = 0x2b;
		for (int gs = 0; gs < 2; gs++) {
			u64 want = *(u64 *)(in + (gs ? IN_GSBASE : IN_FSBASE));
			if (cur_base[gs] != want) {
				set_base(gs, want);
				cur_base[gs] = want;
			}
		}
		steps_done = 0;
		cur_in = in, cur_out = out;
		enter_case(xsave_area); /* returns through leave_case */
		int fast = *(u32 *)(out + OUT_KIND) == 0;
		if (fast) {
			/* fast_return: the instruction fell through to the patch. */
			u64 *og = (u64 *)(out + OUT_GPR);
			for (int i = 0; i < 16; i++)
				og[i] = fast_gpr[i];
			*(u64 *)(out + OUT_RIP) = patch;
			*(u64 *)(out + OUT_RFLAGS) = fast_rflags;
			copy(out + OUT_XSAVE, fast_xsave, use_xsave ? xsave_size : 512);
			steps_done = 1;
			finish(KIND_COMPLETED);
		}
		cur_in = cur_out = 0;
		if (flags & FLAG_SEGS) {
			/* Null selectors again; on some CPUs that clears the bases. */
			reset_selectors();
			cur_base[0] = get_base(0);
			cur_base[1] = get_base(1);
		}
		u64 ticks = fast ? leave_tsc - enter_tsc : 0;
		*(u64 *)(out + OUT_TICKS) = ticks;
		*(u32 *)(out + OUT_ATTEMPTS) = (u32)attempt;
		if (!fast || ticks < QUIET_TICKS || attempt == ATTEMPTS)
			break;
	}
	/* The memory after the run, without the patch: the bytes under it are
	 * the input's (the engine keeps the instruction's accesses away). */
	u8 saved[24];
	for (u32 k = 0; k < patch_len; k++)
		for (u32 i = 0; i < n; i++)
			if (patch + k - pages[i] < 4096)
				saved[k] = data[i * 4096 + (patch + k - pages[i])];
	for (u32 i = 0; i < n; i++)
		copy(data + i * 4096, (void *)pages[i], 4096);
	for (u32 k = 0; k < patch_len; k++)
		for (u32 i = 0; i < n; i++)
			if (patch + k - pages[i] < 4096)
				data[i * 4096 + (patch + k - pages[i])] = saved[k];
}

/* ---- the sandbox ---- */

struct ksigaction {
	void (*handler)(void);
	u64 flags;
	void (*restorer)(void);
	u64 mask;
};

#define SA_SIGINFO 4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000

static u8 altstack[65536] __attribute__((aligned(16)));

static void install_signals(void)
{
	struct {
		u64 sp;
		int flags, pad;
		u64 size;
	} ss = {(u64)altstack, 0, 0, sizeof altstack};
	if (sys(__NR_sigaltstack, (long)&ss, 0, 0, 0, 0, 0) != 0)
		die("sigaltstack");
	static const int sigs[] = {4 /* ILL */, 5 /* TRAP */, 7 /* BUS */, 8 /* FPE */, 11 /* SEGV */, SIGSYS};
	for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct ksigaction sa = {signal_entry, SA_SIGINFO | SA_ONSTACK | SA_RESTORER | SA_NODEFER,
					signal_restorer, 0};
		if (sys(__NR_rt_sigaction, sigs[i], (long)&sa, 0, 8, 0, 0) != 0)
			die("rt_sigaction");
	}
}

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(v, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (v), (t), (f))
#define JGE(v, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (v), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

/* System calls from the helper's own text: only these. Anything else from
 * there is a helper bug (kill); any system call from elsewhere is a case's
 * (trap: SIGSYS, reported, nothing runs). */
static void install_seccomp(void)
{
	u64 lo = (u64)__executable_start, hi = (u64)etext;
	struct sock_filter f[] = {
		LD(offsetof(struct seccomp_data, arch)),
		JEQ(AUDIT_ARCH_X86_64, 1, 0),
		RET(SECCOMP_RET_TRAP),
		LD(offsetof(struct seccomp_data, instruction_pointer) + 4),
		JEQ((u32)(lo >> 32), 1, 0),
		RET(SECCOMP_RET_TRAP),
		LD(offsetof(struct seccomp_data, instruction_pointer)),
		JGE((u32)lo, 1, 0),
		RET(SECCOMP_RET_TRAP),
		JGE((u32)hi, 0, 1),
		RET(SECCOMP_RET_TRAP),
		LD(offsetof(struct seccomp_data, nr)),
		JEQ(__NR_futex, 8, 0),
		JEQ(__NR_mmap, 7, 0),
		JEQ(__NR_munmap, 6, 0),
		JEQ(__NR_arch_prctl, 5, 0),
		JEQ(__NR_rt_sigreturn, 4, 0),
		JEQ(__NR_write, 3, 0),
		JEQ(__NR_exit_group, 2, 0),
		JEQ(__NR_getppid, 1, 0),
		RET(SECCOMP_RET_KILL_PROCESS),
		RET(SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (sys(__NR_prctl, 38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0, 0) != 0)
		die("PR_SET_NO_NEW_PRIVS");
	if (sys(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0, 0) != 0)
		die("seccomp");
}

/* ---- the service loop ---- */

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

void helper_main(u64 *initial_sp);
void helper_main(u64 *initial_sp)
{
	/* argc, argv..., 0, envp..., 0, auxv */
	u64 *p = initial_sp + 1 + initial_sp[0] + 1;
	while (*p)
		p++;
	u64 hwcap2 = 0;
	for (p++; p[0]; p += 2)
		if (p[0] == 26) /* AT_HWCAP2 */
			hwcap2 = p[1];

	sys(__NR_prctl, 1 /* PR_SET_PDEATHSIG */, 9, 0, 0, 0, 0);
	long r = sys(__NR_mmap, SHM_BASE, SHM_SIZE, 3, 0x01 | 0x10 | MAP_POPULATE /* SHARED FIXED */, 3, 0);
	if (r != (long)SHM_BASE)
		die("cannot map the shared memory (fd 3)");
	if (sys(__NR_getppid, 0, 0, 0, 0, 0, 0) == 1)
		die("no parent");
	unmap_the_rest();
	probe_host(hwcap2);
	install_signals();
	probe_fsgsbase();
	reset_selectors();
	cur_base[0] = get_base(0);
	cur_base[1] = get_base(1);
	install_seccomp();
	CTL(CTL_VERSION, u32) = LAYOUT_VERSION;
	__atomic_store_n((u32 *)(SHM_BASE + CTL_MAGIC), CTL_MAGIC_VALUE, __ATOMIC_RELEASE);
	sys(__NR_futex, SHM_BASE + CTL_MAGIC, FUTEX_WAKE, 1, 0, 0, 0);

	u32 done = 0;
	for (;;) {
		u32 req;
		while ((req = __atomic_load_n((u32 *)(SHM_BASE + CTL_REQ), __ATOMIC_ACQUIRE)) == done) {
			struct {
				long s, ns;
			} ts = {1, 0};
			sys(__NR_futex, SHM_BASE + CTL_REQ, FUTEX_WAIT, done, (long)&ts, 0, 0);
			if (sys(__NR_getppid, 0, 0, 0, 0, 0, 0) == 1)
				sys(__NR_exit_group, 0, 0, 0, 0, 0, 0);
		}
		u32 n = CTL(CTL_NCASES, u32);
		for (u32 i = 0; i < n && i < MAX_BATCH; i++) {
			CTL(CTL_CURRENT, u32) = i;
			u32 off = CTL(CTL_CASES + 4 * i, u32);
			if (off >= 0x1000 && off < SHM_SIZE - IN_SIZE - OUT_SIZE)
				run_case((u8 *)(SHM_BASE + off));
		}
		done = req;
		__atomic_store_n((u32 *)(SHM_BASE + CTL_DONE), done, __ATOMIC_RELEASE);
		sys(__NR_futex, SHM_BASE + CTL_DONE, FUTEX_WAKE, 1, 0, 0, 0);
	}
}
