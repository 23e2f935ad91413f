#if defined(_WIN64)
/* FindFirstFileW / FindNextFileW / FindClose over NtQueryDirectoryFile
 * (FileBothDirectoryInformation). The DOS wildcard match is done here, so
 * "*.*", "*." and "?" behave as on Windows whatever the file system does. */
#include "k32.h"
#include "path.h"


#define FIND_BUF 16384
struct find {
	uint32_t magic;
	HANDLE dir;
	uint32_t off, len; /* current entry and valid bytes in buf */
	int done;
	WCHAR mask[MAX_PATH];
	uint8_t buf[FIND_BUF];
};
#define FIND_MAGIC 0x444e4946u

static NTSTATUS refill(struct find *f, int restart)
{
	IO_STATUS_BLOCK iosb = { 0, 0 };
	NTSTATUS st = NtQueryDirectoryFile(f->dir, 0, 0, 0, &iosb, f->buf, FIND_BUF, NT_FILE_BOTH_DIRECTORY_INFORMATION,
		0, 0, restart);
	if (st < 0 || st == NT_STATUS_NO_MORE_FILES) { f->done = 1; f->len = 0; return st ? st : NT_STATUS_NO_MORE_FILES; }
	f->off = 0;
	f->len = (uint32_t)iosb.information;
	if (!f->len) { f->done = 1; return NT_STATUS_NO_MORE_FILES; }
	return 0;
}

/* Next entry matching the mask into fd; 0 or a status. */
static NTSTATUS next(struct find *f, WIN32_FIND_DATAW *fd)
{
	for (;;) {
		if (f->off >= f->len || f->len == 0) {
			if (f->done) return NT_STATUS_NO_MORE_FILES;
			NTSTATUS st = refill(f, 0);
			if (st) return st;
		}
		uint8_t *e = f->buf + f->off;
		uint32_t nextoff = *(uint32_t *)e;
		f->off = nextoff ? f->off + nextoff : f->len;
		uint32_t nl = *(uint32_t *)(e + 60) / 2;
		if (nl >= MAX_PATH) continue;
		WCHAR name[MAX_PATH];
		memcpy(name, e + 94, nl * 2);
		name[nl] = 0;
		if (!path_wild_match(f->mask, name)) continue;
		memset(fd, 0, sizeof *fd);
		fd->attributes = *(uint32_t *)(e + 56);
		int64_t t;
		t = *(int64_t *)(e + 8);  fd->ctime.dwLowDateTime = (DWORD)t; fd->ctime.dwHighDateTime = (DWORD)((uint64_t)t >> 32);
		t = *(int64_t *)(e + 16); fd->atime.dwLowDateTime = (DWORD)t; fd->atime.dwHighDateTime = (DWORD)((uint64_t)t >> 32);
		t = *(int64_t *)(e + 24); fd->wtime.dwLowDateTime = (DWORD)t; fd->wtime.dwHighDateTime = (DWORD)((uint64_t)t >> 32);
		t = *(int64_t *)(e + 40); fd->size_low = (DWORD)t; fd->size_high = (DWORD)((uint64_t)t >> 32);
		memcpy(fd->name, name, (nl + 1) * 2);
		uint32_t sl = e[68] / 2;
		if (sl > 12) sl = 12;
		memcpy(fd->alt_name, e + 70, sl * 2);
		fd->alt_name[sl] = 0;
		return 0;
	}
}

HANDLE WINAPI FindFirstFileW(const WCHAR *pattern, WIN32_FIND_DATAW *fd)
{
	if (!pattern || !*pattern) { set_last_error(ERROR_PATH_NOT_FOUND); return INVALID_HANDLE_VALUE; }
	WCHAR full[MAX_PATH * 2];
	DWORD n = GetFullPathNameW(pattern, MAX_PATH * 2, full, 0);
	if (!n || n >= MAX_PATH * 2) { set_last_error(ERROR_PATH_NOT_FOUND); return INVALID_HANDLE_VALUE; }
	size_t pl = w_len(pattern);
	/* "dir\" searches nothing on Windows: ERROR_FILE_NOT_FOUND */
	if (w_is_sep(pattern[pl - 1])) { set_last_error(ERROR_FILE_NOT_FOUND); return INVALID_HANDLE_VALUE; }
	size_t s = n;
	while (s > 0 && full[s - 1] != '\\') s--;
	if (s == 0 || n - s >= MAX_PATH) { set_last_error(ERROR_FILE_NOT_FOUND); return INVALID_HANDLE_VALUE; }
	struct find *f = k32_alloc(sizeof *f);
	if (!f) { set_last_error(ERROR_NOT_ENOUGH_MEMORY); return INVALID_HANDLE_VALUE; }
	memset(f, 0, offsetof(struct find, buf));
	f->magic = FIND_MAGIC;
	memcpy(f->mask, full + s, (n - s + 1) * 2);
	/* the directory part keeps its trailing backslash only for the root */
	WCHAR dir[MAX_PATH * 2];
	size_t dl = s;
	if (dl > 3) dl--;
	memcpy(dir, full, dl * 2);
	dir[dl] = 0;
	NTSTATUS st = k32_open(dir, 1 /* FILE_LIST_DIRECTORY */, 7, NT_FILE_OPEN, NT_FILE_DIRECTORY_FILE | 0x4000, &f->dir, 0);
	if (st) {
		k32_free(f);
		if (st == NT_STATUS_OBJECT_NAME_NOT_FOUND || st == NT_STATUS_NOT_A_DIRECTORY) st = NT_STATUS_OBJECT_PATH_NOT_FOUND;
		fail_status(st);
		return INVALID_HANDLE_VALUE;
	}
	st = refill(f, 1);
	if (!st) st = next(f, fd);
	if (st) {
		NtClose(f->dir);
		k32_free(f);
		set_last_error(st == NT_STATUS_NO_MORE_FILES || st == NT_STATUS_NO_SUCH_FILE ? ERROR_FILE_NOT_FOUND
		                                                                             : RtlNtStatusToDosError(st));
		return INVALID_HANDLE_VALUE;
	}
	return f;
}

BOOL WINAPI FindNextFileW(HANDLE h, WIN32_FIND_DATAW *fd)
{
	struct find *f = h;
	if (!f || h == INVALID_HANDLE_VALUE || f->magic != FIND_MAGIC) return fail(ERROR_INVALID_HANDLE);
	NTSTATUS st = next(f, fd);
	if (st == NT_STATUS_NO_MORE_FILES || st == NT_STATUS_NO_SUCH_FILE) return fail(ERROR_NO_MORE_FILES);
	return st ? fail_status(st) : TRUE;
}

BOOL WINAPI FindClose(HANDLE h)
{
	struct find *f = h;
	if (!f || h == INVALID_HANDLE_VALUE || f->magic != FIND_MAGIC) return fail(ERROR_INVALID_HANDLE);
	f->magic = 0;
	NtClose(f->dir);
	k32_free(f);
	return TRUE;
}
#endif
