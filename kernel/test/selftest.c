#include "test/selftest.h"
#include "lib/kprintf.h"

/* Each subsystem's tests live beside its code, in *_test.c. */
#define TESTS(X)                                                                               \
	X(bootinfo) X(sha256) X(random) X(serial_loopback_irq) X(pmm) X(pmm_reserve) X(pt_split) X(nx) X(wp) X(heap) X(int3)      \
	X(divide_error) X(ud2) X(ist) X(msr) X(swapgs) X(fsgsbase) X(lapic_timer) X(ps2)        \
	X(preempt) X(sleep) X(mutex) X(smap) X(smep) X(initrd) X(initrd_hostile) X(ramfs) X(console_line) X(console_raw_uart) X(console_ps2) X(console_rts) X(nt_file) X(nt_file_info) X(nt_directory) X(nt_volume) X(user_hello) X(user_kernel_access) X(user_nx) \
	X(user_divide) X(user_demand_zero) X(user_efault) X(user_preempt) X(user_bad_return) \
	X(nt_handles) X(nt_pe_load) X(nt_pe_image_events) X(nt_pe_missing_dll) X(nt_pe_missing_export) X(nt_pe_malformed) \
	X(nt_user_loader) X(nt_user_vm) X(nt_user_objects) X(nt_user_processes) X(nt_exception)

#define DECLARE(n) const char *test_##n(void);
TESTS(DECLARE)

static const struct {
	const char *name;
	selftest_fn fn;
} tests[] = {
#define ENTRY(n) {#n, test_##n},
	TESTS(ENTRY)
};

static char reason[160];

const char *fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return reason;
}

void test_note(const char *msg) { kprintf("       note: %s\n", msg); }

int selftest_run(void)
{
	int passed = 0, failed = 0;
	for (unsigned i = 0; i < sizeof tests / sizeof tests[0]; i++) {
		const char *why = tests[i].fn();
		if (why) {
			kprintf("[FAIL] %s\n       %s\n", tests[i].name, why);
			failed++;
		} else {
			kprintf("[ OK ] %s\n", tests[i].name);
			passed++;
		}
	}
	kprintf("selftest: %d passed, %d failed\n", passed, failed);
	return failed;
}
