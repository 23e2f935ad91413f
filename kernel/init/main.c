#include "arch/cpu.h"
#include "boot/bootinfo.h"
#include "dev/apic.h"
#include "dev/ps2.h"
#include "dev/serial.h"
#include "fs/fs.h"
#include "fs/initrd.h"
#include "lib/kprintf.h"
#include "lib/random.h"
#include "lib/string.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "nt/process.h"
#include "proc/syscall.h"
#include "sched/thread.h"
#include "test/selftest.h"

/* The command line's space-separated words, one at a time: the next word
 * at or after *p (its length in *len), or NULL at the end. */
static const char *next_word(const char **p, size_t *len)
{
	const char *w = *p;
	while (*w == ' ')
		w++;
	const char *end = w;
	while (*end && *end != ' ')
		end++;
	*p = end;
	*len = (size_t)(end - w);
	return *len ? w : NULL;
}

/* True when word appears as a whole word of the command line. */
static bool cmdline_has(const char *word)
{
	size_t n = strlen(word), len;
	for (const char *p = boot.cmdline, *w; (w = next_word(&p, &len));)
		if (len == n && !strncmp(w, word, n))
			return true;
	return false;
}

/* The value of the first `key=value` word (key given with its '='), or NULL. */
static const char *cmdline_value(const char *key)
{
	static char value[256];
	size_t n = strlen(key), len;
	for (const char *p = boot.cmdline, *w; (w = next_word(&p, &len));) {
		if (len > n && !strncmp(w, key, n)) {
			len -= n;
			if (len >= sizeof value)
				len = sizeof value - 1;
			memcpy(value, w + n, len);
			value[len] = 0;
			return value;
		}
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
	random_init(); /* after the boot information and the initrd it hashes */
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
