/*
 * The PE32+ loader. Each image is built in physically contiguous pages
 * through the kernel's direct map (headers and sections copied, relocated,
 * imports bound), and only then mapped into the process with its section
 * protections: the process never sees a half-bound writable image.
 * Every offset read from a file or image is bounds-checked: a malformed
 * image gives STATUS_INVALID_IMAGE_FORMAT, never a kernel fault.
 */
#include "nt/pe.h"
#include "fs/fs.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "nt/debug.h"
#include "nt/memory.h"
#include "nt/process.h"

#define MAX_MODULES 32
#define NAME_MAX 64
#define PATH_MAX 260
#define MAX_IMAGE (256ull << 20)
#define MAX_FORWARD_DEPTH 16

char nt_pe_last_error[200];

struct mod {
	uint16_t name[NAME_MAX]; /* lower case: "kernel32.dll" */
	size_t name_len;
	uint16_t path[PATH_MAX]; /* DOS path */
	size_t path_len;
	uint8_t *img; /* kernel view of the image */
	uint64_t phys, npages;
	uint64_t base, size, entry;
	bool dll, mapped, visited;
	struct nt_region *region;
	uint32_t tls_index;
	uint64_t tls_callbacks;
	uint8_t deps[MAX_MODULES];
	int ndeps;
};

struct loader {
	struct nt_process *p;
	struct mod m[MAX_MODULES];
	int count;
	char exe[PATH_MAX]; /* DOS path of the .exe, for messages */
};

/* PE structures, as far as the loader reads them. */
struct pe_file_header {
	uint16_t machine, sections;
	uint32_t timestamp, symtab, nsyms;
	uint16_t opt_size, characteristics;
};
struct pe_dir {
	uint32_t rva, size;
};
struct pe_opt64 {
	uint16_t magic;
	uint8_t lmajor, lminor;
	uint32_t code_size, data_size, bss_size, entry, code_base;
	uint64_t image_base;
	uint32_t section_align, file_align;
	uint16_t os_major, os_minor, img_major, img_minor, ss_major, ss_minor;
	uint32_t win32_ver, image_size, headers_size, checksum;
	uint16_t subsystem, dll_chars;
	uint64_t stack_reserve, stack_commit, heap_reserve, heap_commit;
	uint32_t loader_flags, ndirs;
	struct pe_dir dir[16];
};
struct pe_section {
	char name[8];
	uint32_t vsize, rva, raw_size, raw_ptr, reloc_ptr, line_ptr;
	uint16_t nrelocs, nlines;
	uint32_t characteristics;
};
struct pe_export_dir {
	uint32_t characteristics, timestamp;
	uint16_t major, minor;
	uint32_t name, base, nfuncs, nnames, funcs, names, ordinals;
};
struct pe_import_desc {
	uint32_t ilt, timestamp, forwarder_chain, name, iat;
};
struct pe_tls_dir {
	uint64_t start, end, index_addr, callbacks;
	uint32_t zero_fill, characteristics;
};

#define DIR_EXPORT 0
#define DIR_IMPORT 1
#define DIR_RELOC 5
#define DIR_TLS 9
#define IMAGE_FILE_RELOCS_STRIPPED 0x0001
#define IMAGE_FILE_DLL 0x2000
#define SCN_EXECUTE 0x20000000u
#define SCN_READ 0x40000000u
#define SCN_WRITE 0x80000000u

/* ---- small helpers ---- */

