/*
 * The file layer below the system calls, with kernel buffers: the same
 * code the system calls run once their arguments are checked and copied.
 */
#include "nt/file.h"
#include "dev/console.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "test/selftest.h"

static uint16_t *w(const char *s, size_t *len)
{
	static uint16_t buf[4][160];
	static int which;
	uint16_t *b = buf[which = (which + 1) % 4];
	size_t n = 0;
	for (; s[n] && n < 159; n++)
		b[n] = (uint8_t)s[n];
	*len = n;
	return b;
}

static nt_status open(const char *path, uint32_t access, uint32_t disp, uint32_t options, struct nt_object **o,
		      uint64_t *info)
{
	size_t len;
	const uint16_t *p = w(path, &len);
	uint64_t dummy;
	return nt_file_open(NULL, p, len, access, 0, disp, options, o, info ? info : &dummy);
}

static nt_status put(struct nt_object *o, const char *s, const int64_t *off)
{
	uint64_t done;
	nt_status st = nt_file_write(o, (uint64_t)s, false, strlen(s), off, &done);
	return st ? st : done == strlen(s) ? NT_STATUS_SUCCESS : NT_STATUS_UNSUCCESSFUL;
}

/* Reads everything from offset 0 into buf (NUL-terminated). */
static uint64_t slurp(struct nt_object *o, char *buf, uint64_t cap)
{
	int64_t zero = 0;
	uint64_t done = 0;
	memset(buf, 0, cap);
	nt_file_read(o, (uint64_t)buf, false, cap - 1, &zero, &done);
	return done;
}

static nt_status set_disposition(struct nt_object *o, bool del)
{
	uint8_t b = del;
	return nt_file_set_info(o, &b, 1, NT_FILE_DISPOSITION_INFORMATION, NULL);
}

#define RW (NT_GENERIC_READ | NT_GENERIC_WRITE)

