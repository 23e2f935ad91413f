#if defined(_WIN64)
/* Files and directories over NtCreateFile and friends. */
#include "k32.h"

#define GENERIC_READ    0x80000000u
#define GENERIC_WRITE   0x40000000u
#define DELETE_ACCESS   0x00010000u
#define SYNCHRONIZE     0x00100000u
#define FILE_READ_ATTRIBUTES  0x0080u
#define FILE_WRITE_ATTRIBUTES 0x0100u
#define FILE_LIST_DIRECTORY   0x0001u
#define FILE_SYNCHRONOUS_IO_NONALERT 0x0020u
#define FILE_OPEN_FOR_BACKUP_INTENT  0x4000u
#define FILE_FLAG_BACKUP_SEMANTICS 0x02000000u
#define FILE_FLAG_DELETE_ON_CLOSE  0x04000000u
#define FILE_SHARE_ALL 7u
#define INVALID_FILE_ATTRIBUTES 0xffffffffu

int k32_ntname(const WCHAR *dos, struct ntname *n)
{
	if (!dos || !*dos) { set_last_error(ERROR_PATH_NOT_FOUND); return 0; }
	/* relative names resolve against the current directory in the process parameters */
	UNICODE_STRING tmp;
	if (!RtlDosPathNameToNtPathName_U(dos, &tmp, 0, 0)) { set_last_error(ERROR_INVALID_NAME); return 0; }
	size_t len = tmp.length / 2;
	if (len >= sizeof n->buf / 2) { RtlFreeUnicodeString(&tmp); set_last_error(ERROR_FILENAME_EXCED_RANGE); return 0; }
	memcpy(n->buf, (void *)(uintptr_t)tmp.buffer, len * 2);
	n->buf[len] = 0;
	RtlFreeUnicodeString(&tmp);
	RtlInitUnicodeString(&n->us, n->buf);
	memset(&n->oa, 0, sizeof n->oa);
	n->oa.length = sizeof n->oa;
	n->oa.object_name = (uint64_t)(uintptr_t)&n->us;
	n->oa.attributes = 0x40; /* OBJ_CASE_INSENSITIVE */
	return 1;
}

NTSTATUS k32_open(const WCHAR *dos, DWORD access, ULONG share, ULONG disposition, ULONG options, HANDLE *h, ULONG *info)
{
	struct ntname n;
	IO_STATUS_BLOCK iosb = { 0, 0 };
	if (!k32_ntname(dos, &n)) return NT_STATUS_OBJECT_NAME_INVALID;
	NTSTATUS st = NtCreateFile(h, access | SYNCHRONIZE, &n.oa, &iosb, 0, NT_FILE_ATTRIBUTE_NORMAL, share, disposition,
		options | FILE_SYNCHRONOUS_IO_NONALERT, 0, 0);
	if (info) *info = (ULONG)iosb.information;
	return st;
}

