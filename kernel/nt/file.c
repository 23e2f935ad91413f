/*
 * File objects and the file system calls. A file object holds a reference
 * to its node and counts as one open: deletion (delete-on-close or a
 * disposition) waits for the last open to close, as on Windows. Every
 * structure is written in the Windows x64 layout, byte offsets spelled out
 * below, because the DLLs (and cmd.exe through them) read them as such.
 */
#include "nt/file.h"
#include "dev/console.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "nt/syscall.h"

struct nt_file {
	struct nt_object obj;
	struct fs_node *node; /* referenced, and counted in node->opens */
	uint32_t access;      /* as asked, for FileAccessInformation */
	uint32_t rights;      /* NT_FILE_READ_DATA | WRITE_DATA | APPEND_DATA granted */
	uint32_t options;
	uint64_t pos;
	bool delete_on_close;
	/* Directory scans: the pattern of the first query, and where it got. */
	bool scanning, returned_any;
	int phase; /* 0: ".", 1: "..", 2: children after last[] */
	uint16_t *pattern;
	size_t pattern_len;
	uint16_t last[FS_NAME_MAX];
	size_t last_len;
	bool have_last;
};

/* A few Windows constants the kernel only needs here. */
#define GENERIC_ALL        0x10000000u
#define MAXIMUM_ALLOWED    0x02000000u
#define FILE_ATTRIBUTE_SETTABLE 0x27u /* READONLY | HIDDEN | SYSTEM | ARCHIVE */
#define FILE_CLASS_NAMES   12
#define FILE_CLASS_INTERNAL 6
#define FILE_CLASS_EA      7
#define FILE_CLASS_ACCESS  8
#define FILE_CLASS_MODE    16
#define FILE_CLASS_ALIGNMENT 17
#define FILE_CLASS_ALLOCATION 19
#define FILE_CLASS_ATTRIBUTE_TAG 35
#define FILE_CLASS_ID_BOTH_DIRECTORY 37
#define FILE_CLASS_ID_FULL_DIRECTORY 38
#define FILE_CLASS_DISPOSITION_EX 64
#define FS_CLASS_FULL_SIZE 7
#define CLUSTER 4096
/* The drive's advertised size (the heap is the real limit). */
#define VOLUME_CLUSTERS 16384

static void file_destroy(struct nt_object *o);

const struct nt_object_type nt_file_type = {.name = "File", .destroy = file_destroy};

static nt_status null_read(struct nt_object *o, void *buf, uint64_t len, uint64_t *done)
{
	(void)o, (void)buf, (void)len;
	*done = 0;
	return NT_STATUS_END_OF_FILE;
}

static nt_status null_write(struct nt_object *o, const void *buf, uint64_t len, uint64_t *done)
{
	(void)o, (void)buf;
	*done = len;
	return NT_STATUS_SUCCESS;
}

/* NUL: one object for every open, never freed. */
static const struct nt_object_type null_type = {.name = "Null", .read = null_read, .write = null_write};
static struct nt_object null_device = {.type = &null_type, .refs = 1};

static struct nt_file *as_file(struct nt_object *o) { return o && o->type == &nt_file_type ? (struct nt_file *)o : NULL; }

struct fs_node *nt_file_node(struct nt_object *o)
{
	struct nt_file *f = as_file(o);
	return f ? f->node : NULL;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint64_t alloc_size(const struct fs_node *n) { return (n->size + CLUSTER - 1) / CLUSTER * CLUSTER; }
static uint32_t attributes(const struct fs_node *n) { return n->attributes ? n->attributes : NT_FILE_ATTRIBUTE_NORMAL; }

/* The last node reference drops after the lock is released: unlinking
 * frees nothing while someone else still holds it. */
static void file_destroy(struct nt_object *o)
{
	struct nt_file *f = (struct nt_file *)o;
	fs_lock();
	struct fs_node *n = f->node;
	if (f->delete_on_close)
		n->delete_pending = true;
	if (!--n->opens && n->delete_pending) {
		n->delete_pending = false;
		if (n->parent)
			fs_unlink(n); /* a directory that filled up meanwhile stays */
	}
	fs_node_unref(n);
	fs_unlock();
	kfree(f->pattern);
	kfree(f);
}

/* ---- NtCreateFile ---- */

static bool name_eq(const uint16_t *s, size_t len, const char *ascii)
{
	size_t n = strlen(ascii);
	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint16_t c = s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i];
		if (c != (uint16_t)ascii[i])
			return false;
	}
	return true;
}

/* DOS device names: NUL in any directory, the console as \??\CON etc. */
static struct nt_object *device(const uint16_t *path, size_t len)
{
	size_t s = len;
	while (s && path[s - 1] != '\\' && path[s - 1] != '/')
		s--;
	const uint16_t *leaf = path + s;
	size_t n = len - s;
	if (name_eq(leaf, n, "NUL"))
		return &null_device;
	bool whole = s == 0 || (s == 4 && path[0] == '\\' && path[1] == '?' && path[2] == '?' && path[3] == '\\');
	if (whole && (name_eq(leaf, n, "CON") || name_eq(leaf, n, "CONIN$") || name_eq(leaf, n, "CONOUT$")))
		return console_object();
	return NULL;
}

static uint32_t rights_of(uint32_t access)
{
	uint32_t r = access & (NT_FILE_READ_DATA | NT_FILE_WRITE_DATA | NT_FILE_APPEND_DATA);
	if (access & NT_GENERIC_READ)
		r |= NT_FILE_READ_DATA;
	if (access & NT_GENERIC_WRITE)
		r |= NT_FILE_WRITE_DATA | NT_FILE_APPEND_DATA;
	if (access & (GENERIC_ALL | MAXIMUM_ALLOWED))
		r |= NT_FILE_READ_DATA | NT_FILE_WRITE_DATA | NT_FILE_APPEND_DATA;
	return r;
}

