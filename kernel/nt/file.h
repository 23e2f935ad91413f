/*
 * File objects over the C: drive (fs/fs.h), and the kernel-side half of
 * the file system calls. The system calls in nt/file.c check and copy the
 * user's arguments, then call these with kernel buffers (the self-tests
 * call them directly), except reads and writes, which copy straight
 * between the file and the caller's buffer (user says which kind it is).
 */
#ifndef NT_FILE_H
#define NT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fs/fs.h"
#include "nt/object.h"

/* NtCreateFile's IO_STATUS_BLOCK.Information. */
#define NT_FILE_SUPERSEDED  0
#define NT_FILE_OPENED      1
#define NT_FILE_CREATED     2
#define NT_FILE_OVERWRITTEN 3

/* ReadFile/WriteFile offsets that mean "the file position" and "the end". */
#define NT_FILE_USE_FILE_POINTER_POSITION (-2LL)
#define NT_FILE_WRITE_TO_END_OF_FILE      (-1LL)

#define NT_FILE_DEVICE_NULL 0x15

extern const struct nt_object_type nt_file_type;

/* Opens or creates path (relative to base when not absolute; base NULL =
 * the root) as NtCreateFile does: *out gets a file object, the console
 * (CON, CONIN$, CONOUT$) or the null device (NUL); *info the
 * NT_FILE_OPENED-style result. */
nt_status nt_file_open(struct fs_node *base, const uint16_t *path, size_t len, uint32_t access,
		       uint32_t attributes, uint32_t disposition, uint32_t options, struct nt_object **out,
		       uint64_t *info);
/* The node behind a file object (NULL for other objects). */
struct fs_node *nt_file_node(struct nt_object *o);

/* offset NULL (or NT_FILE_USE_FILE_POINTER_POSITION) uses the position. */
nt_status nt_file_read(struct nt_object *o, uint64_t buf, bool user, uint64_t len, const int64_t *offset,
		       uint64_t *done);
nt_status nt_file_write(struct nt_object *o, uint64_t buf, bool user, uint64_t len, const int64_t *offset,
			uint64_t *done);

/* *written: bytes of buf filled in (the IO_STATUS_BLOCK's Information). */
nt_status nt_file_query_info(struct nt_object *o, void *buf, uint32_t len, uint32_t cls, uint64_t *written);
/* rename_base: FILE_RENAME_INFORMATION's RootDirectory, resolved (or NULL). */
nt_status nt_file_set_info(struct nt_object *o, const void *buf, uint32_t len, uint32_t cls,
			   struct fs_node *rename_base);
/* pattern NULL: none given ("*" when the scan starts). */
nt_status nt_file_query_directory(struct nt_object *o, void *buf, uint32_t len, uint32_t cls, bool single,
				  const uint16_t *pattern, size_t pattern_len, bool restart, uint64_t *written);
nt_status nt_file_query_volume(struct nt_object *o, void *buf, uint32_t len, uint32_t cls, uint64_t *written);
nt_status nt_file_query_attributes(struct fs_node *base, const uint16_t *path, size_t len,
				   struct nt_file_network_open_information *out);

#endif
