/*
 * The C: drive: a tree of nodes in kernel memory, names in UTF-16 (what
 * every NT call carries), compared case-insensitively but stored as given.
 * Seeded files point at the initrd's bytes until first written, so the
 * megabytes of cmd.exe and its DLLs are never copied just to be read.
 */
#include "fs/fs.h"
#include "fs/initrd.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "sched/thread.h"

static struct fs_node root = {.dir = true, .attributes = NT_FILE_ATTRIBUTE_DIRECTORY, .refs = 1, .id = 1};
static uint64_t next_id = 2;
static struct mutex lock;

void fs_lock(void) { mutex_lock(&lock); }
void fs_unlock(void) { mutex_unlock(&lock); }
struct fs_node *fs_root(void) { return &root; }

void fs_node_ref(struct fs_node *n) { n->refs++; }

void fs_node_unref(struct fs_node *n)
{
	if (--n->refs || n == &root)
		return;
	kfree(n->data);
	kfree(n);
}

/* Simple case folding: ASCII, Latin-1, Greek and Cyrillic cover the names
 * a console session meets; anything else compares exactly. */
static uint16_t upcase(uint16_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7))
		return c - 32;
	if (c == 0xFF)
		return 0x178;
	if ((c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) || (c >= 0x430 && c <= 0x44F))
		return c - 32;
	if (c >= 0x450 && c <= 0x45F)
		return c - 80;
	return c;
}

