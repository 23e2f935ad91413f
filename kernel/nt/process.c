/*
 * NT processes and threads: creation (image, stack, TEB, PEB, process
 * parameters), termination, user-mode exceptions, and their system calls.
 * Each NT thread is a kernel thread (sched/) whose thread->nt points here.
 */
#include "nt/process.h"
#include "arch/cpu.h"
#include "dev/apic.h"
#include "lib/kprintf.h"
#include "lib/random.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "nt/memory.h"
#include "nt/pe.h"
#include "nt/syscall.h"
#include "sched/thread.h"


#define STACK_RESERVE (1ull << 20)
#define NT_MAX_THREADS 256
#define PP_HEADER 0x400 /* RTL_USER_PROCESS_PARAMETERS up to EnvironmentSize and a little beyond */
#define CWD_CHARS 261   /* MAX_PATH + NUL: SetCurrentDirectory rewrites the string in place */

static uint64_t next_pid = 0x100; /* multiples of four, as on Windows */

/* ---- UTF-16 helpers ---- */

size_t nt_wcslen(const uint16_t *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

uint16_t nt_wupper(uint16_t c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }

size_t nt_ascii_to_w(uint16_t *dst, size_t cap, const char *src)
{
	size_t n = 0;
	while (src[n] && n + 1 < cap) {
		dst[n] = (uint8_t)src[n];
		n++;
	}
	dst[n] = 0;
	return n;
}

void nt_w_to_ascii(char *dst, size_t cap, const uint16_t *src, size_t len)
{
	size_t n = 0;
	for (; n < len && n + 1 < cap; n++)
		dst[n] = src[n] >= 0x20 && src[n] < 0x7f ? (char)src[n] : '?';
	dst[n] = 0;
}

/* ---- objects ---- */

/* Every NT process, linked through next_all (interrupts off to change it). */
static struct nt_process *all_processes;

static void process_destroy(struct nt_object *o)
{
	struct nt_process *p = (struct nt_process *)o;
	uint64_t flags = irq_save();
	for (struct nt_process **pp = &all_processes; *pp; pp = &(*pp)->next_all)
		if (*pp == p) {
			*pp = p->next_all;
			break;
		}
	irq_restore(flags);
	kfree(p);
}

static int process_signalled(struct nt_object *o) { return ((struct nt_process *)o)->ended; }

static void thread_destroy(struct nt_object *o)
{
	struct nt_thread *t = (struct nt_thread *)o;
	struct nt_process *p = t->process;
	uint64_t flags = irq_save();
	for (struct nt_thread **pp = &p->threads; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	irq_restore(flags);
	kfree(t);
	nt_object_unref(&p->obj);
}

static int thread_signalled(struct nt_object *o) { return ((struct nt_thread *)o)->ended; }

const struct nt_object_type nt_process_type = {
	.name = "Process", .destroy = process_destroy, .signalled = process_signalled};
const struct nt_object_type nt_thread_type = {
	.name = "Thread", .destroy = thread_destroy, .signalled = thread_signalled};

struct nt_thread *nt_current_thread(void)
{
	struct thread *t = thread_current();
	return t ? t->nt : NULL;
}

struct nt_process *nt_current_process(void)
{
	struct nt_thread *t = nt_current_thread();
	return t ? t->process : NULL;
}

/* ---- threads ---- */

/* Kernel threads of ended NT threads wait here until someone joins them. */
#define MAX_ZOMBIES 64
static struct thread *zombies[MAX_ZOMBIES];

void nt_reap(void)
{
	for (int i = 0; i < MAX_ZOMBIES; i++) {
		uint64_t flags = irq_save();
		struct thread *t = zombies[i];
		if (t && t->state != T_DEAD)
			t = NULL;
		if (t)
			zombies[i] = NULL;
		irq_restore(flags);
		if (t) {
			void *fpu = t->fpu;
			thread_join(t);
			kfree(fpu);
		}
	}
}

static void thread_start(void *arg)
{
	struct nt_thread *t = arg;
	nt_check_terminated();
	enter_user(t->start, t->stack_base - 0x38, t->arg);
}

/* Fills a new thread's TLS pointer array and blocks from the templates. */
static nt_status setup_thread_tls(struct nt_process *p, uint64_t teb)
{
	if (!p->tls_count)
		return NT_STATUS_SUCCESS;
	uint64_t size = NT_MAX_TLS * 8;
	for (uint32_t i = 0; i < p->tls_count; i++)
		size += (p->tls[i].size + p->tls[i].zero_fill + 15) & ~15ull;
	uint64_t va = 0;
	nt_status s = nt_vm_alloc_now(p, &va, size, NT_PAGE_READWRITE, NT_REGION_PRIVATE);
	if (s)
		return s;
	uint64_t block = va + NT_MAX_TLS * 8;
	for (uint32_t i = 0; i < p->tls_count; i++) {
		const struct nt_tls_template *t = &p->tls[i];
		for (uint64_t off = 0; off < t->size; off += 256) {
			uint8_t chunk[256];
			uint64_t n = t->size - off < sizeof chunk ? t->size - off : sizeof chunk;
			if (!nt_vm_read(p, t->start + off, chunk, n) || !nt_vm_write(p, block + off, chunk, n))
				return NT_STATUS_ACCESS_VIOLATION;
		}
		nt_vm_write(p, va + 8 * t->index, &block, 8);
		block += (t->size + t->zero_fill + 15) & ~15ull;
	}
	nt_vm_write(p, teb + NT_TEB_TLS_POINTER, &va, 8);
	return NT_STATUS_SUCCESS;
}

/* Releases the region at va, if any (a half-built thread). */
static void release_at(struct nt_process *p, uint64_t va)
{
	struct nt_region *r = va ? nt_vm_find(p, va) : NULL;
	if (r)
		nt_vm_release(p, r);
}

/* A new thread of p starting at start(arg) on a fresh stack; runnable at once.
 * The thread object comes back with two references: the running thread's
 * own (dropped when it ends) and the caller's. */
static nt_status thread_new(struct nt_process *p, uint64_t start, uint64_t arg, struct nt_thread **out)
{
	/* Its kernel stack and TEB, and a few page tables, must fit beside the
	 * kernel's reserve; and one process gets so many threads at most. */
	if (p->live_threads >= NT_MAX_THREADS || !pmm_user_ok(KSTACK_PAGES + 8))
		return NT_STATUS_NO_MEMORY;
	struct nt_thread *t = kzalloc(sizeof *t);
	void *fpu = kzalloc(512);
	if (!t || !fpu) {
		kfree(t);
		kfree(fpu);
		return NT_STATUS_NO_MEMORY;
	}
	/* The FPU as after FNINIT, SSE exceptions masked (MXCSR 0x1f80). */
	*(uint16_t *)fpu = 0x37f;
	*(uint32_t *)((uint8_t *)fpu + 24) = 0x1f80;
	nt_object_init(&t->obj, &nt_thread_type);
	t->process = p;
	t->start = start;
	t->arg = arg;
	/* Stack: 1 MiB reserved, demand-zero, its lowest page the guard. */
	uint64_t stack = 0, teb = 0;
	struct nt_region *sr;
	nt_status s = nt_vm_reserve(p, &stack, STACK_RESERVE, NT_REGION_STACK, &sr);
	if (!s)
		s = nt_vm_commit(p, stack + PAGE_SIZE, STACK_RESERVE - PAGE_SIZE, NT_PAGE_READWRITE);
	if (!s)
		s = nt_vm_alloc_now(p, &teb, NT_TEB_SIZE, NT_PAGE_READWRITE, NT_REGION_PRIVATE);
	if (!s)
		s = setup_thread_tls(p, teb);
	if (s) {
		release_at(p, stack);
		release_at(p, teb);
		kfree(t);
		kfree(fpu);
		return s;
	}
	t->guard = stack;
	t->stack_base = stack + STACK_RESERVE;
	t->stack_limit = stack + PAGE_SIZE;
	t->teb = teb;
	uint64_t tid = next_pid += 4;
	uint64_t v[] = {t->stack_base, t->stack_limit, teb, p->proc.pid, tid, p->peb};
	nt_vm_write(p, teb + NT_TEB_STACK_BASE, &v[0], 8);
	nt_vm_write(p, teb + NT_TEB_STACK_LIMIT, &v[1], 8);
	nt_vm_write(p, teb + NT_TEB_SELF, &v[2], 8);
	nt_vm_write(p, teb + NT_TEB_CLIENT_PROCESS, &v[3], 8);
	nt_vm_write(p, teb + NT_TEB_CLIENT_THREAD, &v[4], 8);
	nt_vm_write(p, teb + NT_TEB_PEB, &v[5], 8);

	/* Not runnable before its address space and TEB are attached. */
	uint64_t flags = irq_save();
	t->kt = thread_create("nt", thread_start, t); /* p->name may go before the kernel thread */
	if (!t->kt) {
		irq_restore(flags);
		release_at(p, stack);
		release_at(p, teb); /* a TLS block stays until the process ends */
		kfree(t);
		kfree(fpu);
		return NT_STATUS_NO_MEMORY;
	}
	nt_object_ref(&p->obj); /* the thread's reference on its process */
	nt_object_ref(&t->obj); /* the caller's */
	t->kt->cr3 = p->proc.pml4;
	t->kt->proc = &p->proc;
	t->kt->nt = t;
	t->kt->user_gs = teb;
	t->kt->fpu = fpu;
	t->next = p->threads;
	p->threads = t;
	p->live_threads++;
	if (!p->proc.thread)
		p->proc.thread = t->kt;
	irq_restore(flags);
	*out = t;
	return NT_STATUS_SUCCESS;
}

/* ---- process parameters ---- */

static void put_us(uint8_t *pp, uint64_t off, uint64_t va, size_t chars, size_t max_bytes)
{
	struct nt_unicode_string us = {.length = (uint16_t)(chars * 2), .maximum_length = (uint16_t)max_bytes, .buffer = va};
	memcpy(pp + off, &us, sizeof us);
}

/* Builds RTL_USER_PROCESS_PARAMETERS and the environment in p. */
static nt_status build_params(struct nt_process *p, const struct nt_spawn *s, const uint16_t *dos, size_t dos_len,
			      const nt_handle std[3])
{
	static const uint16_t root[] = u"C:\\";
	const uint16_t *cwd = s->cwd ? s->cwd : root;
	size_t cwd_len = s->cwd ? s->cwd_len : 3;
	if (cwd_len > CWD_CHARS - 2)
		return NT_STATUS_INVALID_PARAMETER;
	const uint16_t *cmd = s->cmdline ? s->cmdline : dos;
	size_t cmd_len = s->cmdline ? s->cmdline_len : dos_len;
	if (cmd_len > 32767 || dos_len > 32767)
		return NT_STATUS_INVALID_PARAMETER;
	uint64_t size = PP_HEADER + CWD_CHARS * 2 + (cmd_len + 1) * 2 + 2 * (dos_len + 1) * 2 + 2;
	uint8_t *pp = kzalloc(size);
	if (!pp)
		return NT_STATUS_NO_MEMORY;
	uint64_t va = 0, env = 0;
	nt_status st = nt_vm_alloc_now(p, &va, size, NT_PAGE_READWRITE, NT_REGION_PRIVATE);
	uint64_t env_bytes = s->env_bytes;
	if (!st)
		st = nt_vm_alloc_now(p, &env, env_bytes + 4, NT_PAGE_READWRITE, NT_REGION_PRIVATE);
	if (st) {
		kfree(pp);
		return st;
	}
	*(uint32_t *)(pp + 0x00) = (uint32_t)size; /* MaximumLength */
	*(uint32_t *)(pp + 0x04) = (uint32_t)size; /* Length */
	*(uint32_t *)(pp + 0x08) = 1;              /* PROCESS_PARAMETERS_NORMALIZED: pointers are addresses */
	memcpy(pp + NT_PP_STD_INPUT, &std[0], 8);
	memcpy(pp + NT_PP_STD_OUTPUT, &std[1], 8);
	memcpy(pp + NT_PP_STD_ERROR, &std[2], 8);
	uint64_t off = PP_HEADER;
	/* The current directory keeps its trailing backslash, as on Windows. */
	uint16_t *c = (uint16_t *)(pp + off);
	memcpy(c, cwd, cwd_len * 2);
	if (!cwd_len || c[cwd_len - 1] != '\\')
		c[cwd_len++] = '\\';
	put_us(pp, NT_PP_CURRENT_DIRECTORY, va + off, cwd_len, CWD_CHARS * 2);
	off += CWD_CHARS * 2;
	memcpy(pp + off, cmd, cmd_len * 2);
	put_us(pp, NT_PP_COMMAND_LINE, va + off, cmd_len, (cmd_len + 1) * 2);
	off += (cmd_len + 1) * 2;
	memcpy(pp + off, dos, dos_len * 2);
	put_us(pp, NT_PP_IMAGE_PATH, va + off, dos_len, (dos_len + 1) * 2);
	off += (dos_len + 1) * 2;
	memcpy(pp + off, dos, dos_len * 2);
	put_us(pp, NT_PP_WINDOW_TITLE, va + off, dos_len, (dos_len + 1) * 2);
	off += (dos_len + 1) * 2;
	put_us(pp, NT_PP_DLL_PATH, va + off, 0, 2);
	memcpy(pp + NT_PP_ENVIRONMENT, &env, 8);
	/* The block always ends in a double NUL, whatever the caller passed. */
	uint64_t env_size = env_bytes + 4;
	memcpy(pp + NT_PP_ENVIRONMENT_SIZE, &env_size, 8);
	bool ok = nt_vm_write(p, va, pp, size) && (!env_bytes || nt_vm_write(p, env, s->env, env_bytes));
	kfree(pp);
	if (!ok)
		return NT_STATUS_NO_MEMORY;
	p->params = va;
	return NT_STATUS_SUCCESS;
}

static nt_status build_peb(struct nt_process *p, const struct nt_pe_result *r)
{
	uint64_t peb = 0;
	nt_status s = nt_vm_alloc_now(p, &peb, NT_PEB_SIZE, NT_PAGE_READWRITE, NT_REGION_PRIVATE);
	if (s)
		return s;
	uint8_t *b = kzalloc(NT_PEB_SIZE);
	if (!b)
		return NT_STATUS_NO_MEMORY;
	memcpy(b + NT_PEB_IMAGE_BASE, &r->exe_base, 8);
	memcpy(b + NT_PEB_LDR, &r->loader_data, 8);
	memcpy(b + NT_PEB_PROCESS_PARAMETERS, &p->params, 8);
	*(uint32_t *)(b + NT_PEB_NUMBER_OF_PROCESSORS) = 1;
	*(uint32_t *)(b + NT_PEB_OS_MAJOR) = 10;
	*(uint32_t *)(b + NT_PEB_OS_MINOR) = 0;
	*(uint16_t *)(b + NT_PEB_OS_BUILD) = 19045;
	*(uint32_t *)(b + 0x124) = 2; /* OSPlatformId: VER_PLATFORM_WIN32_NT */
	nt_vm_write(p, peb, b, NT_PEB_SIZE);
	kfree(b);
	p->peb = peb;
	return NT_STATUS_SUCCESS;
}

/* ---- processes ---- */

static void process_free_space(struct nt_process *p)
{
	nt_vm_free_all(p);
	if (p->proc.pml4)
		vmm_free_space(p->proc.pml4);
	p->proc.pml4 = 0;
}

nt_status nt_process_spawn(const struct nt_spawn *s, struct nt_process **out, struct nt_thread **thread)
{
	nt_reap();
	struct nt_process *p = kzalloc(sizeof *p);
	if (!p)
		return NT_STATUS_NO_MEMORY;
	nt_object_init(&p->obj, &nt_process_type);
	p->proc.nt = p;
	p->proc.pml4 = vmm_new_space();
	p->proc.pid = (int)(next_pid += 4);
	p->handles = p->proc.pml4 ? nt_handles_new() : NULL;
	p->exit_status = NT_STATUS_PENDING;
	p->cookie = (uint32_t)random_u64();
	struct nt_process *parent = nt_current_process();
	p->parent_pid = parent ? (uint64_t)parent->proc.pid : 0;
	const char *n = "?";
	memcpy(p->name, n, 2);

	struct nt_pe_result r = {0, 0, 0, 0};
	nt_status st = p->handles ? nt_pe_load(p, s->image, s->image_len, &r) : NT_STATUS_NO_MEMORY;
	nt_handle std[3] = {0, 0, 0};
	for (int i = 0; !st && i < 3; i++)
		if (s->std[i])
			st = nt_handle_insert_into(p->handles, s->std[i], &std[i]);
	const uint16_t *dos = s->image;
	size_t dos_len = s->image_len;
	if (dos_len >= 4 && dos[0] == '\\' && dos[1] == '?' && dos[2] == '?' && dos[3] == '\\')
		dos += 4, dos_len -= 4;
	if (!st)
		st = build_params(p, s, dos, dos_len, std);
	if (!st)
		st = build_peb(p, &r);
	p->image_base = r.exe_base;
	struct nt_thread *t = NULL;
	if (!st)
		st = thread_new(p, r.ldr_thunk, r.loader_data, &t);
	if (st) {
		nt_handles_free(p->handles);
		process_free_space(p);
		kfree(p);
		return st;
	}
	uint64_t flags = irq_save();
	p->next_all = all_processes;
	all_processes = p;
	irq_restore(flags);
	*out = p;
	if (thread)
		*thread = t;
	else
		nt_object_unref(&t->obj);
	return NT_STATUS_SUCCESS;
}

/* The last thread ended: close the handles, free the address space, signal. */
static void process_end(struct nt_process *p)
{
	uint64_t flags = irq_save();
	struct nt_handle_table *h = p->handles;
	p->handles = NULL;
	irq_restore(flags);
	nt_handles_free(h);
	/* Off the process's page tables before freeing them (the kernel half is shared). */
	flags = irq_save();
	write_cr3(kernel_pml4);
	thread_current()->cr3 = kernel_pml4;
	irq_restore(flags);
	process_free_space(p);
	p->ended = true;
	nt_object_signal(&p->obj);
}

void nt_thread_exit_current(int32_t status)
{
	struct nt_thread *t = nt_current_thread();
	struct nt_process *p = t->process;
	uint64_t flags = irq_save();
	if (t->kill)
		status = t->exit_status; /* set by whoever terminated it */
	t->exit_status = status;
	t->ended = true;
	bool last = --p->live_threads == 0;
	if (last && !p->terminating) {
		p->terminating = true;
		p->exit_status = status;
	}
	irq_restore(flags);
	nt_object_signal(&t->obj);
	if (last)
		process_end(p);
	cli();
	struct thread *kt = thread_current();
	for (int i = 0; i < MAX_ZOMBIES; i++)
		if (!zombies[i]) {
			zombies[i] = kt;
			break;
		}
	kt->nt = NULL;
	nt_object_unref(&t->obj); /* the running thread's own reference */
	thread_exit();
}

/* Marks every thread of p to end with status: each ends on its next way
 * out of the kernel (sleepers are woken for it). */
static void mark_terminated(struct nt_process *p, int32_t status)
{
	uint64_t flags = irq_save();
	if (!p->terminating) {
		p->terminating = true;
		p->exit_status = status;
	}
	for (struct nt_thread *t = p->threads; t; t = t->next) {
		if (t->ended)
			continue;
		t->kill = true;
		t->exit_status = p->exit_status;
		if (t->kt->state == T_SLEEPING)
			t->kt->state = T_RUNNABLE;
	}
	irq_restore(flags);
}

void nt_process_terminate(struct nt_process *p, int32_t status)
{
	mark_terminated(p, status);
	struct nt_thread *self = nt_current_thread();
	if (self && self->process == p)
		nt_thread_exit_current(status);
}

static bool has_live_child(const struct nt_process *p)
{
	for (struct nt_process *q = all_processes; q; q = q->next_all)
		if (q->parent_pid == (uint64_t)p->proc.pid && !q->ended)
			return true;
	return false;
}

void nt_console_ctrl_c(void)
{
	uint64_t flags = irq_save();
	for (struct nt_process *p = all_processes; p; p = p->next_all)
		if (!p->ended && !p->terminating && !p->ctrl_handlers && !p->console_waiters && !has_live_child(p)) {
			kprintf("nt: %s: ended by Ctrl+C\n", p->name);
			mark_terminated(p, NT_STATUS_CONTROL_C_EXIT);
		}
	irq_restore(flags);
}

/* (add): registers (1) or removes (0) a console control handler; kernel32
 * keeps the handlers, the kernel only whether there are any. */
nt_status nt_set_console_ctrl_handler(const struct nt_call *c)
{
	struct nt_process *p = nt_current_process();
	if (c->arg[0] & 0xff)
		p->ctrl_handlers++;
	else if (p->ctrl_handlers)
		p->ctrl_handlers--;
	else
		return NT_STATUS_INVALID_PARAMETER;
	return NT_STATUS_SUCCESS;
}

void nt_check_terminated(void)
{
	struct nt_thread *t = nt_current_thread();
	if (t && t->kill)
		nt_thread_exit_current(t->exit_status);
}

/* ---- user-mode exceptions ---- */

static void hex(char *out, uint64_t v, int digits)
{
	static const char d[] = "0123456789ABCDEF";
	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		out[i] = d[v & 15];
	out[digits] = 0;
}

/* #GP from an instruction user mode may not execute (Windows reports those apart). */
static bool privileged_at(uint64_t rip)
{
	uint8_t b[16];
	if (!nt_copy_in(b, rip, sizeof b) && !nt_copy_in(b, rip, 2))
		return false;
	int i = 0;
	while (i < 14 && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 || (b[i] & 0xf0) == 0x40))
		i++;
	uint8_t o = b[i];
	if (o == 0xf4 || o == 0xfa || o == 0xfb || (o >= 0xe4 && o <= 0xe7) || (o >= 0xec && o <= 0xef) ||
	    (o >= 0x6c && o <= 0x6f))
		return true;
	if (o == 0x0f) {
		uint8_t o2 = b[i + 1];
		return o2 == 0x01 || o2 == 0x06 || o2 == 0x08 || o2 == 0x09 || (o2 >= 0x20 && o2 <= 0x23) ||
		       o2 == 0x30 || o2 == 0x32;
	}
	return false;
}

void nt_user_exception(struct regs *r)
{
	struct nt_thread *t = nt_current_thread();
	if (!t)
		return;
	struct nt_process *p = t->process;
	int32_t code;
	char what[80], a[20], at[20];
	const char *name = NULL;
	uint64_t addr = 0;
	const char *access = NULL;
	switch (r->vector) {
	case 0: code = NT_STATUS_INTEGER_DIVIDE_BY_ZERO; name = "integer divide by zero"; break;
	case 1: code = NT_STATUS_SINGLE_STEP; name = "single step"; break;
	case 3: code = NT_STATUS_BREAKPOINT; name = "breakpoint"; break;
	case 4: code = NT_STATUS_INTEGER_OVERFLOW; name = "integer overflow"; break;
	case 5: code = NT_STATUS_ARRAY_BOUNDS_EXCEEDED; name = "array bounds exceeded"; break;
	case 6: code = NT_STATUS_ILLEGAL_INSTRUCTION; name = "illegal instruction"; break;
	case 16: code = NT_STATUS_FLOAT_INVALID_OPERATION; name = "floating-point error"; break;
	case 17: code = NT_STATUS_DATATYPE_MISALIGNMENT; name = "datatype misalignment"; break;
	case 19: code = NT_STATUS_FLOAT_MULTIPLE_TRAPS; name = "SIMD floating-point error"; break;
	case 14: {
		addr = read_cr2();
		struct nt_region *reg = nt_vm_find(p, addr);
		if (reg && reg->kind == NT_REGION_STACK && addr - reg->base < PAGE_SIZE) {
			code = NT_STATUS_STACK_OVERFLOW;
			name = "stack overflow";
		} else if (reg && !(r->error & 1) && reg->prot[(addr - reg->base) / PAGE_SIZE]) {
			/* A committed page the demand-zero fault could not fill. */
			code = NT_STATUS_NO_MEMORY;
			name = "out of memory";
		} else {
			code = NT_STATUS_ACCESS_VIOLATION;
			access = r->error & 16 ? "executing" : r->error & 2 ? "writing" : "reading";
		}
		break;
	}
	case 13:
		if (privileged_at(r->rip)) {
			code = NT_STATUS_PRIVILEGED_INSTRUCTION;
			name = "privileged instruction";
			break;
		}
		/* Windows reports any other #GP as reading address -1. */
		__attribute__((fallthrough));
	default:
		code = NT_STATUS_ACCESS_VIOLATION;
		access = "reading";
		addr = ~0ull;
		break;
	}
	if (access) {
		hex(a, addr, 16);
		char *w = what;
		const char *parts[] = {"access violation ", access, " 0x", a};
		for (int i = 0; i < 4; i++)
			for (const char *c = parts[i]; *c; c++)
				*w++ = *c;
		*w = 0;
		name = what;
	}
	char c[12];
	hex(c, (uint32_t)code, 8);
	/* Windows reports a breakpoint at the int3, with RIP backed up onto it. */
	if (r->vector == 3)
		r->rip--;
	hex(at, r->rip, 16);
	kprintf("nt: %s: unhandled exception 0x%s (%s) at 0x%s, process ended\n", p->name, c, name, at);
	nt_process_terminate(p, code);
}

/* ---- system calls ---- */

#define NAME_CHARS 1024
#define CMDLINE_CHARS 32768
#define ENV_MAX (256u << 10)

/* Copies a user environment block: size bytes, or up to its double NUL
 * when size is 0 (at most ENV_MAX). */
static nt_status read_environment(uint64_t va, uint64_t size, uint16_t **out, size_t *bytes)
{
	uint16_t *env = kmalloc(size ? size : ENV_MAX);
	if (!env)
		return NT_STATUS_NO_MEMORY;
	if (size) {
		if (!nt_copy_in(env, va, size)) {
			kfree(env);
			return NT_STATUS_ACCESS_VIOLATION;
		}
		*out = env;
		*bytes = size;
		return NT_STATUS_SUCCESS;
	}
	/* Chunk by chunk: the block may end just before an unmapped page. */
	size_t n = 0;
	for (;;) {
		size_t chunk = 256 - (va + n * 2) % 512 / 2;
		if (n + chunk > ENV_MAX / 2 || !nt_copy_in(env + n, va + n * 2, chunk * 2)) {
			kfree(env);
			return n + chunk > ENV_MAX / 2 ? NT_STATUS_INVALID_PARAMETER : NT_STATUS_ACCESS_VIOLATION;
		}
		for (size_t i = n; i < n + chunk; i++)
			if (!env[i] && (i == 0 || !env[i - 1])) {
				*out = env;
				*bytes = (i + 1) * 2;
				return NT_STATUS_SUCCESS;
			}
		n += chunk;
	}
}

/* (out process*, out thread*, struct nt_process_create*) */
nt_status nt_create_process(const struct nt_call *c)
{
	struct nt_process_create pc;
	struct nt_process *self = nt_current_process();
	/* The out-handles are probed first, as on Windows: a bad one must not
	 * leave a process running that nobody holds a handle to. */
	nt_handle zero = 0;
	if (!nt_copy_in(&pc, c->arg[2], sizeof pc) || !nt_copy_out(c->arg[0], &zero, 8) ||
	    (c->arg[1] && !nt_copy_out(c->arg[1], &zero, 8)))
		return NT_STATUS_ACCESS_VIOLATION;
	struct nt_spawn s;
	memset(&s, 0, sizeof s);
	uint16_t *image = kmalloc(NAME_CHARS * 2), *cwd = kmalloc(NAME_CHARS * 2), *cmd = kmalloc(CMDLINE_CHARS * 2);
	uint16_t *env = NULL;
	nt_status st = image && cwd && cmd ? NT_STATUS_SUCCESS : NT_STATUS_NO_MEMORY;
	uint64_t base = c->arg[2];
	if (!st)
		st = nt_read_unicode(base + __builtin_offsetof(struct nt_process_create, image_path), image, NAME_CHARS,
				     &s.image_len);
	if (!st && pc.command_line.buffer)
		st = nt_read_unicode(base + __builtin_offsetof(struct nt_process_create, command_line), cmd,
				     CMDLINE_CHARS, &s.cmdline_len);
	if (!st && pc.current_directory.buffer)
		st = nt_read_unicode(base + __builtin_offsetof(struct nt_process_create, current_directory), cwd,
				     NAME_CHARS, &s.cwd_len);
	if (st)
		goto out;
	s.image = image;
	s.cmdline = pc.command_line.buffer ? cmd : NULL;
	s.cwd = pc.current_directory.buffer ? cwd : NULL;
	/* The environment: the caller's block, or a copy of the caller's own
	 * (found through its parameters, measured by its double NUL: the DLLs
	 * may have replaced the block without updating EnvironmentSize). */
	uint64_t env_va = pc.environment, env_size = pc.environment_size;
	if (!env_va && self->params) {
		env_size = 0;
		if (!nt_copy_in(&env_va, self->params + NT_PP_ENVIRONMENT, 8)) {
			st = NT_STATUS_ACCESS_VIOLATION;
			goto out;
		}
	}
	if (env_va) {
		if (env_size > ENV_MAX || (env_size & 1)) {
			st = NT_STATUS_INVALID_PARAMETER;
			goto out;
		}
		st = read_environment(env_va, env_size, &env, &s.env_bytes);
		if (st)
			goto out;
		s.env = env;
	}
	/* Standard handles: duplicated into the child; a bad one gives 0 there. */
	nt_handle hs[3] = {pc.std_input, pc.std_output, pc.std_error};
	for (int i = 0; i < 3; i++)
		if (hs[i] && nt_handle_get(hs[i], NULL, &s.std[i]))
			s.std[i] = NULL;
	struct nt_process *p;
	struct nt_thread *t;
	st = nt_process_spawn(&s, &p, &t);
	for (int i = 0; i < 3; i++)
		if (s.std[i])
			nt_object_unref(s.std[i]);
	if (!st) {
		nt_handle hp = 0, ht = 0;
		st = nt_handle_insert(&p->obj, &hp);
		if (!st && c->arg[1])
			st = nt_handle_insert(&t->obj, &ht);
		if (!st && (!nt_copy_out(c->arg[0], &hp, 8) || (c->arg[1] && !nt_copy_out(c->arg[1], &ht, 8))))
			st = NT_STATUS_ACCESS_VIOLATION; /* unmapped by another thread since the probe */
		if (st) {
			/* Nobody can reach the child: it must not run on unseen. */
			nt_process_terminate(p, st);
			nt_handle_close(hp);
			nt_handle_close(ht);
		}
		nt_object_unref(&p->obj);
		nt_object_unref(&t->obj);
	}
out:
	kfree(image);
	kfree(cwd);
	kfree(cmd);
	kfree(env);
	return st;
}

/* (process, exit status) */
nt_status nt_terminate_process(const struct nt_call *c)
{
	int32_t status = (int32_t)c->arg[1];
	struct nt_process *self = nt_current_process();
	if (!c->arg[0]) {
		/* Windows' "all other threads of the caller" (ExitProcess does this first). */
		struct nt_thread *me = nt_current_thread();
		uint64_t flags = irq_save();
		if (!self->terminating) {
			self->terminating = true;
			self->exit_status = status;
		}
		for (struct nt_thread *t = self->threads; t; t = t->next)
			if (t != me && !t->ended) {
				t->kill = true;
				t->exit_status = status;
				if (t->kt->state == T_SLEEPING)
					t->kt->state = T_RUNNABLE;
			}
		irq_restore(flags);
		return NT_STATUS_SUCCESS;
	}
	struct nt_object *o;
	nt_status s = nt_handle_get(c->arg[0], &nt_process_type, &o);
	if (s)
		return s;
	struct nt_process *p = (struct nt_process *)o;
	if (p == self) {
		nt_object_unref(o);
		nt_process_terminate(self, status);
	}
	if (!p->ended)
		nt_process_terminate(p, status);
	nt_object_unref(o);
	return NT_STATUS_SUCCESS;
}

/* ProcessCookie: Windows gives it to the process itself only (it salts
 * pointer encoding), and so do we. */
static nt_status query_cookie(const struct nt_call *c)
{
	if (c->arg[3] != 4)
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	struct nt_object *o;
	nt_status s = nt_handle_get(c->arg[0], &nt_process_type, &o);
	if (s)
		return s;
	struct nt_process *p = (struct nt_process *)o;
	bool self = p == nt_current_process();
	uint32_t cookie = p->cookie, len = 4;
	nt_object_unref(o);
	if (!self)
		return NT_STATUS_INVALID_PARAMETER;
	if (!nt_copy_out(c->arg[2], &cookie, 4) || (c->arg[4] && !nt_copy_out(c->arg[4], &len, 4)))
		return NT_STATUS_ACCESS_VIOLATION;
	return NT_STATUS_SUCCESS;
}

/* (process, class, buffer, length, return_length*) */
nt_status nt_query_information_process(const struct nt_call *c)
{
	if (c->arg[1] == NT_PROCESS_COOKIE)
		return query_cookie(c);
	if (c->arg[1] != NT_PROCESS_BASIC_INFORMATION)
		return NT_STATUS_INVALID_INFO_CLASS;
	if (c->arg[3] != sizeof(struct nt_process_basic_information))
		return NT_STATUS_INFO_LENGTH_MISMATCH;
	struct nt_object *o;
	nt_status s = nt_handle_get(c->arg[0], &nt_process_type, &o);
	if (s)
		return s;
	struct nt_process *p = (struct nt_process *)o;
	struct nt_process_basic_information bi = {
		.exit_status = p->ended ? p->exit_status : NT_STATUS_PENDING,
		.peb_base_address = p->peb,
		.affinity_mask = 1,
		.base_priority = 8,
		.unique_process_id = (uint64_t)p->proc.pid,
		.inherited_from_unique_process_id = p->parent_pid,
	};
	nt_object_unref(o);
	uint32_t len = sizeof bi;
	if (!nt_copy_out(c->arg[2], &bi, sizeof bi) || (c->arg[4] && !nt_copy_out(c->arg[4], &len, 4)))
		return NT_STATUS_ACCESS_VIOLATION;
	return NT_STATUS_SUCCESS;
}

/* (out thread*, process, start, parameter, stack_size): the thread starts at
 * start with RCX = parameter on a new 1 MiB stack, as after a call with a
 * zero return address (start must end with NtTerminateThread). */
nt_status nt_create_thread(const struct nt_call *c)
{
	/* A start outside user space would make the IRETQ to it fault. */
	if (c->arg[2] >= USER_TOP)
		return NT_STATUS_INVALID_PARAMETER;
	nt_handle h = 0;
	if (!nt_copy_out(c->arg[0], &h, 8))
		return NT_STATUS_ACCESS_VIOLATION; /* probed before anything exists */
	struct nt_object *o;
	nt_status s = nt_handle_get(c->arg[1], &nt_process_type, &o);
	if (s)
		return s;
	struct nt_process *p = (struct nt_process *)o;
	if (p != nt_current_process() || p->terminating) {
		nt_object_unref(o);
		return NT_STATUS_ACCESS_DENIED; /* only threads of the caller itself */
	}
	nt_reap();
	struct nt_thread *t;
	s = thread_new(p, c->arg[2], c->arg[3], &t);
	nt_object_unref(o);
	if (s)
		return s;
	s = nt_handle_insert(&t->obj, &h);
	if (!s && !nt_copy_out(c->arg[0], &h, 8)) {
		nt_handle_close(h); /* unmapped by another thread since the probe */
		s = NT_STATUS_ACCESS_VIOLATION;
	}
	nt_object_unref(&t->obj);
	return s;
}

/* (thread, exit status) */
nt_status nt_terminate_thread(const struct nt_call *c)
{
	int32_t status = (int32_t)c->arg[1];
	if (!c->arg[0] || c->arg[0] == NT_CURRENT_THREAD)
		nt_thread_exit_current(status);
	struct nt_object *o;
	nt_status s = nt_handle_get(c->arg[0], &nt_thread_type, &o);
	if (s)
		return s;
	struct nt_thread *t = (struct nt_thread *)o;
	if (t == nt_current_thread()) {
		nt_object_unref(o);
		nt_thread_exit_current(status);
	}
	uint64_t flags = irq_save();
	if (!t->ended) {
		t->kill = true;
		t->exit_status = status;
		if (t->kt->state == T_SLEEPING)
			t->kt->state = T_RUNNABLE;
	}
	irq_restore(flags);
	nt_object_unref(o);
	return NT_STATUS_SUCCESS;
}