HANDLE WINAPI CreateFileW(const WCHAR *name, DWORD access, DWORD share, SECURITY_ATTRIBUTES *sa, DWORD creation,
	DWORD flags, HANDLE tmpl)
{
	static const ULONG disp[] = { 0, NT_FILE_CREATE, NT_FILE_OVERWRITE_IF, NT_FILE_OPEN, NT_FILE_OPEN_IF, NT_FILE_OVERWRITE };
	(void)sa; (void)tmpl;
	if (creation < 1 || creation > 5) { set_last_error(ERROR_INVALID_PARAMETER); return INVALID_HANDLE_VALUE; }
	if (!name) { set_last_error(ERROR_PATH_NOT_FOUND); return INVALID_HANDLE_VALUE; }
	ULONG options = 0;
	if (!(flags & FILE_FLAG_BACKUP_SEMANTICS)) options |= NT_FILE_NON_DIRECTORY_FILE;
	else options |= FILE_OPEN_FOR_BACKUP_INTENT;
	if (flags & FILE_FLAG_DELETE_ON_CLOSE) { options |= NT_FILE_DELETE_ON_CLOSE; access |= DELETE_ACCESS; }
	/* console pseudo-files */
	if (w_icmp(name, u"CONIN$") == 0 || w_icmp(name, u"CONOUT$") == 0 || w_icmp(name, u"CON") == 0) {
		int in = w_icmp(name, u"CONIN$") == 0 || (w_icmp(name, u"CON") == 0 && (access & GENERIC_READ));
		HANDLE std = GetStdHandle(in ? (DWORD)-10 : (DWORD)-11);
		HANDLE dup;
		if (k32_is_console(std) && !NtDuplicateObject(CUR_PROCESS, std, CUR_PROCESS, &dup, 0, 0, 2 /* SAME_ACCESS */))
			return dup;
	}
	HANDLE h;
	ULONG info = 0;
	NTSTATUS st = k32_open(name, access | FILE_READ_ATTRIBUTES, share, disp[creation], options, &h, &info);
	if (st) {
		/* CREATE_NEW on an existing file: ERROR_FILE_EXISTS, as Windows */
		if (st == NT_STATUS_OBJECT_NAME_COLLISION) set_last_error(ERROR_FILE_EXISTS);
		else if (st == NT_STATUS_FILE_IS_A_DIRECTORY) set_last_error(ERROR_ACCESS_DENIED);
		else set_last_error(RtlNtStatusToDosError(st));
		return INVALID_HANDLE_VALUE;
	}
	/* OPEN_ALWAYS / CREATE_ALWAYS on an existing file report ERROR_ALREADY_EXISTS */
	if ((creation == 2 || creation == 4) && (info == 1 /* FILE_OPENED */ || info == 3 /* FILE_OVERWRITTEN */ || info == 0))
		set_last_error(ERROR_ALREADY_EXISTS);
	else set_last_error(0);
	return h;
}

BOOL WINAPI ReadFile(HANDLE h, void *buf, DWORD n, DWORD *got, void *ov)
{
	IO_STATUS_BLOCK iosb = { 0, 0 };
	(void)ov;
	if (got) *got = 0;
	NTSTATUS st = NtReadFile(h, 0, 0, 0, &iosb, buf, n, 0, 0);
	if (st == NT_STATUS_END_OF_FILE) return TRUE;
	if (st < 0) return fail_status(st);
	if (got) *got = (DWORD)iosb.information;
	return TRUE;
}

BOOL WINAPI WriteFile(HANDLE h, const void *buf, DWORD n, DWORD *written, void *ov)
{
	IO_STATUS_BLOCK iosb = { 0, 0 };
	(void)ov;
	if (written) *written = 0;
	NTSTATUS st = NtWriteFile(h, 0, 0, 0, &iosb, buf, n, 0, 0);
	if (st < 0) return fail_status(st);
	if (written) *written = (DWORD)iosb.information;
	return TRUE;
}

BOOL WINAPI CloseHandle(HANDLE h)
{
	NTSTATUS st = NtClose(h);
	return st ? fail_status(st) : TRUE;
}

struct basic_info { int64_t ctime, atime, wtime, chtime; ULONG attributes; ULONG pad; };
struct standard_info { int64_t alloc, eof; ULONG links; BOOLEAN delete_pending, directory; uint16_t pad; };

/* Console and NUL handles: devices that do not seek. */
static int is_char_device(HANDLE h)
{
	IO_STATUS_BLOCK iosb;
	struct { ULONG type, characteristics; } dev = { 0, 0 };
	if (k32_is_console(h)) return 1;
	if (NtQueryVolumeInformationFile(h, &iosb, &dev, sizeof dev, NT_FILE_FS_DEVICE_INFORMATION)) return 0;
	return dev.type != NT_FILE_DEVICE_DISK_FILE_SYSTEM;
}

