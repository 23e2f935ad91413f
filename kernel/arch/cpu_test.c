#include "arch/cpu.h"
#include "test/selftest.h"

const char *test_int3(void)
{
	uint64_t before = breakpoint_count;
	asm volatile("int3" ::: "memory");
	asm volatile("int3" ::: "memory");
	if (breakpoint_count != before + 2)
		return fail("%lu breakpoints counted, want 2", breakpoint_count - before);
	return NULL;
}

const char *test_divide_error(void)
{
	uint32_t q = 0;
	if (!probe_divide(100, 7, &q) || q != 14)
		return fail("100/7 gave %u", q);
	fault_reset();
	if (probe_divide(100, 0, &q))
		return fail("division by zero did not fault");
	if (last_fault.vector != 0)
		return fail("vector %d, want 0", last_fault.vector);
	return NULL;
}

const char *test_ud2(void)
{
	fault_reset();
	if (probe_ud2())
		return fail("ud2 did not fault");
	if (last_fault.vector != 6)
		return fail("vector %d, want 6", last_fault.vector);
	return NULL;
}

const char *test_ist(void)
{
	ist_test_rsp = 0;
	asm volatile("int %0" : : "i"(VEC_IST_TEST) : "memory");
	if (ist_test_rsp < ist_test_stack_lo || ist_test_rsp >= ist_test_stack_hi)
		return fail("handler frame at %lx, IST stack is [%lx, %lx)", ist_test_rsp, ist_test_stack_lo,
			    ist_test_stack_hi);
	return NULL;
}

const char *test_msr(void)
{
	uint64_t saved = rdmsr(MSR_KERNEL_GS_BASE);
	const uint64_t v = 0x00007654321abcd0;
	wrmsr(MSR_KERNEL_GS_BASE, v);
	uint64_t got = rdmsr(MSR_KERNEL_GS_BASE);
	wrmsr(MSR_KERNEL_GS_BASE, saved);
	if (got != v)
		return fail("KERNEL_GS_BASE read %lx, want %lx", got, v);
	uint64_t efer = rdmsr(MSR_EFER);
	if (!(efer & EFER_NXE) || !(efer & (1u << 10)))
		return fail("EFER %lx lacks NXE or LMA", efer);
	return NULL;
}

const char *test_swapgs(void)
{
	uint64_t flags = irq_save();
	uint64_t gs = rdmsr(MSR_GS_BASE), kgs = rdmsr(MSR_KERNEL_GS_BASE);
	wrmsr(MSR_KERNEL_GS_BASE, 0x1000);
	asm volatile("swapgs" ::: "memory");
	uint64_t gs2 = rdmsr(MSR_GS_BASE), kgs2 = rdmsr(MSR_KERNEL_GS_BASE);
	asm volatile("swapgs" ::: "memory");
	uint64_t gs3 = rdmsr(MSR_GS_BASE);
	wrmsr(MSR_KERNEL_GS_BASE, kgs);
	irq_restore(flags);
	if (gs2 != 0x1000 || kgs2 != gs || gs3 != gs)
		return fail("after swapgs GS %lx KGS %lx (want 1000, %lx)", gs2, kgs2, gs);
	return NULL;
}

const char *test_fsgsbase(void)
{
	if (!cpu_has.fsgsbase) {
		test_note("FSGSBASE not supported by this CPU");
		return NULL;
	}
	const uint64_t v = 0x0000123456789000;
	uint64_t saved = rdmsr(MSR_FS_BASE), got;
	asm volatile("wrfsbase %0" : : "r"(v));
	asm volatile("rdfsbase %0" : "=r"(got));
	uint64_t msr = rdmsr(MSR_FS_BASE);
	wrmsr(MSR_FS_BASE, saved);
	if (got != v || msr != v)
		return fail("rdfsbase %lx, MSR %lx, want %lx", got, msr, v);
	uint64_t gs;
	asm volatile("rdgsbase %0" : "=r"(gs));
	if (gs != rdmsr(MSR_GS_BASE))
		return fail("rdgsbase %lx disagrees with the MSR", gs);
	return NULL;
}