/* Dispositions, the create result, access checks, positions, appends. */
const char *test_nt_file(void)
{
	struct nt_object *d, *f, *g;
	uint64_t info;
	char buf[64];
	uint64_t done;
	if (open("\\??\\C:\\ntest", 0, NT_FILE_CREATE, NT_FILE_DIRECTORY_FILE, &d, &info) || info != 2)
		return fail("mkdir C:\\ntest");
	if (open("C:\\ntest\\a.txt", RW, NT_FILE_OPEN, 0, &f, NULL) != NT_STATUS_OBJECT_NAME_NOT_FOUND)
		return fail("FILE_OPEN of a missing file");
	if (open("C:\\ntest\\no\\a.txt", RW, NT_FILE_CREATE, 0, &f, NULL) != NT_STATUS_OBJECT_PATH_NOT_FOUND)
		return fail("create in a missing directory");
	if (open("C:\\ntest\\a.txt", RW, NT_FILE_OPEN_IF, NT_FILE_NON_DIRECTORY_FILE, &f, &info) || info != 2)
		return fail("OPEN_IF create");
	if (put(f, "hello world", NULL))
		return fail("write");
	int64_t six = 6;
	if (put(f, "WORLD!", &six) || slurp(f, buf, sizeof buf) != 12 || strcmp(buf, "hello WORLD!"))
		return fail("write at an offset: \"%s\"", buf);
	/* Reads advance the position; the end gives STATUS_END_OF_FILE. */
	int64_t at = 6;
	if (nt_file_read(f, (uint64_t)buf, false, 5, &at, &done) || done != 5 ||
	    nt_file_read(f, (uint64_t)buf, false, 5, NULL, &done) || done != 1 ||
	    nt_file_read(f, (uint64_t)buf, false, 5, NULL, &done) != NT_STATUS_END_OF_FILE || done)
		return fail("sequential reads");
	if (open("C:\\ntest\\A.TXT", RW, NT_FILE_CREATE, 0, &g, NULL) != NT_STATUS_OBJECT_NAME_COLLISION)
		return fail("FILE_CREATE over an existing file");
	if (open("C:\\ntest\\a.txt", RW, NT_FILE_OPEN, NT_FILE_DIRECTORY_FILE, &g, NULL) != NT_STATUS_NOT_A_DIRECTORY)
		return fail("a file opened as a directory");
	if (open("C:\\ntest", RW, NT_FILE_OPEN, NT_FILE_NON_DIRECTORY_FILE, &g, NULL) != NT_STATUS_FILE_IS_A_DIRECTORY)
		return fail("a directory opened as a file");
	if (open("C:\\ntest\\a.txt\\", RW, NT_FILE_OPEN, 0, &g, NULL) != NT_STATUS_OBJECT_NAME_INVALID)
		return fail("a file with a trailing separator");
	/* Relative to a directory handle (OBJECT_ATTRIBUTES.RootDirectory). */
	size_t rl;
	const uint16_t *rel = w("..\\ntest\\.\\A.txt", &rl);
	uint64_t rinfo;
	if (nt_file_open(nt_file_node(d), rel, rl, NT_GENERIC_READ, 0, NT_FILE_OPEN, 0, &g, &rinfo) ||
	    nt_file_node(g) != nt_file_node(f))
		return fail("open relative to a directory");
	nt_object_unref(g);
	if (nt_file_read(d, (uint64_t)buf, false, 4, NULL, &done) != NT_STATUS_INVALID_DEVICE_REQUEST)
		return fail("read from a directory");
	/* Read-only and append-only handles. */
	if (open("c:/ntest/a.txt", NT_GENERIC_READ, NT_FILE_OPEN, 0, &g, &info) || info != 1)
		return fail("open for reading");
	if (put(g, "x", NULL) != NT_STATUS_ACCESS_DENIED)
		return fail("wrote through a read-only handle");
	nt_object_unref(g);
	if (open("c:/ntest/a.txt", NT_FILE_APPEND_DATA, NT_FILE_OPEN, 0, &g, NULL))
		return fail("open for appending");
	if (nt_file_read(g, (uint64_t)buf, false, 4, NULL, &done) != NT_STATUS_ACCESS_DENIED)
		return fail("read through an append-only handle");
	int64_t zero = 0;
	if (put(g, "+", &zero) || slurp(f, buf, sizeof buf) != 13 || strcmp(buf, "hello WORLD!+"))
		return fail("append: \"%s\"", buf);
	nt_object_unref(g);
	/* Overwrite and supersede empty it; OVERWRITE of a missing file fails. */
	if (open("C:\\ntest\\a.txt", RW, NT_FILE_OVERWRITE_IF, 0, &g, &info) || info != 3)
		return fail("OVERWRITE_IF");
	nt_object_unref(g);
	if (slurp(f, buf, sizeof buf) != 0)
		return fail("overwrite left %lu bytes", (uint64_t)strlen(buf));
	if (open("C:\\ntest\\b.txt", RW, NT_FILE_OVERWRITE, 0, &g, NULL) != NT_STATUS_OBJECT_NAME_NOT_FOUND)
		return fail("OVERWRITE of a missing file");
	if (open("C:\\ntest\\b.txt", RW, NT_FILE_SUPERSEDE, 0, &g, &info) || info != 2)
		return fail("SUPERSEDE of a missing file creates");
	put(g, "abc", NULL);
	nt_object_unref(g);
	if (open("C:\\ntest\\b.txt", RW, NT_FILE_SUPERSEDE, 0, &g, &info) || info != 0)
		return fail("SUPERSEDE of a file");
	nt_object_unref(g);
	/* Delete on close: the name stays until the last handle closes. */
	if (open("C:\\ntest\\b.txt", RW, NT_FILE_OPEN, NT_FILE_DELETE_ON_CLOSE, &g, NULL))
		return fail("open with DELETE_ON_CLOSE");
	struct nt_file_network_open_information noi;
	size_t len;
	uint16_t *p = w("C:\\ntest\\b.txt", &len);
	if (nt_file_query_attributes(NULL, p, len, &noi) || noi.end_of_file)
		return fail("query attributes");
	nt_object_unref(g);
	if (nt_file_query_attributes(NULL, p, len, &noi) != NT_STATUS_OBJECT_NAME_NOT_FOUND)
		return fail("delete on close");
	/* A non-empty directory refuses deletion; NUL and the console. */
	if (set_disposition(d, true) != NT_STATUS_DIRECTORY_NOT_EMPTY)
		return fail("disposition on a non-empty directory");
	if (set_disposition(f, true))
		return fail("disposition on a file");
	nt_object_unref(f);
	if (set_disposition(d, true))
		return fail("disposition on an empty directory");
	nt_object_unref(d);
	p = w("C:\\ntest", &len);
	if (nt_file_query_attributes(NULL, p, len, &noi) != NT_STATUS_OBJECT_NAME_NOT_FOUND)
		return fail("directory survived its disposition");
	if (open("C:\\anywhere\\nul", RW, NT_FILE_OPEN, 0, &g, NULL) || put(g, "gone", NULL) ||
	    nt_file_read(g, (uint64_t)buf, false, 4, NULL, &done) != NT_STATUS_END_OF_FILE)
		return fail("NUL");
	nt_object_unref(g);
	if (open("\\??\\CONOUT$", RW, NT_FILE_OPEN, 0, &g, NULL) || !console_is(g))
		return fail("CONOUT$ is not the console");
	nt_object_unref(g);
	return NULL;
}