/* With the lock held: the node to open (referenced) and what happened. */
static nt_status open_node(struct fs_node *base, const uint16_t *path, size_t len, uint32_t rights,
			   uint32_t attrs, uint32_t disp, uint32_t options, struct fs_node **out, uint64_t *info)
{
	bool want_dir = options & NT_FILE_DIRECTORY_FILE, want_file = options & NT_FILE_NON_DIRECTORY_FILE;
	struct fs_node *n;
	bool trailing = false;
	nt_status st = fs_lookup(base, path, len, &n, &trailing);
	if (st == NT_STATUS_SUCCESS) {
		if (disp == NT_FILE_CREATE)
			st = NT_STATUS_OBJECT_NAME_COLLISION;
		else if (n->delete_pending)
			st = NT_STATUS_DELETE_PENDING;
		else if (n->dir && want_file)
			st = NT_STATUS_FILE_IS_A_DIRECTORY;
		else if (!n->dir && want_dir)
			st = NT_STATUS_NOT_A_DIRECTORY;
		else if (!n->dir && trailing)
			st = NT_STATUS_OBJECT_NAME_INVALID;
		else if (n->dir && disp != NT_FILE_OPEN && disp != NT_FILE_OPEN_IF)
			st = NT_STATUS_ACCESS_DENIED; /* overwriting a directory */
		else if (!n->dir && (n->attributes & NT_FILE_ATTRIBUTE_READONLY) &&
			 ((rights & (NT_FILE_WRITE_DATA | NT_FILE_APPEND_DATA)) || disp == NT_FILE_SUPERSEDE ||
			  disp == NT_FILE_OVERWRITE || disp == NT_FILE_OVERWRITE_IF))
			st = NT_STATUS_ACCESS_DENIED;
		else if ((options & NT_FILE_DELETE_ON_CLOSE) && n->dir && n->children)
			st = NT_STATUS_DIRECTORY_NOT_EMPTY;
		else if ((options & NT_FILE_DELETE_ON_CLOSE) && (n->attributes & NT_FILE_ATTRIBUTE_READONLY))
			st = NT_STATUS_CANNOT_DELETE;
		else if ((options & NT_FILE_DELETE_ON_CLOSE) && !n->parent)
			st = NT_STATUS_ACCESS_DENIED;
		if (st) {
			fs_node_unref(n);
			return st;
		}
		*info = NT_FILE_OPENED;
		if (disp == NT_FILE_SUPERSEDE || disp == NT_FILE_OVERWRITE || disp == NT_FILE_OVERWRITE_IF) {
			fs_set_size(n, 0);
			if (attrs & FILE_ATTRIBUTE_SETTABLE)
				n->attributes = (attrs & FILE_ATTRIBUTE_SETTABLE) | NT_FILE_ATTRIBUTE_ARCHIVE;
			*info = disp == NT_FILE_SUPERSEDE ? NT_FILE_SUPERSEDED : NT_FILE_OVERWRITTEN;
		}
		*out = n;
		return NT_STATUS_SUCCESS;
	}
	if (st != NT_STATUS_OBJECT_NAME_NOT_FOUND)
		return st;
	if (disp == NT_FILE_OPEN || disp == NT_FILE_OVERWRITE)
		return st;
	if (trailing && !want_dir)
		return NT_STATUS_OBJECT_NAME_INVALID;
	struct fs_node *dir;
	const uint16_t *leaf;
	size_t leaf_len;
	st = fs_lookup_parent(base, path, len, &dir, &leaf, &leaf_len, NULL);
	if (st)
		return st;
	st = dir->delete_pending ? NT_STATUS_DELETE_PENDING : fs_create(dir, leaf, leaf_len, want_dir, &n);
	fs_node_unref(dir);
	if (st)
		return st;
	if (attrs & FILE_ATTRIBUTE_SETTABLE)
		n->attributes |= attrs & FILE_ATTRIBUTE_SETTABLE;
	fs_node_ref(n);
	*info = NT_FILE_CREATED;
	*out = n;
	return NT_STATUS_SUCCESS;
}

nt_status nt_file_open(struct fs_node *base, const uint16_t *path, size_t len, uint32_t access,
		       uint32_t attrs, uint32_t disp, uint32_t options, struct nt_object **out, uint64_t *info)
{
	if (disp > NT_FILE_OVERWRITE_IF)
		return NT_STATUS_INVALID_PARAMETER;
	if ((options & NT_FILE_DIRECTORY_FILE) &&
	    ((options & NT_FILE_NON_DIRECTORY_FILE) ||
	     (disp != NT_FILE_CREATE && disp != NT_FILE_OPEN && disp != NT_FILE_OPEN_IF)))
		return NT_STATUS_INVALID_PARAMETER;
	if (!base && !len)
		return NT_STATUS_OBJECT_NAME_INVALID; /* only a directory handle may be reopened by "" */
	if (!base) {
		struct nt_object *dev = device(path, len);
		if (dev) {
			nt_object_ref(dev);
			*out = dev;
			*info = NT_FILE_OPENED;
			return NT_STATUS_SUCCESS;
		}
	}
	struct nt_file *f = kzalloc(sizeof *f);
	if (!f)
		return NT_STATUS_NO_MEMORY;
	uint32_t rights = rights_of(access);
	fs_lock();
	struct fs_node *n;
	nt_status st = open_node(base, path, len, rights, attrs, disp, options, &n, info);
	if (!st)
		n->opens++;
	fs_unlock();
	if (st) {
		kfree(f);
		return st;
	}
	nt_object_init(&f->obj, &nt_file_type);
	f->node = n;
	f->access = access;
	f->rights = rights;
	f->options = options;
	f->delete_on_close = options & NT_FILE_DELETE_ON_CLOSE;
	*out = &f->obj;
	return NT_STATUS_SUCCESS;
}

/* ---- reads and writes ---- */

static bool put_bytes(bool user, uint64_t dst, const void *src, uint64_t n)
{
	if (user)
		return nt_copy_out(dst, src, n);
	memcpy((void *)dst, src, n);
	return true;
}

