#if defined(_WIN64)
/* shell32: FindExecutableW for programs and batch files and
 * SHGetFileInfoW(SHGFI_EXETYPE) are real: cmd waits for a program only when
 * FindExecutableW succeeds and SHGetFileInfoW calls it a console program.
 * SHFileOperationW deletes trees (`rmdir /s`), moves, renames and copies
 * files. Documents have no associations (SE_ERR_NOASSOC); the other
 * SHGetFileInfoW queries are documented failing stubs. */
#include "w32.h"

void SetLastError(DWORD e);

#define SE_ERR_FNF     2
#define SE_ERR_NOASSOC 31

DWORD GetFullPathNameW(const WCHAR *name, DWORD size, WCHAR *buf, WCHAR **filepart);
DWORD GetFileAttributesW(const WCHAR *name);
DWORD GetEnvironmentVariableW(const WCHAR *name, WCHAR *buf, DWORD size);

/* FindExecutableW: a program is its own executable (result = its full path);
 * batch files run in %COMSPEC%; other documents have no association here
 * (SE_ERR_NOASSOC). Returns > 32 on success, as documented. result holds
 * MAX_PATH characters. cmd calls it before SHGetFileInfoW(SHGFI_EXETYPE)
 * to decide whether to wait for a program. */
HINSTANCE FindExecutableW(const WCHAR *file, const WCHAR *dir, WCHAR *result)
{
	WCHAR full[MAX_PATH], tmp[2 * MAX_PATH];
	if (result) result[0] = 0;
	if (!file || !result) return (HINSTANCE)(uintptr_t)SE_ERR_FNF;
	const WCHAR *name = file;
	int relative = !(w_is_sep(file[0]) || (file[0] && file[1] == ':'));
	if (relative && dir && *dir) { /* dir\file */
		size_t dl = w_len(dir), fl = w_len(file);
		if (dl + fl + 2 >= 2 * MAX_PATH) return (HINSTANCE)(uintptr_t)SE_ERR_FNF;
		for (size_t i = 0; i < dl; i++) tmp[i] = dir[i];
		size_t n = dl;
		if (n && !w_is_sep(tmp[n - 1])) tmp[n++] = '\\';
		for (size_t i = 0; i <= fl; i++) tmp[n + i] = file[i];
		name = tmp;
	}
	DWORD n = GetFullPathNameW(name, MAX_PATH, full, 0);
	if (!n || n >= MAX_PATH) return (HINSTANCE)(uintptr_t)SE_ERR_FNF;
	DWORD a = GetFileAttributesW(full);
	if (a == 0xffffffffu || (a & 0x10)) return (HINSTANCE)(uintptr_t)SE_ERR_FNF;
	const WCHAR *ext = 0;
	for (const WCHAR *p = full; *p; p++) { if (*p == '.') ext = p; else if (w_is_sep(*p)) ext = 0; }
	if (ext && (w_icmp(ext, u".exe") == 0 || w_icmp(ext, u".com") == 0)) {
		for (DWORD i = 0; i <= n; i++) result[i] = full[i];
		return (HINSTANCE)(uintptr_t)42;
	}
	if (ext && (w_icmp(ext, u".bat") == 0 || w_icmp(ext, u".cmd") == 0)) {
		DWORD l = GetEnvironmentVariableW(u"COMSPEC", result, MAX_PATH);
		if (!l || l >= MAX_PATH) {
			static const WCHAR cmd[] = u"C:\\Windows\\System32\\cmd.exe";
			for (size_t i = 0; i < sizeof cmd / 2; i++) result[i] = cmd[i];
		}
		return (HINSTANCE)(uintptr_t)42;
	}
	return (HINSTANCE)(uintptr_t)SE_ERR_NOASSOC;
}

typedef struct { void *hwnd; UINT func; const WCHAR *from, *to; WORD flags; BOOL aborted; void *mappings; const WCHAR *title; } SHFILEOPSTRUCTW;
HANDLE FindFirstFileW(const WCHAR *pattern, WIN32_FIND_DATAW *fd);
BOOL FindNextFileW(HANDLE h, WIN32_FIND_DATAW *fd);
BOOL FindClose(HANDLE h);
BOOL DeleteFileW(const WCHAR *name);
BOOL RemoveDirectoryW(const WCHAR *name);
BOOL SetFileAttributesW(const WCHAR *name, DWORD attributes);
BOOL MoveFileExW(const WCHAR *src, const WCHAR *dst, DWORD flags);
BOOL CopyFileW(const WCHAR *src, const WCHAR *dst, BOOL fail_if_exists);
DWORD GetLastError(void);

