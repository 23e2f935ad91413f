#include "proc/syscall.h"
#include "arch/cpu.h"
#include "dev/serial.h"
#include "fs/initrd.h"
#include "lib/string.h"
#include "mm/vmm.h"
#include "nt/process.h"
#include "proc/proc.h"
#include "proc/uapi.h"
#include "sched/thread.h"

void syscall_entry(void);

/* Rejects ranges that wrap or reach the kernel half before touching them. */
static bool user_range(uint64_t u, size_t n) { return u + n >= u && u + n <= USER_TOP; }

/* Checked copies: false when [u, u + n) is not entirely accessible user memory. */
static bool copy_from_user(void *dst, uint64_t u, size_t n)
{
	return user_range(u, n) && copy_user_raw(dst, (const void *)u, n);
}

static bool copy_to_user(uint64_t u, const void *src, size_t n)
{
	return user_range(u, n) && copy_user_raw((void *)u, src, n);
}

/* Copies a NUL-terminated path byte by byte: it may end just before an unmapped page. */
static int64_t path_from_user(char *buf, size_t size, uint64_t u)
{
	for (size_t i = 0; i < size; i++) {
		if (!copy_from_user(&buf[i], u + i, 1))
			return -EFAULT;
		if (!buf[i])
			return 0;
	}
	return -ENAMETOOLONG;
}

static int64_t sys_write(struct regs *r)
{
	uint64_t fd = r->rdi, buf = r->rsi, len = r->rdx;
	if (fd != 1 && fd != 2)
		return -EBADF;
	if (!user_range(buf, len))
		return -EFAULT;
	char chunk[128];
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
		if (!copy_from_user(chunk, buf + done, n))
			return done ? (int64_t)done : -EFAULT;
		for (uint64_t i = 0; i < n; i++)
			serial_putc(chunk[i]);
		done += n;
	}
	return (int64_t)len;
}

static int64_t sys_exit(struct regs *r) { proc_exit((int)(r->rdi & 0xff)); }

static int64_t sys_getpid(struct regs *r)
{
	(void)r;
	return proc_current()->pid;
}

static int64_t sys_yield(struct regs *r)
{
	(void)r;
	thread_yield();
	return 0;
}

static int64_t sys_open(struct regs *r)
{
	struct proc *p = proc_current();
	char path[256];
	int64_t err = path_from_user(path, sizeof path, r->rdi);
	if (err)
		return err;
	const struct initrd_node *n = initrd_lookup(path);
	if (!n)
		return -ENOENT;
	for (int fd = 3; fd < MAX_FDS; fd++) {
		if (!p->files[fd]) {
			p->files[fd] = n;
			p->offsets[fd] = 0;
			return fd;
		}
	}
	return -EMFILE;
}

static int64_t sys_read(struct regs *r)
{
	struct proc *p = proc_current();
	uint64_t fd = r->rdi, buf = r->rsi, len = r->rdx;
	if (fd >= MAX_FDS || !p->files[fd])
		return -EBADF;
	if (!user_range(buf, len))
		return -EFAULT;
	char chunk[128];
	uint64_t done = 0;
	while (done < len) {
		uint64_t want = len - done < sizeof chunk ? len - done : sizeof chunk;
		uint64_t n = initrd_read(p->files[fd], p->offsets[fd], chunk, want);
		if (!n)
			break;
		if (!copy_to_user(buf + done, chunk, n))
			return done ? (int64_t)done : -EFAULT;
		p->offsets[fd] += n;
		done += n;
	}
	return (int64_t)done;
}

static int64_t sys_close(struct regs *r)
{
	struct proc *p = proc_current();
	uint64_t fd = r->rdi;
	if (fd >= MAX_FDS || !p->files[fd])
		return -EBADF;
	p->files[fd] = NULL;
	return 0;
}

/* brk(0) reports the break; a new break inside the allowed heap moves it. */
static int64_t sys_brk(struct regs *r)
{
	struct proc *p = proc_current();
	uint64_t addr = r->rdi;
	if (addr >= p->heap_start && addr <= p->heap_start + USER_HEAP_MAX)
		p->brk = addr;
	return (int64_t)p->brk;
}

static int64_t sys_stat(struct regs *r)
{
	char path[256];
	int64_t err = path_from_user(path, sizeof path, r->rdi);
	if (err)
		return err;
	const struct initrd_node *n = initrd_lookup(path);
	return n ? (int64_t)n->size : -ENOENT;
}

static int64_t sys_timeslices(struct regs *r)
{
	(void)r;
	return (int64_t)thread_current()->switches;
}

static int64_t (*const table[])(struct regs *r) = {
	[SYS_write] = sys_write, [SYS_exit] = sys_exit, [SYS_getpid] = sys_getpid,
	[SYS_yield] = sys_yield, [SYS_open] = sys_open, [SYS_read] = sys_read,
	[SYS_close] = sys_close, [SYS_brk] = sys_brk,   [SYS_stat] = sys_stat,
	[SYS_timeslices] = sys_timeslices,
};

/* Called from syscall_entry with interrupts on; the result goes back in RAX. */
void syscall_dispatch(struct regs *r)
{
	/* NT processes have their own convention and table (nt/abi.h). */
	if (proc_current()->nt) {
		nt_syscall_dispatch(r);
		return;
	}
	uint64_t nr = r->rax;
	r->rax = (uint64_t)(nr < sizeof table / sizeof table[0] ? table[nr](r) : -ENOSYS);
}

void syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, ((uint64_t)(USER_BASE | 3) << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Entered with interrupts off, string ops forward, no single-step, SMAP enforced. */
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC);
}
