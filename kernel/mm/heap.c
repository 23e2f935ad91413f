#include "mm/heap.h"
#include "arch/x86.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

/*
 * Every block starts with a 16-byte header (keeping payloads 16-aligned)
 * that says how to free it: a size class, or a page count.
 */
struct header {
	uint32_t magic;
	uint32_t cls;   /* class index, or BIG */
	uint64_t pages; /* for BIG blocks */
};

#define MAGIC 0x6b6d656d
#define BIG 0xffffffffu
#define MIN_SHIFT 5 /* 32-byte blocks (16 of them header) */
#define NCLASSES 7  /* up to 2048 */

struct free_block {
	struct free_block *next;
};
static struct free_block *free_lists[NCLASSES];

void *kmalloc(size_t size)
{
	size_t total = size + sizeof(struct header);
	struct header *h;
	if (total > (1u << (MIN_SHIFT + NCLASSES - 1))) {
		size_t pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
		uint64_t p = pmm_alloc_contig(pages);
		if (!p)
			return NULL;
		h = phys_to_virt(p);
		*h = (struct header){MAGIC, BIG, pages};
		return h + 1;
	}
	uint32_t cls = 0;
	while ((1u << (MIN_SHIFT + cls)) < total)
		cls++;
	uint64_t flags = irq_save();
	if (!free_lists[cls]) {
		uint64_t p = pmm_alloc();
		if (!p) {
			irq_restore(flags);
			return NULL;
		}
		size_t bs = 1u << (MIN_SHIFT + cls);
		for (size_t off = 0; off < PAGE_SIZE; off += bs) {
			struct free_block *b = (struct free_block *)((char *)phys_to_virt(p) + off);
			b->next = free_lists[cls];
			free_lists[cls] = b;
		}
	}
	h = (struct header *)free_lists[cls];
	free_lists[cls] = free_lists[cls]->next;
	irq_restore(flags);
	*h = (struct header){MAGIC, cls, 0};
	return h + 1;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct header *h = (struct header *)p - 1;
	if (h->magic != MAGIC)
		panic("kfree: bad block %p", p);
	h->magic = 0;
	uint32_t cls = h->cls;
	if (cls == BIG) {
		pmm_free_contig((uint64_t)h - DIRECT_BASE, h->pages);
		return;
	}
	uint64_t flags = irq_save();
	struct free_block *b = (struct free_block *)h;
	b->next = free_lists[cls];
	free_lists[cls] = b;
	irq_restore(flags);
}