BOOL WINAPI SetFilePointerEx(HANDLE h, LARGE_INTEGER dist, LARGE_INTEGER *newpos, DWORD method)
{
	IO_STATUS_BLOCK iosb;
	int64_t pos;
	NTSTATUS st;
	if (method <= 2 && is_char_device(h)) {
		/* Windows' I/O manager keeps a position for any synchronous handle;
		 * on a device it means nothing: succeed at 0 (cmd seeks to the end
		 * of every redirection target, `> nul` and `> con` included). */
		if (newpos) newpos->QuadPart = 0;
		return TRUE;
	}
	if (method == 0) pos = dist.QuadPart;
	else if (method == 1) {
		int64_t cur;
		st = NtQueryInformationFile(h, &iosb, &cur, sizeof cur, NT_FILE_POSITION_INFORMATION);
		if (st) return fail_status(st);
		pos = cur + dist.QuadPart;
	} else if (method == 2) {
		struct standard_info si;
		st = NtQueryInformationFile(h, &iosb, &si, sizeof si, NT_FILE_STANDARD_INFORMATION);
		if (st) return fail_status(st);
		pos = si.eof + dist.QuadPart;
	} else return fail(ERROR_INVALID_PARAMETER);
	if (pos < 0) return fail(131 /* ERROR_NEGATIVE_SEEK */);
	st = NtSetInformationFile(h, &iosb, &pos, sizeof pos, NT_FILE_POSITION_INFORMATION);
	if (st) return fail_status(st);
	if (newpos) newpos->QuadPart = pos;
	return TRUE;
}

DWORD WINAPI SetFilePointer(HANDLE h, LONG dist, LONG *high, DWORD method)
{
	LARGE_INTEGER d, np;
	d.QuadPart = high ? (int64_t)(((uint64_t)(uint32_t)*high << 32) | (uint32_t)dist) : (int64_t)dist;
	if (!SetFilePointerEx(h, d, &np, method)) return 0xffffffffu;
	if (high) *high = np.u.HighPart;
	set_last_error(0);
	return np.u.LowPart;
}

typedef struct {
	DWORD attributes;
	FILETIME ctime, atime, wtime;
	DWORD volume_serial, size_high, size_low, links, index_high, index_low;
} BY_HANDLE_FILE_INFORMATION;

static FILETIME ft(int64_t t) { FILETIME f = { (DWORD)t, (DWORD)((uint64_t)t >> 32) }; return f; }

BOOL WINAPI GetFileInformationByHandle(HANDLE h, BY_HANDLE_FILE_INFORMATION *fi)
{
	IO_STATUS_BLOCK iosb;
	struct basic_info bi;
	struct standard_info si;
	NTSTATUS st = NtQueryInformationFile(h, &iosb, &bi, sizeof bi, NT_FILE_BASIC_INFORMATION);
	if (st) return fail_status(st);
	st = NtQueryInformationFile(h, &iosb, &si, sizeof si, NT_FILE_STANDARD_INFORMATION);
	if (st) return fail_status(st);
	fi->attributes = bi.attributes;
	fi->ctime = ft(bi.ctime); fi->atime = ft(bi.atime); fi->wtime = ft(bi.wtime);
	fi->size_high = (DWORD)((uint64_t)si.eof >> 32);
	fi->size_low = (DWORD)si.eof;
	fi->links = si.links;
	/* the volume serial (FileFsVolumeInformation) and the file's index
	 * (FileInternalInformation): cmd compares both to spot a copy onto
	 * one of its own sources */
	uint8_t vb[128];
	fi->volume_serial = NtQueryVolumeInformationFile(h, &iosb, vb, sizeof vb, NT_FILE_FS_VOLUME_INFORMATION) >= 0
		? *(ULONG *)(vb + 8) : 0;
	uint64_t index = 0;
	st = NtQueryInformationFile(h, &iosb, &index, sizeof index, 6 /* FileInternalInformation */);
	if (st) return fail_status(st);
	fi->index_high = (DWORD)(index >> 32);
	fi->index_low = (DWORD)index;
	return TRUE;
}

DWORD WINAPI GetFileAttributesW(const WCHAR *name)
{
	struct ntname n;
	struct nt_file_network_open_information info;
	if (!k32_ntname(name, &n)) return INVALID_FILE_ATTRIBUTES;
	NTSTATUS st = NtQueryAttributesFile(&n.oa, &info);
	if (st) { fail_status(st); return INVALID_FILE_ATTRIBUTES; }
	return info.file_attributes;
}

