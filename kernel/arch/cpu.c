#include "arch/cpu.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "nt/process.h"
#include "proc/proc.h"

struct cpu_features cpu_has;
volatile struct fault_record last_fault = {.vector = -1};
volatile uint64_t breakpoint_count;
volatile uint64_t ist_test_rsp;
uint64_t ist_test_stack_lo, ist_test_stack_hi;

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct gate {
	uint16_t off_lo, sel;
	uint8_t ist, attr;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

enum { IST_DF = 1, IST_NMI = 2, IST_MC = 3, IST_TEST = 4, IST_COUNT = 4 };
#define IST_SIZE 8192

static uint64_t gdt[8] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static struct gate idt[256] __attribute__((aligned(16)));
static irq_handler handlers[256];
static uint8_t ist_stacks[IST_COUNT][IST_SIZE] __attribute__((aligned(16)));
struct percpu percpu;
_Static_assert(__builtin_offsetof(struct percpu, kernel_rsp) == PERCPU_KERNEL_RSP, "entry.S offset");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "entry.S offset");
static uintptr_t exec_probe_target;
extern const uint64_t isr_table[256];
extern const char iret_to_user[];

struct fixup {
	uint64_t insn, cont;
};
extern const struct fixup __fixup_start[], __fixup_end[];

/* Records where a recoverable fault goes on: (faulting insn, continuation). */
#define FIXUP(insn, cont) ".pushsection .fixup_table, \"a\"\n.balign 8\n.quad " #insn ", " #cont "\n.popsection\n"
/* Fixup code lives out of line and sets operand 0 (ok) to false. */
#define FAIL_PATH ".pushsection .fixup, \"ax\"\n3: movl $0, %k0\njmp 2b\n.popsection\n"

static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
	"device not available", "double fault", "coprocessor segment overrun", "invalid TSS",
	"segment not present", "stack fault", "general protection", "page fault", "reserved",
	"x87 floating point", "alignment check", "machine check", "SIMD floating point",
	"virtualization", "control protection", "reserved", "reserved", "reserved", "reserved",
	"reserved", "reserved", "hypervisor injection", "VMM communication", "security", "reserved",
};

static void detect_features(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	if (r[0] >= 7) {
		cpuid(7, 0, r);
		cpu_has.fsgsbase = r[1] & (1u << 0);
		cpu_has.smep = r[1] & (1u << 7);
		cpu_has.smap = r[1] & (1u << 20);
	}
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		cpu_has.gbpages = r[3] & (1u << 26);
	}
}

static void set_gate(int v, int ist, int dpl)
{
	uint64_t a = isr_table[v];
	idt[v] = (struct gate){
		.off_lo = (uint16_t)a, .sel = KERNEL_CS, .ist = (uint8_t)ist,
		.attr = (uint8_t)(0x8E | (dpl << 5)), .off_mid = (uint16_t)(a >> 16), .off_hi = (uint32_t)(a >> 32),
	};
}

