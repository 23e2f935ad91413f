/*
 * Converts QEMU's PVH hvm_start_info into the boot_info block. Runs on the
 * stub's early tables (identity [0, 4 GiB) and the kernel half), before
 * _start, so it may touch only physical addresses and its own stack.
 */
#include "boot/bootinfo.h"
#include "lib/string.h"

#define HVM_START_MAGIC 0x336ec578u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr; /* version >= 1 */
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* Linker and stub symbols; all at physical (identity) addresses. */
extern char pvh_boot_info[], pvh_cmdline[];
extern char _kernel_phys_start[], _boot_data_start[], _boot_end[], _kernel_phys_end[];

struct span {
	uint64_t base, end;
	uint32_t type;
};

static void emit(struct boot_info *bi, uint64_t base, uint64_t end, uint32_t type)
{
	if (base >= end)
		return;
	struct mmap_entry *last = bi->mmap_count ? &bi->mmap[bi->mmap_count - 1] : 0;
	if (last && last->type == type && last->base + last->length == base) {
		last->length += end - base;
		return;
	}
	if (bi->mmap_count == BOOT_MMAP_MAX)
		return;
	bi->mmap[bi->mmap_count++] = (struct mmap_entry){base, end - base, type, 0};
}

/* Splits one usable RAM range around the kernel, initrd and boot data. */
static void emit_ram(struct boot_info *bi, uint64_t base, uint64_t end, const struct span *sp, int nsp)
{
	uint64_t cur = base;
	while (cur < end) {
		uint64_t next = end;
		uint32_t type = MEM_USABLE;
		for (int i = 0; i < nsp; i++) {
			if (sp[i].base <= cur && cur < sp[i].end) {
				type = sp[i].type;
				next = sp[i].end < end ? sp[i].end : end;
				break;
			}
			if (sp[i].base > cur && sp[i].base < next)
				next = sp[i].base;
		}
		emit(bi, cur, next, type);
		cur = next;
	}
}

uint64_t pvh_build_boot_info(const struct hvm_start_info *si)
{
	struct boot_info *bi = (struct boot_info *)pvh_boot_info;
	memset(bi, 0, 4096);
	bi->magic = BOOT_MAGIC;
	bi->version = BOOT_VERSION;
	memcpy(bi->loader, "pvh", 4);
	if (si->magic != HVM_START_MAGIC)
		bi->magic = 0; /* the kernel reports the bad block */
	if (si->cmdline_paddr) {
		for (int i = 0; i < 4095; i++) {
			char c = ((const char *)si->cmdline_paddr)[i];
			pvh_cmdline[i] = c;
			if (!c)
				break;
		}
		bi->cmdline = (uint64_t)(uintptr_t)pvh_cmdline;
	}
	if (si->nr_modules > 0) {
		const struct hvm_modlist_entry *m = (const void *)si->modlist_paddr;
		bi->initrd_base = m->paddr;
		bi->initrd_size = m->size;
	}
	bi->kernel_base = (uintptr_t)_kernel_phys_start;
	bi->kernel_end = (uintptr_t)_kernel_phys_end;

	struct span sp[4] = {
		{(uintptr_t)_kernel_phys_start, (uintptr_t)_boot_data_start, MEM_KERNEL},
		{(uintptr_t)_boot_data_start, (uintptr_t)_boot_end, MEM_BOOTDATA},
		{(uintptr_t)_boot_end, (uintptr_t)_kernel_phys_end, MEM_KERNEL},
		{bi->initrd_base, bi->initrd_base + bi->initrd_size, MEM_INITRD},
	};

	/* QEMU lists the e820 map sorted; keep only RAM (type 1). */
	const struct hvm_memmap_entry *e = (const void *)si->memmap_paddr;
	uint32_t n = si->version >= 1 ? si->memmap_entries : 0;
	for (uint32_t i = 0; i < n; i++)
		if (e[i].type == 1)
			emit_ram(bi, e[i].addr, e[i].addr + e[i].size, sp, 4);
	return (uintptr_t)bi;
}
