#include "mm/vmm.h"
#include "arch/cpu.h"
#include "boot/bootinfo.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/pmm.h"

uint64_t phys_offset;
uint64_t kernel_pml4;

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[], _data_start[], _kernel_end[];

#define LAPIC_PHYS 0xFEE00000ull
#define IOAPIC_PHYS 0xFEC00000ull

static uint64_t *table(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR); }

/* A zeroed table; tables for user addresses come from the user frames
 * (pmm_alloc_user), so a process cannot take the kernel's reserve. 0 when
 * out of memory. */
static uint64_t new_table(bool user)
{
	uint64_t p = user ? pmm_alloc_user() : pmm_alloc();
	if (p)
		memset(phys_to_virt(p), 0, PAGE_SIZE);
	return p;
}

static int index_at(uint64_t va, int level) { return (va >> (12 + 9 * (level - 1))) & 511; }

/* Replaces a large page by a table of 512 pages one level smaller. */
static bool split(uint64_t *pte, int level, bool user)
{
	uint64_t t = new_table(user), *e;
	if (!t)
		return false;
	e = phys_to_virt(t);
	uint64_t base = *pte & PTE_ADDR & ~((1ull << (12 + 9 * (level - 1))) - 1);
	uint64_t flags = *pte & ~PTE_ADDR;
	if (level == 2)
		flags &= ~PTE_PS;
	uint64_t step = 1ull << (12 + 9 * (level - 2));
	for (int i = 0; i < 512; i++)
		e[i] = (base + i * step) | flags;
	/* The new table inherits every permission; the upper entry grants all. */
	*pte = t | PTE_P | PTE_W | (flags & PTE_U);
	return true;
}

/* The entry for va at `level`, creating tables and splitting large pages;
 * NULL when absent (or, creating, out of memory). */
static uint64_t *walk(uint64_t pml4, uint64_t va, int level, bool create)
{
	uint64_t *t = phys_to_virt(pml4);
	bool user = va < USER_TOP;
	uint64_t upper = user ? PTE_P | PTE_W | PTE_U : PTE_P | PTE_W;
	for (int l = 4; l > level; l--) {
		uint64_t *pte = &t[index_at(va, l)];
		if (!(*pte & PTE_P)) {
			uint64_t n = create ? new_table(user) : 0;
			if (!n)
				return 0;
			*pte = n | upper;
		} else if (*pte & PTE_PS) {
			if (!create || !split(pte, l, user))
				return 0;
		}
		t = table(*pte);
	}
	return &t[index_at(va, level)];
}

bool vmm_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte = walk(pml4, va, 1, true);
	if (!pte)
		return false;
	*pte = (pa & PTE_ADDR) | flags | PTE_P;
	invlpg(va);
	return true;
}

/* Boot-time tables: without them there is no kernel to run. */
static uint64_t boot_table(void)
{
	uint64_t t = new_table(false);
	if (!t)
		panic("vmm: out of memory for the kernel's page tables");
	return t;
}

static uint64_t *boot_walk(uint64_t pml4, uint64_t va, int level)
{
	uint64_t *pte = walk(pml4, va, level, true);
	if (!pte)
		panic("vmm: out of memory for the kernel's page tables");
	return pte;
}

uint64_t vmm_unmap(uint64_t pml4, uint64_t va)
{
	uint64_t *pte = walk(pml4, va, 1, false);
	if (!pte || !(*pte & PTE_P))
		return 0;
	uint64_t pa = *pte & PTE_ADDR;
	*pte = 0;
	invlpg(va);
	return pa;
}

bool vmm_protect(uint64_t pml4, uint64_t va, uint64_t flags)
{
	int level;
	if (!vmm_lookup(pml4, va, &level))
		return false;
	uint64_t *pte = walk(pml4, va, 1, true);
	if (!pte)
		return false;
	*pte = (*pte & PTE_ADDR) | flags | PTE_P;
	invlpg(va);
	return true;
}

uint64_t vmm_lookup(uint64_t pml4, uint64_t va, int *level)
{
	uint64_t *t = phys_to_virt(pml4);
	for (int l = 4; l >= 1; l--) {
		uint64_t e = t[index_at(va, l)];
		if (!(e & PTE_P))
			return 0;
		if (l == 1 || (l <= 3 && (e & PTE_PS))) {
			*level = l;
			return e;
		}
		t = table(e);
	}
	return 0;
}