#define FO_MOVE   1
#define FO_COPY   2
#define FO_DELETE 3
#define FO_RENAME 4

static size_t join(WCHAR *out, size_t cap, const WCHAR *dir, size_t dl, const WCHAR *name)
{
	size_t nl = w_len(name);
	if (dl + nl + 2 > cap) return 0;
	for (size_t i = 0; i < dl; i++) out[i] = dir[i];
	size_t n = dl;
	if (n && !w_is_sep(out[n - 1])) out[n++] = '\\';
	for (size_t i = 0; i <= nl; i++) out[n + i] = name[i];
	return n + nl;
}

/* Deletes a file, or a directory with everything in it. 0 or a Win32 error. */
static DWORD delete_tree(const WCHAR *path, int depth)
{
	DWORD a = GetFileAttributesW(path);
	if (a == 0xffffffffu) return GetLastError();
	if (a & 1) SetFileAttributesW(path, a & ~1u); /* read-only files go too, as Explorer does */
	if (!(a & 0x10)) return DeleteFileW(path) ? 0 : GetLastError();
	if (depth > 64) return ERROR_FILENAME_EXCED_RANGE;
	WCHAR pat[2 * MAX_PATH], child[2 * MAX_PATH];
	size_t pl = w_len(path);
	if (!join(pat, 2 * MAX_PATH, path, pl, u"*")) return ERROR_FILENAME_EXCED_RANGE;
	WIN32_FIND_DATAW fd;
	HANDLE h = FindFirstFileW(pat, &fd);
	if (h != INVALID_HANDLE_VALUE) {
		do {
			if ((fd.name[0] == '.' && !fd.name[1]) || (fd.name[0] == '.' && fd.name[1] == '.' && !fd.name[2])) continue;
			if (!join(child, 2 * MAX_PATH, path, pl, fd.name)) { FindClose(h); return ERROR_FILENAME_EXCED_RANGE; }
			DWORD e = delete_tree(child, depth + 1);
			if (e) { FindClose(h); return e; }
		} while (FindNextFileW(h, &fd));
		FindClose(h);
	}
	return RemoveDirectoryW(path) ? 0 : GetLastError();
}

/* One source of FO_DELETE, with wildcards in its last component. */
static DWORD delete_spec(const WCHAR *spec)
{
	int wild = 0;
	size_t sl = w_len(spec), dl = sl;
	while (dl > 0 && !w_is_sep(spec[dl - 1]) && spec[dl - 1] != ':') dl--;
	for (size_t i = dl; i < sl; i++) if (spec[i] == '*' || spec[i] == '?') wild = 1;
	if (!wild) return delete_tree(spec, 0);
	WIN32_FIND_DATAW fd;
	WCHAR child[2 * MAX_PATH];
	HANDLE h = FindFirstFileW(spec, &fd);
	if (h == INVALID_HANDLE_VALUE) return GetLastError();
	DWORD e = 0;
	do {
		if ((fd.name[0] == '.' && !fd.name[1]) || (fd.name[0] == '.' && fd.name[1] == '.' && !fd.name[2])) continue;
		if (!join(child, 2 * MAX_PATH, spec, dl, fd.name)) { e = ERROR_FILENAME_EXCED_RANGE; break; }
		if ((e = delete_tree(child, 0))) break;
	} while (FindNextFileW(h, &fd));
	FindClose(h);
	return e;
}

/* SHFileOperationW: FO_DELETE removes files and whole directory trees (cmd's
 * `rmdir /s`), wildcards allowed; FO_MOVE and FO_RENAME go through
 * MoveFileExW and FO_COPY through CopyFileW for files (one target or one
 * per source). No UI: the confirmation flags change nothing. Returns 0 or
 * a Win32 error (also the last error), fAnyOperationsAborted stays FALSE. */
