#include "proc/proc.h"
#include "arch/cpu.h"
#include "fs/initrd.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "nt/process.h"
#include "proc/uapi.h"
#include "sched/thread.h"


struct elf_header {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2

static int next_pid = 1;

struct proc *proc_current(void)
{
	struct thread *t = thread_current();
	return t ? t->proc : NULL;
}

static const char *load_segment(struct proc *p, const struct initrd_node *f, const struct elf_phdr *ph)
{
	if (ph->filesz > ph->memsz || ph->offset > f->size || ph->filesz > f->size - ph->offset)
		return "segment outside the file";
	if (ph->vaddr < p->heap_start)
		return "segments overlap or are not sorted";
	if (ph->vaddr % PAGE_SIZE || ph->vaddr < USER_LOAD_BASE || ph->memsz > USER_STACK_TOP ||
	    ph->vaddr + ph->memsz > USER_STACK_TOP - USER_STACK_SIZE)
		return "segment outside the user load area";
	uint64_t flags = PTE_U | (ph->flags & PF_W ? PTE_W : 0) | (ph->flags & PF_X ? 0 : PTE_NX);
	for (uint64_t off = 0; off < ph->memsz; off += PAGE_SIZE) {
		uint64_t page = pmm_alloc_user();
		if (!page)
			return "out of memory";
		uint8_t *dst = phys_to_virt(page);
		memset(dst, 0, PAGE_SIZE);
		if (off < ph->filesz) {
			uint64_t n = ph->filesz - off < PAGE_SIZE ? ph->filesz - off : PAGE_SIZE;
			memcpy(dst, f->data + ph->offset + off, n);
		}
		if (!vmm_map(p->pml4, ph->vaddr + off, page, flags)) {
			pmm_free(page);
			return "out of memory";
		}
	}
	uint64_t end = (ph->vaddr + ph->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (end > p->heap_start)
		p->heap_start = p->brk = end;
	return NULL;
}

static const char *load_elf(struct proc *p, const struct initrd_node *f)
{
	const struct elf_header *h = (const void *)f->data;
	if (f->size < sizeof *h || memcmp(h->ident, "\177ELF", 4) || h->ident[4] != 2 || h->ident[5] != 1)
		return "not a little-endian ELF64 file";
	if (h->type != 2 || h->machine != 62)
		return "not an x86-64 executable";
	if (h->phentsize != sizeof(struct elf_phdr) || h->phoff > f->size ||
	    h->phnum > (f->size - h->phoff) / sizeof(struct elf_phdr))
		return "program headers outside the file";
	const struct elf_phdr *ph = (const void *)(f->data + h->phoff);
	for (int i = 0; i < h->phnum; i++) {
		if (ph[i].type != PT_LOAD || !ph[i].memsz)
			continue;
		const char *why = load_segment(p, f, &ph[i]);
		if (why)
			return why;
	}
	if (h->entry >= USER_TOP)
		return "entry point outside user space";
	p->entry = h->entry;
	return NULL;
}

static void user_start(void *arg)
{
	struct proc *p = arg;
	enter_user(p->entry, USER_STACK_TOP, 0);
}

struct proc *proc_spawn(const char *path)
{
	const struct initrd_node *f = initrd_lookup(path);
	if (!f || f->dir) {
		kprintf("proc: %s: not found\n", path);
		return NULL;
	}
	struct proc *p = kzalloc(sizeof *p);
	if (!p)
		return NULL;
	p->pml4 = vmm_new_space();
	const char *why = p->pml4 ? load_elf(p, f) : "out of memory";
	if (why) {
		kprintf("proc: %s: %s\n", path, why);
		if (p->pml4)
			vmm_free_space(p->pml4);
		kfree(p);
		return NULL;
	}
	/* Not runnable before its address space is attached. */
	uint64_t flags = irq_save();
	p->thread = thread_create(path, user_start, p);
	if (p->thread) {
		p->pid = next_pid++;
		p->thread->cr3 = p->pml4;
		p->thread->proc = p;
	}
	irq_restore(flags);
	if (!p->thread) {
		kprintf("proc: %s: out of memory\n", path);
		vmm_free_space(p->pml4);
		kfree(p);
		return NULL;
	}
	return p;
}

int proc_wait(struct proc *p, uint64_t *fault_error)
{
	thread_join(p->thread);
	int status = p->exit_status;
	if (fault_error)
		*fault_error = p->fault_error;
	vmm_free_space(p->pml4);
	kfree(p);
	return status;
}

void proc_exit(int status)
{
	proc_current()->exit_status = status;
	thread_exit();
}

bool proc_demand_fault(uint64_t addr, uint64_t error)
{
	struct proc *p = proc_current();
	if (p && p->nt)
		return nt_demand_fault(p->nt, addr, error);
	if (!p || (error & 1) || addr >= USER_TOP)
		return false;
	bool stack = addr >= USER_STACK_TOP - USER_STACK_SIZE && addr < USER_STACK_TOP;
	bool heap = addr >= p->heap_start && addr < p->brk;
	if (!stack && !heap)
		return false;
	uint64_t page = pmm_alloc_user();
	if (!page)
		return false;
	memset(phys_to_virt(page), 0, PAGE_SIZE);
	if (vmm_map(p->pml4, addr & ~(PAGE_SIZE - 1), page, PTE_U | PTE_W | PTE_NX))
		return true;
	pmm_free(page);
	return false;
}

void proc_kill_current(int vector, uint64_t error)
{
	struct proc *p = proc_current();
	if (!p)
		panic("user-mode exception without a process");
	kprintf("proc: pid %d killed by vector %d\n", p->pid, vector);
	p->fault_error = error;
	proc_exit(EXIT_KILLED(vector));
}
