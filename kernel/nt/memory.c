/*
 * NT virtual memory: regions, demand-zero commit, and the three memory
 * system calls. Every user page of an NT process belongs to a region, so a
 * #PF either finds a committed page to fill in or is an access violation.
 */
#include "nt/memory.h"
#include "arch/cpu.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "nt/process.h"
#include "nt/syscall.h"

#define PAGE_MASK (PAGE_SIZE - 1)

/* Modifier bits Windows accepts beside the base protection; ignored here. */
#define NT_PAGE_MODIFIERS 0x700 /* GUARD, NOCACHE, WRITECOMBINE */
#define NT_PAGE_WRITECOPY 0x08
#define NT_PAGE_EXECUTE_WRITECOPY 0x80

bool nt_prot_to_pte(uint32_t prot, uint64_t *pte)
{
	switch (prot & ~NT_PAGE_MODIFIERS) {
	case NT_PAGE_NOACCESS:
		*pte = 0; /* supervisor-only: any user access faults */
		return true;
	case NT_PAGE_READONLY:
		*pte = PTE_U | PTE_NX;
		return true;
	case NT_PAGE_READWRITE:
	case NT_PAGE_WRITECOPY:
		*pte = PTE_U | PTE_W | PTE_NX;
		return true;
	case NT_PAGE_EXECUTE:
	case NT_PAGE_EXECUTE_READ:
		*pte = PTE_U;
		return true;
	case NT_PAGE_EXECUTE_READWRITE:
	case NT_PAGE_EXECUTE_WRITECOPY:
		*pte = PTE_U | PTE_W;
		return true;
	}
	return false;
}

static uint64_t pte_for(uint8_t prot)
{
	uint64_t pte = 0;
	nt_prot_to_pte(prot, &pte);
	return pte;
}

struct nt_region *nt_vm_find(struct nt_process *p, uint64_t addr)
{
	for (struct nt_region *r = p->regions; r; r = r->next)
		if (addr >= r->base && addr - r->base < r->size)
			return r;
	return NULL;
}

static bool range_free(struct nt_process *p, uint64_t base, uint64_t size)
{
	if (base < NT_VM_LOW || base > NT_VM_HIGH || size > NT_VM_HIGH - base)
		return false;
	for (struct nt_region *r = p->regions; r; r = r->next)
		if (base < r->base + r->size && r->base < base + size)
			return false;
	return true;
}

/* First fit, bottom-up, on 64 KiB boundaries. */
static uint64_t find_free(struct nt_process *p, uint64_t size)
{
	uint64_t base = NT_VM_LOW;
	for (struct nt_region *r = p->regions; r; r = r->next) {
		if (r->base >= base && r->base - base >= size)
			return base;
		uint64_t end = (r->base + r->size + NT_ALLOC_GRANULARITY - 1) & ~(NT_ALLOC_GRANULARITY - 1);
		if (end > base)
			base = end;
	}
	return size <= NT_VM_HIGH - base ? base : 0;
}

nt_status nt_vm_reserve(struct nt_process *p, uint64_t *base, uint64_t size, enum nt_region_kind kind,
			struct nt_region **out)
{
	size = (size + PAGE_MASK) & ~PAGE_MASK;
	if (!size || size > NT_VM_HIGH)
		return NT_STATUS_INVALID_PARAMETER;
	uint64_t b = *base;
	if (!b) {
		b = find_free(p, size);
		if (!b)
			return NT_STATUS_NO_MEMORY;
	} else if (b & (NT_ALLOC_GRANULARITY - 1)) {
		return NT_STATUS_INVALID_PARAMETER;
	}
	if (!range_free(p, b, size))
		return NT_STATUS_CONFLICTING_ADDRESSES;
	if (size / PAGE_SIZE > NT_RESERVE_LIMIT - p->reserved)
		return NT_STATUS_NO_MEMORY;
	struct nt_region *r = kzalloc(sizeof *r);
	uint8_t *prot = kzalloc(size / PAGE_SIZE);
	if (!r || !prot) {
		kfree(r);
		kfree(prot);
		return NT_STATUS_NO_MEMORY;
	}
	r->base = b;
	r->size = size;
	r->kind = kind;
	r->prot = prot;
	p->reserved += size / PAGE_SIZE;
	struct nt_region **pp = &p->regions;
	while (*pp && (*pp)->base < b)
		pp = &(*pp)->next;
	r->next = *pp;
	*pp = r;
	*base = b;
	if (out)
		*out = r;
	return NT_STATUS_SUCCESS;
}

