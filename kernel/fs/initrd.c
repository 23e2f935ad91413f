#include "fs/initrd.h"
#include "lib/kprintf.h"
#include "lib/string.h"

/* cmd.exe, its DLLs and the test programs all come through here. */
#define MAX_NODES 512

static struct initrd_node nodes[MAX_NODES];
static int nnodes;

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

void initrd_init(const void *base, uint64_t size)
{
	const uint8_t *p = base, *end = p + size;
	while (p + 512 <= end && p[0] && nnodes < MAX_NODES) {
		const char *h = (const char *)p;
		if (memcmp(h + 257, "ustar", 5))
			panic("initrd: header at offset %lu is not ustar", (uint64_t)(p - (const uint8_t *)base));
		uint64_t fsize = octal(h + 124, 12);
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
		struct initrd_node *node = &nodes[nnodes];
		normalize(full, node->path, sizeof node->path);
		if (node->path[0] && (type == '0' || type == 0 || type == '5')) {
			node->dir = type == '5';
			node->data = p + 512;
			node->size = node->dir ? 0 : fsize;
			nnodes++;
		}
		p += 512 + (fsize + 511) / 512 * 512;
	}
	kprintf("initrd: %d files and directories\n", nnodes);
}

const struct initrd_node *initrd_lookup(const char *path)
{
	char want[256];
	normalize(path, want, sizeof want);
	for (int i = 0; i < nnodes; i++)
		if (!strcmp(nodes[i].path, want))
			return &nodes[i];
	return NULL;
}

int initrd_list(const char *dir, void (*fn)(const struct initrd_node *n, void *arg), void *arg)
{
	char d[256];
	normalize(dir, d, sizeof d);
	size_t dl = strlen(d);
	int count = 0;
	for (int i = 0; i < nnodes; i++) {
		const char *p = nodes[i].path;
		if (dl && (strncmp(p, d, dl) || p[dl] != '/'))
			continue;
		const char *rest = dl ? p + dl + 1 : p;
		bool child = *rest;
		for (const char *c = rest; *c; c++)
			if (*c == '/')
				child = false;
		if (child) {
			fn(&nodes[i], arg);
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

int initrd_count(void) { return nnodes; }

const struct initrd_node *initrd_at(int i) { return i >= 0 && i < nnodes ? &nodes[i] : NULL; }
