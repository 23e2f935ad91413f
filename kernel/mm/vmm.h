/* Four-level page tables: the kernel's own address space and user spaces. */
#ifndef MM_VMM_H
#define MM_VMM_H

#include <stdint.h>
#include <stdbool.h>

#define DIRECT_BASE 0xffff800000000000ull
#define KERNEL_VMA 0xffffffff80000000ull
/* User addresses lie below the canonical hole, and below this top. */
#define USER_TOP 0x0000800000000000ull

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

/* Until vmm_init switches CR3 physical memory is reached through the identity map. */
extern uint64_t phys_offset;
static inline void *phys_to_virt(uint64_t p) { return (void *)(p + phys_offset); }

extern uint64_t kernel_pml4;

/* Builds the kernel tables (direct map, W^X image, MMIO) and switches CR3. */
void vmm_init(void);
/* Maps one 4 KiB page, splitting a large page that covers va; false when
 * out of memory for a page table. */
bool vmm_map(uint64_t pml4, uint64_t va, uint64_t pa, uint64_t flags);
/* Removes a 4 KiB mapping; returns the physical page or 0. */
uint64_t vmm_unmap(uint64_t pml4, uint64_t va);
/* Changes the flags of the 4 KiB page at va (splitting large pages);
 * false if nothing is mapped there or out of memory for a split. */
bool vmm_protect(uint64_t pml4, uint64_t va, uint64_t flags);
/* The leaf entry mapping va and its level (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB). */
uint64_t vmm_lookup(uint64_t pml4, uint64_t va, int *level);
/* A new address space sharing the kernel half (0 when out of memory); and
 * its teardown. */
uint64_t vmm_new_space(void);
void vmm_free_space(uint64_t pml4);

#endif