static bool get_bytes(bool user, void *dst, uint64_t src, uint64_t n)
{
	if (user)
		return nt_copy_in(dst, src, n);
	memcpy(dst, (const void *)src, n);
	return true;
}

/* Other objects (the console, NUL) through their own read and write; user
 * memory goes through a kernel buffer, one piece per call. */
#define BOUNCE 4096

static nt_status object_read(struct nt_object *o, uint64_t buf, bool user, uint64_t len, uint64_t *done)
{
	*done = 0;
	if (!o->type->read)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	if (!user)
		return o->type->read(o, (void *)buf, len, done);
	uint64_t n = len < BOUNCE ? len : BOUNCE;
	uint8_t *k = kzalloc(n ? n : 1);
	if (!k)
		return NT_STATUS_NO_MEMORY;
	/* Check the buffer before the input is taken: a bad one loses nothing. */
	nt_status st = NT_STATUS_ACCESS_VIOLATION;
	if (nt_copy_out(buf, k, n)) {
		st = o->type->read(o, k, n, done);
		if (*done && !nt_copy_out(buf, k, *done))
			st = NT_STATUS_ACCESS_VIOLATION;
	}
	kfree(k);
	return st;
}

static nt_status object_write(struct nt_object *o, uint64_t buf, bool user, uint64_t len, uint64_t *done)
{
	*done = 0;
	if (!o->type->write)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	if (!user)
		return o->type->write(o, (const void *)buf, len, done);
	uint8_t *k = kmalloc(BOUNCE);
	if (!k)
		return NT_STATUS_NO_MEMORY;
	nt_status st = NT_STATUS_SUCCESS;
	while (*done < len && !st) {
		uint64_t n = len - *done < BOUNCE ? len - *done : BOUNCE, wrote = 0;
		if (!nt_copy_in(k, buf + *done, n)) {
			st = NT_STATUS_ACCESS_VIOLATION;
			break;
		}
		st = o->type->write(o, k, n, &wrote);
		*done += wrote;
	}
	kfree(k);
	return st;
}

/* The checks a read or write makes before touching data: a directory has
 * none, the handle must carry one of rights, and of the negative offsets
 * only "the file position" (and, for writes, "the end of the file") mean
 * something. */
static nt_status data_access(const struct nt_file *f, uint32_t rights, const int64_t *offset, bool write)
{
	if (f->node->dir)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	if (!(f->rights & rights))
		return NT_STATUS_ACCESS_DENIED;
	if (offset && *offset < 0 && *offset != NT_FILE_USE_FILE_POINTER_POSITION &&
	    !(write && *offset == NT_FILE_WRITE_TO_END_OF_FILE))
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_SUCCESS;
}

nt_status nt_file_read(struct nt_object *o, uint64_t buf, bool user, uint64_t len, const int64_t *offset,
		       uint64_t *done)
{
	struct nt_file *f = as_file(o);
	if (!f)
		return object_read(o, buf, user, len, done);
	*done = 0;
	nt_status st = data_access(f, NT_FILE_READ_DATA, offset, false);
	if (st)
		return st;
	fs_lock();
	struct fs_node *n = f->node;
	uint64_t off = offset && *offset >= 0 ? (uint64_t)*offset : f->pos;
	if (len && off >= n->size) {
		st = NT_STATUS_END_OF_FILE;
	} else if (len) {
		uint64_t count = n->size - off < len ? n->size - off : len;
		if (put_bytes(user, buf, (n->data ? n->data : n->seed) + off, count)) {
			*done = count;
			f->pos = off + count;
		} else {
			st = NT_STATUS_ACCESS_VIOLATION;
		}
	}
	fs_unlock();
	return st;
}

nt_status nt_file_write(struct nt_object *o, uint64_t buf, bool user, uint64_t len, const int64_t *offset,
			uint64_t *done)
{
	struct nt_file *f = as_file(o);
	if (!f)
		return object_write(o, buf, user, len, done);
	*done = 0;
	nt_status st = data_access(f, NT_FILE_WRITE_DATA | NT_FILE_APPEND_DATA, offset, true);
	if (st)
		return st;
	fs_lock();
	struct fs_node *n = f->node;
	uint64_t off = offset && *offset >= 0 ? (uint64_t)*offset : f->pos;
	/* Append-only handles, and the explicit end-of-file offset, append. */
	if (!(f->rights & NT_FILE_WRITE_DATA) || (offset && *offset == NT_FILE_WRITE_TO_END_OF_FILE))
		off = n->size;
	uint64_t end = off + len;
	if (end < off) {
		st = NT_STATUS_INVALID_PARAMETER;
	} else if (len) {
		uint8_t *d = fs_writable(n, end > n->size ? end : n->size);
		if (!d)
			st = NT_STATUS_DISK_FULL;
		else if (!get_bytes(user, d + off, buf, len))
			st = NT_STATUS_ACCESS_VIOLATION; /* the size stays as it was */
		else {
			if (end > n->size)
				n->size = end;
			*done = len;
			f->pos = end;
		}
	}
	fs_unlock();
	return st;
}

/* ---- information ---- */

/* FILE_BASIC_INFORMATION: 4 times, attributes (40 bytes). */
static void basic(uint8_t *b, const struct fs_node *n)
{
	for (int i = 0; i < 4; i++)
		put64(b + 8 * i, FS_FIXED_TIME);
	put32(b + 32, attributes(n));
	put32(b + 36, 0);
}

/* FILE_STANDARD_INFORMATION: allocation, end, links, delete pending, directory (24). */
static void standard(uint8_t *b, const struct fs_node *n)
{
	memset(b, 0, 24);
	put64(b, alloc_size(n));
	put64(b + 8, n->size);
	put32(b + 16, 1);
	b[20] = n->delete_pending;
	b[21] = n->dir;
}

static void network_open(struct nt_file_network_open_information *i, const struct fs_node *n)
{
	i->creation_time = i->last_access_time = i->last_write_time = i->change_time = FS_FIXED_TIME;
	i->allocation_size = (int64_t)alloc_size(n);
	i->end_of_file = (int64_t)n->size;
	i->file_attributes = attributes(n);
	i->pad = 0;
}

