#include "fs/fs.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "test/selftest.h"

/* ASCII to UTF-16 in a static buffer (tests only). */
static const uint16_t *w(const char *s, size_t *len)
{
	static uint16_t buf[2][128];
	static int which;
	uint16_t *b = buf[which ^= 1];
	size_t n = 0;
	for (; s[n] && n < 127; n++)
		b[n] = (uint8_t)s[n];
	*len = n;
	return b;
}

static nt_status lookup(const char *path, struct fs_node **out)
{
	size_t n;
	const uint16_t *p = w(path, &n);
	return fs_lookup(NULL, p, n, out, NULL);
}

/* Path forms, "." and "..", case, separators and the errors. */
static const char *paths(void)
{
	static const struct {
		const char *path;
		nt_status want;
	} cases[] = {
		{"\\??\\C:\\etc\\motd", 0},
		{"C:\\ETC\\Motd", 0},
		{"c:/etc/motd", 0},
		{"\\etc\\.\\..\\etc\\\\motd", 0},
		{"etc/motd", 0},
		{"C:\\..\\..\\etc\\motd", 0},
		{"\\??\\C:\\etc\\", 0},
		{"C:", 0},
		{"\\??\\C:\\etc\\nothing", NT_STATUS_OBJECT_NAME_NOT_FOUND},
		{"C:\\nothing\\motd", NT_STATUS_OBJECT_PATH_NOT_FOUND},
		{"C:\\etc\\motd\\x", NT_STATUS_OBJECT_PATH_NOT_FOUND},
		{"C:\\etc\\mo*d", NT_STATUS_OBJECT_NAME_INVALID},
		{"C:\\etc\\a:b", NT_STATUS_OBJECT_NAME_INVALID},
		{"D:\\etc\\motd", NT_STATUS_OBJECT_PATH_NOT_FOUND},
		{"\\??\\PIPE\\x", NT_STATUS_OBJECT_PATH_NOT_FOUND},
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fs_node *n = NULL;
		nt_status st = lookup(cases[i].path, &n);
		if (st != cases[i].want)
			return fail("%s: status %x, want %x", cases[i].path, st, cases[i].want);
		if (!st)
			fs_node_unref(n);
	}
	/* Too long a component, and too long a path. */
	uint16_t *big = kmalloc((FS_PATH_MAX + 8) * 2);
	if (!big)
		return fail("out of memory");
	big[0] = '\\';
	for (int i = 1; i < FS_PATH_MAX + 8; i++)
		big[i] = 'a';
	struct fs_node *n;
	nt_status a = fs_lookup(NULL, big, FS_NAME_MAX + 2, &n, NULL);
	nt_status b = fs_lookup(NULL, big, FS_PATH_MAX + 8, &n, NULL);
	kfree(big);
	if (a != NT_STATUS_OBJECT_NAME_INVALID || b != NT_STATUS_OBJECT_NAME_INVALID)
		return fail("long names: %x, %x", a, b);
	return NULL;
}

static bool name_is(struct fs_node *n, const char *s)
{
	size_t len;
	const uint16_t *p = w(s, &len);
	return n && n->name_len == len && !memcmp(n->name, p, len * 2);
}