typedef struct { DWORD attributes; FILETIME ctime, atime, wtime; DWORD size_high, size_low; } WIN32_FILE_ATTRIBUTE_DATA;

BOOL WINAPI GetFileAttributesExW(const WCHAR *name, int level, WIN32_FILE_ATTRIBUTE_DATA *d)
{
	struct ntname n;
	struct nt_file_network_open_information info;
	if (level != 0) return fail(ERROR_INVALID_PARAMETER);
	if (!k32_ntname(name, &n)) return FALSE;
	NTSTATUS st = NtQueryAttributesFile(&n.oa, &info);
	if (st) return fail_status(st);
	d->attributes = info.file_attributes;
	d->ctime = ft(info.creation_time); d->atime = ft(info.last_access_time); d->wtime = ft(info.last_write_time);
	d->size_high = (DWORD)((uint64_t)info.end_of_file >> 32);
	d->size_low = (DWORD)info.end_of_file;
	return TRUE;
}

BOOL WINAPI SetFileAttributesW(const WCHAR *name, DWORD attributes)
{
	HANDLE h;
	IO_STATUS_BLOCK iosb;
	NTSTATUS st = k32_open(name, FILE_WRITE_ATTRIBUTES, FILE_SHARE_ALL, NT_FILE_OPEN, FILE_OPEN_FOR_BACKUP_INTENT, &h, 0);
	if (st) return fail_status(st);
	struct basic_info bi = { 0, 0, 0, 0, attributes ? attributes : NT_FILE_ATTRIBUTE_NORMAL, 0 };
	st = NtSetInformationFile(h, &iosb, &bi, sizeof bi, NT_FILE_BASIC_INFORMATION);
	NtClose(h);
	return st ? fail_status(st) : TRUE;
}

BOOL WINAPI CreateDirectoryW(const WCHAR *name, SECURITY_ATTRIBUTES *sa)
{
	HANDLE h;
	(void)sa;
	NTSTATUS st = k32_open(name, FILE_LIST_DIRECTORY, FILE_SHARE_ALL, NT_FILE_CREATE,
		NT_FILE_DIRECTORY_FILE | FILE_OPEN_FOR_BACKUP_INTENT, &h, 0);
	if (st) return fail_status(st);
	NtClose(h);
	return TRUE;
}

/* Deletes through FileDispositionInformation, as Windows does. */
static BOOL delete_object(const WCHAR *name, ULONG kind)
{
	HANDLE h;
	IO_STATUS_BLOCK iosb;
	NTSTATUS st = k32_open(name, DELETE_ACCESS, FILE_SHARE_ALL, NT_FILE_OPEN, kind | FILE_OPEN_FOR_BACKUP_INTENT, &h, 0);
	if (st) return fail_status(st);
	BOOLEAN yes = 1;
	st = NtSetInformationFile(h, &iosb, &yes, sizeof yes, NT_FILE_DISPOSITION_INFORMATION);
	NtClose(h);
	return st ? fail_status(st) : TRUE;
}
BOOL WINAPI DeleteFileW(const WCHAR *name) { return delete_object(name, NT_FILE_NON_DIRECTORY_FILE); }
BOOL WINAPI RemoveDirectoryW(const WCHAR *name) { return delete_object(name, NT_FILE_DIRECTORY_FILE); }

#define MOVEFILE_REPLACE_EXISTING 1
#define MOVEFILE_COPY_ALLOWED     2
BOOL WINAPI CopyFileW(const WCHAR *src, const WCHAR *dst, BOOL fail_if_exists);

