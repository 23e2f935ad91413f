/* The process heap allocator (pure; host-tested). docs/NT.md. */
#ifndef W32_HEAP_H
#define W32_HEAP_H
#include "w32.h"
struct heap;
struct heap *heap_create(void);
void *heap_alloc(struct heap *h, size_t size, int zero);
/* inplace: fail (NULL) rather than move. */
void *heap_realloc(struct heap *h, void *p, size_t size, int zero, int inplace);
int heap_free(struct heap *h, void *p);
size_t heap_size(struct heap *h, void *p); /* (size_t)-1 for a bad pointer */
int heap_check(struct heap *h);            /* 1 when every segment is consistent */
void heap_destroy(struct heap *h);
/* Supplied by the environment (ntdll: NtAllocateVirtualMemory): zeroed,
 * page-aligned memory. */
void *heap_os_alloc(size_t size);
void heap_os_free(void *p, size_t size);
#endif
