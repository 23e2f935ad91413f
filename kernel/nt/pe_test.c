#include "nt/pe.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "nt/debug.h"
#include "nt/memory.h"
#include "nt/process.h"
#include "test/selftest.h"

/* The images nt/test_images.S embeds (built from nt/testdata/). */
#define IMAGES(X) X(ntdll, "ntdll.dll") X(tdep, "tdep.dll") X(texe, "texe.exe") X(tfault, "tfault.exe") \
	X(tmissing, "tmissing.exe") X(tnoexp, "tnoexp.exe") X(tav, "tav.exe") X(tstack, "tstack.exe") \
	X(tspin, "tspin.exe")
#define DECLARE(sym, file) extern const uint8_t nt_test_##sym##_start[], nt_test_##sym##_end[];
IMAGES(DECLARE)

static const struct {
	const char *name;
	const uint8_t *start, *end;
} images[] = {
#define ENTRY(sym, file) {file, nt_test_##sym##_start, nt_test_##sym##_end},
	IMAGES(ENTRY)
};

/* A malformed image served under this name. */
static uint8_t bad[512];

/* Serves the embedded images by their last path component. */
static nt_status test_source(const uint16_t *path, size_t len, const uint8_t **data, uint64_t *size)
{
	size_t b = len;
	while (b && path[b - 1] != '\\')
		b--;
	char name[64];
	nt_w_to_ascii(name, sizeof name, path + b, len - b);
	for (char *c = name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c += 32;
	if (!strcmp(name, "bad.exe")) {
		*data = bad;
		*size = sizeof bad;
		return NT_STATUS_SUCCESS;
	}
	for (unsigned i = 0; i < sizeof images / sizeof images[0]; i++)
		if (!strcmp(name, images[i].name)) {
			*data = images[i].start;
			*size = (uint64_t)(images[i].end - images[i].start);
			return NT_STATUS_SUCCESS;
		}
	return NT_STATUS_OBJECT_NAME_NOT_FOUND;
}

/* An NT process shell with an address space, for loading without running. */
static struct nt_process *shell(void)
{
	struct nt_process *p = kzalloc(sizeof *p);
	p->proc.pml4 = vmm_new_space();
	p->proc.nt = p;
	return p;
}

static void shell_free(struct nt_process *p)
{
	nt_vm_free_all(p);
	vmm_free_space(p->proc.pml4);
	kfree(p);
}

static nt_status load(struct nt_process *p, const char *exe, struct nt_pe_result *r)
{
	uint16_t path[64];
	size_t n = nt_ascii_to_w(path, 64, "\\??\\C:\\test\\");
	n += nt_ascii_to_w(path + n, 64 - n, exe);
	nt_file_source saved = nt_pe_source;
	nt_pe_source = test_source;
	nt_status s = nt_pe_load(p, path, n, r);
	nt_pe_source = saved;
	return s;
}

/* texe.exe with ntdll.dll and tdep.dll: both DLLs want the same base, so
 * tdep is relocated; modules, init order, TLS and entry are recorded. */
const char *test_nt_pe_load(void)
{
	struct nt_process *p = shell();
	struct nt_pe_result r;
	nt_status s = load(p, "texe.exe", &r);
	const char *why = NULL;
	struct nt_loader_data ld;
	struct nt_module m[3];
	uint32_t order[3];
	if (s) {
		why = fail("load failed: %x (%s)", (unsigned)s, nt_pe_last_error);
		goto out;
	}
	if (!nt_vm_read(p, r.loader_data, &ld, sizeof ld) || ld.count != 3 || ld.init_count != 2 ||
	    !nt_vm_read(p, ld.modules, m, sizeof m) || !nt_vm_read(p, ld.init_order, order, sizeof order)) {
		why = fail("loader data unreadable or %u modules", ld.count);
		goto out;
	}
	/* Load order: the .exe, ntdll (always), then tdep. */
	if (m[0].base != 0x140000000 || m[0].is_dll || m[1].base != 0x7ff600000 || m[2].base == 0x7ff600000 ||
	    (m[2].base & 0xffff) || !m[2].is_dll) {
		why = fail("bases %lx %lx %lx", m[0].base, m[1].base, m[2].base);
		goto out;
	}
	if (order[0] != 1 || order[1] != 2 || ld.exe_entry != m[0].entry || r.exe_base != m[0].base) {
		why = fail("init order %u %u, entry %lx", order[0], order[1], ld.exe_entry);
		goto out;
	}
	if (m[0].tls_index != 0 || !m[0].tls_callbacks || m[1].tls_index != ~0u || p->tls_count != 1) {
		why = fail("TLS index %u callbacks %lx", m[0].tls_index, m[0].tls_callbacks);
		goto out;
	}
	uint16_t name[9];
	if (!nt_vm_read(p, m[2].name, name, sizeof name) || name[0] != 't' || name[7] != 'l' || name[8]) {
		why = fail("module name not \"tdep.dll\"");
		goto out;
	}
	/* Code is read-only and executable, data is not executable. */
	int level;
	uint64_t code = vmm_lookup(p->proc.pml4, m[1].base + 0x1000, &level);
	uint64_t hdr = vmm_lookup(p->proc.pml4, m[1].base, &level);
	if (!code || (code & (PTE_W | PTE_NX)) || !(code & PTE_U) || !hdr || (hdr & PTE_W) || !(hdr & PTE_NX))
		why = fail("protections: code %lx headers %lx", code, hdr);
out:
	shell_free(p);
	return why;
}

/* Loading texe.exe announces its three images in the new address space;
 * the last record sent is tdep.dll's, at its relocated base. */
const char *test_nt_pe_image_events(void)
{
	struct nt_process *p = shell();
	struct nt_pe_result r;
	uint64_t before = dbg_image_count();
	nt_status s = load(p, "texe.exe", &r);
	const char *why = NULL;
	struct nt_loader_data ld;
	struct nt_module m[3];
	const struct dbg_image_record *e = dbg_image_last();
	if (s) {
		why = fail("load failed: %x (%s)", (unsigned)s, nt_pe_last_error);
	} else if (!nt_vm_read(p, r.loader_data, &ld, sizeof ld) || ld.count != 3 ||
		   !nt_vm_read(p, ld.modules, m, sizeof m)) {
		why = fail("loader data unreadable");
	} else if (dbg_image_count() - before != 3) {
		why = fail("%lu notifications, want 3", (unsigned long)(dbg_image_count() - before));
	} else if (e->magic != DBG_IMAGE_MAGIC || e->version != DBG_IMAGE_VERSION || e->cr3 != p->proc.pml4 ||
		   e->base != m[2].base || e->size != m[2].size) {
		why = fail("record %x v%u cr3 %lx base %lx size %lx, want cr3 %lx base %lx size %lx", e->magic,
			   e->version, e->cr3, e->base, e->size, p->proc.pml4, m[2].base, m[2].size);
	} else {
		static const char want[] = "tdep.dll";
		bool ok = e->name_len == sizeof want - 1;
		for (unsigned i = 0; ok && i < DBG_NAME_MAX; i++)
			ok = e->name[i] == (i < sizeof want - 1 ? (uint16_t)want[i] : 0);
		if (!ok)
			why = fail("record name is not \"tdep.dll\" zero-padded (length %u)", e->name_len);
	}
	shell_free(p);
	return why;
}

static const char *expect_failure(const char *exe, nt_status want, const char *msg)
{
	struct nt_process *p = shell();
	struct nt_pe_result r;
	nt_status s = load(p, exe, &r);
	shell_free(p);
	if (s != want)
		return fail("%s: status %x, want %x", exe, (unsigned)s, (unsigned)want);
	if (strcmp(nt_pe_last_error, msg))
		return fail("%s: \"%s\", want \"%s\"", exe, nt_pe_last_error, msg);
	return NULL;
}

const char *test_nt_pe_missing_dll(void)
{
	return expect_failure("tmissing.exe", NT_STATUS_DLL_NOT_FOUND, "missing DLL nosuch.dll (needed by tmissing.exe)");
}

const char *test_nt_pe_missing_export(void)
{
	return expect_failure("tnoexp.exe", NT_STATUS_ENTRYPOINT_NOT_FOUND,
			      "tdep.dll has no export Missing (imported by tnoexp.exe)");
}

/* Truncated and corrupted headers are refused, never followed. */
const char *test_nt_pe_malformed(void)
{
	const char *why;
	memset(bad, 0, sizeof bad);
	if ((why = expect_failure("bad.exe", NT_STATUS_INVALID_IMAGE_FORMAT, "bad.exe is not a valid PE32+ x86-64 image (no MZ header)")))
		return why;
	/* texe's headers with the section table pointing past the end of the file. */
	memcpy(bad, nt_test_texe_start, sizeof bad);
	uint32_t lfanew = *(uint32_t *)(bad + 0x3c);
	*(uint16_t *)(bad + lfanew + 4 + 2) = 90; /* NumberOfSections */
	if ((why = expect_failure("bad.exe", NT_STATUS_INVALID_IMAGE_FORMAT,
				  "bad.exe is not a valid PE32+ x86-64 image (section table outside the file)")))
		return why;
	memcpy(bad, nt_test_texe_start, sizeof bad);
	*(uint32_t *)(bad + 0x3c) = 0xfffffff0;
	return expect_failure("bad.exe", NT_STATUS_INVALID_IMAGE_FORMAT,
			      "bad.exe is not a valid PE32+ x86-64 image (PE header outside the file)");
}

/* Runs a test program to its end: its exit status. */
static int32_t run(const char *exe, const char *cmdline, nt_status *spawn)
{
	uint16_t path[64];
	size_t n = nt_ascii_to_w(path, 64, "\\??\\C:\\test\\");
	n += nt_ascii_to_w(path + n, 64 - n, exe);
	static const uint16_t env[] = u"A=1\0";
	struct nt_spawn s = {.image = path, .image_len = n, .env = env, .env_bytes = sizeof env};
	uint16_t cmd[64];
	if (cmdline) {
		s.cmdline = cmd;
		s.cmdline_len = nt_ascii_to_w(cmd, 64, cmdline);
	}
	struct nt_process *p;
	nt_file_source saved = nt_pe_source;
	nt_pe_source = test_source;
	/* The test images stay the only files while it runs: it may start others. */
	*spawn = nt_process_spawn(&s, &p, NULL);
	if (*spawn) {
		nt_pe_source = saved;
		return 0;
	}
	nt_wait_object(&p->obj, ~0ull);
	nt_pe_source = saved;
	int32_t status = p->exit_status;
	nt_object_unref(&p->obj);
	nt_reap();
	return status;
}

/* Runs one group of texe.exe's checks: 0x600D, else the failed check's number. */
static const char *texe(const char *group)
{
	nt_status s;
	size_t before = pmm_free_count();
	int32_t status = run("texe.exe", group, &s);
	if (s)
		return fail("spawn failed: %x", (unsigned)s);
	if (status != 0x600D)
		return fail("texe.exe %s: check %d failed (status %x)", group, status, (unsigned)status);
	/* The processes came and went: their memory is back (the heap may keep a few pages). */
	size_t after = pmm_free_count();
	if (after + 8 < before)
		return fail("%lu pages fewer free after the run", (unsigned long)(before - after));
	return NULL;
}

/* Imports by name, by ordinal and through forwarders from a relocated DLL,
 * DLL entry points before the .exe's, TEB, PEB, process parameters, TLS. */
const char *test_nt_user_loader(void) { return texe("texe l"); }
/* Reserve/commit/protect/decommit/release, 64 KiB granularity, demand-zero,
 * and bad user pointers (unmapped, kernel, read-only) giving ACCESS_VIOLATION. */
const char *test_nt_user_vm(void) { return texe("texe v"); }
/* System time, events (auto-reset), waits with timeouts, duplicate, close, process information. */
const char *test_nt_user_objects(void) { return texe("texe o"); }
/* A child process waited for, one terminated while it spins, a second thread. */
const char *test_nt_user_processes(void) { return texe("texe p"); }

/* User-mode faults end the process with the Windows exception code; the kernel goes on. */
const char *test_nt_exception(void)
{
	static const struct {
		const char *exe;
		nt_status want;
	} cases[] = {
		{"tfault.exe", NT_STATUS_INTEGER_DIVIDE_BY_ZERO},
		{"tav.exe", NT_STATUS_ACCESS_VIOLATION},
		{"tstack.exe", NT_STATUS_STACK_OVERFLOW},
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		nt_status s;
		int32_t status = run(cases[i].exe, NULL, &s);
		if (s)
			return fail("%s: spawn failed: %x", cases[i].exe, (unsigned)s);
		if (status != cases[i].want)
			return fail("%s exited with %x, want %x", cases[i].exe, (unsigned)status, (unsigned)cases[i].want);
	}
	return NULL;
}