BOOL WINAPI MoveFileExW(const WCHAR *src, const WCHAR *dst, DWORD flags)
{
	HANDLE h;
	IO_STATUS_BLOCK iosb;
	struct ntname target;
	if (!dst) return fail(ERROR_INVALID_PARAMETER); /* delayed deletes need a reboot we do not have */
	if (!k32_ntname(dst, &target)) return FALSE;
	NTSTATUS st = k32_open(src, DELETE_ACCESS, FILE_SHARE_ALL, NT_FILE_OPEN, FILE_OPEN_FOR_BACKUP_INTENT, &h, 0);
	if (st) return fail_status(st);
	size_t nl = target.us.length;
	uint8_t buf[24 + 2200];
	memset(buf, 0, 24);
	buf[0] = (flags & MOVEFILE_REPLACE_EXISTING) ? 1 : 0; /* ReplaceIfExists */
	*(uint32_t *)(buf + 16) = (uint32_t)nl;                /* FileNameLength; RootDirectory at 8 is 0 */
	memcpy(buf + 20, target.buf, nl);
	st = NtSetInformationFile(h, &iosb, buf, (ULONG)(20 + nl), NT_FILE_RENAME_INFORMATION);
	NtClose(h);
	if (st == NT_STATUS_NOT_SUPPORTED && (flags & MOVEFILE_COPY_ALLOWED)) {
		if (!CopyFileW(src, dst, !(flags & MOVEFILE_REPLACE_EXISTING))) return FALSE;
		return DeleteFileW(src);
	}
	return st ? fail_status(st) : TRUE;
}
BOOL WINAPI MoveFileW(const WCHAR *src, const WCHAR *dst) { return MoveFileExW(src, dst, MOVEFILE_COPY_ALLOWED); }

BOOL WINAPI CopyFileW(const WCHAR *src, const WCHAR *dst, BOOL fail_if_exists)
{
	HANDLE in, out;
	IO_STATUS_BLOCK iosb;
	NTSTATUS st = k32_open(src, GENERIC_READ, 1 /* FILE_SHARE_READ */, NT_FILE_OPEN, NT_FILE_NON_DIRECTORY_FILE, &in, 0);
	if (st) return fail_status(st);
	struct basic_info bi;
	if (NtQueryInformationFile(in, &iosb, &bi, sizeof bi, NT_FILE_BASIC_INFORMATION)) bi.attributes = NT_FILE_ATTRIBUTE_NORMAL;
	st = k32_open(dst, GENERIC_WRITE | FILE_WRITE_ATTRIBUTES, 0, fail_if_exists ? NT_FILE_CREATE : NT_FILE_OVERWRITE_IF,
		NT_FILE_NON_DIRECTORY_FILE, &out, 0);
	if (st) {
		NtClose(in);
		if (st == NT_STATUS_OBJECT_NAME_COLLISION) return fail(ERROR_FILE_EXISTS);
		return fail_status(st);
	}
	uint8_t *buf = k32_alloc(65536);
	BOOL ok = buf != 0;
	if (!buf) set_last_error(ERROR_NOT_ENOUGH_MEMORY);
	while (ok) {
		st = NtReadFile(in, 0, 0, 0, &iosb, buf, 65536, 0, 0);
		if (st == NT_STATUS_END_OF_FILE || (st == 0 && iosb.information == 0)) break;
		if (st) { ok = fail_status(st); break; }
		ULONG n = (ULONG)iosb.information;
		st = NtWriteFile(out, 0, 0, 0, &iosb, buf, n, 0, 0);
		if (st) { ok = fail_status(st); break; }
	}
	if (ok) { /* keep the attributes and times, as CopyFile does */
		bi.chtime = 0;
		NtSetInformationFile(out, &iosb, &bi, sizeof bi, NT_FILE_BASIC_INFORMATION);
	}
	k32_free(buf);
	NtClose(in);
	NtClose(out);
	return ok;
}

DWORD WINAPI GetFullPathNameW(const WCHAR *name, DWORD size, WCHAR *buf, WCHAR **filepart)
{
	ULONG r = RtlGetFullPathName_U(name, size * 2, buf, filepart);
	if (!r) { set_last_error(name && *name ? ERROR_INVALID_NAME : ERROR_INVALID_PARAMETER); return 0; }
	if (r > size * 2) return r / 2;  /* needed, with the NUL */
	return r / 2;
}

