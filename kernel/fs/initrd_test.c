#include "fs/initrd.h"
#include "lib/string.h"
#include "test/selftest.h"

static void count_hello(const struct initrd_node *n, void *arg)
{
	if (!strcmp(n->path, "bin/hello"))
		++*(int *)arg;
}

const char *test_initrd(void)
{
	static const char motd[] = "Welcome to twinstep.\nThis file lives in the initial ramdisk.\n";
	const struct initrd_node *n = initrd_lookup("/etc/motd");
	if (!n || n->dir)
		return fail("/etc/motd not found");
	char buf[128] = {0};
	uint64_t got = initrd_read(n, 0, buf, sizeof buf);
	if (got != sizeof motd - 1 || memcmp(buf, motd, got))
		return fail("/etc/motd: %lu bytes \"%s\"", got, buf);
	if (initrd_read(n, 11, buf, 8) != 8 || memcmp(buf, "twinstep", 8))
		return fail("read at an offset");
	const struct initrd_node *d = initrd_lookup("./etc/");
	if (!d || !d->dir)
		return fail("/etc is not a directory");
	if (initrd_lookup("/etc/nonexistent"))
		return fail("found a file that does not exist");
	int hello = 0;
	if (initrd_list("/bin", count_hello, &hello) < 2 || hello != 1)
		return fail("listing /bin");
	return NULL;
}
