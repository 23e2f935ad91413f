#include "boot/bootinfo.h"
#include "lib/kprintf.h"
#include "lib/string.h"

struct boot_state boot;

/* Runs on the loader's tables, which identity-map [0, 4 GiB). */
static const char *check(const struct boot_info *bi, uint64_t magic)
{
	if (magic != BOOT_MAGIC)
		return "RSI is not the TWST magic";
	if (bi->magic != BOOT_MAGIC)
		return "bad boot_info magic";
	if (bi->version != BOOT_VERSION)
		return "unsupported boot_info version";
	if (bi->mmap_count == 0 || bi->mmap_count > BOOT_MMAP_MAX)
		return "memory map entry count out of range";
	if (bi->kernel_base >= bi->kernel_end)
		return "empty kernel extent";
	bool kernel_seen = false, initrd_seen = false;
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct mmap_entry *e = &bi->mmap[i];
		if (e->type < MEM_USABLE || e->type > MEM_BOOTDATA || e->type == MEM_RESERVED)
			return "memory map entry of an unknown type";
		if (e->length == 0)
			return "empty memory map entry";
		if (i && e->base < bi->mmap[i - 1].base + bi->mmap[i - 1].length)
			return "memory map unsorted or overlapping";
		if (e->type == MEM_KERNEL && e->base <= bi->kernel_base && bi->kernel_base < e->base + e->length)
			kernel_seen = true;
		if (e->type == MEM_INITRD && e->base == bi->initrd_base)
			initrd_seen = true;
	}
	if (!kernel_seen)
		return "kernel base not in a kernel entry";
	if (bi->initrd_size && !initrd_seen)
		return "initrd not in an initrd entry";
	return NULL;
}

void bootinfo_init(uint64_t info, uint64_t magic)
{
	const struct boot_info *bi = (const struct boot_info *)info;
	boot.problem = check(bi, magic);
	if (boot.problem && (magic != BOOT_MAGIC || bi->magic != BOOT_MAGIC))
		panic("boot: %s", boot.problem);
	memcpy(boot.loader, bi->loader, 16);
	if (bi->cmdline) {
		const char *c = (const char *)bi->cmdline;
		size_t i;
		for (i = 0; i + 1 < sizeof boot.cmdline && c[i]; i++)
			boot.cmdline[i] = c[i];
	}
	boot.initrd_base = bi->initrd_base;
	boot.initrd_size = bi->initrd_size;
	boot.kernel_base = bi->kernel_base;
	boot.kernel_end = bi->kernel_end;
	boot.mmap_count = bi->mmap_count <= BOOT_MMAP_MAX ? bi->mmap_count : BOOT_MMAP_MAX;
	memcpy(boot.mmap, bi->mmap, boot.mmap_count * sizeof boot.mmap[0]);
}

void bootinfo_print(void)
{
	static const char *const names[] = {"?", "usable", "reserved", "kernel", "initrd", "boot data"};
	kprintf("boot: loader \"%s\", cmdline \"%s\"\n", boot.loader, boot.cmdline);
	kprintf("boot: kernel [%lx, %lx), initrd [%lx, %lx)\n", boot.kernel_base, boot.kernel_end,
		boot.initrd_base, boot.initrd_base + boot.initrd_size);
	for (uint32_t i = 0; i < boot.mmap_count; i++) {
		const struct mmap_entry *e = &boot.mmap[i];
		kprintf("  mem [%016lx, %016lx) %s\n", e->base, e->base + e->length,
			names[e->type <= MEM_BOOTDATA ? e->type : 0]);
	}
	if (boot.problem)
		kprintf("boot: WARNING: %s\n", boot.problem);
}