DWORD WINAPI GetShortPathNameW(const WCHAR *name, WCHAR *buf, DWORD size)
{
	/* No 8.3 names on our drive: the short name is the long one. */
	if (!name) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	if (GetFileAttributesW(name) == INVALID_FILE_ATTRIBUTES) return 0;
	size_t n = w_len(name);
	if (n + 1 > size) return (DWORD)(n + 1);
	memmove(buf, name, (n + 1) * 2);
	return (DWORD)n;
}

DWORD WINAPI GetCurrentDirectoryW(DWORD size, WCHAR *buf)
{
	ULONG r = RtlGetCurrentDirectory_U(size * 2, buf);
	return r / 2;
}

BOOL WINAPI SetCurrentDirectoryW(const WCHAR *dir)
{
	UNICODE_STRING us;
	if (!dir) return fail(ERROR_INVALID_PARAMETER);
	RtlInitUnicodeString(&us, dir);
	NTSTATUS st = RtlSetCurrentDirectory_U(&us);
	if (st == NT_STATUS_NOT_A_DIRECTORY) return fail(ERROR_DIRECTORY);
	return st ? fail_status(st) : TRUE;
}

static int file_exists(const WCHAR *p)
{
	DWORD a = GetFileAttributesW(p);
	return a != INVALID_FILE_ATTRIBUTES && !(a & NT_FILE_ATTRIBUTE_DIRECTORY);
}

/* Tries dir\file(+ext); on success writes the full path. */
static DWORD try_in(const WCHAR *dir, size_t dl, const WCHAR *file, const WCHAR *ext, DWORD size, WCHAR *buf, WCHAR **fp)
{
	WCHAR cand[1024];
	size_t n = 0, fl = w_len(file), el = ext ? w_len(ext) : 0;
	if (dl + fl + el + 2 >= 1024) return 0;
	for (size_t i = 0; i < dl; i++) cand[n++] = dir[i];
	if (n && !w_is_sep(cand[n - 1])) cand[n++] = '\\';
	for (size_t i = 0; i < fl; i++) cand[n++] = file[i];
	cand[n] = 0;
	int has_ext = 0;
	for (size_t i = n; i > 0 && !w_is_sep(cand[i - 1]); i--) if (cand[i - 1] == '.') { has_ext = 1; break; }
	if (ext && !has_ext) { for (size_t i = 0; i <= el; i++) cand[n + i] = ext[i]; }
	if (!file_exists(cand)) return 0;
	return GetFullPathNameW(cand, size, buf, fp);
}

DWORD WINAPI SearchPathW(const WCHAR *path, const WCHAR *file, const WCHAR *ext, DWORD size, WCHAR *buf, WCHAR **fp)
{
	DWORD r;
	if (!file || !*file) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	int has_dir = 0;
	for (const WCHAR *p = file; *p; p++) if (w_is_sep(*p) || *p == ':') has_dir = 1;
	if (has_dir) {
		r = try_in(u"", 0, file, ext, size, buf, fp);
		if (!r) set_last_error(ERROR_FILE_NOT_FOUND);
		return r;
	}
	if (path) {
		const WCHAR *p = path;
		while (*p) {
			const WCHAR *s = p;
			while (*p && *p != ';') p++;
			if (p > s && (r = try_in(s, (size_t)(p - s), file, ext, size, buf, fp))) return r;
			if (*p) p++;
		}
		set_last_error(ERROR_FILE_NOT_FOUND);
		return 0;
	}
	/* default order: the .exe's directory, the current directory, System32, Windows, PATH */
	WCHAR dir[MAX_PATH * 2];
	const WCHAR *img = (const WCHAR *)(uintptr_t)((UNICODE_STRING *)(nt_params() + NT_PP_IMAGE_PATH))->buffer;
	size_t il = ((UNICODE_STRING *)(nt_params() + NT_PP_IMAGE_PATH))->length / 2;
	if (img && il) {
		while (il > 0 && !w_is_sep(img[il - 1])) il--;
		/* an NT path "\??\C:\x" is shown as its DOS form */
		size_t s = (il >= 4 && img[0] == '\\' && img[1] == '?' && img[2] == '?' && img[3] == '\\') ? 4 : 0;
		if (il > s && (r = try_in(img + s, il - s, file, ext, size, buf, fp))) return r;
	}
	DWORD cl = GetCurrentDirectoryW(MAX_PATH * 2, dir);
	if (cl && cl < MAX_PATH * 2 && (r = try_in(dir, cl, file, ext, size, buf, fp))) return r;
	if ((r = try_in(u"C:\\Windows\\System32", 19, file, ext, size, buf, fp))) return r;
	if ((r = try_in(u"C:\\Windows", 10, file, ext, size, buf, fp))) return r;
	size_t pl;
	const WCHAR *pe = k32_getenv(u"PATH", &pl);
	if (pe) {
		WCHAR *copy = k32_alloc((pl + 1) * 2);
		if (copy) {
			memcpy(copy, pe, pl * 2);
			copy[pl] = 0;
			r = SearchPathW(copy, file, ext, size, buf, fp);
			k32_free(copy);
			if (r) return r;
		}
	}
	set_last_error(ERROR_FILE_NOT_FOUND);
	return 0;
}

