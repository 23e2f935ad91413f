#include "fs/initrd.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "mm/heap.h"

/* The boot archive's entries (cmd.exe, its DLLs, the test programs...). */
static struct initrd archive;

static uint64_t octal(const char *s, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n && s[i] >= '0' && s[i] <= '7'; i++)
		v = v * 8 + (s[i] - '0');
	return v;
}

/* Strips "./" and "/" prefixes and trailing slashes, in place. */
static const char *normalize(const char *in, char *out, int size)
{
	while (in[0] == '/' || (in[0] == '.' && in[1] == '/'))
		in += in[0] == '/' ? 1 : 2;
	int n = 0;
	for (; in[n] && n < size - 1; n++)
		out[n] = in[n];
	while (n > 0 && out[n - 1] == '/')
		n--;
	out[n] = 0;
	return out;
}

/* The ustar checksum: every header byte, the checksum field taken as spaces. */
static bool checksum_ok(const uint8_t *h)
{
	uint64_t sum = 0;
	for (int i = 0; i < 512; i++)
		sum += i >= 148 && i < 156 ? ' ' : h[i];
	return sum == octal((const char *)h + 148, 8);
}

/* One more slot in t, growing the table; NULL when out of memory. */
static struct initrd_node *new_node(struct initrd *t)
{
	if (t->count == t->cap) {
		int cap = t->cap ? t->cap * 2 : 64;
		struct initrd_node *n = kmalloc((size_t)cap * sizeof *n);
		if (!n)
			return NULL;
		if (t->count)
			memcpy(n, t->nodes, (size_t)t->count * sizeof *n);
		kfree(t->nodes);
		t->nodes = n;
		t->cap = cap;
	}
	return &t->nodes[t->count];
}

int initrd_parse(struct initrd *t, const void *base, uint64_t size)
{
	const uint8_t *start = base, *p = start;
	/* Each problem stops the walk: nothing after a bad header can be trusted. */
	const char *why = NULL;
	while (size - (uint64_t)(p - start) >= 512 && p[0]) {
		const char *h = (const char *)p;
		uint64_t fsize = octal(h + 124, 12), room = size - (uint64_t)(p - start) - 512;
		if (memcmp(h + 257, "ustar", 5)) {
			why = "not a ustar header";
			break;
		}
		if (!checksum_ok(p)) {
			why = "bad header checksum";
			break;
		}
		if (fsize > room) {
			why = "entry runs past the end of the archive";
			break;
		}
		char type = h[156], full[256];
		/* ustar splits long names into prefix (155) and name (100), neither NUL-terminated when full. */
		int n = 0;
		for (int i = 0; i < 155 && h[345 + i]; i++)
			full[n++] = h[345 + i];
		if (n)
			full[n++] = '/';
		for (int i = 0; i < 100 && h[i]; i++)
			full[n++] = h[i];
		full[n] = 0;
		struct initrd_node *node = new_node(t);
		if (!node) {
			why = "out of memory for the entry table";
			break;
		}
		normalize(full, node->path, sizeof node->path);
		if (node->path[0] && (type == '0' || type == 0 || type == '5')) {
			node->dir = type == '5';
			node->data = p + 512;
			node->size = node->dir ? 0 : fsize;
			t->count++;
		}
		p += 512 + (fsize + 511) / 512 * 512;
		if (p > start + size)
			p = start + size; /* the last entry's padding may be cut off */
	}
	if (why)
		kprintf("initrd: %s at offset %lu: the rest of the archive is ignored\n", why, (uint64_t)(p - start));
	return t->count;
}

void initrd_init(const void *base, uint64_t size)
{
	kprintf("initrd: %d files and directories\n", initrd_parse(&archive, base, size));
}

const struct initrd_node *initrd_lookup(const char *path)
{
	char want[256];
	normalize(path, want, sizeof want);
	for (int i = 0; i < archive.count; i++)
		if (!strcmp(archive.nodes[i].path, want))
			return &archive.nodes[i];
	return NULL;
}

int initrd_list(const char *dir, void (*fn)(const struct initrd_node *n, void *arg), void *arg)
{
	char d[256];
	normalize(dir, d, sizeof d);
	size_t dl = strlen(d);
	int count = 0;
	for (int i = 0; i < archive.count; i++) {
		const char *p = archive.nodes[i].path;
		if (dl && (strncmp(p, d, dl) || p[dl] != '/'))
			continue;
		const char *rest = dl ? p + dl + 1 : p;
		bool child = *rest;
		for (const char *c = rest; *c; c++)
			if (*c == '/')
				child = false;
		if (child) {
			fn(&archive.nodes[i], arg);
			count++;
		}
	}
	return count;
}

uint64_t initrd_read(const struct initrd_node *n, uint64_t off, void *buf, uint64_t len)
{
	if (n->dir || off >= n->size)
		return 0;
	if (len > n->size - off)
		len = n->size - off;
	memcpy(buf, n->data + off, len);
	return len;
}

int initrd_count(void) { return archive.count; }

const struct initrd_node *initrd_at(int i) { return i >= 0 && i < archive.count ? &archive.nodes[i] : NULL; }