/* FILE_NAME_INFORMATION at b (length, then UTF-16 name) with room bytes;
 * the name is the path from the root. BUFFER_OVERFLOW when cut short. */
static nt_status name_info(uint8_t *b, uint32_t room, const struct fs_node *n, uint64_t *written)
{
	uint16_t *path = kmalloc(FS_PATH_MAX * 2 + 16);
	if (!path)
		return NT_STATUS_NO_MEMORY;
	size_t chars = fs_node_path((struct fs_node *)n, path, FS_PATH_MAX);
	if (chars > FS_PATH_MAX)
		chars = FS_PATH_MAX;
	uint32_t bytes = (uint32_t)chars * 2, fit = room - 4 < bytes ? (room - 4) & ~1u : bytes;
	put32(b, bytes);
	memcpy(b + 4, path, fit);
	kfree(path);
	*written = 4 + fit;
	return fit < bytes ? NT_STATUS_BUFFER_OVERFLOW : NT_STATUS_SUCCESS;
}

nt_status nt_file_query_info(struct nt_object *o, void *buf, uint32_t len, uint32_t cls, uint64_t *written)
{
	struct nt_file *f = as_file(o);
	uint8_t *b = buf;
	*written = 0;
	if (!f)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	uint32_t need;
	switch (cls) {
	case NT_FILE_BASIC_INFORMATION: need = 40; break;
	case NT_FILE_STANDARD_INFORMATION: need = 24; break;
	case FILE_CLASS_INTERNAL: case NT_FILE_POSITION_INFORMATION: case NT_FILE_END_OF_FILE_INFORMATION:
	case FILE_CLASS_ATTRIBUTE_TAG: need = 8; break;
	case FILE_CLASS_EA: case FILE_CLASS_ACCESS: case FILE_CLASS_MODE: case FILE_CLASS_ALIGNMENT: need = 4; break;
	case NT_FILE_NAME_INFORMATION: need = 8; break; /* 4 + one character, rounded as Windows does */
	case NT_FILE_ALL_INFORMATION: need = 104; break;
	case NT_FILE_NETWORK_OPEN_INFORMATION: need = 56; break;
	default: return NT_STATUS_INVALID_INFO_CLASS;
	}
	if (len < need)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	fs_lock();
	struct fs_node *n = f->node;
	nt_status st = NT_STATUS_SUCCESS;
	*written = need;
	switch (cls) {
	case NT_FILE_BASIC_INFORMATION: basic(b, n); break;
	case NT_FILE_STANDARD_INFORMATION: standard(b, n); break;
	case FILE_CLASS_INTERNAL: put64(b, n->id); break;
	case NT_FILE_POSITION_INFORMATION: put64(b, f->pos); break;
	case NT_FILE_END_OF_FILE_INFORMATION: put64(b, n->size); break;
	case FILE_CLASS_ATTRIBUTE_TAG: put32(b, attributes(n)); put32(b + 4, 0); break;
	case FILE_CLASS_EA: case FILE_CLASS_ALIGNMENT: put32(b, 0); break;
	case FILE_CLASS_ACCESS: put32(b, f->access); break;
	case FILE_CLASS_MODE: put32(b, f->options & 0x103e); break;
	case NT_FILE_NAME_INFORMATION: st = name_info(b, len, n, written); break;
	case NT_FILE_NETWORK_OPEN_INFORMATION: network_open(buf, n); break;
	case NT_FILE_ALL_INFORMATION:
		/* Basic 0, Standard 40, Internal 64, Ea 72, Access 76, Position 80,
		 * Mode 88, Alignment 92, Name 96. */
		memset(b, 0, 96);
		basic(b, n);
		standard(b + 40, n);
		put64(b + 64, n->id);
		put32(b + 76, f->access);
		put64(b + 80, f->pos);
		put32(b + 88, f->options & 0x103e);
		st = name_info(b + 96, len - 96, n, written);
		*written += 96;
		break;
	}
	fs_unlock();
	return st;
}

static bool delete_allowed(struct fs_node *n, nt_status *st)
{
	if (!n->parent)
		*st = NT_STATUS_ACCESS_DENIED;
	else if (n->dir && n->children)
		*st = NT_STATUS_DIRECTORY_NOT_EMPTY;
	else if (n->attributes & NT_FILE_ATTRIBUTE_READONLY)
		*st = NT_STATUS_CANNOT_DELETE;
	else
		return true;
	return false;
}

/* FILE_RENAME_INFORMATION: ReplaceIfExists (byte 0; bit 0 of the Flags
 * word in the newer form), RootDirectory at 8, FileNameLength at 16,
 * FileName at 20. A bare name stays in the file's directory. */
static nt_status do_rename(struct nt_file *f, const uint8_t *b, uint32_t len, struct fs_node *base)
{
	if (len < 24)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	uint32_t bytes = get32(b + 16);
	if ((bytes & 1) || bytes > len - 20 || !bytes)
		return NT_STATUS_INVALID_PARAMETER;
	const uint16_t *name = (const uint16_t *)(b + 20); /* b is a kmalloc'd copy: aligned */
	size_t chars = bytes / 2;
	struct fs_node *n = f->node;
	bool bare = true;
	for (size_t i = 0; i < chars; i++)
		if (name[i] == '\\' || name[i] == '/' || name[i] == ':')
			bare = false;
	if (!n->parent)
		return NT_STATUS_ACCESS_DENIED;
	if (bare && !base)
		base = n->parent;
	struct fs_node *dir;
	const uint16_t *leaf;
	size_t leaf_len;
	nt_status st = fs_lookup_parent(base, name, chars, &dir, &leaf, &leaf_len, NULL);
	if (st)
		return st;
	st = fs_rename(n, dir, leaf, leaf_len, b[0] & 1);
	fs_node_unref(dir);
	return st;
}