/* Query and set information: layouts, rename, end of file, position. */
const char *test_nt_file_info(void)
{
	struct nt_object *d, *f;
	uint8_t b[256];
	uint64_t n;
	if (open("C:\\ntinfo", 0, NT_FILE_CREATE, NT_FILE_DIRECTORY_FILE, &d, NULL))
		return fail("mkdir");
	if (open("C:\\ntinfo\\x.dat", RW, NT_FILE_CREATE, 0, &f, NULL) || put(f, "0123456789", NULL))
		return fail("create");
	const char *why = NULL;
	int64_t v;
	uint32_t u;
	if (nt_file_query_info(f, b, 24, NT_FILE_STANDARD_INFORMATION, &n) || n != 24)
		why = fail("standard");
	else if (memcpy(&v, b + 8, 8), v != 10 || b[21] || *(uint32_t *)(b + 16) != 1)
		why = fail("standard: size %ld", v);
	else if (nt_file_query_info(f, b, 23, NT_FILE_STANDARD_INFORMATION, &n) != NT_STATUS_INFO_LENGTH_MISMATCH)
		why = fail("short buffer");
	else if (nt_file_query_info(f, b, 40, NT_FILE_BASIC_INFORMATION, &n) ||
		 (memcpy(&v, b + 24, 8), v != FS_FIXED_TIME) || (memcpy(&u, b + 32, 4), u != NT_FILE_ATTRIBUTE_ARCHIVE))
		why = fail("basic");
	else if (nt_file_query_info(f, b, 8, NT_FILE_POSITION_INFORMATION, &n) || (memcpy(&v, b, 8), v != 10))
		why = fail("position after the write");
	else if (nt_file_query_info(f, b, sizeof b, NT_FILE_NAME_INFORMATION, &n) || n != 4 + 26 ||
		 (memcpy(&u, b, 4), u != 26) || b[4] != '\\' || b[6] != 'n' || b[28] != 't')
		why = fail("name: %lu bytes", n);
	else if (nt_file_query_info(f, b, 12, NT_FILE_NAME_INFORMATION, &n) != NT_STATUS_BUFFER_OVERFLOW || n != 12)
		why = fail("name overflow");
	else if (nt_file_query_info(f, b, sizeof b, NT_FILE_ALL_INFORMATION, &n) || n != 96 + 4 + 26 ||
		 (memcpy(&v, b + 48, 8), v != 10) || (memcpy(&u, b + 96, 4), u != 26))
		why = fail("all");
	else if (nt_file_query_info(f, b, 56, NT_FILE_NETWORK_OPEN_INFORMATION, &n) || (memcpy(&v, b + 40, 8), v != 10))
		why = fail("network open");
	if (why)
		return why;
	/* End of file and position. */
	v = 4;
	if (nt_file_set_info(f, &v, 8, NT_FILE_END_OF_FILE_INFORMATION, NULL))
		return fail("set end of file");
	v = 2;
	char buf[16] = {0};
	uint64_t done;
	if (nt_file_set_info(f, &v, 8, NT_FILE_POSITION_INFORMATION, NULL) ||
	    nt_file_read(f, (uint64_t)buf, false, sizeof buf, NULL, &done) || done != 2 || memcmp(buf, "23", 2))
		return fail("position then read: %lu bytes", done);
	v = -1;
	if (nt_file_set_info(f, &v, 8, NT_FILE_POSITION_INFORMATION, NULL) != NT_STATUS_INVALID_PARAMETER)
		return fail("negative position");
	/* Rename: a bare name stays in the directory; a full path moves it. */
	struct {
		uint8_t replace, pad[7];
		uint64_t root;
		uint32_t len;
		uint16_t name[40];
	} __attribute__((packed)) ri = {0};
	size_t len;
	const uint16_t *p;
	p = w("y.dat", &len);
	memcpy(ri.name, p, len * 2);
	ri.len = (uint32_t)len * 2;
	if (nt_file_set_info(f, &ri, 20 + ri.len, NT_FILE_RENAME_INFORMATION, NULL))
		return fail("rename to a bare name");
	p = w("\\??\\C:\\ntinfo\\..\\z.dat", &len);
	memcpy(ri.name, p, len * 2);
	ri.len = (uint32_t)len * 2;
	if (nt_file_set_info(f, &ri, 20 + ri.len, NT_FILE_RENAME_INFORMATION, NULL))
		return fail("rename to a full path");
	if (nt_file_query_info(f, b, sizeof b, NT_FILE_NAME_INFORMATION, &n) || n != 4 + 12 || b[6] != 'z')
		return fail("name after rename");
	struct nt_object *g;
	if (open("C:\\ntinfo\\y.dat", RW, NT_FILE_CREATE, 0, &g, NULL))
		return fail("create y.dat");
	p = w("y.dat", &len);
	memcpy(ri.name, p, len * 2);
	ri.len = (uint32_t)len * 2;
	ri.replace = 0;
	if (nt_file_set_info(g, &ri, 20 + ri.len, NT_FILE_RENAME_INFORMATION, NULL))
		return fail("rename onto itself");
	nt_object_unref(g);
	p = w("C:\\ntinfo\\y.dat", &len);
	memcpy(ri.name, p, len * 2);
	ri.len = (uint32_t)len * 2;
	if (nt_file_set_info(f, &ri, 20 + ri.len, NT_FILE_RENAME_INFORMATION, NULL) != NT_STATUS_OBJECT_NAME_COLLISION)
		return fail("rename over a file without ReplaceIfExists");
	ri.replace = 1;
	if (nt_file_set_info(f, &ri, 20 + ri.len, NT_FILE_RENAME_INFORMATION, NULL))
		return fail("rename with ReplaceIfExists");
	if (set_disposition(f, true))
		return fail("delete");
	nt_object_unref(f);
	if (set_disposition(d, true))
		return fail("rmdir");
	nt_object_unref(d);
	return NULL;
}

