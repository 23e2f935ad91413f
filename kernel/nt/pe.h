/*
 * The PE32+ loader: maps an .exe and every DLL it needs into an NT
 * process, relocates and binds them, sets up their TLS and writes the
 * loader data ntdll's LdrInitializeThunk starts from (nt/abi.h).
 */
#ifndef NT_PE_H
#define NT_PE_H

#include <stddef.h>
#include <stdint.h>
#include "nt/abi.h"

struct nt_process;

/* Where image files come from: the C: drive (fs_file_data) normally; the
 * self-tests substitute their own built-in images. */
typedef nt_status (*nt_file_source)(const uint16_t *path, size_t len, const uint8_t **data, uint64_t *size);
extern nt_file_source nt_pe_source;

/* The directory DLLs are loaded from (NT path, with the final '\'). */
#define NT_SYSTEM32 "\\??\\C:\\Windows\\System32\\"

struct nt_pe_result {
	uint64_t exe_base, exe_entry;
	uint64_t ldr_thunk;   /* ntdll!LdrInitializeThunk */
	uint64_t loader_data; /* struct nt_loader_data in the process */
};

/* Loads the .exe at path (NT or DOS path) with its DLLs into p. On a
 * missing DLL or export, or a malformed image, prints
 * "nt: cannot start <DOS path>: <reason>" and returns the NTSTATUS. */
nt_status nt_pe_load(struct nt_process *p, const uint16_t *path, size_t len, struct nt_pe_result *out);

/* The reason the last load failed (for the self-tests). */
extern char nt_pe_last_error[200];

#endif
