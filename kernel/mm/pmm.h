/* Physical page allocator: a bitmap of 4 KiB frames built from the boot map. */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define PAGE_SIZE 4096ul
/* Frames above 4 GiB are ignored: the test machines have 128 MiB. */
#define PMM_MAX_PHYS (4ull << 30)

/* Hands out usable RAM except the low 1 MiB, the kernel and the initrd. */
void pmm_init(void);
/* Adds the boot data (type 5) once the kernel runs on its own tables and stack. */
void pmm_reclaim_boot_data(void);
/* Lowest free frame (or run of n frames); 0 when none is left. */
uint64_t pmm_alloc(void);
uint64_t pmm_alloc_contig(size_t n);
/* The same for pages on a user's behalf (mapped into user space, user page
 * tables): they fail while a reserve of free frames remains for the kernel. */
uint64_t pmm_alloc_user(void);
uint64_t pmm_alloc_contig_user(size_t n);
/* Whether n more frames could be taken on a user's behalf now. */
bool pmm_user_ok(size_t n);
/* Usable frames in all (free or not). */
size_t pmm_total_count(void);
void pmm_free(uint64_t phys);
void pmm_free_contig(uint64_t phys, size_t n);
size_t pmm_free_count(void);

#endif
