/* Kernel heap: power-of-two size classes on pages, whole pages beyond 2 KiB. */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>

void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

#endif