/* Create, write (copy-on-write of a seeded file), read, rename, delete, list. */
static const char *tree(void)
{
	struct fs_node *etc, *motd, *dir, *f, *g;
	size_t len;
	const uint16_t *p;
	if (lookup("C:\\etc", &etc) || lookup("C:\\etc\\motd", &motd))
		return fail("seeded nodes missing");
	const uint8_t *seed = motd->seed;
	uint64_t seed_size = motd->size;
	if (!seed || motd->data)
		return fail("seeded file was copied at boot");
	p = w("Test Dir", &len);
	if (fs_create(etc, p, len, true, &dir))
		return fail("mkdir");
	p = w("TEST DIR", &len);
	if (fs_create(etc, p, len, false, &f) != NT_STATUS_OBJECT_NAME_COLLISION)
		return fail("case-insensitive collision not detected");
	p = w("b.txt", &len);
	if (fs_create(dir, p, len, false, &f))
		return fail("create b.txt");
	p = w("A.txt", &len);
	if (fs_create(dir, p, len, false, &g))
		return fail("create A.txt");
	/* Sorted listing, names as created. */
	if (!name_is(dir->children, "A.txt") || !name_is(dir->children->next, "b.txt"))
		return fail("listing order");
	uint8_t *d = fs_writable(f, 6);
	if (!d)
		return fail("fs_writable");
	memcpy(d, "hello!", 6);
	f->size = 6;
	if (fs_set_size(f, 10) || fs_set_size(f, 4))
		return fail("set size");
	char buf[16] = {0};
	if (fs_read(f, 1, buf, sizeof buf) != 3 || memcmp(buf, "ell", 3))
		return fail("read back \"%s\"", buf);
	if (fs_set_size(f, 8) || fs_read(f, 0, buf, 16) != 8 || memcmp(buf, "hell\0\0\0\0", 8))
		return fail("growth is not zero-filled");
	/* Writing a seeded file copies it first; the initrd stays as it was. */
	uint64_t before = fs_bytes_used();
	if (!fs_writable(motd, motd->size) || motd->seed || !motd->data || memcmp(motd->data, seed, seed_size))
		return fail("copy-on-write");
	if (fs_bytes_used() != before)
		return fail("bytes used changed on a copy");
	/* Rename: within the directory, case only, across directories, over a file. */
	p = w("c.TXT", &len);
	if (fs_rename(f, dir, p, len, false) || !name_is(dir->children->next, "c.TXT"))
		return fail("rename in place");
	p = w("C.txt", &len);
	if (fs_rename(f, dir, p, len, false) || !name_is(dir->children->next, "C.txt"))
		return fail("rename case only");
	p = w("A.TXT", &len);
	if (fs_rename(f, dir, p, len, false) != NT_STATUS_OBJECT_NAME_COLLISION)
		return fail("rename over a file without replace");
	if (fs_rename(f, dir, p, len, true) || dir->children != f || f->next)
		return fail("rename with replace");
	p = w("moved", &len);
	if (fs_rename(f, etc, p, len, false) || f->parent != etc || dir->children)
		return fail("rename across directories");
	if (fs_rename(dir, dir, p, len, false) != NT_STATUS_INVALID_PARAMETER)
		return fail("a directory moved into itself");
	struct fs_node *moved;
	if (lookup("c:\\ETC\\MOVED", &moved) || moved != f)
		return fail("lookup after rename");
	fs_node_unref(moved);
	/* Path of a node. */
	uint16_t path[32];
	size_t n = fs_node_path(f, path, 32);
	p = w("\\etc\\moved", &len);
	if (n != len || memcmp(path, p, len * 2))
		return fail("fs_node_path gave %lu units", (uint64_t)n);
	/* Delete: a non-empty directory refuses. */
	p = w("x", &len);
	if (fs_create(dir, p, len, false, &g))
		return fail("create x");
	if (fs_unlink(dir) != NT_STATUS_DIRECTORY_NOT_EMPTY)
		return fail("removed a non-empty directory");
	if (fs_unlink(g) || fs_unlink(dir) || fs_unlink(f))
		return fail("unlink");
	if (fs_unlink(fs_root()) != NT_STATUS_ACCESS_DENIED)
		return fail("removed the root");
	if (!lookup("C:\\etc\\moved", &g))
		return fail("found a deleted file");
	fs_node_unref(etc);
	fs_node_unref(motd);
	return NULL;
}

/* Wildcards: '*', '?', case, "*.*", DOS_STAR. */
static const char *wildcards(void)
{
	static const struct {
		const char *pat, *name;
		bool match;
	} cases[] = {
		{"*", "anything", 1},      {"*.*", "noext", 1},     {"*.txt", "A.TXT", 1},
		{"*.txt", "a.txt.bak", 0}, {"a?c", "abc", 1},       {"a?c", "ac", 0},
		{"*b*", "abc", 1},         {"*b*", "ac", 0},        {"readme", "README", 1},
		{"*.c", "x.cc", 0},        {"a*b*c", "aXbYbc", 1},  {"?", "", 0},
		{"<.exe", "cmd.EXE", 1},   {"cmd.ex?", "cmd.exe", 1},
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t pl, nl;
		const uint16_t *pat = w(cases[i].pat, &pl);
		const uint16_t *name = w(cases[i].name, &nl);
		if (fs_match(pat, pl, name, nl) != cases[i].match)
			return fail("\"%s\" against \"%s\": want %d", cases[i].pat, cases[i].name, cases[i].match);
	}
	return NULL;
}

const char *test_ramfs(void)
{
	/* The loader's view (it takes the lock itself). */
	const uint8_t *data;
	uint64_t size;
	if (fs_file_data_ascii("/etc/motd", &data, &size) || size < 8 || memcmp(data, "Welcome ", 8))
		return fail("fs_file_data_ascii(/etc/motd)");
	if (fs_file_data_ascii("C:\\etc", &data, &size) != NT_STATUS_FILE_IS_A_DIRECTORY)
		return fail("fs_file_data of a directory");
	fs_lock();
	const char *why = paths();
	if (!why)
		why = tree();
	if (!why)
		why = wildcards();
	fs_unlock();
	return why;
}