int fs_name_cmp(const uint16_t *a, size_t alen, const uint16_t *b, size_t blen)
{
	for (size_t i = 0; i < alen && i < blen; i++) {
		uint16_t x = upcase(a[i]), y = upcase(b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

bool fs_match(const uint16_t *pat, size_t plen, const uint16_t *name, size_t nlen)
{
	if ((plen == 3 && pat[0] == '*' && pat[1] == '.' && pat[2] == '*') || (plen == 1 && pat[0] == '*'))
		return true;
	/* Greedy with one backtrack point: the last '*' seen. */
	size_t p = 0, n = 0, star = (size_t)-1, mark = 0;
	while (n < nlen) {
		uint16_t pc = p < plen ? pat[p] : 0;
		if (pc == '<')
			pc = '*';
		else if (pc == '>')
			pc = '?';
		else if (pc == '"')
			pc = '.';
		if (p < plen && pc == '*') {
			star = p++;
			mark = n;
		} else if (p < plen && (pc == '?' || upcase(pc) == upcase(name[n]))) {
			p++;
			n++;
		} else if (star != (size_t)-1) {
			p = star + 1;
			n = ++mark;
		} else {
			return false;
		}
	}
	while (p < plen && (pat[p] == '*' || pat[p] == '<'))
		p++;
	return p == plen;
}

static bool valid_char(uint16_t c)
{
	if (c < 0x20)
		return false;
	for (const char *bad = "\"*:<>?|\\/"; *bad; bad++)
		if (c == (uint16_t)*bad)
			return false;
	return true;
}

static bool valid_name(const uint16_t *name, size_t len)
{
	if (!len || len > FS_NAME_MAX)
		return false;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!valid_char(name[i]))
			return false;
	return true;
}

struct fs_node *fs_child(struct fs_node *dir, const uint16_t *name, size_t len)
{
	for (struct fs_node *c = dir->children; c; c = c->next) {
		int r = fs_name_cmp(c->name, c->name_len, name, len);
		if (!r)
			return c;
		if (r > 0)
			break; /* sorted: it would have come already */
	}
	return NULL;
}

static void link_child(struct fs_node *dir, struct fs_node *n)
{
	struct fs_node **pp = &dir->children;
	while (*pp && fs_name_cmp((*pp)->name, (*pp)->name_len, n->name, n->name_len) < 0)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
	n->parent = dir;
}

static void unlink_child(struct fs_node *n)
{
	for (struct fs_node **pp = &n->parent->children; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	}
	n->parent = NULL;
	n->next = NULL;
}

nt_status fs_create(struct fs_node *dir, const uint16_t *name, size_t len, bool is_dir, struct fs_node **out)
{
	if (!dir->dir)
		return NT_STATUS_OBJECT_PATH_NOT_FOUND;
	if (!valid_name(name, len))
		return NT_STATUS_OBJECT_NAME_INVALID;
	if (fs_child(dir, name, len))
		return NT_STATUS_OBJECT_NAME_COLLISION;
	struct fs_node *n = kzalloc(sizeof *n);
	if (!n)
		return NT_STATUS_NO_MEMORY;
	memcpy(n->name, name, len * 2);
	n->name_len = (uint16_t)len;
	n->dir = is_dir;
	n->attributes = is_dir ? NT_FILE_ATTRIBUTE_DIRECTORY : NT_FILE_ATTRIBUTE_ARCHIVE;
	n->refs = 1;
	n->id = next_id++;
	link_child(dir, n);
	*out = n;
	return NT_STATUS_SUCCESS;
}

/* ---- paths ---- */

struct comp {
	uint16_t off, len;
};

struct parsed {
	struct fs_node *start;
	struct comp *c; /* kmalloc'd */
	size_t n;
	bool trailing;
};

static bool is_sep(uint16_t c) { return c == '\\' || c == '/'; }

static bool has_prefix(const uint16_t *p, size_t len, const char *pre)
{
	size_t n = strlen(pre);
	if (len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint16_t)pre[i])
			return false;
	return true;
}

/* Splits the path into components with "." dropped and ".." applied. */
static nt_status parse(struct fs_node *base, const uint16_t *path, size_t len, struct parsed *out)
{
	if (len > FS_PATH_MAX)
		return NT_STATUS_OBJECT_NAME_INVALID;
	size_t i = 0;
	bool absolute = false;
	if (has_prefix(path, len, "\\??\\") || has_prefix(path, len, "\\\\?\\") || has_prefix(path, len, "\\\\.\\")) {
		i = 4;
		absolute = true;
		if (len - i < 2 || path[i + 1] != ':')
			return NT_STATUS_OBJECT_PATH_NOT_FOUND; /* no such device */
	}
	if (len - i >= 2 && path[i + 1] == ':') {
		uint16_t d = upcase(path[i]);
		if (d < 'A' || d > 'Z')
			return NT_STATUS_OBJECT_NAME_INVALID;
		if (d != 'C')
			return NT_STATUS_OBJECT_PATH_NOT_FOUND;
		i += 2;
		absolute = true;
	}
	if (i < len && is_sep(path[i]))
		absolute = true;
	struct fs_node *start = absolute || !base ? &root : base;
	out->c = kmalloc(sizeof(struct comp) * (len / 2 + 1));
	if (!out->c)
		return NT_STATUS_NO_MEMORY;
	out->n = 0;
	out->trailing = false;
	while (i < len) {
		while (i < len && is_sep(path[i]))
			i++;
		size_t s = i;
		while (i < len && !is_sep(path[i]))
			i++;
		size_t n = i - s;
		if (!n)
			break;
		out->trailing = i < len;
		if (n == 1 && path[s] == '.')
			continue;
		if (n == 2 && path[s] == '.' && path[s + 1] == '.') {
			if (out->n)
				out->n--;
			else if (start->parent)
				start = start->parent; /* relative to a directory handle */
			continue;
		}
		if (n > FS_NAME_MAX)
			goto invalid;
		for (size_t k = s; k < i; k++)
			if (!valid_char(path[k]))
				goto invalid;
		out->c[out->n++] = (struct comp){(uint16_t)s, (uint16_t)n};
	}
	out->start = start;
	return NT_STATUS_SUCCESS;
invalid:
	kfree(out->c);
	return NT_STATUS_OBJECT_NAME_INVALID;
}

/* Walks the first count components from the start. */
static nt_status walk(const struct parsed *p, const uint16_t *path, size_t count, struct fs_node **out)
{
	struct fs_node *n = p->start;
	for (size_t k = 0; k < count; k++) {
		if (!n->dir)
			return NT_STATUS_OBJECT_PATH_NOT_FOUND;
		struct fs_node *c = fs_child(n, path + p->c[k].off, p->c[k].len);
		if (!c)
			return k + 1 == p->n ? NT_STATUS_OBJECT_NAME_NOT_FOUND : NT_STATUS_OBJECT_PATH_NOT_FOUND;
		n = c;
	}
	*out = n;
	return NT_STATUS_SUCCESS;
}

nt_status fs_lookup(struct fs_node *base, const uint16_t *path, size_t len, struct fs_node **out, bool *trailing_sep)
{
	struct parsed p;
	nt_status st = parse(base, path, len, &p);
	if (st)
		return st;
	struct fs_node *n;
	st = walk(&p, path, p.n, &n);
	if (!st) {
		fs_node_ref(n);
		*out = n;
		if (trailing_sep)
			*trailing_sep = p.trailing;
	}
	kfree(p.c);
	return st;
}

nt_status fs_lookup_parent(struct fs_node *base, const uint16_t *path, size_t len, struct fs_node **dir,
			   const uint16_t **leaf, size_t *leaf_len, bool *trailing_sep)
{
	struct parsed p;
	nt_status st = parse(base, path, len, &p);
	if (st)
		return st;
	if (!p.n) {
		kfree(p.c);
		return NT_STATUS_OBJECT_NAME_INVALID;
	}
	struct fs_node *n;
	st = walk(&p, path, p.n - 1, &n);
	if (st == NT_STATUS_OBJECT_NAME_NOT_FOUND)
		st = NT_STATUS_OBJECT_PATH_NOT_FOUND;
	if (!st && !n->dir)
		st = NT_STATUS_OBJECT_PATH_NOT_FOUND;
	if (!st) {
		fs_node_ref(n);
		*dir = n;
		*leaf = path + p.c[p.n - 1].off;
		*leaf_len = p.c[p.n - 1].len;
		if (trailing_sep)
			*trailing_sep = p.trailing;
	}
	kfree(p.c);
	return st;
}

size_t fs_node_path(struct fs_node *n, uint16_t *buf, size_t cap)
{
	if (n == &root) {
		if (cap)
			buf[0] = '\\';
		return 1;
	}
	size_t total = 0;
	for (struct fs_node *m = n; m && m != &root; m = m->parent)
		total += 1 + m->name_len;
	size_t end = total;
	for (struct fs_node *m = n; m && m != &root; m = m->parent) {
		end -= m->name_len;
		for (size_t k = 0; k < m->name_len; k++)
			if (end + k < cap)
				buf[end + k] = m->name[k];
		end--;
		if (end < cap)
			buf[end] = '\\';
	}
	return total;
}

/* ---- contents ---- */

uint64_t fs_read(struct fs_node *n, uint64_t off, void *buf, uint64_t len)
{
	if (n->dir || off >= n->size)
		return 0;
	if (len > n->size - off)
		len = n->size - off;
	memcpy(buf, (n->data ? n->data : n->seed) + off, len);
	return len;
}

/* Files larger than this are refused (STATUS_DISK_FULL): RAM is small. */
#define FS_FILE_MAX (256ull << 20)

uint8_t *fs_writable(struct fs_node *n, uint64_t size)
{
	if (size > FS_FILE_MAX)
		return NULL;
	if (!n->data || size > n->cap) {
		uint64_t cap = n->cap * 2;
		if (cap < size)
			cap = size;
		if (cap < 64)
			cap = 64;
		uint8_t *d = kmalloc(cap);
		if (!d)
			return NULL;
		const uint8_t *old = n->data ? n->data : n->seed;
		if (n->size)
			memcpy(d, old, n->size);
		kfree(n->data);
		n->data = d;
		n->cap = cap;
		n->seed = NULL;
	}
	if (size > n->size)
		memset(n->data + n->size, 0, size - n->size);
	return n->data;
}

nt_status fs_set_size(struct fs_node *n, uint64_t size)
{
	if (n->dir)
		return NT_STATUS_INVALID_PARAMETER;
	if (size > n->size && !fs_writable(n, size))
		return NT_STATUS_DISK_FULL;
	if (!size) {
		/* Truncation to nothing returns the memory (and drops the seed). */
		kfree(n->data);
		n->data = NULL;
		n->seed = NULL;
		n->cap = 0;
	}
	n->size = size;
	return NT_STATUS_SUCCESS;
}

nt_status fs_unlink(struct fs_node *n)
{
	if (n == &root || !n->parent)
		return NT_STATUS_ACCESS_DENIED;
	if (n->dir && n->children)
		return NT_STATUS_DIRECTORY_NOT_EMPTY;
	unlink_child(n);
	fs_node_unref(n); /* the tree's reference */
	return NT_STATUS_SUCCESS;
}

nt_status fs_rename(struct fs_node *n, struct fs_node *dir, const uint16_t *name, size_t len, bool replace)
{
	if (n == &root || !n->parent)
		return NT_STATUS_ACCESS_DENIED;
	if (!dir->dir)
		return NT_STATUS_OBJECT_PATH_NOT_FOUND;
	if (!valid_name(name, len))
		return NT_STATUS_OBJECT_NAME_INVALID;
	for (struct fs_node *m = dir; m; m = m->parent)
		if (m == n)
			return NT_STATUS_INVALID_PARAMETER; /* into itself */
	struct fs_node *old = fs_child(dir, name, len);
	if (old && old != n) {
		if (!replace)
			return NT_STATUS_OBJECT_NAME_COLLISION;
		if (old->dir || old->opens)
			return NT_STATUS_ACCESS_DENIED;
		fs_unlink(old);
	}
	unlink_child(n);
	memcpy(n->name, name, len * 2);
	n->name_len = (uint16_t)len;
	link_child(dir, n);
	return NT_STATUS_SUCCESS;
}

uint64_t fs_bytes_used(void)
{
	uint64_t total = 0;
	/* Depth first without recursion: down to children, then along and up. */
	struct fs_node *n = &root;
	for (;;) {
		total += n->size;
		if (n->children) {
			n = n->children;
			continue;
		}
		while (n != &root && !n->next)
			n = n->parent;
		if (n == &root)
			return total;
		n = n->next;
	}
}

/* ---- boot and the loader's view ---- */

/* Decodes UTF-8 into UTF-16 (BMP only; other sequences become '?'). */
static size_t utf8_to_16(const char *s, size_t slen, uint16_t *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < slen && n < cap;) {
		uint8_t c = (uint8_t)s[i];
		uint32_t cp = '?';
		size_t k = 1;
		if (c < 0x80)
			cp = c;
		else if ((c & 0xE0) == 0xC0 && i + 1 < slen)
			cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F), k = 2;
		else if ((c & 0xF0) == 0xE0 && i + 2 < slen)
			cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F), k = 3;
		else if ((c & 0xF8) == 0xF0)
			k = 4;
		out[n++] = (uint16_t)cp;
		i += k;
	}
	return n;
}

