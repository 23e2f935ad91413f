/* The twinstep boot protocol (docs/BOOT.md), version 1. */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include <stdint.h>
#include <stdbool.h>

#define BOOT_MAGIC 0x54535754u /* "TWST" */
#define BOOT_VERSION 1

enum { MEM_USABLE = 1, MEM_RESERVED = 2, MEM_KERNEL = 3, MEM_INITRD = 4, MEM_BOOTDATA = 5 };

struct mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};

struct boot_info {
	uint32_t magic;
	uint32_t version;
	char loader[16];
	uint64_t cmdline;
	uint64_t initrd_base;
	uint64_t initrd_size;
	uint64_t kernel_base;
	uint64_t kernel_end;
	uint32_t mmap_count;
	uint32_t reserved;
	struct mmap_entry mmap[];
};

#define BOOT_MMAP_MAX 64

/* The kernel's own copy, taken before the boot data is reclaimed. */
struct boot_state {
	char loader[17];
	char cmdline[256];
	uint64_t initrd_base, initrd_size;
	uint64_t kernel_base, kernel_end;
	uint32_t mmap_count;
	struct mmap_entry mmap[BOOT_MMAP_MAX];
	/* NULL when the block passed every check, else what failed. */
	const char *problem;
};

extern struct boot_state boot;

/* Copies and checks the block the loader left at physical address info. */
void bootinfo_init(uint64_t info, uint64_t magic);
void bootinfo_print(void);

#endif
