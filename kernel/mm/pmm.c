#include "mm/pmm.h"
#include "arch/x86.h"
#include "boot/bootinfo.h"
#include "lib/kprintf.h"

#define NFRAMES (PMM_MAX_PHYS / PAGE_SIZE)

/* Bit set = frame free. */
static uint64_t bitmap[NFRAMES / 64];
static size_t free_frames, total_frames;
/* No free frame lies below this index: allocation stays linear in the
 * frames allocated, not quadratic, as memory fills up. */
static size_t search_from;
/* One past the highest usable frame: no scan goes beyond it. */
static size_t top;
/* Frames user pages may not take: kept for the kernel's own needs. */
static size_t reserve;

static int is_free(size_t f) { return bitmap[f / 64] >> (f % 64) & 1; }

static void set_free(size_t f)
{
	if (!is_free(f)) {
		bitmap[f / 64] |= 1ull << (f % 64);
		free_frames++;
		if (f < search_from)
			search_from = f;
	}
}

static void set_used(size_t f)
{
	if (is_free(f)) {
		bitmap[f / 64] &= ~(1ull << (f % 64));
		free_frames--;
	}
}

static int excluded(uint64_t a)
{
	if (a < 0x100000)
		return 1;
	if (a >= boot.kernel_base && a < boot.kernel_end)
		return 1;
	return a >= boot.initrd_base && a < boot.initrd_base + boot.initrd_size;
}

static void add_type(uint32_t type)
{
	for (uint32_t i = 0; i < boot.mmap_count; i++) {
		const struct mmap_entry *e = &boot.mmap[i];
		if (e->type != type)
			continue;
		uint64_t a = (e->base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		for (; a + PAGE_SIZE <= e->base + e->length && a < PMM_MAX_PHYS; a += PAGE_SIZE)
			if (!excluded(a)) {
				set_free(a / PAGE_SIZE);
				if (a / PAGE_SIZE >= top)
					top = a / PAGE_SIZE + 1;
			}
	}
	total_frames = free_frames;
	reserve = total_frames / 16 > 64 ? total_frames / 16 : 64;
}

void pmm_init(void)
{
	search_from = NFRAMES;
	add_type(MEM_USABLE);
	kprintf("pmm: %lu free frames (%lu KiB)\n", (uint64_t)free_frames, (uint64_t)free_frames * 4);
}

void pmm_reclaim_boot_data(void) { add_type(MEM_BOOTDATA); }

/* The lowest run of n free frames, leaving at least keep frames free; 0 if none. */
static uint64_t alloc(size_t n, size_t keep)
{
	uint64_t flags = irq_save();
	if (free_frames < n + keep) {
		irq_restore(flags);
		return 0;
	}
	uint64_t result = 0;
	size_t run = 0, first_free = top;
	for (size_t f = search_from; f < top;) {
		if (f % 64 == 0 && !bitmap[f / 64]) {
			run = 0; /* a whole word in use */
			f += 64;
			continue;
		}
		if (is_free(f) && first_free == top)
			first_free = f;
		run = is_free(f) ? run + 1 : 0;
		if (run == n) {
			size_t first = f + 1 - n;
			for (size_t i = first; i <= f; i++)
				set_used(i);
			result = first * PAGE_SIZE;
			break;
		}
		f++;
	}
	/* Everything below first_free is in use; so is the run just taken. */
	search_from = result && result / PAGE_SIZE == first_free ? first_free + n : first_free;
	irq_restore(flags);
	return result;
}

uint64_t pmm_alloc_contig(size_t n) { return alloc(n, 0); }
uint64_t pmm_alloc(void) { return alloc(1, 0); }
uint64_t pmm_alloc_user(void) { return alloc(1, reserve); }
uint64_t pmm_alloc_contig_user(size_t n) { return alloc(n, reserve); }
bool pmm_user_ok(size_t n) { return free_frames >= n + reserve; }
size_t pmm_total_count(void) { return total_frames; }

void pmm_free_contig(uint64_t phys, size_t n)
{
	uint64_t flags = irq_save();
	for (size_t i = 0; i < n; i++) {
		size_t f = phys / PAGE_SIZE + i;
		if (phys % PAGE_SIZE || f >= NFRAMES || is_free(f))
			panic("pmm: bad free of %lx", phys);
		set_free(f);
	}
	irq_restore(flags);
}

void pmm_free(uint64_t phys) { pmm_free_contig(phys, 1); }

size_t pmm_free_count(void) { return free_frames; }