nt_status nt_file_set_info(struct nt_object *o, const void *buf, uint32_t len, uint32_t cls,
			   struct fs_node *rename_base)
{
	struct nt_file *f = as_file(o);
	const uint8_t *b = buf;
	if (!f)
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	fs_lock();
	struct fs_node *n = f->node;
	nt_status st = NT_STATUS_SUCCESS;
	switch (cls) {
	case NT_FILE_BASIC_INFORMATION: {
		/* Times stay fixed; attributes change (0 means unchanged). */
		if (len < 40) {
			st = NT_STATUS_INFO_LENGTH_MISMATCH;
			break;
		}
		uint32_t a = get32(b + 32);
		if (a && a != NT_FILE_ATTRIBUTE_NORMAL)
			n->attributes = (a & FILE_ATTRIBUTE_SETTABLE) | (n->dir ? NT_FILE_ATTRIBUTE_DIRECTORY : 0);
		else if (a == NT_FILE_ATTRIBUTE_NORMAL)
			n->attributes = n->dir ? NT_FILE_ATTRIBUTE_DIRECTORY : 0;
		break;
	}
	case NT_FILE_POSITION_INFORMATION:
		if (len < 8)
			st = NT_STATUS_INFO_LENGTH_MISMATCH;
		else if ((int64_t)get64(b) < 0)
			st = NT_STATUS_INVALID_PARAMETER;
		else
			f->pos = get64(b);
		break;
	case NT_FILE_END_OF_FILE_INFORMATION:
	case FILE_CLASS_ALLOCATION:
		if (len < 8)
			st = NT_STATUS_INFO_LENGTH_MISMATCH;
		else if (n->dir || (int64_t)get64(b) < 0)
			st = NT_STATUS_INVALID_PARAMETER;
		else if (!(f->rights & NT_FILE_WRITE_DATA))
			st = NT_STATUS_ACCESS_DENIED;
		else if (cls == NT_FILE_END_OF_FILE_INFORMATION)
			st = fs_set_size(n, get64(b));
		else if (get64(b) < n->size)
			st = fs_set_size(n, get64(b)); /* allocation below the end truncates */
		break;
	case NT_FILE_DISPOSITION_INFORMATION:
	case FILE_CLASS_DISPOSITION_EX: {
		if (len < (cls == NT_FILE_DISPOSITION_INFORMATION ? 1u : 4u)) {
			st = NT_STATUS_INFO_LENGTH_MISMATCH;
			break;
		}
		bool del = cls == NT_FILE_DISPOSITION_INFORMATION ? b[0] != 0 : (get32(b) & 1);
		if (!del)
			n->delete_pending = false;
		else if (delete_allowed(n, &st))
			n->delete_pending = true;
		break;
	}
	case NT_FILE_RENAME_INFORMATION:
		st = do_rename(f, b, len, rename_base);
		break;
	default:
		st = NT_STATUS_INVALID_INFO_CLASS;
	}
	fs_unlock();
	return st;
}

/* ---- directory listings ---- */

/* Where the name, FileNameLength, EaSize, the short name and FileId sit in
 * each FILE_*_DIRECTORY_INFORMATION (0 = absent). */
struct layout {
	uint32_t cls, name, name_len, ea, short_name, file_id;
};
static const struct layout layouts[] = {
	{NT_FILE_DIRECTORY_INFORMATION, 64, 60, 0, 0, 0},
	{NT_FILE_FULL_DIRECTORY_INFORMATION, 68, 60, 64, 0, 0},
	{NT_FILE_BOTH_DIRECTORY_INFORMATION, 94, 60, 64, 68, 0},
	{FILE_CLASS_NAMES, 12, 8, 0, 0, 0},
	{FILE_CLASS_ID_BOTH_DIRECTORY, 104, 60, 64, 68, 96},
	{FILE_CLASS_ID_FULL_DIRECTORY, 80, 60, 64, 0, 72},
};

static const uint16_t dot[2] = {'.', '.'};

/* The next entry after the scan state: its name and node, or false. */
static bool peek(struct nt_file *f, const uint16_t **name, size_t *len, struct fs_node **n)
{
	struct fs_node *dir = f->node;
	if (f->phase == 0 && dir->parent) {
		*name = dot, *len = 1, *n = dir;
		return true;
	}
	if (f->phase <= 1 && dir->parent) {
		*name = dot, *len = 2, *n = dir->parent;
		return true;
	}
	for (struct fs_node *c = dir->children; c; c = c->next) {
		if (!f->have_last || fs_name_cmp(c->name, c->name_len, f->last, f->last_len) > 0) {
			*name = c->name, *len = c->name_len, *n = c;
			return true;
		}
	}
	return false;
}

static void advance(struct nt_file *f, const uint16_t *name, size_t len)
{
	if (f->phase < 2 && f->node->parent && name == dot) {
		f->phase = len == 1 ? 1 : 2;
		return;
	}
	f->phase = 2;
	memcpy(f->last, name, len * 2);
	f->last_len = len;
	f->have_last = true;
}

/* Writes one entry at b (room bytes); false if even its fixed part does not fit. */
static uint32_t entry(uint8_t *b, uint32_t room, const struct layout *l, const uint16_t *name, size_t len,
		      const struct fs_node *n, bool *cut)
{
	uint32_t bytes = (uint32_t)len * 2, fit = room - l->name < bytes ? (room - l->name) & ~1u : bytes;
	memset(b, 0, l->name);
	if (l->cls != FILE_CLASS_NAMES) {
		for (int i = 0; i < 4; i++)
			put64(b + 8 + 8 * i, FS_FIXED_TIME);
		put64(b + 40, n->size);
		put64(b + 48, alloc_size(n));
		put32(b + 56, attributes(n));
	}
	put32(b + l->name_len, bytes);
	if (l->file_id)
		put64(b + l->file_id, n->id);
	memcpy(b + l->name, name, fit);
	*cut = fit < bytes;
	return l->name + fit;
}

