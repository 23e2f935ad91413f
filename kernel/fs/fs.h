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

/*
 * The tree itself, for the NT file layer (nt/file.c). Every call below but
 * fs_init and fs_file_data* expects the caller to hold fs_lock(): file
 * objects on several threads share the tree.
 */
#include <stdbool.h>

#define FS_NAME_MAX 255  /* UTF-16 units in one path component */
#define FS_PATH_MAX 1024 /* UTF-16 units in a whole path */
/* The one fixed time every file carries (2024-01-01 00:00 UTC, FILETIME):
 * runs must be deterministic, and the machine has no trustworthy clock. */
#define FS_FIXED_TIME 133485408000000000LL

struct fs_node {
	struct fs_node *parent;   /* NULL for the root and once unlinked */
	struct fs_node *next;     /* siblings, sorted case-insensitively */
	struct fs_node *children; /* directories */
	uint16_t name[FS_NAME_MAX + 1];
	uint16_t name_len;
	bool dir;
	bool delete_pending; /* removed when the last open file closes */
	uint32_t attributes; /* NT_FILE_ATTRIBUTE_* */
	uint32_t refs;       /* one for the tree link, one per holder */
	uint32_t opens;      /* open file objects */
	uint64_t id;         /* FileInternalInformation's index number */
	/* Contents: data (owned, cap bytes) once written, else seed (the
	 * initrd's bytes, never copied until the first write). */
	uint8_t *data;
	const uint8_t *seed;
	uint64_t size, cap;
};

void fs_lock(void);
void fs_unlock(void);
struct fs_node *fs_root(void);
void fs_node_ref(struct fs_node *n);
void fs_node_unref(struct fs_node *n);

/* Resolves a path (see the top of this file; relative paths start at base,
 * or the root when base is NULL) to a node with a new reference. A missing
 * last component gives STATUS_OBJECT_NAME_NOT_FOUND, a missing directory on
 * the way STATUS_OBJECT_PATH_NOT_FOUND, a malformed path
 * STATUS_OBJECT_NAME_INVALID. *trailing_sep tells whether the path ended in
 * a separator (may be NULL). */
nt_status fs_lookup(struct fs_node *base, const uint16_t *path, size_t len, struct fs_node **out,
		    bool *trailing_sep);
/* Resolves all but the last component: *dir gets the directory (with a
 * reference) and leaf/leaf_len the last component (pointing into path).
 * The root itself has no leaf: STATUS_OBJECT_NAME_INVALID. */
nt_status fs_lookup_parent(struct fs_node *base, const uint16_t *path, size_t len, struct fs_node **dir,
			   const uint16_t **leaf, size_t *leaf_len, bool *trailing_sep);
/* The child of dir called name (case-insensitive), no reference taken. */
struct fs_node *fs_child(struct fs_node *dir, const uint16_t *name, size_t len);
/* A new empty file or directory in dir (no reference beyond the tree's). */
nt_status fs_create(struct fs_node *dir, const uint16_t *name, size_t len, bool is_dir, struct fs_node **out);
/* Copies up to len bytes from off; returns the count. */
uint64_t fs_read(struct fs_node *n, uint64_t off, void *buf, uint64_t len);
/* Makes [0, size) of n writable kernel memory (copy-on-write of the seed,
 * growth zero-filled) and returns it, or NULL when memory ran out. */
uint8_t *fs_writable(struct fs_node *n, uint64_t size);
nt_status fs_set_size(struct fs_node *n, uint64_t size);
/* Takes n out of the tree (a directory must be empty). */
nt_status fs_unlink(struct fs_node *n);
/* Moves n to dir under a new name; replace allows an existing file there
 * to go (never a directory, never an open file). */
nt_status fs_rename(struct fs_node *n, struct fs_node *dir, const uint16_t *name, size_t len, bool replace);
/* Writes the path of n from the root ("\Windows\System32", "\" for the
 * root) into buf; returns its length in UTF-16 units (may exceed cap). */
size_t fs_node_path(struct fs_node *n, uint16_t *buf, size_t cap);
/* Case-insensitive comparisons of UTF-16 names. */
int fs_name_cmp(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen);
/* Windows wildcard match: '*' any run, '?' one character ('<', '>' and '"'
 * as DOS_STAR, DOS_QM and DOS_DOT), case-insensitive; "*.*" matches all. */
bool fs_match(const uint16_t *pat, size_t plen, const uint16_t *name, size_t nlen);
/* Bytes in files (FileFsSizeInformation). */
uint64_t fs_bytes_used(void);

#endif