/* Finds the region holding all of [base, base + size): NULL if none does. */
static struct nt_region *region_of(struct nt_process *p, uint64_t base, uint64_t size)
{
	struct nt_region *r = nt_vm_find(p, base);
	if (!r || size > r->size - (base - r->base))
		return NULL;
	return r;
}

nt_status nt_vm_commit(struct nt_process *p, uint64_t base, uint64_t size, uint32_t prot)
{
	uint64_t pte;
	if (!nt_prot_to_pte(prot, &pte))
		return NT_STATUS_INVALID_PAGE_PROTECTION;
	struct nt_region *r = region_of(p, base, size);
	if (!r)
		return NT_STATUS_CONFLICTING_ADDRESSES;
	uint64_t more = 0;
	for (uint64_t va = base; va < base + size; va += PAGE_SIZE)
		more += !r->prot[(va - r->base) / PAGE_SIZE];
	if (more > NT_COMMIT_LIMIT - p->committed)
		return NT_STATUS_COMMITMENT_LIMIT;
	p->committed += more;
	for (uint64_t va = base; va < base + size; va += PAGE_SIZE) {
		uint64_t i = (va - r->base) / PAGE_SIZE;
		r->prot[i] = (uint8_t)(prot & 0xff);
		/* Already present (committed before): only the protection changes. */
		int level;
		if (vmm_lookup(p->proc.pml4, va, &level))
			vmm_protect(p->proc.pml4, va, pte);
	}
	return NT_STATUS_SUCCESS;
}

bool nt_vm_map_page(struct nt_process *p, struct nt_region *r, uint64_t va, uint64_t pa)
{
	return vmm_map(p->proc.pml4, va, pa, pte_for(r->prot[(va - r->base) / PAGE_SIZE]));
}

/* Maps a zeroed page at the committed page va; false when out of memory. */
static bool populate(struct nt_process *p, struct nt_region *r, uint64_t va)
{
	uint64_t page = p->resident < NT_RESIDENT_LIMIT ? pmm_alloc_user() : 0;
	if (!page)
		return false;
	memset(phys_to_virt(page), 0, PAGE_SIZE);
	if (nt_vm_map_page(p, r, va & ~PAGE_MASK, page)) {
		p->resident++;
		return true;
	}
	pmm_free(page);
	return false;
}

nt_status nt_vm_alloc_now(struct nt_process *p, uint64_t *base, uint64_t size, uint32_t prot,
			  enum nt_region_kind kind)
{
	struct nt_region *r;
	nt_status s = nt_vm_reserve(p, base, size, kind, &r);
	if (s)
		return s;
	s = nt_vm_commit(p, r->base, r->size, prot);
	for (uint64_t va = r->base; !s && va < r->base + r->size; va += PAGE_SIZE)
		if (!populate(p, r, va))
			s = NT_STATUS_NO_MEMORY;
	if (s)
		nt_vm_release(p, r);
	return s;
}

/* The kernel view of p's page at va, filling in a committed page; NULL if none. */
static uint8_t *kernel_view(struct nt_process *p, uint64_t va)
{
	int level;
	uint64_t e = vmm_lookup(p->proc.pml4, va, &level);
	if (!e) {
		struct nt_region *r = nt_vm_find(p, va);
		if (!r || !r->prot[(va - r->base) / PAGE_SIZE] || !populate(p, r, va))
			return NULL;
		e = vmm_lookup(p->proc.pml4, va, &level);
	}
	uint64_t mask = (1ull << (12 + 9 * (level - 1))) - 1;
	return (uint8_t *)phys_to_virt((e & PTE_ADDR & ~mask) + (va & mask));
}

bool nt_vm_write(struct nt_process *p, uint64_t va, const void *src, uint64_t n)
{
	const uint8_t *s = src;
	while (n) {
		uint64_t chunk = PAGE_SIZE - (va & PAGE_MASK);
		if (chunk > n)
			chunk = n;
		uint8_t *d = kernel_view(p, va);
		if (!d)
			return false;
		memcpy(d, s, chunk);
		va += chunk, s += chunk, n -= chunk;
	}
	return true;
}

