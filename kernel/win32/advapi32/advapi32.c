#if defined(_WIN64)
/* advapi32: there is no registry and no security model. Opens and queries
 * find nothing (ERROR_FILE_NOT_FOUND); creating keys is refused
 * (ERROR_ACCESS_DENIED); writes and enumeration on keys that cannot exist
 * fail with ERROR_INVALID_HANDLE; the security calls fail with
 * ERROR_NOT_SUPPORTED (cmd uses them only for `dir /q`). */
#include "w32.h"

void SetLastError(DWORD e);

static int predefined(HKEY k) { return (uintptr_t)k >= 0x80000000u && (uintptr_t)k <= 0x80000006u; }

LONG RegOpenKeyExW(HKEY key, const WCHAR *sub, DWORD options, DWORD access, HKEY *out)
{
	(void)key; (void)sub; (void)options; (void)access;
	if (out) *out = 0;
	return ERROR_FILE_NOT_FOUND;
}
LONG RegCreateKeyExW(HKEY key, const WCHAR *sub, DWORD reserved, WCHAR *cls, DWORD options, DWORD access,
	void *sa, HKEY *out, DWORD *disposition)
{
	(void)key; (void)sub; (void)reserved; (void)cls; (void)options; (void)access; (void)sa; (void)disposition;
	if (out) *out = 0;
	return ERROR_ACCESS_DENIED;
}
LONG RegQueryValueExW(HKEY key, const WCHAR *name, DWORD *reserved, DWORD *type, BYTE *data, DWORD *size)
{
	(void)key; (void)name; (void)reserved; (void)type; (void)data; (void)size;
	return ERROR_FILE_NOT_FOUND;
}
LONG RegSetValueExW(HKEY key, const WCHAR *name, DWORD reserved, DWORD type, const BYTE *data, DWORD size)
{
	(void)name; (void)reserved; (void)type; (void)data; (void)size;
	return predefined(key) ? ERROR_ACCESS_DENIED : ERROR_INVALID_HANDLE;
}
LONG RegDeleteKeyW(HKEY key, const WCHAR *sub)
{
	(void)sub;
	return predefined(key) ? ERROR_FILE_NOT_FOUND : ERROR_INVALID_HANDLE;
}
LONG RegEnumKeyExW(HKEY key, DWORD index, WCHAR *name, DWORD *namelen, DWORD *reserved, WCHAR *cls, DWORD *clslen,
	void *time)
{
	(void)index; (void)name; (void)namelen; (void)reserved; (void)cls; (void)clslen; (void)time;
	return predefined(key) ? ERROR_NO_MORE_ITEMS : ERROR_INVALID_HANDLE;
}
LONG RegCloseKey(HKEY key) { return predefined(key) ? ERROR_SUCCESS : ERROR_INVALID_HANDLE; }

BOOL GetFileSecurityW(const WCHAR *name, DWORD info, void *sd, DWORD len, DWORD *needed)
{
	(void)name; (void)info; (void)sd; (void)len;
	if (needed) *needed = 0;
	SetLastError(ERROR_NOT_SUPPORTED);
	return FALSE;
}
BOOL GetSecurityDescriptorOwner(void *sd, void **owner, BOOL *defaulted)
{
	(void)sd;
	if (owner) *owner = 0;
	if (defaulted) *defaulted = FALSE;
	SetLastError(ERROR_NOT_SUPPORTED);
	return FALSE;
}
BOOL LookupAccountSidW(const WCHAR *system, void *sid, WCHAR *name, DWORD *namelen, WCHAR *domain, DWORD *domainlen,
	int *use)
{
	(void)system; (void)sid; (void)name; (void)namelen; (void)domain; (void)domainlen; (void)use;
	SetLastError(ERROR_NOT_SUPPORTED);
	return FALSE;
}

W32_RELOC_ANCHOR
BOOL DllMain(void *base, DWORD reason, void *reserved) { (void)base; (void)reason; (void)reserved; return TRUE; }
#endif