/* Reads the entries of a listing into "name,name,..." (dirs get a '/'). */
static const char *names(const uint8_t *b, uint64_t used, uint32_t name_off, char *out, size_t cap)
{
	size_t o = 0;
	uint32_t at = 0;
	for (;;) {
		uint32_t next, bytes, attrs;
		memcpy(&next, b + at, 4);
		memcpy(&bytes, b + at + (name_off == 12 ? 8 : 60), 4);
		memcpy(&attrs, b + at + 56, 4);
		if (next & 7)
			return fail("NextEntryOffset %u is not 8-aligned", next);
		if (at + name_off + bytes > used)
			return fail("entry at %u runs past %lu", at, used);
		for (uint32_t i = 0; i < bytes / 2 && o + 2 < cap; i++)
			out[o++] = (char)b[at + name_off + 2 * i];
		if (name_off != 12 && (attrs & NT_FILE_ATTRIBUTE_DIRECTORY) && o + 2 < cap)
			out[o++] = '/';
		if (!next)
			break;
		if (o + 2 < cap)
			out[o++] = ',';
		at += next;
	}
	out[o] = 0;
	return NULL;
}

static nt_status list(struct nt_object *d, uint32_t cls, uint32_t name_off, const char *pat, bool single,
		      bool restart, char *out, uint32_t buflen, const char **why)
{
	static uint8_t b[1024];
	uint64_t used;
	size_t plen = 0;
	const uint16_t *p = pat ? w(pat, &plen) : NULL;
	memset(b, 0xcc, sizeof b);
	nt_status st = nt_file_query_directory(d, b, buflen, cls, single, p, plen, restart, &used);
	out[0] = 0;
	*why = NULL;
	if (!st || st == NT_STATUS_BUFFER_OVERFLOW)
		*why = names(b, used, name_off, out, 128);
	return st;
}

