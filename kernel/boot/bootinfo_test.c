#include "boot/bootinfo.h"
#include "lib/string.h"
#include "test/selftest.h"

const char *test_bootinfo(void)
{
	if (boot.problem)
		return fail("%s", boot.problem);
	if (strcmp(boot.loader, "pvh") && strcmp(boot.loader, "twinstep"))
		return fail("unknown loader \"%s\"", boot.loader);
	if (!boot.initrd_size)
		return fail("no initrd");
	uint64_t usable = 0;
	for (uint32_t i = 0; i < boot.mmap_count; i++)
		if (boot.mmap[i].type == MEM_USABLE)
			usable += boot.mmap[i].length;
	if (usable < (4ull << 20))
		return fail("only %lu KiB usable RAM", usable / 1024);
	return NULL;
}
