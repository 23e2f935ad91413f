#include "arch/cpu.h"
#include "boot/bootinfo.h"
#include "dev/apic.h"
#include "dev/ps2.h"
#include "dev/serial.h"
#include "fs/fs.h"
#include "fs/initrd.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "nt/process.h"
#include "proc/syscall.h"
#include "sched/thread.h"
#include "test/selftest.h"

/* True when word appears as a whole space-separated word of the command line. */
static bool cmdline_has(const char *word)
{
	size_t n = strlen(word);
	for (const char *p = boot.cmdline; *p;) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		if ((size_t)(end - p) == n && !strncmp(p, word, n))
			return true;
		p = end;
	}
	return false;
}

/* The value of the first `key=value` word (key given with its '='), or NULL. */
static const char *cmdline_value(const char *key)
{
	static char value[256];
	size_t n = strlen(key);
	for (const char *p = boot.cmdline; *p;) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		if ((size_t)(end - p) > n && !strncmp(p, key, n)) {
			size_t len = (size_t)(end - p) - n;
			if (len >= sizeof value)
				len = sizeof value - 1;
			memcpy(value, p + n, len);
			value[len] = 0;
			return value;
		}
		p = end;
	}
	return NULL;
}

/* Entered from _start on the kernel's own stack, with the loader's tables. */
void kmain(uint64_t info, uint64_t magic)
{
	serial_init();
	kprintf("twinstep kernel\n");
	bootinfo_init(info, magic);
	bootinfo_print();
	cpu_init();
	pmm_init();
	vmm_init();
	/* Own tables and stack from here on: the boot data is free memory. */
	pmm_reclaim_boot_data();
	initrd_init(phys_to_virt(boot.initrd_base), boot.initrd_size);
	fs_init();

	apic_init();
	serial_init_irq();
	ps2_init();
	sched_init();
	syscall_init();
	sti();

	/* "crash" on the command line exercises the panic path (exit status 3). */
	if (cmdline_has("crash"))
		asm volatile("ud2");
	/* init=PATH runs an NT program instead (after the self-tests only if asked). */
	const char *init = cmdline_value("init=");
	nt_trace = cmdline_has("nttrace");
	if (init) {
		if (cmdline_has("selftest"))
			selftest_run();
		nt_run_init(init);
	}
	int failed = selftest_run();
	machine_exit(failed ? 1 : 0);
}