DWORD WINAPI GetTempPathW(DWORD size, WCHAR *buf)
{
	WCHAR tmp[MAX_PATH * 2];
	DWORD n = GetEnvironmentVariableW(u"TMP", tmp, MAX_PATH);
	if (!n || n >= MAX_PATH) n = GetEnvironmentVariableW(u"TEMP", tmp, MAX_PATH);
	if (!n || n >= MAX_PATH) n = GetEnvironmentVariableW(u"USERPROFILE", tmp, MAX_PATH);
	/* as documented: TMP, TEMP, USERPROFILE, then the Windows directory */
	if (!n || n >= MAX_PATH) { memcpy(tmp, u"C:\\Windows", 22); n = 10; }
	WCHAR full[MAX_PATH * 2];
	n = GetFullPathNameW(tmp, MAX_PATH * 2 - 2, full, 0);
	if (!n || n >= MAX_PATH * 2 - 2) return 0;
	if (full[n - 1] != '\\') { full[n++] = '\\'; full[n] = 0; }
	if (n + 1 > size) return n + 1;
	memcpy(buf, full, (n + 1) * 2);
	return n;
}

UINT WINAPI GetTempFileNameW(const WCHAR *path, const WCHAR *prefix, UINT unique, WCHAR *buf)
{
	size_t pl = w_len(path);
	if (pl + 16 >= MAX_PATH) { set_last_error(ERROR_FILENAME_EXCED_RANGE); return 0; }
	UINT u = unique ? unique : (GetTickCount() & 0xffff);
	for (int tries = 0; tries < 0x10000; tries++) {
		if (!u) u = 1;
		size_t n = 0;
		for (size_t i = 0; i < pl; i++) buf[n++] = path[i];
		if (n && !w_is_sep(buf[n - 1])) buf[n++] = '\\';
		for (int i = 0; prefix && prefix[i] && i < 3; i++) buf[n++] = prefix[i];
		for (int sh = 12; sh >= 0; sh -= 4) buf[n++] = (WCHAR)"0123456789ABCDEF"[(u >> sh) & 15];
		buf[n++] = '.'; buf[n++] = 't'; buf[n++] = 'm'; buf[n++] = 'p'; buf[n] = 0;
		if (unique) return unique;
		HANDLE h;
		NTSTATUS st = k32_open(buf, GENERIC_WRITE, 0, NT_FILE_CREATE, NT_FILE_NON_DIRECTORY_FILE, &h, 0);
		if (!st) { NtClose(h); return u; }
		if (st != NT_STATUS_OBJECT_NAME_COLLISION) { fail_status(st); return 0; }
		u = (u + 1) & 0xffff;
	}
	set_last_error(ERROR_FILE_EXISTS);
	return 0;
}

