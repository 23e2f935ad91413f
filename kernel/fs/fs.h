/*
 * The C: drive: a writable file system in RAM, seeded at boot from the
 * initrd (its root is C:\). Files and directories created at run time live
 * until shutdown. Paths are UTF-16 DOS paths ("C:\Windows\System32\x.dll")
 * or NT paths ("\??\C:\..."), case-insensitive, '\' or '/' separated.
 */
#ifndef FS_FS_H
#define FS_FS_H

#include <stddef.h>
#include <stdint.h>
#include "nt/abi.h"

/* Copies the initrd into the RAM file system (call once at boot). */
void fs_init(void);

/* The whole contents of a regular file, read-only, valid until the file is
 * next written or deleted (the PE loader copies it out at once). */
nt_status fs_file_data(const uint16_t *path, size_t len, const uint8_t **data, uint64_t *size);

/* The same for a NUL-terminated ASCII path (kernel command line, tests). */
nt_status fs_file_data_ascii(const char *path, const uint8_t **data, uint64_t *size);

#endif