static uint64_t ram_bytes(uint64_t a, uint64_t len)
{
	uint64_t covered = 0;
	for (uint32_t i = 0; i < boot.mmap_count; i++) {
		uint64_t lo = boot.mmap[i].base, hi = lo + boot.mmap[i].length;
		lo = lo > a ? lo : a;
		hi = hi < a + len ? hi : a + len;
		if (hi > lo)
			covered += hi - lo;
	}
	return covered;
}

/* Direct map of RAM: 1 GiB pages where a whole GiB is RAM, else 2 MiB pages. */
static void map_direct(uint64_t pml4)
{
	const uint64_t flags = PTE_P | PTE_W | PTE_G | PTE_NX | PTE_PS;
	const struct mmap_entry *last = &boot.mmap[boot.mmap_count - 1];
	uint64_t end = last->base + last->length;
	for (uint64_t g = 0; g < end; g += 1ull << 30) {
		if (cpu_has.gbpages && ram_bytes(g, 1ull << 30) == 1ull << 30) {
			*boot_walk(pml4, DIRECT_BASE + g, 3) = g | flags;
			continue;
		}
		for (uint64_t m = g; m < g + (1ull << 30) && m < end; m += 2ull << 20)
			if (ram_bytes(m, 2ull << 20))
				*boot_walk(pml4, DIRECT_BASE + m, 2) = m | flags;
	}
}

static void map_kernel_range(uint64_t pml4, char *start, char *end, uint64_t flags)
{
	for (uint64_t va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE)
		*boot_walk(pml4, va, 1) = (va - KERNEL_VMA) | flags | PTE_P | PTE_G;
}

void vmm_init(void)
{
	uint64_t pml4 = boot_table();
	map_direct(pml4);
	map_kernel_range(pml4, _text_start, _text_end, 0);
	map_kernel_range(pml4, _rodata_start, _rodata_end, PTE_NX);
	map_kernel_range(pml4, _data_start, _kernel_end, PTE_W | PTE_NX);
	/* Uncached device registers. */
	const uint64_t mmio = PTE_W | PTE_PCD | PTE_PWT | PTE_NX | PTE_G;
	*boot_walk(pml4, DIRECT_BASE + LAPIC_PHYS, 1) = LAPIC_PHYS | mmio | PTE_P;
	*boot_walk(pml4, DIRECT_BASE + IOAPIC_PHYS, 1) = IOAPIC_PHYS | mmio | PTE_P;
	/* Every kernel-half PML4 slot exists now, so address spaces can share them. */
	uint64_t *top = phys_to_virt(pml4);
	for (int i = 256; i < 512; i++)
		if (!top[i])
			top[i] = boot_table() | PTE_P | PTE_W;

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr3(pml4);
	kernel_pml4 = pml4;
	phys_offset = DIRECT_BASE;
	/* Setting PGE after the switch also flushes the loader's global entries. */
	uint64_t cr4 = read_cr4() | CR4_PGE;
	if (cpu_has.smep)
		cr4 |= CR4_SMEP;
	if (cpu_has.smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	kprintf("vmm: own page tables at %lx; %s%s%s\n", pml4, cpu_has.gbpages ? "1GiB pages, " : "",
		cpu_has.smep ? "SMEP, " : "", cpu_has.smap ? "SMAP" : "no SMAP");
}

uint64_t vmm_new_space(void)
{
	uint64_t pml4 = new_table(true);
	if (!pml4)
		return 0;
	uint64_t *n = phys_to_virt(pml4), *k = phys_to_virt(kernel_pml4);
	for (int i = 256; i < 512; i++)
		n[i] = k[i];
	return pml4;
}

static void free_level(uint64_t t, int level)
{
	uint64_t *e = phys_to_virt(t);
	for (int i = 0; i < 512; i++) {
		if (!(e[i] & PTE_P))
			continue;
		if (level > 1)
			free_level(e[i] & PTE_ADDR, level - 1);
		else
			pmm_free(e[i] & PTE_ADDR);
	}
	pmm_free(t);
}

void vmm_free_space(uint64_t pml4)
{
	uint64_t *e = phys_to_virt(pml4);
	for (int i = 0; i < 256; i++)
		if (e[i] & PTE_P)
			free_level(e[i] & PTE_ADDR, 3);
	pmm_free(pml4);
}
