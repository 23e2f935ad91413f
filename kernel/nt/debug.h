/*
 * Debugger notifications to the machine, like Windows' DbgKm LoadImage
 * events: a trace recorder learns where each PE image lies in which address
 * space (docs/BOOT.md, "Image-load notifications"). Unclaimed ports ignore
 * writes, so nothing happens when no one listens.
 */
#ifndef NT_DEBUG_H
#define NT_DEBUG_H

#include <stddef.h>
#include <stdint.h>

#define DBG_PORT_LOW 0x5d0  /* low 32 bits of the record's virtual address */
#define DBG_PORT_HIGH 0x5d4 /* high 32 bits: the write that signals */
#define DBG_IMAGE_MAGIC 0x4e474d49u /* "IMGN" */
#define DBG_IMAGE_VERSION 1
#define DBG_NAME_MAX 64

/* The record, little-endian and packed: offsets 0, 4, 8, 16, 24, 32, 34; 162 bytes. */
struct __attribute__((packed)) dbg_image_record {
	uint32_t magic;
	uint32_t version;
	uint64_t cr3;  /* the process's page-table root (struct proc pml4) */
	uint64_t base; /* where the image is mapped, after relocation */
	uint64_t size; /* SizeOfImage, rounded up to pages */
	uint16_t name_len; /* UTF-16 code units in name */
	uint16_t name[DBG_NAME_MAX]; /* file name, lower case ("kernel32.dll"), zero-padded */
};

/* Announces an image mapped at [base, base + size) in address space cr3;
 * names longer than DBG_NAME_MAX units are cut. */
void dbg_image_mapped(uint64_t cr3, uint64_t base, uint64_t size, const uint16_t *name, size_t name_len);

/* For the self-tests: the last record sent and how many were sent. */
const struct dbg_image_record *dbg_image_last(void);
uint64_t dbg_image_count(void);

#endif
