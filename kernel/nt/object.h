/*
 * The object manager: kernel objects behind per-process handle tables.
 * Files, directories, the console, processes, threads and events are all
 * objects; a handle is an index into the owning process's table (times 4,
 * as on Windows, so handles are small multiples of four and never 0).
 */
#ifndef NT_OBJECT_H
#define NT_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include "nt/abi.h"

struct nt_object;
struct nt_call;

/* What a kind of object can do. Any operation may be NULL: the system call
 * then fails with STATUS_OBJECT_TYPE_MISMATCH (or INVALID_DEVICE_REQUEST). */
struct nt_object_type {
	const char *name; /* "File", "Process", ... for messages */
	/* The last reference went: free the object. */
	void (*destroy)(struct nt_object *o);
	/* Reads and writes at *offset (files advance it themselves). The console
	 * may block; both return the byte count through *done. */
	nt_status (*read)(struct nt_object *o, void *buf, uint64_t len, uint64_t *done);
	nt_status (*write)(struct nt_object *o, const void *buf, uint64_t len, uint64_t *done);
	/* Waitable objects: true when signalled (a process that ended, a set
	 * event). A waiting thread sleeps until nt_object_signal(o). */
	int (*signalled)(struct nt_object *o);
};

struct nt_object {
	const struct nt_object_type *type;
	uint32_t refs;
};

/* Initializes o with one reference held by the caller. */
void nt_object_init(struct nt_object *o, const struct nt_object_type *type);
void nt_object_ref(struct nt_object *o);
void nt_object_unref(struct nt_object *o);
/* Wakes every thread waiting on o (call after o became signalled). */
void nt_object_signal(struct nt_object *o);

struct nt_handle_table;
struct nt_handle_table *nt_handles_new(void);
/* Closes every handle (process exit). */
void nt_handles_free(struct nt_handle_table *t);

/* In the current process's table: insert takes a new reference. */
nt_status nt_handle_insert(struct nt_object *o, nt_handle *out);
/* Looks a handle up in the current process and takes a reference (the
 * caller unrefs); type NULL accepts any type. Pseudo-handles -1 (current
 * process) and -2 (current thread) resolve too. */
nt_status nt_handle_get(nt_handle h, const struct nt_object_type *type, struct nt_object **out);
nt_status nt_handle_close(nt_handle h);
/* Inserts o into another process's table (DuplicateHandle, and the
 * standard handles a new process inherits). */
nt_status nt_handle_insert_into(struct nt_handle_table *t, struct nt_object *o, nt_handle *out);
/* Looks h up in table t (no pseudo-handles) and takes a reference: for
 * another process's table (NtDuplicateObject) and the self-tests. */
nt_status nt_handle_lookup_in(struct nt_handle_table *t, nt_handle h, const struct nt_object_type *type,
			      struct nt_object **out);

#endif
