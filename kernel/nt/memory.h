/*
 * NT virtual memory: each process keeps a sorted list of regions
 * (reservations). A region's pages are reserved or committed, with an NT
 * protection each; committed pages appear zeroed on first touch (the #PF
 * handler maps them), image and start-up pages are mapped at once.
 */
#ifndef NT_MEMORY_H
#define NT_MEMORY_H

#include <stdbool.h>
#include <stdint.h>
#include "mm/pmm.h"
#include "nt/abi.h"

struct nt_process;

enum nt_region_kind { NT_REGION_PRIVATE, NT_REGION_IMAGE, NT_REGION_STACK };

struct nt_region {
	struct nt_region *next;
	uint64_t base, size;
	enum nt_region_kind kind;
	uint8_t *prot; /* per page: 0 reserved, else the NT_PAGE_* protection */
};

/* Windows hands out reservations on 64 KiB boundaries. */
#define NT_ALLOC_GRANULARITY 0x10000ull
/* The lowest and highest user addresses handed out. */
#define NT_VM_LOW 0x10000ull
#define NT_VM_HIGH 0x7ffffffe0000ull

/* Per-process limits, so one process cannot starve the rest: pages in
 * memory at most half the RAM; committed pages (demand-zero, free until
 * touched: thread stacks commit 1 MiB each) at most four times the RAM;
 * reserved pages at most 64 times it (their bookkeeping, a byte per page,
 * stays under 1/64 of the RAM). */
#define NT_RESIDENT_LIMIT (pmm_total_count() / 2)
#define NT_COMMIT_LIMIT (pmm_total_count() * 4)
#define NT_RESERVE_LIMIT (pmm_total_count() * 64)

/* PTE bits for an NT protection; false for a value Windows rejects. */
bool nt_prot_to_pte(uint32_t prot, uint64_t *pte);
/* Reserves [*base, *base + size) (*base 0: anywhere, 64 KiB aligned). */
nt_status nt_vm_reserve(struct nt_process *p, uint64_t *base, uint64_t size, enum nt_region_kind kind,
			struct nt_region **out);
/* Commits pages inside one region (demand-zero). */
nt_status nt_vm_commit(struct nt_process *p, uint64_t base, uint64_t size, uint32_t prot);
/* Reserve and commit, with every page mapped now (start-up structures). */
nt_status nt_vm_alloc_now(struct nt_process *p, uint64_t *base, uint64_t size, uint32_t prot,
			  enum nt_region_kind kind);
/* Maps physical page pa at va in region r with r's protection for the
 * page; false when out of memory for a page table. */
bool nt_vm_map_page(struct nt_process *p, struct nt_region *r, uint64_t va, uint64_t pa);
/* Reads or writes p's memory from any address space (through the direct map). */
bool nt_vm_write(struct nt_process *p, uint64_t va, const void *src, uint64_t n);
bool nt_vm_read(struct nt_process *p, uint64_t va, void *dst, uint64_t n);
struct nt_region *nt_vm_find(struct nt_process *p, uint64_t addr);
/* Releases one region (unmapping and freeing its pages). */
void nt_vm_release(struct nt_process *p, struct nt_region *r);
/* Releases every region (process exit). */
void nt_vm_free_all(struct nt_process *p);

#endif
