/*
 * Image-load notifications. One static record: the machine reads it during
 * the second OUT, so it only has to stay put until then (interrupts are off
 * from filling to signalling, so no other thread refills it in between).
 * Kernel data is mapped in every address space, so the record's virtual
 * address is valid whichever CR3 is current at the OUT.
 */
#include "nt/debug.h"
#include "arch/x86.h"
#include "lib/string.h"

_Static_assert(__builtin_offsetof(struct dbg_image_record, magic) == 0, "record layout");
_Static_assert(__builtin_offsetof(struct dbg_image_record, version) == 4, "record layout");
_Static_assert(__builtin_offsetof(struct dbg_image_record, cr3) == 8, "record layout");
_Static_assert(__builtin_offsetof(struct dbg_image_record, base) == 16, "record layout");
_Static_assert(__builtin_offsetof(struct dbg_image_record, size) == 24, "record layout");
_Static_assert(__builtin_offsetof(struct dbg_image_record, name_len) == 32, "record layout");
_Static_assert(__builtin_offsetof(struct dbg_image_record, name) == 34, "record layout");
_Static_assert(sizeof(struct dbg_image_record) == 162, "record layout");

static struct dbg_image_record record __attribute__((aligned(8)));
static uint64_t sent;

void dbg_image_mapped(uint64_t cr3, uint64_t base, uint64_t size, const uint16_t *name, size_t name_len)
{
	if (name_len > DBG_NAME_MAX)
		name_len = DBG_NAME_MAX;
	uint64_t flags = irq_save();
	memset(&record, 0, sizeof record);
	record.magic = DBG_IMAGE_MAGIC;
	record.version = DBG_IMAGE_VERSION;
	record.cr3 = cr3;
	record.base = base;
	record.size = size;
	record.name_len = (uint16_t)name_len;
	memcpy(record.name, name, name_len * 2);
	uint64_t va = (uint64_t)&record;
	/* The compiler must not sink the stores past the OUTs. */
	asm volatile("" ::: "memory");
	outl(DBG_PORT_LOW, (uint32_t)va);
	outl(DBG_PORT_HIGH, (uint32_t)(va >> 32));
	sent++;
	irq_restore(flags);
}

const struct dbg_image_record *dbg_image_last(void) { return &record; }
uint64_t dbg_image_count(void) { return sent; }
