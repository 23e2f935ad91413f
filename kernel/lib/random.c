/*
 * The per-boot seed is the SHA-256 of what differs between boots: the boot
 * information (loader, command line, memory map, where the kernel and the
 * initrd lie), the initrd's size and first bytes, and the time-stamp
 * counter. On the twinstep emulator RDTSC counts retired instructions, so
 * the same kernel and initrd give the same seed and the run stays
 * reproducible; under QEMU the TSC differs from boot to boot.
 * Each value is SHA-256(seed || counter): a few hundred bytes hashed at
 * boot, one block per value.
 */
#include "lib/random.h"
#include "arch/x86.h"
#include "boot/bootinfo.h"
#include "lib/sha256.h"
#include "lib/string.h"
#include "mm/vmm.h"

/* Enough of the initrd to cover its first ustar header (names, sizes). */
#define INITRD_SAMPLE 256

static uint8_t seed[SHA256_DIGEST];
static uint64_t counter;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

void random_init(void)
{
	struct sha256 s;
	sha256_init(&s);
	/* The kernel's copy of the boot information block, field by field
	 * (no padding, only the memory-map entries in use). */
	sha256_update(&s, boot.loader, strlen(boot.loader));
	sha256_update(&s, boot.cmdline, strlen(boot.cmdline));
	uint64_t where[4] = {boot.initrd_base, boot.initrd_size, boot.kernel_base, boot.kernel_end};
	sha256_update(&s, where, sizeof where);
	uint32_t n = boot.mmap_count < BOOT_MMAP_MAX ? boot.mmap_count : BOOT_MMAP_MAX;
	sha256_update(&s, &n, sizeof n);
	sha256_update(&s, boot.mmap, n * sizeof boot.mmap[0]);
	if (boot.initrd_size)
		sha256_update(&s, phys_to_virt(boot.initrd_base),
			      boot.initrd_size < INITRD_SAMPLE ? boot.initrd_size : INITRD_SAMPLE);
	uint64_t tsc = rdtsc();
	sha256_update(&s, &tsc, sizeof tsc);
	sha256_final(&s, seed);
}

uint64_t random_u64(void)
{
	uint8_t in[SHA256_DIGEST + 8], out[SHA256_DIGEST];
	uint64_t flags = irq_save();
	uint64_t c = counter++;
	irq_restore(flags);
	memcpy(in, seed, SHA256_DIGEST);
	memcpy(in + SHA256_DIGEST, &c, 8);
	sha256(in, sizeof in, out);
	uint64_t v;
	memcpy(&v, out, sizeof v);
	return v;
}