void cpu_init(void)
{
	detect_features();

	for (int i = 0; i < IST_COUNT; i++)
		tss.ist[i] = (uint64_t)&ist_stacks[i][IST_SIZE];
	ist_test_stack_lo = (uint64_t)&ist_stacks[IST_TEST - 1][0];
	ist_test_stack_hi = (uint64_t)&ist_stacks[IST_TEST - 1][IST_SIZE];
	tss.iomap_base = sizeof tss; /* no I/O bitmap: ring 3 gets no ports */

	gdt[1] = 0x00af9b000000ffff; /* kernel code, 64-bit */
	gdt[2] = 0x00cf93000000ffff; /* kernel data */
	gdt[4] = 0x00cff3000000ffff; /* user data, DPL 3 */
	gdt[5] = 0x00affb000000ffff; /* user code, 64-bit, DPL 3 */
	uint64_t base = (uint64_t)&tss, limit = sizeof tss - 1;
	gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | ((base >> 24 & 0xff) << 56);
	gdt[7] = base >> 32;

	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gp = {sizeof gdt - 1, (uint64_t)gdt}, ip = {sizeof idt - 1, (uint64_t)idt};
	asm volatile("lgdt %0\n"
		     "pushq %1\n"
		     "leaq 1f(%%rip), %%rax\n"
		     "pushq %%rax\n"
		     "lretq\n"
		     "1: movl %2, %%eax\n"
		     "movl %%eax, %%ds\n"
		     "movl %%eax, %%es\n"
		     "movl %%eax, %%ss\n"
		     "ltr %w3\n"
		     :
		     : "m"(gp), "i"(KERNEL_CS), "i"(KERNEL_DS), "r"(TSS_SEL)
		     : "rax", "memory");

	for (int v = 0; v < 256; v++)
		set_gate(v, 0, 0);
	/* INT3 is allowed from ring 3 (a debugger breakpoint): #BP, not #GP. */
	set_gate(3, 0, 3);
	set_gate(2, IST_NMI, 0);
	set_gate(8, IST_DF, 0);
	set_gate(18, IST_MC, 0);
	set_gate(VEC_IST_TEST, IST_TEST, 0);
	asm volatile("lidt %0" : : "m"(ip));

	/* GS base is the per-CPU area in the kernel; SWAPGS exchanges it with 0 in user mode. */
	wrmsr(MSR_GS_BASE, (uint64_t)&percpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	if (cpu_has.fsgsbase)
		write_cr4(read_cr4() | CR4_FSGSBASE);

	/* The 8259 PICs stay masked: interrupts come through the APICs. */
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
}

void idt_set_handler(uint8_t vector, irq_handler h) { handlers[vector] = h; }

void tss_set_rsp0(uint64_t rsp0)
{
	tss.rsp[0] = rsp0;
	percpu.kernel_rsp = rsp0;
}

void fault_reset(void) { last_fault.vector = -1; }

static void dump_regs(const struct regs *r)
{
	kprintf("  RIP %016lx CS %04lx RFLAGS %016lx RSP %016lx SS %04lx\n", r->rip, r->cs, r->rflags, r->rsp,
		r->ss);
	kprintf("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	kprintf("  RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n", r->rsi, r->rdi, r->rbp, r->r8);
	kprintf("  R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n", r->r9, r->r10, r->r11, r->r12);
	kprintf("  R13 %016lx R14 %016lx R15 %016lx\n", r->r13, r->r14, r->r15);
}

static void report(const struct regs *r, const char *who)
{
	int v = (int)r->vector;
	kprintf("%s exception: %s (vector %d), error code %lx\n", who, exc_names[v], v, r->error);
	if (v == 14)
		kprintf("  CR2 %016lx (%s, %s, %s%s)\n", read_cr2(), r->error & 1 ? "protection" : "not present",
			r->error & 2 ? "write" : "read", r->error & 4 ? "user" : "supervisor",
			r->error & 16 ? ", instruction fetch" : "");
	dump_regs(r);
}

static void record(const struct regs *r)
{
	last_fault.error = r->error;
	last_fault.cr2 = r->vector == 14 ? read_cr2() : 0;
	last_fault.rip = r->rip;
	last_fault.vector = (int)r->vector;
}

static bool try_fixup(struct regs *r)
{
	for (const struct fixup *f = __fixup_start; f < __fixup_end; f++) {
		if (f->insn == r->rip) {
			record(r);
			r->rip = f->cont;
			return true;
		}
	}
	/* probe_exec: unwind the call as if the target had returned. */
	if (r->vector == 14 && exec_probe_target && r->rip == exec_probe_target) {
		record(r);
		r->rip = *(uint64_t *)r->rsp;
		r->rsp += 8;
		return true;
	}
	return false;
}

void trap_dispatch(struct regs *r)
{
	uint64_t v = r->vector;
	if (v >= 32) {
		if (v == VEC_IST_TEST) {
			ist_test_rsp = (uint64_t)r;
			return;
		}
		if (!handlers[v])
			panic("unexpected interrupt vector %lu", v);
		handlers[v](r);
		/* An NT thread whose process was terminated meanwhile ends here. */
		if (r->cs & 3)
			nt_check_terminated();
		return;
	}
	/* An int3 in an NT program is an unhandled STATUS_BREAKPOINT, as on Windows. */
	if (v == 3 && !((r->cs & 3) && nt_current_thread())) {
		breakpoint_count++;
		return;
	}
	/* Also from ring 0: a syscall may touch a user page not yet faulted in. */
	if (v == 14 && proc_demand_fault(read_cr2(), r->error))
		return;
	struct regs user;
	if (!(r->cs & 3) && r->rip == (uint64_t)iret_to_user && v >= 11 && v <= 13) {
		/* IRETQ refused the user frame it was returning to (a non-canonical
		 * RIP): the user's fault, reported with that frame. */
		user = *r;
		memcpy(&user.rip, (const void *)r->rsp, 5 * 8);
		r = &user;
	}
	if (r->cs & 3) {
		/* NT processes end with a Windows-style message and exception code. */
		nt_user_exception(r);
		report(r, "user");
		proc_kill_current((int)v, r->error);
	}
	if (try_fixup(r))
		return;
	report(r, "kernel");
	panic("unrecoverable %s in the kernel", exc_names[v]);
}

bool probe_read8(const volatile void *p, uint8_t *out)
{
	int ok = 1;
	uint8_t v = 0;
	asm volatile("1: movb (%2), %1\n2:\n" FAIL_PATH FIXUP(1b, 3b) : "+r"(ok), "+q"(v) : "r"(p) : "memory");
	*out = v;
	return ok;
}

bool probe_write8(volatile void *p, uint8_t v)
{
	int ok = 1;
	asm volatile("1: movb %1, (%2)\n2:\n" FAIL_PATH FIXUP(1b, 3b) : "+r"(ok) : "q"(v), "r"(p) : "memory");
	return ok;
}

bool probe_divide(uint32_t num, uint32_t den, uint32_t *quot)
{
	int ok = 1;
	uint32_t q = num, rem = 0;
	asm volatile("1: divl %3\n2:\n" FAIL_PATH FIXUP(1b, 3b) : "+r"(ok), "+a"(q), "+d"(rem) : "r"(den));
	*quot = q;
	return ok;
}

bool probe_ud2(void)
{
	int ok = 1;
	asm volatile("1: ud2\n2:\n" FAIL_PATH FIXUP(1b, 3b) : "+r"(ok));
	return ok;
}

bool probe_exec(void *code)
{
	fault_reset();
	exec_probe_target = (uintptr_t)code;
	((void (*)(void))code)();
	exec_probe_target = 0;
	return last_fault.vector == -1;
}

bool copy_user_raw(void *dst, const void *src, size_t n)
{
	int ok = 1;
	if (cpu_has.smap)
		stac();
	asm volatile("1: rep movsb\n2:\n" FAIL_PATH FIXUP(1b, 3b)
		     : "+r"(ok), "+D"(dst), "+S"(src), "+c"(n)
		     :
		     : "memory");
	if (cpu_has.smap)
		clac();
	return ok;
}