BOOL WINAPI GetVolumeInformationW(const WCHAR *root, WCHAR *label, DWORD label_size, DWORD *serial, DWORD *maxcomp,
	DWORD *fsflags, WCHAR *fsname, DWORD fsname_size)
{
	HANDLE h;
	IO_STATUS_BLOCK iosb;
	NTSTATUS st = k32_open(root ? root : u"\\", FILE_READ_ATTRIBUTES, FILE_SHARE_ALL, NT_FILE_OPEN,
		NT_FILE_DIRECTORY_FILE | FILE_OPEN_FOR_BACKUP_INTENT, &h, 0);
	if (st) return fail_status(st);
	uint8_t vb[600], ab[600];
	NTSTATUS sv = NtQueryVolumeInformationFile(h, &iosb, vb, sizeof vb, NT_FILE_FS_VOLUME_INFORMATION);
	NTSTATUS sa = NtQueryVolumeInformationFile(h, &iosb, ab, sizeof ab, NT_FILE_FS_ATTRIBUTE_INFORMATION);
	NtClose(h);
	if (sv < 0 && sv != NT_STATUS_BUFFER_TOO_SMALL) return fail_status(sv);
	/* FILE_FS_VOLUME_INFORMATION: time 0, serial 8, label length 12, label 18 */
	ULONG ll = *(ULONG *)(vb + 12) / 2;
	if (ll > 256) ll = 256;
	if (label && label_size) {
		if (ll + 1 > label_size) return fail(ERROR_INSUFFICIENT_BUFFER);
		memcpy(label, vb + 18, ll * 2);
		label[ll] = 0;
	}
	if (serial) *serial = *(ULONG *)(vb + 8);
	/* FILE_FS_ATTRIBUTE_INFORMATION: attributes 0, max component 4, name length 8, name 12 */
	ULONG attrs = 0x3, maxc = 255, nl = 0;
	const WCHAR *fsn = u"NTFS";
	if (sa >= 0) {
		attrs = *(ULONG *)ab;
		maxc = *(ULONG *)(ab + 4);
		nl = *(ULONG *)(ab + 8) / 2;
		if (nl > 200) nl = 200;
		fsn = (const WCHAR *)(ab + 12);
	} else nl = 4;
	if (fsflags) *fsflags = attrs;
	if (maxcomp) *maxcomp = maxc;
	if (fsname && fsname_size) {
		if (nl + 1 > fsname_size) return fail(ERROR_INSUFFICIENT_BUFFER);
		memcpy(fsname, fsn, nl * 2);
		fsname[nl] = 0;
	}
	return TRUE;
}

BOOL WINAPI GetDiskFreeSpaceExW(const WCHAR *dir, uint64_t *avail, uint64_t *total, uint64_t *free)
{
	HANDLE h;
	IO_STATUS_BLOCK iosb;
	NTSTATUS st = k32_open(dir ? dir : u"\\", FILE_READ_ATTRIBUTES, FILE_SHARE_ALL, NT_FILE_OPEN,
		NT_FILE_DIRECTORY_FILE | FILE_OPEN_FOR_BACKUP_INTENT, &h, 0);
	if (st) return fail_status(st);
	struct { int64_t total, avail; ULONG spu, bps; } si;
	st = NtQueryVolumeInformationFile(h, &iosb, &si, sizeof si, NT_FILE_FS_SIZE_INFORMATION);
	NtClose(h);
	if (st) return fail_status(st);
	uint64_t unit = (uint64_t)si.spu * si.bps;
	if (avail) *avail = (uint64_t)si.avail * unit;
	if (free) *free = (uint64_t)si.avail * unit;
	if (total) *total = (uint64_t)si.total * unit;
	return TRUE;
}

/* Documented failures: our drive has no labels or links. */
BOOL WINAPI SetVolumeLabelW(const WCHAR *root, const WCHAR *label) { (void)root; (void)label; return fail(ERROR_NOT_SUPPORTED); }
BOOL WINAPI CreateHardLinkW(const WCHAR *link, const WCHAR *target, SECURITY_ATTRIBUTES *sa)
{ (void)link; (void)target; (void)sa; return fail(ERROR_NOT_SUPPORTED); }
BOOLEAN WINAPI CreateSymbolicLinkW(const WCHAR *link, const WCHAR *target, DWORD flags)
{ (void)link; (void)target; (void)flags; set_last_error(ERROR_NOT_SUPPORTED); return 0; }
#endif