/* Finds or makes the directory chain for one initrd path, then the node. */
static void seed_one(const struct initrd_node *in)
{
	struct fs_node *dir = &root;
	const char *p = in->path;
	uint16_t name[FS_NAME_MAX];
	for (;;) {
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t len = utf8_to_16(p, (size_t)(e - p), name, FS_NAME_MAX);
		bool last = !*e;
		struct fs_node *c = fs_child(dir, name, len);
		if (!c && fs_create(dir, name, len, !last || in->dir, &c)) {
			kprintf("fs: cannot add %s\n", in->path);
			return;
		}
		if (last) {
			if (!c->dir) {
				c->seed = in->data;
				c->size = in->size;
			}
			return;
		}
		if (!c->dir)
			return;
		dir = c;
		p = e + 1;
	}
}

void fs_init(void)
{
	int n = initrd_count();
	for (int i = 0; i < n; i++)
		seed_one(initrd_at(i));
	kprintf("fs: C: drive with %d initrd entries, %lu bytes\n", n, fs_bytes_used());
}

nt_status fs_file_data(const uint16_t *path, size_t len, const uint8_t **data, uint64_t *size)
{
	fs_lock();
	struct fs_node *n;
	nt_status st = fs_lookup(NULL, path, len, &n, NULL);
	if (!st) {
		if (n->dir) {
			st = NT_STATUS_FILE_IS_A_DIRECTORY;
		} else {
			*data = n->data ? n->data : n->seed;
			*size = n->size;
		}
		fs_node_unref(n);
	}
	fs_unlock();
	return st;
}

nt_status fs_file_data_ascii(const char *path, const uint8_t **data, uint64_t *size)
{
	size_t len = strlen(path);
	if (len > FS_PATH_MAX)
		return NT_STATUS_OBJECT_NAME_INVALID;
	uint16_t *w = kmalloc((len + 1) * 2);
	if (!w)
		return NT_STATUS_NO_MEMORY;
	for (size_t i = 0; i < len; i++)
		w[i] = (uint8_t)path[i];
	nt_status st = fs_file_data(w, len, data, size);
	kfree(w);
	return st;
}
