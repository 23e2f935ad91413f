#include "fs/initrd.h"
#include "lib/string.h"
#include "mm/heap.h"
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

/* A ustar header for name with size bytes (claimed) and type, checksummed. */
static void header(uint8_t *h, const char *name, uint64_t size, char type)
{
	memset(h, 0, 512);
	memcpy(h, name, strlen(name));
	memcpy(h + 100, "0000644", 7);
	for (int i = 10; i >= 0; i--, size >>= 3)
		h[124 + i] = (uint8_t)('0' + (size & 7));
	h[156] = (uint8_t)type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	uint64_t sum = 8 * ' ';
	for (int i = 0; i < 512; i++)
		sum += h[i];
	for (int i = 5; i >= 0; i--, sum >>= 3)
		h[148 + i] = (uint8_t)('0' + (sum & 7));
	h[154] = 0;
	h[155] = ' ';
}

static void free_table(struct initrd *t) { kfree(t->nodes); }

/* Issue 11 item 5: every entry is bounded by the archive and checksummed,
 * and there is no fixed limit on the number of entries. */
const char *test_initrd_hostile(void)
{
	enum { MANY = 600 };
	uint8_t *buf = kzalloc((MANY + 4) * 512);
	if (!buf)
		return fail("out of memory");
	const char *why = NULL;
	struct initrd t = {0};
	/* A file claiming 8 GiB in a 1 KiB archive. */
	header(buf, "a", 1, '0');
	header(buf + 1024, "huge", 077777777777ull, '0');
	if (initrd_parse(&t, buf, 2048) != 1 || t.nodes[0].size != 1)
		why = fail("truncated archive: %d entries, want only the first", t.count);
	free_table(&t);
	/* A header whose checksum does not match stops the walk. */
	t = (struct initrd){0};
	header(buf + 1024, "b", 0, '0');
	buf[1024 + 1] = 'x';
	if (!why && initrd_parse(&t, buf, 2048) != 1)
		why = fail("bad checksum: %d entries, want 1", t.count);
	free_table(&t);
	/* More entries than any fixed table held. */
	t = (struct initrd){0};
	for (int i = 0; i < MANY; i++) {
		char name[8] = {'d', (char)('0' + i / 100), (char)('0' + i / 10 % 10), (char)('0' + i % 10)};
		header(buf + i * 512, name, 0, '5');
	}
	if (!why && initrd_parse(&t, buf, (MANY + 2) * 512) != MANY)
		why = fail("%d of %d entries", t.count, MANY);
	free_table(&t);
	kfree(buf);
	return why;
}