static size_t ascii_len(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static uint16_t wlower(uint16_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static bool wieq(const uint16_t *a, size_t an, const uint16_t *b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (wlower(a[i]) != wlower(b[i]))
			return false;
	return true;
}

/* A failure: prints and records the reason, returns status. */
__attribute__((format(printf, 3, 4))) static nt_status failf(struct loader *L, nt_status status,
							     const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	kprintf("nt: cannot start %s: %s\n", L->exe, why);
	size_t n = ascii_len(why);
	if (n >= sizeof nt_pe_last_error)
		n = sizeof nt_pe_last_error - 1;
	memcpy(nt_pe_last_error, why, n);
	nt_pe_last_error[n] = 0;
	return status;
}

static void mod_name(const struct mod *m, char *buf, size_t cap) { nt_w_to_ascii(buf, cap, m->name, m->name_len); }

/* A pointer to [rva, rva + len) of m's image, or NULL when outside it. */
static void *at(const struct mod *m, uint64_t rva, uint64_t len)
{
	if (rva > m->size || len > m->size - rva)
		return NULL;
	return m->img + rva;
}

/* A NUL-terminated string at rva inside m's image, or NULL. */
static const char *str_at(const struct mod *m, uint64_t rva)
{
	if (rva >= m->size)
		return NULL;
	for (uint64_t i = rva; i < m->size; i++)
		if (!m->img[i])
			return (const char *)m->img + rva;
	return NULL;
}

static const struct pe_opt64 *opt_of(const struct mod *m)
{
	uint32_t lfanew = *(const uint32_t *)(m->img + 0x3c);
	return (const struct pe_opt64 *)(m->img + lfanew + 4 + sizeof(struct pe_file_header));
}

/* The data directory d, or {0, 0} when absent or outside the image. */
static struct pe_dir dir_of(const struct mod *m, int d)
{
	const struct pe_opt64 *o = opt_of(m);
	struct pe_dir r = {0, 0};
	if ((uint32_t)d < o->ndirs && o->dir[d].rva && at(m, o->dir[d].rva, o->dir[d].size))
		r = o->dir[d];
	return r;
}

/* ---- image files ---- */

/* Images come from the C: drive (fs/fs.h); the self-tests swap in their own. */
nt_file_source nt_pe_source = fs_file_data;

/* Checks the headers of a file; NULL when fine, else why not. */
static const char *check_headers(const uint8_t *d, uint64_t n)
{
	if (n < 0x40 || d[0] != 'M' || d[1] != 'Z')
		return "no MZ header";
	uint32_t lfanew = *(const uint32_t *)(d + 0x3c);
	if (lfanew > n || n - lfanew < 4 + sizeof(struct pe_file_header) + sizeof(struct pe_opt64))
		return "PE header outside the file";
	if (memcmp(d + lfanew, "PE\0\0", 4))
		return "no PE signature";
	const struct pe_file_header *fh = (const void *)(d + lfanew + 4);
	if (fh->machine != 0x8664)
		return "not an x86-64 image";
	const struct pe_opt64 *o = (const void *)(fh + 1);
	if (o->magic != 0x20b)
		return "not a PE32+ image";
	if (fh->opt_size < sizeof(struct pe_opt64) - 16 * sizeof(struct pe_dir) + o->ndirs * sizeof(struct pe_dir) ||
	    o->ndirs > 16)
		return "bad optional header size";
	uint64_t sec_off = lfanew + 4 + sizeof *fh + fh->opt_size;
	if (!fh->sections || fh->sections > 96 || sec_off > n || (n - sec_off) / sizeof(struct pe_section) < fh->sections)
		return "section table outside the file";
	if (!o->image_size || o->image_size > MAX_IMAGE || o->headers_size > o->image_size ||
	    o->headers_size > n || sec_off + fh->sections * sizeof(struct pe_section) > o->headers_size)
		return "bad image or header size";
	if (o->image_base & (NT_ALLOC_GRANULARITY - 1) || o->image_base >= NT_VM_HIGH)
		return "bad image base";
	if (o->section_align < PAGE_SIZE || (o->section_align & (o->section_align - 1)))
		return "section alignment below the page size";
	const struct pe_section *s = (const void *)(d + sec_off);
	for (int i = 0; i < fh->sections; i++) {
		uint64_t vsize = s[i].vsize ? s[i].vsize : s[i].raw_size;
		if (s[i].rva < o->headers_size || s[i].rva > o->image_size || vsize > o->image_size - s[i].rva)
			return "section outside the image";
		uint64_t copy = s[i].raw_size < vsize ? s[i].raw_size : vsize;
		if (copy && (s[i].raw_ptr > n || copy > n - s[i].raw_ptr))
			return "section data outside the file";
	}
	if (o->entry >= o->image_size)
		return "entry point outside the image";
	return NULL;
}

static nt_status relocate(struct loader *L, struct mod *m, uint64_t delta)
{
	struct pe_dir d = dir_of(m, DIR_RELOC);
	char nm[NAME_MAX];
	mod_name(m, nm, sizeof nm);
	if (!d.rva || (((const struct pe_file_header *)(m->img + *(uint32_t *)(m->img + 0x3c) + 4))->characteristics &
		       IMAGE_FILE_RELOCS_STRIPPED))
		return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s cannot be loaded at its base and has no relocations",
			     nm);
	for (uint64_t off = 0; off + 8 <= d.size;) {
		const uint32_t *blk = at(m, d.rva + off, 8);
		uint32_t page = blk[0], bsize = blk[1];
		if (bsize < 8 || bsize > d.size - off)
			return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: bad relocation block", nm);
		const uint16_t *e = (const uint16_t *)(blk + 2);
		for (uint32_t i = 0; i < (bsize - 8) / 2; i++) {
			uint32_t type = e[i] >> 12, rva = page + (e[i] & 0xfff);
			if (type == 0) /* ABSOLUTE: padding */
				continue;
			if (type == 10) { /* DIR64 */
				uint64_t *p = at(m, rva, 8);
				if (!p)
					return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: relocation outside the image", nm);
				*p += delta;
			} else if (type == 3) { /* HIGHLOW */
				uint32_t *p = at(m, rva, 4);
				if (!p)
					return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: relocation outside the image", nm);
				*p += (uint32_t)delta;
			} else {
				return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: unsupported relocation type %u", nm, type);
			}
		}
		off += (bsize + 3) & ~3u;
	}
	return NT_STATUS_SUCCESS;
}

/* Maps the file into a new module slot (imports not yet bound). */
static nt_status map_image(struct loader *L, const uint8_t *d, uint64_t n, const uint16_t *name, size_t name_len,
			   const uint16_t *dos_path, size_t path_len, int *out)
{
	char nm[NAME_MAX];
	nt_w_to_ascii(nm, sizeof nm, name, name_len);
	if (L->count == MAX_MODULES)
		return failf(L, NT_STATUS_NO_MEMORY, "more than %d modules", MAX_MODULES);
	const char *why = check_headers(d, n);
	if (why)
		return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s is not a valid PE32+ x86-64 image (%s)", nm, why);
	struct mod *m = &L->m[L->count];
	memset(m, 0, sizeof *m);
	for (size_t i = 0; i < name_len && i < NAME_MAX - 1; i++)
		m->name[i] = wlower(name[i]);
	m->name_len = name_len < NAME_MAX - 1 ? name_len : NAME_MAX - 1;
	m->path_len = path_len < PATH_MAX - 1 ? path_len : PATH_MAX - 1;
	memcpy(m->path, dos_path, m->path_len * 2);
	m->tls_index = ~0u;

	uint32_t lfanew = *(const uint32_t *)(d + 0x3c);
	const struct pe_file_header *fh = (const void *)(d + lfanew + 4);
	const struct pe_opt64 *o = (const void *)(fh + 1);
	m->size = (o->image_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	m->npages = m->size / PAGE_SIZE;
	m->phys = pmm_alloc_contig_user(m->npages);
	if (!m->phys)
		return failf(L, NT_STATUS_NO_MEMORY, "out of memory for %s", nm);
	m->img = phys_to_virt(m->phys);
	memset(m->img, 0, m->size);
	memcpy(m->img, d, o->headers_size);
	const struct pe_section *s = (const void *)((const uint8_t *)o + fh->opt_size);
	for (int i = 0; i < fh->sections; i++) {
		uint64_t vsize = s[i].vsize ? s[i].vsize : s[i].raw_size;
		uint64_t copy = s[i].raw_size < vsize ? s[i].raw_size : vsize;
		if (copy)
			memcpy(m->img + s[i].rva, d + s[i].raw_ptr, copy);
	}
	m->dll = fh->characteristics & IMAGE_FILE_DLL;
	L->count++; /* from here on the failure path frees its pages */
	/* A directory outside the image would be skipped: imports left unbound. */
	static const int used[] = {DIR_EXPORT, DIR_IMPORT, DIR_RELOC, DIR_TLS};
	for (unsigned i = 0; i < sizeof used / sizeof used[0]; i++)
		if ((uint32_t)used[i] < o->ndirs && o->dir[used[i]].rva && !dir_of(m, used[i]).rva)
			return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: data directory %d outside the image", nm,
				     used[i]);

	uint64_t base = o->image_base;
	nt_status st = nt_vm_reserve(L->p, &base, m->size, NT_REGION_IMAGE, &m->region);
	if (st) {
		base = 0;
		st = nt_vm_reserve(L->p, &base, m->size, NT_REGION_IMAGE, &m->region);
		if (st)
			return failf(L, st, "no address space for %s", nm);
	}
	m->base = base;
	if (base != o->image_base) {
		st = relocate(L, m, base - o->image_base);
		if (st)
			return st;
		((struct pe_opt64 *)opt_of(m))->image_base = base;
	}
	m->entry = o->entry ? base + o->entry : 0;
	*out = L->count - 1;
	return NT_STATUS_SUCCESS;
}

/* The module index of DLL `name` (ASCII), loading it on first use. */
static nt_status load_dll(struct loader *L, const char *name, size_t len, int needed_by, int *out)
{
	uint16_t w[NAME_MAX];
	if (!len || len >= NAME_MAX - 4) {
		char by[NAME_MAX];
		mod_name(&L->m[needed_by], by, sizeof by);
		return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s imports a DLL with a bad name", by);
	}
	for (size_t i = 0; i < len; i++)
		w[i] = (uint8_t)name[i];
	size_t wl = len;
	/* "kernel32" means "kernel32.dll" (forwarders name DLLs without it). */
	bool dot = false;
	for (size_t i = 0; i < len; i++)
		dot |= name[i] == '.';
	if (!dot) {
		w[wl++] = '.', w[wl++] = 'd', w[wl++] = 'l', w[wl++] = 'l';
	}
	for (int i = 0; i < L->count; i++)
		if (wieq(L->m[i].name, L->m[i].name_len, w, wl)) {
			*out = i;
			return NT_STATUS_SUCCESS;
		}
	uint16_t path[PATH_MAX];
	size_t pl = nt_ascii_to_w(path, PATH_MAX, NT_SYSTEM32);
	for (size_t i = 0; i < wl; i++)
		path[pl++] = wlower(w[i]);
	path[pl] = 0;
	const uint8_t *d;
	uint64_t n;
	nt_status s = nt_pe_source(path, pl, &d, &n);
	if (s) {
		char nm[NAME_MAX], by[NAME_MAX];
		nt_w_to_ascii(nm, sizeof nm, w, wl);
		mod_name(&L->m[needed_by], by, sizeof by);
		for (char *c = nm; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c += 32;
		return failf(L, NT_STATUS_DLL_NOT_FOUND, "missing DLL %s (needed by %s)", nm, by);
	}
	return map_image(L, d, n, w, wl, path + 4, pl - 4, out);
}

static void add_dep(struct mod *m, int dep)
{
	for (int i = 0; i < m->ndeps; i++)
		if (m->deps[i] == dep)
			return;
	if (m->ndeps < MAX_MODULES)
		m->deps[m->ndeps++] = (uint8_t)dep;
}

/* Resolves an export of module mi by name (name != NULL) or ordinal. */
static nt_status resolve(struct loader *L, int mi, const char *name, uint16_t hint, uint32_t ordinal, int importer,
			 int depth, uint64_t *addr)
{
	struct mod *m = &L->m[mi];
	struct pe_dir d = dir_of(m, DIR_EXPORT);
	const struct pe_export_dir *e = d.rva ? at(m, d.rva, sizeof *e) : NULL;
	const uint32_t *funcs = e ? at(m, e->funcs, (uint64_t)e->nfuncs * 4) : NULL;
	const uint32_t *names = e ? at(m, e->names, (uint64_t)e->nnames * 4) : NULL;
	const uint16_t *ords = e ? at(m, e->ordinals, (uint64_t)e->nnames * 2) : NULL;
	int64_t idx = -1;
	if (funcs && name && names && ords) {
		const char *h = hint < e->nnames ? str_at(m, names[hint]) : NULL;
		if (h && !strcmp(h, name)) {
			idx = ords[hint];
		} else {
			for (uint32_t i = 0; i < e->nnames; i++) {
				const char *s = str_at(m, names[i]);
				if (s && !strcmp(s, name)) {
					idx = ords[i];
					break;
				}
			}
		}
	} else if (funcs && !name && ordinal >= e->base) {
		idx = ordinal - e->base;
	}
	uint32_t rva = idx >= 0 && idx < e->nfuncs ? funcs[idx] : 0;
	if (!rva) {
		char nm[NAME_MAX], by[NAME_MAX];
		mod_name(m, nm, sizeof nm);
		mod_name(&L->m[importer], by, sizeof by);
		if (name)
			return failf(L, NT_STATUS_ENTRYPOINT_NOT_FOUND, "%s has no export %s (imported by %s)", nm, name, by);
		return failf(L, NT_STATUS_ENTRYPOINT_NOT_FOUND, "%s has no export #%u (imported by %s)", nm, ordinal, by);
	}
	if (rva < d.rva || rva >= d.rva + d.size) {
		*addr = m->base + rva;
		return NT_STATUS_SUCCESS;
	}
	/* A forwarder: "dll.func" or "dll.#ordinal". */
	const char *fwd = str_at(m, rva);
	char nm[NAME_MAX];
	mod_name(m, nm, sizeof nm);
	if (!fwd || depth >= MAX_FORWARD_DEPTH)
		return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: bad or looping forwarder", nm);
	const char *dot = NULL;
	for (const char *c = fwd; *c; c++)
		if (*c == '.')
			dot = c;
	if (!dot || dot == fwd || !dot[1])
		return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: bad forwarder %s", nm, fwd);
	int target;
	nt_status s = load_dll(L, fwd, (size_t)(dot - fwd), mi, &target);
	if (s)
		return s;
	add_dep(&L->m[mi], target);
	if (dot[1] == '#') {
		uint32_t ord = 0;
		for (const char *c = dot + 2; *c >= '0' && *c <= '9'; c++)
			ord = ord * 10 + (uint32_t)(*c - '0');
		return resolve(L, target, NULL, 0, ord, mi, depth + 1, addr);
	}
	return resolve(L, target, dot + 1, 0, 0, mi, depth + 1, addr);
}

static nt_status bind_imports(struct loader *L, int mi)
{
	struct pe_dir d = dir_of(&L->m[mi], DIR_IMPORT);
	char nm[NAME_MAX];
	mod_name(&L->m[mi], nm, sizeof nm);
	for (uint64_t off = 0; d.rva; off += sizeof(struct pe_import_desc)) {
		const struct pe_import_desc *id = at(&L->m[mi], d.rva + off, sizeof *id);
		if (!id)
			return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: import table outside the image", nm);
		if (!id->name && !id->iat)
			break;
		const char *dll = str_at(&L->m[mi], id->name);
		if (!dll)
			return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: bad import name", nm);
		int dep;
		nt_status s = load_dll(L, dll, ascii_len(dll), mi, &dep);
		if (s)
			return s;
		add_dep(&L->m[mi], dep);
		uint32_t ilt = id->ilt ? id->ilt : id->iat;
		for (uint64_t i = 0;; i++) {
			const uint64_t *t = at(&L->m[mi], ilt + i * 8, 8);
			uint64_t *slot = at(&L->m[mi], id->iat + i * 8, 8);
			if (!t || !slot)
				return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: import thunks outside the image", nm);
			if (!*t)
				break;
			uint64_t addr;
			if (*t >> 63) {
				s = resolve(L, dep, NULL, 0, (uint16_t)*t, mi, 0, &addr);
			} else {
				const uint16_t *hint = at(&L->m[mi], *t & 0x7fffffff, 2);
				const char *fn = hint ? str_at(&L->m[mi], (*t & 0x7fffffff) + 2) : NULL;
				if (!fn)
					return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: bad import by name", nm);
				s = resolve(L, dep, fn, *hint, 0, mi, 0, &addr);
			}
			if (s)
				return s;
			*slot = addr;
		}
	}
	return NT_STATUS_SUCCESS;
}

static nt_status setup_tls(struct loader *L, struct mod *m)
{
	struct pe_dir d = dir_of(m, DIR_TLS);
	if (!d.rva)
		return NT_STATUS_SUCCESS;
	char nm[NAME_MAX];
	mod_name(m, nm, sizeof nm);
	const struct pe_tls_dir *t = at(m, d.rva, sizeof *t);
	struct nt_process *p = L->p;
	if (!t || t->end < t->start || t->start - m->base > m->size || t->end - m->base > m->size ||
	    !at(m, t->index_addr - m->base, 4) || (t->callbacks && !at(m, t->callbacks - m->base, 8)))
		return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "%s: bad TLS directory", nm);
	if (p->tls_count == NT_MAX_TLS)
		return failf(L, NT_STATUS_NO_MEMORY, "%s: too many modules with TLS", nm);
	m->tls_index = p->tls_count;
	p->tls[p->tls_count++] = (struct nt_tls_template){
		.start = t->start, .size = t->end - t->start, .zero_fill = t->zero_fill, .index = m->tls_index};
	*(uint32_t *)at(m, t->index_addr - m->base, 4) = m->tls_index;
	if (t->callbacks && *(const uint64_t *)at(m, t->callbacks - m->base, 8))
		m->tls_callbacks = t->callbacks;
	return NT_STATUS_SUCCESS;
}

/* Maps m's pages into the process with the protections of their sections. */
/* Maps m's pages into the process; on running out of memory for a page
 * table the pages not mapped yet are freed here, the others go with the region. */
static nt_status map_pages(struct loader *L, struct mod *m)
{
	uint32_t lfanew = *(const uint32_t *)(m->img + 0x3c);
	const struct pe_file_header *fh = (const void *)(m->img + lfanew + 4);
	const struct pe_section *s = (const void *)((const uint8_t *)(fh + 1) + fh->opt_size);
	/* Section bits per page, unioned where sections share a page. */
	uint32_t *bits = kzalloc(m->npages * 4);
	for (int i = 0; bits && i < fh->sections; i++) {
		uint64_t vsize = s[i].vsize ? s[i].vsize : s[i].raw_size;
		for (uint64_t pg = s[i].rva / PAGE_SIZE; pg < m->npages && pg * PAGE_SIZE < s[i].rva + vsize; pg++)
			bits[pg] |= s[i].characteristics;
	}
	for (uint64_t pg = 0; pg < m->npages; pg++) {
		uint32_t c = bits ? bits[pg] : SCN_READ | SCN_WRITE | SCN_EXECUTE;
		uint8_t prot = c & SCN_EXECUTE ? (c & SCN_WRITE ? NT_PAGE_EXECUTE_READWRITE : NT_PAGE_EXECUTE_READ)
					       : (c & SCN_WRITE ? NT_PAGE_READWRITE : NT_PAGE_READONLY);
		m->region->prot[pg] = prot;
		L->p->committed++;
		if (nt_vm_map_page(L->p, m->region, m->base + pg * PAGE_SIZE, m->phys + pg * PAGE_SIZE)) {
			L->p->resident++;
		} else {
			pmm_free_contig(m->phys + pg * PAGE_SIZE, m->npages - pg);
			kfree(bits);
			m->mapped = true;
			return NT_STATUS_NO_MEMORY;
		}
	}
	kfree(bits);
	m->mapped = true;
	/* Visible in the process at its final base: tell a listening recorder. */
	dbg_image_mapped(L->p->proc.pml4, m->base, m->size, m->name, m->name_len);
	return NT_STATUS_SUCCESS;
}

static void visit(struct loader *L, int i, uint32_t *order, uint32_t *n)
{
	struct mod *m = &L->m[i];
	if (m->visited)
		return;
	m->visited = true;
	for (int d = 0; d < m->ndeps; d++)
		visit(L, m->deps[d], order, n);
	if (m->dll)
		order[(*n)++] = (uint32_t)i;
}

/* Writes struct nt_loader_data with its modules, init order and names. */
static nt_status write_loader_data(struct loader *L, uint64_t *out)
{
	uint64_t size = sizeof(struct nt_loader_data) + L->count * (sizeof(struct nt_module) + 4);
	for (int i = 0; i < L->count; i++)
		size += (L->m[i].name_len + 1 + L->m[i].path_len + 1) * 2;
	uint8_t *buf = kzalloc(size);
	if (!buf)
		return NT_STATUS_NO_MEMORY;
	uint64_t va = 0;
	nt_status s = nt_vm_alloc_now(L->p, &va, size, NT_PAGE_READWRITE, NT_REGION_PRIVATE);
	if (s) {
		kfree(buf);
		return s;
	}
	struct nt_loader_data *ld = (void *)buf;
	struct nt_module *mods = (void *)(ld + 1);
	uint32_t *order = (void *)(mods + L->count);
	uint64_t str = sizeof *ld + L->count * (sizeof *mods + 4);
	/* ntdll initializes first, then dependencies before their users. */
	uint32_t n = 0;
	for (int i = 0; i < L->count; i++)
		if (wieq(L->m[i].name, L->m[i].name_len, u"ntdll.dll", 9))
			visit(L, i, order, &n);
	visit(L, 0, order, &n);
	for (int i = 0; i < L->count; i++)
		visit(L, i, order, &n);
	for (int i = 0; i < L->count; i++) {
		struct mod *m = &L->m[i];
		mods[i] = (struct nt_module){.base = m->base, .size = m->size, .entry = m->entry, .is_dll = m->dll,
					     .tls_index = m->tls_index, .tls_callbacks = m->tls_callbacks};
		mods[i].name = va + str;
		memcpy(buf + str, m->name, m->name_len * 2);
		str += (m->name_len + 1) * 2;
		mods[i].path = va + str;
		memcpy(buf + str, m->path, m->path_len * 2);
		str += (m->path_len + 1) * 2;
	}
	ld->count = (uint32_t)L->count;
	ld->init_count = n;
	ld->modules = va + sizeof *ld;
	ld->init_order = va + sizeof *ld + L->count * sizeof *mods;
	ld->exe_entry = L->m[0].entry;
	nt_vm_write(L->p, va, buf, size);
	kfree(buf);
	*out = va;
	return NT_STATUS_SUCCESS;
}

static nt_status load(struct loader *L, const uint16_t *path, size_t len, struct nt_pe_result *out)
{
	/* The DOS path ("C:\...") names the .exe in messages and in its module entry. */
	const uint16_t *dos = path;
	size_t dos_len = len;
	if (len >= 4 && path[0] == '\\' && path[1] == '?' && path[2] == '?' && path[3] == '\\')
		dos += 4, dos_len -= 4;
	nt_w_to_ascii(L->exe, sizeof L->exe, dos, dos_len);
	const uint8_t *d;
	uint64_t n;
	nt_status s = nt_pe_source(path, len, &d, &n);
	if (s)
		return failf(L, s, "file not found");
	size_t base = dos_len;
	while (base && dos[base - 1] != '\\' && dos[base - 1] != '/')
		base--;
	int exe;
	s = map_image(L, d, n, dos + base, dos_len - base, dos, dos_len, &exe);
	if (s)
		return s;
	if (L->m[0].dll)
		return failf(L, NT_STATUS_INVALID_IMAGE_FORMAT, "it is a DLL, not a program");
	nt_w_to_ascii(L->p->name, sizeof L->p->name, L->m[0].name, L->m[0].name_len);
	/* ntdll is always there: the first thread starts in it. */
	int ntdll;
	s = load_dll(L, "ntdll.dll", 9, 0, &ntdll);
	if (s)
		return s;
	/* Bind in load order: binding may load more DLLs, which join the loop. */
	for (int i = 0; i < L->count; i++)
		if ((s = bind_imports(L, i)))
			return s;
	for (int i = 0; i < L->count; i++)
		if ((s = setup_tls(L, &L->m[i])))
			return s;
	uint64_t thunk;
	s = resolve(L, ntdll, "LdrInitializeThunk", 0, 0, 0, 0, &thunk);
	if (s)
		return s;
	for (int i = 0; i < L->count; i++)
		if ((s = map_pages(L, &L->m[i])))
			return failf(L, s, "out of memory for the page tables");
	s = write_loader_data(L, &out->loader_data);
	if (s)
		return failf(L, s, "out of memory for the loader data");
	out->exe_base = L->m[0].base;
	out->exe_entry = L->m[0].entry;
	out->ldr_thunk = thunk;
	return NT_STATUS_SUCCESS;
}

nt_status nt_pe_load(struct nt_process *p, const uint16_t *path, size_t len, struct nt_pe_result *out)
{
	struct loader *L = kzalloc(sizeof *L);
	if (!L)
		return NT_STATUS_NO_MEMORY;
	L->p = p;
	nt_pe_last_error[0] = 0;
	nt_status s = load(L, path, len, out);
	/* Images never mapped are not in the page tables: free their pages here. */
	for (int i = 0; i < L->count; i++)
		if (!L->m[i].mapped)
			pmm_free_contig(L->m[i].phys, L->m[i].npages);
	kfree(L);
	return s;
}