/* Listings: layouts, "." and "..", order, wildcards, single entries,
 * restarts, the end-of-listing statuses, small buffers. */
const char *test_nt_directory(void)
{
	struct nt_object *d, *f;
	static const char *files[] = {"C:\\ntdir\\b.TXT", "C:\\ntdir\\a.txt", "C:\\ntdir\\Readme", "C:\\ntdir\\sub"};
	if (open("C:\\ntdir", 0, NT_FILE_CREATE, NT_FILE_DIRECTORY_FILE, &d, NULL))
		return fail("mkdir");
	for (int i = 0; i < 4; i++) {
		if (open(files[i], RW, NT_FILE_CREATE, i == 3 ? NT_FILE_DIRECTORY_FILE : 0, &f, NULL))
			return fail("create %s", files[i]);
		nt_object_unref(f);
	}
	char out[128];
	const char *why;
	static const struct {
		uint32_t cls, name_off;
	} classes[] = {{1, 64}, {2, 68}, {3, 94}, {12, 12}, {37, 104}, {38, 80}};
	for (unsigned i = 0; i < 6; i++) {
		nt_status st = list(d, classes[i].cls, classes[i].name_off, NULL, false, true, out, 1024, &why);
		const char *want = classes[i].cls == 12 ? ".,..,a.txt,b.TXT,Readme,sub" : "./,../,a.txt,b.TXT,Readme,sub/";
		if (st || why || strcmp(out, want))
			return fail("class %u: %x %s \"%s\"", classes[i].cls, st, why ? why : "", out);
		if (list(d, classes[i].cls, classes[i].name_off, NULL, false, false, out, 1024, &why) !=
		    NT_STATUS_NO_MORE_FILES)
			return fail("class %u: no STATUS_NO_MORE_FILES", classes[i].cls);
	}
	/* Wildcards, case-insensitive; the pattern holds until a restart. */
	nt_status st = list(d, 3, 94, "*.txt", true, true, out, 1024, &why);
	if (st || why || strcmp(out, "a.txt"))
		return fail("single *.txt: %x \"%s\"", st, out);
	st = list(d, 3, 94, "zzz", false, false, out, 1024, &why);
	if (st || why || strcmp(out, "b.TXT"))
		return fail("pattern changed mid-scan: %x \"%s\"", st, out);
	if (list(d, 3, 94, "*.exe", false, true, out, 1024, &why) != NT_STATUS_NO_SUCH_FILE)
		return fail("no match: want STATUS_NO_SUCH_FILE");
	st = list(d, 1, 64, "?EADME", false, true, out, 1024, &why);
	if (st || why || strcmp(out, "Readme"))
		return fail("?EADME: %x \"%s\"", st, out);
	/* A buffer for two entries returns two; the next call goes on. */
	st = list(d, 1, 64, NULL, false, true, out, 64 + 2 + 6 + 64 + 4, &why);
	if (st || why || strcmp(out, "./,../"))
		return fail("small buffer: %x \"%s\"", st, out);
	st = list(d, 1, 64, NULL, false, false, out, 1024, &why);
	if (st || why || strcmp(out, "a.txt,b.TXT,Readme,sub/"))
		return fail("after a small buffer: %x \"%s\"", st, out);
	if (list(d, 1, 64, NULL, false, true, out, 63, &why) != NT_STATUS_INFO_LENGTH_MISMATCH)
		return fail("a buffer below one entry");
	/* The root has no "." or "..". */
	struct nt_object *root;
	if (open("\\??\\C:\\", 0, NT_FILE_OPEN, NT_FILE_DIRECTORY_FILE, &root, NULL))
		return fail("open the root");
	st = list(root, 1, 64, "*", true, true, out, 1024, &why);
	nt_object_unref(root);
	if (st || why || out[0] == '.')
		return fail("root listing starts with \"%s\"", out);
	/* A file is not a directory to list. */
	if (open("C:\\ntdir\\a.txt", RW, NT_FILE_OPEN, 0, &f, NULL))
		return fail("open a.txt");
	if (list(f, 1, 64, NULL, false, true, out, 1024, &why) != NT_STATUS_INVALID_PARAMETER)
		return fail("listing a file");
	nt_object_unref(f);
	/* Clean up through delete-on-close. */
	for (int i = 0; i < 4; i++) {
		if (open(files[i], 0, NT_FILE_OPEN, NT_FILE_DELETE_ON_CLOSE, &f, NULL))
			return fail("delete %s", files[i]);
		nt_object_unref(f);
	}
	if (set_disposition(d, true))
		return fail("rmdir");
	nt_object_unref(d);
	return NULL;
}