nt_status nt_file_query_directory(struct nt_object *o, void *buf, uint32_t len, uint32_t cls, bool single,
				  const uint16_t *pattern, size_t pattern_len, bool restart, uint64_t *written)
{
	struct nt_file *f = as_file(o);
	*written = 0;
	if (!f || !f->node->dir)
		return NT_STATUS_INVALID_PARAMETER;
	const struct layout *l = NULL;
	for (unsigned i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
		if (layouts[i].cls == cls)
			l = &layouts[i];
	if (!l)
		return NT_STATUS_INVALID_INFO_CLASS;
	if (len < l->name)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	if (pattern_len > FS_NAME_MAX)
		return NT_STATUS_OBJECT_NAME_INVALID;
	fs_lock();
	/* The pattern counts only when a scan starts, as on Windows. */
	if (restart || !f->scanning) {
		kfree(f->pattern);
		f->pattern = NULL;
		f->pattern_len = 0;
		if (pattern && pattern_len) {
			f->pattern = kmalloc(pattern_len * 2);
			if (!f->pattern) {
				fs_unlock();
				return NT_STATUS_NO_MEMORY;
			}
			memcpy(f->pattern, pattern, pattern_len * 2);
			f->pattern_len = pattern_len;
		}
		f->scanning = true;
		f->phase = 0;
		f->have_last = false;
		f->returned_any = false;
	}
	static const uint16_t star = '*';
	const uint16_t *pat = f->pattern ? f->pattern : &star;
	size_t plen = f->pattern ? f->pattern_len : 1;
	uint8_t *b = buf;
	uint32_t used = 0, prev = 0, count = 0;
	nt_status st = NT_STATUS_SUCCESS;
	const uint16_t *name;
	size_t nlen;
	struct fs_node *n;
	while (peek(f, &name, &nlen, &n)) {
		if (!fs_match(pat, plen, name, nlen)) {
			advance(f, name, nlen);
			continue;
		}
		uint32_t start = (used + 7) & ~7u;
		if (count && (start > len || len - start < l->name + nlen * 2))
			break; /* the next call gets it */
		if (start > len || len - start < l->name)
			break;
		bool cut;
		uint32_t size = entry(b + start, len - start, l, name, nlen, n, &cut);
		if (count)
			put32(b + prev, start - prev);
		prev = start;
		used = start + size;
		count++;
		advance(f, name, nlen);
		if (cut) {
			st = NT_STATUS_BUFFER_OVERFLOW;
			break;
		}
		if (single)
			break;
	}
	if (!count)
		st = f->returned_any ? NT_STATUS_NO_MORE_FILES : NT_STATUS_NO_SUCH_FILE;
	else
		f->returned_any = true;
	fs_unlock();
	*written = used;
	return st;
}

/* ---- volumes ---- */

nt_status nt_file_query_volume(struct nt_object *o, void *buf, uint32_t len, uint32_t cls, uint64_t *written)
{
	uint8_t *b = buf;
	*written = 0;
	if (cls == NT_FILE_FS_DEVICE_INFORMATION) {
		if (len < 8)
			return NT_STATUS_INFO_LENGTH_MISMATCH;
		uint32_t type = console_is(o) ? NT_FILE_DEVICE_CONSOLE
			      : o == &null_device ? NT_FILE_DEVICE_NULL
						  : NT_FILE_DEVICE_DISK_FILE_SYSTEM;
		put32(b, type);
		put32(b + 4, 0);
		*written = 8;
		return NT_STATUS_SUCCESS;
	}
	if (!as_file(o))
		return NT_STATUS_INVALID_DEVICE_REQUEST;
	static const char label[] = "TWINSTEP", fsname[] = "NTFS";
	const char *text = NULL;
	uint32_t fixed, text_at = 0;
	switch (cls) {
	case NT_FILE_FS_VOLUME_INFORMATION:
		/* creation time 0, serial 8, label length 12, supports objects 16, label 18 */
		fixed = 24, text = label, text_at = 18;
		break;
	case NT_FILE_FS_SIZE_INFORMATION: fixed = 24; break;
	case FS_CLASS_FULL_SIZE: fixed = 32; break;
	case NT_FILE_FS_ATTRIBUTE_INFORMATION:
		/* attributes 0, max component length 4, name length 8, name 12 */
		fixed = 16, text = fsname, text_at = 12;
		break;
	default: return NT_STATUS_INVALID_INFO_CLASS;
	}
	if (len < fixed)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	memset(b, 0, fixed);
	fs_lock();
	uint64_t used = (fs_bytes_used() + CLUSTER - 1) / CLUSTER;
	fs_unlock();
	uint64_t avail = used < VOLUME_CLUSTERS ? VOLUME_CLUSTERS - used : 0;
	nt_status st = NT_STATUS_SUCCESS;
	*written = fixed;
	switch (cls) {
	case NT_FILE_FS_VOLUME_INFORMATION:
		put64(b, FS_FIXED_TIME);
		put32(b + 8, 0x1234ABCD);
		put32(b + 12, (sizeof label - 1) * 2);
		break;
	case NT_FILE_FS_SIZE_INFORMATION:
		put64(b, VOLUME_CLUSTERS);
		put64(b + 8, avail);
		put32(b + 16, CLUSTER / 512);
		put32(b + 20, 512);
		break;
	case FS_CLASS_FULL_SIZE:
		put64(b, VOLUME_CLUSTERS);
		put64(b + 8, avail);
		put64(b + 16, avail);
		put32(b + 24, CLUSTER / 512);
		put32(b + 28, 512);
		break;
	case NT_FILE_FS_ATTRIBUTE_INFORMATION:
		put32(b, 0x6); /* FILE_CASE_PRESERVED_NAMES | FILE_UNICODE_ON_DISK */
		put32(b + 4, FS_NAME_MAX);
		put32(b + 8, (sizeof fsname - 1) * 2);
		break;
	}
	if (text) {
		size_t chars = strlen(text);
		*written = text_at;
		for (size_t i = 0; i < chars; i++) {
			if (text_at + 2 * i + 2 > len) {
				st = NT_STATUS_BUFFER_OVERFLOW;
				break;
			}
			put16(b + text_at + 2 * i, (uint8_t)text[i]);
			*written = text_at + 2 * i + 2;
		}
		if (*written < fixed)
			*written = fixed;
	}
	return st;
}

nt_status nt_file_query_attributes(struct fs_node *base, const uint16_t *path, size_t len,
				   struct nt_file_network_open_information *out)
{
	fs_lock();
	struct fs_node *n;
	bool trailing;
	nt_status st = fs_lookup(base, path, len, &n, &trailing);
	if (!st) {
		if (trailing && !n->dir)
			st = NT_STATUS_OBJECT_NAME_INVALID;
		else if (n->delete_pending)
			st = NT_STATUS_DELETE_PENDING;
		else
			network_open(out, n);
		fs_node_unref(n);
	}
	fs_unlock();
	return st;
}

/* ---- the system calls ---- */

/* The IO_STATUS_BLOCK must be writable before anything happens: a read
 * from the console would otherwise take input it cannot report. */
static bool iosb_ok(uint64_t iosb)
{
	struct nt_io_status_block b;
	return nt_copy_in(&b, iosb, sizeof b) && nt_copy_out(iosb, &b, sizeof b);
}

/* Reads OBJECT_ATTRIBUTES: the name into a new buffer (kfree it) and the
 * root directory's node (referenced through *root_obj, unref it). */
static nt_status read_oa(uint64_t oa_user, uint16_t **name, size_t *len, struct nt_object **root_obj)
{
	struct nt_object_attributes oa;
	*root_obj = NULL;
	if (!nt_copy_in(&oa, oa_user, sizeof oa))
		return NT_STATUS_ACCESS_VIOLATION;
	if (!oa.object_name)
		return NT_STATUS_OBJECT_NAME_INVALID;
	uint16_t *buf = kmalloc((FS_PATH_MAX + 2) * 2);
	if (!buf)
		return NT_STATUS_NO_MEMORY;
	nt_status st = nt_read_unicode(oa.object_name, buf, FS_PATH_MAX + 2, len);
	if (st == NT_STATUS_INVALID_PARAMETER)
		st = NT_STATUS_OBJECT_NAME_INVALID; /* too long or odd-sized */
	if (!st && oa.root_directory) {
		st = nt_handle_get(oa.root_directory, &nt_file_type, root_obj);
		if (!st && !nt_file_node(*root_obj)->dir) {
			nt_object_unref(*root_obj);
			*root_obj = NULL;
			st = NT_STATUS_INVALID_HANDLE;
		}
	}
	if (st) {
		kfree(buf);
		return st;
	}
	*name = buf;
	return NT_STATUS_SUCCESS;
}

nt_status nt_create_file(const struct nt_call *c)
{
	uint64_t out = c->arg[0], iosb = c->arg[3];
	uint32_t access = (uint32_t)c->arg[1], attrs = (uint32_t)c->arg[5];
	uint32_t disp = (uint32_t)c->arg[7], options = (uint32_t)c->arg[8];
	nt_handle h = 0;
	if (!nt_copy_out(out, &h, sizeof h) || !iosb_ok(iosb))
		return NT_STATUS_ACCESS_VIOLATION;
	uint16_t *name;
	size_t len;
	struct nt_object *root, *o;
	nt_status st = read_oa(c->arg[2], &name, &len, &root);
	if (st)
		return st;
	uint64_t info = 0;
	st = nt_file_open(root ? nt_file_node(root) : NULL, name, len, access, attrs, disp, options, &o, &info);
	kfree(name);
	if (root)
		nt_object_unref(root);
	if (st)
		return st;
	st = nt_handle_insert(o, &h);
	nt_object_unref(o);
	if (st)
		return st;
	if (!nt_copy_out(out, &h, sizeof h)) {
		nt_handle_close(h);
		return NT_STATUS_ACCESS_VIOLATION;
	}
	nt_write_iosb(iosb, NT_STATUS_SUCCESS, info);
	return NT_STATUS_SUCCESS;
}

/* NtReadFile and NtWriteFile: (handle, event, apc, apc_ctx, iosb, buffer,
 * length, offset*, key*). Everything is synchronous. */
static nt_status read_write(const struct nt_call *c, bool write)
{
	uint64_t iosb = c->arg[4], buf = c->arg[5], len = (uint32_t)c->arg[6];
	if (!iosb_ok(iosb))
		return NT_STATUS_ACCESS_VIOLATION;
	int64_t off, *offp = NULL;
	if (c->arg[7]) {
		if (!nt_copy_in(&off, c->arg[7], sizeof off))
			return NT_STATUS_ACCESS_VIOLATION;
		offp = &off;
	}
	struct nt_object *o;
	nt_status st = nt_handle_get(c->arg[0], NULL, &o);
	if (st)
		return st;
	uint64_t done = 0;
	st = write ? nt_file_write(o, buf, true, len, offp, &done) : nt_file_read(o, buf, true, len, offp, &done);
	nt_object_unref(o);
	if (st == NT_STATUS_SUCCESS || st == NT_STATUS_END_OF_FILE)
		nt_write_iosb(iosb, st, done);
	return st;
}

nt_status nt_read_file(const struct nt_call *c) { return read_write(c, false); }
nt_status nt_write_file(const struct nt_call *c) { return read_write(c, true); }

/* Information buffers pass through the kernel, at most this big. */
#define INFO_MAX 65536

/* (handle, iosb, buffer, length, class) for the two query calls. */
static nt_status query(const struct nt_call *c, bool volume)
{
	uint64_t iosb = c->arg[1], ubuf = c->arg[2];
	uint32_t len = (uint32_t)c->arg[3], cls = (uint32_t)c->arg[4];
	if (!iosb_ok(iosb))
		return NT_STATUS_ACCESS_VIOLATION;
	if (len > INFO_MAX)
		len = INFO_MAX;
	struct nt_object *o;
	nt_status st = nt_handle_get(c->arg[0], NULL, &o);
	if (st)
		return st;
	uint8_t *k = kzalloc(len ? len : 1);
	if (!k) {
		nt_object_unref(o);
		return NT_STATUS_NO_MEMORY;
	}
	uint64_t written = 0;
	st = volume ? nt_file_query_volume(o, k, len, cls, &written) : nt_file_query_info(o, k, len, cls, &written);
	nt_object_unref(o);
	if ((st == NT_STATUS_SUCCESS || st == NT_STATUS_BUFFER_OVERFLOW) && !nt_copy_out(ubuf, k, written))
		st = NT_STATUS_ACCESS_VIOLATION;
	kfree(k);
	if (st == NT_STATUS_SUCCESS || st == NT_STATUS_BUFFER_OVERFLOW)
		nt_write_iosb(iosb, st, written);
	return st;
}

nt_status nt_query_information_file(const struct nt_call *c) { return query(c, false); }
nt_status nt_query_volume_information_file(const struct nt_call *c) { return query(c, true); }

nt_status nt_set_information_file(const struct nt_call *c)
{
	uint64_t iosb = c->arg[1], ubuf = c->arg[2];
	uint32_t len = (uint32_t)c->arg[3], cls = (uint32_t)c->arg[4];
	if (!iosb_ok(iosb))
		return NT_STATUS_ACCESS_VIOLATION;
	if (len > INFO_MAX)
		return NT_STATUS_INVALID_PARAMETER;
	uint8_t *k = kmalloc(len ? len : 1);
	if (!k)
		return NT_STATUS_NO_MEMORY;
	if (!nt_copy_in(k, ubuf, len)) {
		kfree(k);
		return NT_STATUS_ACCESS_VIOLATION;
	}
	struct nt_object *o, *root = NULL;
	nt_status st = nt_handle_get(c->arg[0], NULL, &o);
	if (!st && cls == NT_FILE_RENAME_INFORMATION && len >= 24 && get64(k + 8)) {
		st = nt_handle_get(get64(k + 8), &nt_file_type, &root);
		if (st)
			nt_object_unref(o);
	}
	if (!st) {
		st = nt_file_set_info(o, k, len, cls, root ? nt_file_node(root) : NULL);
		nt_object_unref(o);
	}
	if (root)
		nt_object_unref(root);
	kfree(k);
	if (!st)
		nt_write_iosb(iosb, st, 0);
	return st;
}

/* (handle, event, apc, apc_ctx, iosb, buffer, length, class, single_entry,
 * pattern*, restart) */
nt_status nt_query_directory_file(const struct nt_call *c)
{
	uint64_t iosb = c->arg[4], ubuf = c->arg[5];
	uint32_t len = (uint32_t)c->arg[6], cls = (uint32_t)c->arg[7];
	bool single = (uint8_t)c->arg[8], restart = (uint8_t)c->arg[10];
	if (!iosb_ok(iosb))
		return NT_STATUS_ACCESS_VIOLATION;
	if (len > INFO_MAX)
		len = INFO_MAX;
	uint16_t pat[FS_NAME_MAX + 1];
	size_t plen = 0;
	if (c->arg[9]) {
		nt_status st = nt_read_unicode(c->arg[9], pat, FS_NAME_MAX + 1, &plen);
		if (st)
			return st == NT_STATUS_INVALID_PARAMETER ? NT_STATUS_OBJECT_NAME_INVALID : st;
	}
	struct nt_object *o;
	nt_status st = nt_handle_get(c->arg[0], NULL, &o);
	if (st)
		return st;
	uint8_t *k = kzalloc(len ? len : 1);
	if (!k) {
		nt_object_unref(o);
		return NT_STATUS_NO_MEMORY;
	}
	uint64_t written = 0;
	st = nt_file_query_directory(o, k, len, cls, single, c->arg[9] ? pat : NULL, plen, restart, &written);
	nt_object_unref(o);
	if ((st == NT_STATUS_SUCCESS || st == NT_STATUS_BUFFER_OVERFLOW) && !nt_copy_out(ubuf, k, written))
		st = NT_STATUS_ACCESS_VIOLATION;
	kfree(k);
	if (st == NT_STATUS_SUCCESS || st == NT_STATUS_BUFFER_OVERFLOW)
		nt_write_iosb(iosb, st, written);
	return st;
}

nt_status nt_query_attributes_file(const struct nt_call *c)
{
	struct nt_file_network_open_information info;
	if (!nt_copy_in(&info, c->arg[1], sizeof info))
		return NT_STATUS_ACCESS_VIOLATION;
	uint16_t *name;
	size_t len;
	struct nt_object *root;
	nt_status st = read_oa(c->arg[0], &name, &len, &root);
	if (st)
		return st;
	st = nt_file_query_attributes(root ? nt_file_node(root) : NULL, name, len, &info);
	kfree(name);
	if (root)
		nt_object_unref(root);
	if (!st && !nt_copy_out(c->arg[1], &info, sizeof info))
		st = NT_STATUS_ACCESS_VIOLATION;
	return st;
}

/* The console modes: STATUS_INVALID_HANDLE for anything but the console. */
static nt_status console_handle(nt_handle h)
{
	struct nt_object *o;
	if (nt_handle_get(h, NULL, &o))
		return NT_STATUS_INVALID_HANDLE;
	bool is = console_is(o);
	nt_object_unref(o);
	return is ? NT_STATUS_SUCCESS : NT_STATUS_INVALID_HANDLE;
}

nt_status nt_set_console_mode(const struct nt_call *c)
{
	nt_status st = console_handle(c->arg[0]);
	if (!st)
		console_set_mode((uint32_t)c->arg[1]);
	return st;
}

nt_status nt_get_console_mode(const struct nt_call *c)
{
	nt_status st = console_handle(c->arg[0]);
	uint32_t mode = console_get_mode();
	if (!st && !nt_copy_out(c->arg[1], &mode, sizeof mode))
		st = NT_STATUS_ACCESS_VIOLATION;
	return st;
}
