#include "mm/vmm.h"
#include "arch/cpu.h"
#include "lib/string.h"
#include "mm/pmm.h"
#include "test/selftest.h"

/* A constant the linker puts in the read-only kernel segment. */
static const uint8_t rodata_byte = 0x5a;

const char *test_pt_split(void)
{
	uint64_t p = pmm_alloc_contig(3);
	uint64_t va = (uint64_t)phys_to_virt(p) + PAGE_SIZE;
	int level;
	const char *why = NULL;
	uint64_t flags = irq_save();
	if (!vmm_lookup(kernel_pml4, va, &level) || level < 2) {
		why = fail("direct map not a large page at %lx (level %d)", va, level);
		goto out;
	}
	vmm_protect(kernel_pml4, va, PTE_NX | PTE_G);
	uint64_t pte = vmm_lookup(kernel_pml4, va, &level);
	if (level != 1 || (pte & PTE_W)) {
		why = fail("after split: level %d, entry %lx", level, pte);
		goto restore;
	}
	fault_reset();
	if (probe_write8((uint8_t *)va, 1) || last_fault.vector != 14 || last_fault.cr2 != va ||
	    (last_fault.error & 3) != 3) {
		why = fail("write to read-only page: vector %d error %lx", last_fault.vector, last_fault.error);
		goto restore;
	}
	if (!probe_write8((uint8_t *)va - 1, 2) || !probe_write8((uint8_t *)va + PAGE_SIZE, 3))
		why = fail("neighbour page not writable");
restore:
	vmm_protect(kernel_pml4, va, PTE_W | PTE_NX | PTE_G);
	if (!why && !probe_write8((uint8_t *)va, 4))
		why = fail("page not writable again");
out:
	irq_restore(flags);
	pmm_free_contig(p, 3);
	return why;
}

const char *test_nx(void)
{
	uint64_t p = pmm_alloc();
	uint8_t *code = phys_to_virt(p);
	code[0] = 0xc3; /* ret */
	bool ran = probe_exec(code);
	pmm_free(p);
	if (ran)
		return fail("executed a direct-map (NX) page");
	if (last_fault.vector != 14 || !(last_fault.error & 16))
		return fail("vector %d error %lx, want #PF with I/D", last_fault.vector, last_fault.error);
	return NULL;
}

const char *test_wp(void)
{
	if (!(read_cr0() & CR0_WP))
		return fail("CR0.WP clear");
	fault_reset();
	if (probe_write8((volatile uint8_t *)&rodata_byte, 0))
		return fail("ring 0 wrote read-only kernel data");
	uint8_t now = *(const volatile uint8_t *)&rodata_byte;
	if (last_fault.vector != 14 || (last_fault.error & 3) != 3 || now != 0x5a)
		return fail("vector %d error %lx value %x", last_fault.vector, last_fault.error, now);
	return NULL;
}

/* The kernel address space has no user mappings, so one is made for the test. */
const char *test_smap(void)
{
	if (!cpu_has.smap) {
		test_note("SMAP not supported by this CPU");
		return NULL;
	}
	if (!(read_cr4() & CR4_SMAP))
		return fail("CR4.SMAP clear");
	const uint64_t va = 0x10000000;
	uint64_t p = pmm_alloc();
	*(uint8_t *)phys_to_virt(p) = 0x77;
	vmm_map(kernel_pml4, va, p, PTE_U | PTE_W | PTE_NX);
	const char *why = NULL;
	uint8_t v = 0;
	fault_reset();
	if (probe_read8((uint8_t *)va, &v))
		why = fail("read a user page without STAC");
	else if (last_fault.vector != 14 || !(last_fault.error & 1))
		why = fail("vector %d error %lx, want a protection #PF", last_fault.vector, last_fault.error);
	else {
		stac();
		bool ok = probe_read8((uint8_t *)va, &v);
		clac();
		if (!ok || v != 0x77)
			why = fail("read with STAC failed (value %x)", v);
	}
	vmm_unmap(kernel_pml4, va);
	pmm_free(p);
	return why;
}

/* SMEP: ring 0 must not execute a user page (reached through a kernel-space mapping made for the test). */
const char *test_smep(void)
{
	if (!cpu_has.smep) {
		test_note("SMEP not supported by this CPU");
		return NULL;
	}
	if (!(read_cr4() & CR4_SMEP))
		return fail("CR4.SMEP clear");
	const uint64_t va = 0x10000000;
	uint64_t p = pmm_alloc();
	*(uint8_t *)phys_to_virt(p) = 0xc3; /* ret */
	vmm_map(kernel_pml4, va, p, PTE_U);
	bool ran = probe_exec((void *)va);
	vmm_unmap(kernel_pml4, va);
	pmm_free(p);
	if (ran)
		return fail("ring 0 executed a user page");
	if (last_fault.vector != 14 || (last_fault.error & 0x15) != 0x11)
		return fail("vector %d error %lx, want a present, supervisor instruction-fetch #PF", last_fault.vector,
			    last_fault.error);
	return NULL;
}