int SHFileOperationW(SHFILEOPSTRUCTW *op)
{
	if (!op || !op->from) { SetLastError(ERROR_INVALID_PARAMETER); return ERROR_INVALID_PARAMETER; }
	op->aborted = FALSE;
	DWORD e = 0;
	const WCHAR *to = op->to;
	for (const WCHAR *src = op->from; *src && !e; src += w_len(src) + 1) {
		switch (op->func) {
		case FO_DELETE:
			e = delete_spec(src);
			break;
		case FO_MOVE: case FO_RENAME: case FO_COPY: {
			if (!to || !*to) { e = ERROR_INVALID_PARAMETER; break; }
			const WCHAR *dst = to;
			WCHAR full[2 * MAX_PATH];
			DWORD ta = GetFileAttributesW(to);
			if (ta != 0xffffffffu && (ta & 0x10)) { /* into a directory: same name there */
				size_t sl = w_len(src), b = sl;
				while (b > 0 && !w_is_sep(src[b - 1])) b--;
				if (!join(full, 2 * MAX_PATH, to, w_len(to), src + b)) { e = ERROR_FILENAME_EXCED_RANGE; break; }
				dst = full;
			}
			BOOL ok = op->func == FO_COPY ? CopyFileW(src, dst, FALSE) : MoveFileExW(src, dst, 2 /* COPY_ALLOWED */);
			if (!ok) e = GetLastError();
			if (to[w_len(to) + 1]) to += w_len(to) + 1; /* FOF_MULTIDESTFILES: one target per source */
			break;
		}
		default:
			e = ERROR_INVALID_PARAMETER;
		}
	}
	if (e) SetLastError(e);
	return (int)e;
}

HANDLE CreateFileW(const WCHAR *name, DWORD access, DWORD share, void *sa, DWORD creation, DWORD flags, HANDLE tmpl);
BOOL ReadFile(HANDLE h, void *buf, DWORD n, DWORD *got, void *ov);
DWORD SetFilePointer(HANDLE h, LONG dist, LONG *high, DWORD method);
BOOL CloseHandle(HANDLE h);

#define SHGFI_EXETYPE 0x2000

/* The executable type, as documented for SHGFI_EXETYPE: LOWORD 'PE' ("PE"
 * = 0x4550) or 'MZ', HIWORD the subsystem version for Windows (GUI)
 * programs and 0 for console programs; 0 for anything else. cmd waits for
 * a program only when it is a console one, so this must be right. */
static uint64_t exe_type(const WCHAR *path)
{
	uint8_t hdr[512];
	DWORD got = 0;
	HANDLE h = CreateFileW(path, 0x80000000u, 7, 0, 3, 0, 0);
	if (h == INVALID_HANDLE_VALUE) return 0;
	BOOL ok = ReadFile(h, hdr, 64, &got, 0);
	uint64_t r = 0;
	if (ok && got == 64 && hdr[0] == 'M' && hdr[1] == 'Z') {
		uint32_t pe = (uint32_t)hdr[0x3c] | (uint32_t)hdr[0x3d] << 8 | (uint32_t)hdr[0x3e] << 16 | (uint32_t)hdr[0x3f] << 24;
		r = 0x5a4d; /* an MS-DOS program unless a PE header follows */
		if (pe < 0x10000 && SetFilePointer(h, (LONG)pe, 0, 0) == pe && ReadFile(h, hdr, 24 + 72, &got, 0) && got == 24 + 72 &&
		    hdr[0] == 'P' && hdr[1] == 'E' && !hdr[2] && !hdr[3]) {
			uint16_t chars = (uint16_t)(hdr[22] | hdr[23] << 8);
			const uint8_t *opt = hdr + 24;
			uint16_t subsys = (uint16_t)(opt[68] | opt[69] << 8);
			uint16_t major = (uint16_t)(opt[48] | opt[49] << 8), minor = (uint16_t)(opt[50] | opt[51] << 8);
			if (chars & 0x2000) r = 0; /* a DLL is not an executable */
			else if (subsys == 3) r = 0x4550; /* console */
			else r = 0x4550 | (uint64_t)((major << 8 | minor) & 0xffff) << 16;
		}
	}
	CloseHandle(h);
	return r;
}

uint64_t SHGetFileInfoW(const WCHAR *path, DWORD attrs, void *info, UINT size, UINT flags)
{
	(void)attrs; (void)info; (void)size;
	if (flags == SHGFI_EXETYPE && path) return exe_type(path);
	SetLastError(ERROR_CALL_NOT_IMPLEMENTED);
	return 0; /* icons, display names and types need a shell we do not have */
}

W32_RELOC_ANCHOR
BOOL DllMain(void *base, DWORD reason, void *reserved) { (void)base; (void)reason; (void)reserved; return TRUE; }
#endif