/* Volume information, and the device type that tells the console apart. */
const char *test_nt_volume(void)
{
	struct nt_object *root;
	uint8_t b[64];
	uint64_t n;
	uint32_t u;
	if (open("C:\\", 0, NT_FILE_OPEN, 0, &root, NULL))
		return fail("open the root");
	const char *why = NULL;
	if (nt_file_query_volume(root, b, sizeof b, NT_FILE_FS_VOLUME_INFORMATION, &n) || n != 34 ||
	    (memcpy(&u, b + 8, 4), u != 0x1234ABCD) || (memcpy(&u, b + 12, 4), u != 16) || b[18] != 'T' ||
	    b[32] != 'P')
		why = fail("volume: %lu bytes", n);
	else if (nt_file_query_volume(root, b, 24, NT_FILE_FS_VOLUME_INFORMATION, &n) != NT_STATUS_BUFFER_OVERFLOW)
		why = fail("volume label overflow");
	else if (nt_file_query_volume(root, b, sizeof b, NT_FILE_FS_ATTRIBUTE_INFORMATION, &n) || n != 20 ||
		 (memcpy(&u, b + 8, 4), u != 8) || b[12] != 'N' || b[18] != 'S')
		why = fail("attribute");
	else if (nt_file_query_volume(root, b, sizeof b, NT_FILE_FS_SIZE_INFORMATION, &n) || n != 24 ||
		 (memcpy(&u, b + 20, 4), u != 512))
		why = fail("size");
	else if (nt_file_query_volume(root, b, 8, NT_FILE_FS_DEVICE_INFORMATION, &n) ||
		 (memcpy(&u, b, 4), u != NT_FILE_DEVICE_DISK_FILE_SYSTEM))
		why = fail("device of a file");
	else if (nt_file_query_volume(console_object(), b, 8, NT_FILE_FS_DEVICE_INFORMATION, &n) ||
		 (memcpy(&u, b, 4), u != NT_FILE_DEVICE_CONSOLE))
		why = fail("device of the console");
	nt_object_unref(root);
	return why;
}