bool nt_vm_read(struct nt_process *p, uint64_t va, void *dst, uint64_t n)
{
	uint8_t *d = dst;
	while (n) {
		uint64_t chunk = PAGE_SIZE - (va & PAGE_MASK);
		if (chunk > n)
			chunk = n;
		const uint8_t *s = kernel_view(p, va);
		if (!s)
			return false;
		memcpy(d, s, chunk);
		va += chunk, d += chunk, n -= chunk;
	}
	return true;
}

static void decommit(struct nt_process *p, struct nt_region *r, uint64_t base, uint64_t size)
{
	for (uint64_t va = base; va < base + size; va += PAGE_SIZE) {
		p->committed -= r->prot[(va - r->base) / PAGE_SIZE] != 0;
		r->prot[(va - r->base) / PAGE_SIZE] = 0;
		uint64_t pa = vmm_unmap(p->proc.pml4, va);
		if (pa) {
			pmm_free(pa);
			p->resident--;
		}
	}
}

void nt_vm_release(struct nt_process *p, struct nt_region *r)
{
	decommit(p, r, r->base, r->size);
	p->reserved -= r->size / PAGE_SIZE;
	for (struct nt_region **pp = &p->regions; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	kfree(r->prot);
	kfree(r);
}

void nt_vm_free_all(struct nt_process *p)
{
	while (p->regions)
		nt_vm_release(p, p->regions);
}

bool nt_demand_fault(struct nt_process *p, uint64_t addr, uint64_t error)
{
	if ((error & 1) || addr >= NT_VM_HIGH)
		return false;
	struct nt_region *r = nt_vm_find(p, addr);
	if (!r || !r->prot[(addr - r->base) / PAGE_SIZE])
		return false;
	return populate(p, r, addr);
}

/* The process a memory call names: the caller's or another by handle (referenced). */
static nt_status target(nt_handle h, struct nt_process **out)
{
	struct nt_object *o;
	nt_status s = nt_handle_get(h, &nt_process_type, &o);
	if (s)
		return s;
	*out = (struct nt_process *)o;
	if ((*out)->ended) {
		nt_object_unref(o);
		return NT_STATUS_ACCESS_DENIED; /* Windows: STATUS_PROCESS_IS_TERMINATING */
	}
	return NT_STATUS_SUCCESS;
}

/* (process, base**, zero_bits, size*, type, protect) */
nt_status nt_allocate_virtual_memory(const struct nt_call *c)
{
	uint64_t base, size, type = c->arg[4];
	uint32_t prot = (uint32_t)c->arg[5];
	uint64_t pte;
	if (!nt_copy_in(&base, c->arg[1], 8) || !nt_copy_in(&size, c->arg[3], 8))
		return NT_STATUS_ACCESS_VIOLATION;
	if (!(type & (NT_MEM_COMMIT | NT_MEM_RESERVE)) || (type & ~(uint64_t)(NT_MEM_COMMIT | NT_MEM_RESERVE | 0x100000 | 0x20000000)))
		return NT_STATUS_INVALID_PARAMETER; /* 0x100000 TOP_DOWN, 0x20000000 LARGE_PAGES: accepted, ignored */
	if (!size)
		return NT_STATUS_INVALID_PARAMETER;
	if (!nt_prot_to_pte(prot, &pte))
		return NT_STATUS_INVALID_PAGE_PROTECTION;
	struct nt_process *p;
	nt_status s = target(c->arg[0], &p);
	if (s)
		return s;
	/* The region list is shared by the process's threads and the #PF
	 * handler: one CPU, so interrupts off keeps every change whole. */
	uint64_t flags = irq_save();
	/* Commit without a base reserves too, as on Windows. */
	if ((type & NT_MEM_RESERVE) || !base) {
		uint64_t end = base + size;
		if (end < base) {
			s = NT_STATUS_INVALID_PARAMETER;
			goto out;
		}
		base &= ~(NT_ALLOC_GRANULARITY - 1);
		size = ((end + PAGE_MASK) & ~PAGE_MASK) - base;
		struct nt_region *r;
		s = nt_vm_reserve(p, &base, size, NT_REGION_PRIVATE, &r);
		if (!s && (type & NT_MEM_COMMIT))
			s = nt_vm_commit(p, base, size, prot);
	} else {
		uint64_t end = base + size;
		if (end < base) {
			s = NT_STATUS_INVALID_PARAMETER;
			goto out;
		}
		base &= ~PAGE_MASK;
		size = ((end + PAGE_MASK) & ~PAGE_MASK) - base;
		if (!region_of(p, base, size))
			s = NT_STATUS_MEMORY_NOT_ALLOCATED;
		else
			s = nt_vm_commit(p, base, size, prot);
	}
	if (!s && (!nt_copy_out(c->arg[1], &base, 8) || !nt_copy_out(c->arg[3], &size, 8)))
		s = NT_STATUS_ACCESS_VIOLATION;
out:
	irq_restore(flags);
	nt_object_unref(&p->obj);
	return s;
}

/* (process, base**, size*, type) */
nt_status nt_free_virtual_memory(const struct nt_call *c)
{
	uint64_t base, size, type = c->arg[3];
	if (!nt_copy_in(&base, c->arg[1], 8) || !nt_copy_in(&size, c->arg[2], 8))
		return NT_STATUS_ACCESS_VIOLATION;
	if (type != NT_MEM_RELEASE && type != NT_MEM_DECOMMIT)
		return NT_STATUS_INVALID_PARAMETER;
	struct nt_process *p;
	nt_status s = target(c->arg[0], &p);
	if (s)
		return s;
	/* The region list is shared by the process's threads and the #PF
	 * handler: one CPU, so interrupts off keeps every change whole. */
	uint64_t flags = irq_save();
	struct nt_region *r = nt_vm_find(p, base);
	if (!r) {
		s = NT_STATUS_MEMORY_NOT_ALLOCATED;
	} else if (r->kind == NT_REGION_IMAGE) {
		s = NT_STATUS_INVALID_PARAMETER; /* images go with their process */
	} else if (type == NT_MEM_RELEASE) {
		if (base != r->base)
			s = NT_STATUS_FREE_VM_NOT_AT_BASE;
		else if (size && size != r->size)
			s = NT_STATUS_INVALID_PARAMETER;
		else {
			size = r->size;
			nt_vm_release(p, r);
		}
	} else {
		/* Measured against the region before any sum can wrap. */
		uint64_t room = r->base + r->size - base;
		uint64_t end = size ? base + size : r->base + r->size;
		base &= ~PAGE_MASK;
		end = (end + PAGE_MASK) & ~PAGE_MASK;
		if (size > room)
			s = NT_STATUS_INVALID_PARAMETER;
		else {
			size = end - base;
			decommit(p, r, base, size);
		}
	}
	if (!s && (!nt_copy_out(c->arg[1], &base, 8) || !nt_copy_out(c->arg[2], &size, 8)))
		s = NT_STATUS_ACCESS_VIOLATION;
	irq_restore(flags);
	nt_object_unref(&p->obj);
	return s;
}

/* (process, base**, size*, new_protect, old_protect*) */
nt_status nt_protect_virtual_memory(const struct nt_call *c)
{
	uint64_t base, size, pte;
	uint32_t prot = (uint32_t)c->arg[3];
	if (!nt_copy_in(&base, c->arg[1], 8) || !nt_copy_in(&size, c->arg[2], 8))
		return NT_STATUS_ACCESS_VIOLATION;
	if (!nt_prot_to_pte(prot, &pte))
		return NT_STATUS_INVALID_PAGE_PROTECTION;
	uint64_t end = base + size;
	if (!size || end < base)
		return NT_STATUS_INVALID_PARAMETER;
	base &= ~PAGE_MASK;
	size = ((end + PAGE_MASK) & ~PAGE_MASK) - base;
	struct nt_process *p;
	nt_status s = target(c->arg[0], &p);
	if (s)
		return s;
	/* The region list is shared by the process's threads and the #PF
	 * handler: one CPU, so interrupts off keeps every change whole. */
	uint64_t flags = irq_save();
	struct nt_region *r = region_of(p, base, size);
	uint32_t old = 0;
	if (!r) {
		s = NT_STATUS_CONFLICTING_ADDRESSES;
		goto out;
	}
	for (uint64_t va = base; va < base + size; va += PAGE_SIZE)
		if (!r->prot[(va - r->base) / PAGE_SIZE]) {
			s = NT_STATUS_NOT_COMMITTED;
			goto out;
		}
	old = r->prot[(base - r->base) / PAGE_SIZE];
	s = nt_vm_commit(p, base, size, prot);
	if (!s && (!nt_copy_out(c->arg[1], &base, 8) || !nt_copy_out(c->arg[2], &size, 8) ||
		   (c->arg[4] && !nt_copy_out(c->arg[4], &old, 4))))
		s = NT_STATUS_ACCESS_VIOLATION;
out:
	irq_restore(flags);
	nt_object_unref(&p->obj);
	return s;
}
